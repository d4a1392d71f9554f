// The offline install's cost: `berth bundle` of magec (openai) from the local test images, re-tagged under a
// repository of this run alone (other runs use the berth-test/* tags), against a plain `docker save` of the same
// images (size and time); then, with the private tags deleted, `install.sh --bundle` in a fresh VM with no network
// (`--network none`, the host's Docker socket) until the stack is healthy. Everything it made is removed at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const run = (file, args, options = {}) => {
  const r = spawnSync(file, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
};
const timed = (fn) => {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
};
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

export async function benchOffline({ bundle, log = () => {} }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-offline-'));
  const repo = `berth-bench-offline-${process.pid}`;
  const images = ['magec', 'postgres', 'redis'].map((n) => `${repo}/${n}:1`);
  const project = `bench-offline-${process.pid}`;
  const stack = path.join(dir, project);
  const vm = `${project}-vm`;
  try {
    images.forEach((image, i) =>
      run('docker', ['tag', `berth-test/${['magec', 'postgres', 'redis'][i]}:1`, image]),
    );
    const plain = path.join(dir, 'plain.tar');
    const save = timed(() => run('docker', ['save', '-o', plain, ...images]));
    const node = `node-${process.version}-linux-${process.arch}`;
    mkdirSync(path.join(dir, node, 'bin'), { recursive: true });
    copyFileSync(realpathSync(process.execPath), path.join(dir, node, 'bin/node'));
    run('sh', ['-c', 'tar -C "$1" -c "$2" | gzip -1 >"$1/$2.tar.gz"', 'sh', dir, node]);
    const file = path.join(dir, 'magec.berth');
    log('offline: berth bundle of magec (openai)…');
    const answers = ['--recipe', 'magec', '--mode', 'openai'];
    const imageFlags = [
      '--magec-image',
      images[0],
      '--postgres-image',
      images[1],
      '--redis-image',
      images[2],
    ];
    const made = timed(() =>
      run(process.execPath, [
        bundle,
        'bundle',
        ...answers,
        ...imageFlags,
        '--node',
        `${dir}/${node}.tar.gz`,
        '-o',
        file,
      ]),
    );
    const sizes = {
      plain: statSync(plain).size,
      bundle: statSync(file).size,
      node: statSync(`${dir}/${node}.tar.gz`).size,
    };
    rmSync(plain);
    for (const image of images) run('docker', ['rmi', image]);
    const key = path.join(dir, 'key');
    writeFileSync(key, `sk-bench-${'a1B2'.repeat(8)}\n`, { mode: 0o600 });
    const args = ['--yes', '--openai-api-key-file', key, '--dir', stack];
    args.push('--magec-port', String(await freePort()), '--admin-port', String(await freePort()));
    const script = `tar -xOf ${file} berth-bundle/install.sh | bash -s -- --bundle ${file} ${args.join(' ')}`;
    const docker = ['/usr/local/bin/docker', '/usr/bin/docker'].find(
      (f) => spawnSync('test', ['-x', f]).status === 0,
    );
    const plugin = execFileSync(
      'sh',
      ['-c', 'docker info --format "{{range .ClientInfo.Plugins}}{{.Path}} {{end}}"'],
      {
        encoding: 'utf8',
      },
    )
      .split(' ')
      .find((p) => p.endsWith('docker-compose'));
    const home = path.join(dir, 'home');
    mkdirSync(home);
    log('offline: install.sh --bundle in a fresh VM with no network…');
    const healthy = timed(() =>
      run('docker', [
        'run',
        '--rm',
        '--name',
        vm,
        '--network',
        'none',
        '-v',
        '/var/run/docker.sock:/var/run/docker.sock',
        '-v',
        `${dir}:${dir}`,
        '-v',
        `${home}:/root`,
        '-v',
        `${realpathSync(docker)}:/usr/local/bin/docker:ro`,
        '-v',
        `${realpathSync(plugin)}:/usr/libexec/docker/cli-plugins/docker-compose:ro`,
        'berth-test/fresh-vm:1',
        'bash',
        '-c',
        script,
      ]),
    );
    return { sizes, saveMs: save.ms, bundleMs: made.ms, healthyMs: healthy.ms };
  } finally {
    spawnSync('docker', ['rm', '--force', vm], { stdio: 'ignore' });
    spawnSync('docker', ['compose', '-p', project, 'down', '-v', '--remove-orphans', '-t', '2'], {
      cwd: dir,
      stdio: 'ignore',
    });
    for (const image of images) spawnSync('docker', ['rmi', image], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}
