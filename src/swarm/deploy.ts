// `--target swarm`: the install folder's stack deployed with `docker stack deploy`, in the order compose would
// start it. Swarm has no depends_on conditions, so berth deploys one layer of services at a time (the stack
// file of the first k layers; services already deployed are left as they are) and waits, by polling the tasks,
// until each service of the layer is running (healthy, where it has a healthcheck: swarm only calls a task
// running once its health check passed) or, for a one-shot job, completed. The same progress view, plain lines
// and JSON events as a compose start report it. A reconfigure is the same deploy: swarm rolls each changed
// service one task at a time and rolls it back by itself when the new task fails; berth reports that.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { composeEnv, type ComposeOptions } from '../compose/docker-compose.js';
import { failureText, loadExeca, type Exec } from '../compose/exec.js';
import type { Context } from '../context.js';
import { BerthError, ExitCode } from '../errors.js';
import { BERTH_DIR } from '../install-dir/state.js';
import { finalStates, type ProgressEvent, type ServiceState } from '../progress/model.js';
import { createProgressStore } from '../progress/store.js';
import { parseDotenv } from '../render/dotenv.js';
import { ENV_FILE } from '../render/render-recipe.js';
import type { Recipe } from '../recipes/load-recipe.js';
import { watchStack, type Tally, type Wake } from './wake.js';
import { errorText, NAMESPACE_LABEL, parseJsonLines, type StackPsRow } from './services.js';
import {
  attachReporter,
  chooseOutput,
  openRunLog,
  StackStartError,
  type Started,
  type StartOptions,
} from '../steps/start-stack.js';
import {
  dataLabel,
  stepDoc,
  toStack,
  type ComposeJson,
  type MountedFile,
  type StackPlan,
  type WaitFor,
} from './stack-file.js';

export { NAMESPACE_LABEL };
/**
 * How often the tasks are read while a layer comes up (two docker calls, ~50 ms of the CPU): on a swarm of one node
 * every task's container sends this node's engine events, which wake the wait (wake.ts), so the poll is only the
 * safety net; tasks on other nodes send none here.
 */
const POLL_MS = { oneNode: 1000, nodes: 400 };
export const STACK_FILE = `${BERTH_DIR}/swarm/stack.yaml`;

type DeployContext = Pick<Context, 'stdout' | 'now' | 'exec'> &
  Partial<Pick<Context, 'cli' | 'env' | 'terminal'>>;

/** The .env names whose values must never be seen: the recipe's generated secrets and its secret answers. */
export function secretNames(recipe: Pick<Recipe, 'manifest'>): string[] {
  const m = recipe.manifest;
  return [
    ...m.secrets.map((s) => s.env),
    ...m.questions.filter((q) => q.type === 'secret' && q.env).map((q) => q.env!),
  ];
}

/**
 * The stack file for the install folder `dir` (or a staged copy of it): `docker compose config` merges and
 * interpolates, stack-file.ts translates. `hostFolders` are the recipe's host paths (created only at install).
 */
export async function swarmPlan(
  exec: Exec,
  dir: string,
  recipe: Pick<Recipe, 'manifest'>,
  project: string,
  hostFolders: readonly string[] = [],
): Promise<StackPlan> {
  const dotenv = parseDotenv(readFileSync(path.join(dir, ENV_FILE), 'utf8'));
  const compose: ComposeOptions = { cwd: dir, envNames: Object.keys(dotenv) };
  const result = await exec('docker', ['compose', 'config', '--format', 'json'], {
    cwd: dir,
    env: composeEnv(compose),
    timeoutMs: 60_000,
  });
  if (result.exitCode !== 0)
    throw new BerthError('`docker compose config` rejected the files of this install.', {
      exitCode: ExitCode.compose,
      details: failureText(result).split('\n'),
    });
  const config = JSON.parse(result.stdout) as ComposeJson;
  const secrets = Object.fromEntries(
    secretNames(recipe)
      .filter((name) => dotenv[name])
      .map((name) => [name, dotenv[name]!]),
  );
  return toStack({
    project,
    config,
    secrets,
    swarm: recipe.manifest.swarm,
    readMount: (source) => readMount(source, hostFolders),
    ipvs: kernelHasIpvs(),
  });
}

