// Detected facts of an imaginary machine, for the pure checks; each test overrides what it is about.
import type { DetectedFacts } from '../../src/detect/facts.js';
import type { Rung } from '../../src/detect/gpu.js';

const ladder = (statuses: Rung['status'][]): Rung[] =>
  (['device', 'driver', 'toolkit', 'container'] as const).map((id, i) => ({
    id,
    title: id,
    status: statuses[i] ?? 'skip',
    detail: `${id} ${statuses[i] ?? 'skip'}`,
    ...(statuses[i] === 'fail' ? { fix: [`fix ${id}`] } : {}),
  }));

export function sampleFacts(overrides: Partial<DetectedFacts> = {}): DetectedFacts {
  return {
    os: { platform: 'linux', arch: 'x64', release: '6.1.0' },
    cpus: 8,
    ramGb: 32,
    ramAvailableGb: 30,
    isRoot: false,
    uid: 1000,
    gid: 1000,
    hostname: 'sample',
    home: '/home/ada',
    address: '192.0.2.10',
    system: {
      distro: {
        id: 'ubuntu',
        like: ['debian'],
        name: 'Ubuntu 24.04 LTS',
        version: '24.04',
        codename: 'noble',
      },
      kernel: '6.8.0',
      arch: 'x86_64',
      wsl: false,
      systemd: true,
      container: undefined,
    },
    disk: [{ path: '/home/ada/magec', measuredAt: '/home/ada', freeGb: 200, device: 1 }],
    docker: {
      cli: '/usr/bin/docker',
      host: 'unix:///var/run/docker.sock',
      engine: {
        reachable: true,
        version: '27.3.1',
        rootless: false,
        runtimes: ['runc'],
        cdiSpecDirs: [],
        rootDir: '/var/lib/docker',
      },
      compose: { plugin: '2.29.1', standalone: undefined },
    },
    gpu: { ready: false, count: 0, names: [], devices: [], vramGb: 0, ladder: ladder(['fail']) },
    ports: [],
    ...overrides,
  };
}

export const readyGpu = (vramMiB = 8192): DetectedFacts['gpu'] => ({
  ready: true,
  count: 1,
  names: ['NVIDIA GeForce RTX 4060'],
  devices: [{ name: 'NVIDIA GeForce RTX 4060', memoryMiB: vramMiB, driver: '550.54.14' }],
  vramGb: Math.round((vramMiB / 1024) * 10) / 10,
  ladder: ladder(['pass', 'pass', 'pass']),
});

export const toolkitMissing = (): DetectedFacts['gpu'] => ({
  ...readyGpu(),
  ready: false,
  ladder: ladder(['pass', 'pass', 'fail']),
});
