// A swarm stack's services as `berth status` shows them: three docker calls for the whole stack (`service ls`,
// `stack ps --no-trunc`, one `service inspect` of every service), parsed and judged by pure functions.
import type { Exec } from '../compose/exec.js';
import { swarmError } from './swarm-messages.js';

export const NAMESPACE_LABEL = 'com.docker.stack.namespace';

/** One line of `docker service ls --format json`. */
export interface ServiceLsRow {
  ID: string;
  Name: string;
  /** "replicated", "global", "replicated job", "global job". */
  Mode: string;
  /** "1/1", "0/1 (1/1 completed)", "1/1 (max 1 per node)". */
  Replicas: string;
}

/** One line of `docker stack ps --no-trunc --format json`: a task, current or past. */
export interface StackPsRow {
  ID: string;
  /** `<project>_<service>.<slot>` (a job's task: `.<node id>`); past tasks may read `\_ …`. */
  Name: string;
  Node: string;
  DesiredState: string;
  /** "Running 7 seconds ago", "Starting 2 seconds ago", "Complete 1 minute ago", "Failed …". */
  CurrentState: string;
  Error: string;
}

/** The part of `docker service inspect` status reads. */
export interface ServiceInspect {
  ID: string;
  Spec?: { TaskTemplate?: { ContainerSpec?: { Healthcheck?: { Test?: string[] } } } };
  UpdateStatus?: { State?: string; Message?: string };
}

export interface SwarmReading {
  services: ServiceLsRow[];
  tasks: StackPsRow[];
  inspect: ServiceInspect[];
}

export interface SwarmTask {
  node: string;
  /** The task's state, lower case: running, starting, complete, failed, pending, … */
  state: string;
  since: string;
  error: string;
}

export interface SwarmServiceStatus {
  name: string;
  oneshot: boolean;
  /** running, starting, pending, failing, completed, failed, not created: one word like the compose status's. */
  state: string;
  /** healthy; starting (a task in "Starting": its health check has not passed yet); '' without a health check. */
  health: string;
  /** A job's exit code when its last task failed with one; else null. */
  exitCode: number | null;
  mode: string;
  replicas: { running: number; desired: number; completed?: number };
  /** The nodes the current tasks run on. */
  nodes: string[];
  tasks: SwarmTask[];
  /** The newest task error, with when it happened ("Failed 3 minutes ago"); null when no task failed. */
  lastError: { error: string; when: string } | null;
  /** `UpdateStatus` of the service: an update or rollback under way or done; null when none happened. */
  update: { state: string; message: string } | null;
  ok: boolean;
}

/** JSON lines (one object a line), as `--format json` prints them; a JSON array is taken too. */
export function parseJsonLines<T>(text: string): T[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as T[];
  return trimmed.split('\n').flatMap((line) => (line.trim() ? [JSON.parse(line) as T] : []));
}

/** "1/2" → running 1 of 2; "0/1 (1/1 completed)" → a job, 1 of 1 completed. */
export function parseReplicas(text: string): SwarmServiceStatus['replicas'] {
  const main = /^(\d+)\/(\d+)/.exec(text.trim());
  const done = /\((\d+)\/(\d+) completed\)/.exec(text);
  return {
    running: main ? Number(main[1]) : 0,
    desired: done ? Number(done[2]) : main ? Number(main[2]) : 0,
    ...(done ? { completed: Number(done[1]) } : {}),
  };
}

/** "Running 7 seconds ago" → {state: 'running', since: '7 seconds ago'}. */
export function taskState(current: string): { state: string; since: string } {
  const [word = '', ...rest] = current.trim().split(/\s+/);
  return { state: word.toLowerCase(), since: rest.join(' ') };
}

const PAST = new Set(['shutdown', 'remove']);
const UPDATE_NOT_OK = new Set([
  'updating',
  'paused',
  'rollback_started',
  'rollback_paused',
  'rollback_completed',
]);

/** A task's error as the CLI's JSON gives it: quoted (`"task: non-zero exit (3)"`) or plain. */
export function errorText(raw: string): string {
  const text = raw.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      return String(JSON.parse(text)).trim();
    } catch {
      return text.slice(1, -1).trim();
    }
  }
  return text;
}

/** The service a task belongs to: the longest full service name its own name starts with, then a dot. */
function serviceOf(taskName: string, fullNames: readonly string[]): string | undefined {
  const name = taskName.replace(/^\\_\s*/, '').trim();
  return fullNames.filter((full) => name.startsWith(`${full}.`)).sort((a, b) => b.length - a.length)[0];
}

