// `berth install` and `berth render`: locate → prepare (answers, secrets, render, plan) → validate → write → start.
import { parseCli } from '../cli/args.js';
import { installHelp } from '../cli/help.js';
import { composeMissingError, findCompose } from '../compose/docker-compose.js';
import type { Context } from '../context.js';
import { doneText, maskSecrets, planText } from '../messages.js';
import { locate } from '../steps/locate.js';
import { prepare } from '../steps/prepare.js';
import { rollBack } from '../steps/roll-back.js';
import { StackStartError, startStack } from '../steps/start-stack.js';
import { finalFiles, stageAndCheck } from '../steps/validate.js';
import { assertNoUserEdits, writeFiles } from '../steps/write-files.js';
import { berthVersion } from '../version.js';
import { BerthError, ExitCode, UsageError } from '../errors.js';
import { dockerChecks, preflight } from '../detect/checks.js';
import { welcomeText } from '../detect/messages.js';
import { detectFacts } from '../detect/detect.js';
import type { MachineFacts } from '../detect/facts.js';
import { probePorts } from '../detect/ports.js';
import { probeEnv, type ProbeEnv } from '../detect/probe.js';
import { portsNeeded } from '../detect/requirements.js';
import type { Prepared } from '../steps/prepare.js';

export async function installCommand(baseCtx: Context): Promise<number> {
  const located = await locate(baseCtx);
  const { global, answers: flags } = parseCli(baseCtx.argv, located.recipe.manifest.questions);
  if (global.help) {
    baseCtx.stdout.write(installHelp(located.recipe));
    return 0;
  }
  // Detected before the answers: defaults read facts (GPU ready → GPU on).
  const probe = probeEnv({ env: baseCtx.env });
  const facts = await detectFacts({ dir: located.dir, base: baseCtx.facts, probe });
  const ctx: Context = { ...baseCtx, facts };
  if (ctx.prompter) {
    const m = located.recipe.manifest;
    ctx.stdout.write(welcomeText(facts, dockerChecks(facts), `${m.title} (${m.name} ${m.version})`));
  }
  const isRender = global.command === 'render';
  if (isRender && !global.start)
    throw new UsageError('berth render never starts the stack; --no-start is not needed.');
  const start = !isRender && global.start && !global.dryRun;
  // With --json, stdout carries only JSON events; everything for people goes to stderr.
  const say = global.json ? ctx.stderr : ctx.stdout;
  const composeProbe = findCompose(ctx.env);
  if (located.recovered) ctx.stderr.write(`Completed an interrupted write in ${located.dir}.\n`);
  const prepared = await prepare(located, flags, ctx);
  for (const warning of prepared.resolution.warnings) ctx.stderr.write(`! ${warning}\n`);
  const compose = await composeProbe;
  if (start && !compose) throw composeMissingError();
  if (start) await preflightOrStop(prepared, facts, probe, global.skipChecks, ctx);
  say.write(planText(prepared, global.dryRun ? 'dry-run' : isRender ? 'render' : 'install'));
  assertNoUserEdits(prepared, global.force);
  const staged = await stageAndCheck(prepared, compose);
  try {
    say.write(
      {
        now: '\n✔ Validated with the Compose schema and `docker compose config`.\n',
        earlier:
          '\n✔ Validated with the Compose schema; `docker compose config` accepted these exact files before.\n',
        false:
          '\n✔ Validated with the Compose schema (docker compose not found: `docker compose config` skipped).\n',
      }[String(staged.composeChecked) as 'now' | 'earlier' | 'false'],
    );
    if (global.dryRun) {
      for (const f of finalFiles(prepared)) {
        say.write(
          `\n── ${f.path} (mode ${f.mode.toString(8).padStart(4, '0')}) ──\n${maskSecrets(f.content, prepared)}`,
        );
      }
      say.write(`\nDry run: nothing was written.\n`);
      return 0;
    }
  } finally {
    staged.cleanup();
  }
  const written = writeFiles(prepared, {
    berthVersion: berthVersion(),
    now: ctx.now(),
    validated: staged.validated,
  });
  say.write(`✔ Wrote ${written.changed} file(s) in ${prepared.dir}.\n`);
  if (start) {
    say.write('\nStarting the stack (docker compose up -d --wait)…\n');
    const output = global.json ? 'json' : 'auto';
    try {
      await startStack(prepared, ctx, global.waitTimeout, { output });
    } catch (error) {
      if (!(error instanceof StackStartError) || !global.rollback || !written.backupName) throw error;
      await rollBack(
        prepared,
        written.backupName,
        error,
        { ...ctx, stdout: say },
        global.waitTimeout,
        output,
      );
    }
  }
  say.write(doneText(prepared, start, written.backupDir));
  return 0;
}

/** Refuses early, before anything is written, when the machine cannot run this stack (see berth doctor). */
async function preflightOrStop(
  prepared: Prepared,
  facts: MachineFacts,
  probe: ProbeEnv,
  skipChecks: boolean,
  ctx: Pick<Context, 'stderr'>,
): Promise<void> {
  const answers = prepared.resolution.answers;
  facts.ports = await probePorts(portsNeeded(prepared.recipe.manifest, answers), probe);
  const result = preflight(facts, prepared.recipe, answers, { start: true });
  for (const warning of result.warnings) ctx.stderr.write(`! ${warning}\n`);
  if (result.blocking.length === 0) return;
  if (skipChecks) {
    for (const problem of result.blocking) ctx.stderr.write(`! (--skip-checks) ${problem}\n`);
    return;
  }
  throw new BerthError(
    `${result.blocking.length} problem(s) on this machine block this install. Nothing was written.`,
    {
      exitCode: ExitCode.preflight,
      details: result.blocking,
      hint: 'berth doctor shows every check and its fix; --skip-checks installs anyway.',
    },
  );
}
