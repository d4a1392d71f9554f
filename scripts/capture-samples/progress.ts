// The bring-up samples of test/progress/samples/, captured from a real engine (see scripts/capture-samples.ts):
// compose's own stderr of `up -d --wait` as berth runs it (up-<name>.stderr) and, where the parsers read it
// after a run, `ps -a --format json` (ps-<name>.jsonl). The stack is test/fixtures/engine-stack rendered by the
// built berth into <tmp>/<project> (project pv-cap unless told), and the scenarios run in order on that one
// folder, as a user's installs follow each other: a first install, a re-run, a new greeting, an unhealthy web,
// a timeout, a port already taken, a failing one-shot, and — with a registry on 127.0.0.1 — a pull and a
// failed pull.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { composeEnv } from '../../test/diagnose/fault-stack.js';

const repo = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(repo, 'test/fixtures/engine-stack');
const BUSYBOX = 'berth-test/busybox:1';
export const PROGRESS_SAMPLES = path.join(repo, 'test/progress/samples');

export interface ProgressOptions {
  outDir: string;
  /** Compose project, and the folder's name under the temporary folder. */
  project: string;
  /** Scenario names to write (all when empty); the ones before them still run, as their state is needed. */
  only: readonly string[];
  /** A registry at 127.0.0.1:<port> for the pull scenarios (scripts/capture-samples.ts starts one). */
  registryPort?: number | undefined;
}

interface Step {
  name: string;
  /** Flags for `berth render` before this run (the answers of the previous run are kept otherwise). */
  answers: string[];
  /** Start from nothing: `down -v` first. */
  fresh?: boolean;
  waitSeconds?: number;
  /** Write `docker compose ps` after the run too. */
  ps?: boolean;
  needsRegistry?: boolean;
  /** Something to hold during the run; returns how to let go. */
  hold?: (port: number) => Promise<() => Promise<void>>;
  /** An image to remove first, so compose must pull it. */
  removeImage?: (registry: string) => string;
}

const holdPort = async (port: number) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
};

const STEPS: Step[] = [
  { name: 'healthy', answers: [], fresh: true, ps: true },
  { name: 'rerun', answers: [] },
  { name: 'recreate', answers: ['--greeting', 'Hello again'] },
  { name: 'unhealthy', answers: ['--health-path', '/missing.html'], ps: true },
  // The health check fails but not yet three times when the wait runs out: web's health is still "starting".
  { name: 'timeout', answers: ['--health-path', '/missing.html'], fresh: true, waitSeconds: 2, ps: true },
  { name: 'porttaken', answers: ['--health-path', '/'], fresh: true, ps: true, hold: holdPort },
  { name: 'initfail', answers: ['--init-exit-code', '1'], fresh: true, ps: true },
  {
    name: 'pull',
    answers: ['--init-exit-code', '0', '--web-image', 'REGISTRY/pv/busybox:1'],
    fresh: true,
    needsRegistry: true,
    removeImage: (registry) => `${registry}/pv/busybox:1`,
  },
  {
    name: 'pullfail',
    answers: ['--web-image', 'REGISTRY/pv/missing:1'],
    fresh: true,
    needsRegistry: true,
  },
];

export const progressScenarios = STEPS.map((s) => s.name);

async function run(file: string, args: string[], cwd: string, timeoutSeconds = 120) {
  return execa(file, args, {
    cwd,
    env: composeEnv({ CI: 'true' }),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: timeoutSeconds * 1000,
  });
}

async function must(file: string, args: string[], cwd: string): Promise<void> {
  const r = await run(file, args, cwd);
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs every scenario in order; writes the samples asked for into outDir; returns the files written. */
export async function captureProgress(o: ProgressOptions): Promise<string[]> {
  const bundle = path.join(repo, 'dist/berth.mjs');
  if (!existsSync(bundle)) throw new Error('dist/berth.mjs is missing: run `npm run build` first');
  const dir = path.join(os.tmpdir(), o.project);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const registry = o.registryPort ? `localhost:${o.registryPort}` : undefined;
  const port = await freePort();
  const written: string[] = [];
  const last = Math.max(...STEPS.map((s, i) => (o.only.length === 0 || o.only.includes(s.name) ? i : -1)));
  try {
    for (const step of STEPS.slice(0, last + 1)) {
      if (step.needsRegistry && !registry) {
        console.log(`${step.name}: skipped (no registry: see scripts/capture-samples.ts --help)`);
        continue;
      }
      if (step.fresh && existsSync(path.join(dir, 'compose.yaml')))
        await must('docker', ['compose', 'down', '-v', '--remove-orphans', '-t', '1'], dir);
      const answers = step.answers.map((a) => a.replace('REGISTRY', registry ?? ''));
      await must(
        process.execPath,
        [
          bundle,
          'render',
          '--recipe',
          FIXTURE,
          '--dir',
          dir,
          '--yes',
          '--web-port',
          String(port),
          ...answers,
        ],
        repo,
      );
      if (step.removeImage && registry) await run('docker', ['image', 'rm', step.removeImage(registry)], dir);
      const release = await step.hold?.(port);
      const wait = step.waitSeconds ?? 60;
      const args = ['compose', '--progress', 'plain', '--ansi', 'never', 'up', '-d', '--wait'];
      const up = await run('docker', [...args, '--wait-timeout', String(wait)], dir, wait + 120);
      await release?.();
      const ps = step.ps ? await run('docker', ['compose', 'ps', '-a', '--format', 'json'], dir) : undefined;
      console.log(
        `${step.name}: compose exit ${up.exitCode}, last line: ${String(up.stderr).trim().split('\n').at(-1)}`,
      );
      if (o.only.length > 0 && !o.only.includes(step.name)) continue;
      const stderrFile = path.join(o.outDir, `up-${step.name}.stderr`);
      writeFileSync(stderrFile, `${String(up.stderr).trimEnd()}\n`);
      written.push(stderrFile);
      if (ps) {
        const psFile = path.join(o.outDir, `ps-${step.name}.jsonl`);
        writeFileSync(psFile, `${String(ps.stdout).trimEnd()}\n`);
        written.push(psFile);
      }
    }
  } finally {
    if (existsSync(path.join(dir, 'compose.yaml')))
      await run('docker', ['compose', 'down', '-v', '--remove-orphans', '-t', '1'], dir);
    if (registry) await run('docker', ['image', 'rm', `${registry}/pv/busybox:1`], dir);
    rmSync(dir, { recursive: true, force: true });
  }
  return written;
}

/** Pushes an image to the registry for the pull scenario: the busybox test image plus one layer of 8 MB of
 * random bytes that exists nowhere else, so the pull really downloads and extracts something. The local copy is
 * removed after the push (the scenario removes its tag again before the run). */
export async function seedRegistry(registryPort: number): Promise<void> {
  const target = `localhost:${registryPort}/pv/busybox:1`;
  const context = mkdtempSync(path.join(os.tmpdir(), 'berth-capture-image-'));
  try {
    writeFileSync(path.join(context, 'blob'), randomBytes(8 * 1024 * 1024));
    writeFileSync(path.join(context, 'Dockerfile'), `FROM ${BUSYBOX}\nCOPY blob /blob\n`);
    const build = await execa('docker', ['build', '-q', '-t', target, context], {
      env: composeEnv({ DOCKER_BUILDKIT: '0' }),
      extendEnv: false,
      reject: false,
    });
    if (build.exitCode !== 0) throw new Error(`docker build of ${target} failed:\n${build.stderr}`);
    await must('docker', ['push', target], repo);
    await must('docker', ['image', 'rm', target], repo);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
