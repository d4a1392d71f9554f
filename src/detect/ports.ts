// Is a TCP port free on this machine, and if not, which process holds it. Reads /proc/net/tcp{,6} (no bind,
// no spawn) and maps the socket inode to a process through /proc/<pid>/fd when permissions allow.
import net from 'node:net';
import { readlinkSync } from 'node:fs';
import { listDir, readText, rooted, type ProbeEnv } from './probe.js';

export interface PortFact {
  port: number;
  free: boolean;
  /** Who listens on it, when that can be seen (another user's processes need root). */
  holder?: { pid: number; name: string };
}

const LISTEN = '0A';

/** Listening TCP ports → socket inode, from the kernel's tables; undefined if /proc/net is not readable. */
export function listeningSockets(p: Pick<ProbeEnv, 'root'>): Map<number, string> | undefined {
  const tables = ['/proc/net/tcp', '/proc/net/tcp6'].map((f) => readText(p, f));
  if (tables.every((t) => t === undefined)) return undefined;
  const found = new Map<number, string>();
  for (const line of tables.flatMap((t) => (t ?? '').split('\n').slice(1))) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== LISTEN) continue;
    const port = parseInt(f[1]!.split(':')[1] ?? '', 16);
    if (Number.isFinite(port) && !found.has(port)) found.set(port, f[9]!);
  }
  return found;
}

function holderOf(p: Pick<ProbeEnv, 'root'>, inode: string): PortFact['holder'] {
  const target = `socket:[${inode}]`;
  for (const pid of listDir(p, '/proc') ?? []) {
    if (!/^\d+$/.test(pid)) continue;
    for (const fd of listDir(p, `/proc/${pid}/fd`) ?? []) {
      let link: string;
      try {
        link = readlinkSync(rooted(p, `/proc/${pid}/fd/${fd}`));
      } catch {
        continue;
      }
      if (link === target) return { pid: Number(pid), name: readText(p, `/proc/${pid}/comm`)?.trim() ?? '?' };
    }
  }
  return undefined;
}

export async function probePorts(ports: readonly number[], p: ProbeEnv): Promise<PortFact[]> {
  const unique = [...new Set(ports)].sort((a, b) => a - b);
  const sockets = listeningSockets(p);
  if (!sockets) return Promise.all(unique.map(async (port) => ({ port, free: await canBind(port) })));
  return unique.map((port) => {
    const inode = sockets.get(port);
    if (inode === undefined) return { port, free: true };
    const holder = holderOf(p, inode);
    return holder ? { port, free: false, holder } : { port, free: false };
  });
}

/** Fallback without /proc: try to listen. EACCES (a low port as non-root) is not "taken". */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code !== 'EADDRINUSE'));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
