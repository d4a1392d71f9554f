// Writes a set of files into the install folder so that a crash at any moment leaves the old set or the new
// set, never a mix: stage everything under .berth/, back up what changes, write a journal (the commit point),
// then rename into place. The next run finishes a committed journal, or discards an uncommitted stage.
import * as nodeFs from 'node:fs';
import path from 'node:path';
import { BERTH_DIR } from './state.js';

/** The few file operations the transaction uses, so tests can crash it between any two of them. */
export interface TxnFs {
  mkdirSync(dir: string, options: { recursive: true; mode?: number }): unknown;
  writeFileSync(file: string, data: string, options: { mode: number }): void;
  chmodSync(file: string, mode: number): void;
  fsyncPath(file: string): void;
  renameSync(from: string, to: string): void;
  unlinkSync(file: string): void;
  copyFileSync(from: string, to: string): void;
  rmSync(file: string, options: { recursive: true; force: true }): void;
  existsSync(file: string): boolean;
  readFileSync(file: string, encoding: 'utf8'): string;
  readdirSync(dir: string): string[];
  modeOf(file: string): number;
}

export const realFs: TxnFs = {
  mkdirSync: (d, o) => nodeFs.mkdirSync(d, o),
  writeFileSync: (f, d, o) => nodeFs.writeFileSync(f, d, o),
  chmodSync: (f, m) => nodeFs.chmodSync(f, m),
  fsyncPath: (f) => {
    const fd = nodeFs.openSync(f, 'r');
    try {
      nodeFs.fsyncSync(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  },
  renameSync: (a, b) => nodeFs.renameSync(a, b),
  unlinkSync: (f) => nodeFs.unlinkSync(f),
  copyFileSync: (a, b) => nodeFs.copyFileSync(a, b),
  rmSync: (f, o) => nodeFs.rmSync(f, o),
  existsSync: (f) => nodeFs.existsSync(f),
  readFileSync: (f, e) => nodeFs.readFileSync(f, e),
  readdirSync: (d) => nodeFs.readdirSync(d),
  modeOf: (f) => nodeFs.statSync(f).mode & 0o777,
};

export interface TxnWrite {
  path: string;
  content: string;
  mode: number;
}

export interface TxnRequest {
  dir: string;
  writes: readonly TxnWrite[];
  removes: readonly string[];
  /** Existing files to copy into the backup folder before anything changes. */
  backups: readonly string[];
  /** Backup folder name under .berth/backups/ (a timestamp). */
  backupName: string;
}

interface Journal {
  stage: string;
  moves: string[];
  removes: string[];
}

const JOURNAL = 'txn.json';

export function commitFiles(request: TxnRequest, fs: TxnFs = realFs): { backupDir: string | undefined } {
  const berth = path.join(request.dir, BERTH_DIR);
  fs.mkdirSync(berth, { recursive: true, mode: 0o700 });
  recoverPending(request.dir, fs);
  const stageName = `stage-${process.pid}-${Date.now()}`;
  const stage = path.join(berth, stageName);
  for (const w of request.writes) {
    const staged = path.join(stage, w.path);
    fs.mkdirSync(path.dirname(staged), { recursive: true, mode: 0o700 });
    fs.writeFileSync(staged, w.content, { mode: w.mode });
    fs.chmodSync(staged, w.mode); // the umask must not widen or narrow what the recipe asked for
    fs.fsyncPath(staged);
  }
  const backupDir = backup(request, fs);
  const journal: Journal = {
    stage: stageName,
    moves: request.writes.map((w) => w.path),
    removes: [...request.removes],
  };
  const journalTmp = path.join(berth, `${JOURNAL}.tmp`);
  fs.writeFileSync(journalTmp, JSON.stringify(journal), { mode: 0o600 });
  fs.fsyncPath(journalTmp);
  // From the commit point to the last rename, Ctrl-C, SIGTERM or SIGHUP wait: the folder is never left half
  // renamed by them. (SIGKILL cannot wait; the journal lets the next run finish the renames.)
  withSignalsHeld(() => {
    fs.renameSync(journalTmp, path.join(berth, JOURNAL)); // the commit point
    apply(request.dir, journal, fs);
  });
  return { backupDir };
}

const HELD_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `fn` (synchronous) with SIGINT, SIGTERM and SIGHUP held back. While a listener is attached, Node turns a
 * signal into an event that can only run after synchronous code, so one that arrives during `fn` is caught once
 * `fn` is done. The listeners stay until the event loop has been through a poll phase, so that a signal caught
 * meanwhile is not lost, and then it is raised again with nothing holding it: it does what it would have done.
 */
export function withSignalsHeld<T>(fn: () => T): T {
  const caught: NodeJS.Signals[] = [];
  const hold = (signal: NodeJS.Signals) => caught.push(signal);
  for (const signal of HELD_SIGNALS) process.on(signal, hold);
  try {
    return fn();
  } finally {
    // Two turns: the second runs after a poll phase, the one in which a pending signal becomes its event.
    setImmediate(() =>
      setImmediate(() => {
        for (const signal of HELD_SIGNALS) process.off(signal, hold);
        if (caught[0]) process.kill(process.pid, caught[0]);
      }),
    );
  }
}

/** What a backup folder holds, so `restoreBackup` can put the previous set back exactly. */
export interface BackupManifest {
  /** Files that existed, with their modes (the copies themselves are 0600). */
  files: Record<string, number>;
  /** Files this write created: a restore removes them. */
  created: string[];
}
export const BACKUP_MANIFEST = 'backup.json';

function backup(request: TxnRequest, fs: TxnFs): string | undefined {
  const existing = request.backups.filter((rel) => fs.existsSync(path.join(request.dir, rel)));
  if (existing.length === 0) return undefined;
  const dest = path.join(request.dir, BERTH_DIR, 'backups', request.backupName);
  const manifest: BackupManifest = {
    files: {},
    created: request.writes.map((w) => w.path).filter((rel) => !fs.existsSync(path.join(request.dir, rel))),
  };
  for (const rel of existing) {
    const to = path.join(dest, rel);
    fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 });
    manifest.files[rel] = fs.modeOf(path.join(request.dir, rel));
    fs.copyFileSync(path.join(request.dir, rel), to);
    fs.chmodSync(to, 0o600); // backups may hold secrets
  }
  fs.writeFileSync(path.join(dest, BACKUP_MANIFEST), JSON.stringify(manifest, null, 2), { mode: 0o600 });
  return dest;
}

