// The operating system: distro from /etc/os-release, kernel, architecture, WSL2, systemd, and whether berth itself
// runs inside a container. Plain file reads (systeminformation's osInfo shells out ~10 times: 110–210 ms).
import { existsSync } from 'node:fs';
import os from 'node:os';
import { readText, rooted, type ProbeEnv } from './probe.js';

export interface Distro {
  /** os-release ID, e.g. debian, ubuntu, fedora, rhel, arch */
  id: string;
  /** os-release ID_LIKE, e.g. ['debian'] on Ubuntu, ['rhel', 'fedora'] on Rocky */
  like: string[];
  name: string;
  version: string;
  codename: string;
}

export interface SystemFacts {
  distro: Distro;
  kernel: string;
  /** uname -m style: x86_64, aarch64 */
  arch: string;
  wsl: boolean;
  /** Whether systemd runs this machine (its /run/systemd/system, as sd_booted checks): not so in most containers,
   * nor on WSL2 unless turned on. */
  systemd: boolean;
  /** The container runtime berth runs inside (docker, podman, kubernetes, lxc…), if any. */
  container: string | undefined;
}

export function parseOsRelease(text: string): Distro {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) fields[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  const id = (fields.ID ?? 'linux').toLowerCase();
  return {
    id,
    like: (fields.ID_LIKE ?? '').toLowerCase().split(/\s+/).filter(Boolean),
    name: fields.PRETTY_NAME ?? fields.NAME ?? id,
    version: fields.VERSION_ID ?? '',
    codename: fields.VERSION_CODENAME ?? '',
  };
}

const unameArch: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', arm: 'armv7l', ia32: 'i686' };

export function detectSystem(p: ProbeEnv): SystemFacts {
  const osRelease = readText(p, '/etc/os-release') ?? readText(p, '/usr/lib/os-release');
  const kernel = readText(p, '/proc/sys/kernel/osrelease')?.trim() ?? os.release();
  return {
    distro: osRelease ? parseOsRelease(osRelease) : unknownDistro(),
    kernel,
    arch: unameArch[process.arch] ?? process.arch,
    wsl: /microsoft/i.test(kernel) || p.env.WSL_DISTRO_NAME !== undefined,
    systemd: existsSync(rooted(p, '/run/systemd/system')),
    container: containerKind(p),
  };
}

function unknownDistro(): Distro {
  return { id: process.platform, like: [], name: `${os.type()} ${os.release()}`, version: '', codename: '' };
}

function containerKind(p: ProbeEnv): string | undefined {
  if (existsSync(rooted(p, '/.dockerenv'))) return 'docker';
  if (existsSync(rooted(p, '/run/.containerenv'))) return 'podman';
  const fromEnv = readText(p, '/proc/1/environ')?.match(/(?:^|\0)container=([^\0]+)/)?.[1];
  if (fromEnv) return fromEnv;
  const cgroup = readText(p, '/proc/1/cgroup') ?? '';
  const m = /\b(docker|kubepods|lxc|containerd)\b/.exec(cgroup);
  return m ? (m[1] === 'kubepods' ? 'kubernetes' : m[1]) : undefined;
}
