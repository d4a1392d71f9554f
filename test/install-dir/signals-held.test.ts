// withSignalsHeld (src/install-dir/transaction.ts): a SIGINT, SIGTERM or SIGHUP that arrives while the commit's
// renames run waits for them, then ends the process as it would have — whichever phase of the event loop the
// commit runs in (top level, a promise, an I/O callback, a timer). Each case is a real child process that signals
// itself in the middle of the held work.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot, tempDir } from '../helpers.js';

const tsx = path.join(repoRoot, 'node_modules/.bin/tsx');
const module = path.join(repoRoot, 'src/install-dir/transaction.ts');

/** The child: holds signals, signals itself, works on, writes `done`; afterwards it should die of the signal. */
function child(dir: string, signal: string, phase: string): string {
  const script = path.join(dir, 'child.ts');
  const held = `withSignalsHeld(() => {
    process.kill(process.pid, '${signal}');
    const until = Date.now() + 150;
    while (Date.now() < until) {} // the commit's renames, still going when the signal arrives
    writeFileSync(${JSON.stringify(path.join(dir, 'done'))}, 'yes');
  });
  setTimeout(() => writeFileSync(${JSON.stringify(path.join(dir, 'survived'))}, 'yes'), 2000);`;
  const wrap: Record<string, string> = {
    'top level': held,
    promise: `Promise.resolve().then(() => { ${held} });`,
    'I/O callback': `readFile(${JSON.stringify(script)}, () => { ${held} });`,
    timer: `setTimeout(() => { ${held} }, 10);`,
  };
  writeFileSync(
    script,
    `import { readFile, writeFileSync } from 'node:fs';\nimport { withSignalsHeld } from ${JSON.stringify(module)};\n${wrap[phase]}\n`,
  );
  return script;
}

describe('signals held during the commit', () => {
  test.each(
    ['SIGINT', 'SIGTERM', 'SIGHUP'].flatMap((signal) =>
      ['top level', 'promise', 'I/O callback', 'timer'].map((phase) => [signal, phase] as const),
    ),
  )('%s during the renames (%s): they finish, then the signal ends the process', (signal, phase) => {
    const dir = tempDir('berth-signals-');
    const r = spawnSync(tsx, [child(dir, signal, phase)], { timeout: 20_000 });
    expect(existsSync(path.join(dir, 'done')), String(r.stderr)).toBe(true);
    expect(existsSync(path.join(dir, 'survived'))).toBe(false);
    // tsx runs the script in a child of its own and ends with 128 + the signal's number when it dies of one.
    const number = os.constants.signals[signal as NodeJS.Signals];
    expect(r.signal === signal || r.status === 128 + number, `${r.signal} ${r.status}`).toBe(true);
  });
});
