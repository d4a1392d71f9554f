// What the engine said about a failed bring-up, as plain data, and the parsers from the docker CLI's raw
// output to it. Pure: the probes hand raw text in, the classifier reads the result.

export interface PsRow {
  Service: string;
  Name: string;
  State: string;
  Health: string;
  ExitCode: number;
  /** Labels as compose prints them: "k=v,k=v"; com.docker.compose.depends_on names what a service waits for. */
  Labels?: string;
}

export interface HealthLog {
  ExitCode: number;
  Output: string;
}

export interface ContainerState {
  Status: string;
  ExitCode: number;
  OOMKilled: boolean;
  Error?: string;
  Health?: { Status: string; FailingStreak: number; Log: HealthLog[] | null };
}

export type DaemonState = 'reachable' | 'unreachable' | 'unknown';

export interface Evidence {
  composeOutput: readonly string[];
  composeExitCode: number;
  /** From `docker info`: 'unknown' when the probe itself could not run. */
  daemon: DaemonState;
  /** The compose project name (containers are called <project>-<service>-<n>). */
  project?: string;
  /** service → image, from `docker compose config`. */
  images: Record<string, string>;
  ps: PsRow[];
  /** container name (no leading slash) → its state, from `docker inspect`. */
  states: Record<string, ContainerState>;
  /** service → its last log lines. */
  logs: Record<string, string[]>;
}

export function emptyEvidence(composeOutput: readonly string[], composeExitCode: number): Evidence {
  return { composeOutput, composeExitCode, daemon: 'unknown', images: {}, ps: [], states: {}, logs: {} };
}

/**
 * `docker compose ps -a --format json`, the one parser every part of berth uses (status, progress, diagnosis).
 * Compose 2.26 prints one JSON object per line (some 2.2x versions printed one array). Bad lines are dropped;
 * a missing Health is "" and a missing ExitCode 0.
 */
export function parsePs(stdout: string): PsRow[] {
  const text = stdout.trim();
  if (!text) return [];
  const values = text.startsWith('[') ? tryJson(text) : text.split('\n').map((line) => tryJson(line));
  const rows = (Array.isArray(values) ? values : [values]).flat() as Partial<PsRow>[];
  return rows
    .filter((r) => typeof r?.Service === 'string' && typeof r.State === 'string')
    .map((r) => ({ ...r, Name: r.Name ?? '', Health: r.Health ?? '', ExitCode: r.ExitCode ?? 0 }) as PsRow);
}

/** `docker inspect <ids…>` (a JSON array) → container name → State. */
export function parseInspect(stdout: string): Record<string, ContainerState> {
  const value = tryJson(stdout.trim());
  const states: Record<string, ContainerState> = {};
  if (!Array.isArray(value)) return states;
  for (const item of value as { Name?: unknown; State?: ContainerState }[]) {
    if (typeof item.Name === 'string' && item.State) states[item.Name.replace(/^\//, '')] = item.State;
  }
  return states;
}

/** `docker compose config --format json` → the project name and each service's image. */
export function parseConfig(stdout: string): { project?: string; images: Record<string, string> } {
  const value = tryJson(stdout.trim()) as {
    name?: unknown;
    services?: Record<string, { image?: unknown }>;
  } | null;
  const images: Record<string, string> = {};
  for (const [service, spec] of Object.entries(value?.services ?? {})) {
    if (typeof spec?.image === 'string') images[service] = spec.image;
  }
  return { ...(typeof value?.name === 'string' ? { project: value.name } : {}), images };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Log or progress text → lines without terminal escapes (compose 2.26 prefixes log lines with ESC[2K). */
export function cleanLines(text: string): string[] {
  const lines = text.replace(ANSI, '').replace(/\r/g, '').split('\n');
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The services a service waits for, from compose's depends_on label ("db:service_healthy:false,…"). */
export function dependsOn(row: PsRow): string[] {
  const label = /(?:^|,)com\.docker\.compose\.depends_on=([^,]*(?:,[^,=]+:[^,=]+:[^,=]+)*)/.exec(
    row.Labels ?? '',
  )?.[1];
  if (!label) return [];
  return label
    .split(',')
    .map((entry) => entry.split(':')[0] ?? '')
    .filter(Boolean);
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
