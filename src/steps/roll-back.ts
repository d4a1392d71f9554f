// When a reconfigured stack fails to come up, put the previous files back and bring the previous stack up
// again, so a bad change does not leave the user with nothing running.
import type { Context } from '../context.js';
import { BerthError, ExitCode } from '../errors.js';
import { restoreBackup } from '../install-dir/transaction.js';
import { restorePreviousImages } from './builds.js';
import type { Prepared } from './prepare.js';
import { startStack, type StackStartError, type StartOptions } from './start-stack.js';

const imagesBack = (images: readonly string[]): string =>
  images.length === 1
    ? `the previous image of ${images[0]} is back`
    : `the previous images of ${images.slice(0, -1).join(', ')} and ${images.at(-1)} are back`;

/**
 * A start that failed with the same files (a rebuilt image from new code, say `git pull`): there is no file
 * backup, but the images the builds replaced are kept as `-previous`. Put those back and start the stack again;
 * without any, the failure stands.
 */
export async function rollBackImages(
  p: Pick<Prepared, 'dir' | 'recipe' | 'project' | 'rendering'>,
  failure: StackStartError,
  ctx: Parameters<typeof startStack>[1] & Pick<Context, 'stdout'>,
  waitTimeout: number,
  output: StartOptions['output'],
): Promise<never> {
  if (failure.reason === 'daemon-unreachable') throw failure;
  const restored = await restorePreviousImages(p.rendering.builds, { cwd: p.dir, envNames: [] });
  if (restored.length === 0) throw failure;
  ctx.stdout.write(`\n✖ ${failure.message}\nRolling back: ${imagesBack(restored)}; starting it again…\n`);
  try {
    await startStack(p, ctx, waitTimeout, { output });
  } catch (error) {
    throw new BerthError(`${failure.message} Rolling back to the previous image did not help either.`, {
      exitCode: ExitCode.compose,
      cause: error,
      details: [...failure.details, ...(error instanceof BerthError ? error.details : [])],
      hint: failure.hint,
    });
  }
  throw new BerthError(`${failure.message} The previous image was put back and the stack runs it again.`, {
    exitCode: ExitCode.compose,
    cause: failure,
    details: failure.details,
    hint:
      `${failure.hint ?? ''} The new build is not running; fix the source and run berth install again, ` +
      'or --no-rollback to keep a failed start for debugging.',
  });
}

export async function rollBack(
  p: Pick<Prepared, 'dir' | 'recipe' | 'project' | 'rendering'>,
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
  // Images built for the failed configuration replaced the previous ones under the same tag: put those back.
  const restoredImages = await restorePreviousImages(p.rendering.builds, { cwd: p.dir, envNames: [] });
  if (restoredImages.length > 0) ctx.stdout.write(`Rolling back: ${imagesBack(restoredImages)}.\n`);
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
