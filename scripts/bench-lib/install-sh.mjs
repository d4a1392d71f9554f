// The bootstrap's cost: the bundle's size (raw and gzip, what `curl | bash` downloads besides Node.js), and the
// time from typing `curl … | bash` in a fresh VM (berth-test/fresh-vm:1: minimal Debian, no Node.js; built by
// scripts/build-fresh-vm-image.sh) to the wizard's first frame, with the release and a Node.js tarball served
// on 127.0.0.1 to a VM on the host's network (`--network host`, as the tests in test/install-sh/ do). The terminal is tmux on the
// host running `docker run -it`; the clock starts in the VM just before curl and stops when the pane first shows
// the wizard.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL } from 'node:url';
import { gzipSync } from 'node:zlib';

const IMAGE = 'berth-test/fresh-vm:1';
const root = path.resolve(import.meta.dirname, '../..');
/** Text of the wizard's first frame: its heading, printed before the rest of berth loads. */
const WIZARD_FIRST_SCREEN = 'guided installer';

export function bundleSizes(bundle) {
  const bytes = readFileSync(bundle);
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** Why the fresh-VM timing cannot run here, or undefined when it can. */
export function installShUnavailable() {
  if (spawnSync('tmux', ['-V']).status !== 0) return 'tmux is not installed';
  if (spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' }).status !== 0)
    return `image ${IMAGE} is missing (scripts/build-fresh-vm-image.sh builds it)`;
  return undefined;
}

const sh = (script, ...args) => execFileSync('sh', ['-c', script, 'sh', ...args], { encoding: 'utf8' });
const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

async function serve(dir) {
  // Loopback, reached from the VM through the host's network: no bridge address (a fresh dockerd's bridge has no
  // gateway), and the traffic stays on this machine.
  const host = '127.0.0.1';
  const server = createServer((req, res) => {
    const file = path.join(dir, path.normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!file.startsWith(dir + path.sep) || !existsSync(file) || !statSync(file).isFile())
      return res.writeHead(404).end();
    res.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  return { server, url: `http://${host}:${server.address().port}` };
}

/** The release (scripts/release.sh of the built bundle) and this Node.js as a nodejs.org-style tarball. */
function stage(dir, url) {
  execFileSync(path.join(root, 'scripts/release.sh'), [
    '--no-build',
    '--base-url',
    `${url}/release`,
    '--out',
    path.join(dir, 'release'),
  ]);
  const name = `node-${process.version}-linux-${process.arch}`;
  const target = path.join(dir, 'node', process.version);
  mkdirSync(path.join(dir, 'stage', name, 'bin'), { recursive: true });
  mkdirSync(target, { recursive: true });
  sh(
    'cp "$1" "$2/$3/bin/node" && tar -C "$2" -c "$3" | gzip -1 >"$4/$3.tar.gz" && cd "$4" && sha256sum "$3.tar.gz" >SHASUMS256.txt',
    realpathSync(process.execPath),
    path.join(dir, 'stage'),
    name,
    target,
  );
  return statSync(path.join(target, `${name}.tar.gz`)).size;
}

function plugin() {
  return [
    '/usr/local/lib/docker/cli-plugins',
    '/usr/libexec/docker/cli-plugins',
    '/usr/lib/docker/cli-plugins',
  ]
    .map((d) => path.join(d, 'docker-compose'))
    .find((f) => existsSync(f));
}

/** One fresh VM: ms from just before curl to the wizard's first frame on the pane. */
async function once(dir, url, n) {
  const socket = `berth-bench-${process.pid}`;
  const name = `berth-bench-vm-${process.pid}-${n}`;
  const tmux = (...args) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const home = path.join(dir, `home-${n}`);
  mkdirSync(home);
  const script = `echo "T0=$(date +%s%3N)"; curl -fsSL ${url}/release/install.sh | bash -s -- --recipe magec --dir ${dir}/stack-${n}; sleep 60`;
  const docker = realpathSync(execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim());
  const args = [
    'docker',
    'run',
    '--rm',
    '-it',
    '--name',
    name,
    '--network',
    'host',
    '-v',
    '/var/run/docker.sock:/var/run/docker.sock',
    '-v',
    `${dir}:${dir}`,
    '-v',
    `${home}:/root`,
    '-v',
    `${docker}:/usr/local/bin/docker:ro`,
    '-v',
    `${realpathSync(plugin())}:/usr/libexec/docker/cli-plugins/docker-compose:ro`,
    '-e',
    `BERTH_NODE_BASE_URL=${url}/node`,
    '-e',
    `BERTH_NODE_VERSION=${process.version}`,
    IMAGE,
    'bash',
    '-c',
    script,
  ];
  try {
    tmux('new-session', '-d', '-s', 'vm', '-x', '150', '-y', '50', args.map(quote).join(' '));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const pane = tmux('capture-pane', '-p', '-J', '-t', 'vm').stdout ?? '';
      const t0 = /T0=(\d+)/.exec(pane);
      if (t0 && pane.includes(WIZARD_FIRST_SCREEN)) return Date.now() - Number(t0[1]);
      await sleep(10);
    }
    throw new Error(
      `no wizard within 60 s; the pane shows:\n${tmux('capture-pane', '-p', '-t', 'vm').stdout}`,
    );
  } finally {
    tmux('kill-server');
    spawnSync('docker', ['rm', '--force', name], { stdio: 'ignore' });
  }
}

/** Runs `runs` fresh VMs one after the other: { samples (ms), nodeBytes (the Node.js tarball served) }. */
export async function benchInstallSh({ runs, log = () => {} }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-installsh-'));
  const { server, url } = await serve(dir);
  try {
    const nodeBytes = stage(dir, url);
    const samples = [];
    for (let n = 1; n <= runs; n++) {
      samples.push(await once(dir, url, n));
      log(`  fresh VM ${n}/${runs}: ${samples.at(-1)} ms to the wizard's first frame`);
    }
    return { samples, nodeBytes };
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
