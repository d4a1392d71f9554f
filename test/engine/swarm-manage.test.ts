// End to end on a real single-node swarm: `berth status`, `logs`, `down`, `uninstall` and `doctor` on a swarm
// install (state.json target 'swarm'). The stack is deployed with plain `docker stack deploy` of a small stack
// (a web service with a health check, a one-shot job, a named volume, a config and a secret made with the stack's
// namespace label), so these tests need no swarm install of berth's own. Every berth call runs the built bundle.
//
// Needs a Docker engine and the local image berth-test/busybox:1 (scripts/setup-test-engine.sh); ensureSwarm()
// makes the engine a swarm manager when it is not one. Without an engine these tests fail (they never skip).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { berth, bundle, cleanEnv } from '../helpers.js';
import { docker, ENGINE_STACK, requireEngine, text } from './harness.js';
import { ensureSwarm } from './swarm-harness.js';

const TEST_TIMEOUT = 180_000;
const NS = 'com.docker.stack.namespace';
const root = mkdtempSync(path.join(os.tmpdir(), 'berth-swm-'));
const projects: string[] = [];
let counter = 0;

const STACK = `version: "3.9"
services:
  web:
    image: berth-test/busybox:1
    command: ["sh", "-c", "echo web started; while true; do echo tick; sleep 1; done"]
    healthcheck:
      test: ["CMD", "cat", "/run/secrets/pw"]
      interval: 1s
      retries: 5
    volumes:
      - data:/data
    configs:
      - source: conf
        target: /etc/app.conf
    secrets:
      - pw
  init:
    image: berth-test/busybox:1
    command: ["sh", "-c", "echo init done"]
    deploy:
      mode: replicated-job
volumes:
  data:
configs:
  conf:
    external: true
    name: PROJECT_conf
secrets:
  pw:
    external: true
    name: PROJECT_pw
`;

const run = async (args: string[], input?: string) => {
  const r = await execa('docker', args, {
    env: cleanEnv(),
    extendEnv: false,
    reject: false,
    timeout: 120_000,
    ...(input !== undefined ? { input } : { stdin: 'ignore' as const }),
  });
  return {
    ok: r.exitCode === 0,
    out: String(r.stdout).trim(),
    all: `${String(r.stdout)}\n${String(r.stderr)}`,
  };
};
const must = async (args: string[], input?: string): Promise<string> => {
  const r = await run(args, input);
  expect(r.ok, `docker ${args.join(' ')}\n${r.all}`).toBe(true);
  return r.out;
};
const names = (out: string) => out.split('\n').filter(Boolean).sort();

/** Everything of the project left on the engine, by kind. */
interface Left {
  services: string[];
  containers: string[];
  networks: string[];
  secrets: string[];
  configs: string[];
  volumes: string[];
}
async function leftOf(project: string): Promise<Left> {
  const filter = ['--filter', `label=${NS}=${project}`];
  return {
    services: names(await must(['service', 'ls', ...filter, '--format', '{{.Name}}'])),
    containers: names(await must(['ps', '-a', ...filter, '--format', '{{.Names}}'])),
    networks: names(await must(['network', 'ls', ...filter, '--format', '{{.Name}}'])),
    secrets: names(await must(['secret', 'ls', ...filter, '--format', '{{.Name}}'])),
    configs: names(await must(['config', 'ls', ...filter, '--format', '{{.Name}}'])),
    volumes: names(await must(['volume', 'ls', '--filter', `name=${project}_`, '--format', '{{.Name}}'])),
  };
}

const selfId = async () => must(['info', '--format', '{{.Swarm.NodeID}}']);
const selfNode = async () => must(['node', 'inspect', 'self', '--format', '{{.Description.Hostname}}']);
const nodeLabels = async (): Promise<Record<string, string>> =>
  JSON.parse(await must(['node', 'inspect', 'self', '--format', '{{json .Spec.Labels}}'])) as Record<
    string,
    string
  >;

