// The pure core of failure diagnosis: from compose's own output and what the engine says about each container,
// which service failed and why. Root causes outrank symptoms: a dependency that died of a full disk is a full
// disk, not "dependency failed".
import { serviceFromContainer } from '../compose/container-names.js';
import { ENGINE_DOWN } from '../compose/engine-errors.js';
import { dependsOn, type ContainerState, type Evidence, type PsRow } from './evidence.js';

export type FailureCause =
  | 'unhealthy'
  | 'exited'
  | 'port-in-use'
  | 'image-missing'
  | 'daemon-unreachable'
  | 'disk-full'
  | 'dependency-failed'
  | 'timeout'
  | 'unknown';

export interface Finding {
  cause: FailureCause;
  service?: string;
  exitCode?: number;
  /** The kernel killed it for lack of memory (docker inspect .State.OOMKilled). */
  oomKilled?: boolean;
  healthOutput?: string;
  /** Health checks failed in a row. */
  failingStreak?: number;
  /** It passed its health check during this start (compose said Healthy), then failed it: compose's --wait
   * counts a container once and exits 0, so only the final `ps` shows it. */
  turnedUnhealthy?: boolean;
  /** The engine answered compose during this start (it created or started containers), then stopped answering. */
  engineStopped?: boolean;
  /** For a dependency failure: how the dependency failed, and who waited for it. */
  dependency?: 'exited' | 'unhealthy' | 'incomplete' | 'running';
  dependents?: string[];
  port?: number;
  /** The host address compose tried to bind, e.g. "127.0.0.1:8080". */
  address?: string;
  /** Docker itself published the port already (it says "port is already allocated"). */
  allocatedByDocker?: boolean;
  image?: string;
  /** The image could not be pulled (as opposed to: pulls were not allowed). */
  pullFailed?: boolean;
  /** The pull failed because the registry is out of reach (DNS, refused, timeout): an offline machine. */
  registryUnreachable?: boolean;
  waitSeconds?: number;
  /** The line of output the finding rests on. */
  evidence?: string;
}

const NO_SPACE = /no space left on device/i;
const BIND_IN_USE = /(?:listen tcp[46]? )?((?:\[[0-9a-f:]*\]|[0-9.]+)?:(\d+)): bind: address already in use/i;
const ALLOCATED = /Bind for ((?:\[[0-9a-f:]*\]|[0-9.]+)?:(\d+)) failed: port is already allocated/i;
const ENDPOINT = /on endpoint (\S+) \(/;
const NO_SUCH_IMAGE = /No such image: (\S+)/i;
const PULL_DENIED = /pull access denied for ([^,\s]+)/i;
const PULL_ERROR = /^\s*(\S+) Error\s+(.*)$/;
/** The docker engine's words when it cannot reach a registry at all (not: it answered "denied" or "not found"). */
export const REGISTRY_UNREACHABLE =
  /dial tcp|no such host|connection refused|i\/o timeout|network is unreachable|TLS handshake timeout|server misbehaving|name resolution/i;
const DEP_EXITED = /dependency failed to start: container (\S+) exited \((\d+)\)/;
const DEP_UNHEALTHY = /dependency failed to start: container (\S+) is unhealthy/;
const DEP_INCOMPLETE = /service "([^"]+)" didn't complete successfully: exit (\d+)/;
const UNHEALTHY = /^container (\S+) is unhealthy/;
const EXITED = /^container (\S+) exited \((\d+)\)/;
const TIMEOUT = /application not healthy after (\d+)s/;
const CREATING = /^\s*Container (\S+)\s+Creating$/;
const HEALTHY = /^\s*Container (\S+)\s+Healthy$/;
/** Compose got as far as a container: the engine answered during this start. */
const CONTAINER_STEP = /^\s*Container \S+\s+(?:Creat|Recreat|Start|Wait|Running|Healthy)/;
/** berth's own line when it stopped compose at the deadline (steps/start-stack.ts). */
const BERTH_DEADLINE = /nothing finished starting within (\d+) s/;

export function classify(e: Evidence): Finding {
  const text = e.composeOutput.join('\n');
  if (ENGINE_DOWN.test(text) || e.daemon === 'unreachable')
    return {
      cause: 'daemon-unreachable',
      evidence: find(e, ENGINE_DOWN),
      ...(e.composeOutput.some((line) => CONTAINER_STEP.test(line)) ? { engineStopped: true } : {}),
    };
  const symptom = classifyOutput(e, text);
  const full = diskFull(e, symptom.service);
  if (full) return { ...symptom, ...full };
  return symptom;
}

