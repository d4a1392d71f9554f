// What berth knows about the machine. Gathered once per run and passed down; recipes read it as `facts.<name>`.
import os from 'node:os';

export interface MachineFacts {
  os: { platform: string; arch: string; release: string };
  cpus: number;
  ramGb: number;
  isRoot: boolean;
  home: string;
  /** This machine's first non-loopback IPv4 address, for URLs when no domain is set. */
  address: string;
  gpu: { ready: boolean; count: number; names: string[] };
}

/** Facts that cost nothing to read (no processes spawned). Fuller detection extends these. */
export function basicFacts(): MachineFacts {
  return {
    os: { platform: process.platform, arch: process.arch, release: os.release() },
    cpus: os.availableParallelism(),
    ramGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    home: os.homedir(),
    address: primaryAddress(),
    gpu: { ready: false, count: 0, names: [] },
  };
}

function primaryAddress(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
