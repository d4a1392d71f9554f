// No secret leaks (issue 12), on the real engine: while berth installs and reconfigures test/fixtures/engine-stack
// (plain and --json), and backs up, verifies and restores test/fixtures/backup-stack (real PostgreSQL), a sampler
// reads every process's argv (/proc/*/cmdline) every few milliseconds — berth, docker, compose and the containers'
// own processes. The generated secret must appear in none of them, nor in berth's stdout, stderr or JSON events,
// nor in .berth/logs, berth.yaml, or any file of the folder that is not 0600. A backup run also has a watcher on
// the folders it writes for a moment (archives being written, the safety backup, the verification's folder).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execa, type Result } from 'execa';
import { describe, expect, test } from 'vitest';
import { berth, fixtures } from '../helpers.js';
import {
  docker,
  dotenvValue,
  engineStackInstall,
  inService,
  requireEngine,
  text,
  useStacks,
} from './harness.js';

const { root, newStack } = useStacks('leak');

// The sampler runs in its own process so that sampling never waits on this test's event loop. It keeps every
// distinct command line it sees and prints them as JSON when told to stop (SIGTERM).
const SAMPLER = `
const fs = require('node:fs');
const seen = new Set();
let samples = 0;
const sample = () => {
  samples++;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\\d+$/.test(pid) || pid === String(process.pid)) continue;
    try { seen.add(fs.readFileSync('/proc/' + pid + '/cmdline', 'latin1').replaceAll('\\0', ' ').trim()); } catch {}
  }
};
const timer = setInterval(sample, 3);
process.on('SIGTERM', () => {
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ samples, lines: [...seen].filter(Boolean) }), () => process.exit(0));
});
process.stdout.write('ready\\n');
`;

// The watcher, in a process of its own too: it walks the given folders (and those of the temporary folder whose
// names start with a given prefix) over and over, keeps every file it sees with each mode it had, and reads each
// version of a file under 1 MiB for the secret (given in its environment, never on its argv).
const WATCHER = `
const fs = require('node:fs');
const path = require('node:path');
const { roots, prefixes } = JSON.parse(process.env.LEAK_WATCH);
const secret = process.env.LEAK_SECRET;
const seen = new Map();
const versions = new Map();
let scans = 0;
let stopped = false;
const visit = (file) => {
  let st;
  try { st = fs.lstatSync(file); } catch { return; }
  if (st.isDirectory()) {
    let names = [];
    try { names = fs.readdirSync(file); } catch {}
    for (const name of names) visit(path.join(file, name));
    return;
  }
  if (!st.isFile()) return;
  const mode = st.mode & 0o777;
  const id = file + ' ' + mode;
  let entry = seen.get(id);
  if (!entry) seen.set(id, (entry = { file, mode, secret: false }));
  const version = st.size + ':' + st.mtimeMs;
  if (st.size > 1 << 20 || versions.get(id) === version) return;
  versions.set(id, version);
  try { if (fs.readFileSync(file, 'latin1').includes(secret)) entry.secret = true; } catch {}
};
const scan = () => {
  if (stopped) return;
  scans++;
  for (const dir of roots) visit(dir);
  for (const prefix of prefixes) {
    let names = [];
    try { names = fs.readdirSync(path.dirname(prefix)); } catch {}
    for (const name of names) if (name.startsWith(path.basename(prefix))) visit(path.join(path.dirname(prefix), name));
  }
  setTimeout(scan, 20);
};
process.on('SIGTERM', () => {
  stopped = true;
  process.stdout.write(JSON.stringify({ scans, files: [...seen.values()] }), () => process.exit(0));
});
scan();
process.stdout.write('ready\\n');
`;

interface Watch {
  /** Folders walked whole. */
  roots: string[];
  /** Paths whose last part is a name prefix: matching entries of the folder are walked. */
  prefixes: string[];
  secret: string;
}
interface Watched {
  scans: number;
  files: { file: string; mode: number; secret: boolean }[];
}

