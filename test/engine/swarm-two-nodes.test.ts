// `berth install --target swarm` on a real two-node swarm (swarm-nodes.ts): the swarm-stack fixture (PostgreSQL on a
// named volume, a one-shot job writing a row into it, two web replicas with a published port) deployed from the
// manager's engine, with node 2 labelled as the stack's data node beforehand, as an operator would. The test checks
// where swarm put each task, that the job finished before web was created, that no service spec holds the
// password, and that web answers on its port on each node's address (host-mode ports: this kernel has no IPVS).
//
// Needs the host engine and the local images berth-test/swarm-node:1, berth-test/postgres:1, berth-test/busybox:1
// (scripts/setup-test-engine.sh). The host engine's own swarm state is never touched.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { berth, fixtures } from '../helpers.js';
import { dotenvValue, freePort, requireEngine, text } from './harness.js';
import { startSwarmNodes, SWARM_NODE_IMAGE, swarmDocker, type SwarmNodes } from './swarm-nodes.js';

const POSTGRES = 'berth-test/postgres:1';
const BUSYBOX = 'berth-test/busybox:1';
const FIXTURE = path.join(fixtures, 'swarm-stack');
const PROJECT = 'swarmtwo';

let swarm: SwarmNodes | undefined;
const root = mkdtempSync(path.join(os.tmpdir(), 'berth-swarm-two-'));
const dir = path.join(root, PROJECT);
let port = 0;
let jobRuns = 0;

beforeAll(async () => {
  await requireEngine([SWARM_NODE_IMAGE, POSTGRES, BUSYBOX]);
  swarm = await startSwarmNodes({ nodes: 2, images: [POSTGRES, BUSYBOX] });
  // The operator's choice of data node, made before berth runs: berth must keep it (it labels its own node only
  // when no node has the label).
  await swarm.label(1, { [`berth.${PROJECT}.data`]: 'true' });
  port = await freePort();
  console.info(`swarm up: ${JSON.stringify(swarm.timings)} ms, network ${swarm.network} ${swarm.subnet}`);
}, 300_000);

afterAll(async () => {
  await swarm?.stop();
  rmSync(root, { recursive: true, force: true });
}, 120_000);

const lines = (out: unknown): string[] =>
  String(out)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

async function on(host: string, args: string[], timeout?: number): Promise<string> {
  const r = await swarmDocker(args, host, timeout);
  expect(r.exitCode, `docker ${args.join(' ')}\n${text(r)}`).toBe(0);
  return String(r.stdout).trim();
}

/** The tasks of a service as the manager inspects them. */
interface Task {
  ID: string;
  NodeID: string;
  CreatedAt: string;
  DesiredState: string;
  Status: { State: string; Timestamp: string; ContainerStatus?: { ContainerID?: string } };
}
async function tasksOf(service: string): Promise<Task[]> {
  const ids = lines(await on(swarm!.managerHost, ['service', 'ps', '--quiet', `${PROJECT}_${service}`]));
  return JSON.parse(await on(swarm!.managerHost, ['inspect', '--type', 'task', ...ids])) as Task[];
}
const nodeName = (id: string): string => swarm!.nodes.find((n) => n.id === id)?.name ?? id;

