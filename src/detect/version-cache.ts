// Remembers what a binary said its version was, keyed by the file's identity (path, device, inode, size, mtime).
// Asking the 60 MB Compose plugin costs 70–150 ms on every run; a stat costs microseconds. An upgraded or
// replaced binary has a new identity and is asked again. The cache is a convenience: any problem reading or
// writing it (a read-only home, a folder another user owns) means asking the binary, never an error.
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const FILE = 'versions.json';
const KEEP = 20;

/** The per-user cache folder: $XDG_CACHE_HOME/berth, else ~/.cache/berth; undefined without a home. */
export function userCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : undefined);
  return base ? path.join(base, 'berth') : undefined;
}

export async function cachedVersion(
  cacheDir: string | undefined,
  binary: string,
  ask: () => Promise<string | undefined>,
): Promise<string | undefined> {
  const key = identity(binary);
  if (!cacheDir || !key) return ask();
  const entries = read(cacheDir);
  const known = entries[key];
  if (typeof known === 'string') return known;
  const version = await ask();
  if (version !== undefined) write(cacheDir, { ...entries, [key]: version });
  return version;
}

function identity(binary: string): string | undefined {
  try {
    const s = statSync(binary);
    return `${binary}\0${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** Only a folder this user owns and nobody else can write: another user must not plant the answers. */
function trusted(dir: string): boolean {
  try {
    const s = lstatSync(dir);
    const uid = process.getuid?.();
    return s.isDirectory() && (uid === undefined || s.uid === uid) && (s.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function read(dir: string): Record<string, unknown> {
  if (!trusted(dir)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(dir, FILE), 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function write(dir: string, entries: Record<string, unknown>): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!trusted(dir)) return;
    const kept = Object.fromEntries(Object.entries(entries).slice(-KEEP));
    // Written aside and renamed: two berths at once never leave half a file.
    const temp = path.join(dir, `${FILE}.${process.pid}.tmp`);
    writeFileSync(temp, JSON.stringify(kept), { mode: 0o600 });
    renameSync(temp, path.join(dir, FILE));
  } catch {
    // no cache this time
  }
}
