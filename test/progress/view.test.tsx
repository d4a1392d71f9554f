// The Ink view, frame by frame: exact text (ANSI stripped), times from an injected clock.
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { describe, expect, test } from 'vitest';
import { initialState, reduce, type ProgressEvent } from '../../src/progress/model.js';
import { ProgressView } from '../../src/progress/view.js';

const base: ProgressEvent[] = [
  {
    type: 'services',
    at: 0,
    services: [
      { name: 'init', oneshot: true },
      { name: 'db', oneshot: false },
      { name: 'web', oneshot: false },
    ],
  },
];
const state = (events: ProgressEvent[]) => [...base, ...events].reduce(reduce, initialState(0));
const frame = (events: ProgressEvent[], now: number) =>
  stripVTControlCharacters(render(<ProgressView state={state(events)} now={now} />).lastFrame() ?? '');

describe('ProgressView', () => {
  test('mid-way: a pull with bytes (db 4.5 s in), a waiting row, the bar at 42%', () => {
    expect(
      frame(
        [
          { type: 'service', at: 0, service: 'init', state: 'completed' },
          { type: 'service', at: 1000, service: 'db', state: 'pulling' },
          { type: 'layer', at: 2000, layer: 'a', current: 12_000_000, total: 30_000_000 },
        ],
        5500,
      ),
    ).toBe(
      [
        '✔ init completed                    0s',
        '› db   pulling 12.0/30.0 MB 40%     4s',
        '· web  waiting',
        '█████████████░░░░░░░░░░░░░░░░░  42% 1/3 up · 5s',
      ].join('\n'),
    );
  });

  test('failed: the failing row, the verdict and the last log lines; elapsed frozen at done', () => {
    expect(
      frame(
        [
          { type: 'service', at: 0, service: 'init', state: 'completed' },
          { type: 'service', at: 1000, service: 'db', state: 'starting' },
          { type: 'service', at: 9000, service: 'db', state: 'failed', detail: 'unhealthy' },
          { type: 'logs', at: 9100, service: 'db', lines: ['FATAL: password authentication failed'] },
          { type: 'done', at: 9200, ok: false },
        ],
        60_000,
      ),
    ).toBe(
      [
        '✔ init completed                    0s',
        '✖ db   failed (unhealthy)           8s',
        '· web  waiting',
        '████████████████████░░░░░░░░░░  66% 1/3 up · 9s',
        'failed: db (unhealthy)',
        'last log lines of db:',
        '  FATAL: password authentication failed',
      ].join('\n'),
    );
  });

  test('done: every row final, the full bar', () => {
    expect(
      frame(
        [
          { type: 'service', at: 0, service: 'init', state: 'completed' },
          { type: 'service', at: 500, service: 'db', state: 'creating' },
          { type: 'service', at: 3200, service: 'db', state: 'healthy' },
          { type: 'service', at: 600, service: 'web', state: 'running' },
          { type: 'done', at: 3300, ok: true },
        ],
        4000,
      ),
    ).toBe(
      [
        '✔ init completed                    0s',
        '✔ db   healthy                      2s',
        '✔ web  running                      0s',
        '██████████████████████████████ 100% 3/3 up · 3s',
        'all 3 service(s) up',
      ].join('\n'),
    );
  });
});