function classifyOutput(e: Evidence, text: string): Finding {
  let m: RegExpExecArray | null;
  if ((m = NO_SUCH_IMAGE.exec(text) ?? PULL_DENIED.exec(text))) {
    const image = m[1]!.replace(/[,:]$/, '');
    return { cause: 'image-missing', image, service: imageService(e, image), evidence: find(e, m[0]) };
  }
  const pull = e.composeOutput.map((l) => PULL_ERROR.exec(l)).find((x) => x && x[1]! in e.images);
  if (pull || (e.composeExitCode === 18 && !e.ps.length)) {
    const service = pull?.[1] ?? lastCreating(e);
    const evidence = pull?.[2] ?? e.composeOutput[e.composeOutput.length - 1] ?? '';
    return {
      cause: 'image-missing',
      pullFailed: true,
      ...(REGISTRY_UNREACHABLE.test(evidence) ? { registryUnreachable: true } : {}),
      ...(service ? { service, image: e.images[service] } : {}),
      evidence: pull?.[2] ?? e.composeOutput[e.composeOutput.length - 1],
    };
  }
  if ((m = BIND_IN_USE.exec(text) ?? ALLOCATED.exec(text))) {
    const endpoint = ENDPOINT.exec(text)?.[1];
    return {
      cause: 'port-in-use',
      port: Number(m[2]),
      address: m[1]!,
      ...(/already allocated/.test(m[0]) ? { allocatedByDocker: true } : {}),
      service: endpoint ? serviceOf(e, endpoint) : lastCreating(e),
      evidence: find(e, m[0]),
    };
  }
  if ((m = DEP_EXITED.exec(text) ?? DEP_UNHEALTHY.exec(text)))
    return dependencyFailure(e, serviceOf(e, m[1]!), m[2] === undefined ? 'unhealthy' : 'exited', m[0]);
  if ((m = DEP_INCOMPLETE.exec(text))) return dependencyFailure(e, m[1]!, 'incomplete', m[0]);
  if ((m = firstLine(e, UNHEALTHY))) return unhealthy(e, serviceOf(e, m[1]!), m[0]);
  if ((m = firstLine(e, EXITED))) return exited(e, serviceOf(e, m[1]!), m[0]);
  if ((m = BERTH_DEADLINE.exec(text))) return stoppedAtDeadline(e, Number(m[1]), m[0]);
  if ((m = TIMEOUT.exec(text))) {
    const row = waitingFor(e.ps);
    return {
      ...(row ? health(e, row) : {}),
      cause: 'timeout',
      waitSeconds: Number(m[1]),
      ...(row ? { service: row.Service } : {}),
      evidence: m[0],
    };
  }
  return fromPs(e);
}

/**
 * berth stopped compose at its deadline. A service others wait for that is still running without a health check is
 * a one-shot that never exited; otherwise it is a plain timeout of whatever was not healthy yet.
 */
function stoppedAtDeadline(e: Evidence, waitSeconds: number, evidence: string): Finding {
  const running = e.ps.filter((r) => r.State === 'running' && !r.Health);
  const awaited = running.find((r) => e.ps.some((o) => dependsOn(o).includes(r.Service)));
  if (!awaited) {
    const row = waitingFor(e.ps);
    return {
      ...(row ? health(e, row) : {}),
      cause: 'timeout',
      waitSeconds,
      ...(row ? { service: row.Service } : {}),
      evidence,
    };
  }
  const dependents = e.ps.filter((r) => dependsOn(r).includes(awaited.Service)).map((r) => r.Service);
  return {
    cause: 'dependency-failed',
    dependency: 'running',
    service: awaited.Service,
    waitSeconds,
    dependents: [...new Set(dependents)].sort(),
    evidence,
  };
}

/** The container --wait gave up on: one not yet healthy, else one that stopped (a finished one-shot is fine). */
function waitingFor(ps: readonly PsRow[]): PsRow | undefined {
  return (
    ps.find((r) => r.Health === 'starting' || r.Health === 'unhealthy') ??
    ps.find((r) => r.State !== 'running' && !(r.State === 'exited' && r.ExitCode === 0))
  );
}

/** Nothing compose said was recognised: what the containers themselves show. */
function fromPs(e: Evidence): Finding {
  const sick = e.ps.find((r) => r.Health === 'unhealthy');
  if (sick) return unhealthy(e, sick.Service);
  const dead = e.ps.find((r) => r.State === 'exited' && r.ExitCode !== 0);
  if (dead) return exited(e, dead.Service);
  // compose 2.26.1 sometimes exits 0 when --wait-timeout runs out (its last line then "Container x Waiting").
  const starting = e.ps.find((r) => r.Health === 'starting');
  if (starting) return { ...health(e, starting), cause: 'timeout', service: starting.Service };
  const last = e.composeOutput.filter((l) => l.trim()).pop();
  return { cause: 'unknown', ...(last ? { evidence: last.trim() } : {}) };
}

