// Writes the plan into the install folder: refuses to overwrite a user's edit (unless --force), backs up every
// file it changes or removes, and commits the whole set at once (see install-dir/transaction.ts).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BerthError, ExitCode } from '../errors.js';
import { changes } from '../install-dir/plan.js';
import { sha256, STATE_FILE, type InstallState } from '../install-dir/state.js';
import { commitFiles, type TxnFs, realFs } from '../install-dir/transaction.js';
import { USER_OVERRIDE } from '../render/user-override.js';
import { serviceNames } from '../messages.js';
import type { Prepared } from './prepare.js';
import { hostPathOf } from './host-paths.js';

export interface Written {
  backupDir: string | undefined;
  backupName: string | undefined;
  changed: number;
}

export function assertNoUserEdits(p: Pick<Prepared, 'plan' | 'dir'>, force: boolean): void {
  const conflicts = p.plan.filter((e) => e.conflict);
  if (conflicts.length === 0 || force) return;
  throw new BerthError(`${conflicts.length} generated file(s) in ${p.dir} were changed outside berth.`, {
    exitCode: ExitCode.userEdits,
    details: conflicts.map((e) =>
      e.conflict === 'edited'
        ? `${e.path}: edited since berth wrote it`
        : `${e.path}: already exists and was not written by berth`,
    ),
    hint:
      `berth regenerates these files, so edits there would be lost. Move your changes to ${USER_OVERRIDE} ` +
      '(merged last, never touched by berth), or re-run with --force to back them up under .berth/backups/ and overwrite.',
  });
}

export function writeFiles(
  p: Pick<Prepared, 'plan' | 'dir' | 'rendering' | 'recipe' | 'project' | 'previous' | 'target'>,
  meta: { berthVersion: string; now: Date; validated?: string | undefined },
  fs: TxnFs = realFs,
): Written {
  mkdirSync(p.dir, { recursive: true, mode: 0o755 });
  const toWrite = changes(p.plan).filter((e) => e.action !== 'remove');
  const removes = p.plan.filter((e) => e.action === 'remove').map((e) => e.path);
  const state: InstallState = {
    recipe: p.recipe.manifest.name,
    recipeVersion: p.recipe.manifest.version,
    berthVersion: meta.berthVersion,
    files: Object.fromEntries(
      p.rendering.files.filter((f) => f.owner === 'berth').map((f) => [f.path, sha256(f.content)]),
    ),
    updatedAt: meta.now.toISOString(),
    project: p.project,
    ...(p.target === 'swarm' ? { target: 'swarm' as const } : {}),
    ...(meta.validated ? { validated: meta.validated } : {}),
    ...(p.recipe.folder ? { recipeFolder: p.recipe.folder } : {}),
    services: serviceNames(p).map((name) => ({
      name,
      oneshot: p.recipe.manifest.services.some((s) => s.name === name && s.oneshot),
    })),
    urls: p.rendering.urls,
    ...(p.rendering.builds.length > 0 ? { builtImages: p.rendering.builds.map((b) => b.image) } : {}),
    // A once hook that has run stays done across reconfigures.
    ...(p.previous.state?.hooksDone ? { hooksDone: p.previous.state.hooksDone } : {}),
    ...(p.rendering.backup.dumps.length + p.rendering.backup.exclude.length > 0
      ? {
          backup: {
            dumps: p.rendering.backup.dumps.map((d) => ({
              ...d,
              covers: d.covers.map((c) =>
                c.startsWith('/') || c.startsWith('./') ? hostPathOf(p.dir, { path: c }) : c,
              ),
            })),
            exclude: p.rendering.backup.exclude,
          },
        }
      : {}),
    ...(p.rendering.hostPaths.length > 0
      ? {
          hostPaths: p.rendering.hostPaths.map((h) => ({
            path: hostPathOf(p.dir, h),
            description: h.description,
            data: h.data,
          })),
        }
      : {}),
  };
  const unchanged = (s: InstallState | undefined) =>
    JSON.stringify({ ...s, updatedAt: '', berthVersion: '' });
  const filesChange = toWrite.length + removes.length > 0;
  if (!filesChange && unchanged(p.previous.state) === unchanged(state)) {
    return { backupDir: undefined, backupName: undefined, changed: 0 };
  }
  const writes = [
    ...toWrite.map((e) => ({ path: e.path, content: e.file!.content, mode: e.file!.mode })),
    { path: STATE_FILE, content: `${JSON.stringify(state, null, 2)}\n`, mode: 0o600 },
  ];
  // state.json too: a rollback must restore what berth recorded, not just the files.
  const backups = filesChange
    ? [...p.plan.filter((e) => e.action === 'update' || e.action === 'remove').map((e) => e.path), STATE_FILE]
    : [];
  const { backupDir } = commitFiles(
    { dir: p.dir, writes, removes, backups, backupName: meta.now.toISOString().replace(/[:.]/g, '-') },
    fs,
  );
  return {
    backupDir: backupDir && path.relative(p.dir, backupDir),
    backupName: backupDir && path.basename(backupDir),
    changed: toWrite.length + removes.length,
  };
}
