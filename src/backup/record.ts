// .berth/backups.json: the last backup and the last verified one, for `berth status`.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BERTH_DIR } from '../install-dir/state.js';

export interface BackupEntry {
  archive: string;
  at: string;
  bytes?: number;
}
export interface BackupRecord {
  lastBackup?: BackupEntry;
  lastVerified?: BackupEntry;
}

export const RECORD_FILE = `${BERTH_DIR}/backups.json`;

export function readBackupRecord(dir: string): BackupRecord {
  const file = path.join(dir, RECORD_FILE);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BackupRecord;
  } catch {
    return {};
  }
}

/** Written to a temporary file and renamed: never half written. No folder (a purged install): nothing. */
export function recordBackup(dir: string, key: keyof BackupRecord, entry: BackupEntry): void {
  if (!existsSync(path.join(dir, BERTH_DIR))) return;
  const file = path.join(dir, RECORD_FILE);
  const next = { ...readBackupRecord(dir), [key]: entry };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}
