// `berth install` and `berth render`, as ordered steps: locate → ask (the wizard, or the answer sources alone) →
// compose → preflight → validate → write → start → report (src/steps/install-steps.ts). Only the ask step differs
// between the two runs.
import { installHelp } from '../cli/help.js';
import type { Context } from '../context.js';
import { detectFacts } from '../detect/detect.js';
import { contextProbe } from '../detect/probe.js';
import { loadExeca } from '../compose/exec.js';
import {
  askFromSources,
  askInWizard,
  preflightStep,
  refuseOtherTarget,
  reportStep,
  requireCompose,
  startCheck,
  startStep,
  swarmPreflight,
  validateStep,
  type Asked,
  type RunPlan,
} from '../steps/install-steps.js';
import { composeCli, composeEnv } from '../compose/docker-compose.js';
import { planText } from '../messages.js';
import type { ChangePlan } from '../steps/change-plan.js';
import { locate } from '../steps/locate.js';
import { writeFiles } from '../steps/write-files.js';
import { leftoversBeforeWrite } from '../steps/start-stack.js';
import { ensureHostPaths } from '../steps/host-paths.js';
import { berthVersion } from '../version.js';
import type { WizardSession } from '../wizard/interview.js';

/** A reconfigure's change plan: the one the wizard's review showed, or asked now; none without compose. */
async function reconfigurePlan(
  ctx: Context,
  asked: Asked,
  compose: ReturnType<typeof requireCompose>,
): Promise<ChangePlan | undefined> {
  if (!compose) return undefined;
  if (asked.changes) return asked.changes;
  const { changePlan } = await import('../steps/change-plan.js');
  return changePlan(asked.prepared, ctx.exec, true);
}

/** berth plan: the answers, validated, and what an install with them would change; nothing is written. */
async function showPlan(ctx: Context, asked: Asked): Promise<number> {
  const compose = asked.facts.docker ? composeCli(asked.facts.docker) : undefined;
  const checked = await startCheck(ctx, asked.prepared, compose);
  const { changePlan, changePlanText } = await import('../steps/change-plan.js');
  const plan = await changePlan(asked.prepared, ctx.exec, checked.composeChecked !== false);
  if (ctx.cli.options.json) ctx.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  else ctx.stdout.write(`${planText(asked.prepared, 'plan')}${changePlanText(plan)}`);
  return 0;
}

export async function installCommand(baseCtx: Context): Promise<number> {
  const terminal = baseCtx.terminal;
  const help = baseCtx.cli.options.help;
  // On a terminal the wizard's first frame goes up before anything else is loaded or detected.
  // berth plan never asks: it shows what the answers given would change.
  const session =
    terminal && !help && baseCtx.cli.command !== 'plan'
      ? import('../wizard/interview.js').then(({ openWizard }) => openWizard(terminal, baseCtx.greeted))
      : undefined;
  try {
    return await install(baseCtx, session);
  } finally {
    if (session) await (await session).close();
  }
}

