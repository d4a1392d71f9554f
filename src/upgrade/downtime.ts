// The downtime of an upgrade: from the moment the engine first stops one of the stack's long-running containers
// (compose recreating it, or a migration's dependency) to the moment every service is healthy again. Read from
// the engine's own events for the project (one `docker events` stream, filtered by the engine), so what compose
// does in between costs nothing to watch. One-shot jobs and `compose run` containers end by design: not counted.
import { loadExeca } from '../compose/exec.js';

interface EngineEvent {
  timeNano?: number;
  Actor?: { Attributes?: Record<string, string> };
}

export interface DowntimeWatch {
  /** Seconds from the first stop to `upAt` (ms since the epoch); 0 when nothing was stopped. */
  stop(upAt: number): Promise<number>;
}

export async function watchDowntime(
  project: string,
  oneshots: ReadonlySet<string>,
  env: Record<string, string>,
  since: number,
): Promise<DowntimeWatch> {
  const { execa } = await loadExeca();
  // --since replays what happened between `since` and the stream's start: nothing is missed while it connects.
  const child = execa(
    'docker',
    [
      'events',
      '--since',
      (since / 1000).toFixed(3),
      '--filter',
      'type=container',
      '--filter',
      `label=com.docker.compose.project=${project}`,
      ...['kill', 'die', 'stop'].flatMap((e) => ['--filter', `event=${e}`]),
      '--format',
      '{{json .}}',
    ],
    { env, extendEnv: false, reject: false, buffer: false, stdin: 'ignore' },
  );
  let first: number | undefined;
  child.stdout?.setEncoding('utf8');
  let rest = '';
  child.stdout?.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const at = stoppedAt(line, oneshots);
      if (at !== undefined && (first === undefined || at < first)) first = at;
    }
  });
  return {
    async stop(upAt) {
      child.kill('SIGTERM');
      await child;
      return first === undefined ? 0 : Math.max(0, (upAt - first) / 1000);
    },
  };
}

/** When a long-running container of the stack was stopped (ms), from one event line; undefined for others. */
export function stoppedAt(line: string, oneshots: ReadonlySet<string>): number | undefined {
  let event: EngineEvent;
  try {
    event = JSON.parse(line) as EngineEvent;
  } catch {
    return undefined;
  }
  const labels = event.Actor?.Attributes ?? {};
  if (labels['com.docker.compose.oneoff'] === 'True') return undefined;
  if (oneshots.has(labels['com.docker.compose.service'] ?? '')) return undefined;
  return event.timeNano === undefined ? undefined : event.timeNano / 1e6;
}
