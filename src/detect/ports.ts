// Is a TCP port free on this machine, and if not, which process holds it. Reads /proc/net/tcp{,6} (no bind,
// no spawn) and maps the socket inode to a process through /proc/<pid>/fd when permissions allow — with the
// same /proc reader the failure diagnosis uses (diagnose/port-holder.ts).
import net from 'node:net';
import { listenersIn, publishedPorts, socketOwner } from '../diagnose/port-holder.js';
import { rooted, type ProbeEnv } from './probe.js';

export interface PortFact {
  port: number;
  free: boolean;
  /** Who listens on it, when that can be seen (another user's processes need root). */
  holder?: { pid: number; name: string };
  /** A container of this install's own compose project publishes it (a reconfigure recreates that container). */
  ownStack?: boolean;
}

/** `project`: this install's compose project, so that its own published ports are recognised as such. */
export async function probePorts(
  ports: readonly number[],
  p: ProbeEnv,
  project?: string,
): Promise<PortFact[]> {
  const unique = [...new Set(ports)].sort((a, b) => a - b);
  const proc = rooted(p, '/proc');
  const listeners = listenersIn(proc);
  if (!listeners) return Promise.all(unique.map(async (port) => ({ port, free: await canBind(port) })));
  const facts: PortFact[] = unique.map((port) => {
    const inodes = listeners.filter((l) => l.port === port).map((l) => l.inode);
    if (inodes.length === 0) return { port, free: true };
    const holder = socketOwner(proc, inodes);
    return holder ? { port, free: false, holder } : { port, free: false };
  });
  const byContainer = facts.filter((f) => f.holder && DOCKER_PROXY.test(f.holder.name));
  if (!project || byContainer.length === 0) return facts;
  const own = await projectPorts(p, project);
  for (const f of byContainer) if (own.includes(f.port)) f.ownStack = true;
  return facts;
}

/** The processes that publish a container's port on the host. */
export const DOCKER_PROXY = /^docker-proxy$|^rootlesskit/;

/** The host ports the project's running containers publish (none when docker does not answer). */
async function projectPorts(p: ProbeEnv, project: string): Promise<number[]> {
  const filter = `label=com.docker.compose.project=${project}`;
  const r = await p.exec('docker', ['ps', '--filter', filter, '--format', '{{.Ports}}'], {
    env: p.env,
    timeoutMs: p.timeoutMs,
  });
  return r.exitCode === 0 ? publishedPorts(r.stdout) : [];
}

/** Fallback without /proc: try to listen. EACCES (a low port as non-root) is not "taken". */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e.code !== 'EADDRINUSE'));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
