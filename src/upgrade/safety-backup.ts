// The two calls an upgrade makes into berth backup / restore (src/backup/): the full backup taken before anything
// changes, and putting it back when a migration has touched the data and the upgrade fails.
import type { Context } from '../context.js';
import { composeEnv } from '../compose/docker-compose.js';
import type { Located } from '../steps/locate.js';
import type { OpenInstall } from '../steps/open-install.js';

const installOf = (l: Located, env: Context['env']): OpenInstall => ({
  dir: l.dir,
  state: l.previous.state!,
  composeEnv: composeEnv({ cwd: l.dir, envNames: Object.keys(l.previous.env), env }),
  project: l.project,
});

export async function backUp(
  ctx: Context,
  located: Located,
  quiet: boolean,
): Promise<{ archive: string; bytes: number; seconds: number }> {
  const { createBackup } = await import('../backup/backup.js');
  return createBackup(ctx, installOf(located, ctx.env), { quiet });
}

/** Stops the stack, puts back its files, secrets, volumes, host folders and dumps, and brings it up healthy. */
export async function restore(ctx: Context, archive: string, dir: string, quiet: boolean): Promise<void> {
  const { restoreArchive } = await import('../backup/restore.js');
  await restoreArchive(ctx, archive, {
    dir,
    quiet,
    waitTimeout: ctx.cli.options.waitTimeout,
    noSafety: true,
  });
}
