// When a reconfigured stack fails to come up, put the previous files back and bring the previous stack up
// again, so a bad change does not leave the user with nothing running.
import type { Context } from '../context.js';
import { BerthError, ExitCode } from '../errors.js';
import { restoreBackup } from '../install-dir/transaction.js';
import type { Prepared } from './prepare.js';
import { startStack, type StackStartError, type StartOptions } from './start-stack.js';

export async function rollBack(
  p: Pick<Prepared, 'dir' | 'recipe' | 'project'>,
  backupName: string,
  failure: StackStartError,
  ctx: Parameters<typeof startStack>[1] & Pick<Context, 'stdout'>,
  waitTimeout: number,
  output: StartOptions['output'],
): Promise<never> {
  const engineGone = failure.reason === 'daemon-unreachable';
  ctx.stdout.write(
    `\n✖ ${failure.message}\nRolling back: restoring the previous configuration from .berth/backups/${backupName}/` +
      `${engineGone ? ' (not started: the engine does not answer)' : ' and starting it again'}…\n`,
  );
  restoreBackup(p.dir, backupName);
  if (engineGone) {
    // Without an engine nothing can start: the previous files are back, and the next run brings them up.
    throw new BerthError(
      `${failure.message} The previous configuration's files were put back; nothing could be started without the engine.`,
      {
        exitCode: ExitCode.compose,
        cause: failure,
        details: failure.details,
        hint:
          `Start the Docker engine, then run berth install --dir ${p.dir} --yes to bring the previous configuration ` +
          `up again (its answers are the defaults). Your new answers are in .berth/backups/${backupName}-undone/.`,
      },
    );
  }
  try {
    await startStack(p, ctx, waitTimeout, { output });
  } catch (error) {
    throw new BerthError(
      `${failure.message} Rolling back did not help either: the previous configuration failed too.`,
      {
        exitCode: ExitCode.compose,
        cause: error,
        details: [...failure.details, ...(error instanceof BerthError ? error.details : [])],
        hint: `${failure.hint ?? ''} The new configuration is kept in .berth/backups/${backupName}-undone/.`.trim(),
      },
    );
  }
  throw new BerthError(`${failure.message} The previous configuration was restored and is running again.`, {
    exitCode: ExitCode.compose,
    cause: failure,
    details: failure.details,
    hint:
      `${failure.hint ?? ''} Your new answers were not applied; the files that failed are in ` +
      `.berth/backups/${backupName}-undone/. Fix the cause and re-run berth install, or --no-rollback to keep a failed configuration for debugging.`,
  });
}
