// The bundle's replacement for core-loader.ts (scripts/build.ts fills in NAME and appends the core). The core — a few
// ES module chunks — travels compressed inside dist/berth.mjs; the first command unpacks it into a private
// per-user cache folder and every command imports it from there. So `berth --version` never compiles it, a
// command compiles only the chunks it uses, and berth is still one file to ship.
// Node built-ins are imported inside loadCore: even they cost start-up time that --version should not pay.
type Fs = typeof import('node:fs');
type Core = typeof import('./main.js');

const NAME: string = '__BERTH_CORE_NAME__';
/** The core rides in a comment at the end of the bundle (scripts/build.ts): V8 skims a comment ~10× faster than a
 * string literal of the same size, and only the first run of a version reads it. */
const MARKER = '/*BERTH-CORE:';

declare global {
  var __berthEntryUrl: string | undefined;
}

export async function loadCore(): Promise<Core> {
  const [fs, os, path, { pathToFileURL }, { brotliDecompressSync }] = await Promise.all([
    import('node:fs'),
    import('node:os'),
    import('node:path'),
    import('node:url'),
    import('node:zlib'),
  ]);
  globalThis.__berthEntryUrl = import.meta.url;
  const files = () => {
    const text = fs.readFileSync(new URL(import.meta.url), 'latin1');
    const start = text.lastIndexOf(MARKER) + MARKER.length;
    const payload = brotliDecompressSync(Buffer.from(text.slice(start, text.indexOf('*/', start)), 'base64'));
    return unpackPayload(payload);
  };
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const cacheDirs = [
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'berth'),
    path.join(os.tmpdir(), `berth-${uid ?? 'user'}`),
  ];
  for (const dir of cacheDirs) {
    if (!privateDir(fs, dir)) continue;
    const target = path.join(dir, NAME);
    if (ownDir(fs, target) || unpack(fs, dir, target, files())) {
      return (await import(pathToFileURL(path.join(target, 'main.mjs')).href)) as Core;
    }
  }
  throw new Error(
    `berth could not unpack itself: neither ${cacheDirs.join(' nor ')} can be made private to this user. ` +
      'Set XDG_CACHE_HOME to a folder you own.',
  );
}

/**
 * The payload scripts/build.ts wrote: a 4-byte length, the JSON {files: [[name, length]], blobs: [length]}, each
 * chunk's bytes, then each blob's; a chunk's \u0000BLOB<n>\u0000 becomes blob n in base64 again, the string
 * literal esbuild wrote.
 */
export function unpackPayload(payload: Buffer): Record<string, string> {
  const size = payload.readUInt32BE(0);
  const head = JSON.parse(payload.subarray(4, 4 + size).toString('utf8')) as {
    files: [string, number][];
    blobs: number[];
  };
  let at = 4 + size;
  const take = (length: number) => payload.subarray(at, (at += length));
  const files = head.files.map(([name, length]) => [name, take(length).toString('utf8')] as [string, string]);
  const blobs = head.blobs.map((length) => take(length).toString('base64'));
  return Object.fromEntries(
    files.map(([name, text]) => [
      name,
      blobs.reduce((out, b64, n) => out.split(`\u0000BLOB${n}\u0000`).join(b64), text),
    ]),
  );
}

const myUid = (fallback: number) => (typeof process.getuid === 'function' ? process.getuid() : fallback);

/** A folder of ours that nobody else can write to: only then is code found there trusted. */
function privateDir(fs: Fs, dir: string): boolean {
  try {
    // Two plain mkdirs, not a recursive one: Node's recursive mkdir can spin forever under /proc or /sys.
    for (const d of [dir.slice(0, dir.lastIndexOf('/')), dir]) {
      try {
        fs.mkdirSync(d, { mode: 0o700 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    return ownDir(fs, dir);
  } catch {
    return false;
  }
}

function ownDir(fs: Fs, dir: string): boolean {
  try {
    const info = fs.lstatSync(dir);
    return info.isDirectory() && info.uid === myUid(info.uid) && (info.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Writes the chunks into a fresh folder, then renames it into place: readers see all of them or none. */
function unpack(fs: Fs, dir: string, target: string, files: Record<string, string>): boolean {
  try {
    const tmp = fs.mkdtempSync(`${target}.tmp-`);
    for (const [name, text] of Object.entries(files))
      fs.writeFileSync(`${tmp}/${name}`, text, { mode: 0o600 });
    try {
      fs.renameSync(tmp, target);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another berth unpacked the same core first
    }
    pruneOldCores(fs, dir);
    return ownDir(fs, target);
  } catch {
    return false;
  }
}

/** Other versions' cores, once a day old (a berth of another version may be running right now). */
function pruneOldCores(fs: Fs, dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    const other = `${dir}/${name}`;
    if (name.startsWith('core-') && name !== NAME && Date.now() - fs.lstatSync(other).mtimeMs > 86_400_000) {
      fs.rmSync(other, { recursive: true, force: true });
    }
  }
}
