// The steps of `berth install` and `berth render` (commands/install.ts runs them in order): ask, compose, preflight,
// validate, start, report. Each takes only what it needs; only the ask step differs between the wizard and an
// unattended run.
import type { SwarmChecked } from '../swarm/deploy.js';
import type { StackPlan } from '../swarm/stack-file.js';
import { rmSync } from 'node:fs';
import { hostPathOf, hostPathSpaceProblems } from './host-paths.js';
import { stackSubnetProblems } from '../detect/subnets.js';
import { buildSourceProblems } from './builds.js';
import { hookWarning, pendingHooks } from './hooks.js';
import { questionFlags } from '../cli/args.js';
import { composeCli, composeMissingError, type ComposeCli } from '../compose/docker-compose.js';
import type { Context } from '../context.js';
import { installDoneText, maskSecrets, planText } from '../messages.js';
import type { Located } from './locate.js';
import { prepare } from './prepare.js';
import { rollBack, rollBackImages } from './roll-back.js';
import { StackStartError, startStack } from './start-stack.js';
import { checkFiles, finalFiles, type Checked } from './validate.js';
import { assertNoUserEdits } from './write-files.js';
import { BerthError, ExitCode, RecipeError } from '../errors.js';
import { preflight } from '../detect/checks.js';
import { detectFacts } from '../detect/detect.js';
import type { MachineFacts } from '../detect/facts.js';
import { probePorts } from '../detect/ports.js';
import type { ProbeEnv } from '../detect/probe.js';
import { domainsNeeded, portsNeeded } from '../detect/requirements.js';
import { dnsFacts } from '../detect/dns.js';
import type { Prepared } from './prepare.js';
import type { WizardSession } from '../wizard/interview.js';
import type { ChangePlan } from './change-plan.js';

/** What this run of install or render does, decided once from the command line. */
export interface RunPlan {
  isRender: boolean;
  /** Start the stack after writing (install, without --no-start or --dry-run). */
  start: boolean;
  dryRun: boolean;
  /** Where words for people go: stderr with --json, whose stdout carries only JSON events. */
  say: Context['stdout'];
}

/** The settled answers; `changes` is the plan the wizard's review showed, when it showed one. */
export type Asked = { prepared: Prepared; facts: MachineFacts; changes?: ChangePlan | undefined };

/** Ask: the wizard settles what the sources do not (with the machine checks on its review screen). */
export async function askInWizard(
  ctx: Context,
  located: Located,
  run: RunPlan,
  detect: ReturnType<typeof detectFacts>,
  probe: ProbeEnv,
  session: WizardSession,
): Promise<Asked> {
  const { interview } = await import('../wizard/interview.js');
  return interview(session, {
    ctx,
    flags: questionFlags(ctx.cli, located.recipe.manifest.questions),
    facts: detect,
    probe,
    confirmLabel: run.dryRun
      ? 'Show the files (dry run: nothing is written)'
      : !run.start
        ? 'Write the files (the stack is not started)'
        : 'Install: write the files and start the stack',
    force: ctx.cli.options.force,
    skipChecks: ctx.cli.options.skipChecks,
    preflight: async (p, f) => {
      const [machine, swarm] = await Promise.all([
        machineProblems(p, f, probe, run.start),
        p.target === 'swarm' && run.start ? swarmReview({ ...ctx, facts: f }, p) : undefined,
      ]);
      if (!swarm) return machine;
      return {
        blocking: [...machine.blocking, ...swarm.blocking],
        warnings: [...machine.warnings, ...swarm.warnings],
      };
    },
    flagsFor: (l) => questionFlags(ctx.cli, l.recipe.manifest.questions),
    changes: async (p, f) => {
      const { changePlan } = await import('./change-plan.js');
      return changePlan(p, ctx.exec, Boolean(f.docker && composeCli(f.docker)));
    },
  });
}

/** Ask, unattended: flags, env, answers file, previous install and defaults settle every answer or exit 2. */
export async function askFromSources(
  ctx: Context,
  located: Located,
  detect: ReturnType<typeof detectFacts>,
): Promise<Asked> {
  const facts = await detect;
  const flags = questionFlags(ctx.cli, located.recipe.manifest.questions);
  const prepared = await prepare(located, flags, { ...ctx, facts });
  for (const warning of prepared.resolution.warnings) ctx.stderr.write(`! ${warning}\n`);
  return { prepared, facts };
}

