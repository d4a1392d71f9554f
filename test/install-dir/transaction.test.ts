// Staged writes: a crash at any moment of commitFiles, followed by recoverPending, leaves exactly the old set of
// files or exactly the new set — content and modes — never a mix, and no stage or journal behind.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  watch,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  commitFiles,
  realFs,
  restoreBackup,
  BACKUP_MANIFEST,
  recoverPending,
  type TxnFs,
  type TxnRequest,
} from '../../src/install-dir/transaction.js';
import { repoRoot, tempDir } from '../helpers.js';

type Snapshot = Record<string, { content: string; mode: string }>;
interface FileSpec {
  path: string;
  content: string;
  mode: number;
}

/** Every regular file under dir (backups excluded), with its content and mode. */
function snapshot(dir: string): Snapshot {
  const out: Snapshot = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      if (child === '.berth/backups') continue;
      const full = path.join(dir, child);
      const st = statSync(full);
      if (st.isDirectory()) walk(child);
      else out[child] = { content: readFileSync(full, 'utf8'), mode: (st.mode & 0o777).toString(8) };
    }
  };
  walk('');
  return out;
}

const asSnapshot = (files: readonly FileSpec[]): Snapshot =>
  Object.fromEntries(
    [...files]
      .sort((a, b) => a.path.localeCompare(b.path))
      .map((f) => [f.path, { content: f.content, mode: f.mode.toString(8) }]),
  );

function writeSet(dir: string, files: readonly FileSpec[]): void {
  for (const f of files) {
    const full = path.join(dir, f.path);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, f.content);
    chmodSync(full, f.mode);
  }
}

/** What is left in .berth/ besides the backups and state.json: stages, journals, their temp files. */
const leftovers = (dir: string): string[] =>
  existsSync(path.join(dir, '.berth'))
    ? readdirSync(path.join(dir, '.berth')).filter((n) => n !== 'backups' && n !== 'state.json')
    : [];

class Crash extends Error {}

/** realFs that performs `limit` operations, then throws on the next one, as if the process died there. */
function crashingFs(limit: number, log?: string[]): TxnFs {
  let done = 0;
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(realFs) as [string, (...a: unknown[]) => unknown][]) {
    wrapped[name] = (...args: unknown[]) => {
      if (done >= limit) throw new Crash(`crash before ${name} #${done}`);
      done++;
      log?.push(`${name} ${String(args[0])}${typeof args[1] === 'string' ? ` -> ${args[1]}` : ''}`);
      return fn(...args);
    };
  }
  return wrapped as unknown as TxnFs;
}

// The old set: two files rewritten (one with a new mode), one untouched, one removed, one in a sub-folder.
const OLD: FileSpec[] = [
  { path: 'a.txt', content: 'old a\n', mode: 0o644 },
  { path: 'secret.env', content: 'OLD_SECRET=1\n', mode: 0o600 },
  { path: 'keep.txt', content: 'keep\n', mode: 0o644 },
  { path: 'gone.txt', content: 'gone\n', mode: 0o644 },
  { path: 'sub/b.txt', content: 'old b\n', mode: 0o640 },
];
const WRITES: FileSpec[] = [
  { path: 'a.txt', content: 'new a\n', mode: 0o644 },
  { path: 'secret.env', content: 'NEW_SECRET=2\n', mode: 0o600 },
  { path: 'sub/b.txt', content: 'new b\n', mode: 0o600 },
  { path: 'new.txt', content: 'created\n', mode: 0o644 },
  { path: 'deep/nested/c.txt', content: 'created c\n', mode: 0o600 },
  { path: '.berth/state.json', content: '{"files":{}}\n', mode: 0o600 },
];
const REMOVES = ['gone.txt'];
const NEW: FileSpec[] = [
  ...WRITES,
  ...OLD.filter((o) => !REMOVES.includes(o.path) && !WRITES.some((w) => w.path === o.path)),
];