/** Pure: the stack's services as the engine reports them, against the services the install should have. */
export function swarmServiceStatuses(
  project: string,
  expected: readonly { name: string; oneshot: boolean }[],
  reading: SwarmReading,
): SwarmServiceStatus[] {
  const prefix = `${project}_`;
  const short = (full: string) => (full.startsWith(prefix) ? full.slice(prefix.length) : full);
  const fullNames = reading.services.map((s) => s.Name);
  const names = [...new Set([...expected.map((s) => s.name), ...fullNames.map(short)])];
  return names.map((name) => {
    const row = reading.services.find((s) => short(s.Name) === name);
    const oneshot = row
      ? row.Mode.endsWith('job')
      : (expected.find((s) => s.name === name)?.oneshot ?? false);
    if (!row) return notCreated(name, oneshot);
    const tasks = reading.tasks.filter((t) => serviceOf(t.Name, fullNames) === row.Name);
    const inspect = reading.inspect.find((i) => i.ID === row.ID || i.ID.startsWith(row.ID));
    return judge(name, row, tasks, inspect);
  });
}

function notCreated(name: string, oneshot: boolean): SwarmServiceStatus {
  return {
    name,
    oneshot,
    state: 'not created',
    health: '',
    exitCode: null,
    mode: '',
    replicas: { running: 0, desired: 0 },
    nodes: [],
    tasks: [],
    lastError: null,
    update: null,
    ok: false,
  };
}

function judge(
  name: string,
  row: ServiceLsRow,
  rows: StackPsRow[],
  inspect: ServiceInspect | undefined,
): SwarmServiceStatus {
  const oneshot = row.Mode.endsWith('job');
  const replicas = parseReplicas(row.Replicas);
  const tasks = rows
    .filter((t) => !PAST.has(t.DesiredState.toLowerCase()))
    .map((t) => ({ node: t.Node, ...taskState(t.CurrentState), error: t.Error }));
  const failed = rows.find((t) => errorText(t.Error) !== '');
  const lastError = failed ? { error: errorText(failed.Error), when: failed.CurrentState.trim() } : null;
  const status = inspect?.UpdateStatus;
  const update = status?.State ? { state: status.State, message: status.Message ?? '' } : null;
  const test = inspect?.Spec?.TaskTemplate?.ContainerSpec?.Healthcheck?.Test ?? [];
  const checked = test.length > 0 && test[0] !== 'NONE';
  const starting = tasks.some((t) => t.state === 'starting');
  const health = starting ? 'starting' : checked && replicas.running > 0 ? 'healthy' : '';
  const done = oneshot && replicas.completed !== undefined && replicas.completed >= replicas.desired;
  const jobFailed = oneshot && !done && tasks.some((t) => t.state === 'failed' || t.state === 'rejected');
  const up = !oneshot && replicas.desired > 0 && replicas.running >= replicas.desired && !starting;
  const state = done
    ? 'completed'
    : jobFailed
      ? 'failed'
      : up
        ? 'running'
        : starting
          ? 'starting'
          : replicas.running > 0
            ? 'running'
            : lastError
              ? 'failing'
              : 'pending';
  const exit = jobFailed && lastError ? /exit \((\d+)\)/.exec(lastError.error) : null;
  return {
    name,
    oneshot,
    state,
    health,
    exitCode: exit ? Number(exit[1]) : null,
    mode: row.Mode,
    replicas,
    nodes: [...new Set(tasks.map((t) => t.node).filter(Boolean))].sort(),
    tasks,
    lastError,
    update,
    ok: (oneshot ? done : up) && !(update && UPDATE_NOT_OK.has(update.state)),
  };
}

/** Reads the stack: its services, every task (current and past) and the services' specs and update states. */
export async function readSwarmStack(
  exec: Exec,
  project: string,
  env: Record<string, string>,
): Promise<SwarmReading> {
  const options = { env, timeoutMs: 30_000 };
  const ls = await exec(
    'docker',
    ['service', 'ls', '--filter', `label=${NAMESPACE_LABEL}=${project}`, '--format', 'json'],
    options,
  );
  if (ls.exitCode !== 0) throw swarmError(ls.stderr);
  const services = parseJsonLines<ServiceLsRow>(ls.stdout);
  // `stack ps` of a stack with no services fails ("nothing found in stack"): nothing more to read then.
  if (services.length === 0) return { services, tasks: [], inspect: [] };
  const [ps, inspect] = await Promise.all([
    exec('docker', ['stack', 'ps', '--no-trunc', '--format', 'json', project], options),
    exec('docker', ['service', 'inspect', ...services.map((s) => s.ID)], options),
  ]);
  if (ps.exitCode !== 0) throw swarmError(ps.stderr);
  if (inspect.exitCode !== 0) throw swarmError(inspect.stderr);
  return {
    services,
    tasks: parseJsonLines<StackPsRow>(ps.stdout),
    inspect: parseJsonLines<ServiceInspect>(inspect.stdout),
  };
}
