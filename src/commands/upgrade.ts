// `berth upgrade`: the install moves to this berth's recipe version (or new image tags): a reconfigure with the
// newer recipe's defaults. In order: refuse a downgrade or a gated step (nothing read, nothing written), show the
// plan, pull every image while the old stack runs (a failed pull changes nothing), take a full backup, write the
// files, run the recipe's migrations, `up --wait`. On a failure the previous files and images come back, and the
// data too once a migration has run (from that backup). The downtime is measured from the engine's events.
// With --bundle FILE (upgrade/from-bundle.ts) the recipe and the images come from an offline bundle, checked first;
// its images are loaded where the others are pulled, and compose never pulls.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installHelp } from '../cli/help.js';
import { questionFlags } from '../cli/args.js';
import {
  composeCli,
  composeEnv,
  composeMissingError,
  type ComposeOptions,
} from '../compose/docker-compose.js';
import type { Context } from '../context.js';
import { detectFacts } from '../detect/detect.js';
import { contextProbe } from '../detect/probe.js';
import { BerthError, CancelledError, ExitCode, UsageError } from '../errors.js';
import { BERTH_DIR } from '../install-dir/state.js';
import { restoreBackup } from '../install-dir/transaction.js';
import { parseDotenv } from '../render/dotenv.js';
import { changePlan, changePlanText, type ChangePlan } from '../steps/change-plan.js';
import { hookWarning, pendingHooks } from '../steps/hooks.js';
import { ensureHostPaths } from '../steps/host-paths.js';
import { startCheck, validateStep } from '../steps/install-steps.js';
import { locate, type Located } from '../steps/locate.js';
import { prepare, type Prepared } from '../steps/prepare.js';
import { restorePreviousImages } from '../steps/builds.js';
import { startStack } from '../steps/start-stack.js';
import { writeFiles } from '../steps/write-files.js';
import { pendingMigrations, runMigrations, type RenderedMigration } from '../upgrade/migrations.js';
import { loadBundleImages } from '../bundle/load-images.js';
import { fromBundle, keepRecipe, type FromBundle } from '../upgrade/from-bundle.js';
import { pullImages } from '../upgrade/pull-images.js';
import { watchDowntime } from '../upgrade/downtime.js';
import { backUp, restore } from '../upgrade/safety-backup.js';
import { checkVersions, type Versions } from '../upgrade/versions-check.js';
import { refuseOnSwarm } from '../swarm/unsupported.js';
import { berthVersion } from '../version.js';

/** What an upgrade run keeps at hand: where words go, its log, the versions. */
interface Run {
  ctx: Context;
  say: Context['stdout'];
  /** The upgrade's own log (pull and migration output), relative to the install folder. */
  log: string;
  versions: Versions;
  /** berth upgrade --bundle: where the images and the recipe come from. */
  bundle?: FromBundle | undefined;
}

export async function upgradeCommand(ctx: Context): Promise<number> {
  if (ctx.cli.options.bundle === undefined || ctx.cli.options.help) return upgrade(ctx, undefined);
  const from = await fromBundle(ctx);
  if ('exitCode' in from) return from.exitCode;
  try {
    return await upgrade(from.ctx, from);
  } finally {
    from.cleanup();
  }
}

async function upgrade(ctx: Context, bundle: FromBundle | undefined): Promise<number> {
  const located = await locate(ctx);
  if (ctx.cli.options.help) {
    ctx.stdout.write(installHelp(located.recipe, 'upgrade'));
    return 0;
  }
  const state = located.previous.state;
  if (!state)
    throw new UsageError(`There is no berth install in ${located.dir} to upgrade.`, {
      hint: 'Name the install folder with --dir (berth install prints it at the end), or berth install first.',
    });
  refuseOnSwarm(state, located.dir, 'upgrade');
  const versions = { from: state.recipeVersion, to: located.recipe.manifest.version };
  checkVersions(located.recipe.manifest, versions, located.dir);
  const facts = await detectFacts({ dir: located.dir, base: ctx.facts, probe: contextProbe(ctx) });
  const compose = facts.docker ? composeCli(facts.docker) : undefined;
  if (!compose) throw composeMissingError();
  const run: Run = {
    ctx: { ...ctx, facts },
    say: ctx.cli.options.json ? ctx.stderr : ctx.stdout,
    log: path.join(BERTH_DIR, 'logs', `upgrade-${ctx.now().toISOString().replace(/[:.]/g, '-')}.log`),
    versions,
    bundle,
  };
  const prepared = await prepare(located, questionFlags(ctx.cli, located.recipe.manifest.questions), run.ctx);
  for (const warning of prepared.resolution.warnings) ctx.stderr.write(`! ${warning}\n`);
  const plainRun = { isRender: false, start: true, dryRun: false, say: run.say };
  const validated = await validateStep(run.ctx, prepared, startCheck(ctx, prepared, compose), plainRun);
  const plan = await changePlan(prepared, ctx.exec, true);
  const migrations = pendingMigrations(prepared, facts, versions);
  showPlan(run, prepared, plan, migrations);
  if (!plan.changed && versions.from === versions.to) {
    run.say.write('✔ Already up to date: nothing to pull, write or restart.\n');
    event(run, { type: 'upgraded', ok: true, changed: false, ...versions, downtimeSeconds: 0 });
    return 0;
  }
  await confirm(ctx);
  return apply(run, located, prepared, migrations, validated ?? '');
}

