// Time to healthy on Docker Swarm: `berth install --target swarm --yes` of test/fixtures/swarm-stack (PostgreSQL
// on a volume, a one-shot job that writes into it, a web page that waits for the job) against the same stack file
// berth wrote (.berth/swarm/stack.yaml) deployed by hand, its Docker secrets created from .env first (a stack file
// naming ${BERTH_…} variables is refused):
// - ordered, the baseline: one `docker stack deploy` per depends_on layer (its services only), each polled with
//   `docker service ls` every 250 ms until N/N (a job: completed) before the next. What a person does by hand to
//   get the stack compose describes: swarm has no depends_on, and berth keeps the order too.
// - all at once, for reference: one `docker stack deploy` of every service, polled the same way. Swarm starts web
//   before the job has run (the fixture's job waits for PostgreSQL itself, so it still converges): faster, but
//   not the same stack.
//
// On this engine's own swarm (a single node): the fixture is copied with web at one replica (its two replicas
// publish a host-mode port, one per node). Made with `docker swarm init` when the engine is in no swarm, and
// left again at the end; an existing swarm is used as it is. Both sides keep the database volume between runs
// (the warm-up pair initialises it), so they do the same work. Everything of the stack is removed at the end.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers/promises';
import { parse, stringify } from 'yaml';

const NS = 'com.docker.stack.namespace';

const docker = (args, env, input, cwd) =>
  spawnSync('docker', args, { env, encoding: 'utf8', timeout: 180_000, input, cwd });
function must(args, env, input, cwd) {
  const r = docker(args, env, input, cwd);
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}
const lines = (text) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Why the swarm bench cannot run here (a worker node), or undefined. */
export function swarmUnavailable(env) {
  const r = docker(['info', '--format', '{{json .Swarm}}'], env);
  if (r.status !== 0) return 'docker info failed';
  const swarm = JSON.parse(r.stdout);
  if (swarm.LocalNodeState === 'active' && !swarm.ControlAvailable) return 'this engine is a swarm worker';
  for (const image of ['berth-test/postgres:1', 'berth-test/busybox:1'])
    if (docker(['image', 'inspect', image], env).status !== 0) return `image ${image} is missing`;
  return undefined;
}

/** Parses .env's KEY=value lines (berth writes values bare or single-quoted). */
function dotenv(file) {
  const out = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  return out;
}

/** Until nothing of the stack is left on this engine (services, containers, networks); stopped job containers go. */
async function removeStack(project, env) {
  docker(['stack', 'rm', project], env);
  const filter = ['--filter', `label=${NS}=${project}`];
  const deadline = Date.now() + 120_000;
  for (;;) {
    const services = lines(must(['service', 'ls', ...filter, '-q'], env));
    const containers = lines(must(['ps', '-a', ...filter, '-q'], env));
    const networks = lines(must(['network', 'ls', ...filter, '-q'], env));
    if (services.length === 0 && containers.length > 0) docker(['rm', '-f', ...containers], env);
    if (services.length + containers.length + networks.length === 0) return;
    if (Date.now() > deadline) throw new Error(`stack ${project} not gone 120 s after docker stack rm`);
    await setTimeout(500);
  }
}

/** `docker service ls` says every service of the stack is up: N/N, a job N/N completed. */
function converged(project, expected, env) {
  const out = must(['service', 'ls', '--filter', `label=${NS}=${project}`, '--format', '{{.Replicas}}'], env);
  const rows = lines(out);
  if (rows.length < expected) return false;
  return rows.every((r) => {
    const job = /\((\d+)\/(\d+) completed\)/.exec(r);
    if (job) return job[1] === job[2];
    const m = /^(\d+)\/(\d+)$/.exec(r);
    return m !== null && m[1] === m[2] && m[2] !== '0';
  });
}

/**
 * Runs `pairs` alternating rounds (+1 warm-up, not counted). Returns { samples: [{ berth, raw, ordered }] } in ms.
 */
