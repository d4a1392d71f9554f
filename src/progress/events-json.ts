// Reads `docker compose events --json` lines: the health verdicts and one-shot exit codes, which compose's
// progress lines do not carry. Healthcheck exec_* events (one per check) and other noise give nothing.
import type { ProgressEvent } from './model.js';

interface ComposeEvent {
  action?: string;
  service?: string;
  attributes?: Record<string, string>;
}

export function parseEventLine(line: string, oneshots: ReadonlySet<string>, at: number): ProgressEvent[] {
  if (!line.startsWith('{')) return [];
  let event: ComposeEvent;
  try {
    event = JSON.parse(line) as ComposeEvent;
  } catch {
    return [];
  }
  const service = event.service;
  if (!service) return [];
  if (event.action === 'health_status: healthy') return [{ type: 'service', at, service, state: 'healthy' }];
  if (event.action === 'health_status: unhealthy')
    return [{ type: 'service', at, service, state: 'failed', detail: 'unhealthy' }];
  // Only one-shots: a long-running container dies when compose replaces it, which is no failure.
  if (event.action === 'die' && oneshots.has(service)) {
    const code = Number(event.attributes?.exitCode ?? NaN);
    if (Number.isNaN(code)) return [];
    return code === 0
      ? [{ type: 'service', at, service, state: 'completed', detail: 'exit 0' }]
      : [{ type: 'service', at, service, state: 'failed', detail: `exit ${code}` }];
  }
  return [];
}
