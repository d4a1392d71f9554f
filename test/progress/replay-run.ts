// Feeds a whole captured `up -d --wait` run (and optionally the `ps` after it) through the parsers and the
// reducer, one tick per line: the trail of state changes and each service's final state.
import { parseComposeLine } from '../../src/progress/compose-lines.js';
import { initialState, reduce } from '../../src/progress/model.js';
import { parsePs } from '../../src/diagnose/evidence.js';
import { psEvents } from '../../src/progress/ps-json.js';

export function replayRun(stderr: string, ps: string | undefined, project = 'pv-cap') {
  const known = { project, services: ['init', 'web'] };
  let state = reduce(initialState(0), {
    type: 'services',
    at: 0,
    services: [
      { name: 'init', oneshot: true },
      { name: 'web', oneshot: false },
    ],
  });
  const trail: string[] = [];
  stderr.split('\n').forEach((line, i) => {
    for (const event of parseComposeLine(line, known, (i + 1) * 1000)) {
      const before = state;
      state = reduce(state, event);
      if (event.type === 'service') {
        const row = state.services.find((s) => s.name === event.service)!;
        if (before.services.find((s) => s.name === row.name)?.state !== row.state)
          trail.push(`${row.name}:${row.state}`);
      }
    }
  });
  if (ps !== undefined) for (const event of psEvents(parsePs(ps), 99_000)) state = reduce(state, event);
  return { state, trail, states: Object.fromEntries(state.services.map((s) => [s.name, s.state])) };
}
