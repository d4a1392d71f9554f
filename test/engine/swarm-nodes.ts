// A real multi-node Docker swarm for tests, inside the host engine: each node is a container of
// berth-test/swarm-node:1 (Debian's dockerd 20.10, built by scripts/build-test-images.sh) on a bridge network the
// harness creates; the host's docker CLI talks to each node's engine through a unix socket in a host temp folder.
// Node 1 is the manager, the others join as workers. stop() removes the containers with their volumes, the network
// and the folders: the host engine is left as it was (and its own swarm state, if any, is never touched).
//
// What works nested on this machine kind (Firecracker kernel 6.18 without modules, cgroup v1, measured 2026-11-30):
// - `--privileged` does not: the host engine's bounding set lacks CAP_SYS_RESOURCE, so runc fails with "unable to
//   apply caps: operation not permitted". Every other capability, no seccomp filter and unmasked /proc
//   (systempaths=unconfined) do; the image's entrypoint remounts /sys and the cgroup v1 hierarchies read-write.
// - Storage: vfs (works on any backing filesystem; each image layer is a full copy) is the default; overlay2 also
//   works here because /var/lib/docker is an anonymous volume on the host's ext4 (same load time for the
//   postgres image, ~5 s), not on the container's overlay root.
// - iptables: the nft backend (as on the host) in each node's own network namespace; nothing on the host changes.
// - Swarm traffic (2377/tcp control, 7946/tcp+udp gossip, 4789/udp VXLAN) flows between nodes on the test network,
//   unpublished: overlay networks span nodes (a task on node 1 reaches one on node 2 by its dnsrr service name).
// - The kernel has no IP_VS: a service's virtual IP answers DNS but carries no traffic (dockerd logs "error
//   reading the kernel parameter net.ipv4.vs.*"), and the ingress routing mesh publishes nothing, not even on the
//   node running the task. Use `endpoint_mode: dnsrr` between services and `mode: host` published ports (those work,
//   on the node running the task).
// - dockerd logs errors that do no harm here: "reexec to set bridge default vlan failed" (overlay's br0 in its own
//   namespace) and the missing /lib/modules (modprobe of ip_vs, aufs).
// Timings on 2 cores with other engine tests running (load average 10-25): both engines answering 7-21 s after
// `docker run`, init + join + label 4-7 s, busybox streamed into both 6-14 s, the test's two-service
// `stack deploy --detach=false` 18-24 s (45 s when nodes try the registry, see pullImages), stop() 2-3 s.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type Result } from 'execa';
import { cleanEnv } from '../helpers.js';
import { execaExec } from '../../src/compose/exec.js';
import { engineSubnets, freeSubnet, hostRoutes, parseCidr, type Cidr } from '../../src/detect/subnets.js';

export const SWARM_NODE_IMAGE = 'berth-test/swarm-node:1';
/** Marks what the harness makes, with the owning test process's pid: leftovers of a killed run are removed. */
const OWNER_LABEL = 'berth-test.swarm-nodes';

export interface SwarmNode {
  /** The node's hostname in the swarm (`docker node ls`): node-1, node-2, … */
  name: string;
  /** DOCKER_HOST for this node's engine: unix://<temp folder>/node-N/docker.sock. */
  host: string;
  /** The swarm node ID. */
  id: string;
  /** Its address on the test network (the swarm's advertise address). */
  address: string;
  /** The host engine's container that runs it. */
  container: string;
}

export interface SwarmNodes {
  /** DOCKER_HOST for the manager (node 1): `docker stack deploy` and `docker node ls` go there. */
  managerHost: string;
  nodes: SwarmNode[];
  /** The host engine's network the nodes are on, and its subnet. */
  network: string;
  subnet: string;
  /** Milliseconds each phase of the start took. */
  timings: { nodesUp: number; swarm: number; images: number };
  /** Adds labels to a node (its index in `nodes`, or its name): `docker node update --label-add`. */
  label(node: number | string, labels: Record<string, string>): Promise<void>;
  /** Removes the nodes (and their anonymous volumes), the network and the temp folder. */
  stop(): Promise<void>;
}

