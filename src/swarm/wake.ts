// When to read the stack's tasks again while a layer comes up. Swarm has no event for a task's state, but this
// node's engine reports its containers: a start, a health verdict, an exit. `docker events` for the stack's
// containers wakes the wait as they happen, and a short burst of reads follows (swarm records the task's new state
// a moment after the container's), so a layer that is up is seen at once instead of at the next poll. Tasks on
// other nodes send no event here: the plain poll still covers them, and everything when the stream cannot start.
import { loadExeca } from '../compose/exec.js';
import { NAMESPACE_LABEL } from './services.js';

export interface Wake {
  /** Resolves when it is time to read the tasks again: soon after an event, else after `ms`. */
  next(ms: number): Promise<void>;
  stop(): void;
}

/** After an event: the first read this soon, then reads this often for a while. */
const SETTLE_MS = 60;
const BURST_MS = 150;
const BURST_FOR_MS = 1500;

export async function watchStack(project: string, env: Record<string, string>): Promise<Wake> {
  const { execa } = await loadExeca();
  const events = execa(
    'docker',
    [
      'events',
      '--filter',
      'type=container',
      '--filter',
      `label=${NAMESPACE_LABEL}=${project}`,
      ...['start', 'die', 'health_status'].flatMap((e) => ['--filter', `event=${e}`]),
      '--format',
      '{{.Action}}',
    ],
    { env, extendEnv: false, reject: false, buffer: false, stdin: 'ignore', stderr: 'ignore' },
  );
  // The stream is a help, not a need: its failure leaves the plain poll.
  events.catch(() => undefined);
  const wake = wakeOn(events.stdout ?? undefined);
  return {
    next: wake.next,
    stop() {
      wake.stop();
      events.kill();
    },
  };
}

/** The wake over a stream of event lines (any data is an event). */
export function wakeOn(stream: NodeJS.ReadableStream | undefined, clock: () => number = Date.now): Wake {
  let seen = false;
  let burstUntil = 0;
  let wakeUp: (() => void) | undefined;
  stream?.on('data', () => {
    seen = true;
    burstUntil = clock() + BURST_FOR_MS;
    wakeUp?.();
  });
  return {
    next(ms) {
      if (seen) {
        seen = false;
        return sleep(SETTLE_MS);
      }
      if (clock() < burstUntil) return sleep(Math.min(BURST_MS, ms));
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          wakeUp = undefined;
          resolve();
        }, ms);
        wakeUp = () => {
          seen = false;
          clearTimeout(timer);
          wakeUp = undefined;
          setTimeout(resolve, SETTLE_MS);
        };
      });
    },
    stop() {
      wakeUp = undefined;
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
