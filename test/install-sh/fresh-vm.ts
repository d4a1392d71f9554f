// The fresh VM the install.sh tests run `curl … | bash` in: a container of berth-test/fresh-vm:1 (minimal Debian
// from debootstrap with bash and curl, no Node.js, no Docker CLI; scripts/build-fresh-vm-image.sh) with the host's
// Docker socket, and a local HTTP server on 127.0.0.1 that serves a release (scripts/release.sh) and a Node.js
// runtime in nodejs.org's layout, made from the Node.js running these tests. The VM shares the host's network
// (`--network host`), so it reaches the server on loopback without depending on any bridge address: a freshly
// started dockerd reports its bridge with no gateway, and test traffic stays on this machine.
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../helpers.js';
import { docker, requireEngine } from '../engine/harness.js';

export const FRESH_VM_IMAGE = 'berth-test/fresh-vm:1';
/** The same from Debian 12, the machine kind berth's CI runs on (`build-fresh-vm-image.sh --suite bookworm`). */
export const FRESH_VM_BOOKWORM_IMAGE = 'berth-test/fresh-vm-bookworm:1';
/** The stand-in images the magec install uses (see test/engine/stacks.test.ts). */
export const MAGEC_IMAGES = ['postgres', 'redis', 'magec'].map((name) => `berth-test/${name}:1`);

/** Fails (never skips) without the engine, Compose v2, the test images or the fresh-VM image. */
export async function requireFreshVm(image = FRESH_VM_IMAGE): Promise<void> {
  await requireEngine(['berth-test/busybox:1', ...MAGEC_IMAGES]);
  const found = await docker(['image', 'inspect', '--format', '{{.Id}}', image], os.tmpdir());
  const how = image === FRESH_VM_IMAGE ? '' : ' --suite bookworm';
  if (found.exitCode !== 0)
    throw new Error(
      `${image} is missing. Build it with \`sudo scripts/build-fresh-vm-image.sh${how}\` (debootstrap; scripts/test.sh runs it).`,
    );
}

