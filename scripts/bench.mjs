#!/usr/bin/env node
// Start-up and dry-run timings of the built bundle, each as a ratio to `node -e 0` measured in the same run.
// Commands are interleaved round by round so machine noise hits all of them alike; medians are reported.
// Then, on the real engine (scripts/bench-lib/engine.mjs): the install overhead, `berth install --yes` of an
// already rendered test/fixtures/engine-stack over `docker compose up -d --wait` of the same files, in
// alternating pairs, and the CPU berth uses while compose waits. Skipped, with the reason, when there is no engine.
// Last, the bootstrap (scripts/bench-lib/install-sh.mjs): the bundle's size raw and gzip, and the time from
// `curl … | bash` in a fresh-VM container to the wizard's first frame, with the release served locally.
// Backup and restore (scripts/bench-lib/backup.mjs): `berth backup` against a raw tar of the same volume through
// `docker run`, and `berth restore` against the manual tar -x plus `up --wait`.
// Offline (scripts/bench-lib/offline.mjs): `berth bundle` of magec against a plain `docker save` of its images, and
// `install.sh --bundle` in a fresh VM with no network until the stack is healthy.
// Swarm (scripts/bench-lib/swarm.mjs): `berth install --target swarm` to healthy against plain `docker stack deploy`s
// of the stack file berth wrote, one per depends_on layer, each polled until N/N (the same order, by hand); and,
// for reference, one deploy of everything at once (no order at all).
// Usage: scripts/bench.mjs [rounds] [--pairs N] [--vm-runs N] [--no-engine] [--require-engine]
//   (build first: npm run build)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchEngine, cleanEnv, engineUnavailable } from './bench-lib/engine.mjs';
import { benchWizard } from './bench-lib/wizard.mjs';
import { benchInstallSh, bundleSizes, installShUnavailable } from './bench-lib/install-sh.mjs';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pairs: { type: 'string', default: '5' },
    'vm-runs': { type: 'string', default: '5' },
    'no-engine': { type: 'boolean', default: false },
    'require-engine': { type: 'boolean', default: false },
  },
});
const rounds = Number(positionals[0] ?? 15);
const pairs = Number(opts.pairs);
const vmRuns = Number(opts['vm-runs']);
if ([rounds, pairs, vmRuns].some((n) => !Number.isInteger(n) || n < 1)) {
  console.error(
    'usage: scripts/bench.mjs [rounds] [--pairs N] [--vm-runs N] [--no-engine] [--require-engine]',
  );
  process.exit(2);
}
const bundle = path.resolve(import.meta.dirname, '../dist/berth.mjs');
if (!existsSync(bundle)) {
  console.error('scripts/bench.mjs: dist/berth.mjs is missing: run npm run build first');
  process.exit(1);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true })); // also when a case throws
const env = { ...process.env, CI: 'true' };
const cases = [
  { name: 'node -e 0', args: ['-e', '0'], goal: undefined },
  { name: 'berth --version', args: [bundle, '--version'], goal: 1.2 },
  { name: 'berth --help', args: [bundle, '--help'], goal: 1.2 },
  {
    name: 'berth install --dry-run --yes (magec)',
    args: [bundle, 'install', '--dry-run', '--yes', '--recipe', 'magec', '--dir', path.join(dir, 'magec')],
    goal: 2.5,
  },
  // Goal ≤ 300 ms absolute, ≈ 2.7× a 110 ms `node -e 0`. openai mode so it exits 0 on a 2-core machine.
  {
    name: 'berth doctor --json (magec openai)',
    args: [bundle, 'doctor', '--json', '--mode', 'openai', '--dir', path.join(dir, 'doctor')],
    goal: 2.7,
  },
];

// Reference: the `docker compose config -q` that every dry run includes, on the same rendered files.
const rendered = path.join(dir, 'rendered');
const render = spawnSync(
  process.execPath,
  [bundle, 'render', '--yes', '--recipe', 'magec', '--dir', rendered],
  { env },
);
if (render.status !== 0) throw new Error(`berth render failed: ${render.stderr}`);
const plugin = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
]
  .map((d) => path.join(d, 'docker-compose'))
  .find((f) => existsSync(f));
