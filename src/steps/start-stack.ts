// Brings the stack up with `docker compose up -d --wait` and shows each service's progress, read from compose's
// own plain progress lines (no polling: berth must cost next to nothing while compose waits). One
// `config --services` before and one `ps -a` after; the full log goes under .berth/logs/.
import type { Exec } from '../compose/exec.js';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { composeEnv, composeUp, type ComposeOptions } from '../compose/docker-compose.js';
import { ENGINE_DOWN } from '../compose/engine-errors.js';
import type { Context } from '../context.js';
import { BerthError, ExitCode } from '../errors.js';
import { BERTH_DIR } from '../install-dir/state.js';
import type { FailureCause } from '../diagnose/classify.js';
import { diagnoseFailure } from '../diagnose/diagnose.js';
import { formatDiagnosis } from '../diagnose/messages.js';
import { cleanLines } from '../diagnose/evidence.js';
import { parseComposeLine, type Known } from '../progress/compose-lines.js';
import { failedService, finalStates, type ProgressEvent, type ProgressState } from '../progress/model.js';
import { jsonReporter } from '../progress/json.js';
import { plainReporter } from '../progress/plain.js';
import { psEvents } from '../progress/ps-json.js';
import { parsePs } from '../diagnose/evidence.js';
import { createProgressStore, type ProgressStore } from '../progress/store.js';
import { parseDotenv } from '../render/dotenv.js';
import { ENV_FILE } from '../render/render-recipe.js';
import type { Prepared } from './prepare.js';
import { startingServices, type ComposeDoc } from '../compose/services.js';
import type { RenderedBuild, RenderedHook } from '../render/render-recipe.js';
import { hookRow, hookStatus, runHooks, type HookFailure } from './hooks.js';
import type { StepReport } from './step-rows.js';
import { buildRow, runBuilds, type BuildFailure } from './builds.js';

export type ProgressOutput = 'auto' | 'plain' | 'json' | 'tty';

export interface StartOptions {
  /** auto: the Ink view on a terminal, plain lines otherwise (json with --json). */
  output?: ProgressOutput;
  /** The hooks to run once the stack is healthy (those not yet done: pendingHooks); a rollback runs none. */
  hooks?: readonly RenderedHook[];
  /** Images to build from the user's sources before `up` (a rollback builds none). */
  builds?: readonly RenderedBuild[];
  /** The interrupted recreates to remove before `up`, when asked earlier (leftoversBeforeWrite); else asked here. */
  leftovers?: Promise<readonly string[]>;
}

/** The stack did not come up: which service failed, and everything compose printed. */
export class StackStartError extends BerthError {
  constructor(
    message: string,
    readonly service: string | undefined,
    readonly output: readonly string[],
    readonly state: ProgressState,
    options: { hint: string; details: string[] },
    /** What the diagnosis found (daemon-unreachable: the engine stopped answering during the start). */
    readonly reason?: FailureCause,
  ) {
    super(message, { ...options, exitCode: ExitCode.compose });
    this.name = 'StackStartError';
  }
}

/** A stack that came up: its final states, the hooks that failed but only warn, and the bring-up's log. */
export interface Started {
  state: ProgressState;
  hookWarnings: HookFailure[];
  /** The log of this bring-up, relative to the install folder. */
  log: string;
}

type StartContext = Pick<Context, 'stdout' | 'now' | 'exec'> &
  Partial<Pick<Context, 'cli' | 'env' | 'terminal'>>;

/** A bring-up's own log, .berth/logs/<kind>-<time>.log (0600 in a 0700 folder): the file and its stream. */
export function openRunLog(
  dir: string,
  kind: string,
  now: Date,
): { file: string; log: NodeJS.WritableStream } {
  const logDir = path.join(dir, BERTH_DIR, 'logs');
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const file = path.join(logDir, `${kind}-${now.toISOString().replace(/[:.]/g, '-')}.log`);
  return { file, log: createWriteStream(file, { mode: 0o600 }) };
}