/**
 * Whether this kernel has IPVS: loaded (its /proc file is there once dockerd set up the ingress network), or a
 * module the kernel can load. The nodes of one swarm run alike kernels, as a rule; berth runs on a manager.
 */
export function kernelHasIpvs(): boolean {
  if (existsSync('/proc/net/ip_vs')) return true;
  const modules = path.join('/lib/modules', os.release());
  for (const list of ['modules.builtin', 'modules.dep']) {
    try {
      if (/\/ip_vs\.ko/.test(readFileSync(path.join(modules, list), 'utf8'))) return true;
    } catch {
      // not there
    }
  }
  return false;
}

function readMount(source: string, hostFolders: readonly string[]): MountedFile | 'dir' | undefined {
  try {
    const st = statSync(source);
    if (st.isDirectory()) return 'dir';
    return { content: readFileSync(source), mode: st.mode & 0o777, uid: st.uid, gid: st.gid };
  } catch {
    // A host folder the install creates before it starts.
    return hostFolders.some((f) => source === f || source.startsWith(`${f}/`)) ? 'dir' : undefined;
  }
}

/** Refuses, before anything runs, what swarm cannot do for this stack. */
export function refuseProblems(plan: StackPlan, recipeName: string): void {
  if (plan.problems.length === 0) return;
  throw new BerthError(
    `This ${recipeName} stack cannot run on Docker Swarm as answered. Nothing was deployed.`,
    {
      exitCode: ExitCode.usage,
      details: plan.problems,
      hint: 'Change the answers named (or install with --target compose); docs/scale-out.md lists what swarm cannot do.',
    },
  );
}

/** The swarm as this engine sees it. */
export interface SwarmInfo {
  state: string;
  manager: boolean;
  nodeId: string;
  nodes: number;
  /** This engine's host name (`docker info` .Name), as `docker node ls` shows this node. */
  name: string;
}

export async function swarmInfo(
  exec: Exec,
  env: Readonly<Record<string, string | undefined>>,
): Promise<SwarmInfo> {
  const r = await exec('docker', ['info', '--format', '{"swarm":{{json .Swarm}},"name":{{json .Name}}}'], {
    env,
    timeoutMs: 30_000,
  });
  if (r.exitCode !== 0)
    throw new BerthError('The Docker engine did not answer (`docker info`).', {
      exitCode: ExitCode.compose,
      details: [failureText(r)],
    });
  const { swarm: s, name } = JSON.parse(r.stdout) as {
    swarm: { LocalNodeState: string; ControlAvailable: boolean; NodeID: string; Nodes: number };
    name: string;
  };
  return {
    state: s.LocalNodeState,
    manager: s.ControlAvailable,
    nodeId: s.NodeID,
    nodes: s.Nodes ?? 0,
    name: name ?? '',
  };
}

/** What the swarm preflight found on the staged files (install-steps.ts), for the deploy of the same files. */
export interface SwarmChecked {
  info: SwarmInfo;
  /** The stack file's translation, with the install folder's paths. */
  plan: StackPlan;
  /** The node that holds (or will hold) the stack's data; only when a service is pinned to it. */
  node?: { id: string; hostname: string; labelled: boolean };
  /** What of the stack runs already: its services, Docker secrets and configs. */
  stack: StackNow;
}

export interface StackNow {
  running: string[];
  secrets: Set<string>;
  configs: Set<string>;
}

/** What of the stack is on the swarm now (berth labels its secrets and configs with the stack's namespace). */
export async function stackNow(exec: Exec, env: Record<string, string>, project: string): Promise<StackNow> {
  const [running, secrets, configs] = await Promise.all([
    stackServices(exec, env, project),
    labelledOnSwarm(exec, env, 'secret', project),
    labelledOnSwarm(exec, env, 'config', project),
  ]);
  return { running, secrets, configs };
}

