// `berth backup` and `berth restore`: the commands around src/backup/ — what they print, and --json.
import path from 'node:path';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { readPreviousInstall } from '../install-dir/state.js';
import { createBackup } from '../backup/backup.js';
import { rateText, sizeText } from '../backup/meter.js';
import { restoreArchive, verifyArchive } from '../backup/restore.js';
import { openInstall } from '../steps/open-install.js';
import { refuseOnSwarm } from '../swarm/unsupported.js';

export async function backupCommand(ctx: Context): Promise<number> {
  const o = ctx.cli.options;
  if (ctx.cli.positionals.length > 0)
    throw new UsageError(`berth backup takes no arguments (got ${ctx.cli.positionals.join(' ')}).`, {
      hint: 'Name the folder for the archive with --output DIR.',
    });
  const install = openInstall(ctx);
  refuseOnSwarm(install.state, install.dir, 'backup');
  if (!o.json) ctx.stderr.write(`Backing up ${install.project} (${install.dir})…\n`);
  const result = await createBackup(ctx, install, { output: o.output, keep: o.keep, quiet: o.json });
  const verified = o.verify
    ? await verifyArchive(ctx, result.archive, {
        quiet: o.json,
        recordIn: install.dir,
        waitTimeout: o.waitTimeout,
      })
    : undefined;
  if (o.json) {
    ctx.stdout.write(
      `${JSON.stringify({ ...result, verified: verified !== undefined, ...(verified ? { verifySeconds: verified.seconds } : {}) })}\n`,
    );
    return 0;
  }
  ctx.stdout.write(
    [
      `✔ Backup written: ${result.archive}`,
      `  ${sizeText(result.bytes)} (${sizeText(result.contentBytes)} before compression) in ${result.seconds.toFixed(1)} s, ${rateText(result.contentBytes, result.seconds)}`,
      ...(verified
        ? [
            `✔ Verified: restored into a throwaway project, healthy, databases open (${verified.seconds.toFixed(1)} s)`,
          ]
        : []),
      '  It holds the install’s secrets (.env): it is readable by you only (0600). Keep it somewhere safe, off',
      '  this machine too.',
      `  Restore with: berth restore ${result.archive}${verified ? '' : '   (check it first: berth restore --verify …)'}`,
      '',
    ].join('\n'),
  );
  return 0;
}

export async function restoreCommand(ctx: Context): Promise<number> {
  const o = ctx.cli.options;
  const [archiveArg, ...extra] = ctx.cli.positionals;
  if (!archiveArg || extra.length > 0)
    throw new UsageError(
      archiveArg
        ? `berth restore takes one archive (got ${ctx.cli.positionals.join(' ')}).`
        : 'Name the archive to restore.',
      { hint: 'berth restore /var/backups/berth/NAME.tar.gz [--dir DIR]' },
    );
  const archive = path.resolve(ctx.cwd, archiveArg);
  if (o.verify) {
    const v = await verifyArchive(ctx, archive, { quiet: o.json, waitTimeout: o.waitTimeout });
    ctx.stdout.write(
      o.json
        ? `${JSON.stringify({ archive, verified: true, seconds: v.seconds })}\n`
        : `✔ ${archive} is sound: restored into a throwaway project, healthy, databases open (${v.seconds.toFixed(1)} s). Nothing else was touched.\n`,
    );
    return 0;
  }
  // A swarm install named by --dir is refused before the archive is read (restoreArchive checks the archive's own
  // folder too, once it has read where that is).
  if (o.dir) {
    const dir = path.resolve(ctx.cwd, o.dir);
    refuseOnSwarm(readPreviousInstall(dir).state, dir, 'restore');
  }
  const r = await restoreArchive(ctx, archive, { dir: o.dir, quiet: o.json, waitTimeout: o.waitTimeout });
  ctx.stdout.write(
    o.json
      ? `${JSON.stringify({ archive, dir: r.dir, project: r.project, seconds: r.seconds })}\n`
      : `✔ Restored ${r.project} into ${r.dir} in ${r.seconds.toFixed(1)} s: every service is healthy and each database opens.\n  berth status --dir ${r.dir}\n`,
  );
  return 0;
}
