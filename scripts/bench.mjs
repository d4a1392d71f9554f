#!/usr/bin/env node
// Start-up and dry-run timings of the built bundle, each as a ratio to `node -e 0` measured in the same run.
// Commands are interleaved round by round so machine noise hits all of them alike; medians are reported.
// Usage: scripts/bench.mjs [rounds]   (build first: npm run build)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const rounds = Number(process.argv[2] ?? 15);
const bundle = path.resolve(import.meta.dirname, '../dist/berth.mjs');
if (!existsSync(bundle)) {
  console.error('scripts/bench.mjs: dist/berth.mjs is missing: run npm run build first');
  process.exit(1);
}
const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
const env = { ...process.env, CI: 'true' };
const cases = [
  { name: 'node -e 0', args: ['-e', '0'], goal: undefined },
  { name: 'berth --version', args: [bundle, '--version'], goal: 1.2 },
  { name: 'berth --help', args: [bundle, '--help'], goal: 1.2 },
  {
    name: 'berth install --dry-run --yes (magec)',
    args: [bundle, 'install', '--dry-run', '--yes', '--recipe', 'magec', '--dir', path.join(dir, 'magec')],
    goal: 2,
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

for (const c of cases) time(c); // warm the file cache
for (let r = 0; r < rounds; r++) cases.forEach((c, i) => samples[i].push(time(c)));
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
  const m = median(samples[i]);
  const ratio = m / base;
  const verdict = c.goal === undefined ? '' : `≤ ${c.goal}×  ${ratio <= c.goal ? 'met' : 'NOT met'}`;
  console.log(
    `${c.name.padEnd(42)} ${`${m.toFixed(0)} ms`.padStart(9)} ${`${ratio.toFixed(2)}×`.padStart(7)}  ${verdict}`,
  );
});