export interface SwarmOptions {
  nodes?: number;
  /** Local images of the host engine to copy into every node (`docker save | docker load`): nothing is pulled. */
  images?: readonly string[];
  /** Labels per node, by index: `[{}, { 'berth-test.data': 'true' }]` labels node 2. */
  labels?: readonly Record<string, string>[];
  storageDriver?: 'vfs' | 'overlay2';
  /**
   * Whether a node's engine asks the registry for a task's image before it runs the task (swarm's agent always does,
   * and uses the local image when the pull fails). Off by default (DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1, a switch
   * of dockerd's swarm executor that moby's own tests use): with no registry reachable each try waits ~25 s for
   * DNS to give up, which made a two-service deploy take 45 s instead of 20 s.
   */
  pullImages?: boolean;
}

/** Node commands run with -H only: a DOCKER_HOST or DOCKER_CONTEXT of the caller must not redirect them. */
function dockerEnv(): Record<string, string> {
  const env = cleanEnv();
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  return env;
}

/** The docker CLI against the host engine, or a node's engine with `host`. */
export function swarmDocker(args: string[], host?: string, timeout = 60_000): Promise<Result> {
  return execa('docker', host ? ['-H', host, ...args] : args, {
    env: host ? dockerEnv() : cleanEnv(),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout,
  }) as unknown as Promise<Result>;
}

const output = (r: Result): string => `${String(r.stdout)}\n${String(r.stderr)}`.trim();

async function must(args: string[], host?: string, timeout?: number): Promise<string> {
  const r = await swarmDocker(args, host, timeout);
  if (r.exitCode !== 0)
    throw new Error(`docker ${args.join(' ')} failed (exit ${String(r.exitCode)}):\n${output(r)}`);
  return String(r.stdout).trim();
}

let counter = 0;

