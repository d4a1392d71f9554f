// A unified diff of two texts, line by line, for `berth plan` and the review: what a reconfigure changes in a
// file. Generated files are small (a few hundred lines), so a longest-common-subsequence table is enough; written
// here rather than taken from a diff library because the bundle that curl | bash fetches has a size budget.

const CONTEXT = 3;
/** Beyond this many cells (lines × lines) the table costs too much: the diff says how many lines changed. */
const MAX_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

/** The edit script from a to b: each line kept, removed or added, with its line numbers (0-based). */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..], one row of m+1 per line of a.
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ kind: ' ', line: a[i]!, a: i++, b: j++ });
    // On a tie, the removal first: diff -u shows - lines before + lines.
    else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!))
      ops.push({ kind: '-', line: a[i]!, a: i++, b: j });
    else ops.push({ kind: '+', line: b[j]!, a: i, b: j++ });
  }
  return ops;
}

const lines = (text: string): string[] => {
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  return all;
};

/**
 * The unified diff (`@@ -a,n +b,m @@` hunks with three lines of context) of `before` → `after`, or [] when they
 * are equal. Very large files get one line saying how many lines each has instead.
 */
export function unifiedDiff(before: string, after: string): string[] {
  if (before === after) return [];
  const a = lines(before);
  const b = lines(after);
  if (a.length * b.length > MAX_CELLS)
    return [`@@ ${a.length} lines → ${b.length} lines (too long to compare) @@`];
  const ops = editScript(a, b);
  // Each change with CONTEXT lines around it; ranges that touch or overlap make one hunk.
  const ranges: [number, number][] = [];
  ops.forEach((o, k) => {
    if (o.kind === ' ') return;
    const [from, to] = [Math.max(0, k - CONTEXT), Math.min(ops.length, k + CONTEXT + 1)];
    const last = ranges.at(-1);
    if (last && from <= last[1]) last[1] = to;
    else ranges.push([from, to]);
  });
  const out: string[] = [];
  for (const [from, to] of ranges) {
    const hunk = ops.slice(from, to);
    const first = hunk[0]!;
    const fromCount = hunk.filter((o) => o.kind !== '+').length;
    const toCount = hunk.filter((o) => o.kind !== '-').length;
    out.push(
      `@@ -${first.a + (fromCount ? 1 : 0)},${fromCount} +${first.b + (toCount ? 1 : 0)},${toCount} @@`,
    );
    for (const o of hunk) out.push(`${o.kind}${o.line}`);
  }
  return out;
}