export interface ReleaseServer {
  /** What release.sh was given as --base-url: install.sh, berth.mjs and SHA256SUMS are there. */
  releaseUrl: string;
  /** For BERTH_NODE_BASE_URL: <nodeBaseUrl>/<version>/node-<version>-linux-<arch>.tar.gz and SHASUMS256.txt. */
  nodeBaseUrl: string;
  /** The served folder; the release is in <dir>/release. */
  dir: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Where the release server listens: loopback, reached from the VM through the host's network. */
const SERVER_HOST = '127.0.0.1';

/** A Node.js tarball as nodejs.org lays it out (bin/node, and npm in lib/node_modules with bin/npm beside node),
 * made from the node and npm running these tests, with its SHA256 in SHASUMS256.txt. */
async function nodeRuntime(dir: string): Promise<void> {
  const name = `node-${process.version}-linux-${process.arch}`;
  const stage = mkdtempSync(path.join(os.tmpdir(), 'berth-node-'));
  try {
    mkdirSync(path.join(stage, name, 'bin'), { recursive: true });
    mkdirSync(path.join(stage, name, 'lib/node_modules'), { recursive: true });
    const target = path.join(dir, process.version);
    mkdirSync(target, { recursive: true });
    await execa('cp', [realpathSync(process.execPath), path.join(stage, name, 'bin', 'node')]);
    await execa('cp', ['-a', hostNpm(), path.join(stage, name, 'lib/node_modules/npm')]);
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(stage, name, 'bin', 'npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(stage, name, 'bin', 'npx'));
    await execa('sh', ['-c', `tar -C "$1" -c "$2" | gzip -1 >"$3/$2.tar.gz"`, 'sh', stage, name, target]);
    await execa('sh', ['-c', `cd "$1" && sha256sum "$2.tar.gz" >SHASUMS256.txt`, 'sh', target, name]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The npm package folder of the npm on PATH (its bin/npm-cli.js is what `npm` runs). */
function hostNpm(): string {
  const npm = (process.env.PATH ?? '')
    .split(':')
    .map((d) => path.join(d, 'npm'))
    .find((f) => existsSync(f));
  if (!npm) throw new Error('no npm on PATH to put into the Node.js tarball');
  return path.dirname(path.dirname(realpathSync(npm)));
}

/** Serves a fresh release of the built bundle (scripts/release.sh --no-build) and a Node.js runtime. */
export async function startReleaseServer(root: string): Promise<ReleaseServer> {
  const dir = path.join(root, 'www');
  mkdirSync(dir, { recursive: true });
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://server').pathname);
    requests.push(pathname);
    const file = path.join(dir, path.normalize(pathname));
    if (!file.startsWith(dir + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, SERVER_HOST, resolve);
  });
  const url = `http://${SERVER_HOST}:${(server.address() as AddressInfo).port}`;
  const releaseUrl = `${url}/release`;
  await execa(path.join(repoRoot, 'scripts/release.sh'), [
    '--no-build',
    '--base-url',
    releaseUrl,
    '--out',
    path.join(dir, 'release'),
  ]);
  await nodeRuntime(path.join(dir, 'node'));
  return {
    releaseUrl,
    nodeBaseUrl: `${url}/node`,
    dir,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The host's docker CLI and Compose plugin, to mount into the VM as if Docker were installed there. */
export function hostDockerMounts(): string[] {
  const cli = ['/usr/local/bin/docker', '/usr/bin/docker'].find((f) => existsSync(f));
  const plugin = [
    '/usr/local/lib/docker/cli-plugins',
    '/usr/libexec/docker/cli-plugins',
    '/usr/lib/docker/cli-plugins',
  ]
    .map((d) => path.join(d, 'docker-compose'))
    .find((f) => existsSync(f));
  if (!cli || !plugin) throw new Error('the host has no docker CLI or no Compose plugin to lend the VM');
  return [
    `${realpathSync(cli)}:/usr/local/bin/docker:ro`,
    `${realpathSync(plugin)}:/usr/libexec/docker/cli-plugins/docker-compose:ro`,
  ];
}

export interface VmOptions {
  /** Container name, so a test can remove it whatever happens. */
  name: string;
  /** bash script run in the VM. */
  script: string;
  /** Host folder mounted at the same path inside (bind paths resolve on the host): install folders live here. */
  shared: string;
  /** Host folder mounted as root's home, so the test sees what install.sh put there. */
  home: string;
  env?: Record<string, string>;
  /** Lend the host's docker CLI and Compose plugin (else the VM has none). */
  withDocker?: boolean;
  /** docker run -it, for a terminal (tmux). */
  tty?: boolean;
  /** More bind mounts (host:container[:ro]). */
  mounts?: string[];
  /** Mount the host engine's socket (default); without it the VM has no Docker engine at all. */
  socket?: boolean;
  /** Give the VM what a Docker engine of its own needs (capabilities, no seccomp or AppArmor profile, writable
   * /proc/sys) and its own network (a bridge of the host engine), so that engine's bridge and firewall rules stay
   * inside the VM. Without it the VM shares the host's network. */
  ownEngine?: boolean;
  /** The VM's image (default FRESH_VM_IMAGE, Debian 13). */
  image?: string;
  /** `none`: no network at all, not even the host's (an offline install); default: the host's. */
  network?: 'host' | 'none';
}

/** Capability names by bit, as in linux/capability.h. */
const CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
];

/** `--cap-add ALL`, less what this machine's own bounding set lacks (a container cannot get more than that, so
 * `--privileged` fails where the host itself runs with fewer capabilities). */
function allCapabilities(): string[] {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('CapBnd:'));
  const bounding = BigInt(`0x${line?.split(/\s+/)[1] ?? '0'}`);
  const missing = CAPABILITIES.filter((_, bit) => ((bounding >> BigInt(bit)) & 1n) === 0n);
  return ['--cap-add', 'ALL', ...missing.flatMap((c) => ['--cap-drop', c])];
}

/** `docker run …` arguments for a fresh VM. */
export function vmArgs(o: VmOptions): string[] {
  const mounts = [
    ...(o.socket === false ? [] : ['/var/run/docker.sock:/var/run/docker.sock']),
    `${o.shared}:${o.shared}`,
    `${o.home}:/root`,
    ...(o.withDocker ? hostDockerMounts() : []),
    ...(o.mounts ?? []),
  ];
  return [
    'run',
    '--rm',
    '--name',
    o.name,
    // The host's network: the release server is on 127.0.0.1, and apt reaches the package mirror as the host does.
    ...(o.ownEngine
      ? [
          ...allCapabilities(),
          ...['seccomp', 'apparmor', 'systempaths'].flatMap((o) => ['--security-opt', `${o}=unconfined`]),
        ]
      : ['--network', o.network ?? 'host']),
    ...(o.tty ? ['-it'] : []),
    ...mounts.flatMap((m) => ['-v', m]),
    ...Object.entries(o.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    o.image ?? FRESH_VM_IMAGE,
    'bash',
    '-c',
    o.script,
  ];
}

export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The one-liner users run, with berth's options after `bash -s --`. */
export const curlPipeBash = (url: string, args: string[] = []): string =>
  `curl -fsSL ${shellQuote(url)} | bash${args.length > 0 ? ` -s -- ${args.map(shellQuote).join(' ')}` : ''}`;

/** Runs a fresh VM without a terminal; exit code and output. */
export async function runVm(o: VmOptions, timeout = 120_000): Promise<{ exitCode: number; output: string }> {
  const result = await execa('docker', vmArgs(o), {
    reject: false,
    stdin: 'ignore',
    all: true,
    timeout,
  });
  return { exitCode: result.exitCode ?? -1, output: String(result.all) };
}

export async function removeVm(name: string): Promise<void> {
  await docker(['rm', '--force', name], os.tmpdir());
}