/** Only a manager deploys stacks. */
export function notManagerError(info: SwarmInfo): BerthError {
  const where =
    info.state === 'active'
      ? 'This engine is a swarm worker; stacks are deployed from a manager.'
      : 'This engine is not part of a swarm.';
  return new BerthError(`--target swarm needs a swarm manager. ${where}`, {
    exitCode: ExitCode.preflight,
    hint:
      info.state === 'active'
        ? 'Run berth on a manager node (docker node ls there lists the nodes).'
        : 'Make one with `docker swarm init` (docs/scale-out.md), or install with --target compose.',
  });
}

/** Deploys the stack layer by layer and waits for each; the same progress and errors as a compose start. */
export async function deploySwarm(
  p: {
    dir: string;
    recipe: Recipe;
    project: string;
    /** The preflight's findings on these very files (it refused what swarm cannot run): not asked again. */
    checked: SwarmChecked;
  },
  ctx: DeployContext,
  waitTimeout: number,
  options: StartOptions = {},
): Promise<Started> {
  const clock = () => ctx.now().getTime();
  const { file: logFile, log } = openRunLog(p.dir, 'deploy', ctx.now());
  const dotenv = parseDotenv(readFileSync(path.join(p.dir, ENV_FILE), 'utf8'));
  const baseEnv = composeEnv({
    cwd: p.dir,
    envNames: Object.keys(dotenv),
    ...(ctx.env ? { env: ctx.env } : {}),
  });

  const { info, plan, stack } = p.checked;
  mkdirSync(path.join(p.dir, BERTH_DIR, 'swarm'), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(p.dir, STACK_FILE), stackText(plan.doc, p.recipe.manifest.name), { mode: 0o600 });
  for (const note of plan.notes) log.write(`note: ${note}\n`);

  const store = createProgressStore(clock());
  const view = await attachReporter(store, ctx, chooseOutput(ctx, options));
  const oneshots = new Set(
    Object.entries(plan.waitFor)
      .filter(([, w]) => w === 'completed')
      .map(([n]) => n),
  );
  store.dispatch([
    {
      type: 'services',
      at: clock(),
      services: plan.layers.flat().map((name) => ({ name, oneshot: oneshots.has(name) })),
    },
  ]);
  const env = { ...baseEnv, ...plan.env };
  const deadline = clock() + waitTimeout * 1000;
  let failure: { service: string | undefined; message: string; details: string[] } | undefined;
  const waiting: WaitContext = {
    exec: ctx.exec,
    env,
    project: p.project,
    deadline,
    clock,
    dispatch: (events) => store.dispatch(events),
    log,
    wake: await watchStack(p.project, env),
    pollMs: info.nodes > 1 ? POLL_MS.nodes : POLL_MS.oneNode,
  };
  try {
    await Promise.all([
      p.checked.node ? labelDataNode(ctx.exec, env, p.project, p.checked.node) : undefined,
      createSecrets(plan, p.project, env, log, stack.secrets),
    ]);
    // A first deploy starts each layer's services together; an update of a running stack rolls one service at a
    // time, in the same order, so a failure stops before the services after it are touched.
    const running = new Set(stack.running);
    const steps = running.size > 0 ? plan.layers.flatMap((l) => l.map((s) => [s])) : plan.layers;
    for (const layer of steps) {
      if (failure) break;
      // Only a service that runs already has a before (a new one's every task is new).
      const before = layer.some((s) => running.has(`${p.project}_${s}`))
        ? await snapshot(waiting, layer)
        : { services: new Map(), tasks: new Set<string>(), at: clock() };
      const deployed = await stackDeploy(stepDoc(plan, layer), p.project, env, log);
      if (deployed) {
        failure = { service: undefined, message: 'docker stack deploy failed.', details: deployed };
        break;
      }
      failure = await waitForLayer(plan, layer, before, waiting);
    }
    if (!failure)
      await Promise.all([
        removeOtherServices(ctx.exec, env, p.project, plan.layers.flat(), log, running),
        removeUnused(ctx.exec, env, plan, log, { secret: stack.secrets, config: stack.configs }),
      ]);
  } finally {
    waiting.wake.stop();
    store.dispatch([{ type: 'done', at: clock(), ok: !failure }]);
    await view.closed;
    await new Promise<void>((resolve) => log.end(resolve));
  }
  const logRel = path.relative(p.dir, logFile);
  if (!failure) return { state: store.get(), hookWarnings: [], log: logRel };
  throw new StackStartError(failure.message, failure.service, [], store.get(), {
    details: failure.details,
    hint: `The deploy's log is ${logRel} in ${p.dir}; \`berth status\` shows each service's tasks.`,
  });
}

