// The unified diff berth plan prints: the same hunks as diff -u for a changed line, an added and a removed one.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/install-dir/diff.js';
import { tempDir } from '../helpers.js';

/** GNU diff -u's hunks for the same texts (its two header lines dropped). */
function gnuDiff(before: string, after: string): string[] {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'a'), before);
  writeFileSync(path.join(dir, 'b'), after);
  try {
    execFileSync('diff', ['-u', 'a', 'b'], { cwd: dir });
    return [];
  } catch (error) {
    return String((error as { stdout: Buffer }).stdout)
      .trimEnd()
      .split('\n')
      .slice(2);
  }
}

const numbered = (n: number, change: (i: number) => string | undefined = () => undefined) =>
  Array.from({ length: n }, (_, i) => change(i) ?? `line ${i + 1}`).join('\n') + '\n';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n')).toEqual([]);
  });

  it.each([
    [
      'one changed line in the middle',
      numbered(20),
      numbered(20, (i) => (i === 9 ? 'PORT=8081' : undefined)),
    ],
    [
      'two changes far apart: two hunks',
      numbered(30),
      numbered(30, (i) => (i === 2 || i === 25 ? 'x' : undefined)),
    ],
    [
      'two changes close together: one hunk',
      numbered(30),
      numbered(30, (i) => (i === 10 || i === 14 ? 'x' : undefined)),
    ],
    ['lines added at the end', numbered(5), numbered(5) + 'new 1\nnew 2\n'],
    ['lines removed at the start', numbered(8), numbered(8).split('\n').slice(3).join('\n')],
    ['from empty', '', 'a\nb\n'],
    ['to empty', 'a\nb\n', ''],
  ])('%s: as diff -u', (_, before, after) => {
    expect(unifiedDiff(before, after)).toEqual(gnuDiff(before, after));
  });
});
