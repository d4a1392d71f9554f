// No secret leaks (issue 12), on the real engine: while berth installs and reconfigures test/fixtures/engine-stack
// (plain and --json), a sampler reads every process's argv (/proc/*/cmdline) every few milliseconds — berth,
// docker, compose and the containers' own processes. The generated secret must appear in none of them, nor in
// berth's stdout, stderr or JSON events, nor in .berth/logs, berth.yaml, or any file of the folder that is not 0600.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { berth } from '../helpers.js';
import { engineStackInstall, requireEngine, useStacks } from './harness.js';

const { newStack } = useStacks('leak');

// The sampler runs in its own process so that sampling never waits on this test's event loop. It keeps every
// distinct command line it sees and prints them as JSON when told to stop (SIGTERM).
const SAMPLER = `
const fs = require('node:fs');
const seen = new Set();
let samples = 0;
const sample = () => {
  samples++;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\\d+$/.test(pid) || pid === String(process.pid)) continue;
    try { seen.add(fs.readFileSync('/proc/' + pid + '/cmdline', 'latin1').replaceAll('\\0', ' ').trim()); } catch {}
  }
};
const timer = setInterval(sample, 3);
process.on('SIGTERM', () => {
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ samples, lines: [...seen].filter(Boolean) }), () => process.exit(0));
});
process.stdout.write('ready\\n');
`;

async function sampling<T>(run: () => Promise<T>): Promise<{ result: T; samples: number; lines: string[] }> {
  const sampler = execa(process.execPath, ['-e', SAMPLER], { reject: false, buffer: true });
  await new Promise<void>((resolve) =>
    sampler.stdout!.once('data', () => {
      resolve();
    }),
  );
  try {
    const result = await run();
    return { result, ...(await stop(sampler)) };
  } catch (error) {
    await stop(sampler);
    throw error;
  }
}

async function stop(sampler: ReturnType<typeof execa>): Promise<{ samples: number; lines: string[] }> {
  sampler.kill('SIGTERM');
  const out = String((await sampler).stdout);
  return JSON.parse(out.slice(out.indexOf('{'))) as { samples: number; lines: string[] };
}

/** Every file under the folder, with its mode. */
function filesIn(dir: string): { file: string; mode: number }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .map((file) => ({ file, mode: statSync(file).mode & 0o777 }));
}

describe('no secret leaks', () => {
  test('install, a reconfigure with --json and one that changes an answer: the secret is never seen', async () => {
    await requireEngine();
    const stack = await newStack();
    const args = engineStackInstall(stack);
    const runs = await sampling(async () => [
      await berth(args),
      await berth([...args, '--json', '--greeting', 'Changed with --json']),
      await berth([...args, '--greeting', 'Changed by the leak test']),
    ]);
    for (const r of runs.result) expect(r.exitCode, String(r.stderr)).toBe(0);

    const env = readFileSync(path.join(stack.dir, '.env'), 'utf8');
    const secret = /^APP_SECRET='?([A-Za-z0-9]+)'?$/m.exec(env)![1]!;
    expect(secret).toHaveLength(40);
    // The sampler really saw the run: compose, and the containers' own processes.
    expect(runs.samples).toBeGreaterThan(100);
    expect(runs.lines.some((l) => l.includes('compose') && l.includes('up'))).toBe(true);
    expect(runs.lines.some((l) => l.includes('httpd'))).toBe(true);
    // It catches a value in a short-lived berth's argv: the --greeting of the third run is there.
    expect(runs.lines.some((l) => l.includes('berth.mjs') && l.includes('Changed by the leak test'))).toBe(
      true,
    );

    expect(runs.lines.filter((l) => l.includes(secret))).toEqual([]);
    for (const r of runs.result) {
      expect(String(r.stdout)).not.toContain(secret);
      expect(String(r.stderr)).not.toContain(secret);
    }
    // --json: the events are JSON lines on stdout, and carry no secret either (checked above); they parsed.
    const events = String(runs.result[1]!.stdout).trim().split('\n');
    expect(events.length).toBeGreaterThan(3);
    for (const line of events) expect(() => JSON.parse(line) as unknown).not.toThrow();

    const leaking = filesIn(stack.dir)
      .filter(({ file, mode }) => mode !== 0o600 || file.includes(`${path.sep}logs${path.sep}`))
      .filter(({ file }) => readFileSync(file, 'latin1').includes(secret))
      .map(({ file, mode }) => `${path.relative(stack.dir, file)} (mode ${mode.toString(8)})`);
    expect(leaking).toEqual([]);
    // The secret is where it belongs: .env, 0600.
    expect(statSync(path.join(stack.dir, '.env')).mode & 0o777).toBe(0o600);
  }, 240_000);
});