/** The stack file as written to .berth/swarm/stack.yaml (no secret in it), for people to read. */
export function stackText(doc: StackPlan['doc'], recipe: string): string {
  return (
    `# The ${recipe} stack as berth deployed it to Docker Swarm (docker stack deploy). Generated from the compose\n` +
    `# files of this folder on every install; edit those (compose.override.yaml), not this file.\n` +
    stringify(doc, { lineWidth: 0 })
  );
}

/** Where the stack's data is to live: the node already labelled for it, else the one asked for, else this one. */
export async function dataNodeFor(
  exec: Exec,
  env: Record<string, string>,
  project: string,
  info: SwarmInfo,
  wanted: string | undefined,
): Promise<{ id: string; hostname: string; labelled: boolean }> {
  const label = dataLabel(project);
  const listed = await exec(
    'docker',
    ['node', 'ls', '--filter', `node.label=${label}=true`, '--format', '{{.ID}} {{.Hostname}}'],
    { env, timeoutMs: 30_000 },
  );
  const [held] = listed.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ') as [string, string]);
  const asked = wanted ? await nodeNamed(exec, env, wanted) : undefined;
  if (held) {
    if (asked && asked.id !== held[0])
      throw new BerthError(
        `The data of ${project} is on node ${held[1]} (labelled ${label}=true), not on ${wanted}; berth does not move data between nodes.`,
        {
          exitCode: ExitCode.usage,
          hint: `Leave --data-node out (or name ${held[1]}), or move the volumes to ${wanted} yourself and then the label (docs/scale-out.md, "Where the data lives").`,
        },
      );
    return { id: held[0], hostname: held[1], labelled: true };
  }
  if (asked) return { ...asked, labelled: false };
  return { id: info.nodeId, hostname: info.name ? `${info.name} (this one)` : 'this one', labelled: false };
}

async function nodeNamed(
  exec: Exec,
  env: Record<string, string>,
  name: string,
): Promise<{ id: string; hostname: string }> {
  const r = await exec('docker', ['node', 'inspect', name, '--format', '{{.ID}} {{.Description.Hostname}}'], {
    env,
    timeoutMs: 30_000,
  });
  const [id, hostname] = r.stdout.trim().split(' ');
  if (r.exitCode !== 0 || !id)
    throw new BerthError(`--data-node ${name}: there is no such node in this swarm.`, {
      exitCode: ExitCode.usage,
      hint: '`docker node ls` on a manager lists the nodes by hostname and ID.',
    });
  return { id, hostname: hostname ?? name };
}

async function labelDataNode(
  exec: Exec,
  env: Record<string, string>,
  project: string,
  node: { id: string; hostname: string; labelled: boolean },
): Promise<void> {
  const label = dataLabel(project);
  if (node.labelled) return;
  // No node holds this stack's data yet: the one asked for (or this manager) does from now on.
  const r = await exec('docker', ['node', 'update', '--label-add', `${label}=true`, node.id], {
    env,
    timeoutMs: 30_000,
  });
  if (r.exitCode !== 0)
    throw new BerthError(
      `Could not label node ${node.hostname} as the one holding the stack's data (${label}).`,
      {
        exitCode: ExitCode.compose,
        details: [failureText(r)],
      },
    );
}

