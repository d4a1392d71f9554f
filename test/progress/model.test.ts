// The reducer, the derived numbers and the plain and JSON reporters, on hand-made event sequences.
import { describe, expect, test } from 'vitest';
import { jsonReporter } from '../../src/progress/json.js';
import {
  initialState,
  overallPercent,
  reduce,
  serviceElapsed,
  type ProgressEvent,
} from '../../src/progress/model.js';
import { plainReporter } from '../../src/progress/plain.js';
import { createProgressStore } from '../../src/progress/store.js';

const services: ProgressEvent = {
  type: 'services',
  at: 0,
  services: [
    { name: 'init', oneshot: true },
    { name: 'db', oneshot: false },
  ],
};
const svc = (at: number, service: string, state: string, detail?: string): ProgressEvent =>
  ({ type: 'service', at, service, state, ...(detail ? { detail } : {}) }) as ProgressEvent;

const run = (events: ProgressEvent[]) => events.reduce(reduce, initialState(0));

describe('reduce', () => {
  test('rows in declared order, times of leaving waiting and of the final state', () => {
    const s = run([
      services,
      svc(1000, 'db', 'creating'),
      svc(2500, 'db', 'starting'),
      svc(12_300, 'db', 'healthy'),
    ]);
    expect(s.services).toEqual([
      { name: 'init', oneshot: true, state: 'waiting' },
      { name: 'db', oneshot: false, state: 'healthy', since: 1000, until: 12_300 },
    ]);
    expect(serviceElapsed(s.services[1]!, 99_000)).toBe(11.3);
    expect(serviceElapsed(s.services[0]!, 99_000)).toBeUndefined();
  });

  test('a failure stays: a later "Exited" line does not turn it into completed', () => {
    const s = run([services, svc(1, 'init', 'failed', 'exit 1'), svc(2, 'init', 'completed')]);
    expect(s.services[0]).toMatchObject({ state: 'failed', detail: 'exit 1', until: 1 });
  });

  test('a service compose names that was not listed gets a row of its own', () => {
    expect(run([services, svc(1, 'extra', 'starting')]).services.map((s) => s.name)).toEqual([
      'init',
      'db',
      'extra',
    ]);
  });

  test.each<[ProgressEvent[], number]>([
    [[services], 0],
    [[services, svc(1, 'init', 'completed')], 50],
    [[services, svc(1, 'init', 'completed'), svc(1, 'db', 'starting')], 85],
    [[services, svc(1, 'init', 'pulling'), svc(1, 'db', 'pulling')], 10],
    [
      [
        services,
        svc(1, 'init', 'pulling'),
        svc(1, 'db', 'pulling'),
        { type: 'layer', at: 1, layer: 'a', current: 50, total: 100 },
      ],
      30,
    ],
    [[services, svc(1, 'init', 'completed'), svc(1, 'db', 'failed')], 100],
  ])('overall percent %#', (events, percent) => {
    expect(overallPercent(run(events))).toBe(percent);
  });

  test('a layer marked done counts its whole size', () => {
    const s = run([
      { type: 'layer', at: 1, layer: 'a', current: 5, total: 80 },
      { type: 'layer', at: 2, layer: 'a', done: true },
    ]);
    expect(s.layers).toEqual({ a: { current: 80, total: 80 } });
  });
});

function capture(kind: 'plain' | 'json', events: ProgressEvent[]): string[] {
  const lines: string[] = [];
  const store = createProgressStore(0);
  const out = { write: (t: string) => lines.push(...t.split('\n').filter(Boolean)) };
  store.subscribe(kind === 'plain' ? plainReporter(out) : jsonReporter(out));
  store.dispatch(events);
  return lines;
}

const happy: ProgressEvent[] = [
  services,
  svc(500, 'init', 'creating'),
  svc(600, 'init', 'creating'),
  svc(700, 'db', 'creating'),
  svc(1200, 'init', 'starting'),
  svc(2000, 'init', 'completed'),
  svc(2100, 'db', 'starting'),
  svc(12_300, 'db', 'healthy'),
  svc(12_400, 'db', 'healthy'),
  { type: 'done', at: 12_500, ok: true },
];

describe('reporters', () => {
  test('plain: one line per change of state', () => {
    expect(capture('plain', happy)).toEqual([
      '[0.5s] init: creating',
      '[0.7s] db: creating',
      '[1.2s] init: starting',
      '[2.0s] init: completed',
      '[2.1s] db: starting',
      '[12.3s] db: healthy',
      '[12.5s] all 2 service(s) up',
    ]);
  });

  test('plain: a failure with its detail, compose’s message and the last log lines', () => {
    expect(
      capture('plain', [
        services,
        svc(1000, 'db', 'starting'),
        svc(4000, 'db', 'failed', 'unhealthy'),
        { type: 'message', at: 4000, text: 'container x-db-1 is unhealthy' },
        { type: 'logs', at: 4100, service: 'db', lines: ['FATAL: bad config'] },
        { type: 'done', at: 4200, ok: false },
      ]),
    ).toEqual([
      '[1.0s] db: starting',
      '[4.0s] db: failed (unhealthy)',
      '[4.0s] compose: container x-db-1 is unhealthy',
      '[4.1s] last log lines of db:',
      '  FATAL: bad config',
      '[4.2s] failed: db (unhealthy)',
    ]);
  });

  test('json: every line parses; start, changes, done', () => {
    const lines = capture('json', happy).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        type: 'start',
        services: [
          { name: 'init', oneshot: true },
          { name: 'db', oneshot: false },
        ],
        elapsed: 0,
      },
      { type: 'service', service: 'init', state: 'creating', elapsed: 0.5 },
      { type: 'service', service: 'db', state: 'creating', elapsed: 0.7 },
      { type: 'service', service: 'init', state: 'starting', elapsed: 1.2 },
      { type: 'service', service: 'init', state: 'completed', elapsed: 2 },
      { type: 'service', service: 'db', state: 'starting', elapsed: 2.1 },
      { type: 'service', service: 'db', state: 'healthy', elapsed: 12.3 },
      { type: 'done', ok: true, elapsed: 12.5, services: { init: 'completed', db: 'healthy' } },
    ]);
  });

  test('json: pull progress at most once per 10 percent; failed service named in done', () => {
    const layer = (at: number, current: number): ProgressEvent => ({
      type: 'layer',
      at,
      layer: 'l',
      current,
      total: 1000,
    });
    const lines = capture('json', [
      services,
      svc(0, 'db', 'pulling'),
      layer(100, 10),
      layer(200, 50),
      layer(300, 120),
      layer(400, 130),
      { type: 'layer', at: 500, layer: 'l', done: true },
      svc(600, 'db', 'failed', 'exit 1'),
      { type: 'done', at: 700, ok: false },
    ]).map((l) => JSON.parse(l) as { type: string; percent?: number; failed?: string });
    expect(lines.filter((l) => l.type === 'pull').map((l) => l.percent)).toEqual([1, 12, 100]);
    expect(lines.at(-1)).toMatchObject({ type: 'done', ok: false, failed: 'db' });
  });
});
