// CPU cores, memory and free disk: /proc/meminfo and statfs, no processes spawned.
import { statfsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readText, type ProbeEnv } from './probe.js';

export interface DiskFacts {
  /** The folder asked about, and the existing folder its free space was measured at. */
  path: string;
  measuredAt: string;
  freeGb: number;
  /** The filesystem (st_dev): two folders on one filesystem share one budget. */
  device: number;
}

const gb = (bytes: number) => Math.round((bytes / 1024 ** 3) * 10) / 10;

export function memory(p: ProbeEnv): { totalGb: number; availableGb: number } {
  const info = readText(p, '/proc/meminfo') ?? '';
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(info)?.[1] ?? NaN) * 1024;
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  return {
    totalGb: gb(Number.isFinite(total) ? total : os.totalmem()),
    availableGb: gb(Number.isFinite(available) ? available : os.freemem()),
  };
}

/** Free space for an unprivileged writer at `dir`, measured at its nearest existing ancestor. */
export function freeDisk(dir: string): DiskFacts | undefined {
  let at = path.resolve(dir);
  for (;;) {
    try {
      const s = statfsSync(at);
      return { path: dir, measuredAt: at, freeGb: gb(s.bavail * s.bsize), device: statSync(at).dev };
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return undefined;
      at = parent;
    }
  }
}