/** Deploys the stack (config and secret first, made with the namespace label from stdin) and labels the node. */
async function deploy(project: string, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'stack.yaml'), STACK.replaceAll('PROJECT', project));
  await must(['config', 'create', '--label', `${NS}=${project}`, `${project}_conf`, '-'], 'greeting=hello\n');
  await must(['secret', 'create', '--label', `${NS}=${project}`, `${project}_pw`, '-'], 's3cret\n');
  await must(['node', 'update', '--label-add', `berth.${project}.data=true`, await selfId()]);
  const r = await docker(
    ['stack', 'deploy', '--detach=false', '--resolve-image', 'never', '-c', 'stack.yaml', project],
    dir,
    150_000,
  );
  expect(r.exitCode, text(r)).toBe(0);
}

/** An install folder for the stack as berth leaves one: .berth/state.json with target swarm. */
function writeState(project: string, dir: string): void {
  mkdirSync(path.join(dir, '.berth'), { recursive: true });
  const state = {
    recipe: 'swarm-test',
    recipeVersion: '1.0.0',
    berthVersion: '0.1.0',
    files: {},
    updatedAt: new Date().toISOString(),
    project,
    services: [
      { name: 'web', oneshot: false },
      { name: 'init', oneshot: true },
    ],
    urls: [{ label: 'Site', url: 'http://127.0.0.1:1/' }],
    target: 'swarm',
  };
  writeFileSync(path.join(dir, '.berth/state.json'), `${JSON.stringify(state, null, 2)}\n`);
}

interface SwarmService {
  name: string;
  oneshot: boolean;
  state: string;
  health: string;
  ok: boolean;
  replicas: { running: number; desired: number; completed?: number };
  nodes: string[];
  lastError: { error: string; when: string } | null;
  update: { state: string; message: string } | null;
}
interface StatusDoc {
  target: string;
  project: string;
  ok: boolean;
  services: SwarmService[];
}