describe('berth install --target swarm on two nodes', () => {
  test('installs: postgres on the labelled node 2, one web per node, the job done before web, no password in a spec', async () => {
    const { managerHost, nodes } = swarm!;
    const start = Date.now();
    const r = await berth(
      [
        'install',
        '--recipe',
        FIXTURE,
        '--target',
        'swarm',
        '--dir',
        dir,
        '--yes',
        '--web-port',
        String(port),
        '--wait-timeout',
        '240',
      ],
      { env: { DOCKER_HOST: managerHost }, timeout: 300_000 },
    );
    console.info(`berth install --target swarm: ${Date.now() - start} ms`);
    expect(r.exitCode, text(r)).toBe(0);

    // Placement, as the manager sees the tasks.
    const [postgres] = await tasksOf('postgres');
    expect(nodeName(postgres!.NodeID)).toBe('node-2');
    expect(postgres!.Status.State).toBe('running');
    const web = (await tasksOf('web')).filter((t) => t.DesiredState === 'running');
    expect(web.map((t) => `${nodeName(t.NodeID)} ${t.Status.State}`).sort()).toEqual([
      'node-1 running',
      'node-2 running',
    ]);
    // The named volume exists only where PostgreSQL runs; node 1 never had it.
    expect(lines(await on(nodes[1]!.host, ['volume', 'ls', '--quiet']))).toContain(`${PROJECT}_pgdata`);
    expect(lines(await on(nodes[0]!.host, ['volume', 'ls', '--quiet']))).not.toContain(`${PROJECT}_pgdata`);
    // berth kept the operator's data node: node 1 got no label.
    const labels = await on(managerHost, [
      'node',
      'inspect',
      '--format',
      '{{json .Spec.Labels}}',
      nodes[0]!.id,
    ]);
    expect(JSON.parse(labels)).toEqual({});

    // The job's first run completed before any web task was created: its container had exited (0, the task is
    // complete) before the manager created web's tasks. The container's exit is the moment: the task's own status
    // time is when its node's agent reported it, which can come after berth saw the exit and deployed web.
    const jobs = (await tasksOf('migrate')).sort((a, b) => Date.parse(a.CreatedAt) - Date.parse(b.CreatedAt));
    jobRuns = jobs.length;
    expect(jobs.map((t) => t.Status.State)).toEqual(jobs.map(() => 'complete'));
    const first = jobs[0]!;
    const jobNode = nodes.find((n) => n.id === first.NodeID);
    expect(jobNode, `the node ${first.NodeID} of the job's task`).toBeDefined();
    const finished = await on(jobNode!.host, [
      'inspect',
      '--format',
      '{{.State.FinishedAt}}',
      first.Status.ContainerStatus?.ContainerID ?? 'no-container-id',
    ]);
    console.info(
      `timeline: ${[
        ...jobs.map((t) => `migrate ${t.CreatedAt} -> ${t.Status.State} ${t.Status.Timestamp}`),
        `migrate's container exited ${finished}`,
        ...web.map((t) => `web ${t.CreatedAt}`),
      ].join('; ')}`,
    );
    const jobDone = Date.parse(finished);
    expect(jobDone).toBeGreaterThan(Date.parse(first.CreatedAt));
    for (const t of web) expect(Date.parse(t.CreatedAt)).toBeGreaterThan(jobDone);
    // ...and by the deploy log, whose lines are in order.
    const logs = readdirSync(path.join(dir, '.berth/logs')).filter((f) => f.startsWith('deploy-'));
    expect(logs).toHaveLength(1);
    const log = lines(readFileSync(path.join(dir, '.berth/logs', logs[0]!), 'utf8'));
    const completed = log.indexOf('migrate: completed');
    expect(completed).toBeGreaterThan(log.indexOf('postgres: healthy'));
    expect(log.indexOf('postgres: healthy')).toBeGreaterThan(-1);
    const firstWeb = log.findIndex((l) => l.startsWith('web: ') || l === `Creating service ${PROJECT}_web`);
    expect(firstWeb).toBeGreaterThan(completed);
    // The job really wrote into the database on node 2 (from whichever node it ran on).
    const pg = await on(nodes[1]!.host, [
      'ps',
      '--quiet',
      '--filter',
      `label=com.docker.swarm.service.name=${PROJECT}_postgres`,
    ]);
    const rows = await on(nodes[1]!.host, [
      'exec',
      pg,
      'psql',
      '-U',
      'app',
      '-d',
      'app',
      '--no-psqlrc',
      '-Atc',
      'SELECT count(*) FROM starts',
    ]);
    // One row per run of the job.
    expect(rows).toBe(String(jobRuns));

    // The password is a Docker secret: the specs name the file, never the value.
    const password = dotenvValue(dir, 'POSTGRES_PASSWORD');
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    const env = JSON.parse(
      await on(managerHost, [
        'service',
        'inspect',
        '--format',
        '{{json .Spec.TaskTemplate.ContainerSpec.Env}}',
        `${PROJECT}_postgres`,
      ]),
    ) as string[];
    expect(env).toContain('POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password');
    expect(env.some((e) => e.startsWith('POSTGRES_PASSWORD='))).toBe(false);
    const specs = await on(managerHost, [
      'service',
      'inspect',
      ...['postgres', 'migrate', 'web'].map((s) => `${PROJECT}_${s}`),
    ]);
    expect(specs).not.toContain(password);
    expect(readFileSync(path.join(dir, '.berth/swarm/stack.yaml'), 'utf8')).not.toContain(password);
  }, 360_000);

  // Each layer's deploy names only its own services: a job deployed once runs once.
  test('the one-shot job runs once per install', () => {
    expect(jobRuns).toBe(1);
  });

  test('--data-node naming another node than the one holding the data is refused: berth never moves data', async () => {
    const before = readFileSync(path.join(dir, '.env'), 'utf8');
    const r = await berth(['install', '--dir', dir, '--yes', '--data-node', swarm!.nodes[0]!.id], {
      env: { DOCKER_HOST: swarm!.managerHost },
    });
    expect(r.exitCode, text(r)).toBe(2);
    expect(text(r)).toContain(`berth does not move data between nodes`);
    expect(readFileSync(path.join(dir, '.env'), 'utf8')).toBe(before);
    const unknown = await berth(['install', '--dir', dir, '--yes', '--data-node', 'no-such-node'], {
      env: { DOCKER_HOST: swarm!.managerHost },
    });
    expect(unknown.exitCode, text(unknown)).toBe(2);
    expect(text(unknown)).toContain('--data-node no-such-node: there is no such node in this swarm.');
  }, 120_000);

  test('web answers on its published port on each node`s address', async () => {
    for (const node of swarm!.nodes) {
      const response = await fetch(`http://${node.address}:${port}/`, {
        signal: AbortSignal.timeout(10_000),
      });
      expect(response.status, node.name).toBe(200);
      // host-mode ports: each node answers from its own task.
      expect((await response.text()).trim()).toMatch(/^swarm-stack on [0-9a-f]{12}$/);
    }
  }, 60_000);

  test('berth uninstall removes the stack from the swarm and keeps the data on node 2', async () => {
    const { managerHost, nodes } = swarm!;
    const start = Date.now();
    const r = await berth(['uninstall', '--dir', dir, '--yes'], {
      env: { DOCKER_HOST: managerHost },
      timeout: 240_000,
    });
    console.info(`berth uninstall: ${Date.now() - start} ms`);
    expect(r.exitCode, text(r)).toBe(0);
    const namespace = ['--filter', `label=com.docker.stack.namespace=${PROJECT}`, '--quiet'];
    for (const kind of ['service', 'secret', 'config', 'network'])
      expect(lines(await on(managerHost, [kind, 'ls', ...namespace])), kind).toEqual([]);
    // berth waits for the manager's own containers; a worker removes its exited ones a few seconds later.
    for (const node of nodes) {
      const deadline = Date.now() + 30_000;
      let left = lines(await on(node.host, ['ps', '--all', ...namespace]));
      while (left.length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1000));
        left = lines(await on(node.host, ['ps', '--all', ...namespace]));
      }
      expect(left, node.name).toEqual([]);
    }
    // Without --purge the database's volume stays where it was.
    expect(lines(await on(nodes[1]!.host, ['volume', 'ls', '--quiet']))).toContain(`${PROJECT}_pgdata`);
  }, 300_000);
});