function showPlan(run: Run, p: Prepared, plan: ChangePlan, migrations: RenderedMigration[]): void {
  const { from, to } = run.versions;
  const what =
    from === to
      ? `${p.recipe.manifest.name} ${to} (same recipe version)`
      : `${p.recipe.manifest.name} ${from} → ${to}`;
  run.say.write(`\nUpgrade of ${p.dir}: ${what}\n${changePlanText(plan)}`);
  for (const m of migrations) run.say.write(`Migration that runs: ${m.id} (${m.description})\n`);
  event(run, { type: 'plan', ...run.versions, plan, migrations: migrations.map((m) => m.id) });
}

/** With a terminal and no --yes, the plan is confirmed before anything is pulled or stopped. */
async function confirm(ctx: Context): Promise<void> {
  if (!ctx.prompter || ctx.cli.options.yes) return;
  const yes = await ctx.prompter({
    question: {
      id: 'upgrade',
      type: 'confirm',
      prompt: 'Upgrade now? A backup is taken first; the stack restarts.',
    },
    initial: true,
    initialOrigin: 'default',
    answers: {},
  });
  if (yes !== true) throw new CancelledError();
}

/** Pull, back up, write, migrate, start; on any failure after the backup, roll back. */
async function apply(
  run: Run,
  located: Located,
  prepared: Prepared,
  migrations: RenderedMigration[],
  validated: string,
): Promise<number> {
  const { ctx } = run;
  const note = logger(prepared.dir, run.log);
  const pulled = await newImages(run, prepared, note);
  run.say.write(`✔ ${pulled.images.length} image(s) ready.\n`);
  const p = run.bundle?.recipeFolder ? keptRecipe(run, prepared) : prepared;
  const backup = await backUp(ctx, located, ctx.cli.options.json);
  run.say.write(
    `✔ Backup taken: ${backup.archive} (${(backup.bytes / 1e6).toFixed(1)} MB, ${backup.seconds.toFixed(1)} s).\n`,
  );
  const oneshots = new Set(p.recipe.manifest.services.filter((s) => s.oneshot).map((s) => s.name));
  const watch = await watchDowntime(
    p.project,
    oneshots,
    composeEnv({ cwd: p.dir, envNames: [] }),
    ctx.now().getTime(),
  );
  const written = writeFiles(p, { berthVersion: berthVersion(), now: ctx.now(), validated });
  for (const line of ensureHostPaths(p.dir, p.rendering.hostPaths, ctx.facts)) run.say.write(`✔ ${line}\n`);
  const compose: ComposeOptions = { cwd: p.dir, envNames: Object.keys(parseDotenv(envOf(p))) };
  let migrated = false;
  try {
    const failure = await runMigrations(migrations, compose, ctx.exec, {
      say: (line) => run.say.write(line),
      log: note,
      started: () => (migrated = true),
    });
    if (failure)
      throw new BerthError(
        `Migration ${failure.migration.id} (${failure.migration.description}) ${failure.exitCode === undefined ? `did not finish within ${failure.migration.timeoutSeconds} s` : `exited ${failure.exitCode}`}.`,
        {
          exitCode: ExitCode.compose,
          details: [
            `docker compose ${failure.migration.in} ${failure.migration.service} ${failure.migration.run.join(' ')}`,
            ...failure.lines.map((l) => `  ${l}`),
          ],
          hint: `Its whole output is in ${run.log} in ${p.dir}.`,
        },
      );
    run.say.write('\nStarting the new version (docker compose up -d --wait)…\n');
    const started = await startStack(p, ctx, ctx.cli.options.waitTimeout, {
      output: ctx.cli.options.json ? 'json' : 'auto',
      hooks: pendingHooks(p.rendering.hooks, p.previous.state?.hooksDone),
      builds: p.rendering.builds,
    });
    const downtime = await watch.stop(ctx.now().getTime());
    for (const w of started.hookWarnings.flatMap((h) => hookWarning(h, p.dir, started.log)))
      run.say.write(`${w}\n`);
    done(run, p, downtime, backup.archive, started.log);
    return 0;
  } catch (error) {
    const downtime = await watch.stop(ctx.now().getTime());
    if (!(error instanceof BerthError) || !ctx.cli.options.rollback) throw error;
    return rollBack(run, p, {
      error,
      backupName: written.backupName,
      archive: backup.archive,
      migrated,
      downtime,
      relog: note.again,
    });
  }
}