function unhealthy(e: Evidence, service: string, evidence?: string): Finding {
  return {
    cause: 'unhealthy',
    service,
    ...health(e, rowOf(e, service)),
    ...(wasHealthy(e, service) ? { turnedUnhealthy: true, dependents: dependentsOf(e, service) } : {}),
    ...(evidence ? { evidence } : {}),
  };
}

/** compose reported the service Healthy during this start. */
function wasHealthy(e: Evidence, service: string): boolean {
  return e.composeOutput.some((line) => {
    const m = HEALTHY.exec(line);
    return m !== null && serviceOf(e, m[1]!) === service;
  });
}

const dependentsOf = (e: Evidence, service: string): string[] =>
  [...new Set(e.ps.filter((r) => dependsOn(r).includes(service)).map((r) => r.Service))].sort();

function exited(e: Evidence, service: string, evidence?: string): Finding {
  const state = stateOf(e, rowOf(e, service));
  const code = state?.ExitCode ?? rowOf(e, service)?.ExitCode;
  return {
    cause: 'exited',
    service,
    ...(code !== undefined ? { exitCode: code } : {}),
    ...(state?.OOMKilled ? { oomKilled: true } : {}),
    ...(evidence ? { evidence } : {}),
  };
}

function dependencyFailure(
  e: Evidence,
  service: string,
  how: 'exited' | 'unhealthy' | 'incomplete',
  evidence: string,
): Finding {
  const base = how === 'unhealthy' ? unhealthy(e, service) : exited(e, service);
  const exitCode = /exit(?:ed \(| )(\d+)/.exec(evidence)?.[1];
  return {
    ...base,
    cause: 'dependency-failed',
    dependency: how,
    ...(exitCode ? { exitCode: Number(exitCode) } : {}),
    dependents: dependentsOf(e, service),
    evidence,
  };
}

function health(e: Evidence, row: PsRow | undefined): Partial<Finding> {
  const h = stateOf(e, row)?.Health;
  const last = h?.Log?.[h.Log.length - 1];
  return {
    ...(last ? { healthOutput: last.Output.trim() } : {}),
    ...(h && h.FailingStreak > 0 ? { failingStreak: h.FailingStreak } : {}),
  };
}

/** "No space left on device" in compose's output or in the failing service's own log. */
function diskFull(e: Evidence, service: string | undefined): Partial<Finding> | undefined {
  const inOutput = e.composeOutput.find((l) => NO_SPACE.test(l));
  if (inOutput) return { cause: 'disk-full', evidence: inOutput.trim() };
  const logs = service ? (e.logs[service] ?? []) : Object.values(e.logs).flat();
  const inLog = logs.find((l) => NO_SPACE.test(l));
  return inLog ? { cause: 'disk-full', evidence: inLog.trim() } : undefined;
}

const rowOf = (e: Evidence, service: string): PsRow | undefined =>
  e.ps.find((r) => r.Service === service && r.State !== 'running') ?? e.ps.find((r) => r.Service === service);

const stateOf = (e: Evidence, row: PsRow | undefined): ContainerState | undefined =>
  row ? e.states[row.Name] : undefined;

/** Container name → compose service: from ps, else by compose's naming (<project>-<service>-<n>). */
export function serviceOf(e: Pick<Evidence, 'ps' | 'project'>, container: string): string {
  return e.ps.find((r) => r.Name === container)?.Service ?? serviceFromContainer(container, e.project);
}

function imageService(e: Evidence, image: string): string | undefined {
  const bare = (i: string) => i.replace(/^docker\.io\/(library\/)?/, '');
  return Object.entries(e.images).find(([, i]) => bare(i) === bare(image))?.[0] ?? lastCreating(e);
}

/** The container compose was creating when it stopped: the one that could not be created. */
function lastCreating(e: Evidence): string | undefined {
  const name = e.composeOutput
    .map((l) => CREATING.exec(l)?.[1])
    .filter(Boolean)
    .pop();
  return name ? serviceOf(e, name) : undefined;
}

function firstLine(e: Evidence, re: RegExp): RegExpExecArray | null {
  for (const line of e.composeOutput) {
    const m = re.exec(line.trim());
    if (m) return m;
  }
  return null;
}

function find(e: Evidence, what: RegExp | string): string | undefined {
  const hit = e.composeOutput.find((l) => (typeof what === 'string' ? l.includes(what) : what.test(l)));
  return hit?.trim();
}
