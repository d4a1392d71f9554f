// The wait between reads of the tasks (src/swarm/wake.ts): an event from the engine ends it early, a burst of
// quicker reads follows, and without events it is the plain poll. Fake timers: the order of things, not speed.
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
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
