// Progress for logs and pipes: one line per change of a service's state, `[12.3s] db: healthy`.
import type { Output } from '../context.js';
import type { ProgressEvent, ProgressState } from './model.js';
import { totalElapsed } from './model.js';
import { doneText, logsHeading, seconds, stateText } from './messages.js';

export type Reporter = (prev: ProgressState, next: ProgressState, event: ProgressEvent) => void;

export function plainReporter(out: Output): Reporter {
  return (prev, next, event) => {
    const stamp = `[${seconds(totalElapsed(next, event.at))}]`;
    switch (event.type) {
      case 'service': {
        const before = prev.services.find((s) => s.name === event.service);
        const row = next.services.find((s) => s.name === event.service)!;
        if (before?.state === row.state && before.detail === row.detail) return;
        if (before?.state === row.state && row.state !== 'failed') return;
        out.write(`${stamp} ${row.name}: ${stateText(row)}\n`);
        return;
      }
      case 'message':
        out.write(`${stamp} compose: ${event.text}\n`);
        return;
      case 'logs':
        out.write(`${stamp} ${logsHeading(event.service)}\n${event.lines.map((l) => `  ${l}\n`).join('')}`);
        return;
      case 'done':
        out.write(`${stamp} ${doneText(next)}\n`);
        return;
      default:
    }
  };
}
