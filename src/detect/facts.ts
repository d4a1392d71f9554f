// What berth knows about the machine. Gathered once per run and passed down; recipes read it as `facts.<name>`.
// `basicFacts` costs nothing (no process spawned); `detectFacts` (detect.ts) fills in the optional fields.
import os from 'node:os';
import type { DockerFacts } from './docker.js';
import type { GpuFacts } from './gpu.js';
import type { PortFact } from './ports.js';
import type { DnsFact } from './dns.js';
import type { DiskFacts } from './resources.js';
import type { SystemFacts } from './system.js';

export interface MachineFacts {
  os: { platform: string; arch: string; release: string };
  cpus: number;
  ramGb: number;
  isRoot: boolean;
  /** The user and group berth runs as (host folders are created owned by a recipe's uid/gid, else by these). */
  uid: number;
  gid: number;
  hostname: string;
  home: string;
  /** This machine's first non-loopback IPv4 address, for URLs when no domain is set. */
  address: string;
  gpu: { ready: boolean; count: number; names: string[] } & Partial<
    Omit<GpuFacts, 'ready' | 'count' | 'names'>
  >;
  /** Detected: distro, kernel, WSL2, container. */
  system?: SystemFacts;
  ramAvailableGb?: number;
  /** Detected: free space at the install folder and, when elsewhere, at Docker's data root. */
  disk?: DiskFacts[];
  docker?: DockerFacts;
  /** Detected for the ports the chosen answers publish. */
  ports?: PortFact[];
  /** Resolved for the domains the recipe exposes (exposes.domains), with this machine's addresses. */
  dns?: { domains: DnsFact[]; addresses: string[] };
}

/** Facts after full detection: every optional field is there. */
export type DetectedFacts = MachineFacts &
  Required<Pick<MachineFacts, 'system' | 'ramAvailableGb' | 'disk' | 'docker' | 'ports'>> & { gpu: GpuFacts };

/** Facts that cost nothing to read (no processes spawned). Fuller detection extends these. */
export function basicFacts(): MachineFacts {
  return {
    os: { platform: process.platform, arch: process.arch, release: os.release() },
    cpus: os.availableParallelism(),
    ramGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    uid: typeof process.getuid === 'function' ? process.getuid() : 0,
    gid: typeof process.getgid === 'function' ? process.getgid() : 0,
    hostname: os.hostname(),
    home: os.homedir(),
    address: primaryAddress(),
    gpu: { ready: false, count: 0, names: [] },
  };
}

function primaryAddress(): string {
  return externalInterfaces().find((a) => a.family === 'IPv4')?.address ?? '127.0.0.1';
}

/** This machine's addresses other than loopback (a domain pointing at 127.0.0.1 reaches no one else). */
export const machineAddresses = (): string[] => externalInterfaces().map((a) => a.address);

const externalInterfaces = () =>
  Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal);