/** Docker secrets from values: created with the value on stdin (never argv), labelled with the stack. */
async function createSecrets(
  plan: StackPlan,
  project: string,
  env: Record<string, string>,
  log: NodeJS.WritableStream,
  have: ReadonlySet<string>,
): Promise<void> {
  const { execa } = await loadExeca();
  const create = async (secret: StackPlan['secrets'][number]) => {
    const r = await execa(
      'docker',
      ['secret', 'create', '--label', `${NAMESPACE_LABEL}=${project}`, secret.name, '-'],
      { env, extendEnv: false, reject: false, input: secret.value },
    );
    log.write(`docker secret create ${secret.name}: exit ${r.exitCode}\n`);
    if (r.exitCode !== 0)
      throw new BerthError(`Could not create the Docker secret ${secret.name}.`, {
        exitCode: ExitCode.compose,
        details: [String(r.stderr).trim()],
      });
  };
  await Promise.all(plan.secrets.filter((x) => !have.has(x.name)).map(create));
}

/** The names of the stack's Docker secrets or configs (berth labels each with the stack's namespace). */
async function labelledOnSwarm(
  exec: Exec,
  env: Record<string, string>,
  kind: 'secret' | 'config',
  project: string,
): Promise<Set<string>> {
  const r = await exec(
    'docker',
    [kind, 'ls', '--filter', `label=${NAMESPACE_LABEL}=${project}`, '--format', '{{.Name}}'],
    { env, timeoutMs: 30_000 },
  );
  return new Set(r.stdout.split('\n').filter(Boolean));
}

/** `docker stack deploy` of this stack file (on stdin); the lines of its output when it failed. */
async function stackDeploy(
  doc: StackPlan['doc'],
  project: string,
  env: Record<string, string>,
  log: NodeJS.WritableStream,
): Promise<string[] | undefined> {
  const { execa } = await loadExeca();
  const args = [
    'stack',
    'deploy',
    '--detach=true',
    // Images are named by pinned tags; every node resolves them itself (an offline install has no registry).
    '--resolve-image',
    'never',
    '--compose-file',
    '-',
    project,
  ];
  const r = await execa('docker', args, {
    env,
    extendEnv: false,
    reject: false,
    input: stringify(doc, { lineWidth: 0 }),
    all: true,
  });
  const lines = String(r.all ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '');
  log.write(`docker ${args.join(' ')}: exit ${r.exitCode}\n${lines.join('\n')}\n`);
  return r.exitCode === 0 ? undefined : lines;
}

interface WaitContext {
  exec: Exec;
  env: Record<string, string>;
  project: string;
  deadline: number;
  clock: () => number;
  dispatch: (events: ProgressEvent[]) => void;
  log: NodeJS.WritableStream;
  wake: Wake;
  pollMs: number;
}

/** One task of the stack, from `docker stack ps --format json` (services.ts reads the same for status). */
export type TaskRow = StackPsRow;
export interface ServiceInspect {
  ID?: string;
  Spec: { Name: string; TaskTemplate?: unknown };
  UpdateStatus?: { State?: string; Message?: string };
  ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number; CompletedTasks?: number };
  JobStatus?: { JobIteration?: { Index?: number } };
  Version?: { Index?: number };
}

/** What the layer's services were before its deploy: spec version and update status, and every task's ID. */
interface Before {
  services: Map<string, ServiceInspect>;
  tasks: Set<string>;
  at: number;
}

async function snapshot(w: WaitContext, layer: string[]): Promise<Before> {
  const [tasks, services] = await Promise.all([stackTasks(w), inspectServices(w, layer)]);
  return { services, tasks: new Set(tasks.map((t) => t.ID)), at: w.clock() };
}