/** install and render as ordered steps: locate → ask → compose → preflight → validate → write → start → report. */
async function install(baseCtx: Context, session: Promise<WizardSession> | undefined): Promise<number> {
  const located = await locate(baseCtx);
  const options = baseCtx.cli.options;
  if (options.help) {
    baseCtx.stdout.write(installHelp(located.recipe, baseCtx.cli.command));
    return 0;
  }
  const isRender = baseCtx.cli.command === 'render';
  const run: RunPlan = {
    isRender,
    start: !isRender && options.start && !options.dryRun,
    dryRun: options.dryRun,
    say: options.json ? baseCtx.stderr : baseCtx.stdout,
  };
  if (located.recovered) baseCtx.stderr.write(`Completed an interrupted write in ${located.dir}.\n`);
  // Detected before the answers: defaults read facts (GPU ready → GPU on).
  const probe = contextProbe(baseCtx);
  const detect = detectFacts({ dir: located.dir, base: baseCtx.facts, probe });
  void loadExeca(); // compiles while the engine answers; `docker compose config` needs it next
  const asked =
    baseCtx.terminal && session
      ? await askInWizard(baseCtx, located, run, detect, probe, await session)
      : await askFromSources(baseCtx, located, detect);
  if (baseCtx.cli.command === 'plan') return showPlan(baseCtx, asked);
  const compose = requireCompose(asked.facts, run);
  const checking = startCheck(baseCtx, asked.prepared, compose);
  const ctx: Context = { ...baseCtx, facts: asked.facts };
  const swarm = asked.prepared.target === 'swarm';
  // The swarm's own checks (a dozen engine calls, nothing written) run while the files are validated; a refused
  // validation is the error to show, so this one waits its turn.
  const swarmChecked = swarm && run.start ? swarmPreflight(ctx, asked.prepared) : undefined;
  swarmChecked?.catch(() => undefined);
  // On an engine in a swarm, the same project may run as a stack: not both at once. Asked now (one `docker ps`,
  // nothing written), refused in the same turn as the swarm's checks.
  const otherChecked =
    !swarm && run.start && asked.facts.docker?.swarm?.state === 'active'
      ? refuseOtherTarget(
          ctx,
          asked.prepared,
          'compose',
          composeEnv({ cwd: asked.prepared.dir, envNames: [], env: ctx.env }),
        )
      : undefined;
  otherChecked?.catch(() => undefined);
  // The containers an interrupted recreate left, removed before `up`: asked now too (read only), answered by then.
  const leftovers = run.start && !swarm ? leftoversBeforeWrite(ctx.exec, asked.prepared) : undefined;
  leftovers?.catch(() => undefined);
  if (!session) await preflightStep(baseCtx, asked, probe, run);
  const validated = await validateStep(ctx, asked.prepared, checking, run);
  if (validated === undefined) return 0;
  const swarmDone = await swarmChecked;
  if (swarmDone) {
    for (const note of swarmDone.notes) run.say.write(`! swarm: ${note}\n`);
  } else await otherChecked;
  // On swarm every run deploys: swarm itself leaves unchanged services alone.
  const changes =
    run.start && asked.prepared.reconfigure && !swarm
      ? await reconfigurePlan(ctx, asked, compose)
      : undefined;
  const unchanged = changes && !changes.changed && !ctx.cli.options.force ? changes : undefined;
  if (unchanged) {
    run.say.write(
      '\n✔ No change: the files and containers already are what these answers make. Nothing was written or restarted.\n',
    );
    // --json: the one event a program waits for, saying nothing changed.
    if (ctx.cli.options.json) {
      const services = Object.fromEntries((unchanged.services ?? []).map((x) => [x.name, 'unchanged']));
      ctx.stdout.write(
        `${JSON.stringify({ type: 'done', ok: true, changed: false, elapsed: 0, services })}\n`,
      );
    }
    await reportStep(ctx, asked.prepared, undefined, run);
    return 0;
  }
  // Unattended, the plan is the record of what this run changes (the wizard showed it on its review).
  if (changes && !session) {
    const { changePlanText } = await import('../steps/change-plan.js');
    run.say.write(`\nWhat this reconfigure changes:\n${changePlanText(changes)}`);
  }
  const written = writeFiles(asked.prepared, { berthVersion: berthVersion(), now: ctx.now(), validated });
  run.say.write(`✔ Wrote ${written.changed} file(s) in ${asked.prepared.dir}.\n`);
  if (!isRender) {
    const created = ensureHostPaths(asked.prepared.dir, asked.prepared.rendering.hostPaths, ctx.facts);
    for (const line of created) run.say.write(`✔ ${line}\n`);
  }
  const warnings = run.start
    ? await startStep(ctx, asked.prepared, written.backupName, run, leftovers, swarmDone?.checked)
    : [];
  await reportStep(ctx, asked.prepared, written.backupDir, run, warnings);
  return 0;
}