const request = (dir: string): TxnRequest => ({
  dir,
  writes: WRITES,
  removes: REMOVES,
  backups: ['a.txt', 'secret.env', 'sub/b.txt', 'gone.txt'],
  backupName: '2024-01-01T00-00-00-000Z',
});

function freshOldDir(): string {
  const dir = tempDir('berth-txn-');
  writeSet(dir, OLD);
  return dir;
}

describe('commitFiles crashing after every possible number of operations', () => {
  const log: string[] = [];
  commitFiles(request(freshOldDir()), crashingFs(Infinity, log));
  const total = log.length;
  const commitPoint = log.findIndex((l) => /^renameSync .*txn\.json\.tmp -> .*txn\.json$/.test(l));

  it('counts the operations of a full commit and finds the journal rename among them', () => {
    expect(commitPoint).toBeGreaterThan(0);
    expect(total).toBeGreaterThan(commitPoint + WRITES.length); // the moves into place come after it
    expect(asSnapshot(OLD)).not.toEqual(asSnapshot(NEW));
  });

  it.each(Array.from({ length: total + 1 }, (_, n) => n))(
    'after %i operation(s): recovery leaves exactly the old or exactly the new set',
    (n) => {
      const dir = freshOldDir();
      if (n < total) expect(() => commitFiles(request(dir), crashingFs(n))).toThrow(Crash);
      else commitFiles(request(dir), crashingFs(n));
      const journalLeft = existsSync(path.join(dir, '.berth/txn.json'));

      expect(recoverPending(dir)).toBe(journalLeft ? 'completed' : 'none');
      // The journal rename is the commit point: before it the old set survives, after it the new one.
      expect(snapshot(dir)).toEqual(asSnapshot(n <= commitPoint ? OLD : NEW));
      expect(leftovers(dir)).toEqual([]);
      // Recovery is idempotent, and an interrupted install can simply be run again.
      expect(recoverPending(dir)).toBe('none');
      commitFiles(request(dir));
      expect(snapshot(dir)).toEqual(asSnapshot(NEW));
      expect(leftovers(dir)).toEqual([]);
    },
  );

  it('a recovery that itself crashes at any step still ends in the new set once run again', () => {
    let cases = 0;
    for (let n = commitPoint + 1; n < total; n++) {
      // How many operations does recovering from this crash take?
      const probe = freshOldDir();
      expect(() => commitFiles(request(probe), crashingFs(n))).toThrow(Crash);
      const recoveryLog: string[] = [];
      recoverPending(probe, crashingFs(Infinity, recoveryLog));
      for (let m = 0; m < recoveryLog.length; m++) {
        const dir = freshOldDir();
        expect(() => commitFiles(request(dir), crashingFs(n))).toThrow(Crash);
        expect(() => recoverPending(dir, crashingFs(m))).toThrow(Crash);
        recoverPending(dir);
        expect(snapshot(dir), `commit crash after ${n}, recovery crash after ${m}`).toEqual(asSnapshot(NEW));
        expect(leftovers(dir)).toEqual([]);
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(0);
  });
});

describe('commitFiles killed with SIGKILL', () => {
  const COUNT = 300;
  const oldSet: FileSpec[] = Array.from({ length: COUNT }, (_, i) => ({
    path: `f/${String(i).padStart(3, '0')}.txt`,
    content: `old ${i}\n`.repeat(20),
    mode: 0o644,
  }));
  // Rewrite two thirds (every third one also changes mode), remove one, and create a hundred more.
  const writes: FileSpec[] = [
    ...oldSet
      .filter((_, i) => i % 3 !== 0)
      .map((f, i) => ({
        path: f.path,
        content: f.content.replaceAll('old', 'new'),
        mode: i % 3 === 1 ? 0o600 : 0o644,
      })),
    ...Array.from({ length: 100 }, (_, i) => ({
      path: `g/${i}.txt`,
      content: `created ${i}\n`,
      mode: 0o640,
    })),
  ];
  const removes = [oldSet[0]!.path];
  const newSet: FileSpec[] = [
    ...writes,
    ...oldSet.filter((o) => !removes.includes(o.path) && !writes.some((w) => w.path === o.path)),
  ];
  const child = path.join(repoRoot, 'test/install-dir/commit-child.ts');
  /**
   * The child with the real commitFiles, bundled once (esbuild, well under a second) and run by plain node: under
   * `--import tsx` each of the 31 children spent one to three seconds starting, five at a time on two cores.
   */
  const bundleChild = async (): Promise<string> => {
    const outfile = path.join(tempDir('berth-commit-child-'), 'commit-child.cjs');
    await build({
      entryPoints: [child],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'error',
    });
    return outfile;
  };

  type Kill = { after: 'start' | 'journal'; delayMs: number } | undefined;

  /**
   * Runs the child; SIGKILLs it `delayMs` after it says it starts, or after the journal (the commit point)
   * appears in .berth/ — watched with inotify, so the child runs the plain realFs.
   */
  function runChild(
    bundled: string,
    dir: string,
    kill: Kill,
  ): Promise<{ killed: boolean; elapsedMs: number }> {
    const req: TxnRequest = {
      dir,
      writes,
      removes,
      backups: [...writes.map((w) => w.path), ...removes],
      backupName: 'killed',
    };
    const reqFile = path.join(dir, '..', `${path.basename(dir)}.json`);
    writeFileSync(reqFile, JSON.stringify(req));
    return new Promise((resolve, reject) => {
      const proc = spawn(process.execPath, [bundled, reqFile], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const killIn = (ms: number) =>
        ms === 0 ? proc.kill('SIGKILL') : setTimeout(() => proc.kill('SIGKILL'), ms);
      const watcher =
        kill?.after === 'journal'
          ? watch(path.join(dir, '.berth'), (_event, name) => {
              if (name === 'txn.json') {
                watcher?.close();
                killIn(kill.delayMs);
              }
            })
          : undefined;
      let started = 0;
      let out = '';
      proc.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (started === 0 && out.includes('start\n')) {
          started = performance.now();
          if (kill?.after === 'start') killIn(kill.delayMs);
        }
      });
      proc.on('error', reject);
      proc.on('close', (code, signal) => {
        watcher?.close();
        const elapsedMs = performance.now() - started;
        if (signal === 'SIGKILL') resolve({ killed: !out.includes('done\n'), elapsedMs });
        else if (code === 0 && out.includes('done\n')) resolve({ killed: false, elapsedMs });
        else reject(new Error(`child exited with ${code}: ${out}`));
      });
    });
  }

  it('leaves the old or the new set of a few hundred files, never a mix', { timeout: 180_000 }, async () => {
    const base = tempDir('berth-kill-');
    const timing = path.join(base, 'timing');
    writeSet(timing, oldSet);
    const bundled = await bundleChild();
    const { elapsedMs: commitMs } = await runChild(bundled, timing, undefined);
    expect(snapshot(timing)).toEqual(asSnapshot(newSet));

    const ITERATIONS = 30;
    const PARALLEL = 5; // a few children at once
    const outcomes: string[] = [];
    const iteration = async (i: number) => {
      const dir = path.join(base, `run${i}`);
      writeSet(dir, oldSet);
      mkdirSync(path.join(dir, '.berth'), { mode: 0o700 }); // as a previous install leaves it, so it can be watched
      // Even runs: spread over staging and backup. Odd runs: just after the commit point, during the moves.
      const k = Math.floor(i / 2);
      const kill: Kill =
        i % 2 === 0
          ? { after: 'start', delayMs: Math.round((k / (ITERATIONS / 2)) * commitMs) }
          : { after: 'journal', delayMs: k % 4 };
      const { killed } = await runChild(bundled, dir, kill);
      const pending = existsSync(path.join(dir, '.berth/txn.json'));
      recoverPending(dir);
      const snap = snapshot(dir);
      const which = equal(snap, asSnapshot(oldSet))
        ? 'old'
        : equal(snap, asSnapshot(newSet))
          ? 'new'
          : 'MIXED';
      outcomes.push(
        `${kill.after}+${kill.delayMs}ms:${killed ? 'killed' : 'finished'}${pending ? '+journal' : ''}:${which}`,
      );
      expect(which, outcomes.join(' ')).not.toBe('MIXED');
      expect(leftovers(dir)).toEqual([]);
    };
    for (let i = 0; i < ITERATIONS; i += PARALLEL) {
      await Promise.all(Array.from({ length: PARALLEL }, (_, j) => iteration(i + j)));
    }
    console.log(
      `commit of ${writes.length} files took ${commitMs.toFixed(0)}ms; outcomes: ${outcomes.join(' ')}`,
    );
    // The kills really landed mid-commit: some before the commit point (old set kept), some after (new set).
    expect(outcomes.some((o) => o.startsWith('start') && o.endsWith(':killed:old'))).toBe(true);
    expect(outcomes.filter((o) => o.startsWith('journal')).every((o) => o.endsWith(':new'))).toBe(true);
  });
});

const equal = (a: Snapshot, b: Snapshot) => JSON.stringify(a) === JSON.stringify(b);

describe('backups', () => {
  it('copies each previous file to .berth/backups/<name>/, mode 0600, with its previous content', () => {
    const dir = freshOldDir();
    const { backupDir } = commitFiles({
      ...request(dir),
      backups: [...request(dir).backups, 'never-existed.txt'],
    });
    expect(backupDir).toBe(path.join(dir, '.berth/backups/2024-01-01T00-00-00-000Z'));
    const backedUp = snapshot(backupDir!);
    const { 'backup.json': manifest, ...copies } = backedUp;
    expect(copies).toEqual({
      'a.txt': { content: 'old a\n', mode: '600' },
      'gone.txt': { content: 'gone\n', mode: '600' },
      'secret.env': { content: 'OLD_SECRET=1\n', mode: '600' },
      'sub/b.txt': { content: 'old b\n', mode: '600' },
    });
    // The manifest keeps the real modes (the copies are all 0600) and what this write created.
    const parsed = JSON.parse(manifest!.content) as { files: Record<string, number>; created: string[] };
    expect(parsed.files).toEqual({
      'a.txt': 0o644,
      'secret.env': 0o600,
      'gone.txt': 0o644,
      'sub/b.txt': 0o640,
    });
    expect(parsed.created).toEqual(['new.txt', 'deep/nested/c.txt', '.berth/state.json']);
    expect((statSync(path.join(dir, '.berth')).mode & 0o777).toString(8)).toBe('700');
    expect(snapshot(dir)).toEqual(asSnapshot(NEW));
  });

  it('makes no backup folder when nothing it lists exists yet', () => {
    const dir = tempDir('berth-txn-');
    const { backupDir } = commitFiles({ ...request(dir), removes: [] });
    expect(backupDir).toBeUndefined();
    expect(existsSync(path.join(dir, '.berth/backups'))).toBe(false);
  });
});

describe('restoreBackup', () => {
  it('puts the previous set back exactly (content and modes) and removes what the write created', () => {
    const dir = freshOldDir();
    const { backupDir } = commitFiles(request(dir));
    expect(snapshot(dir)).toEqual(asSnapshot(NEW));
    restoreBackup(dir, path.basename(backupDir!));
    expect(snapshot(dir)).toEqual(asSnapshot(OLD));
    // What the restore replaced is kept too, next to the original backup.
    expect(existsSync(`${backupDir!}-undone/${BACKUP_MANIFEST}`)).toBe(true);
  });
});