export async function startStack(
  p: Pick<Prepared, 'dir' | 'recipe' | 'project'>,
  ctx: StartContext,
  waitTimeout: number,
  options: StartOptions = {},
): Promise<Started> {
  const clock = () => ctx.now().getTime();
  const { file: logFile, log } = openRunLog(p.dir, 'up', ctx.now());
  // The .env as written (or as restored by a rollback) decides compose's variables.
  const env = readFileSync(path.join(p.dir, ENV_FILE), 'utf8');
  const compose: ComposeOptions = { cwd: p.dir, envNames: Object.keys(parseDotenv(env)) };
  // Asked now, while the view opens and images build (nothing there touches containers); removed before `up`.
  const leftovers = options.leftovers ?? interruptedRecreates(ctx.exec, compose, p.project);
  leftovers.catch(() => undefined);

  const store = createProgressStore(clock());
  const view = await attachReporter(store, ctx, chooseOutput(ctx, options));
  const oneshots = new Set(p.recipe.manifest.services.filter((s) => s.oneshot).map((s) => s.name));
  const names = servicesOf(p.dir, parseDotenv(env));
  const known: Known = { project: p.project, services: names };
  store.dispatch([
    { type: 'services', at: clock(), services: names.map((name) => ({ name, oneshot: oneshots.has(name) })) },
  ]);

  // Image builds before `up` and hooks after it are rows of the same view, logged with compose's output.
  const report: StepReport = {
    dispatch: (events) => store.dispatch(events),
    log: (line) => log.write(`${line}\n`),
    clock,
  };
  const builds = options.builds ?? [];
  const built = builds.length > 0 ? await runBuilds(builds, compose, report) : undefined;
  if (built) {
    store.dispatch([{ type: 'done', at: clock(), ok: false }]);
    await new Promise<void>((resolve) => log.end(resolve));
    await view.closed;
    throw buildError(built, store.get(), path.relative(p.dir, logFile), p.dir);
  }
  await removeInterruptedRecreates(ctx.exec, compose, await leftovers, log);
  const up = () =>
    followUp({ ...compose, pull: ctx.cli?.options.pull }, waitTimeout, log, (line) =>
      store.dispatch(parseComposeLine(line, known, clock())),
    );
  let { output, exitCode } = await up();
  // compose renames a container it recreates to <id>_<name> first: a run stopped right then leaves that container,
  // and every later `up` fails on its name. It is only ever compose's leftover: remove it and start again, once.
  const leftover = exitCode === 0 ? undefined : leftoverContainer(output, p.project);
  if (leftover) {
    log.write(`berth: removing ${leftover}, left by an interrupted recreate, and starting again\n`);
    await ctx.exec('docker', ['rm', '--force', leftover], { env: composeEnv(compose), timeoutMs: 60_000 });
    ({ output, exitCode } = await up());
  }
  store.dispatch(
    psEvents(
      parsePs((await composeLines(ctx.exec, compose, ['ps', '-a', '--format', 'json'])).join('\n')),
      clock(),
    ),
  );
  // compose 2.26 can exit 0 when --wait-timeout runs out with a service still starting: trust the engine's
  // final word (ps) over the exit code. Healthy means healthy.
  const stuck = store.get().services.some((s) => s.state === 'failed' || !finalStates.has(s.state));
  const hooks = options.hooks ?? [];
  const hooksRun =
    exitCode === 0 && !stuck && hooks.length > 0
      ? await runHooks(hooks, compose, ctx.exec, report)
      : { warnings: [] };
  const hookFailure = hooksRun.failure;
  await new Promise<void>((resolve) => log.end(resolve));
  if (hookFailure) {
    store.dispatch([{ type: 'done', at: clock(), ok: false }]);
    await view.closed;
    throw hookError(hookFailure, output, store.get(), path.relative(p.dir, logFile), p.dir);
  }
  const ok = exitCode === 0 && !stuck;
  // With the engine gone there are no logs to fetch, and no service to blame.
  const engineGone = output.some((line) => ENGINE_DOWN.test(line));
  if (!ok && !engineGone) store.dispatch(await failureEvents(ctx.exec, store.get(), compose, clock));
  const diagnosis = ok
    ? undefined
    : await diagnoseFailure({
        dir: p.dir,
        env: composeEnv(compose),
        composeOutput: output,
        composeExitCode: exitCode ?? 1,
        exec: ctx.exec,
      });
  store.dispatch([{ type: 'done', at: clock(), ok }]);
  await view.closed;
  const state = store.get();
  if (!diagnosis) return { state, hookWarnings: hooksRun.warnings, log: path.relative(p.dir, logFile) };
  const logs = [path.relative(p.dir, logFile), ...(diagnosis.logFile ? [diagnosis.logFile] : [])];
  throw new StackStartError(
    diagnosis.summary,
    diagnosis.service ?? failedService(state),
    output,
    state,
    {
      details: formatDiagnosis(diagnosis)
        .slice(1)
        .filter((line) => !line.startsWith('Hint: ')),
      hint: `${diagnosis.hint} Full logs: ${logs.join(' and ')} in ${p.dir}.`,
    },
    diagnosis.cause,
  );
}

