// The install overhead on the real engine: `berth install --yes` (already rendered, images local) against a
// plain `docker compose up -d --wait` of the same files, in alternating pairs, and the CPU berth itself uses
// while compose waits for health. Uses test/fixtures/engine-stack and the local berth-test/busybox:1 image.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { alive, clockTicks, cmdline, findChild, findDescendant, hasProc, readStat } from './proc.mjs';

const IMAGE = 'berth-test/busybox:1';
const STEP_TIMEOUT_MS = 180_000;
// For the CPU runs only: the web healthcheck's first probe comes this long after start, so compose waits at
// least this long whatever the machine (the fixture has no start-delay answer; compose.override.yaml is the
// user's own file, merged last, and berth keeps it as it is).
const SLOW_INTERVAL_S = 6;

/** Why the engine part cannot run here, or undefined when it can. */
export function engineUnavailable(env) {
  const docker = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (docker.error?.code === 'ENOENT') return 'docker is not on PATH';
  if (docker.error) return `docker info failed: ${docker.error.message}`;
  if (docker.status !== 0)
    return `the Docker engine is unreachable (${firstLine(docker.stderr || docker.stdout)})`;
  const compose = spawnSync('docker', ['compose', 'version', '--short'], {
    env,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (compose.status !== 0) return 'Docker Compose v2 (`docker compose`) is missing';
  const image = spawnSync('docker', ['image', 'inspect', IMAGE], { env, stdio: 'ignore', timeout: 30_000 });
  if (image.status !== 0) return `image ${IMAGE} is missing (scripts/setup-test-engine.sh builds it)`;
  return undefined;
}

/** The caller's environment without COMPOSE_* and BERTH_* (and CI, so a terminal is a terminal). */
export function cleanEnv() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(COMPOSE_|BERTH_)/.test(k) && k !== 'CI'),
  );
}

/**
 * Runs the pairs and the CPU runs. Returns { pairs: [{ berth, compose }], cpu: [{ label, ... }], notes }.
 * Always takes the stack down with its volumes and removes the folder, also on failure or Ctrl-C.
 */
export async function benchEngine({ bundle, fixture, pairs, log = () => {} }) {
  const env = cleanEnv();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-engine-'));
  // berth names the project after the folder, as compose would; -p makes `down` work whatever was written.
  const project = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '');
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    spawnSync('docker', ['compose', '-p', project, 'down', '-v', '--remove-orphans', '--timeout', '5'], {
      cwd: existsSync(path.join(dir, 'compose.yaml')) ? dir : os.tmpdir(),
      env,
      stdio: 'ignore',
      timeout: 120_000,
    });
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal) => {
    cleanup();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', cleanup);
  try {
    const port = await freePort();
    const berthArgs = [bundle, 'install', '--recipe', fixture, '--dir', dir, '--yes'];
    await run(
      process.execPath,
      [...berthArgs, '--no-start', '--web-port', String(port)],
      { env },
      'berth render',
    );

    const down = () =>
      run('docker', ['compose', 'down', '--timeout', '5'], { cwd: dir, env }, 'docker compose down');
    const sides = {
      berth: () => run(process.execPath, berthArgs, { env }, 'berth install --yes'),
      compose: () =>
        run('docker', ['compose', 'up', '-d', '--wait'], { cwd: dir, env }, 'docker compose up -d --wait'),
    };

    const notes = [];
    // Warm-up pair, not counted: file cache, berth's unpacked core, the engine's first container start.
    log('engine: warm-up pair');
    await down();
    const first = await sides.berth();
    if (!/Wrote 0 file\(s\)/.test(first.stdout))
      notes.push(
        'note: the berth install did not report "Wrote 0 file(s)": it rewrote files, so it did more than the compose run',
      );
    await down();
    await sides.compose();

    const samples = [];
    for (let i = 0; i < pairs; i++) {
      const order = i % 2 === 0 ? ['berth', 'compose'] : ['compose', 'berth'];
      const pair = {};
      for (const side of order) {
        await down(); // not timed; volumes kept, so both sides do the same work
        pair[side] = (await sides[side]()).ms;
      }
      samples.push(pair);
      log(
        `engine: pair ${i + 1}/${pairs}: berth ${pair.berth.toFixed(0)} ms, compose ${pair.compose.toFixed(0)} ms`,
      );
    }

    const cpu = [];
    if (!hasProc) {
      notes.push('berth CPU while waiting: skipped, /proc is not available on this system');
    } else {
      const overrideFile = path.join(dir, 'compose.override.yaml');
      const override = readFileSync(overrideFile, 'utf8');
      writeFileSync(
        overrideFile,
        `services:\n  web:\n    healthcheck:\n      interval: ${SLOW_INTERVAL_S}s\n`,
      );
      try {
        await down();
        log('engine: CPU run, plain output');
        cpu.push({ label: 'plain output', ...(await cpuRun(process.execPath, berthArgs, env, bundle)) });
        if (spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0) {
          await down();
          log('engine: CPU run, terminal view');
          const command = [process.execPath, ...berthArgs].map(shellQuote).join(' ');
          cpu.push({
            label: 'terminal view',
            ...(await cpuRun('script', ['-qefc', command, '/dev/null'], env, bundle)),
          });
        } else {
          notes.push('berth CPU with the terminal view: skipped, `script` (util-linux) is not installed');
        }
      } finally {
        writeFileSync(overrideFile, override);
      }
    }
    return { samples, cpu, notes, slowInterval: SLOW_INTERVAL_S };
  } finally {
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', cleanup);
  }
}

