// Upgrade downtime on the real engine: test/fixtures/upgrade-stack (real PostgreSQL and a web page) installed
// once, then `berth upgrade --json` to a newer recipe version whose web image is another tag (alternating between
// berth-test/busybox:1 and a tag made here), its downtime read from the final event; against it, the same
// service recreated by a plain `docker compose up -d --wait --force-recreate web`, its downtime measured the same
// way (from the engine's first kill/die/stop event of the project to the moment the command returns).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout } from 'node:timers';

const run = (cmd, args, opts) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 300_000, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
};

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Seconds from the project's first container stop to the end of `fn` (as berth upgrade measures it). */
async function downtimeOf(project, env, fn) {
  const since = (Date.now() / 1000).toFixed(3);
  const events = spawn(
    'docker',
    [
      'events',
      '--since',
      since,
      '--filter',
      'type=container',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      ...['kill', 'die', 'stop'].flatMap((e) => ['--filter', `event=${e}`]),
      '--format',
      '{{.TimeNano}}',
    ],
    { env, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let out = '';
  events.stdout.on('data', (d) => (out += d));
  fn();
  const end = Date.now();
  await new Promise((r) => setTimeout(r, 300)); // the stream delivers what happened before `end`
  events.kill();
  const first = Math.min(
    ...out
      .split('\n')
      .filter(Boolean)
      .map((n) => Number(n) / 1e6),
  );
  return Number.isFinite(first) ? (end - first) / 1000 : 0;
}

export async function benchUpgrade({ bundle, fixture, runs, env, log = () => {} }) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-upgrade-'));
  const recipe = path.join(root, 'recipe');
  const dir = path.join(root, 'stack');
  const project = 'stack';
  const tag = `berth-test/upgrade-bench:${process.pid}`;
  const benv = { ...env, CI: 'true' };
  const samples = [];
  try {
    cpSync(fixture, recipe, { recursive: true });
    run('docker', ['tag', 'berth-test/busybox:1', tag], { env });
    const port = await freePort();
    run(
      process.execPath,
      [bundle, 'install', '--recipe', recipe, '--dir', dir, '--yes', '--web-port', String(port)],
      { env: benv },
    );
    const file = path.join(recipe, 'recipe.yaml');
    let image = 'berth-test/busybox:1';
    for (let i = 1; i <= runs; i++) {
      const next = image === tag ? 'berth-test/busybox:1' : tag;
      writeFileSync(
        file,
        readFileSync(file, 'utf8')
          .replace(/^version: .*$/m, `version: 1.0.${i}`)
          .replace(`default: ${image}`, `default: ${next}`),
      );
      image = next;
      const out = run(
        process.execPath,
        [bundle, 'upgrade', '--recipe', recipe, '--dir', dir, '--yes', '--json'],
        { env: benv },
      );
      const done = JSON.parse(out.trim().split('\n').at(-1));
      if (!done.ok) throw new Error(`berth upgrade did not succeed: ${out}`);
      rmSync(done.backup, { force: true });
      const compose = await downtimeOf(project, env, () =>
        run('docker', ['compose', 'up', '-d', '--wait', '--force-recreate', 'web'], { cwd: dir, env }),
      );
      samples.push({ berth: done.downtimeSeconds, compose });
      log(`upgrade ${i}: berth ${done.downtimeSeconds} s, compose recreate ${compose.toFixed(1)} s`);
    }
    return samples;
  } finally {
    spawnSync('docker', ['compose', '-p', project, 'down', '-v', '--timeout', '5'], {
      cwd: dir,
      env,
      stdio: 'ignore',
    });
    spawnSync('docker', ['image', 'rm', tag], { env, stdio: 'ignore' });
    rmSync(root, { recursive: true, force: true });
  }
}
