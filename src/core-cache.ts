// The bundle's replacement for core-loader.ts (scripts/build.ts fills in the two constants). The core travels
// gzipped inside dist/berth.mjs; the first command unpacks it into a per-user cache folder and later commands
// import it from there, so `berth --version` never compiles it and `berth` stays one file to ship.
// Node built-ins are imported inside loadCore: even they cost start-up time that --version should not pay.
type Fs = typeof import('node:fs');

const CORE: string = '__BERTH_CORE__';
const NAME: string = '__BERTH_CORE_NAME__';

declare global {
  var __berthEntryUrl: string | undefined;
}

export async function loadCore(): Promise<typeof import('./main.js')> {
  const [fs, os, path, { pathToFileURL }, { gunzipSync }, { randomBytes }] = await Promise.all([
    import('node:fs'),
    import('node:os'),
    import('node:path'),
    import('node:url'),
    import('node:zlib'),
    import('node:crypto'),
  ]);
  globalThis.__berthEntryUrl = import.meta.url;
  const source = () => gunzipSync(Buffer.from(CORE, 'base64'));
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const cacheDirs = [
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'berth'),
    path.join(os.tmpdir(), `berth-${uid ?? 'user'}`),
  ];
  for (const dir of cacheDirs) {
    const file = path.join(dir, NAME);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    if (!privateDir(fs, dir)) continue;
    if (ownFile(fs, file) || tryWrite(fs, dir, file, tmp, source())) {
      return (await import(pathToFileURL(file).href)) as typeof import('./main.js');
    }
  }
  // No writable private folder at all: evaluate from memory (slower to start, same behaviour).
  return (await import(
    `data:text/javascript;base64,${source().toString('base64')}`
  )) as typeof import('./main.js');
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
    const info = fs.lstatSync(dir);
    return info.isDirectory() && info.uid === myUid(info.uid) && (info.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function ownFile(fs: Fs, file: string): boolean {
  try {
    const info = fs.lstatSync(file);
    return info.isFile() && info.uid === myUid(info.uid) && (info.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Writes the file atomically (readers see all of it or none); false when that is not possible. */
function tryWrite(fs: Fs, dir: string, file: string, tmp: string, content: Buffer): boolean {
  try {
    const fd = fs.openSync(tmp, 'wx', 0o600);
    try {
      fs.writeSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    // Other versions' cores, once a day old (a berth of another version may be running right now).
    for (const old of fs.readdirSync(dir)) {
      const other = `${dir}/${old}`;
      if (old.startsWith('core-') && old !== NAME && Date.now() - fs.lstatSync(other).mtimeMs > 86_400_000) {
        fs.unlinkSync(other);
      }
    }
    return true;
  } catch {
    return false;
  }
}
