// The wait between reads of the tasks (src/swarm/wake.ts): an event from the engine ends it early, a burst of
// quicker reads follows, and without events it is the plain poll (fake timers: the order of things, not speed);
// the events' tally of each service's tasks, and when that tally makes a new service up.
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { upByEvents } from '../../src/swarm/deploy.js';
import { wakeOn } from '../../src/swarm/wake.js';

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return () => done;
};

describe('wakeOn', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('without events the wait is the poll interval', async () => {
    const wake = wakeOn(new PassThrough());
    const done = await settled(wake.next(400));
    await vi.advanceTimersByTimeAsync(399);
    expect(done()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done()).toBe(true);
  });

  test('an event ends a long wait a moment later', async () => {
    const stream = new PassThrough();
    const wake = wakeOn(stream, () => Date.now());
    const done = await settled(wake.next(60_000));
    await vi.advanceTimersByTimeAsync(1000);
    expect(done()).toBe(false);
    stream.write('health_status: healthy\n');
    await vi.advanceTimersByTimeAsync(60);
    expect(done()).toBe(true);
  });

  test('an event between waits makes the next one short, then reads come quicker for a while', async () => {
    const stream = new PassThrough();
    const wake = wakeOn(stream, () => Date.now());
    stream.write('start\n');
    await vi.advanceTimersByTimeAsync(0);
    const first = await settled(wake.next(400));
    await vi.advanceTimersByTimeAsync(60);
    expect(first()).toBe(true);
    const second = await settled(wake.next(400));
    await vi.advanceTimersByTimeAsync(150);
    expect(second()).toBe(true);
    // Long after the event: the plain poll again.
    await vi.advanceTimersByTimeAsync(2000);
    const third = await settled(wake.next(400));
    await vi.advanceTimersByTimeAsync(399);
    expect(third()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(third()).toBe(true);
  });

  test('no stream (docker events could not start): the plain poll', async () => {
    const wake = wakeOn(undefined);
    const done = await settled(wake.next(400));
    await vi.advanceTimersByTimeAsync(400);
    expect(done()).toBe(true);
    wake.stop();
  });
});

const event = (action: string, task: string, extra: Record<string, string> = {}) =>
  `${JSON.stringify({
    Type: 'container',
    Action: action,
    Actor: {
      Attributes: {
        'com.docker.swarm.service.id': 'svc1',
        'com.docker.swarm.service.name': 'p_web',
        'com.docker.swarm.task.id': task,
        ...extra,
      },
    },
  })}\n`;

describe('the tally of a service from its containers events', () => {
  test('started, healthy, exited: each task counted once, until it exits', async () => {
    const stream = new PassThrough();
    const wake = wakeOn(stream);
    stream.write(event('start', 't1'));
    // One line split over two chunks is read once it is whole.
    const second = event('start', 't2');
    stream.write(second.slice(0, 40));
    stream.write(second.slice(40));
    stream.write(event('health_status: healthy', 't1'));
    stream.write(event('health_status: healthy', 't1'));
    await new Promise((r) => setImmediate(r));
    expect(wake.tally('svc1')).toEqual({ healthy: 1, running: 2, completed: 0 });
    stream.write(event('health_status: unhealthy', 't1'));
    stream.write(event('die', 't2', { exitCode: '137' }));
    await new Promise((r) => setImmediate(r));
    expect(wake.tally('svc1')).toEqual({ healthy: 0, running: 1, completed: 0 });
    expect(wake.tally('other')).toEqual({ healthy: 0, running: 0, completed: 0 });
  });

  test('a job task that exited 0 completed; one that failed did not', async () => {
    const stream = new PassThrough();
    const wake = wakeOn(stream);
    stream.write(event('start', 'j1'));
    stream.write(event('die', 'j1', { exitCode: '1' }));
    await new Promise((r) => setImmediate(r));
    expect(wake.tally('svc1').completed).toBe(0);
    stream.write(event('start', 'j2'));
    stream.write(event('die', 'j2', { exitCode: '0' }));
    stream.write('not json\n');
    await new Promise((r) => setImmediate(r));
    expect(wake.tally('svc1')).toEqual({ healthy: 0, running: 0, completed: 1 });
  });
});

describe('upByEvents', () => {
  const plan = {
    waitFor: { db: 'healthy', job: 'completed', web: 'running' } as const,
    replicas: { db: 1, job: 1, web: 2 },
  };
  test('each kind of service by what it waits for, against its replicas', () => {
    expect(upByEvents(plan, 'db', { healthy: 0, running: 1, completed: 0 })).toBeUndefined();
    expect(upByEvents(plan, 'db', { healthy: 1, running: 1, completed: 0 })).toBe('healthy');
    expect(upByEvents(plan, 'job', { healthy: 0, running: 1, completed: 0 })).toBeUndefined();
    expect(upByEvents(plan, 'job', { healthy: 0, running: 0, completed: 1 })).toBe('completed');
    expect(upByEvents(plan, 'web', { healthy: 0, running: 1, completed: 0 })).toBeUndefined();
    expect(upByEvents(plan, 'web', { healthy: 0, running: 2, completed: 0 })).toBe('running');
  });
});