/** Polls the layer's services until each is up (or a job completed), one fails, or the time runs out. */
async function waitForLayer(
  plan: StackPlan,
  layer: string[],
  before: Before,
  w: WaitContext,
): Promise<{ service: string | undefined; message: string; details: string[] } | undefined> {
  const pending = new Set(layer);
  const seen = new Map<string, ServiceState>();
  const report = (name: string, state: ServiceState, detail?: string) => {
    if (state === seen.get(name)) return;
    seen.set(name, state);
    w.log.write(`${name}: ${state}${detail ? ` (${detail})` : ''}\n`);
    w.dispatch([{ type: 'service', at: w.clock(), service: name, state, ...(detail ? { detail } : {}) }]);
  };
  // The services this deploy creates, by ID: their containers' events on this node are their verdict (wake.ts).
  const created = new Map<string, string>();
  const errors = new Map<string, string>();
  while (pending.size > 0) {
    const [tasks, services] = await Promise.all([stackTasks(w), inspectServices(w, [...pending])]);
    for (const name of [...pending]) {
      const full = `${w.project}_${name}`;
      const now = services.get(full);
      if (now?.ID && !before.services.has(full)) created.set(name, now.ID);
      const mine = tasks.filter((t) => t.Name === full || t.Name.startsWith(`${full}.`));
      const error = freshError(mine, before.tasks);
      if (error) errors.set(name, error);
      const verdict = serviceVerdict(plan, name, {
        now,
        before: before.services.get(full),
        tasks: mine,
        oldTasks: before.tasks,
        seenError: errors.get(name),
      });
      report(name, verdict.state, verdict.detail);
      if (verdict.state === 'failed') {
        const lines = await serviceLogs(w, full);
        w.dispatch([{ type: 'logs', at: w.clock(), service: name, lines }]);
        return {
          service: name,
          message: `${name} did not come up on the swarm: ${verdict.detail ?? 'its task failed'}.`,
          details: lines.map((l) => `  ${l}`),
        };
      }
      if (finalStates.has(verdict.state)) pending.delete(name);
    }
    if (pending.size === 0) break;
    if (w.clock() > w.deadline) {
      const late = [...pending];
      for (const name of late)
        w.dispatch([
          { type: 'service', at: w.clock(), service: name, state: 'failed', detail: 'not up in time' },
        ]);
      const lines = await serviceLogs(w, `${w.project}_${late[0]}`);
      return {
        service: late[0],
        message: `${late.join(', ')} did not come up on the swarm within --wait-timeout.`,
        details: lines.map((l) => `  ${l}`),
      };
    }
    await w.wake.next(w.pollMs);
    for (const name of [...pending]) {
      const id = created.get(name);
      const up = id ? upByEvents(plan, name, w.wake.tally(id)) : undefined;
      if (!up) continue;
      report(name, up);
      pending.delete(name);
    }
  }
  return undefined;
}

/** A service this deploy created is up once this many of its tasks' containers were healthy, started, exited 0. */
export function upByEvents(
  plan: Pick<StackPlan, 'waitFor' | 'replicas'>,
  name: string,
  tally: Tally,
): ServiceState | undefined {
  const wanted = plan.waitFor[name];
  const replicas = plan.replicas[name] ?? 1;
  if (wanted === 'completed') return tally.completed >= replicas ? 'completed' : undefined;
  if (wanted === 'healthy') return tally.healthy >= replicas ? 'healthy' : undefined;
  return tally.running >= replicas ? 'running' : undefined;
}

/** One service as one poll sees it, against what it was before this deploy. */
export interface ServiceSight {
  now: ServiceInspect | undefined;
  before: ServiceInspect | undefined;
  tasks: readonly TaskRow[];
  /** Task IDs that existed before this deploy: their failures and completions are old news. */
  oldTasks: ReadonlySet<string>;
  /**
   * The error of a task of this deploy that an earlier poll saw. Swarm keeps five tasks per slot and deletes the
   * oldest by status time first: a task rejected before a rollback can be gone by the time the rollback completes.
   */
  seenError?: string;
}

const failedTask = (t: TaskRow) => /^(Failed|Rejected)/.test(t.CurrentState);
const taskError = (t: TaskRow | undefined) => (t ? t.Error || t.CurrentState.split(' ')[0] : undefined);

/** The error of the newest task this deploy started that failed or was rejected. */
export function freshError(tasks: readonly TaskRow[], oldTasks: ReadonlySet<string>): string | undefined {
  return taskError(tasks.find((t) => !oldTasks.has(t.ID) && failedTask(t)));
}

