// What the kill trials share (test/install-dir/kills.test.ts, test/engine/kills-install.test.ts): a seeded random
// generator, so a failing trial can be replayed, and a snapshot of an install folder to compare sets of files by.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** A small seeded generator (mulberry32): the same seed gives the same delays and signals. */
export function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The folder's files with their modes and contents; berth's own bookkeeping (.berth/) left out. */
export function folderSnapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    const rel = path.relative(dir, file);
    if (rel.split(path.sep)[0] === '.berth') continue;
    out[rel] = `${(statSync(file).mode & 0o777).toString(8)} ${readFileSync(file, 'utf8')}`;
  }
  return out;
}