/** Compose v2 is needed to start the stack; render and --dry-run do without (the config check is skipped). */
export function requireCompose(facts: MachineFacts, run: RunPlan): ComposeCli | undefined {
  const compose = facts.docker ? composeCli(facts.docker) : undefined;
  if (run.start && !compose) throw composeMissingError();
  return compose;
}

/** Preflight, unattended: refuse before writing when the machine cannot run the stack; then print the plan. */
export async function preflightStep(
  ctx: Context,
  asked: Asked,
  probe: ProbeEnv,
  run: RunPlan,
): Promise<void> {
  if (run.start) {
    const result = await machineProblems(asked.prepared, asked.facts, probe, true);
    for (const warning of result.warnings) ctx.stderr.write(`! ${warning}\n`);
    stopOnProblems(result.blocking, ctx.cli.options.skipChecks, ctx);
  }
  const mode = run.dryRun ? 'dry-run' : run.isRender ? 'render' : 'install';
  run.say.write(planText(asked.prepared, mode, run.start && asked.prepared.reconfigure));
}

/** Check: `docker compose config` on the final files (validate.ts), started early so it runs alongside the preflight. */
export function startCheck(
  ctx: Pick<Context, 'exec'>,
  prepared: Prepared,
  compose: ComposeCli | undefined,
): Promise<Checked> {
  const checking = checkFiles(prepared, compose, ctx.exec);
  checking.catch(() => undefined); // awaited by validateStep; a preflight refusal may come first
  return checking;
}

/**
 * Validate: no hand edit is overwritten, and `docker compose config` accepted the files.
 * Returns what to record as validated, or undefined after a dry run (which prints the files and stops).
 */
export async function validateStep(
  ctx: Pick<Context, 'cli'>,
  prepared: Prepared,
  checking: Promise<Checked>,
  run: RunPlan,
): Promise<string | undefined> {
  assertNoUserEdits(prepared, ctx.cli.options.force);
  const checked = await checking;
  if (prepared.recipe.folder) await checkFolderRecipe(prepared);
  run.say.write(VALIDATED[String(checked.composeChecked) as keyof typeof VALIDATED]);
  if (!run.dryRun) return checked.validated ?? '';
  for (const f of finalFiles(prepared)) {
    const mode = f.mode.toString(8).padStart(4, '0');
    run.say.write(`\n── ${f.path} (mode ${mode}) ──\n${maskSecrets(f.content, prepared)}`);
  }
  run.say.write(`\nDry run: nothing was written.\n`);
  return undefined;
}

/**
 * A recipe loaded from a folder (not one berth ships, which CI runs through `berth recipe test`): its bind mounts
 * and build contexts are checked for these answers, so a mount of a file the recipe does not write is the
 * recipe's error here, not an empty folder Docker makes in its place.
 */
async function checkFolderRecipe(p: Prepared): Promise<void> {
  const { checkBindMounts, checkBuildContext } = await import('../recipe-test/practices-mounts.js');
  const rendered = {
    recipe: p.recipe,
    answers: p.resolution.answers,
    secrets: p.secrets.values,
    rendering: p.rendering,
  };
  const problems = [...checkBindMounts(rendered), ...checkBuildContext(rendered)];
  if (problems.length === 0) return;
  throw new RecipeError(
    `${p.recipe.source}: the rendered compose files mount or build what they should not.`,
    {
      details: problems.map((x) => `${x.file ? `${x.file}: ` : ''}${x.message}`),
      hint: 'Add the file to the recipe folder (static files are copied as they are), declare the folder in hostPaths, or fix the path; berth recipe test checks every combination.',
    },
  );
}

const VALIDATED = {
  now: '\n✔ Validated with `docker compose config`.\n',
  earlier: '\n✔ Validated: `docker compose config` accepted these exact files before.\n',
  false:
    '\n✔ Validated with the Compose schema (docker compose not found: `docker compose config` skipped).\n',
};

/**
 * Start: `up -d --wait` with live progress; a reconfigure that fails to come up is rolled back. Returns the
 * warnings for the final screen (hooks that failed but leave the stack up).
 */
