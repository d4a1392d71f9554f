// Is a TCP port free on this machine, and if not, which process holds it. Reads /proc/net/tcp{,6} (no bind,
// no spawn) and maps the socket inode to a process through /proc/<pid>/fd when permissions allow — with the
// same /proc reader the failure diagnosis uses (diagnose/port-holder.ts).
import net from 'node:net';
import { listenersIn, socketOwner } from '../diagnose/port-holder.js';
import { rooted, type ProbeEnv } from './probe.js';

export interface PortFact {
  port: number;
  free: boolean;
  /** Who listens on it, when that can be seen (another user's processes need root). */
  holder?: { pid: number; name: string };
}

export async function probePorts(ports: readonly number[], p: ProbeEnv): Promise<PortFact[]> {
  const unique = [...new Set(ports)].sort((a, b) => a - b);
  const proc = rooted(p, '/proc');
  const listeners = listenersIn(proc);
  if (!listeners) return Promise.all(unique.map(async (port) => ({ port, free: await canBind(port) })));
  return unique.map((port) => {
    const inodes = listeners.filter((l) => l.port === port).map((l) => l.inode);
    if (inodes.length === 0) return { port, free: true };
    const holder = socketOwner(proc, inodes);
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
