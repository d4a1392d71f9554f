// Progress for programs (`--json`): one JSON object per line, the last one `{"type":"done","ok":…}`.
import type { Output } from '../context.js';
import { failedService, pullProgress, totalElapsed } from './model.js';
import type { Reporter } from './plain.js';

const round = (n: number) => Math.round(n * 10) / 10;

export function jsonReporter(out: Output): Reporter {
  let lastPercent = -1;
  const emit = (value: Record<string, unknown>) => out.write(`${JSON.stringify(value)}\n`);
  return (prev, next, event) => {
    const elapsed = round(totalElapsed(next, event.at));
    switch (event.type) {
      case 'services':
        emit({
          type: 'start',
          services: next.services.map((s) => ({ name: s.name, oneshot: s.oneshot })),
          elapsed,
        });
        return;
      case 'service': {
        const before = prev.services.find((s) => s.name === event.service);
        const row = next.services.find((s) => s.name === event.service)!;
        if (before?.state === row.state && (row.state !== 'failed' || before.detail === row.detail)) return;
        emit({
          type: 'service',
          service: row.name,
          state: row.state,
          ...(row.detail ? { detail: row.detail } : {}),
          elapsed,
        });
        return;
      }
      case 'layer': {
        const pull = pullProgress(next);
        if (!pull) return;
        const percent = Math.floor((100 * pull.current) / pull.total);
        // At most one line per 10 percent: a pull can print thousands of layer lines.
        if (percent < 100 && Math.floor(percent / 10) === Math.floor(lastPercent / 10)) return;
        if (percent === lastPercent) return;
        lastPercent = percent;
        emit({ type: 'pull', current: pull.current, total: pull.total, percent, elapsed });
        return;
      }
      case 'message':
        emit({ type: 'message', text: event.text, elapsed });
        return;
      case 'logs':
        emit({ type: 'logs', service: event.service, lines: event.lines, elapsed });
        return;
      case 'done': {
        const failed = failedService(next);
        emit({
          type: 'done',
          ok: event.ok,
          elapsed,
          services: Object.fromEntries(next.services.map((s) => [s.name, s.state])),
          ...(!event.ok && failed ? { failed } : {}),
        });
      }
    }
  };
}
