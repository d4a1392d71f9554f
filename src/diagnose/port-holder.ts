// Who holds a TCP port: a container that publishes it (docker ps), or a process found through /proc — the
// LISTEN socket's inode in /proc/net/tcp{,6}, then the process whose /proc/<pid>/fd links to that socket.
// Another user's processes are only visible to root; then we say the port is held but not by whom.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

export interface Listener {
  /** "127.0.0.1", "0.0.0.0", "::" … */
  address: string;
  port: number;
  inode: number;
}

export type PortHolder =
  | { kind: 'container'; name: string; holder: string }
  | { kind: 'process'; pid: number; name: string; holder: string }
  /** A socket listens there, but its process is not ours to see. */
  | { kind: 'hidden'; inode: number }
  | { kind: 'none' };

const LISTEN = '0A';

/** /proc/net/tcp or tcp6 → its listening sockets. Malformed lines are skipped. */
export function parseProcNetTcp(text: string): Listener[] {
  const listeners: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const [local, state, inode] = [cols[1], cols[3], cols[9]];
    if (!local || state !== LISTEN || !inode) continue;
    const [hexAddr, hexPort] = local.split(':');
    if (!hexAddr || !hexPort) continue;
    listeners.push({ address: hexAddress(hexAddr), port: parseInt(hexPort, 16), inode: Number(inode) });
  }
  return listeners;
}

/** The kernel prints addresses as host-order 32-bit words (little-endian here). */
function hexAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** `docker ps` Ports ("127.0.0.1:8080->80/tcp, :::8000-8001->8000-8001/tcp") → the host ports published. */
export function publishedPorts(ports: string): number[] {
  const found: number[] = [];
  for (const m of ports.matchAll(/:(\d+)(?:-(\d+))?->/g)) {
    const first = Number(m[1]);
    const last = m[2] ? Number(m[2]) : first;
    for (let p = first; p <= last && p - first < 65536; p++) found.push(p);
  }
  return found;
}

/** `docker ps --format json` (one object a line) → the container publishing `port`, if any. */
export function containerOnPort(dockerPsStdout: string, port: number): string | undefined {
  for (const line of dockerPsStdout.split('\n')) {
    try {
      const row = JSON.parse(line) as { Names?: string; Ports?: string };
      if (row.Names && publishedPorts(row.Ports ?? '').includes(port)) return row.Names;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

/** Every listening TCP socket in a /proc tree (the real one, or a fixture); undefined when /proc/net is unreadable. */
export function listenersIn(procRoot: string): Listener[] | undefined {
  const tables = ['net/tcp', 'net/tcp6'].map((file) => readOr(path.join(procRoot, file)));
  if (tables.every((t) => t === undefined)) return undefined;
  return tables.flatMap((t) => parseProcNetTcp(t ?? ''));
}

/** The process with one of these sockets open (through /proc/<pid>/fd), when this user may see it. */
export function socketOwner(
  procRoot: string,
  inodes: readonly number[],
): { pid: number; name: string } | undefined {
  const targets = new Set(inodes.map((inode) => `socket:[${inode}]`));
  for (const pid of readdirOr(procRoot).filter((d) => /^\d+$/.test(d))) {
    const fdDir = path.join(procRoot, pid, 'fd');
    for (const fd of readdirOr(fdDir)) {
      let target: string;
      try {
        target = readlinkSync(path.join(fdDir, fd));
      } catch {
        continue;
      }
      if (!targets.has(target)) continue;
      return { pid: Number(pid), name: readOr(path.join(procRoot, pid, 'comm'))?.trim() || 'a process' };
    }
  }
  return undefined;
}

/** Looks through a /proc tree (the real one, or a fixture) for the process listening on `port`. */
export function processOnPort(procRoot: string, port: number): PortHolder {
  const listeners = (listenersIn(procRoot) ?? []).filter((l) => l.port === port);
  if (listeners.length === 0) return { kind: 'none' };
  const owner = socketOwner(
    procRoot,
    listeners.map((l) => l.inode),
  );
  if (!owner) return { kind: 'hidden', inode: listeners[0]!.inode };
  return { kind: 'process', ...owner, holder: `${owner.name} (pid ${owner.pid})` };
}

function readOr(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readdirOr(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
