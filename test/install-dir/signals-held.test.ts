// withSignalsHeld (src/install-dir/transaction.ts): a SIGINT, SIGTERM or SIGHUP that arrives while the commit's
// renames run waits for them, then ends the process as it would have — whichever phase of the event loop the
// commit runs in (top level, a promise, an I/O callback, a timer). Each case is a real child process that signals
// itself in the middle of the held work.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, test } from 'vitest';
import { repoRoot, tempDir } from '../helpers.js';

const source = path.join(repoRoot, 'src/install-dir/transaction.ts');
/**
 * transaction.ts bundled once (esbuild, well under a second) for children run by plain node, as berth itself runs:
 * under tsx each of the 12 children spent one to three seconds starting.
 */
const built = mkdtempSync(path.join(os.tmpdir(), 'berth-signals-module-'));
const module = path.join(built, 'transaction.cjs');
buildSync({
  entryPoints: [source],
  outfile: module,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  logLevel: 'error',
});
afterAll(() => rmSync(built, { recursive: true, force: true }));

/** The child: holds signals, signals itself, works on, writes `done`; afterwards it should die of the signal. */
function child(dir: string, signal: string, phase: string): string {
  const script = path.join(dir, 'child.cjs');
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
    `const { readFile, writeFileSync } = require('node:fs');\nconst { withSignalsHeld } = require(${JSON.stringify(module)});\n${wrap[phase]}\n`,
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
    const r = spawnSync(process.execPath, [child(dir, signal, phase)], { timeout: 20_000 });
    expect(existsSync(path.join(dir, 'done')), String(r.stderr)).toBe(true);
    expect(existsSync(path.join(dir, 'survived'))).toBe(false);
    expect(r.signal, `${r.signal} ${r.status}`).toBe(signal);
  });
});