function buildError(f: BuildFailure, state: ProgressState, log: string, dir: string): StackStartError {
  const status = f.exitCode === undefined ? 'was stopped' : `failed (exit ${f.exitCode})`;
  return new StackStartError(
    `The image for ${f.build.service} could not be built from ${f.build.context}: the build ${status}. Nothing was started.`,
    buildRow(f.build),
    [],
    state,
    {
      details: f.lines.map((l) => `  ${l}`),
      hint: `The whole build output is in ${log} in ${dir}. Fix the source (or answer with another one) and run berth install again.`,
    },
  );
}

function hookError(
  f: HookFailure,
  output: readonly string[],
  state: ProgressState,
  log: string,
  dir: string,
): StackStartError {
  return new StackStartError(
    `The stack is up, but hook ${f.hook.id} (${f.hook.description}) ${hookStatus(f)}.`,
    hookRow(f.hook),
    output,
    state,
    {
      details: [
        `docker compose ${f.hook.in} ${f.hook.service} ${f.hook.run.join(' ')}`,
        ...f.lines.map((l) => `  ${l}`),
      ],
      hint:
        `Its output is in ${log} in ${dir}. Fix the cause and run berth install again: ` +
        (f.hook.once ? 'a once hook runs until it succeeds.' : 'hooks run after every start.'),
    },
  );
}

/**
 * compose renames a container it recreates to `<12 hex>_<name>` before it makes the new one: a run stopped right
 * then leaves the old container under that name, and the next `up` makes a new one beside it, leaving the old one
 * behind for good. Only ever compose's leftover: found, then removed (removeInterruptedRecreates) before each start.
 */
async function interruptedRecreates(exec: Exec, compose: ComposeOptions, project: string): Promise<string[]> {
  const r = await exec(
    'docker',
    ['ps', '-a', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.Names}}'],
    { env: composeEnv(compose), timeoutMs: 30_000 },
  );
  return r.stdout
    .split('\n')
    .filter((name) => /^[0-9a-f]{12}_/.test(name) && name.slice(13).startsWith(`${project}-`));
}

/**
 * The same question asked before the files are written (install asks it while it validates them, so the answer is
 * there when `up` is due): compose's environment from the .env about to be written, as startStack would read it.
 */
export function leftoversBeforeWrite(
  exec: Exec,
  p: Pick<Prepared, 'dir' | 'project' | 'rendering'>,
): Promise<string[]> {
  const env = p.rendering.files.find((f) => f.path === ENV_FILE)?.content ?? '';
  return interruptedRecreates(exec, { cwd: p.dir, envNames: Object.keys(parseDotenv(env)) }, p.project);
}

async function removeInterruptedRecreates(
  exec: Exec,
  compose: ComposeOptions,
  leftovers: readonly string[],
  log: NodeJS.WritableStream,
): Promise<void> {
  if (leftovers.length === 0) return;
  log.write(`berth: removing ${leftovers.join(', ')}, left by an interrupted recreate\n`);
  await exec('docker', ['rm', '--force', ...leftovers], { env: composeEnv(compose), timeoutMs: 60_000 });
}

/** The container compose left renamed to `<12 hex>_<project>-…` when a recreate was cut short, if `up` hit it. */
export function leftoverContainer(output: readonly string[], project: string): string | undefined {
  for (const line of output) {
    const name = /Conflict\. The container name "\/([0-9a-f]{12}_[^"]+)" is already in use/.exec(line)?.[1];
    if (name?.slice(13).startsWith(`${project}-`)) return name;
  }
  return undefined;
}

/** Runs `up -d --wait`, logging and handing on each line of its output; resolves with all of it and the exit code. */
async function followUp(
  compose: ComposeOptions & { pull?: string | undefined },
  waitTimeout: number,
  log: NodeJS.WritableStream,
  onLine: (line: string) => void,
): Promise<{ output: string[]; exitCode: number | undefined }> {
  const { child } = await composeUp({ ...compose, timeoutSeconds: waitTimeout });
  const output: string[] = [];
  const keep = (line: string) => {
    log.write(`${line}\n`);
    output.push(line);
  };
  const deadline = startDeadline(child, waitTimeout, keep);
  for await (const line of child.iterable({ from: 'all' })) {
    const text = String(line);
    keep(text);
    deadline.saw(text);
    onLine(text);
  }
  const result = await child;
  deadline.clear();
  return { output, exitCode: result.exitCode };
}