/** Pulls the new images, or loads them from the bundle (no pull), while the old stack keeps running. */
async function newImages(run: Run, p: Prepared, note: (line: string) => void) {
  const { ctx, bundle } = run;
  if (bundle) {
    const env = composeEnv({ cwd: p.dir, envNames: [], env: ctx.env });
    run.say.write('\n');
    await loadBundleImages(bundle.bundle, env, (line) => {
      run.say.write(line);
      note(`load | ${line.trimEnd()}`);
    });
    return pullImages(p, ctx.exec, note, bundle.bundle.file);
  }
  run.say.write('\nPulling the new images while the stack keeps running…\n');
  const pulled = await pullImages(p, ctx.exec, note);
  for (const l of pulled.local)
    run.say.write(`! ${l.image}: not pulled (${l.reason}); using this machine's copy.\n`);
  return pulled;
}

/** The bundle's recipe folder goes under berth's own folder, which state.json then names for later runs. */
function keptRecipe(run: Run, p: Prepared): Prepared {
  const m = p.recipe.manifest;
  const folder = keepRecipe(run.ctx.env, run.bundle!.recipeFolder!, m.name, m.version);
  run.say.write(`✔ The bundle's recipe kept in ${folder}.\n`);
  return { ...p, recipe: { ...p.recipe, folder } };
}

function done(run: Run, p: Prepared, downtime: number, archive: string, log: string): void {
  const { from, to } = run.versions;
  const what =
    from === to ? `${p.recipe.manifest.name} ${to}: new images` : `${p.recipe.manifest.name} ${from} → ${to}`;
  run.say.write(
    `\n✔ Upgraded ${what}. Downtime: ${downtime.toFixed(1)} s.\n` +
      `  Backup taken before the upgrade: ${archive}\n  Logs: ${run.log} and ${log} in ${p.dir}\n`,
  );
  event(run, {
    type: 'upgraded',
    ok: true,
    changed: true,
    from,
    to,
    downtimeSeconds: round(downtime),
    backup: archive,
    log: run.log,
  });
}

/**
 * Puts the previous version back: its files (the reconfigure's file backup) and built images, and, once a
 * migration has run, everything from the backup archive (restore stops the stack, puts the data back and brings
 * it up healthy); else the previous files are started again. Always throws: the upgrade did not happen.
 */
async function rollBack(
  run: Run,
  p: Prepared,
  f: {
    error: BerthError;
    backupName: string | undefined;
    archive: string;
    migrated: boolean;
    downtime: number;
    /** Writes the upgrade's log again, once a restore put back .berth/ as it was at the backup. */
    relog: () => void;
  },
): Promise<never> {
  const { ctx } = run;
  const { from, to } = run.versions;
  const data = f.migrated ? ', and the data from the backup (a migration had run)' : '';
  run.say.write(`\n✖ ${f.error.message}\nRolling back to ${from}: the previous files and images${data}…\n`);
  const failed = `The upgrade of ${p.recipe.manifest.name} from ${from} to ${to} failed: ${f.error.message}`;
  const logs = `Logs: ${run.log} (pull, migrations) and .berth/logs/ in ${p.dir}.`;
  try {
    if (f.backupName) restoreBackup(p.dir, f.backupName);
    await restorePreviousImages(p.rendering.builds, { cwd: p.dir, envNames: [] });
    if (f.migrated) {
      await restore(ctx, f.archive, p.dir, ctx.cli.options.json);
      f.relog();
    } else
      await startStack(p, ctx, ctx.cli.options.waitTimeout, {
        output: ctx.cli.options.json ? 'json' : 'auto',
      });
  } catch (error) {
    throw new BerthError(`${failed} Rolling back failed too.`, {
      exitCode: ExitCode.compose,
      cause: error,
      details: [
        ...f.error.details,
        ...(error instanceof BerthError ? [error.message, ...error.details] : [String(error)]),
      ],
      hint: `The backup taken before the upgrade is ${f.archive}: berth restore ${f.archive} --dir ${p.dir} puts it back. ${logs}`,
    });
  }
  event(run, {
    type: 'upgraded',
    ok: false,
    from,
    to,
    rolledBack: true,
    dataRestored: f.migrated,
    downtimeSeconds: round(f.downtime),
    backup: f.archive,
    log: run.log,
  });
  throw new BerthError(
    `${failed} ${from} was put back${f.migrated ? ' with its data as it was before the upgrade' : ''} and is running again.`,
    {
      exitCode: ExitCode.compose,
      cause: f.error,
      details: f.error.details,
      hint: `${f.error.hint ?? ''} ${logs} The backup taken before the upgrade: ${f.archive}.`.trim(),
    },
  );
}

const round = (s: number) => Math.round(s * 10) / 10;

function event(run: Run, data: Record<string, unknown>): void {
  if (run.ctx.cli.options.json) run.ctx.stdout.write(`${JSON.stringify(data)}\n`);
}

const envOf = (p: Prepared): string => p.rendering.files.find((f) => f.path === '.env')!.content;

/** Appends to the upgrade's log; `again()` writes it whole once more (a restore puts back .berth/ as it was). */
function logger(dir: string, log: string): ((line: string) => void) & { again(): void } {
  const file = path.join(dir, log);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const lines: string[] = [];
  const note = (line: string) => {
    lines.push(line);
    appendFileSync(file, `${line}\n`, { mode: 0o600 });
  };
  return Object.assign(note, {
    again: () => writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 }),
  });
}