/** Puts the files of a backup back, through the same crash-safe commit (and backs up what it replaces). */
export function restoreBackup(dir: string, backupName: string, fs: TxnFs = realFs): void {
  const source = path.join(dir, BERTH_DIR, 'backups', backupName);
  const manifest = JSON.parse(fs.readFileSync(path.join(source, BACKUP_MANIFEST), 'utf8')) as BackupManifest;
  const writes = Object.entries(manifest.files).map(([rel, mode]) => ({
    path: rel,
    content: fs.readFileSync(path.join(source, rel), 'utf8'),
    mode,
  }));
  commitFiles(
    {
      dir,
      writes,
      removes: manifest.created,
      backups: [...writes.map((w) => w.path), ...manifest.created],
      backupName: `${backupName}-undone`,
    },
    fs,
  );
}

/** Finishes a committed write left by a crashed run; drops stages that never committed. Idempotent. */
export function recoverPending(dir: string, fs: TxnFs = realFs): 'none' | 'completed' {
  const berth = path.join(dir, BERTH_DIR);
  if (!fs.existsSync(berth)) return 'none';
  const journalPath = path.join(berth, JOURNAL);
  let result: 'none' | 'completed' = 'none';
  if (fs.existsSync(journalPath)) {
    apply(dir, JSON.parse(fs.readFileSync(journalPath, 'utf8')) as Journal, fs);
    result = 'completed';
  }
  for (const name of fs.readdirSync(berth)) {
    if (name.startsWith('stage-') || name === `${JOURNAL}.tmp`) {
      fs.rmSync(path.join(berth, name), { recursive: true, force: true });
    }
  }
  return result;
}

function apply(dir: string, journal: Journal, fs: TxnFs): void {
  const stage = path.join(dir, BERTH_DIR, journal.stage);
  for (const rel of journal.moves) {
    const staged = path.join(stage, rel);
    if (!fs.existsSync(staged)) continue; // moved before a crash
    const target = path.join(dir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.renameSync(staged, target);
  }
  for (const rel of journal.removes) {
    const target = path.join(dir, rel);
    if (fs.existsSync(target)) fs.unlinkSync(target);
  }
  fs.unlinkSync(path.join(dir, BERTH_DIR, JOURNAL));
  fs.rmSync(stage, { recursive: true, force: true });
}