/**
 * What a service's tasks and update status say, as a progress state. A service this deploy changed counts only
 * what happened since: its update (the status swarm keeps from an earlier update is old news), its new tasks.
 */
export function serviceVerdict(
  plan: Pick<StackPlan, 'waitFor' | 'replicas'>,
  name: string,
  sight: ServiceSight,
): { state: ServiceState; detail?: string } {
  const { now, before } = sight;
  // `docker stack deploy` updates every service, also to the same spec. What this deploy changed: the update
  // swarm ran since (its status moved), or the task template (new tasks must replace the old ones; swarm may not
  // have begun, on a busy machine for seconds). An old update's status (an earlier rollback) is history.
  const moved = before !== undefined && (now?.Version?.Index ?? 0) > (before.Version?.Index ?? 0);
  const update =
    moved && JSON.stringify(now?.UpdateStatus ?? null) !== JSON.stringify(before.UpdateStatus ?? null)
      ? now?.UpdateStatus
      : undefined;
  const templateChanged =
    moved && JSON.stringify(now?.Spec.TaskTemplate) !== JSON.stringify(before.Spec.TaskTemplate);
  const changed = update !== undefined || templateChanged;
  const fresh = sight.tasks.filter((t) => !sight.oldTasks.has(t.ID));
  const failed = fresh.filter(failedTask);
  const lastError = taskError(failed[0]) ?? sight.seenError;
  const state = update?.State;
  if (state === 'rollback_completed' || state === 'rollback_paused' || state === 'paused') {
    return {
      state: 'failed',
      detail: `its update failed${lastError ? ` (${lastError})` : ''} and swarm rolled it back to the previous version`,
    };
  }
  const wanted = plan.waitFor[name];
  if (wanted === 'completed') {
    // Every update of a job, even to the same spec, is a new run: only its new tasks say how it went.
    const tasks = moved || changed || before === undefined ? fresh : sight.tasks;
    if (tasks.some((t) => /^Complete/.test(t.CurrentState))) return { state: 'completed' };
    if (failed.length > 0) return { state: 'failed', detail: lastError ?? 'the job failed' };
    return progressOf(tasks, wanted);
  }
  // Swarm restarts a failing task; three new failures is a service that will not come up.
  // A changed template counts only the tasks started since; an update swarm finished, all that run.
  const counted = templateChanged && state !== 'completed' ? fresh : sight.tasks;
  const running = counted.filter((t) => t.DesiredState === 'Running' && /^Running/.test(t.CurrentState));
  if (failed.length >= 3 && running.length === 0)
    return { state: 'failed', detail: lastError ?? 'its tasks keep failing' };
  const updating = state === 'updating' || state === 'rollback_started';
  if (running.length >= (plan.replicas[name] ?? 1) && !updating)
    return { state: wanted === 'healthy' ? 'healthy' : 'running' };
  if (state === 'rollback_started')
    return { state: 'starting', detail: `rolling back${lastError ? ` (${lastError})` : ''}` };
  if (updating || (templateChanged && sight.tasks.some((t) => /^Running/.test(t.CurrentState))))
    return { state: 'starting', detail: 'updating' };
  return progressOf(
    sight.tasks.filter((t) => t.DesiredState !== 'Shutdown'),
    wanted,
  );
}

function progressOf(
  tasks: readonly TaskRow[],
  wanted: WaitFor | undefined,
): { state: ServiceState; detail?: string } {
  const newest = tasks[0];
  const now = newest?.CurrentState.split(' ')[0] ?? '';
  if (now === 'Preparing') return { state: 'pulling' };
  if (/^(New|Pending|Assigned|Accepted|Ready)$/.test(now)) return { state: 'creating' };
  if (now === 'Starting')
    return { state: 'starting', detail: wanted === 'healthy' ? 'health: starting' : 'starting' };
  if (now === 'Running') return { state: 'starting' };
  return { state: 'creating' };
}