async function statusJson(dir: string): Promise<{ exitCode: number; doc: StatusDoc; raw: string }> {
  const r = await berth(['status', '--dir', dir, '--json']);
  expect(String(r.stdout), text(r)).toMatch(/^\{/);
  return { exitCode: r.exitCode ?? -1, doc: JSON.parse(String(r.stdout)) as StatusDoc, raw: text(r) };
}

/** Waits until status says every service is up (a job completes after the deploy returns on a busy machine). */
async function waitUp(dir: string): Promise<StatusDoc> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { exitCode, doc, raw } = await statusJson(dir);
    if (exitCode === 0 || Date.now() > deadline) {
      expect(exitCode, raw).toBe(0);
      return doc;
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

afterAll(async () => {
  for (const project of projects) {
    await run(['stack', 'rm', project]);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const left = await leftOf(project);
      if (left.services.length === 0 && left.networks.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const filter = ['--filter', `label=${NS}=${project}`];
    const containers = names(await must(['ps', '-aq', ...filter]));
    if (containers.length) await run(['rm', '-f', ...containers]);
    for (const kind of ['secret', 'config']) {
      const ids = names(await must([kind, 'ls', '-q', ...filter]));
      if (ids.length) await run([kind, 'rm', ...ids]);
    }
    const volumes = (await leftOf(project)).volumes.filter((v) => v.startsWith(`${project}_`));
    if (volumes.length) await run(['volume', 'rm', '-f', ...volumes]);
    if (`berth.${project}.data` in (await nodeLabels()))
      await run(['node', 'update', '--label-rm', `berth.${project}.data`, await selfId()]);
  }
  rmSync(root, { recursive: true, force: true });
}, 180_000);

describe('a swarm install: status, logs, down, uninstall, doctor', () => {
  const project = `swm-${process.pid}-${++counter}`;
  const dir = path.join(root, project);
  projects.push(project);
  let host = '';

  beforeAll(async () => {
    await requireEngine();
    await ensureSwarm();
    host = await selfNode();
    await deploy(project, dir);
    writeState(project, dir);
  }, TEST_TIMEOUT);

  test(
    'status: replicas, health, the node, the one-shot job completed; --json in the same shape',
    async () => {
      const doc = await waitUp(dir);
      expect(doc).toMatchObject({ target: 'swarm', project, ok: true });
      const byName = Object.fromEntries(doc.services.map((s) => [s.name, s]));
      expect(Object.keys(byName).sort()).toEqual(['init', 'web']);
      expect(byName.web).toMatchObject({
        oneshot: false,
        state: 'running',
        health: 'healthy',
        ok: true,
        replicas: { running: 1, desired: 1 },
        nodes: [host],
        lastError: null,
      });
      expect(byName.init).toMatchObject({
        oneshot: true,
        state: 'completed',
        ok: true,
        replicas: { desired: 1, completed: 1 },
        nodes: [host],
      });
      const r = await berth(['status', '--dir', dir]);
      expect(r.exitCode, text(r)).toBe(0);
      const out = String(r.stdout);
      expect(out).toContain(`swarm-test 1.0.0 in ${dir} (swarm stack ${project})`);
      expect(out).toMatch(new RegExp(`✔ web +running 1/1, healthy on ${host}\\n`));
      expect(out).toMatch(new RegExp(`✔ init +completed 1/1 \\(one-shot\\) on ${host}\\n`));
      expect(out).toContain('All services are up.');
    },
    TEST_TIMEOUT,
  );

  test(
    'logs: each line prefixed with its service; one service, --tail, and -f follows every service',
    async () => {
      const all = await berth(['logs', '--dir', dir]);
      expect(all.exitCode, text(all)).toBe(0);
      const lines = String(all.stdout).split('\n');
      expect(lines).toContain('web   | web started');
      expect(lines).toContain('init  | init done');
      expect(lines.filter((l) => l.startsWith('web   | tick')).length).toBeGreaterThan(0);

      const tail = await berth(['logs', 'web', '--tail', '2', '--dir', dir]);
      expect(tail.exitCode, text(tail)).toBe(0);
      expect(String(tail.stdout).trim().split('\n')).toEqual(['web  | tick', 'web  | tick']);

      const unknown = await berth(['logs', 'nope', '--dir', dir]);
      expect(unknown.exitCode, text(unknown)).toBe(2);
      expect(String(unknown.stderr)).toContain('No service nope in this stack.');

      // -f: new lines of web keep coming, and init's line is there too.
      const child = execa(process.execPath, [bundle, 'logs', '-f', '--tail', '1', '--dir', dir], {
        env: cleanEnv(),
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
      });
      const seen: string[] = [];
      const deadline = Date.now() + 30_000;
      for await (const line of child.iterable()) {
        seen.push(String(line));
        if (seen.filter((l) => l === 'web   | tick').length >= 3 && seen.includes('init  | init done')) break;
        if (Date.now() > deadline) break;
      }
      child.kill();
      await child;
      expect(seen.filter((l) => l === 'web   | tick').length, seen.join('\n')).toBeGreaterThanOrEqual(3);
      expect(seen).toContain('init  | init done');
    },
    TEST_TIMEOUT,
  );

  test(
    'status: an update done, and a failing service with its last task error',
    async () => {
      await must(['service', 'update', '--detach=false', '--env-add', 'CHANGED=1', `${project}_web`]);
      // A service of the stack that fails at once (made outside the stack file, with the namespace label).
      await must([
        'service',
        'create',
        '--detach',
        '--name',
        `${project}_bad`,
        '--label',
        `${NS}=${project}`,
        '--container-label',
        `${NS}=${project}`,
        '--restart-delay',
        '1s',
        'berth-test/busybox:1',
        'sh',
        '-c',
        'echo boom; exit 3',
      ]);
      const deadline = Date.now() + 60_000;
      let status = await statusJson(dir);
      while (!status.doc.services.find((s) => s.name === 'bad')?.lastError && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        status = await statusJson(dir);
      }
      expect(status.exitCode, status.raw).toBe(1);
      const web = status.doc.services.find((s) => s.name === 'web');
      expect(web, status.raw).toMatchObject({ ok: true, update: { state: 'completed' } });
      const bad = status.doc.services.find((s) => s.name === 'bad');
      expect(bad, status.raw).toMatchObject({
        ok: false,
        oneshot: false,
        lastError: { error: 'task: non-zero exit (3)' },
      });
      const r = await berth(['status', '--dir', dir]);
      expect(r.exitCode, text(r)).toBe(1);
      expect(String(r.stdout)).toMatch(/✖ bad +\w+ 0\/1/);
      expect(String(r.stdout)).toMatch(/last task error \(Failed .*\): task: non-zero exit \(3\)/);
      expect(String(r.stdout)).toMatch(/update completed/);
      expect(String(r.stdout)).toContain('1 service(s) need attention');
    },
    TEST_TIMEOUT,
  );

  test(
    'doctor: the swarm facts (manager, nodes, ready, berth.* node labels) and the API version',
    async () => {
      const r = await berth(['doctor', '--json', '--recipe', ENGINE_STACK, '--dir', path.join(root, 'doc')]);
      const facts = (
        JSON.parse(String(r.stdout)) as {
          facts: { docker: { swarm: Record<string, unknown>; engine: { apiVersion?: string } } };
        }
      ).facts.docker;
      const api = await must(['version', '--format', '{{.Server.APIVersion}}']);
      expect(facts.engine.apiVersion).toBe(api);
      const nodes = Number(await must(['info', '--format', '{{.Swarm.Nodes}}']));
      expect(facts.swarm, text(r)).toMatchObject({ state: 'active', role: 'manager', nodes });
      const list = facts.swarm.nodeList as {
        hostname: string;
        status: string;
        self: boolean;
        labels: object;
      }[];
      expect(list).toHaveLength(nodes);
      expect(list.find((n) => n.self)).toMatchObject({
        hostname: host,
        status: 'ready',
        labels: expect.objectContaining({ [`berth.${project}.data`]: 'true' }),
      });
      const plain = await berth(['doctor', '--recipe', ENGINE_STACK, '--dir', path.join(root, 'doc')]);
      expect(String(plain.stdout)).toMatch(
        new RegExp(
          `Docker swarm +manager of ${nodes} node\\(s\\), .*engine API ${api.replace('.', '\\.')}.*ready: .*${host}.*berth\\.${project}\\.data=true on ${host}`,
        ),
      );
    },
    TEST_TIMEOUT,
  );

  test(
    'down removes the stack and waits until it is gone; the data volume stays; uninstall keeps it too',
    async () => {
      const r = await berth(['down', '--dir', dir]);
      expect(r.exitCode, text(r)).toBe(0);
      expect(String(r.stdout)).toContain(`Stopped ${project}`);
      // No waiting here: down returned only once the engine was done.
      expect(await leftOf(project)).toEqual({
        services: [],
        containers: [],
        networks: [],
        secrets: [],
        configs: [],
        volumes: [`${project}_data`],
      });
      const u = await berth(['uninstall', '--dir', dir]);
      expect(u.exitCode, text(u)).toBe(0);
      expect(String(u.stdout)).toContain(`volumes ${project}_data on this node`);
      expect((await leftOf(project)).volumes).toEqual([`${project}_data`]);
      expect(await nodeLabels()).toHaveProperty([`berth.${project}.data`], 'true');
      expect(existsSync(dir)).toBe(true);
    },
    TEST_TIMEOUT,
  );

  test(
    'uninstall --purge: nothing of the project is left (services, containers, networks, secrets, configs, volumes, node label, folder)',
    async () => {
      await deploy(project, dir);
      await waitUp(dir);
      // A labelled secret the stack does not use: stack rm removes it too, or berth does.
      await must(['secret', 'create', '--label', `${NS}=${project}`, `${project}_spare`, '-'], 'x\n');
      const r = await berth(['uninstall', '--purge', '--yes', '--dir', dir]);
      expect(r.exitCode, text(r)).toBe(0);
      const out = String(r.stdout);
      expect(out).toContain(`volume ${project}_data (on this node)`);
      expect(out).toContain(`node label berth.${project}.data on ${host}`);
      expect(out).toContain(`Deleted ${project}`);
      expect(await leftOf(project)).toEqual({
        services: [],
        containers: [],
        networks: [],
        secrets: [],
        configs: [],
        volumes: [],
      });
      expect(Object.keys(await nodeLabels())).not.toContain(`berth.${project}.data`);
      expect(existsSync(dir)).toBe(false);
      const nodes = Number(await must(['info', '--format', '{{.Swarm.Nodes}}']));
      if (nodes === 1) expect(out).not.toContain('Volumes on other nodes');
      else expect(out).toContain('Volumes on other nodes cannot be removed from here');
    },
    TEST_TIMEOUT,
  );
});