async function sampling<T>(
  run: () => Promise<T>,
  watch?: Watch,
): Promise<{ result: T; samples: number; lines: string[]; watched: Watched }> {
  const sampler = execa(process.execPath, ['-e', SAMPLER], { reject: false, buffer: true });
  const watcher = watch
    ? execa(process.execPath, ['-e', WATCHER], {
        reject: false,
        buffer: true,
        env: {
          LEAK_WATCH: JSON.stringify({ roots: watch.roots, prefixes: watch.prefixes }),
          LEAK_SECRET: watch.secret,
        },
      })
    : undefined;
  await Promise.all([started(sampler), watcher && started(watcher)]);
  const stopAll = async () => {
    const [seen, watched] = await Promise.all([
      stop<{ samples: number; lines: string[] }>(sampler),
      watcher ? stop<Watched>(watcher) : { scans: 0, files: [] },
    ]);
    return { ...seen, watched };
  };
  try {
    const result = await run();
    return { result, ...(await stopAll()) };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Resolves once the process has printed its first line (a subprocess is itself a promise: not returned). */
function started(child: ReturnType<typeof execa>): Promise<void> {
  return new Promise<void>((resolve) =>
    child.stdout!.once('data', () => {
      resolve();
    }),
  );
}

async function stop<R>(child: ReturnType<typeof execa>): Promise<R> {
  child.kill('SIGTERM');
  const out = String((await child).stdout);
  return JSON.parse(out.slice(out.indexOf('{'))) as R;
}

/** Every file under the folder, with its mode (a file that goes away meanwhile, as a database's may, is left out). */
function filesIn(dir: string): { file: string; mode: number }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .flatMap((file) => {
      try {
        return [{ file, mode: statSync(file).mode & 0o777 }];
      } catch {
        return [];
      }
    });
}

/** Files under the folders that hold the secret but are not 0600, or are logs: as `path (mode)`. */
function leakingFiles(dirs: string[], secret: string): string[] {
  return dirs
    .flatMap((dir) => filesIn(dir))
    .filter(({ file, mode }) => mode !== 0o600 || file.includes(`${path.sep}logs${path.sep}`))
    .filter(({ file }) => readFileSync(file, 'latin1').includes(secret))
    .map(({ file, mode }) => `${file} (mode ${mode.toString(8)})`);
}

describe('no secret leaks', () => {
  test('install, a reconfigure with --json and one that changes an answer: the secret is never seen', async () => {
    await requireEngine();
    const stack = await newStack();
    const args = engineStackInstall(stack);
    const runs = await sampling(async () => [
      await berth(args),
      await berth([...args, '--json', '--greeting', 'Changed with --json']),
      await berth([...args, '--greeting', 'Changed by the leak test']),
    ]);
    for (const r of runs.result) expect(r.exitCode, String(r.stderr)).toBe(0);

    const env = readFileSync(path.join(stack.dir, '.env'), 'utf8');
    const secret = /^APP_SECRET='?([A-Za-z0-9]+)'?$/m.exec(env)![1]!;
    expect(secret).toHaveLength(40);
    // The sampler really saw the run: compose, and the containers' own processes.
    expect(runs.samples).toBeGreaterThan(100);
    expect(runs.lines.some((l) => l.includes('compose') && l.includes('up'))).toBe(true);
    expect(runs.lines.some((l) => l.includes('httpd'))).toBe(true);
    // It catches a value in a short-lived berth's argv: the --greeting of the third run is there.
    expect(runs.lines.some((l) => l.includes('berth.mjs') && l.includes('Changed by the leak test'))).toBe(
      true,
    );

    expect(runs.lines.filter((l) => l.includes(secret))).toEqual([]);
    for (const r of runs.result) {
      expect(String(r.stdout)).not.toContain(secret);
      expect(String(r.stderr)).not.toContain(secret);
    }
    // --json: the events are JSON lines on stdout, and carry no secret either (checked above); they parsed.
    const events = String(runs.result[1]!.stdout).trim().split('\n');
    expect(events.length).toBeGreaterThan(3);
    for (const line of events) expect(() => JSON.parse(line) as unknown).not.toThrow();

    expect(leakingFiles([stack.dir], secret)).toEqual([]);
    // The secret is where it belongs: .env, 0600.
    expect(statSync(path.join(stack.dir, '.env')).mode & 0o777).toBe(0o600);
  }, 240_000);

  test('backup, backup --verify --json, restore over the install and into a new folder: the password is never seen', async () => {
    await requireEngine(['berth-test/postgres:1', 'berth-test/busybox:1']);
    const stack = await newStack();
    const data = path.join(root, `${stack.project}-data`);
    const installed = await berth([
      ...['install', '--recipe', path.join(fixtures, 'backup-stack'), '--dir', stack.dir, '--yes'],
      ...['--data-dir', data, '--web-port', String(stack.port), '--wait-timeout', '120'],
    ]);
    expect(installed.exitCode, text(installed)).toBe(0);
    await inService(
      stack.dir,
      'postgres',
      'PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U app -d app --no-psqlrc -tAc ' +
        '"create table notes(id int, body text); insert into notes select g, md5(g::text) from generate_series(1,200) g"',
    );
    const secret = dotenvValue(stack.dir, 'POSTGRES_PASSWORD');
    expect(secret).toMatch(/^[A-Za-z0-9]{32}$/);
    const out = path.join(root, `${stack.project}-backups`);
    const target = path.join(root, `${stack.project}-restored`);
    // Where a restore over an install puts its safety backup (restore.ts; berth runs as root here).
    const safetyDir =
      process.getuid?.() === 0
        ? '/var/backups/berth'
        : path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local/share'), 'berth/backups');
    // The data folder is left to the checks after each window: its changing files are the database's own.
    const watch: Watch = {
      roots: [stack.dir, target, out, safetyDir],
      prefixes: [path.join(os.tmpdir(), 'berth-verify-'), path.join(os.tmpdir(), 'berth-restore-')],
      secret,
    };

    const first = await sampling(async () => {
      const plain = await berth(['backup', '--dir', stack.dir, '--output', out]);
      expect(plain.exitCode, text(plain)).toBe(0);
      const verified = await berth([
        ...['backup', '--dir', stack.dir, '--output', out, '--verify', '--json'],
        ...['--wait-timeout', '120'],
      ]);
      expect(verified.exitCode, text(verified)).toBe(0);
      const over = await berth([
        'restore',
        path.join(out, archivesIn(out)[0]!),
        '--dir',
        stack.dir,
        '--wait-timeout',
        '120',
      ]);
      expect(over.exitCode, text(over)).toBe(0);
      return [plain, verified, over];
    }, watch);
    expectNoLeak(first, secret);
    expect(first.lines.some((l) => l.includes('berth.mjs backup'))).toBe(true);
    expect(first.lines.some((l) => l.includes('berth.mjs restore'))).toBe(true);
    expect(first.lines.some((l) => l.includes('pg_dump'))).toBe(true);
    expect(first.lines.some((l) => l.includes('pg_restore'))).toBe(true);
    // --json: one line, which parses and says the archive was verified.
    const event = JSON.parse(String(first.result[1]!.stdout).trim()) as {
      archive: string;
      verified: boolean;
    };
    expect(event.verified).toBe(true);
    expect(archivesIn(out).map((n) => path.join(out, n))).toContain(event.archive);
    // The watcher saw the safety backup, the archives being written, and the verification's copy of .env.
    const safety = first.watched.files.filter((f) =>
      path.basename(f.file).includes(`.pre-restore-${stack.project}-`),
    );
    expect(safety.length).toBeGreaterThan(0);
    expect(first.watched.files.some((f) => f.file.startsWith(out) && f.file.endsWith('.partial'))).toBe(true);
    expect(
      first.watched.files
        .filter((f) => f.secret && /berth-verify-[^/]+\/\.env$/.test(f.file))
        .map((f) => f.mode),
    ).toEqual([0o600]);
    expect(leakingFiles([stack.dir, out, data], secret)).toEqual([]);

    // After an uninstall --purge (it keeps the data folders: emptied, or the restore refuses to mix them), a
    // restore into a new folder, with --json.
    const second = await sampling(async () => {
      const purge = await berth(['uninstall', '--dir', stack.dir, '--purge', '--yes']);
      expect(purge.exitCode, text(purge)).toBe(0);
      const emptied = await docker(
        ['run', '--rm', '-v', `${data}:/d`, 'berth-test/busybox:1', 'rm', '-rf', '/d/db', '/d/files'],
        root,
      );
      expect(emptied.exitCode, text(emptied)).toBe(0);
      const fresh = await berth([
        ...['restore', path.join(out, archivesIn(out)[1]!), '--dir', target, '--json'],
        ...['--wait-timeout', '120'],
      ]);
      expect(fresh.exitCode, text(fresh)).toBe(0);
      return [purge, fresh];
    }, watch);
    expectNoLeak(second, secret);
    expect(second.lines.some((l) => l.includes('pg_restore'))).toBe(true);
    expect(JSON.parse(String(second.result[1]!.stdout).trim())).toMatchObject({ dir: target });
    expect(dotenvValue(target, 'POSTGRES_PASSWORD')).toBe(secret);
    expect(statSync(path.join(target, '.env')).mode & 0o777).toBe(0o600);
    expect(leakingFiles([target, out, data], secret)).toEqual([]);

    // Every archive is 0600, and holds the secret (its .env): the checks above are not vacuous.
    const archives = archivesIn(out).map((n) => path.join(out, n));
    expect(archives).toHaveLength(2);
    for (const archive of archives) {
      expect(statSync(archive).mode & 0o777).toBe(0o600);
      expect(gunzipSync(readFileSync(archive)).toString('latin1')).toContain(secret);
    }
  }, 420_000);
});

const archivesIn = (folder: string) =>
  readdirSync(folder)
    .filter((n) => n.endsWith('.tar.gz'))
    .sort();

/**
 * What every sampled window must show: many samples, no argv with the secret, none in any run's output, and
 * every file the watcher saw that holds it is 0600 and no log; every archive, finished or not, is 0600.
 */
function expectNoLeak(
  runs: { result: Result[]; samples: number; lines: string[]; watched: Watched },
  secret: string,
) {
  expect(runs.samples).toBeGreaterThan(100);
  expect(runs.watched.scans).toBeGreaterThan(10);
  expect(runs.lines.filter((l) => l.includes(secret))).toEqual([]);
  for (const r of runs.result) {
    expect(String(r.stdout)).not.toContain(secret);
    expect(String(r.stderr)).not.toContain(secret);
  }
  const shown = (f: { file: string; mode: number }) => `${f.file} (mode ${f.mode.toString(8)})`;
  expect(
    runs.watched.files
      .filter((f) => f.secret && (f.mode !== 0o600 || f.file.includes(`${path.sep}logs${path.sep}`)))
      .map(shown),
  ).toEqual([]);
  expect(
    runs.watched.files.filter((f) => /\.tar\.gz|\.partial/.test(f.file) && f.mode !== 0o600).map(shown),
  ).toEqual([]);
}
