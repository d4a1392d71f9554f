// What a run will do to the install folder, file by file — and whether it would overwrite a user's edit.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RenderedFile } from '../render/render-recipe.js';
import { sha256, type InstallState } from './state.js';

export type FileAction = 'create' | 'update' | 'unchanged' | 'keep' | 'remove';
export type Conflict = 'edited' | 'unmanaged';

export interface PlanEntry {
  path: string;
  action: FileAction;
  /** The new content, for create/update. */
  file?: RenderedFile;
  /** Set when the file on disk is not what berth last wrote. */
  conflict?: Conflict;
}

export function planFiles(
  dir: string,
  files: readonly RenderedFile[],
  state: InstallState | undefined,
): PlanEntry[] {
  const recorded = state?.files ?? {};
  const entries: PlanEntry[] = files.map((file) => planOne(dir, file, recorded[file.path]));
  const rendered = new Set(files.map((f) => f.path));
  for (const [rel, hash] of Object.entries(recorded)) {
    if (rendered.has(rel)) continue;
    const disk = readIfExists(path.join(dir, rel));
    if (disk === undefined) continue;
    entries.push({
      path: rel,
      action: 'remove',
      ...(sha256(disk) !== hash ? { conflict: 'edited' as const } : {}),
    });
  }
  return entries;
}

function planOne(dir: string, file: RenderedFile, recordedHash: string | undefined): PlanEntry {
  const target = path.join(dir, file.path);
  const disk = readIfExists(target);
  if (disk === undefined) return { path: file.path, action: 'create', file };
  if (file.owner === 'user') return { path: file.path, action: 'keep' };
  const sameContent = disk.equals(Buffer.from(file.content));
  const sameMode = (statSync(target).mode & 0o777) === file.mode;
  if (sameContent && sameMode) return { path: file.path, action: 'unchanged' };
  // berth.yaml is meant to be edited (it is the answers berth reads back), so edits there are no conflict.
  let conflict: Conflict | undefined;
  if (!sameContent && file.kind !== 'answers') {
    if (recordedHash === undefined) conflict = 'unmanaged';
    else if (sha256(disk) !== recordedHash) conflict = 'edited';
  }
  return { path: file.path, action: 'update', file, ...(conflict ? { conflict } : {}) };
}

function readIfExists(file: string): Buffer | undefined {
  return existsSync(file) ? readFileSync(file) : undefined;
}

/** The one word for each action, in the printed plan and the wizard's review alike (padded to one width). */
export const actionWord: Record<FileAction, string> = {
  create: 'new      ',
  update: 'changed  ',
  unchanged: 'unchanged',
  keep: 'kept     ',
  remove: 'removed  ',
};

export const changes = (plan: readonly PlanEntry[]) =>
  plan.filter((e) => e.action === 'create' || e.action === 'update' || e.action === 'remove');
