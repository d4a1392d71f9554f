// When to read the stack's tasks again while a layer comes up. Swarm has no event for a task's state, but this
// node's engine reports its containers: a start, a health verdict, an exit. `docker events` for the stack's
// containers wakes the wait as they happen, and a short burst of reads follows (swarm records the task's new state
// a moment after the container's), so a layer that is up is seen at once instead of at the next poll. Tasks on
// other nodes send no event here: the plain poll still covers them, and everything when the stream cannot start.
//
// The events also say, per service, how many of its tasks' containers on this node passed their health check,
// started, or exited 0: for a service this deploy creates, that is the verdict the next read would give a moment
// later (swarm calls a task running once its container is healthy, and a job complete once it exited 0).
import { loadExeca } from '../compose/exec.js';
import { NAMESPACE_LABEL } from './services.js';

export interface Wake {
  /** Resolves when it is time to read the tasks again: soon after an event, else after `ms`. */
  next(ms: number): Promise<void>;
  /** What this node's events said of the service's tasks so far (by service ID). */
  tally(serviceId: string): Tally;
  stop(): void;
}

/** A service's tasks, as their containers' events on this node tell: each counted once, until it exits. */
export interface Tally {
  healthy: number;
  running: number;
  /** Exited 0 (a job's run completed). */
  completed: number;
}

/** One line of `docker events --format '{{json .}}'` for a container, as far as berth reads it. */
interface ContainerEvent {
  Action?: string;
  Actor?: { Attributes?: Record<string, string | undefined> };
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
      '{{json .}}',
    ],
    { env, extendEnv: false, reject: false, buffer: false, stdin: 'ignore', stderr: 'ignore' },
  );
  // The stream is a help, not a need: its failure leaves the plain poll.
  events.catch(() => undefined);
  const wake = wakeOn(events.stdout ?? undefined);
  return {
    next: wake.next,
    tally: wake.tally,
    stop() {
      wake.stop();
      events.kill();
    },
  };
}

/** The wake over a stream of event lines (`docker events --format '{{json .}}'`; any line wakes). */
export function wakeOn(stream: NodeJS.ReadableStream | undefined, clock: () => number = Date.now): Wake {
  let seen = false;
  let burstUntil = 0;
  let wakeUp: (() => void) | undefined;
  let partial = '';
  const tasks = new Map<
    string,
    { healthy: Set<string>; started: Set<string>; done: Set<string>; exited: Set<string> }
  >();
  const record = (line: string) => {
    let event: ContainerEvent;
    try {
      event = JSON.parse(line) as ContainerEvent;
    } catch {
      return;
    }
    const a = event.Actor?.Attributes ?? {};
    const service = a['com.docker.swarm.service.id'];
    const task = a['com.docker.swarm.task.id'];
    if (!service || !task) return;
    let t = tasks.get(service);
    if (!t)
      tasks.set(
        service,
        (t = { healthy: new Set(), started: new Set(), done: new Set(), exited: new Set() }),
      );
    if (event.Action === 'start') t.started.add(task);
    else if (event.Action === 'health_status: healthy') t.healthy.add(task);
    else if (event.Action?.startsWith('health_status')) t.healthy.delete(task);
    else if (event.Action === 'die') {
      t.exited.add(task);
      if (a.exitCode === '0') t.done.add(task);
    }
  };
  stream?.on('data', (chunk: Buffer | string) => {
    const lines = (partial + String(chunk)).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) record(line);
    seen = true;
    burstUntil = clock() + BURST_FOR_MS;
    wakeUp?.();
  });
  const live = (set: Set<string>, exited: Set<string>) => [...set].filter((x) => !exited.has(x)).length;
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
    tally(serviceId) {
      const t = tasks.get(serviceId);
      if (!t) return { healthy: 0, running: 0, completed: 0 };
      return {
        healthy: live(t.healthy, t.exited),
        running: live(t.started, t.exited),
        completed: t.done.size,
      };
    },
    stop() {
      wakeUp = undefined;
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
