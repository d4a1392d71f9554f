// The parsers against real `docker compose` 2.26 output, captured from test/fixtures/engine-stack (project
// pv-cap; services init, a one-shot, and web, with a healthcheck) by scripts/capture-samples.ts and stored in
// samples/.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseComposeLine, serviceOfContainer, type Known } from '../../src/progress/compose-lines.js';
import { failedService, reduce, type ProgressEvent } from '../../src/progress/model.js';
import { parsePs } from '../../src/diagnose/evidence.js';
import { psEvents } from '../../src/progress/ps-json.js';
import { replayRun } from './replay-run.js';

const samples = path.join(import.meta.dirname, 'samples');
const sample = (name: string) => readFileSync(path.join(samples, name), 'utf8');
const known: Known = { project: 'pv-cap', services: ['init', 'web'] };

describe('parseComposeLine: one line of up’s stderr', () => {
  test.each<[string, ProgressEvent[]]>([
    [' Container pv-cap-init-1  Creating', [{ type: 'service', at: 1, service: 'init', state: 'creating' }]],
    [' Container pv-cap-web-1  Recreated', [{ type: 'service', at: 1, service: 'web', state: 'creating' }]],
    [' Container pv-cap-web-1  Starting', [{ type: 'service', at: 1, service: 'web', state: 'starting' }]],
    [' Container pv-cap-web-1  Running', [{ type: 'service', at: 1, service: 'web', state: 'running' }]],
    [' Container pv-cap-web-1  Waiting', []],
    [' Container pv-cap-web-1  Healthy', [{ type: 'service', at: 1, service: 'web', state: 'healthy' }]],
    [' Container pv-cap-init-1  Exited', [{ type: 'service', at: 1, service: 'init', state: 'completed' }]],
    [
      ' Container pv-cap-init-1  service "init" didn\'t complete successfully: exit 1',
      [{ type: 'service', at: 1, service: 'init', state: 'failed', detail: 'exit 1' }],
    ],
    [' Container pv-cap-old-1  Removed', []],
    [' Network pv-cap_default  Creating', []],
    [' Volume "pv-cap_site"  Created', []],
    [' web Pulling ', [{ type: 'service', at: 1, service: 'web', state: 'pulling' }]],
    [' web Pulled ', [{ type: 'service', at: 1, service: 'web', state: 'pulling', detail: 'pulled' }]],
    [
      ' web Error manifest for localhost:5000/pv/missing:1 not found: manifest unknown: manifest unknown',
      [
        {
          type: 'service',
          at: 1,
          service: 'web',
          state: 'failed',
          detail: 'manifest for localhost:5000/pv/missing:1 not found: manifest unknown: manifest unknown',
        },
      ],
    ],
    [
      ' bbd91fcb3e06 Downloading [=============================>                     ]  17.95MB/30.01MB',
      [{ type: 'layer', at: 1, layer: 'bbd91fcb3e06', current: 17_950_000, total: 30_010_000 }],
    ],
    [
      ' bbd91fcb3e06 Downloading [>                                                  ]  302.1kB/30.01MB',
      [{ type: 'layer', at: 1, layer: 'bbd91fcb3e06', current: 302_100, total: 30_010_000 }],
    ],
    [' bbd91fcb3e06 Download complete ', [{ type: 'layer', at: 1, layer: 'bbd91fcb3e06', done: true }]],
    [' 158e7cc1ad8d Already exists ', []],
    [' bbd91fcb3e06 Pulling fs layer ', []],
    [
      'container pv-cap-web-1 is unhealthy',
      [
        { type: 'service', at: 1, service: 'web', state: 'failed', detail: 'unhealthy' },
        { type: 'message', at: 1, text: 'container pv-cap-web-1 is unhealthy' },
      ],
    ],
    [
      'dependency failed to start: container pv-cap-init-1 exited (137)',
      [
        { type: 'service', at: 1, service: 'init', state: 'failed', detail: 'exit 137' },
        { type: 'message', at: 1, text: 'dependency failed to start: container pv-cap-init-1 exited (137)' },
      ],
    ],
    [
      'application not healthy after 2s',
      [{ type: 'message', at: 1, text: 'application not healthy after 2s' }],
    ],
    ['', []],
  ])('%j', (line, events) => {
    expect(parseComposeLine(line, known, 1)).toEqual(events);
  });

  test.each([
    ['pv-cap-web-1', 'web'],
    ['/pv-cap-web-12', 'web'],
    ['other-web-1', 'web'],
    ['pv-cap-db-1', undefined],
  ])('container %s belongs to service %s', (name, service) => {
    expect(serviceOfContainer(name, known)).toBe(service);
  });

  test('a service whose name has a dash and a number', () => {
    expect(serviceOfContainer('my-app-worker-2-1', { project: 'my-app', services: ['worker-2'] })).toBe(
      'worker-2',
    );
  });
});

/** A sample run replayed through the parser and the reducer. */
const replay = (file: string, ps?: string) =>
  replayRun(sample(file), ps === undefined ? undefined : sample(ps));