/**
 * Runs one berth install (cmd may wrap it, e.g. in `script` for a terminal) and samples /proc every 10 ms:
 * berth's own utime+stime when its `docker compose … up` child appears and when that child is gone.
 */
async function cpuRun(cmd, args, env, bundle) {
  const w = { berth: undefined, up: undefined };
  const isBerth = (argv) => argv.includes(bundle);
  // `docker compose … up`, or the Compose plugin run directly as berth does (src/compose/plugin.ts).
  const isUp = (argv) =>
    argv.includes('up') && (argv.includes('compose') || path.basename(argv[0] ?? '') === 'docker-compose');
  const sample = (pid) => ({ at: performance.now(), ticks: readStat(pid)?.cpuTicks });
  let child;
  const poll = () => {
    if (!child?.pid) return;
    if (w.berth === undefined) {
      w.berth = isBerth(cmdline(child.pid) ?? []) ? child.pid : findDescendant(child.pid, isBerth);
      if (w.berth !== undefined) w.start = sample(w.berth);
      return;
    }
    const now = sample(w.berth);
    if (now.ticks === undefined) return;
    w.last = now;
    if (w.up === undefined) {
      w.up = findChild(w.berth, isUp);
      if (w.up !== undefined) w.waitStart = now;
    } else if (w.waitEnd === undefined && !alive(w.up)) {
      w.waitEnd = now;
    }
  };
  const timer = setInterval(poll, 10);
  try {
    const result = await run(cmd, args, { env }, 'berth install --yes (CPU run)', (c) => (child = c));
    if (!w.waitStart || !w.waitEnd)
      throw new Error(
        'CPU run: did not see berth run `docker compose up` (its child process) from start to end',
      );
    const waitS = (w.waitEnd.at - w.waitStart.at) / 1000;
    const waitCpuS = (w.waitEnd.ticks - w.waitStart.ticks) / clockTicks;
    return {
      waitS,
      waitCpuS,
      percent: (100 * waitCpuS) / waitS,
      // The whole install, as far as the last sample before berth exited.
      totalS: (w.last.at - w.start.at) / 1000,
      totalCpuS: w.last.ticks / clockTicks,
      wallMs: result.ms,
    };
  } finally {
    clearInterval(timer);
  }
}

/** Spawns and times one command; rejects with its output when it fails. */
function run(cmd, args, { cwd, env }, label, onSpawn = () => {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    onSpawn(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), STEP_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${label}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - start;
      if (code === 0) return resolve({ ms, stdout });
      const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-15).join('\n  ');
      reject(new Error(`${label} ${signal ? `was killed (${signal})` : `exited ${code}`}:\n  ${tail}`));
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const shellQuote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const firstLine = (s) =>
  String(s ?? '')
    .trim()
    .split('\n')[0] || 'no output';