export async function startStep(
  ctx: Context,
  prepared: Prepared,
  backupName: string | undefined,
  run: RunPlan,
  leftovers?: Promise<readonly string[]>,
  swarmChecked?: SwarmChecked,
): Promise<string[]> {
  const { json, waitTimeout, rollback } = ctx.cli.options;
  const output = json ? 'json' : 'auto';
  if (prepared.target === 'swarm') return startOnSwarm(ctx, prepared, backupName, run, swarmChecked);
  run.say.write('\nStarting the stack (docker compose up -d --wait)…\n');
  try {
    const started = await startStack(prepared, ctx, waitTimeout, {
      output,
      hooks: pendingHooks(prepared.rendering.hooks, prepared.previous.state?.hooksDone),
      builds: prepared.rendering.builds,
      leftovers,
    });
    return started.hookWarnings.flatMap((w) => hookWarning(w, prepared.dir, started.log));
  } catch (error) {
    if (!(error instanceof StackStartError) || !rollback) throw error;
    const say = { ...ctx, stdout: run.say };
    if (backupName) await rollBack(prepared, backupName, error, say, waitTimeout, output);
    // The same files, but images rebuilt from new code (a reconfigure after `git pull`): only those go back.
    if (prepared.previous.state === undefined || prepared.rendering.builds.length === 0) throw error;
    await rollBackImages(prepared, error, say, waitTimeout, output);
    return [];
  }
}

/**
 * Start on swarm: `docker stack deploy`, one layer of services at a time (src/swarm/deploy.ts). A reconfigure that
 * fails is rolled back by swarm itself (failure_action: rollback); berth then puts the previous files back too, so
 * the folder says what runs.
 */
async function startOnSwarm(
  ctx: Context,
  prepared: Prepared,
  backupName: string | undefined,
  run: RunPlan,
  checked: SwarmChecked | undefined,
): Promise<string[]> {
  if (!checked) throw new Error('a swarm start needs the swarm preflight first');
  const { json, waitTimeout, rollback } = ctx.cli.options;
  run.say.write('\nDeploying the stack to Docker Swarm (docker stack deploy, in dependency order)…\n');
  const { deploySwarm } = await import('../swarm/deploy.js');
  try {
    await deploySwarm({ ...prepared, checked }, ctx, waitTimeout, {
      output: json ? 'json' : 'auto',
    });
    return [];
  } catch (error) {
    if (!(error instanceof StackStartError) || !rollback || !backupName) throw error;
    const { restoreBackup } = await import('../install-dir/transaction.js');
    restoreBackup(prepared.dir, backupName);
    throw new BerthError(`${error.message} The previous files are back in ${prepared.dir}.`, {
      exitCode: ExitCode.compose,
      cause: error,
      details: error.details,
      hint: `${error.hint ?? ''} Swarm keeps (or rolls back to) the previous version of a service whose update failed.`,
    });
  }
}

/**
 * The swarm's checks for the wizard's review: its notes (where the data lives, what swarm does differently) as
 * warnings, and what it refuses as problems, so they show before the install is confirmed. The install runs the
 * same checks again on the answers confirmed (swarmPreflight); nothing is written or deployed here.
 */
async function swarmReview(
  ctx: Pick<Context, 'exec' | 'env' | 'facts'>,
  prepared: Prepared,
): Promise<{ blocking: string[]; warnings: string[] }> {
  try {
    const { notes } = await swarmPreflight(ctx, prepared);
    return { blocking: [], warnings: notes.map((n) => `swarm: ${n}`) };
  } catch (error) {
    if (!(error instanceof BerthError)) throw error;
    const why = error.details.length > 0 ? error.details : [error.message];
    return { blocking: why.map((w) => `swarm: ${w}`), warnings: [] };
  }
}

/**
 * Swarm, before anything is written: this engine must be a manager, and the stack must translate (no build, no
 * privileged service…). The files are staged, `docker compose config` merges them, stack-file.ts translates.
 */