export async function startSwarmNodes(options: SwarmOptions = {}): Promise<SwarmNodes> {
  const count = options.nodes ?? 2;
  const prefix = `berth-swarm-${process.pid}-${++counter}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-swarm-'));
  const made: { containers: string[]; network?: string } = { containers: [] };
  let stopping: Promise<void> | undefined;
  // Idempotent: a test may stop the swarm to check that nothing is left, and afterAll stops it again.
  const stop = () => (stopping ??= removeAll(made.containers, made.network, dir));
  try {
    await removeLeftovers();
    const { network, subnet } = await createNetwork(prefix);
    made.network = network;
    let start = Date.now();
    const started = await Promise.all(
      Array.from({ length: count }, (_, i) => startNode(prefix, i + 1, network, dir, options, made)),
    );
    await Promise.all(started.map((n) => waitForEngine(n.container, n.host)));
    const nodesUp = Date.now() - start;

    start = Date.now();
    const nodes = await formSwarm(started);
    const swarm = Date.now() - start;
    const label = async (node: number | string, labels: Record<string, string>) => {
      const target = typeof node === 'number' ? nodes[node] : nodes.find((n) => n.name === node);
      if (!target) throw new Error(`no swarm node ${String(node)}`);
      const adds = Object.entries(labels).flatMap(([k, v]) => ['--label-add', `${k}=${v}`]);
      await must(['node', 'update', ...adds, target.id], nodes[0]!.host);
    };
    for (const [i, labels] of (options.labels ?? []).entries()) await label(i, labels);

    start = Date.now();
    await loadImages(options.images ?? [], nodes);
    const images = Date.now() - start;
    return {
      managerHost: nodes[0]!.host,
      nodes,
      network,
      subnet,
      timings: { nodesUp, swarm, images },
      label,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Where the test network's /24 may come from, in order. Not in Docker's default bridge pools (172.17.0.0/16 to
 * 172.31.0.0/16, then 192.168.0.0/16): the suite's other files make networks from them at the same time, and on a
 * long run the engine's allocator walks through all of them (CI once found every /24 of 172.30.0.0/15 taken by
 * compose networks). Not in 10.0.0.0/8: that is swarm's default pool for overlay networks inside the nodes (ingress
 * is 10.0.0.0/24), which the test network must not overlap. 198.18.0.0/15 is reserved for network tests (RFC 2544);
 * 100.64.0.0/10 (shared address space, RFC 6598) is next, for a machine that routes the first.
 */
const TEST_NET_RANGES = ['198.18.0.0/15', '100.64.0.0/10'];

/**
 * A /24 from TEST_NET_RANGES that no Docker network and no route of this machine overlaps, retried when another
 * network (another test's, made at the same time) takes it first.
 */
async function createNetwork(prefix: string): Promise<{ network: string; subnet: string }> {
  const network = `${prefix}-net`;
  let route = '';
  try {
    route = readFileSync('/proc/net/route', 'utf8');
  } catch {
    // no routes to avoid (not Linux)
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const taken: Cidr[] = [
      ...(await engineSubnets(execaExec, cleanEnv())).map((t) => t.subnet),
      ...hostRoutes(route).map((t) => t.subnet),
    ];
    const subnet = freeSubnet(parseCidr('0.0.0.0/24')!, taken, TEST_NET_RANGES);
    if (!subnet)
      throw new Error(
        `no free /24 in ${TEST_NET_RANGES.join(' or ')} for the swarm test network: every one overlaps a Docker ` +
          'network or a route of this machine (docker network ls; ip route)',
      );
    const r = await swarmDocker([
      'network',
      'create',
      '--driver',
      'bridge',
      '--subnet',
      subnet,
      '--label',
      `${OWNER_LABEL}=${process.pid}`,
      network,
    ]);
    if (r.exitCode === 0) return { network, subnet };
    if (!/overlap/i.test(output(r)))
      throw new Error(`docker network create ${network} failed:\n${output(r)}`);
  }
  throw new Error(
    `docker network create ${network}: every free subnet was taken by another network meanwhile`,
  );
}

interface Started {
  index: number;
  container: string;
  host: string;
}

async function startNode(
  prefix: string,
  index: number,
  network: string,
  dir: string,
  options: SwarmOptions,
  made: { containers: string[] },
): Promise<Started> {
  const container = `${prefix}-node-${index}`;
  const socketDir = path.join(dir, `node-${index}`);
  made.containers.push(container);
  // See the header for why not --privileged. No port is published: the host reaches the engine by its socket,
  // the nodes reach each other on the test network.
  await must([
    'run',
    '--detach',
    '--name',
    container,
    '--hostname',
    `node-${index}`,
    '--network',
    network,
    '--label',
    `${OWNER_LABEL}=${process.pid}`,
    '--cap-add',
    'ALL',
    '--cap-drop',
    'SYS_RESOURCE',
    '--security-opt',
    'seccomp=unconfined',
    '--security-opt',
    'systempaths=unconfined',
    '--volume',
    `${socketDir}:/run/berth-node`,
    ...(options.pullImages ? [] : ['--env', 'DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1']),
    SWARM_NODE_IMAGE,
    'dockerd',
    '--host=unix:///run/berth-node/docker.sock',
    `--storage-driver=${options.storageDriver ?? 'vfs'}`,
  ]);
  return { index, container, host: `unix://${socketDir}/docker.sock` };
}

