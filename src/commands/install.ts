// `berth install` and `berth render`: locate → prepare (answers, secrets, render, plan) → validate → write → start.
import { parseCli } from '../cli/args.js';
import { installHelp } from '../cli/help.js';
import { composeMissingError, findCompose } from '../compose/docker-compose.js';
import type { Context } from '../context.js';
import { doneText, maskSecrets, planText } from '../messages.js';
import { locate } from '../steps/locate.js';
import { prepare } from '../steps/prepare.js';
import { startStack } from '../steps/start-stack.js';
import { finalFiles, stageAndCheck } from '../steps/validate.js';
import { assertNoUserEdits, writeFiles } from '../steps/write-files.js';
import { berthVersion } from '../version.js';
import { UsageError } from '../errors.js';

export async function installCommand(ctx: Context): Promise<number> {
  const located = await locate(ctx);
  const { global, answers: flags } = parseCli(ctx.argv, located.recipe.manifest.questions);
  if (global.help) {
    ctx.stdout.write(installHelp(located.recipe));
    return 0;
  }
  const isRender = global.command === 'render';
  if (isRender && !global.start)
    throw new UsageError('berth render never starts the stack; --no-start is not needed.');
  const start = !isRender && global.start && !global.dryRun;
  const composeProbe = findCompose(ctx.env);
  if (located.recovered) ctx.stderr.write(`Completed an interrupted write in ${located.dir}.\n`);
  const prepared = await prepare(located, flags, ctx);
  for (const warning of prepared.resolution.warnings) ctx.stderr.write(`! ${warning}\n`);
  const compose = await composeProbe;
  if (start && !compose) throw composeMissingError();
  ctx.stdout.write(planText(prepared, global.dryRun ? 'dry-run' : isRender ? 'render' : 'install'));
  assertNoUserEdits(prepared, global.force);
  const staged = await stageAndCheck(prepared, compose);
  try {
    ctx.stdout.write(
      staged.composeChecked
        ? '\n✔ Validated with the Compose schema and `docker compose config`.\n'
        : '\n✔ Validated with the Compose schema (docker compose not found: `docker compose config` skipped).\n',
    );
    if (global.dryRun) {
      for (const f of finalFiles(prepared)) {
        ctx.stdout.write(
          `\n── ${f.path} (mode ${f.mode.toString(8).padStart(4, '0')}) ──\n${maskSecrets(f.content, prepared)}`,
        );
      }
      ctx.stdout.write(
        `\nDry run: nothing was written (staged copy validated in a temporary folder, now removed).\n`,
      );
      return 0;
    }
  } finally {
    staged.cleanup();
  }
  const written = writeFiles(prepared, { berthVersion: berthVersion(), now: ctx.now() });
  ctx.stdout.write(`✔ Wrote ${written.changed} file(s) in ${prepared.dir}.\n`);
  if (start) {
    ctx.stdout.write('\nStarting the stack (docker compose up -d --wait)…\n');
    await startStack(prepared, ctx, global.waitTimeout);
  }
  ctx.stdout.write(doneText(prepared, start, written.backupDir));
  return 0;
}
