// Taking a swarm stack down (`berth down`, `berth uninstall`): `docker stack rm` returns before the engine is done,
// so berth waits until the stack's services, its tasks' containers on this node and its networks are gone. And what
// an uninstall --purge deletes besides: the stack's volumes on this node, secrets and configs left behind, and the
// node label that says where its data lives.
import type { Exec } from '../compose/exec.js';
import { BerthError, ExitCode } from '../errors.js';
import { NAMESPACE_LABEL, parseJsonLines } from './services.js';
import { dataLabel } from './stack-file.js';
import { swarmError } from './swarm-messages.js';

export interface RemoveOptions {
  timeoutMs?: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** What is left of a stack on the engine: service names, containers (id and state) and network names. */
async function leftOf(exec: Exec, project: string, env: Record<string, string>) {
  const filter = ['--filter', `label=${NAMESPACE_LABEL}=${project}`];
  const options = { env, timeoutMs: 30_000 };
  const [services, containers, networks] = await Promise.all([
    exec('docker', ['service', 'ls', ...filter, '--format', '{{.Name}}'], options),
    exec('docker', ['ps', '-a', ...filter, '--format', '{{.ID}} {{.State}}'], options),
    exec('docker', ['network', 'ls', ...filter, '--format', '{{.Name}}'], options),
  ]);
  for (const r of [services, containers, networks]) if (r.exitCode !== 0) throw swarmError(r.stderr);
  return {
    services: lines(services.stdout),
    containers: lines(containers.stdout).map((l) => {
      const [id = '', state = ''] = l.split(' ');
      return { id, state };
    }),
    networks: lines(networks.stdout),
  };
}

/**
 * `docker stack rm`, then waits until nothing of the stack is left on this node. Docker removes the stack's
 * services, networks and every secret and config labelled with its namespace; volumes stay. A finished job's
 * container outlives its service on some engines (20.10): once the services are gone, stopped ones are removed.
 */
export async function removeStack(
  exec: Exec,
  project: string,
  env: Record<string, string>,
  options: RemoveOptions = {},
): Promise<void> {
  const { timeoutMs = 180_000, pollMs = 1_000, sleep = wait } = options;
  const rm = await exec('docker', ['stack', 'rm', project], { env, timeoutMs: 120_000 });
  if (rm.exitCode !== 0) throw swarmError(rm.stderr || rm.stdout);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await leftOf(exec, project, env);
    const stopped = left.containers.filter((c) => c.state !== 'running' && c.state !== 'restarting');
    if (left.services.length === 0 && stopped.length > 0)
      await exec('docker', ['container', 'rm', '--force', ...stopped.map((c) => c.id)], {
        env,
        timeoutMs: 60_000,
      });
    const rest = [
      ...left.services.map((s) => `service ${s}`),
      ...(left.services.length > 0
        ? left.containers
        : left.containers.filter((c) => !stopped.includes(c))
      ).map((c) => `container ${c.id} (${c.state})`),
      ...left.networks.map((n) => `network ${n}`),
    ];
    if (rest.length === 0) return;
    if (Date.now() >= deadline)
      throw new BerthError(
        `The swarm stack ${project} was not gone ${Math.round(timeoutMs / 1000)} s after docker stack rm.`,
        {
          exitCode: ExitCode.compose,
          details: rest,
          hint: `Look with docker stack ps ${project}, then run berth again: it carries on where it stopped.`,
        },
      );
    await sleep(pollMs);
  }
}

