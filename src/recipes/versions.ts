// Semantic versions and ranges for a recipe's upgrade gates and migrations: `1.2.3`, comparators (`<2.3.0`,
// `>=1.0.0`), `1.x` / `1.2.x`, `^1.2.0`, `~1.2.0`, joined by spaces (all must hold) and `||` (any part). Small on
// purpose: the bundle stays lean, and recipes need no more than this.
type Triple = [number, number, number];
export interface Version {
  core: Triple;
  pre: string[];
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  return { core: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ? m[4].split('.') : [] };
}

/** Negative when a < b, 0 when equal, positive when a > b (pre-releases sort before their release). */
export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a.core[i] !== b.core[i]) return a.core[i]! - b.core[i]!;
  if (a.pre.length === 0 || b.pre.length === 0) return b.pre.length - a.pre.length;
  for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
    const [x, y] = [a.pre[i], b.pre[i]];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (x === y) continue;
    const [nx, ny] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (nx && ny) return Number(x) - Number(y);
    return nx ? -1 : ny ? 1 : x < y ? -1 : 1;
  }
  return 0;
}

type Test = (v: Version) => boolean;
const at = (core: Triple): Version => ({ core, pre: [] });
const cmp = (op: string, bound: Version): Test => {
  const tests: Record<string, (n: number) => boolean> = {
    '<': (n) => n < 0,
    '<=': (n) => n <= 0,
    '>': (n) => n > 0,
    '>=': (n) => n >= 0,
    '=': (n) => n === 0,
  };
  const test = tests[op]!;
  return (v) => test(compareVersions(v, bound));
};
const between = (low: Triple, high: Triple): Test => {
  const [a, b] = [cmp('>=', at(low)), cmp('<', { core: high, pre: ['0'] })];
  return (v) => a(v) && b(v);
};

/** One comparator (`>=1.2.0`, `1.x`, `^1.2.0`, `~1.2.0`, `1.2.3`) as a test, or undefined when not one. */
function comparator(text: string): Test | undefined {
  const m = /^(<=|>=|<|>|=|\^|~)?v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(-[0-9A-Za-z.-]+)?$/.exec(
    text,
  );
  if (!m) return undefined;
  const op = m[1] ?? '=';
  const parts = [m[2], m[3], m[4]].map((p) => (p === undefined || /[xX*]/.test(p) ? undefined : Number(p)));
  const [major, minor, patch] = parts;
  if (major === undefined) return op === '<' || op === '>' ? () => false : () => true;
  if (minor === undefined || patch === undefined) {
    // A partial version is the range it names: 1.x is >=1.0.0 <2.0.0.
    const low: Triple = [major, minor ?? 0, 0];
    const high: Triple = minor === undefined ? [major + 1, 0, 0] : [major, minor + 1, 0];
    if (op === '<') return cmp('<', { core: low, pre: ['0'] });
    if (op === '>=') return cmp('>=', at(low));
    if (op === '>') return cmp('>=', { core: high, pre: ['0'] });
    if (op === '<=') return cmp('<', { core: high, pre: ['0'] });
    return between(low, high);
  }
  const v = parseVersion(`${major}.${minor}.${patch}${m[5] ?? ''}`)!;
  if (op === '^')
    return between(v.core, major > 0 ? [major + 1, 0, 0] : minor > 0 ? [0, minor + 1, 0] : [0, 0, patch + 1]);
  if (op === '~') return between(v.core, [major, minor + 1, 0]);
  return cmp(op, v);
}

/** A range as a test, or undefined when it is not one berth reads (the schema names the field). */
export function parseRange(range: string): Test | undefined {
  const alternatives = range.split('||').map((part) => {
    const words = part.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return undefined;
    const tests = words.map(comparator);
    return tests.every(Boolean) ? (v: Version) => tests.every((t) => t!(v)) : undefined;
  });
  if (!alternatives.every(Boolean)) return undefined;
  return (v) => alternatives.some((t) => t!(v));
}

/** Whether version `text` is in `range` (false when either does not parse). */
export function satisfies(text: string, range: string): boolean {
  const v = parseVersion(text);
  const test = parseRange(range);
  return v !== undefined && test !== undefined && test(v);
}
