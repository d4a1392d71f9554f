// `berth install` and `berth render`: locate → prepare (answers, secrets, render, plan) → validate → write → start.
import { questionFlags } from '../cli/args.js';
import { installHelp } from '../cli/help.js';
import { composeMissingError, findCompose } from '../compose/docker-compose.js';
import type { Context } from '../context.js';
import { installDoneText, maskSecrets, planText } from '../messages.js';
import { locate } from '../steps/locate.js';
import { prepare } from '../steps/prepare.js';
import { rollBack } from '../steps/roll-back.js';
import { StackStartError, startStack } from '../steps/start-stack.js';
import { finalFiles, stageAndCheck } from '../steps/validate.js';
import { assertNoUserEdits, writeFiles } from '../steps/write-files.js';
import { berthVersion } from '../version.js';
import { BerthError, ExitCode } from '../errors.js';
import { preflight } from '../detect/checks.js';
import { detectFacts } from '../detect/detect.js';
import type { MachineFacts } from '../detect/facts.js';
import { probePorts } from '../detect/ports.js';
import { probeEnv, type ProbeEnv } from '../detect/probe.js';
import { portsNeeded } from '../detect/requirements.js';
import type { Prepared } from '../steps/prepare.js';
import type { WizardSession } from '../wizard/interview.js';

export async function installCommand(baseCtx: Context): Promise<number> {
  const terminal = baseCtx.terminal;
  const help = baseCtx.cli.options.help;
  // On a terminal the wizard's first frame goes up before anything else is loaded or detected.
  const session =
    terminal && !help
      ? import('../wizard/interview.js').then(({ openWizard }) => openWizard(terminal, baseCtx.greeted))
      : undefined;
  try {
    return await install(baseCtx, session);
  } finally {
    if (session) await (await session).close();
  }
}

async function install(baseCtx: Context, session: Promise<WizardSession> | undefined): Promise<number> {
  const located = await locate(baseCtx);
  const global = baseCtx.cli.options;
  const flags = questionFlags(baseCtx.cli, located.recipe.manifest.questions);
  if (global.help) {
    baseCtx.stdout.write(installHelp(located.recipe, baseCtx.cli.command));
    return 0;
  }
  const isRender = baseCtx.cli.command === 'render';
  const start = !isRender && global.start && !global.dryRun;
  // With --json, stdout carries only JSON events; everything for people goes to stderr.
  const say = global.json ? baseCtx.stderr : baseCtx.stdout;
  const composeProbe = findCompose(baseCtx.exec, baseCtx.env);
  if (located.recovered) baseCtx.stderr.write(`Completed an interrupted write in ${located.dir}.\n`);
  // Detected before the answers: defaults read facts (GPU ready → GPU on).
  const probe = probeEnv({ env: baseCtx.env });
  const detect = detectFacts({ dir: located.dir, base: baseCtx.facts, probe });
  let prepared: Prepared;
  let facts: MachineFacts;
  const terminal = baseCtx.terminal;
  if (terminal && session) {
    const { interview } = await import('../wizard/interview.js');
    ({ prepared, facts } = await interview(await session, {
      ctx: baseCtx,
      flags,
      facts: detect,
      probe,
      confirmLabel: global.dryRun
        ? 'Show the files (dry run: nothing is written)'
        : isRender || !start
          ? 'Write the files (the stack is not started)'
          : 'Install: write the files and start the stack',
      force: global.force,
      skipChecks: global.skipChecks,
      preflight: (p, f) => machineProblems(p, f, probe, start),
      flagsFor: (l) => questionFlags(baseCtx.cli, l.recipe.manifest.questions),
    }));
  } else {
    facts = await detect;
    prepared = await prepare(located, flags, { ...baseCtx, facts });
    if (start && !(await composeProbe)) throw composeMissingError();
    for (const warning of prepared.resolution.warnings) baseCtx.stderr.write(`! ${warning}\n`);
    if (start) {
      const result = await machineProblems(prepared, facts, probe, true);
      for (const warning of result.warnings) baseCtx.stderr.write(`! ${warning}\n`);
      stopOnProblems(result.blocking, global.skipChecks, baseCtx);
    }
    say.write(planText(prepared, global.dryRun ? 'dry-run' : isRender ? 'render' : 'install'));
  }
  const ctx: Context = { ...baseCtx, facts };
  const compose = await composeProbe;
  if (start && !compose) throw composeMissingError();
  assertNoUserEdits(prepared, global.force);
  const staged = await stageAndCheck(prepared, compose, baseCtx.exec);
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
  if (terminal && !global.json) {
    const { finalScreen } = await import('../wizard/interview.js');
    await finalScreen(prepared, start, written.backupDir, terminal);
  } else say.write(installDoneText(prepared, start, written.backupDir));
  return 0;
}

/** The machine checks for these answers (see berth doctor): what blocks the install, and what only warns. */
async function machineProblems(
  prepared: Prepared,
  facts: MachineFacts,
  probe: ProbeEnv,
  start: boolean,
): Promise<{ blocking: string[]; warnings: string[] }> {
  if (!start) return { blocking: [], warnings: [] };
  const answers = prepared.resolution.answers;
  facts.ports = await probePorts(portsNeeded(prepared.recipe.manifest, answers, facts), probe);
  return preflight(facts, prepared.recipe, answers, { start: true });
}

/** Refuses early, before anything is written, when the machine cannot run this stack. */
function stopOnProblems(blocking: string[], skipChecks: boolean, ctx: Pick<Context, 'stderr'>): void {
  if (blocking.length === 0) return;
  if (skipChecks) {
    for (const problem of blocking) ctx.stderr.write(`! (--skip-checks) ${problem}\n`);
    return;
  }
  throw new BerthError(
    `${blocking.length} problem(s) on this machine block this install. Nothing was written.`,
    {
      exitCode: ExitCode.preflight,
      details: blocking,
      hint: 'berth doctor shows every check and its fix; --skip-checks installs anyway.',
    },
  );
}
