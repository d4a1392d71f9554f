// What every real-engine test needs: docker without the caller's COMPOSE_* variables, a check that fails (never
// skips) when the engine, Compose v2 or a local image is missing, free ports, and `docker compose ps` as data.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa, type Result } from 'execa';
import { afterAll, afterEach, expect } from 'vitest';
import { composeCommand } from '../../src/compose/plugin.js';
import { cleanEnv, fixtures } from '../helpers.js';

export const SETUP_HINT =
  'Set it up with `sudo scripts/setup-test-engine.sh` (Debian 12+, as root), which also builds the test images.';

/**
 * Runs the docker CLI without the caller's COMPOSE_* variables, so only the folder's .env decides. `docker compose`
 * runs the Compose plugin directly, as berth does (src/compose/plugin.ts): the same compose, two process starts fewer.
 */
export function docker(args: string[], cwd: string, timeout = 60_000): Promise<Result> {
  const env = cleanEnv();
  const command = composeCommand('docker', args, env);
  return execa(command.file, command.args, {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout,
  }) as unknown as Promise<Result>;
}

/**
 * Runs a shell command in a service's running container (`compose exec`) with `input` on stdin (a secret never
 * goes on argv, in a test either) and returns its output, trimmed; a failure throws, naming the command.
 */
export async function inService(dir: string, service: string, script: string, input = ''): Promise<string> {
  const env = cleanEnv();
  const command = composeCommand('docker', ['compose', 'exec', '-T', service, 'sh', '-c', script], env);
  const result = await execa(command.file, command.args, {
    cwd: dir,
    env,
    extendEnv: false,
    reject: false,
    input,
    timeout: 60_000,
  });
  if (result.exitCode !== 0) throw new Error(`${service}: ${script}\n${text(result as unknown as Result)}`);
  return String(result.stdout).trim();
}

/** A service's logs so far, without colours. */
export async function logsOf(dir: string, service: string): Promise<string> {
  return String((await docker(['compose', 'logs', '--no-color', service], dir)).stdout);
}

export const text = (r: Result): string =>
  `exit ${String(r.exitCode)}\n--- stdout\n${String(r.stdout)}\n--- stderr\n${String(r.stderr)}`;