/** Until the node's engine answers (a few seconds); a node whose dockerd exited fails at once with its log. */
async function waitForEngine(container: string, host: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const version = await swarmDocker(['version', '--format', '{{.Server.Version}}'], host, 10_000);
    if (version.exitCode === 0) return;
    const state = await swarmDocker(['inspect', '--format', '{{.State.Status}}', container]);
    if (String(state.stdout).trim() !== 'running' || Date.now() > deadline) {
      const logs = await swarmDocker(['logs', '--tail', '30', container]);
      throw new Error(
        `the engine in ${container} did not answer (container ${String(state.stdout).trim()}):\n${output(logs)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function addressOf(container: string): Promise<string> {
  return must(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container]);
}

/** `swarm init` on node 1, advertising its test-network address; the others join as workers, then all are Ready. */
async function formSwarm(started: Started[]): Promise<SwarmNode[]> {
  const addresses = await Promise.all(started.map((n) => addressOf(n.container)));
  const manager = started[0]!;
  await must(['swarm', 'init', '--advertise-addr', addresses[0]!], manager.host);
  const token = await must(['swarm', 'join-token', '--quiet', 'worker'], manager.host);
  await Promise.all(
    started
      .slice(1)
      .map((n) =>
        must(
          [
            'swarm',
            'join',
            '--token',
            token,
            '--advertise-addr',
            addresses[n.index - 1]!,
            `${addresses[0]!}:2377`,
          ],
          n.host,
        ),
      ),
  );
  const nodes = await Promise.all(
    started.map(async (n) => ({
      name: `node-${n.index}`,
      host: n.host,
      id: await must(['info', '--format', '{{.Swarm.NodeID}}'], n.host),
      address: addresses[n.index - 1]!,
      container: n.container,
    })),
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ls = await must(['node', 'ls', '--format', '{{.Hostname}} {{.Status}}'], manager.host);
    if (ls.split('\n').filter((l) => l.endsWith(' Ready')).length === nodes.length) return nodes;
    if (Date.now() > deadline) throw new Error(`swarm nodes not all Ready after 60 s:\n${ls}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One `docker save` of the images, streamed into `docker load` on every node at once (no file in between). */
async function loadImages(images: readonly string[], nodes: readonly SwarmNode[]): Promise<void> {
  if (images.length === 0) return;
  const save = execa('docker', ['save', ...images], { env: cleanEnv(), extendEnv: false, reject: false });
  const loads = nodes.map((n) =>
    save.pipe('docker', ['-H', n.host, 'load', '--quiet'], {
      env: dockerEnv(),
      extendEnv: false,
      reject: false,
    }),
  );
  const [saved, ...loaded] = await Promise.all([save, ...loads]);
  if (saved.exitCode !== 0)
    throw new Error(`docker save ${images.join(' ')} failed:\n${String(saved.stderr)}`);
  for (const [i, r] of loaded.entries())
    if (r.exitCode !== 0) throw new Error(`docker load into ${nodes[i]!.name} failed:\n${String(r.stderr)}`);
}

/** Removes containers (-v: the inner engine's /var/lib/docker volume too), the network and the folder. */
async function removeAll(
  containers: readonly string[],
  network: string | undefined,
  dir: string,
): Promise<void> {
  const problems: string[] = [];
  if (containers.length > 0) {
    const r = await swarmDocker(['rm', '--force', '--volumes', ...containers], undefined, 120_000);
    // A container that was never created is no problem.
    const errors = String(r.stderr)
      .split('\n')
      .filter((l) => l.trim() && !/No such container/i.test(l));
    if (r.exitCode !== 0 && errors.length > 0) problems.push(errors.join('\n'));
  }
  if (network) {
    const r = await swarmDocker(['network', 'rm', network]);
    if (r.exitCode !== 0 && !/not found/i.test(String(r.stderr))) problems.push(output(r));
  }
  rmSync(dir, { recursive: true, force: true });
  if (problems.length > 0) throw new Error(`removing the swarm nodes failed:\n${problems.join('\n')}`);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Nodes and networks of earlier runs whose test process is gone (killed before its stop()). */
async function removeLeftovers(): Promise<void> {
  const format = `{{.ID}} {{.Label "${OWNER_LABEL}"}}`;
  const dead = (out: string) =>
    out
      .split('\n')
      .map((l) => l.trim().split(' '))
      .filter(([id, pid]) => id && pid && !alive(Number(pid)))
      .map(([id]) => id!);
  const containers = dead(
    await must(['ps', '--all', '--filter', `label=${OWNER_LABEL}`, '--format', format]),
  );
  const networks = dead(
    await must(['network', 'ls', '--filter', `label=${OWNER_LABEL}`, '--format', format]),
  );
  if (containers.length > 0)
    await swarmDocker(['rm', '--force', '--volumes', ...containers], undefined, 120_000);
  if (networks.length > 0) await swarmDocker(['network', 'rm', ...networks]);
}
