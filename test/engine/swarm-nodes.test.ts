// The two-node swarm harness (swarm-nodes.ts) on the real engine: both nodes Ready, a stack deployed with the plain
// docker CLI (API 1.41) places a stateful service with a named volume on the labelled node and one replica of a
// stateless service on each node, the overlay network carries traffic between the nodes, and stop() leaves nothing
// on the host engine.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requireEngine, text } from './harness.js';
import { startSwarmNodes, SWARM_NODE_IMAGE, swarmDocker, type SwarmNodes } from './swarm-nodes.js';

const BUSYBOX = 'berth-test/busybox:1';
const STACK = 'probe';
// data: a named volume, pinned to the labelled node; dnsrr, since this kernel has no IPVS for a virtual IP (see
// swarm-nodes.ts). web: two replicas, at most one per node. No published ports: no routing mesh here.
const STACK_FILE = `services:
  data:
    image: ${BUSYBOX}
    command: ["sh", "-c", "echo stored >/data/state && exec httpd -f -p 8080 -h /data"]
    volumes: [data:/data]
    deploy:
      endpoint_mode: dnsrr
      placement:
        constraints: [node.labels.berth-test.data == true]
  web:
    image: ${BUSYBOX}
    command: ["sleep", "86400"]
    deploy:
      replicas: 2
      placement:
        max_replicas_per_node: 1
volumes:
  data:
`;

let swarm: SwarmNodes | undefined;
const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-swarm-test-'));

beforeAll(async () => {
  await requireEngine([SWARM_NODE_IMAGE, BUSYBOX]);
  swarm = await startSwarmNodes({ nodes: 2, images: [BUSYBOX], labels: [{}, { 'berth-test.data': 'true' }] });
  console.info(`swarm up: ${JSON.stringify(swarm.timings)} ms, network ${swarm.network} ${swarm.subnet}`);
}, 300_000);

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await swarm?.stop();
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

describe('a real two-node swarm', () => {
  test('both nodes are Ready in the manager`s node list, node 2 with its label', async () => {
    const { managerHost, nodes } = swarm!;
    expect(nodes.map((n) => n.name)).toEqual(['node-1', 'node-2']);
    const ls = await on(managerHost, [
      'node',
      'ls',
      '--format',
      '{{.Hostname}} {{.Status}} {{.ManagerStatus}}',
    ]);
    expect(lines(ls).sort()).toEqual(['node-1 Ready Leader', 'node-2 Ready']);
    const labels = await on(managerHost, [
      'node',
      'inspect',
      '--format',
      '{{json .Spec.Labels}}',
      nodes[1]!.id,
    ]);
    expect(JSON.parse(labels)).toEqual({ 'berth-test.data': 'true' });
    // Each node is its own engine: the worker answers for itself, not the manager.
    expect(
      await on(nodes[1]!.host, ['info', '--format', '{{.Swarm.NodeID}} {{.Swarm.ControlAvailable}}']),
    ).toBe(`${nodes[1]!.id} false`);
  });

  test('stack deploy places the pinned service on node 2 and one web replica per node', async () => {
    const { managerHost, nodes } = swarm!;
    const file = path.join(dir, 'stack.yaml');
    writeFileSync(file, STACK_FILE);
    const start = Date.now();
    await on(managerHost, ['stack', 'deploy', '--detach=false', '--compose-file', file, STACK], 180_000);
    console.info(`stack deploy converged in ${Date.now() - start} ms`);

    const running = async (service: string) =>
      lines(
        await on(managerHost, [
          'service',
          'ps',
          '--filter',
          'desired-state=running',
          '--format',
          '{{.Node}} {{.CurrentState}}',
          `${STACK}_${service}`,
        ]),
      ).map((l) => l.replace(/ (\w+) .*$/, ' $1'));
    expect(await running('data')).toEqual(['node-2 Running']);
    expect((await running('web')).sort()).toEqual(['node-1 Running', 'node-2 Running']);
    // The same from each node's own engine: its containers and the named volume only where the task runs.
    const services = async (host: string) =>
      lines(await on(host, ['ps', '--format', '{{.Label "com.docker.swarm.service.name"}}'])).sort();
    expect(await services(nodes[0]!.host)).toEqual([`${STACK}_web`]);
    expect(await services(nodes[1]!.host)).toEqual([`${STACK}_data`, `${STACK}_web`]);
    expect(lines(await on(nodes[1]!.host, ['volume', 'ls', '--quiet']))).toContain(`${STACK}_data`);
    expect(lines(await on(nodes[0]!.host, ['volume', 'ls', '--quiet']))).not.toContain(`${STACK}_data`);
  }, 240_000);

  test('the overlay network carries traffic from node 1 to node 2 (service DNS, VXLAN between the nodes)', async () => {
    const { nodes } = swarm!;
    const filter = (service: string) => [
      '--filter',
      `label=com.docker.swarm.service.name=${STACK}_${service}`,
    ];
    const data = await on(nodes[1]!.host, ['ps', '--quiet', ...filter('data')]);
    const address = await on(nodes[1]!.host, [
      'inspect',
      '--format',
      `{{(index .NetworkSettings.Networks "${STACK}_default").IPAddress}}`,
      data,
    ]);
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const web = await on(nodes[0]!.host, ['ps', '--quiet', ...filter('web')]);
    // busybox's static wget crashes on name lookups here; nslookup and nc do not.
    const script = `nslookup data; printf 'GET /state HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${address} 8080`;
    const out = await on(nodes[0]!.host, ['exec', web, 'sh', '-c', script]);
    expect(out).toContain(`Address: ${address}`);
    expect(out).toMatch(/200 OK[\s\S]*\nstored$/);
  }, 60_000);

  test('stop() removes the nodes, their volumes, the network and the sockets folder', async () => {
    const { nodes, network } = swarm!;
    const volumes = lines(
      await on('', [
        'inspect',
        '--format',
        '{{range .Mounts}}{{.Name}} {{end}}',
        ...nodes.map((n) => n.container),
      ]),
    ).flatMap((l) => l.split(' '));
    expect(volumes).toHaveLength(nodes.length);
    const folder = path.dirname(path.dirname(nodes[0]!.host.replace(/^unix:\/\//, '')));
    expect(existsSync(folder)).toBe(true);
    const start = Date.now();
    await swarm!.stop();
    console.info(`swarm removed in ${Date.now() - start} ms`);
    const left = await swarmDocker(['inspect', ...nodes.map((n) => n.container), network, ...volumes]);
    expect(lines(left.stdout).join('\n')).toBe('[]');
    expect(lines(left.stderr)).toHaveLength(nodes.length + 1 + volumes.length);
    expect(existsSync(folder)).toBe(false);
  }, 120_000);
});