export async function swarmPreflight(
  ctx: Pick<Context, 'exec' | 'env' | 'facts'>,
  prepared: Prepared,
): Promise<{ notes: string[]; checked: SwarmChecked }> {
  const { swarmInfo, notManagerError, swarmPlan, refuseProblems, dataNodeFor, stackNow } =
    await import('../swarm/deploy.js');
  const { composeEnv } = await import('../compose/docker-compose.js');
  const { refuseHooksOnSwarm } = await import('../swarm/unsupported.js');
  refuseHooksOnSwarm(
    pendingHooks(prepared.rendering.hooks, prepared.previous.state?.hooksDone),
    prepared.recipe.manifest.name,
  );
  const env = composeEnv({ cwd: prepared.dir, envNames: [], env: ctx.env });
  const { stageFinalFiles } = await import('./validate.js');
  const staged = stageFinalFiles(prepared);
  try {
    const hostFolders = prepared.rendering.hostPaths.map((h) => hostPathOf(prepared.dir, h));
    // The engine calls run together (each is ~0.1 s of docker CLI); their answers are read in this order, so the
    // first refusal a person sees is the most basic one (not a manager, before anything about the stack).
    const infoOf = swarmInfo(ctx.exec, env);
    const asked = {
      info: infoOf,
      other: refuseOtherTarget(ctx, prepared, 'swarm', env),
      plan: swarmPlan(ctx.exec, staged, prepared.recipe, prepared.project, hostFolders),
      ports: publishedOnSwarm(ctx.exec, env, prepared.project),
      stack: stackNow(ctx.exec, env, prepared.project),
      // Where the data is to live, read now; used only when the stack pins a service to it.
      node: infoOf.then((info) => dataNodeFor(ctx.exec, env, prepared.project, info, prepared.dataNode)),
    };
    for (const p of Object.values(asked)) p.catch(() => undefined);
    const info = await asked.info;
    if (!info.manager) throw notManagerError(info);
    await asked.other;
    const plan = await asked.plan;
    // What the recipe itself says cannot run on swarm with these answers.
    const { evaluate } = await import('../recipes/condition.js');
    const scope = { answers: prepared.resolution.answers, facts: ctx.facts };
    for (const u of prepared.recipe.manifest.swarm.unsupported)
      if (evaluate(u.when, scope)) plan.problems.unshift(u.reason);
    plan.problems.push(...portsTaken(await asked.ports, plan.doc.services));
    // A port published on the task's node (no IPVS) takes one node per replica.
    for (const [name, svc] of Object.entries(plan.doc.services)) {
      const placement = (svc.deploy as { placement?: { max_replicas_per_node?: number } }).placement;
      const wanted = plan.replicas[name] ?? 1;
      if (placement?.max_replicas_per_node === 1 && wanted > info.nodes)
        plan.problems.push(
          `Service ${name} runs ${wanted} replicas that each publish a port on their own node, but this swarm has ${info.nodes} node(s): add nodes (docker swarm join) or set fewer replicas in compose.override.yaml (deploy.replicas).`,
        );
    }
    refuseProblems(plan, prepared.recipe.manifest.name);
    // The files written next are these staged ones, byte for byte: the plan is the deploy's, with their paths.
    const inDir = (text: string) => text.replaceAll(staged, prepared.dir);
    const json = (text: string) => JSON.stringify(text).slice(1, -1);
    const local: StackPlan = {
      ...plan,
      doc: JSON.parse(
        JSON.stringify(plan.doc).replaceAll(json(staged), json(prepared.dir)),
      ) as StackPlan['doc'],
      notes: plan.notes.map(inDir),
    };
    const stack = await asked.stack;
    if (plan.pinned.length === 0) return { notes: local.notes, checked: { info, plan: local, stack } };
    // Where the data is to live: refused here when it would have to move.
    const node = await asked.node;
    const kept = node.labelled ? 'holds' : 'will hold';
    return {
      notes: [...local.notes, `node ${node.hostname} ${kept} the data of ${plan.pinned.join(', ')}.`],
      checked: { info, plan: local, node, stack },
    };
  } finally {
    rmSync(staged, { recursive: true, force: true });
  }
}

