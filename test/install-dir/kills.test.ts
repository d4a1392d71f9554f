// Kills at random moments (issue 12): 100 runs of the built bundle reconfiguring one magec folder back and forth
// (with a domain: compose.https.yaml and the Caddyfile appear; without: they go) are each sent SIGKILL, SIGTERM or
// SIGINT after a random delay. After every kill the folder holds exactly the old set of files or exactly the new
// set — never a mix; only a SIGKILL inside the commit's renames can leave them half done, with the committed
// journal — and the next run completes (or discards) the interrupted write and ends with the new set.
// The delays (scaled to how long a full run takes here) and signals come from a seeded generator: a failure names
// its trial and can be replayed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { berth, bundle, cleanEnv, tempDir } from '../helpers.js';
import { folderSnapshot, seeded } from '../kill-trials.js';

const TRIALS = 100;
const SIGNALS = ['SIGKILL', 'SIGTERM', 'SIGINT'] as const;
type Snapshot = Record<string, string>;
const snapshot = folderSnapshot;

// Answers are kept between runs (a re-run reconfigures): the plain set clears the domain explicitly.
const SET = {
  plain: ['--domain', ''],
  domain: ['--domain', 'kill.example.com', '--email', 'ops@example.com'],
};
type SetName = keyof typeof SET;
const args = (dir: string, set: SetName) => [
  'render',
  '--yes',
  '--mode',
  'openai',
  '--dir',
  dir,
  ...SET[set],
];
const env = { OPENAI_API_KEY: 'sk-kill-test-0123456789abcdefghij' };

/** Runs berth and sends `signal` after `delayMs`; resolves when it has exited, however it ended. */
function runAndKill(argv: string[], signal: NodeJS.Signals, delayMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...argv], {
      env: cleanEnv(env),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill(signal), delayMs);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve(`exit ${code ?? sig}: ${stderr.trim().split('\n').at(-1) ?? ''}`);
    });
  });
}

describe('kills at random moments of a reconfigure', () => {
  it(
    `${TRIALS} trials: the old set or the new set, and the next run completes`,
    { timeout: 600_000 },
    async () => {
      const dir = path.join(tempDir('berth-kills-'), 'magec');
      const sets = {} as Record<SetName, Snapshot>;
      // Both sets as berth writes them in this folder (secrets kept from the first run, so both are fixed).
      let fullRunMs = 0;
      for (const set of ['plain', 'domain', 'plain'] as SetName[]) {
        const started = performance.now();
        const r = await berth(args(dir, set), { env });
        fullRunMs = Math.max(fullRunMs, performance.now() - started);
        expect(r.exitCode, String(r.stderr)).toBe(0);
        sets[set] = snapshot(dir);
      }
      expect(Object.keys(sets.domain)).toContain('Caddyfile');
      expect(Object.keys(sets.plain)).not.toContain('Caddyfile');

      const next = seeded(20261129);
      let current: SetName = 'plain';
      const outcomes = { old: 0, new: 0 };
      for (let trial = 0; trial < TRIALS; trial++) {
        const target: SetName = current === 'plain' ? 'domain' : 'plain';
        const signal = SIGNALS[Math.floor(next() * SIGNALS.length)]!;
        // From early in the run to a little past its end, scaled to this machine's speed.
        const delayMs = Math.floor(fullRunMs * (0.05 + next() * 1.15));
        const how = await runAndKill(args(dir, target), signal, delayMs);
        const after = snapshot(dir);
        const label = `trial ${trial}: ${current} → ${target}, ${signal} after ${delayMs} ms (${how})`;
        const old = JSON.stringify(after) === JSON.stringify(sets[current]);
        const fresh = JSON.stringify(after) === JSON.stringify(sets[target]);
        // SIGINT and SIGTERM wait for the renames. SIGKILL cannot: between the commit point and the last rename
        // (about a millisecond) it leaves the committed journal, which the next run completes (checked below).
        const committed = signal === 'SIGKILL' && existsSync(path.join(dir, '.berth', 'txn.json'));
        expect(old || fresh || committed, `${label}: the folder is neither the old set nor the new one`).toBe(
          true,
        );
        outcomes[fresh || committed ? 'new' : 'old']++;
        // The next run of the same command completes the interrupted write, or writes the new set anew.
        const again = await berth(args(dir, target), { env });
        expect(again.exitCode, `${label}, then: ${String(again.stderr)}`).toBe(0);
        expect(snapshot(dir), `${label}: the next run did not end with the new set`).toEqual(sets[target]);
        expect(existsSync(path.join(dir, '.berth', 'txn.json')), `${label}: a journal is left`).toBe(false);
        current = target;
      }
      // The delays cover both sides of the write: some runs were stopped before it, some after.
      expect(outcomes.old, JSON.stringify(outcomes)).toBeGreaterThan(5);
      expect(outcomes.new, JSON.stringify(outcomes)).toBeGreaterThan(5);
    },
  );
});
