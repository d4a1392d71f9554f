// Reads `docker compose ps -a --format json` (one object per line in 2.26; a JSON array in some 2.2x) into the
// final state of each service: the truth compose's progress lines are checked against at the end.
import type { ProgressEvent } from './model.js';

export interface PsEntry {
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
}

export function parsePsJson(stdout: string): PsEntry[] {
  const text = stdout.trim();
  if (text === '') return [];
  const raw: unknown[] = text.startsWith('[')
    ? (JSON.parse(text) as unknown[])
    : text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as unknown);
  return raw.filter(isEntry).map(({ Service, State, Health, ExitCode }) => ({
    Service,
    State,
    Health: Health ?? '',
    ExitCode: ExitCode ?? 0,
  }));
}

function isEntry(v: unknown): v is PsEntry {
  const e = v as Partial<PsEntry> | null;
  return typeof e?.Service === 'string' && typeof e.State === 'string';
}

/** What each container's state means at the end; a container that never started says nothing. */
export function psEvents(entries: readonly PsEntry[], at: number): ProgressEvent[] {
  return entries.flatMap((e): ProgressEvent[] => {
    const base = { type: 'service' as const, at, service: e.Service };
    if (e.State === 'running') {
      if (e.Health === 'healthy') return [{ ...base, state: 'healthy' }];
      if (e.Health === 'unhealthy') return [{ ...base, state: 'failed', detail: 'unhealthy' }];
      if (e.Health === 'starting') return [{ ...base, state: 'starting', detail: 'health: starting' }];
      return [{ ...base, state: 'running' }];
    }
    if (e.State === 'exited' || e.State === 'dead') {
      return e.ExitCode === 0
        ? [{ ...base, state: 'completed' }]
        : [{ ...base, state: 'failed', detail: `exit ${e.ExitCode}` }];
    }
    if (e.State === 'restarting')
      return [{ ...base, state: 'starting', detail: `restarting (exit ${e.ExitCode})` }];
    return [];
  });
}
