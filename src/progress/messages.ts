// Every word the progress reporters print, in one place.
import type { ProgressState, ServiceRow } from './model.js';
import { failedService, finalStates } from './model.js';

export const seconds = (s: number): string => `${s.toFixed(1)}s`;

export function stateText(row: Pick<ServiceRow, 'state' | 'detail'>): string {
  return row.detail ? `${row.state} (${row.detail})` : row.state;
}

export function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

export function doneText(state: ProgressState): string {
  const up = state.services.filter((s) => finalStates.has(s.state) && s.state !== 'failed').length;
  if (state.done?.ok) return `all ${up} service(s) up`;
  const failed = failedService(state);
  const row = state.services.find((s) => s.name === failed);
  return failed ? `failed: ${failed}${row?.detail ? ` (${row.detail})` : ''}` : 'failed';
}

export const logsHeading = (service: string): string => `last log lines of ${service}:`;