if (plugin) {
  cases.push({
    name: '  of which: docker compose config -q',
    cmd: plugin,
    args: ['config', '-q'],
    cwd: rendered,
  });
}

function time({ cmd = process.execPath, args, cwd }) {
  const start = process.hrtime.bigint();
  const result = spawnSync(cmd, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

const samples = cases.map(() => []);

// Warm the file cache. A case that fails here (e.g. doctor exits 1 with no engine) is left out and named below.
for (const c of cases) {
  try {
    time(c);
  } catch (error) {
    c.skipped = String(error.message).split('\n')[0].replace(bundle, 'dist/berth.mjs').replace(/:\s*$/, '');
  }
}
for (let r = 0; r < rounds; r++) cases.forEach((c, i) => c.skipped || samples[i].push(time(c)));
rmSync(dir, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const base = median(samples[0]);
console.log(
  `berth bench: ${rounds} interleaved rounds, medians (${os.cpus().length} CPUs, node ${process.version})\n`,
);
console.log(`${'command'.padEnd(42)} ${'median'.padStart(9)} ${'ratio'.padStart(7)}  goal`);
cases.forEach((c, i) => {
  if (c.skipped) return console.log(`${c.name.padEnd(42)} skipped: ${c.skipped}`);
  const m = median(samples[i]);
  const ratio = m / base;
  const verdict = c.goal === undefined ? '' : `≤ ${c.goal}×  ${ratio <= c.goal ? 'met' : 'NOT met'}`;
  console.log(
    `${c.name.padEnd(42)} ${`${m.toFixed(0)} ms`.padStart(9)} ${`${ratio.toFixed(2)}×`.padStart(7)}  ${verdict}`,
  );
});

// The dry run waits on `docker compose config` last, with nothing left to overlap it: berth's own part is the rest.
{
  const dry = cases.findIndex((c) => c.name.startsWith('berth install --dry-run'));
  const config = cases.findIndex((c) => c.name.includes('docker compose config'));
  if (dry >= 0 && config >= 0 && !cases[dry].skipped && !cases[config].skipped) {
    const own = median(samples[dry]) - median(samples[config]);
    console.log(
      `${"  berth's own part (dry run − config)".padEnd(42)} ${`${own.toFixed(0)} ms`.padStart(9)} ${`${(own / base).toFixed(2)}×`.padStart(7)}`,
    );
  }
}

// ---- The wizard in a pseudo-terminal: first frame and peak memory ----------------------------------------
{
  const fixture = path.resolve(import.meta.dirname, '../test/fixtures/engine-stack');
  try {
    const w = await benchWizard({ bundle, fixture, rounds: Math.min(rounds, 9) });
    const base = median(w.baseline);
    const first = median(w.firstFrame);
    const ratio = first / base;
    console.log(
      `\nthe wizard in a pty (util-linux script), ${w.firstFrame.length} rounds, medians; node -e 0 run the same way\n`,
    );
    console.log(`${'command'.padEnd(42)} ${'median'.padStart(9)} ${'ratio'.padStart(7)}  goal`);
    console.log(
      `${'node -e 0 (in the pty)'.padEnd(42)} ${`${base.toFixed(0)} ms`.padStart(9)} ${'1.00×'.padStart(7)}`,
    );
    console.log(
      `${'berth install: first wizard frame'.padEnd(42)} ${`${first.toFixed(0)} ms`.padStart(9)} ${`${ratio.toFixed(2)}×`.padStart(7)}  ` +
        `≤ 1.5×  ${ratio <= 1.5 ? 'met' : 'NOT met'}`,
    );
    const ready = median(w.firstQuestion);
    console.log(
      `${'  first question (Ink up, machine checked)'.padEnd(42)} ${`${ready.toFixed(0)} ms`.padStart(9)} ${`${(ready / base).toFixed(2)}×`.padStart(7)}  ` +
        `≤ 3×  ${ready / base <= 3 ? 'met' : 'NOT met'}`,
    );
    if (w.peakMb !== undefined)
      console.log(
        `${'wizard peak RSS (VmHWM at the review)'.padEnd(42)} ${`${w.peakMb.toFixed(0)} MB`.padStart(9)} ${''.padStart(7)}  ` +
          `≤ 120 MB  ${w.peakMb <= 120 ? 'met' : 'NOT met'}`,
      );
  } catch (error) {
    console.log(`\nthe wizard in a pty: FAILED: ${error.message}`);
  }
}

// ---- On the engine: install overhead and CPU while waiting ----------------------------------------------
const fixture = path.resolve(import.meta.dirname, '../test/fixtures/engine-stack');
const skip = opts['no-engine'] ? '--no-engine' : engineUnavailable(cleanEnv());
console.log('');
if (skip) {
  console.log(`install overhead on the engine: skipped, ${skip}`);
  if (opts['require-engine'] && !opts['no-engine']) process.exit(1);
} else {
  let result;
  try {
    result = await benchEngine({ bundle, fixture, pairs, log: (line) => console.error(line) });
  } catch (error) {
    console.error(`install overhead on the engine: FAILED (stack and folder cleaned up): ${error.message}`);
    process.exit(1);
  }
  const { samples, cpu, notes, slowInterval } = result;
  const berthMs = median(samples.map((p) => p.berth));
  const composeMs = median(samples.map((p) => p.compose));
  const ratio = berthMs / composeMs;
  const pairRatio = median(samples.map((p) => p.berth / p.compose));
  console.log(
    `install overhead: test/fixtures/engine-stack, ${samples.length} alternating pairs (+1 warm-up), medians;` +
      '\n  stack down before each run (volumes kept), files already rendered, images local\n',
  );
  console.log(`${'command'.padEnd(42)} ${'median'.padStart(9)} ${'ratio'.padStart(7)}  goal`);
  console.log(
    `${'docker compose up -d --wait'.padEnd(42)} ${`${composeMs.toFixed(0)} ms`.padStart(9)} ${'1.00×'.padStart(7)}`,
  );
  console.log(
    `${'berth install --yes'.padEnd(42)} ${`${berthMs.toFixed(0)} ms`.padStart(9)} ${`${ratio.toFixed(2)}×`.padStart(7)}  ` +
      `≤ 1.05×  ${ratio <= 1.05 ? 'met' : 'NOT met'}`,
  );
  console.log(`  median of the per-pair ratios: ${pairRatio.toFixed(2)}×`);
  console.log(
    `  pairs (berth/compose ms): ${samples.map((p) => `${p.berth.toFixed(0)}/${p.compose.toFixed(0)}`).join('  ')}`,
  );
  if (cpu.length > 0) {
    console.log(
      `\nberth's own CPU while \`docker compose up --wait\` runs (utime+stime of the berth process from /proc,` +
        `\n  all threads, not its children; web healthcheck interval ${slowInterval} s via compose.override.yaml)\n`,
    );
    for (const c of cpu) {
      const verdict = c.percent < 5 ? 'met' : 'NOT met';
      console.log(
        `${`berth CPU while waiting (${c.label})`.padEnd(42)} ${`${c.percent.toFixed(2)}%`.padStart(9)} of one core  ` +
          `< 5%  ${verdict}   (${(c.waitCpuS * 1000).toFixed(0)} ms CPU in ${c.waitS.toFixed(1)} s;` +
          ` whole install ${(c.totalCpuS * 1000).toFixed(0)} ms CPU in ${c.totalS.toFixed(1)} s)`,
      );
    }
  }
  for (const note of notes) console.log(note);
}

// ---- On the engine: upgrade downtime against a plain compose recreate of the same service -------------------
if (!skip) {
  const { benchUpgrade } = await import('./bench-lib/upgrade.mjs');
  const upgradeFixture = path.resolve(import.meta.dirname, '../test/fixtures/upgrade-stack');
  const u = await benchUpgrade({
    bundle,
    fixture: upgradeFixture,
    runs: 3,
    env: cleanEnv(),
    log: (l) => console.error(l),
  });
  const [b, c] = [median(u.map((x) => x.berth)), median(u.map((x) => x.compose))];
  console.log(
    `\nupgrade downtime: test/fixtures/upgrade-stack (PostgreSQL + web), a new web image, ${u.length} upgrades, medians;` +
      '\n  first container stopped → every service healthy (engine events), berth upgrade vs `up -d --wait --force-recreate web`\n',
  );
  console.log(
    `${'docker compose up --force-recreate web'.padEnd(42)} ${`${c.toFixed(1)} s`.padStart(9)} ${'1.00×'.padStart(7)}`,
  );
  console.log(
    `${'berth upgrade (downtime it reports)'.padEnd(42)} ${`${b.toFixed(1)} s`.padStart(9)} ${`${(b / c).toFixed(2)}×`.padStart(7)}`,
  );
}

// ---- On the engine: backup and restore against raw tar of the same volume through docker run ----------------
if (!skip) {
  const { benchBackup } = await import('./bench-lib/backup.mjs');
  const backupFixture = path.resolve(import.meta.dirname, '../test/fixtures/backup-stack');
  const r = await benchBackup({
    bundle,
    fixture: backupFixture,
    pairs: 3,
    env: cleanEnv(),
    log: (l) => console.error(l),
  });
  console.log(
    `\nbackup and restore: test/fixtures/backup-stack (PostgreSQL, a ${(r.bytes / 1e6).toFixed(0)} MB volume: half random, half text),` +
      ' 3 alternating pairs, medians of the per-pair ratios\n',
  );
  const row = (name, seconds, ratio, goal) =>
    console.log(
      `${name.padEnd(42)} ${`${seconds.toFixed(1)} s`.padStart(9)} ${`${ratio.toFixed(2)}×`.padStart(7)}` +
        (goal ? `  goal ≤ ${goal}×  ${ratio <= goal ? 'met' : 'NOT met'}` : ''),
    );
  row('raw tar of the volume (docker run)', r.raw, 1);
  row('berth backup (dump, volume, gzip, sums)', r.backup, r.backupRatio, 1.2);
  row('manual restore: tar -x + up --wait', r.manual, 1);
  row('berth restore (checked, loaded, healthy)', r.restore, r.restoreRatio, 1.2);
}

// ---- On the engine's swarm: berth install --target swarm against a plain stack deploy of the same stack file ----
if (!skip) {
  const { benchSwarm, swarmUnavailable } = await import('./bench-lib/swarm.mjs');
  const swarmSkip = swarmUnavailable(cleanEnv());
  if (swarmSkip) console.log(`\nswarm time to healthy: skipped, ${swarmSkip}`);
  else {
    const swarmFixture = path.resolve(import.meta.dirname, '../test/fixtures/swarm-stack');
    const { samples: sw } = await benchSwarm({
      bundle,
      fixture: swarmFixture,
      pairs,
      env: cleanEnv(),
      log: (l) => console.error(l),
    });
    const b = median(sw.map((p) => p.berth));
    const ordered = median(sw.map((p) => p.ordered));
    const raw = median(sw.map((p) => p.raw));
    const ratio = median(sw.map((p) => p.berth / p.ordered));
    console.log(
      `\nswarm time to healthy: test/fixtures/swarm-stack (PostgreSQL, then a one-shot job, then web at 1 replica) on` +
        ` this engine's swarm,\n  ${sw.length} alternating rounds (+1 warm-up), medians; volume kept, stack removed before each run\n`,
    );
    console.log(
      `${'stack deploy per layer, in order, + poll'.padEnd(42)} ${`${(ordered / 1000).toFixed(1)} s`.padStart(9)} ${'1.00×'.padStart(7)}`,
    );
    console.log(
      `${'berth install --target swarm --yes'.padEnd(42)} ${`${(b / 1000).toFixed(1)} s`.padStart(9)} ${`${ratio.toFixed(2)}×`.padStart(7)}  ` +
        `goal ≤ 1.1×  ${ratio <= 1.1 ? 'met' : 'NOT met'}`,
    );
    const overRaw = median(sw.map((p) => p.berth / p.raw));
    console.log(
      `${'  one stack deploy of all, no order + poll'.padEnd(42)} ${`${(raw / 1000).toFixed(1)} s`.padStart(9)}  ` +
        `berth ${overRaw.toFixed(2)}× of it (web starts before the job has run: not the same stack)`,
    );
    console.log(
      `  rounds (berth/ordered/all-at-once s): ${sw.map((p) => `${(p.berth / 1000).toFixed(1)}/${(p.ordered / 1000).toFixed(1)}/${(p.raw / 1000).toFixed(1)}`).join('  ')}`,
    );
  }
}

// ---- The bootstrap: what curl | bash downloads, and how long until the wizard shows --------------------------
const size = bundleSizes(bundle);
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(
  `\n${'bundle dist/berth.mjs'.padEnd(42)} ${kb(size.raw).padStart(9)} raw, ${kb(size.gzip)} gzip -9  ` +
    `goal ≤ 350 KB gzip  ${size.gzip <= 350 * 1024 ? 'met' : 'NOT met'}`,
);
const vmSkip = opts['no-engine'] ? '--no-engine' : (skip ?? installShUnavailable());
if (vmSkip) {
  console.log(`curl | bash to the wizard's first frame: skipped, ${vmSkip}`);
  if (opts['require-engine'] && !opts['no-engine']) process.exit(1);
} else {
  let vm, nodeBytes;
  try {
    ({ samples: vm, nodeBytes } = await benchInstallSh({ runs: vmRuns, log: (line) => console.error(line) }));
  } catch (error) {
    console.error(`curl | bash to the wizard's first frame: FAILED: ${error.message}`);
    process.exit(1);
  }
  console.log(
    `${"curl | bash → wizard's first frame".padEnd(42)} ${`${median(vm).toFixed(0)} ms`.padStart(9)}  ` +
      `median of ${vm.length} fresh VMs (${vm.map((ms) => ms.toFixed(0)).join(', ')} ms): downloads the\n` +
      `  bundle and a ${kb(nodeBytes)} Node.js tarball (gzip -1) from a local server, verifies, installs, starts berth`,
  );
}

// ---- Offline: berth bundle against a plain docker save, and install.sh --bundle with no network to healthy ------
const offlineSkip = opts['no-engine'] ? '--no-engine' : (skip ?? installShUnavailable());
if (offlineSkip) {
  console.log(`offline bundle and install: skipped, ${offlineSkip}`);
} else {
  const { benchOffline } = await import('./bench-lib/offline.mjs');
  const o = await benchOffline({ bundle, log: (line) => console.error(line) });
  const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
  const ratio = o.sizes.bundle / o.sizes.plain;
  const withoutNode = (o.sizes.bundle - o.sizes.node) / o.sizes.plain;
  console.log(
    `${'berth bundle (magec openai) / docker save'.padEnd(42)} ${`${ratio.toFixed(2)}×`.padStart(9)}  ` +
      `goal ≤ 1.02×  ${ratio <= 1.02 ? 'met' : 'NOT met'}   (${mb(o.sizes.bundle)} with a ${mb(o.sizes.node)} Node.js,` +
      ` ${withoutNode.toFixed(2)}× without it; docker save ${mb(o.sizes.plain)} in ${(o.saveMs / 1000).toFixed(1)} s,` +
      ` berth bundle ${(o.bundleMs / 1000).toFixed(1)} s)`,
  );
  console.log(
    `${'install.sh --bundle, no network → healthy'.padEnd(42)} ${`${(o.healthyMs / 1000).toFixed(1)} s`.padStart(9)}  ` +
      'fresh VM: verify every sum, Node.js and images from the bundle, berth install --pull never, up --wait',
  );
}
