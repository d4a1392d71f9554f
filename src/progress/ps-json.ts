// `docker compose ps -a --format json` rows (parsed by diagnose/evidence's parsePs) as the final state of each
// service: the truth compose's progress lines are checked against at the end.
import type { PsRow } from '../diagnose/evidence.js';
import type { ProgressEvent } from './model.js';

/** What the progress model reads of a `docker compose ps` row (compose/ps-json's parsePs gives them). */
export type PsEntry = Pick<PsRow, 'Service' | 'State' | 'Health' | 'ExitCode'>;

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