/** The stack's volumes on this node: labelled with its namespace, or named <project>_<key> by no compose project. */
export async function stackVolumes(
  exec: Exec,
  project: string,
  env: Record<string, string>,
): Promise<string[]> {
  const result = await exec('docker', ['volume', 'ls', '--format', 'json', '--filter', `name=${project}_`], {
    env,
    timeoutMs: 30_000,
  });
  if (result.exitCode !== 0) throw swarmError(result.stderr);
  const rows = parseJsonLines<{ Name: string; Labels?: string }>(result.stdout);
  return rows
    .filter((v) => {
      const labels = (v.Labels ?? '').split(',');
      if (labels.includes(`${NAMESPACE_LABEL}=${project}`)) return true;
      return (
        v.Name.startsWith(`${project}_`) && !labels.some((l) => l.startsWith('com.docker.compose.project='))
      );
    })
    .map((v) => v.Name)
    .sort();
}

export interface SwarmNode {
  id: string;
  hostname: string;
  self: boolean;
  /** Carries berth.<project>.data. */
  data: boolean;
}

/** The swarm's nodes, and which carry the stack's data label (two `docker node ls`). */
export async function swarmNodes(
  exec: Exec,
  project: string,
  env: Record<string, string>,
): Promise<SwarmNode[]> {
  const options = { env, timeoutMs: 30_000 };
  const [all, labelled] = await Promise.all([
    exec('docker', ['node', 'ls', '--format', 'json'], options),
    exec('docker', ['node', 'ls', '-q', '--filter', `node.label=${dataLabel(project)}`], options),
  ]);
  if (all.exitCode !== 0) throw swarmError(all.stderr);
  if (labelled.exitCode !== 0) throw swarmError(labelled.stderr);
  const ids = lines(labelled.stdout);
  return parseJsonLines<{ ID: string; Hostname: string; Self?: boolean }>(all.stdout).map((n) => ({
    id: n.ID,
    hostname: n.Hostname,
    self: n.Self === true,
    data: ids.some((id) => n.ID.startsWith(id)),
  }));
}

/** The nodes other than this one that may hold the stack's volumes (the data node first): berth cannot reach them. */
export const otherVolumeNodes = (project: string, nodes: readonly SwarmNode[]): string[] =>
  nodes
    .filter((n) => !n.self)
    .sort((a, b) => Number(b.data) - Number(a.data))
    .map((n) => (n.data ? `${n.hostname} (labelled ${dataLabel(project)}=true)` : n.hostname));

/**
 * After the stack is gone: its secrets and configs that `stack rm` left (made apart from a deploy), its volumes on
 * this node and the data label on every node. Returns what could not be removed.
 */
export async function purgeStackLeftovers(
  exec: Exec,
  project: string,
  env: Record<string, string>,
  volumes: readonly string[],
  nodes: readonly SwarmNode[],
): Promise<string[]> {
  const options = { env, timeoutMs: 120_000 };
  const failed: string[] = [];
  await removeLabelled(exec, project, env);
  if (volumes.length > 0) {
    const r = await exec('docker', ['volume', 'rm', '--force', ...volumes], options);
    if (r.exitCode !== 0) failed.push(`volumes ${volumes.join(', ')}: ${r.stderr.trim()}`);
  }
  for (const node of nodes.filter((n) => n.data)) {
    const r = await exec('docker', ['node', 'update', '--label-rm', dataLabel(project), node.id], options);
    if (r.exitCode !== 0) failed.push(`label ${dataLabel(project)} on ${node.hostname}: ${r.stderr.trim()}`);
  }
  return failed;
}

/** Secrets and configs labelled with the stack's namespace that are still there (stack rm removes those it sees). */
export async function removeLabelled(
  exec: Exec,
  project: string,
  env: Record<string, string>,
): Promise<void> {
  const options = { env, timeoutMs: 60_000 };
  for (const kind of ['secret', 'config'] as const) {
    const ls = await exec(
      'docker',
      [kind, 'ls', '-q', '--filter', `label=${NAMESPACE_LABEL}=${project}`],
      options,
    );
    if (ls.exitCode !== 0) throw swarmError(ls.stderr);
    const ids = lines(ls.stdout);
    if (ids.length > 0) await exec('docker', [kind, 'rm', ...ids], options);
  }
}