async function stackTasks(w: WaitContext): Promise<TaskRow[]> {
  const r = await w.exec('docker', ['stack', 'ps', w.project, '--no-trunc', '--format', 'json'], {
    env: w.env,
    timeoutMs: 30_000,
  });
  if (r.exitCode !== 0) return [];
  return parseJsonLines<TaskRow>(r.stdout).map((t) => ({
    ...t,
    Name: t.Name.replace(/^\s*\\_\s*/, ''),
    Error: errorText(t.Error ?? ''),
  }));
}

async function inspectServices(w: WaitContext, names: string[]): Promise<Map<string, ServiceInspect>> {
  const full = names.map((n) => `${w.project}_${n}`);
  const inspect = async (list: string[]) => {
    const r = await w.exec('docker', ['service', 'inspect', ...list], { env: w.env, timeoutMs: 30_000 });
    return r.exitCode === 0 ? (JSON.parse(r.stdout) as ServiceInspect[]) : undefined;
  };
  // One service not created yet (this deploy adds it) fails the whole call: then one at a time.
  const all =
    (await inspect(full)) ?? (await Promise.all(full.map((n) => inspect([n])))).flatMap((x) => x ?? []);
  return new Map(all.map((s) => [s.Spec.Name, s]));
}

async function serviceLogs(w: WaitContext, service: string): Promise<string[]> {
  const r = await w.exec('docker', ['service', 'logs', '--no-task-ids', '--tail', '10', '--raw', service], {
    env: w.env,
    timeoutMs: 30_000,
  });
  return `${r.stdout}\n${r.stderr}`
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-10);
}

/** The names of the stack's services as they run now. */
async function stackServices(exec: Exec, env: Record<string, string>, project: string): Promise<string[]> {
  const r = await exec(
    'docker',
    ['service', 'ls', '--filter', `label=${NAMESPACE_LABEL}=${project}`, '--format', '{{.Name}}'],
    { env, timeoutMs: 30_000 },
  );
  return r.stdout.split('\n').filter(Boolean);
}

/** The stack's services these answers no longer have (a mode switched off): removed, as --prune would. */
async function removeOtherServices(
  exec: Exec,
  env: Record<string, string>,
  project: string,
  services: readonly string[],
  log: NodeJS.WritableStream,
  before: ReadonlySet<string>,
): Promise<void> {
  const keep = new Set(services.map((s) => `${project}_${s}`));
  // Only services that ran before this deploy can be left over.
  if ([...before].every((n) => keep.has(n))) return;
  const gone = (await stackServices(exec, env, project)).filter((n) => !keep.has(n));
  if (gone.length === 0) return;
  const rm = await exec('docker', ['service', 'rm', ...gone], { env, timeoutMs: 60_000 });
  log.write(`docker service rm ${gone.join(' ')}: exit ${rm.exitCode}\n`);
}

/**
 * Configs and secrets of this stack that this stack file does not name (older versions): removed. What the stack
 * had was listed before the deploy; everything the deploy made since is named in the stack file.
 */
async function removeUnused(
  exec: Exec,
  env: Record<string, string>,
  plan: Pick<StackPlan, 'doc' | 'secrets'>,
  log: NodeJS.WritableStream,
  had: Record<'config' | 'secret', ReadonlySet<string>>,
) {
  const named = (section: unknown) =>
    Object.values((section ?? {}) as Record<string, { name?: string }>).map((x) => x.name);
  const keep = new Set([
    ...named(plan.doc.configs),
    ...named(plan.doc.secrets),
    ...plan.secrets.map((x) => x.name),
  ]);
  const remove = async (kind: 'config' | 'secret') => {
    const names = [...had[kind]].filter((n) => !keep.has(n));
    if (names.length === 0) return;
    // One a service still uses (swarm kept an older version of it) fails to go, and stays.
    const rm = await exec('docker', [kind, 'rm', ...names], { env, timeoutMs: 30_000 });
    log.write(`docker ${kind} rm ${names.join(' ')} (unused): exit ${rm.exitCode}\n`);
  };
  await Promise.all([remove('config'), remove('secret')]);
}
