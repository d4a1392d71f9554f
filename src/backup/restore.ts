// `berth restore ARCHIVE` and `--verify`: every sum checked before anything changes; then the install folder,
// secrets, volumes, host folders and database dumps put back, the stack brought up healthy and each database's
// check run. A restore over an install first backs that install up, and puts it back if the restore fails. A
// verification does all of it in a throwaway project (no published ports, host folders redirected) and removes it.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Context } from '../context.js';
import { BerthError, ExitCode } from '../errors.js';
import { readPreviousInstall } from '../install-dir/state.js';
import { installIn } from '../steps/open-install.js';
import { refuseOnSwarm } from '../swarm/unsupported.js';
import { checkArchive, type BackupManifest, type CheckedArchive } from './manifest.js';
import { composeConfig, engineArch, removeCarriers, type Where } from './engine.js';
import { putBack } from './put-back.js';
import { recordBackup } from './record.js';
import { createBackup, defaultBackupDir } from './backup.js';
import { sizeText } from './meter.js';
import { verifyOverride, VERIFY_FILE } from './verify-override.js';

export interface RestoreOptions {
  /** The install folder to restore into (default: the one the backup was taken from). */
  dir?: string | undefined;
  quiet?: boolean | undefined;
  waitTimeout?: number | undefined;
  /** What is there now is not backed up first: a failed restore's safety backup going back, or a failed upgrade
   * rolled back to the backup taken before it (the failed state is not worth keeping, and the archive stays). */
  noSafety?: boolean | undefined;
}

const say = (ctx: Context, quiet: boolean | undefined, text: string) => {
  if (!quiet) ctx.stderr.write(text);
};

/** Restores an archive into a folder (its own by default); returns the folder and project. */
export async function restoreArchive(
  ctx: Context,
  archive: string,
  opts: RestoreOptions = {},
): Promise<{ dir: string; project: string; seconds: number }> {
  const started = Date.now();
  const checked = await checkArchive(archive);
  const m = checked.manifest;
  const dir = path.resolve(ctx.cwd, opts.dir ?? m.dir);
  say(ctx, opts.quiet, `✔ ${path.basename(archive)}: ${checked.members} members, every SHA256 sum matches\n`);
  const env = ctx.env as Record<string, string>;
  const probe: Where = { exec: ctx.exec, dir: os.tmpdir(), env };
  await refuseMismatch(probe, archive, checked);
  const previous = existsSync(dir) ? readPreviousInstall(dir) : undefined;
  refuseOnSwarm(previous?.state, dir, 'restore');
  const replacing = previous?.state !== undefined;
  if (replacing && (previous.env.COMPOSE_PROJECT_NAME ?? previous.state!.project) !== m.project)
    throw new BerthError(
      `${dir} holds another install (${previous.state!.recipe}, project ${previous.env.COMPOSE_PROJECT_NAME ?? previous.state!.project}).`,
      {
        exitCode: ExitCode.usage,
        hint: `Restore into a new folder: berth restore ${archive} --dir /opt/${m.project}-restored`,
      },
    );
  if (!replacing && existsSync(dir) && readdirSync(dir).length > 0)
    throw new BerthError(
      `${dir} is not empty and holds no berth install: restoring there could mix two things.`,
      {
        exitCode: ExitCode.usage,
        hint: 'Give an empty or new folder with --dir.',
      },
    );
  await refuseProjectInUse(probe, m.project, dir);
  if (!replacing) refuseFullHostFolders(m);
  refuseNoSpace(dir, checked);
  let safety: string | undefined;
  if (replacing) {
    const install = installIn(dir, env)!;
    if (!opts.noSafety) {
      say(
        ctx,
        opts.quiet,
        `Backing up the install that is there now, to put it back if the restore fails…\n`,
      );
      const pre = await createBackup(ctx, install, {
        output: path.join(
          defaultBackupDir(ctx.facts, ctx.env),
          `.pre-restore-${m.project}-${randomBytes(4).toString('hex')}.tar.gz`,
        ),
        quiet: true,
      });
      safety = pre.archive;
    }
    await takeDown(install.dir, install.composeEnv, ctx, install.state.hostPaths ?? [], m);
  }
  const createdDir = !existsSync(dir);
  try {
    await putBack(ctx, archive, m, {
      dir,
      project: m.project,
      hostPath: (p) => p,
      quiet: opts.quiet,
      waitTimeout: opts.waitTimeout,
    });
  } catch (error) {
    say(ctx, false, `✖ The restore failed: ${(error as Error).message}\n`);
    const now = installIn(dir, env);
    if (now) await takeDown(dir, now.composeEnv, ctx, now.state.hostPaths ?? [], m);
    if (safety) {
      say(ctx, false, 'Putting back the install that was there before…\n');
      // The default wait: a short --wait-timeout may be what failed the restore.
      await restoreArchive(ctx, safety, { dir, quiet: true, noSafety: true });
      rmSync(safety, { force: true });
      throw withHint(error, `The install that was there before is back, as it was.`);
    }
    if (createdDir) rmSync(dir, { recursive: true, force: true });
    throw withHint(error, `Nothing of the restore was kept${createdDir ? ` (${dir} removed)` : ''}.`);
  }
  if (safety) rmSync(safety, { force: true });
  // The restored install's last backup is the one it came from (its own record was written after it).
  recordBackup(dir, 'lastBackup', { archive, at: m.createdAt });
  return { dir, project: m.project, seconds: (Date.now() - started) / 1000 };
}

