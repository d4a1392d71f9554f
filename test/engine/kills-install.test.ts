// Kills at random moments of `berth install` on the real engine (issue 12's subset of the 100 kill trials): one
// engine-stack install is reconfigured back and forth between two greetings, each run sent SIGKILL, SIGTERM or
// SIGINT after a seeded random delay (scaled to how long a full run takes here), from before the files are
// written to after the stack is up. After every kill the folder holds the old set of files or the new set, never
// a mix; the next run completes; and the project has exactly its two containers and its one volume — nothing
// orphaned by the interrupted run.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { berth, bundle, cleanEnv } from '../helpers.js';
import { folderSnapshot, seeded } from '../kill-trials.js';
import { docker, engineStackInstall, requireEngine, text, useStacks, volumesOf } from './harness.js';

const TRIALS = 8;
const SIGNALS = ['SIGKILL', 'SIGTERM', 'SIGINT'] as const;
const GREETINGS = ['Hello from the old set', 'Hello from the new set'] as const;
const { newStack } = useStacks('kill');
const snapshot = (dir: string): string => JSON.stringify(folderSnapshot(dir));

/** Runs berth; with a signal, sends it after `delayMs`. Resolves when it has exited, however it ended, with how,
 * and when (ms after the start) it said it wrote the files. */
function run(
  argv: string[],
  kill?: { signal: NodeJS.Signals; delayMs: number },
): Promise<{ how: string; wroteAt?: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bundle, ...argv], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let wroteAt: number | undefined;
    child.stdout.on('data', (d: Buffer) => {
      if (wroteAt === undefined && d.toString().includes('✔ Wrote')) wroteAt = performance.now() - started;
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = kill && setTimeout(() => child.kill(kill.signal), kill.delayMs);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      const how = `exit ${code ?? sig}: ${stderr.trim().split('\n').at(-1) ?? ''}`;
      resolve({ how, ms: performance.now() - started, ...(wroteAt !== undefined ? { wroteAt } : {}) });
    });
  });
}

describe('kills at random moments of berth install (real engine)', () => {
  test(`${TRIALS} trials: the old set or the new set, the next run completes, nothing orphaned`, async () => {
    await requireEngine();
    const stack = await newStack();
    const argv = (i: 0 | 1) => [...engineStackInstall(stack), '--greeting', GREETINGS[i]];
    const sets: string[] = [];
    // How long a run takes here, and when in it the files are written: the kills aim at both sides of that.
    let fullRunMs = 0;
    let writeMs = Infinity;
    for (const i of [0, 1, 0] as const) {
      const r = await run(argv(i));
      expect(r.how, r.how).toMatch(/^exit 0/);
      fullRunMs = Math.max(fullRunMs, r.ms);
      writeMs = Math.min(writeMs, r.wroteAt ?? Infinity);
      sets[i] = snapshot(stack.dir);
    }
    expect(writeMs).toBeLessThan(fullRunMs);
    const next = seeded(20261130);
    let current: 0 | 1 = 0;
    const outcomes = { old: 0, new: 0 };
    const trials: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const target: 0 | 1 = current === 0 ? 1 : 0;
      const signal = SIGNALS[Math.floor(next() * SIGNALS.length)]!;
      // Even trials: while berth prepares (before the write); odd ones: from the write to past the stack's start.
      const delayMs = Math.floor(
        trial % 2 === 0 ? writeMs * (0.1 + next() * 0.7) : writeMs + (fullRunMs - writeMs) * next() * 1.1,
      );
      const { how } = await run(argv(target), { signal, delayMs });
      const label = `trial ${trial}: greeting ${current} → ${target}, ${signal} after ${delayMs} ms (${how})`;
      const after = snapshot(stack.dir);
      // Only a SIGKILL inside the commit's renames can leave them half done, with the committed journal that the
      // next run completes (SIGINT and SIGTERM wait for the renames).
      const committed = signal === 'SIGKILL' && existsSync(path.join(stack.dir, '.berth', 'txn.json'));
      expect(
        after === sets[current] || after === sets[target] || committed,
        `${label}: neither the old set nor the new`,
      ).toBe(true);
      const outcome = after === sets[target] || committed ? 'new' : 'old';
      outcomes[outcome]++;
      trials.push(`${label}: ${outcome} set${committed ? ' (committed journal)' : ''}`);

      const again = await berth(argv(target));
      expect(again.exitCode, `${label}, then: ${text(again)}`).toBe(0);
      expect(snapshot(stack.dir), `${label}: the next run did not end with the new set`).toBe(sets[target]);
      const page = await fetch(`http://127.0.0.1:${stack.port}/`, { signal: AbortSignal.timeout(5_000) });
      expect(await page.text(), label).toContain(GREETINGS[target]);
      const containers = await docker(
        [
          'ps',
          '-a',
          '--filter',
          `label=com.docker.compose.project=${stack.project}`,
          '--format',
          '{{.Names}}',
        ],
        stack.dir,
      );
      expect(String(containers.stdout).split('\n').filter(Boolean).sort(), label).toEqual([
        `${stack.project}-init-1`,
        `${stack.project}-web-1`,
      ]);
      expect(await volumesOf(stack.project), label).toEqual([`${stack.project}_site`]);
      current = target;
    }
    console.log(trials.join('\n'));
    // The delays cover both sides of the write: some runs were stopped before it, some after.
    expect(outcomes.old, JSON.stringify(outcomes)).toBeGreaterThan(0);
    expect(outcomes.new, JSON.stringify(outcomes)).toBeGreaterThan(0);
  }, 600_000);
});