export async function benchSwarm({ bundle, fixture, pairs, env, log = () => {} }) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-swarm-'));
  const recipe = path.join(root, 'recipe');
  cpSync(fixture, recipe, { recursive: true });
  const manifest = path.join(recipe, 'recipe.yaml');
  writeFileSync(
    manifest,
    readFileSync(manifest, 'utf8').replace('web: { replicas: 2 }', 'web: { replicas: 1 }'),
  );
  const dir = path.join(root, `bswarm${process.pid}`);
  const project = path.basename(dir);
  const info = JSON.parse(must(['info', '--format', '{{json .Swarm}}'], env));
  const madeSwarm = info.LocalNodeState !== 'active';
  if (madeSwarm) must(['swarm', 'init', '--advertise-addr', '127.0.0.1'], env);
  const nodeId = must(['info', '--format', '{{.Swarm.NodeID}}'], env);
  try {
    const port = await freePort();
    const berthArgs = [
      bundle,
      'install',
      '--recipe',
      recipe,
      '--target',
      'swarm',
      '--dir',
      dir,
      '--yes',
      '--web-port',
      String(port),
      '--wait-timeout',
      '240',
    ];
    const berthSide = () => {
      const start = performance.now();
      const r = spawnSync(process.execPath, berthArgs, { env: { ...env, CI: 'true' }, encoding: 'utf8' });
      const ms = performance.now() - start;
      if (r.status !== 0) throw new Error(`berth install --target swarm failed:\n${r.stdout}\n${r.stderr}`);
      return ms;
    };
    const rawSide = async () => {
      const stackFile = path.join(dir, '.berth/swarm/stack.yaml');
      const text = readFileSync(stackFile, 'utf8');
      if (/\$\{BERTH_/.test(text))
        throw new Error('the stack file names ${BERTH_…} variables, which this baseline cannot fill in');
      const doc = parse(text);
      const values = Object.values(dotenv(path.join(dir, '.env')));
      const hash8 = (v) => createHash('sha256').update(v).digest('hex').slice(0, 8);
      // The stack's external secrets: berth names each by its value's hash; find the value in .env by it.
      const secrets = Object.values(doc.secrets ?? {}).map(({ name }) => {
        const value = values.find((v) => hash8(v) === name.slice(-8));
        if (value === undefined) throw new Error(`no .env value for the secret ${name}`);
        return { name, value };
      });
      const expected = Object.keys(doc.services).length;
      const start = performance.now();
      for (const s of secrets)
        must(['secret', 'create', '--label', `${NS}=${project}`, s.name, '-'], env, s.value);
      must(['stack', 'deploy', '--detach=true', '--resolve-image', 'never', '-c', stackFile, project], env);
      const deadline = Date.now() + 240_000;
      while (!converged(project, expected, env)) {
        if (Date.now() > deadline) throw new Error('the raw stack deploy did not converge in 240 s');
        await setTimeout(250);
      }
      return performance.now() - start;
    };
    // The same deploy in compose's order, by hand: one `docker stack deploy` per depends_on layer (its services
    // only), each waited for until N/N. What berth adds beyond the order itself.
    const orderedSide = async () => {
      const stackFile = path.join(dir, '.berth/swarm/stack.yaml');
      const doc = parse(readFileSync(stackFile, 'utf8'));
      const config = JSON.parse(must(['compose', 'config', '--format', 'json'], env, undefined, dir));
      const level = new Map();
      const levelOf = (name) => {
        if (!level.has(name)) {
          const deps = Object.keys(config.services[name]?.depends_on ?? {});
          level.set(name, deps.length === 0 ? 0 : Math.max(...deps.map(levelOf)) + 1);
        }
        return level.get(name);
      };
      const layers = [];
      for (const name of Object.keys(doc.services)) (layers[levelOf(name)] ??= []).push(name);
      const values = Object.values(dotenv(path.join(dir, '.env')));
      const hash8 = (v) => createHash('sha256').update(v).digest('hex').slice(0, 8);
      const start = performance.now();
      for (const { name } of Object.values(doc.secrets ?? {}))
        must(
          ['secret', 'create', '--label', `${NS}=${project}`, name, '-'],
          env,
          values.find((v) => hash8(v) === name.slice(-8)),
        );
      let expected = 0;
      for (const layer of layers.filter(Boolean)) {
        const step = { ...doc, services: Object.fromEntries(layer.map((n) => [n, doc.services[n]])) };
        must(
          ['stack', 'deploy', '--detach=true', '--resolve-image', 'never', '-c', '-', project],
          env,
          stringify(step),
        );
        expected += layer.length;
        const deadline = Date.now() + 240_000;
        while (!converged(project, expected, env)) {
          if (Date.now() > deadline) throw new Error('the ordered stack deploy did not converge in 240 s');
          await setTimeout(250);
        }
      }
      return performance.now() - start;
    };
    const sides = { berth: async () => berthSide(), raw: rawSide, ordered: orderedSide };

    log('swarm: warm-up pair');
    await sides.berth();
    await removeStack(project, env);
    await sides.raw();
    await removeStack(project, env);
    await sides.ordered();
    const samples = [];
    for (let i = 0; i < pairs; i++) {
      const order = i % 2 === 0 ? ['berth', 'raw', 'ordered'] : ['ordered', 'raw', 'berth'];
      const pair = {};
      for (const side of order) {
        await removeStack(project, env);
        pair[side] = await sides[side]();
      }
      samples.push(pair);
      log(
        `swarm: round ${i + 1}/${pairs}: berth ${pair.berth.toFixed(0)} ms, raw ${pair.raw.toFixed(0)} ms, ordered ${pair.ordered.toFixed(0)} ms`,
      );
    }
    return { samples };
  } finally {
    await removeStack(project, env).catch((e) => log(`swarm: cleanup: ${e.message}`));
    docker(['volume', 'rm', `${project}_pgdata`], env);
    docker(['node', 'update', '--label-rm', `berth.${project}.data`, nodeId], env);
    if (madeSwarm) {
      docker(['swarm', 'leave', '--force'], env);
      docker(['network', 'rm', 'docker_gwbridge'], env);
    }
    rmSync(root, { recursive: true, force: true });
  }
}
