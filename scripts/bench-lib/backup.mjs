// Backup and restore throughput on the real engine: test/fixtures/backup-stack (real PostgreSQL in a host folder,
// a named volume filled here with SIZE_MB of data: half random, half text) installed once.
// Backup: `berth backup` (its dump, the folder, the volume, the host folder, gzip, sums) against a raw `tar` of the
// same volume through `docker run` to a file. Restore: `berth restore` into a new folder (files, volume, the dump
// loaded, the stack up and healthy, the database checked) against the manual way: the stack taken down, a new
// volume filled by a raw `tar -x` through `docker run`, and `docker compose up -d --wait`. In alternating pairs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};
const timed = (fn) => {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
};
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchBackup({ bundle, fixture, pairs, sizeMb = 128, env, log = () => {} }) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-backup-'));
  const benv = { ...env, CI: 'true' };
  const berth = (...args) => run(process.execPath, [bundle, ...args], { env: benv });
  let dir = path.join(root, 'stack');
  const project = 'stack';
  const volume = `${project}_uploads`;
  const out = path.join(root, 'backups');
  const rawFile = path.join(root, 'raw.tar');
  const samples = { backup: [], raw: [], restore: [], manual: [], bytes: 0 };
  try {
    const port = await freePort();
    berth(
      ...['install', '--recipe', fixture, '--dir', dir, '--yes'],
      ...['--data-dir', path.join(root, 'data'), '--web-port', String(port)],
    );
    const half = Math.max(1, Math.floor(sizeMb / 2));
    run(
      'docker',
      [
        ...['compose', 'exec', '-T', 'web', 'sh', '-c'],
        `dd if=/dev/urandom of=/www/random bs=1M count=${half} 2>/dev/null; mkdir -p /www/text; i=0; ` +
          `while [ $i -lt ${half * 16} ]; do seq 1 9000 >/www/text/$i; i=$((i+1)); done`,
      ],
      { cwd: dir },
    );
    samples.bytes = Number(
      run('docker', [
        'run',
        '--rm',
        '-v',
        `${volume}:/v:ro`,
        'berth-test/busybox:1',
        'du',
        '-sb',
        '/v',
      ]).split('\t')[0],
    );
    log(`bench: backup-stack with ${(samples.bytes / 1e6).toFixed(0)} MB in its volume`);
    let archive;
    for (let i = 0; i < pairs; i++) {
      rmSync(out, { recursive: true, force: true });
      samples.backup.push(timed(() => berth('backup', '--dir', dir, '--output', out)));
      archive = path.join(
        out,
        readdirSync(out).find((n) => n.endsWith('.tar.gz')),
      );
      samples.raw.push(
        timed(() =>
          run('sh', [
            '-c',
            `docker run --rm -v ${volume}:/v:ro berth-test/busybox:1 tar -cf - -C /v . >"$1"`,
            'sh',
            rawFile,
          ]),
        ),
      );
      // The manual restore of the same volume: down, a new volume from the raw tar, up --wait.
      samples.manual.push(
        timed(() => {
          run('docker', ['compose', 'down', '--volumes'], { cwd: dir });
          run('sh', [
            '-c',
            `docker run --rm -i -v ${volume}:/v berth-test/busybox:1 tar -xf - -C /v <"$1"`,
            'sh',
            rawFile,
          ]);
          run('docker', ['compose', 'up', '--detach', '--wait'], { cwd: dir });
        }),
      );
      berth('uninstall', '--dir', dir, '--purge', '--yes');
      run('docker', ['run', '--rm', '-v', `${root}:/r`, 'berth-test/busybox:1', 'rm', '-rf', '/r/data']);
      const next = path.join(root, `restored-${i}`);
      samples.restore.push(timed(() => berth('restore', archive, '--dir', next)));
      dir = next;
      log(
        `bench: pair ${i + 1}: backup ${samples.backup[i].toFixed(1)} s vs raw tar ${samples.raw[i].toFixed(1)} s; ` +
          `restore ${samples.restore[i].toFixed(1)} s vs manual ${samples.manual[i].toFixed(1)} s`,
      );
    }
    return {
      bytes: samples.bytes,
      backup: median(samples.backup),
      raw: median(samples.raw),
      backupRatio: median(samples.backup.map((b, i) => b / samples.raw[i])),
      restore: median(samples.restore),
      manual: median(samples.manual),
      restoreRatio: median(samples.restore.map((r, i) => r / samples.manual[i])),
    };
  } finally {
    spawnSync('docker', ['compose', '-p', project, 'down', '--volumes', '--timeout', '2'], {
      cwd: root,
      env,
    });
    spawnSync('docker', ['run', '--rm', '-v', `${root}:/r`, 'berth-test/busybox:1', 'rm', '-rf', '/r/data'], {
      env,
    });
    rmSync(root, { recursive: true, force: true });
  }
}