/**
 * compose's --wait-timeout covers the wait for health only: a service that waits on a one-shot that never exits
 * (condition: service_completed_successfully) holds `up` forever. Once the images are there (the first container
 * line), berth gives the whole start the same time, plus a little, then stops compose; what is still not done is
 * then diagnosed like any other failure.
 */
function startDeadline(
  child: { kill(signal?: NodeJS.Signals): boolean },
  waitTimeout: number,
  note: (line: string) => void,
): { saw(line: string): void; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    saw(line) {
      if (timer || !/^\s*Container \S+\s+(Creat|Recreat|Start|Wait|Running)/.test(line)) return;
      timer = setTimeout(
        () => {
          note(
            `berth: nothing finished starting within ${waitTimeout} s (--wait-timeout); stopping compose.`,
          );
          child.kill('SIGTERM');
        },
        (waitTimeout + 5) * 1000,
      );
    },
    clear: () => clearTimeout(timer),
  };
}

export function chooseOutput(ctx: StartContext, options: StartOptions): Exclude<ProgressOutput, 'auto'> {
  if (options.output && options.output !== 'auto') return options.output;
  if (ctx.cli?.options.json) return 'json';
  const tty = (ctx.stdout as { isTTY?: boolean }).isTTY === true && ctx.env?.CI !== 'true';
  return tty ? 'tty' : 'plain';
}

/** Subscribes the chosen reporter; for the terminal view, a promise that settles once the view is gone. */
export async function attachReporter(
  store: ProgressStore,
  ctx: StartContext,
  output: Exclude<ProgressOutput, 'auto'>,
): Promise<{ closed: Promise<void> }> {
  if (output === 'json') store.subscribe(jsonReporter(ctx.stdout));
  if (output === 'plain') store.subscribe(plainReporter(ctx.stdout));
  if (output !== 'tty') return { closed: Promise.resolve() };
  // React and Ink load only here, so runs without a terminal never pay for them.
  const { renderProgress } = await import('../progress/render-progress.js');
  return renderProgress(store, {
    stdout: ctx.stdout as NodeJS.WriteStream,
    // Under curl | bash the keyboard is /dev/tty, not stdin: typed keys are swallowed there.
    ...(ctx.terminal ? { stdin: ctx.terminal.stdin } : {}),
    clock: () => ctx.now().getTime(),
  });
}

/** A run out of time names no service: mark what had not finished, and fetch the culprit's last log lines. */
async function failureEvents(
  exec: Exec,
  state: ProgressState,
  compose: ComposeOptions,
  clock: () => number,
): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  const timeout = state.messages.find((m) => /^application not healthy after/.test(m));
  if (timeout) {
    for (const s of state.services.filter((row) => !finalStates.has(row.state)))
      events.push({
        type: 'service',
        at: clock(),
        service: s.name,
        state: 'failed',
        detail: timeout.replace(/^application /, ''),
      });
  }
  const service = failedService({ ...state, done: { at: clock(), ok: false } });
  if (service) {
    const lines = await composeLines(
      exec,
      compose,
      ['logs', '--no-color', '--no-log-prefix', '--tail', '10', service],
      true,
    );
    events.push({ type: 'logs', at: clock(), service, lines: cleanLines(lines.join('\n')) });
  }
  return events;
}

async function composeLines(
  exec: Exec,
  compose: ComposeOptions,
  args: string[],
  withStderr = false,
): Promise<string[]> {
  const result = await exec('docker', ['compose', ...args], {
    cwd: compose.cwd,
    env: composeEnv(compose),
    timeoutMs: 60_000,
  });
  const text = withStderr ? `${result.stdout}\n${result.stderr}` : result.stdout;
  return text.split('\n').filter((l) => l.trim() !== '');
}

/**
 * The services `up` will start, read from the files in COMPOSE_FILE (the user's override included) rather than
 * asking `docker compose config --services` (~150 ms). Services behind a profile that is not enabled are left out.
 */
export function servicesOf(dir: string, dotenv: Record<string, string>): string[] {
  const docs = (dotenv.COMPOSE_FILE ?? 'compose.yaml').split(':').map((file) => {
    try {
      return parseYaml(readFileSync(path.join(dir, file), 'utf8'), { merge: true }) as ComposeDoc;
    } catch {
      return null; // compose itself reports a missing or broken file
    }
  });
  return startingServices(docs, dotenv.COMPOSE_PROFILES);
}