/** The ports the swarm's other services publish (either mode), each with the service that holds it. */
async function publishedOnSwarm(
  exec: Context['exec'],
  env: Record<string, string>,
  project: string,
): Promise<Map<string, string>> {
  // `service ls` shows no host-mode ports: the specs say what each service publishes, either mode.
  const ids = await exec('docker', ['service', 'ls', '-q'], { env, timeoutMs: 30_000 });
  const list = ids.stdout.split('\n').filter(Boolean);
  const taken = new Map<string, string>();
  if (list.length === 0) return taken;
  const r = await exec(
    'docker',
    ['service', 'inspect', ...list, '--format', '{{.Spec.Name}}\t{{json .Spec.EndpointSpec.Ports}}'],
    { env, timeoutMs: 30_000 },
  );
  for (const line of r.stdout.split('\n')) {
    const [name = '', json = 'null'] = line.split('\t');
    if (!name || name.startsWith(`${project}_`)) continue;
    const ports = (JSON.parse(json) ?? []) as { PublishedPort?: number; Protocol?: string }[];
    for (const port of ports)
      if (port.PublishedPort) taken.set(`${port.PublishedPort}/${port.Protocol ?? 'tcp'}`, name);
  }
  return taken;
}

/** Ports this stack publishes that another swarm service publishes already: swarm would refuse the deploy. */
function portsTaken(
  taken: ReadonlyMap<string, string>,
  services: Record<string, Record<string, unknown>>,
): string[] {
  const problems: string[] = [];
  for (const [service, svc] of Object.entries(services))
    for (const port of (svc.ports as { published?: number; protocol?: string }[] | undefined) ?? []) {
      const holder = taken.get(`${port.published}/${port.protocol ?? 'tcp'}`);
      if (holder)
        problems.push(
          `Service ${service} publishes port ${port.published}, which swarm service ${holder} already publishes: answer another port, or remove that service.`,
        );
    }
  return problems;
}

/**
 * The same project running as the other kind of stack (compose containers, or a swarm stack): both would hold the
 * same ports and the same volumes. Refused, pointing at `berth down`, which keeps the data for the switch.
 */
export async function refuseOtherTarget(
  ctx: Pick<Context, 'exec'>,
  prepared: Pick<Prepared, 'project' | 'dir'>,
  target: 'compose' | 'swarm',
  env: Record<string, string>,
): Promise<void> {
  const [label, other] =
    target === 'swarm'
      ? ['com.docker.compose.project', 'docker compose']
      : ['com.docker.stack.namespace', 'a Docker Swarm stack'];
  const found = await ctx.exec('docker', ['ps', '-aq', '--filter', `label=${label}=${prepared.project}`], {
    env,
    timeoutMs: 30_000,
  });
  if (found.exitCode !== 0 || found.stdout.trim() === '') return;
  throw new BerthError(
    `The ${prepared.project} stack already runs here with ${other}; it cannot also run ${target === 'swarm' ? 'on the swarm' : 'with docker compose'}.`,
    {
      exitCode: ExitCode.usage,
      hint: `Stop it first with \`berth down --dir ${prepared.dir}\` (its volumes stay, and the ${target} stack uses them on this node), then run this again. Nothing was written.`,
    },
  );
}

/** Report: where to go next — the wizard's final screen on a terminal, plain lines otherwise. */
export async function reportStep(
  ctx: Pick<Context, 'terminal' | 'cli'>,
  prepared: Prepared,
  backupDir: string | undefined,
  run: RunPlan,
  warnings: string[] = [],
): Promise<void> {
  if (ctx.terminal && !ctx.cli.options.json) {
    const { finalScreen } = await import('../wizard/interview.js');
    await finalScreen(prepared, run.start, backupDir, ctx.terminal, warnings);
  } else run.say.write(installDoneText(prepared, run.start, backupDir, warnings));
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
  [facts.ports, facts.dns] = await Promise.all([
    probePorts(portsNeeded(prepared.recipe.manifest, answers, facts), probe, prepared.project),
    dnsFacts(domainsNeeded(prepared.recipe.manifest, answers, facts)),
  ]);
  const found = preflight(facts, prepared.recipe, answers, { start: true });
  const space = hostPathSpaceProblems(prepared.dir, prepared.rendering.hostPaths);
  const sources = buildSourceProblems(prepared.dir, prepared.rendering.builds);
  const subnets = await stackSubnetProblems(
    { ...prepared, answers, questions: prepared.recipe.manifest.questions },
    probe,
  );
  return { ...found, blocking: [...found.blocking, ...space, ...sources, ...subnets] };
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
