// The thin, fallible side of diagnosis: docker commands behind an injected `exec`, each with a time limit.
// A probe that fails or times out yields less detail (an empty answer), never an exception.
import { engineProblem } from '../compose/engine-errors.js';
import type { Exec, ExecResult } from '../compose/exec.js';
import {
  cleanLines,
  parseConfig,
  parseInspect,
  parsePs,
  type DaemonState,
  type Evidence,
} from './evidence.js';

export const PROBE_TIMEOUT_MS = 10_000;
export const LOG_TAIL = 30;

export interface Probe {
  dir: string;
  env: Record<string, string>;
  exec: Exec;
}

async function docker(p: Probe, args: string[], timeoutMs = PROBE_TIMEOUT_MS): Promise<ExecResult> {
  try {
    return await p.exec('docker', args, { cwd: p.dir, env: p.env, timeoutMs });
  } catch (error) {
    return { exitCode: undefined, stdout: '', stderr: String(error) };
  }
}

const ok = (r: ExecResult): string | undefined => (r.exitCode === 0 ? r.stdout : undefined);

/** `docker info`: whether the engine answers, and where it keeps its data. */
export async function probeDaemon(p: Probe): Promise<{ daemon: DaemonState; rootDir?: string }> {
  const r = await docker(p, ['info', '--format', '{{.DockerRootDir}}']);
  if (r.exitCode === 0) {
    const rootDir = r.stdout.trim();
    return { daemon: 'reachable', ...(rootDir.startsWith('/') ? { rootDir } : {}) };
  }
  return { daemon: engineProblem(r.stderr) === 'not-running' ? 'unreachable' : 'unknown' };
}

/** ps, config and inspect of every container of the project; logs come later, for the service that failed. */
export async function gatherEvidence(
  p: Probe,
  composeOutput: readonly string[],
  composeExitCode: number,
  daemon: DaemonState,
): Promise<Evidence> {
  const compose = ['compose', '--ansi', 'never'];
  const [ps, config] = await Promise.all([
    daemon === 'unreachable' ? undefined : docker(p, [...compose, 'ps', '-a', '--format', 'json']),
    docker(p, [...compose, 'config', '--format', 'json']),
  ]);
  const rows = parsePs((ps && ok(ps)) ?? '');
  const inspect = rows.length ? await docker(p, ['inspect', ...rows.map((r) => r.Name)]) : undefined;
  const { project, images } = parseConfig(ok(config) ?? '');
  return {
    composeOutput: composeOutput.flatMap((l) => cleanLines(l)),
    composeExitCode,
    daemon,
    ...(project ? { project } : {}),
    images,
    ps: rows,
    // docker inspect exits 1 when one of several names is gone, but still prints the others.
    states: parseInspect(inspect?.stdout ?? ''),
    logs: {},
  };
}

/** The service's last log lines, as compose prints them without prefix or colour. */
export async function probeLogs(
  p: Probe,
  service: string,
  tail: number | 'all' = LOG_TAIL,
): Promise<string[]> {
  const r = await docker(
    p,
    ['compose', '--ansi', 'never', 'logs', '--no-color', '--no-log-prefix', '--tail', String(tail), service],
    tail === 'all' ? 60_000 : PROBE_TIMEOUT_MS,
  );
  return cleanLines(ok(r) ?? '');
}

/** `docker ps --format json` for a container that publishes the port. */
export async function probeDockerPs(p: Probe): Promise<string> {
  return ok(await docker(p, ['ps', '--format', 'json'])) ?? '';
}

/** The images of the stack the engine does not have (`docker image inspect` fails on them), sorted. */
export async function probeMissingImages(p: Probe, images: Record<string, string>): Promise<string[]> {
  const names = [...new Set(Object.values(images))].sort();
  const found = await Promise.all(
    names.map((n) => docker(p, ['image', 'inspect', '--format', '{{.Id}}', n])),
  );
  return names.filter((_, i) => found[i]!.exitCode !== 0);
}