describe('whole runs of `up -d --wait` (samples/up-*.stderr)', () => {
  test.each([
    {
      file: 'up-healthy.stderr',
      ps: 'ps-healthy.jsonl',
      trail: [
        'init:creating',
        'web:creating',
        'init:starting',
        'init:completed',
        'web:starting',
        'web:healthy',
      ],
      states: { init: 'completed', web: 'healthy' },
      failed: undefined,
    },
    {
      file: 'up-rerun.stderr',
      trail: ['init:creating', 'web:running', 'init:starting', 'init:completed', 'web:healthy'],
      states: { init: 'completed', web: 'healthy' },
      failed: undefined,
    },
    {
      file: 'up-recreate.stderr',
      trail: [
        'init:creating',
        'web:creating',
        'init:starting',
        'init:completed',
        'web:starting',
        'web:healthy',
      ],
      states: { init: 'completed', web: 'healthy' },
      failed: undefined,
    },
    {
      file: 'up-pull.stderr',
      trail: [
        'web:pulling',
        'init:pulling',
        'init:creating',
        'web:creating',
        'init:starting',
        'init:completed',
        'web:starting',
        'web:healthy',
      ],
      states: { init: 'completed', web: 'healthy' },
      failed: undefined,
    },
    {
      file: 'up-unhealthy.stderr',
      ps: 'ps-unhealthy.jsonl',
      trail: [
        'init:creating',
        'web:creating',
        'init:starting',
        'init:completed',
        'web:starting',
        'web:failed',
      ],
      states: { init: 'completed', web: 'failed' },
      failed: 'web',
    },
    {
      file: 'up-initfail.stderr',
      ps: 'ps-initfail.jsonl',
      trail: ['init:creating', 'web:creating', 'init:starting', 'init:failed'],
      states: { init: 'failed', web: 'creating' },
      failed: 'init',
    },
    {
      file: 'up-pullfail.stderr',
      trail: ['init:pulling', 'web:pulling', 'init:failed', 'web:failed'],
      states: { init: 'failed', web: 'failed' },
      failed: 'init',
    },
    {
      // Out of time: no service is named; ps says web's health is still starting.
      file: 'up-timeout.stderr',
      ps: 'ps-timeout.jsonl',
      trail: ['init:creating', 'web:creating', 'init:starting', 'init:completed', 'web:starting'],
      states: { init: 'completed', web: 'starting' },
      failed: 'web',
    },
    {
      // The port is taken: web never started (ps: created), so it is the one not finished.
      file: 'up-porttaken.stderr',
      ps: 'ps-porttaken.jsonl',
      trail: ['init:creating', 'web:creating', 'init:starting', 'init:completed', 'web:starting'],
      states: { init: 'completed', web: 'starting' },
      failed: 'web',
    },
  ])('$file', ({ file, ps, trail, states, failed }) => {
    const run = replay(file, ps);
    expect(run.trail).toEqual(trail);
    expect(run.states).toEqual(states);
    const done = reduce(run.state, { type: 'done', at: 100_000, ok: failed === undefined });
    expect(failedService(done)).toBe(failed);
  });

  test('the pull sample: bytes of the one downloaded layer, complete at the end', () => {
    const { state } = replay('up-pull.stderr');
    expect(state.layers).toEqual({ bbd91fcb3e06: { current: 30_010_000, total: 30_010_000 } });
  });

  test('the unhealthy and timeout samples keep compose’s last line as a message', () => {
    expect(replay('up-unhealthy.stderr').state.messages).toEqual(['container pv-cap-web-1 is unhealthy']);
    expect(replay('up-timeout.stderr').state.messages).toEqual(['application not healthy after 2s']);
    expect(replay('up-porttaken.stderr').state.messages[0]).toMatch(/bind: address already in use$/);
  });
});

describe('parsePs and psEvents (samples/ps-*.jsonl)', () => {
  test.each([
    ['ps-healthy.jsonl', { init: 'completed', web: 'healthy' }],
    ['ps-unhealthy.jsonl', { init: 'completed', web: 'failed:unhealthy' }],
    ['ps-timeout.jsonl', { init: 'completed', web: 'starting:health: starting' }],
    ['ps-initfail.jsonl', { init: 'failed:exit 1' }],
    ['ps-porttaken.jsonl', { init: 'completed' }],
  ])('%s', (file, expected) => {
    const events = psEvents(parsePs(sample(file)), 5);
    const got = Object.fromEntries(
      events.map((e) =>
        e.type === 'service' ? [e.service, e.detail ? `${e.state}:${e.detail}` : e.state] : [],
      ),
    );
    expect(got).toEqual(expected);
  });

  test.each([
    ['', []],
    [
      '[{"Service":"db","State":"running","Health":"","ExitCode":0}]',
      [{ Service: 'db', Name: '', State: 'running', Health: '', ExitCode: 0 }],
    ],
    [
      '{"Service":"db","State":"exited","ExitCode":3}\n',
      [{ Service: 'db', Name: '', State: 'exited', Health: '', ExitCode: 3 }],
    ],
  ])('the array form and missing fields: %j', (text, entries) => {
    expect(parsePs(text)).toEqual(entries);
  });
});
