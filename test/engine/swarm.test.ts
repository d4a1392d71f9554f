// `berth install --target swarm` on a real single-node swarm (test/engine/swarm-harness.ts makes one when the
// engine is not in a swarm, and the suite's teardown leaves it again): magec (openai) and reflector come up healthy
// from the local test images, one-shots run before the services that wait for them, the PostgreSQL password is a
// Docker secret (its image reads POSTGRES_PASSWORD_FILE) and in no stack file, a reconfigure whose update fails is
// rolled back by swarm and reported with the previous files put back, and a stack swarm cannot run is refused
// before anything is written. Without an engine or the images this test fails (never skips).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterEach, describe, expect, test } from 'vitest';
import { berth, cleanEnv, fixtures } from '../helpers.js';
import {
  docker,
  dotenvValue,
  ENGINE_STACK,
  fastHealthchecks,
  freePort,
  MAGEC_TEST_IMAGES,
  requireEngine,
  text,
  useStacks,
} from './harness.js';
import { ensureSwarm } from './swarm-harness.js';
import { kernelHasIpvs } from '../../src/swarm/deploy.js';

const { root, newStack } = useStacks('swarm');
const deployed: string[] = [];

/** Everything a stack left: its services, tasks' containers, networks, secrets, configs, volumes; and its node label. */
async function removeStack(project: string): Promise<void> {
  await docker(['stack', 'rm', project], root);
  for (let i = 0; i < 60; i++) {
    const left = await docker(['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${project}`], root);
    const nets = await docker(
      ['network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`],
      root,
    );
    if (String(left.stdout).trim() === '' && String(nets.stdout).trim() === '') break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  // A finished job's container outlives its service on this engine, and holds its volumes.
  const stopped = await docker(
    ['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${project}`],
    root,
  );
  const ids = String(stopped.stdout).split('\n').filter(Boolean);
  if (ids.length > 0) await docker(['rm', '--force', ...ids], root);
  const volumes = await docker(['volume', 'ls', '-q', '--filter', `name=${project}_`], root);
  const names = String(volumes.stdout)
    .split('\n')
    .filter((n) => n.startsWith(`${project}_`));
  if (names.length > 0) await docker(['volume', 'rm', '--force', ...names], root);
  const self = await docker(['info', '--format', '{{.Swarm.NodeID}}'], root);
  const labels = await docker(
    ['node', 'inspect', String(self.stdout).trim(), '--format', '{{json .Spec.Labels}}'],
    root,
  );
  if (String(labels.stdout).includes(`berth.${project}.data`))
    await docker(['node', 'update', '--label-rm', `berth.${project}.data`, String(self.stdout).trim()], root);
}

afterEach(async () => {
  for (const project of deployed.splice(0)) await removeStack(project);
}, 180_000);

async function service(project: string, name: string): Promise<Record<string, unknown>> {
  const r = await docker(['service', 'inspect', `${project}_${name}`], root);
  expect(r.exitCode, text(r)).toBe(0);
  return (JSON.parse(String(r.stdout)) as Record<string, unknown>[])[0]!;
}

async function httpStatus(url: string): Promise<number> {
  for (let i = 0; i < 20; i++) {
    try {
      return (await fetch(url, { signal: AbortSignal.timeout(3000) })).status;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return 0;
}

/** The order the services reached their states in, from berth's plain progress lines (`[1.2s] name: state`). */
/** The names of the stack's Docker secrets or configs (labelled with its namespace). */
async function stackObjects(kind: 'secret' | 'config', project: string): Promise<string[]> {
  const r = await docker(
    [kind, 'ls', '--filter', `label=com.docker.stack.namespace=${project}`, '--format', '{{.Name}}'],
    root,
  );
  expect(r.exitCode, text(r)).toBe(0);
  return String(r.stdout).split('\n').filter(Boolean);
}

const firstLine = (out: string, pattern: RegExp) => out.split('\n').findIndex((l) => pattern.test(l));

describe('berth install --target swarm on a real swarm', () => {
  test('magec (openai): healthy, the seed job first, the password a Docker secret; a failed update is rolled back and reported', async () => {
    await requireEngine(['berth-test/magec:1', 'berth-test/postgres:1', 'berth-test/redis:1']);
    await ensureSwarm();
    const stack = await newStack(false);
    deployed.push(stack.project);
    fastHealthchecks(stack.dir, ['magec', 'postgres', 'redis']);
    const key = path.join(root, `${stack.project}-key`);
    writeFileSync(key, 'sk-test-swarm-0123456789abcdef\n', { mode: 0o600 });
    const port = await freePort();
    const adminPort = await freePort();
    const args = [
      ...['install', '--recipe', 'magec', '--dir', stack.dir, '--yes', '--target', 'swarm'],
      ...['--mode', 'openai', '--openai-api-key-file', key, ...MAGEC_TEST_IMAGES],
      ...['--magec-port', String(port), '--admin-port', String(adminPort), '--wait-timeout', '240'],
    ];
    const r = await berth(args, { timeout: 300_000 });
    const out = text(r);
    expect(r.exitCode, out).toBe(0);
    expect(out).toContain('Deploying the stack to Docker Swarm');
    // The job completed before magec, which waits for it, was even deployed.
    expect(firstLine(out, /magec-seed: completed/)).toBeGreaterThan(-1);
    expect(firstLine(out, /magec-seed: completed/)).toBeLessThan(firstLine(out, /\] magec: /));
    expect(out).toMatch(/all 4 service\(s\) up/);
    expect(await httpStatus(`http://127.0.0.1:${port}/api/v1/health`)).toBe(200);

    const state = JSON.parse(readFileSync(path.join(stack.dir, '.berth/state.json'), 'utf8')) as {
      target: string;
    };
    expect(state.target).toBe('swarm');
    expect(readFileSync(path.join(stack.dir, 'berth.yaml'), 'utf8')).toMatch(/^target: swarm$/m);

    // The password: a Docker secret for PostgreSQL (its image reads POSTGRES_PASSWORD_FILE), in no stack file.
    const password = dotenvValue(stack.dir, 'POSTGRES_PASSWORD');
    const postgres = JSON.stringify(await service(stack.project, 'postgres'));
    expect(postgres).not.toContain(password);
    expect(postgres).toContain('POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password');
    const stackFile = path.join(stack.dir, '.berth/swarm/stack.yaml');
    expect(statSync(stackFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(stackFile, 'utf8')).not.toContain(password);
    expect(out).not.toContain(password);
    const secrets = await stackObjects('secret', stack.project);
    expect(secrets.join('\n')).toMatch(
      new RegExp(`^${stack.project}_postgres_postgres_password_[0-9a-f]{8}$`, 'm'),
    );
    // The data service is pinned to this node, which berth labelled.
    expect(postgres).toContain(`node.labels.berth.${stack.project}.data == true`);

    // An image that does not exist: the new task is rejected, swarm rolls magec back, berth says so and puts
    // the previous files back.
    const broken = await berth(
      [
        'install',
        '--dir',
        stack.dir,
        '--yes',
        '--magec-image',
        'berth-test/magec:does-not-exist',
        '--wait-timeout',
        '240',
      ],
      { timeout: 300_000 },
    );
    expect(broken.exitCode, text(broken)).not.toBe(0);
    expect(text(broken)).toMatch(
      /magec did not come up on the swarm: its update failed .*No such image.*rolled it back/,
    );
    expect(text(broken)).toContain(`The previous files are back in ${stack.dir}.`);
    expect(dotenvValue(stack.dir, 'MAGEC_IMAGE')).toBe('berth-test/magec:1');
    const magec = (await service(stack.project, 'magec')) as {
      Spec: { TaskTemplate: { ContainerSpec: { Image: string } } };
      UpdateStatus: { State: string };
    };
    expect(magec.Spec.TaskTemplate.ContainerSpec.Image).toBe('berth-test/magec:1');
    expect(magec.UpdateStatus.State).toBe('rollback_completed');
    expect(await httpStatus(`http://127.0.0.1:${port}/api/v1/health`)).toBe(200);

    // A change that breaks health (the user's override points magec's healthcheck at a page that is not there):
    // the new task never becomes healthy, swarm rolls magec back, berth reports it.
    const override = path.join(stack.dir, 'compose.override.yaml');
    const fast = readFileSync(override, 'utf8');
    writeFileSync(
      override,
      fast
        .replace(
          '  magec:\n    healthcheck:\n',
          '  magec:\n    healthcheck:\n      test: ["CMD", "ffmpeg", "-i", "http://127.0.0.1:8080/no-such-page"]\n      start_period: 0s\n',
        )
        .replace(/( {2}magec:\n(?: {6}.*\n| {4}healthcheck:\n)*?) {6}retries: 75\n/, '$1      retries: 2\n'),
    );
    const unhealthy = await berth(['install', '--dir', stack.dir, '--yes', '--wait-timeout', '240'], {
      timeout: 300_000,
    });
    expect(unhealthy.exitCode, text(unhealthy)).not.toBe(0);
    expect(text(unhealthy)).toMatch(/magec did not come up on the swarm: its update failed .*rolled it back/);
    const afterHealth = (await service(stack.project, 'magec')) as { UpdateStatus: { State: string } };
    expect(afterHealth.UpdateStatus.State).toBe('rollback_completed');
    expect(await httpStatus(`http://127.0.0.1:${port}/api/v1/health`)).toBe(200);
    writeFileSync(override, fast);

    // An older version of a file's config, as a deploy that failed after creating it leaves one.
    const leftover = `${stack.project}_old.conf_0badc0de`;
    const made = await execa(
      'docker',
      ['config', 'create', '--label', `com.docker.stack.namespace=${stack.project}`, leftover, '-'],
      { env: cleanEnv(), extendEnv: false, reject: false, input: 'older\n' },
    );
    expect(made.exitCode, String(made.stderr)).toBe(0);

    // The same answers again: nothing changes, nothing waits on an update (the earlier rollback is history).
    const again = await berth(['install', '--dir', stack.dir, '--yes', '--wait-timeout', '120'], {
      timeout: 200_000,
    });
    expect(again.exitCode, text(again)).toBe(0);
    expect(text(again)).toMatch(/all 4 service\(s\) up/);
    // Afterwards the stack holds exactly the configs and secrets its stack file names: the leftover is gone.
    const named = parse(readFileSync(stackFile, 'utf8')) as Record<string, Record<string, { name: string }>>;
    for (const kind of ['config', 'secret'] as const) {
      const expected = Object.values(named[`${kind}s`] ?? {}).map((x) => x.name);
      expect((await stackObjects(kind, stack.project)).sort(), kind).toEqual(expected.sort());
    }

    // The same project with docker compose next to the stack: refused, pointing at berth down; nothing written.
    const envBefore = readFileSync(path.join(stack.dir, '.env'), 'utf8');
    const compose = await berth(['install', '--dir', stack.dir, '--yes', '--target', 'compose']);
    expect(compose.exitCode, text(compose)).toBe(2);
    expect(text(compose)).toContain('already runs here with a Docker Swarm stack');
    expect(text(compose)).toContain(`berth down --dir ${stack.dir}`);
    expect(readFileSync(path.join(stack.dir, '.env'), 'utf8')).toBe(envBefore);

    // uninstall --purge: no service, secret, config, network or volume of the stack is left, nor its node label.
    const gone = await berth(['uninstall', '--dir', stack.dir, '--purge', '--yes'], { timeout: 300_000 });
    expect(gone.exitCode, text(gone)).toBe(0);
    const label = `label=com.docker.stack.namespace=${stack.project}`;
    for (const kind of ['service', 'secret', 'config', 'network'])
      expect(String((await docker([kind, 'ls', '-q', '--filter', label], root)).stdout).trim(), kind).toBe(
        '',
      );
    const volumes = await docker(['volume', 'ls', '-q', '--filter', `name=${stack.project}_`], root);
    expect(String(volumes.stdout).trim()).toBe('');
    const self = await docker(['node', 'inspect', 'self', '--format', '{{json .Spec.Labels}}'], root);
    expect(String(self.stdout)).not.toContain(`berth.${stack.project}.data`);
  }, 600_000);

  test('reflector: migrate completes before the server, worker and beat; every service healthy; the API answers', async () => {
    await requireEngine([
      'berth-test/reflector-server:1',
      'berth-test/reflector-web:1',
      'berth-test/postgres:1',
      'berth-test/redis:1',
    ]);
    await ensureSwarm();
    const stack = await newStack(false);
    deployed.push(stack.project);
    fastHealthchecks(stack.dir, ['server', 'worker', 'beat', 'web', 'postgres', 'redis']);
    const webPort = await freePort();
    const serverPort = await freePort();
    const udpBase = 40_000 + Math.floor(Math.random() * 9_000);
    const r = await berth(
      [
        ...['install', '--recipe', 'reflector', '--dir', stack.dir, '--yes', '--target', 'swarm'],
        ...['--wait-timeout', '240', '--public-host', '127.0.0.1'],
        ...['--web-port', String(webPort), '--server-port', String(serverPort)],
        ...['--transcription', 'gpu_server', '--transcript-url', 'http://gpu.example.invalid:8000'],
        ...['--webrtc-port-range', `${udpBase}-${udpBase + 2}`],
        ...['--server-image', 'berth-test/reflector-server:1', '--web-image', 'berth-test/reflector-web:1'],
        ...['--postgres-image', 'berth-test/postgres:1', '--redis-image', 'berth-test/redis:1'],
      ],
      { timeout: 300_000 },
    );
    const out = text(r);
    expect(r.exitCode, out).toBe(0);
    const migrated = firstLine(out, /migrate: completed/);
    expect(migrated).toBeGreaterThan(-1);
    for (const name of ['server', 'worker', 'beat'])
      expect(firstLine(out, new RegExp(`\\] ${name}: `))).toBeGreaterThan(migrated);
    expect(out).toMatch(/all 7 service\(s\) up/);
    expect(await httpStatus(`http://127.0.0.1:${serverPort}/health`)).toBe(200);
    expect(await httpStatus(`http://127.0.0.1:${webPort}/api/health`)).toBe(200);
  }, 400_000);

  test('a stack swarm cannot run (a privileged service) is refused before anything is written or deployed', async () => {
    await requireEngine();
    await ensureSwarm();
    const stack = await newStack(false);
    mkdirSync(stack.dir, { recursive: true });
    writeFileSync(path.join(stack.dir, 'compose.override.yaml'), 'services:\n  web:\n    privileged: true\n');
    const r = await berth([
      ...['install', '--recipe', ENGINE_STACK, '--dir', stack.dir, '--yes', '--target', 'swarm'],
      ...['--web-port', String(await freePort())],
    ]);
    expect(r.exitCode, text(r)).toBe(2);
    expect(text(r)).toContain('cannot run on Docker Swarm as answered. Nothing was deployed.');
    expect(text(r)).toContain('Service web runs privileged, which swarm services cannot.');
    expect(existsSync(path.join(stack.dir, '.env'))).toBe(false);
    const services = await docker(
      ['service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${stack.project}`],
      root,
    );
    expect(String(services.stdout).trim()).toBe('');
  }, 120_000);

  test('a port another swarm service publishes, and more host-port replicas than nodes, are refused before anything runs', async () => {
    await requireEngine(['berth-test/postgres:1', 'berth-test/busybox:1']);
    await ensureSwarm();
    const stack = await newStack(false);
    const port = await freePort();
    const holder = `${stack.project}-holder`;
    const made = await docker(
      [
        ...['service', 'create', '--detach', '--name', holder, '--replicas', '0'],
        ...['--publish', `published=${port},target=80,mode=host`, 'berth-test/busybox:1', 'sleep', '600'],
      ],
      root,
    );
    expect(made.exitCode, text(made)).toBe(0);
    try {
      const r = await berth([
        ...['install', '--recipe', path.join(fixtures, 'swarm-stack'), '--dir', stack.dir, '--yes'],
        ...['--target', 'swarm', '--web-port', String(port)],
      ]);
      expect(r.exitCode, text(r)).toBe(2);
      expect(text(r)).toContain(
        `Service web publishes port ${port}, which swarm service ${holder} already publishes`,
      );
      // The fixture's web runs two replicas; on one node with ports on the task's node (no IPVS), only one fits.
      // With IPVS the routing mesh publishes the port once for all replicas, and two fit.
      const fits =
        /Service web runs 2 replicas that each publish a port on their own node, but this swarm has 1 node/;
      if (kernelHasIpvs()) expect(text(r)).not.toMatch(fits);
      else expect(text(r)).toMatch(fits);
      expect(existsSync(path.join(stack.dir, '.env'))).toBe(false);
    } finally {
      await docker(['service', 'rm', holder], root);
    }
  }, 120_000);

  test('--target is checked: a value that is neither compose nor swarm is refused, naming where it came from', async () => {
    const stack = await newStack(false);
    const flag = await berth([
      'install',
      '--recipe',
      ENGINE_STACK,
      '--dir',
      stack.dir,
      '--yes',
      '--target',
      'k8s',
    ]);
    expect(flag.exitCode).toBe(2);
    expect(text(flag)).toContain('--target "k8s": must be compose or swarm.');
    const env = await berth(['render', '--recipe', ENGINE_STACK, '--dir', stack.dir, '--yes'], {
      env: { BERTH_TARGET: 'nomad' },
    });
    expect(env.exitCode).toBe(2);
    expect(text(env)).toContain('BERTH_TARGET is "nomad": it must be compose or swarm.');
  });
});