/**
 * Restores the archive into a throwaway project in a temporary folder — no published ports, host folders in the
 * temporary folder, the project's own network addresses — waits for health, runs each database's check, then
 * removes all of it. Records the verification in the install's .berth/backups.json when there is one.
 */
export async function verifyArchive(
  ctx: Context,
  archive: string,
  opts: { quiet?: boolean | undefined; recordIn?: string | undefined; waitTimeout?: number | undefined } = {},
): Promise<{ seconds: number }> {
  const started = Date.now();
  const checked = await checkArchive(archive);
  const m = checked.manifest;
  say(ctx, opts.quiet, `✔ ${path.basename(archive)}: ${checked.members} members, every SHA256 sum matches\n`);
  const probe: Where = { exec: ctx.exec, dir: os.tmpdir(), env: ctx.env as Record<string, string> };
  await refuseMismatch(probe, archive, checked);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-verify-'));
  const project = `${m.project}-verify-${randomBytes(3).toString('hex')}`;
  const hostRoot = path.join(dir, '.berth-verify-hostpaths');
  const redirect = (p: string) => path.join(hostRoot, p.replace(/[^A-Za-z0-9._-]+/g, '_'));
  say(ctx, opts.quiet, `Verifying by restoring into the throwaway project ${project}…\n`);
  try {
    await putBack(ctx, archive, m, {
      dir,
      project,
      hostPath: redirect,
      quiet: opts.quiet,
      waitTimeout: opts.waitTimeout,
      beforeStart: async (w) => {
        const config = await composeConfig(w);
        writeFileSync(path.join(dir, VERIFY_FILE), verifyOverride(config, m, redirect), { mode: 0o644 });
      },
    });
  } finally {
    const env = installIn(dir, ctx.env)?.composeEnv;
    if (env) {
      await ctx.exec('docker', ['compose', 'down', '--volumes', '--remove-orphans', '--timeout', '5'], {
        cwd: dir,
        env,
        timeoutMs: 300_000,
      });
      await removeCarriers({ exec: ctx.exec, dir, env }, project);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  if (opts.recordIn) recordBackup(opts.recordIn, 'lastVerified', { archive, at: ctx.now().toISOString() });
  return { seconds: (Date.now() - started) / 1000 };
}

/** Stops the stack and empties what the restore fills: its volumes, and the host folders it puts back. */
async function takeDown(
  dir: string,
  env: Record<string, string>,
  ctx: Context,
  hostPaths: readonly { path: string; data: boolean }[],
  m: BackupManifest,
): Promise<void> {
  const down = await ctx.exec('docker', ['compose', 'down', '--volumes', '--remove-orphans'], {
    cwd: dir,
    env,
    timeoutMs: 300_000,
  });
  if (down.exitCode !== 0)
    throw new BerthError(`Could not stop the stack in ${dir}: ${down.stderr.trim().split('\n').pop()}`);
  const filled = new Set([...m.hostPaths.map((h) => h.path), ...m.dumps.flatMap((d) => d.covers)]);
  for (const h of hostPaths.filter((x) => x.data && filled.has(x.path) && existsSync(x.path)))
    for (const name of readdirSync(h.path)) rmSync(path.join(h.path, name), { recursive: true, force: true });
}

/**
 * A host folder the restore fills that already holds files (a data folder an uninstall kept) would be mixed with
 * the backup — a dump loaded over old data. Only a restore over its own install empties them (after its backup).
 */
export function refuseFullHostFolders(m: BackupManifest): void {
  const paths = [...m.hostPaths.map((h) => h.path), ...m.emptyHostPaths.map((h) => h.path)];
  const full = paths.filter((p) => existsSync(p) && readdirSync(p).length > 0);
  if (full.length > 0)
    throw new BerthError(
      `${full.join(', ')} already ${full.length > 1 ? 'hold' : 'holds'} files; the backup would be mixed with them.`,
      {
        exitCode: ExitCode.usage,
        hint: `Nothing was changed. Move ${full.length > 1 ? 'them' : 'it'} aside (mv ${full[0]} ${full[0]}.old) or delete ${full.length > 1 ? 'them' : 'it'}, then restore again.`,
      },
    );
}

export async function refuseMismatch(w: Where, archive: string, checked: CheckedArchive): Promise<void> {
  const bound = checked.manifest.volumes.filter((v) => v.archBound);
  if (bound.length === 0) return;
  const here = await engineArch(w);
  if (here !== checked.manifest.arch)
    throw new BerthError(
      `${archive} holds raw database files (${bound.map((v) => v.key).join(', ')}) written on ${checked.manifest.arch}; this engine is ${here}, which cannot read them.`,
      {
        exitCode: ExitCode.usage,
        hint: 'Restore it on a machine of the same architecture, or take a new backup while the stack runs (a dump moves between architectures).',
      },
    );
}

/** Containers of the same project that belong to another folder would be taken over by this restore. */
async function refuseProjectInUse(w: Where, project: string, dir: string): Promise<void> {
  const r = await w.exec(
    'docker',
    [
      'ps',
      '-a',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      '--format',
      '{{.Label "com.docker.compose.project.working_dir"}}',
    ],
    { env: w.env, timeoutMs: 30_000 },
  );
  const others = [...new Set(r.stdout.split('\n').filter((d) => d && path.resolve(d) !== dir))];
  if (others.length > 0)
    throw new BerthError(
      `The compose project ${project} already runs on this engine, from ${others.join(', ')}.`,
      {
        exitCode: ExitCode.usage,
        hint: `Restore into that folder (--dir ${others[0]}), or remove that install first (berth uninstall --dir ${others[0]}).`,
      },
    );
}

/** The install folder's filesystem needs room for the files and dumps; the engine's for the volumes. */
export function refuseNoSpace(dir: string, checked: CheckedArchive): void {
  let probe = dir;
  while (!existsSync(probe)) probe = path.dirname(probe);
  const { bavail, bsize } = statfsSync(probe);
  const free = bavail * bsize;
  const need = checked.totalBytes * 1.1 + 64e6;
  if (free < need)
    throw new BerthError(
      `Not enough disk space to restore: ${sizeText(need)} needed near ${probe}, ${sizeText(free)} free.`,
      {
        exitCode: ExitCode.usage,
        hint: 'Free some space (docker system df shows what Docker holds), or restore onto a larger disk.',
      },
    );
}

function withHint(error: unknown, more: string): BerthError {
  if (error instanceof BerthError)
    return new BerthError(error.message, {
      exitCode: error.exitCode,
      hint: `${more} ${error.hint ?? ''}`.trim(),
    });
  return new BerthError((error as Error).message, { hint: more });
}