const checks = new Map<string, Promise<void>>();
/** Checked once per set of images, failing every test that needs them. */
export function requireEngine(images: readonly string[] = ['berth-test/busybox:1']): Promise<void> {
  const key = images.join(',');
  let check = checks.get(key);
  if (!check) {
    check = (async () => {
      const info = await docker(['info', '--format', '{{.ServerVersion}}'], os.tmpdir(), 15_000);
      if (info.exitCode !== 0) {
        const why = String(
          info.stderr || info.stdout || (info as { shortMessage?: string }).shortMessage || '',
        ).trim();
        throw new Error(
          `No Docker engine answers \`docker info\`: ${why.split('\n')[0] ?? ''}\n${SETUP_HINT}`,
        );
      }
      const compose = await docker(['compose', 'version', '--short'], os.tmpdir(), 15_000);
      if (compose.exitCode !== 0)
        throw new Error(`\`docker compose version\` failed (Compose v2 missing).\n${SETUP_HINT}`);
      const missing: string[] = [];
      for (const image of images) {
        const found = await docker(['image', 'inspect', '--format', '{{.Id}}', image], os.tmpdir(), 15_000);
        if (found.exitCode !== 0) missing.push(image);
      }
      if (missing.length > 0)
        throw new Error(
          `Local test images missing (nothing can be pulled): ${missing.join(', ')}\n${SETUP_HINT}`,
        );
    })();
    checks.set(key, check);
  }
  return check;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PsEntry {
  ID: string;
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
  /** Published ports: the host address (URL), the host port and the container's. */
  Publishers?: { URL: string; TargetPort: number; PublishedPort: number; Protocol: string }[];
}

/** Plain `docker compose ps -a --format json` in the folder: the .env there names the project and files. */
export async function composePs(dir: string): Promise<Record<string, PsEntry>> {
  const result = await docker(['compose', 'ps', '-a', '--format', 'json'], dir);
  expect(result.exitCode, text(result)).toBe(0);
  const out = String(result.stdout).trim();
  // Compose 2.26 prints one object per line; some 2.2x versions printed one JSON array.
  const entries = (
    out.startsWith('[')
      ? JSON.parse(out)
      : out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
  ) as PsEntry[];
  return Object.fromEntries(entries.map((e) => [e.Service, e]));
}

/** The project's volumes, by compose's label (found whether or not the folder is still there). */
export async function volumesOf(project: string): Promise<string[]> {
  const result = await docker(
    ['volume', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${project}`],
    os.tmpdir(),
  );
  expect(result.exitCode, text(result)).toBe(0);
  return String(result.stdout).split('\n').filter(Boolean).sort();
}

/** The test recipe every engine test installs (test/fixtures/engine-stack). */
export const ENGINE_STACK = path.join(fixtures, 'engine-stack');

/** `berth install` of engine-stack into the stack's folder: unattended, on the stack's free port. */
export const engineStackInstall = (stack: Pick<Stack, 'dir' | 'port'>): string[] => [
  'install',
  '--recipe',
  ENGINE_STACK,
  '--dir',
  stack.dir,
  '--yes',
  '--web-port',
  String(stack.port),
];

/** magec's images replaced by the local test images (scripts/build-test-images.sh): nothing is pulled. */
export const MAGEC_TEST_IMAGES = [
  '--magec-image',
  'berth-test/magec:1',
  '--redis-image',
  'berth-test/redis:1',
  '--postgres-image',
  'berth-test/postgres:1',
];

/**
 * Writes the install folder's compose.override.yaml (the user's own file: merged last, kept by berth, also when
 * it is there before the first install) so that each named service's healthcheck runs every 2 s. This engine
 * (20.10) probes first one interval after a start, so the recipes' 10–30 s intervals, not the services, decide
 * how long every start waits. Only the timing changes: the recipe's check command, timeout and start period stay,
 * and `retries` grows so that a service still gets at least the recipe's longest allowance (30 s × 5) of failing
 * probes before it counts as unhealthy. Name only services the install runs (compose refuses a service that has
 * no image); rewrite it before a reconfigure that adds services, as an operator may.
 */
export function fastHealthchecks(dir: string, services: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  const entries = services.map((s) => `  ${s}:\n    healthcheck:\n      interval: 2s\n      retries: 75\n`);
  writeFileSync(path.join(dir, 'compose.override.yaml'), `services:\n${entries.join('')}`);
}

export interface Stack {
  dir: string;
  /** berth names the project after the folder (as compose would): unique per run and test. */
  project: string;
  port: number;
  /** Whether it may have containers: a stack whose test never reaches an engine is not taken down. */
  onEngine: boolean;
}

/**
 * One install folder (and compose project) per test, under a temporary root: each test's stacks are taken
 * down (volumes too) after it, and after the file every project is checked for containers or volumes left
 * behind. Call at the top level of a test file. A shared stack (`newStack(true, true)`, made in a beforeAll for
 * tests that each leave it as the next one expects) is taken down once, after the file.
 */
export function useStacks(prefix: string): {
  root: string;
  newStack(onEngine?: boolean, shared?: boolean): Promise<Stack>;
} {
  const root = mkdtempSync(path.join(os.tmpdir(), `berth-${prefix}-`));
  let counter = 0;
  const current: Stack[] = [];
  const shared: Stack[] = [];
  const allProjects = new Set<string>();

  async function down(project: string, dir: string): Promise<void> {
    // `-p` as well as the folder: also removes what is left when the folder's files are not there (--purge).
    const cwd = existsSync(path.join(dir, '.env')) ? dir : root;
    const result = await docker(['compose', '-p', project, 'down', '-v', '--remove-orphans', '-t', '2'], cwd);
    if (result.exitCode !== 0) throw new Error(`docker compose down for ${project} failed:\n${text(result)}`);
  }

  afterEach(async () => {
    for (const stack of current.splice(0)) if (stack.onEngine) await down(stack.project, stack.dir);
  }, 120_000);

  afterAll(async () => {
    try {
      for (const stack of shared.splice(0)) if (stack.onEngine) await down(stack.project, stack.dir);
      const leaks: string[] = [];
      for (const project of allProjects) {
        const left = await docker(
          ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`],
          root,
        );
        const volumes = await volumesOf(project);
        if (String(left.stdout).trim() || volumes.length > 0) {
          leaks.push(project);
          await down(project, path.join(root, project));
          if (volumes.length > 0) await docker(['volume', 'rm', '--force', ...volumes], root);
        }
      }
      expect(leaks, 'containers or volumes left behind by a test').toEqual([]);
    } finally {
      await removeBuiltImages([...allProjects], root);
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);

  return {
    root,
    async newStack(onEngine = true, isShared = false) {
      const project = `${prefix}-${process.pid}-${++counter}`;
      const stack = { dir: path.join(root, project), project, port: await freePort(), onEngine };
      (isShared ? shared : current).push(stack);
      if (onEngine) allProjects.add(project);
      return stack;
    },
  };
}

/**
 * The images berth built for these projects (`berth-build/<project>-<service>:<version>`, and the `-previous` tags
 * a rebuild keeps), removed by name: by ID would also untag a test image that shares the ID.
 */
async function removeBuiltImages(projects: string[], cwd: string): Promise<void> {
  if (projects.length === 0) return;
  // One listing for all: several reference filters match an image that any of them matches.
  const r = await docker(
    [
      'images',
      '--format',
      '{{.Repository}}:{{.Tag}}',
      ...projects.flatMap((project) => ['--filter', `reference=berth-build/${project}-*`]),
    ],
    cwd,
  );
  const names = String(r.stdout)
    .split('\n')
    .filter((n) => n.trim() !== '' && !n.includes('<none>'));
  if (names.length > 0) await docker(['rmi', ...names], cwd);
}

/** Each service's end state as one string: `running healthy`, `exited 0`, `created ` (from `docker compose ps`). */
export async function serviceStates(dir: string): Promise<Record<string, string>> {
  const ps = await composePs(dir);
  return Object.fromEntries(
    Object.values(ps).map((e) => [
      e.Service,
      e.State === 'exited' ? `exited ${String(e.ExitCode)}` : `${e.State} ${e.Health}`,
    ]),
  );
}

/** A value of the install folder's .env, unquoted. */
export function dotenvValue(dir: string, name: string): string {
  const line = readFileSync(path.join(dir, '.env'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`));
  if (line === undefined) throw new Error(`${name} is not in ${dir}/.env`);
  return line.slice(name.length + 1).replace(/^'(.*)'$/, '$1');
}
