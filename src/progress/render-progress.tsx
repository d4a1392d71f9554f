// Mounts the progress view on the terminal for as long as the bring-up runs; business code awaits it.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { render } from 'ink';
import { IgnoreKeys, ProgressView } from './view.js';
import type { ProgressStore } from './store.js';

export interface RenderProgressOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  clock: () => number;
  /** How often elapsed times move while nothing else changes. */
  tickMs?: number;
}

function LiveProgress({
  store,
  clock,
  tickMs,
  onDone,
}: {
  store: ProgressStore;
  clock: () => number;
  tickMs: number;
  onDone: () => void;
}) {
  const state = useSyncExternalStore(
    (notify) => store.subscribe(() => notify()),
    () => store.get(),
  );
  const [, setTick] = useState(0);
  useEffect(() => {
    if (state.done) return;
    const timer = setInterval(() => setTick((n) => n + 1), tickMs);
    return () => clearInterval(timer);
  }, [state.done, tickMs]);
  useEffect(() => {
    if (state.done) onDone();
  }, [state.done, onDone]);
  return (
    <>
      <IgnoreKeys onInterrupt={() => process.kill(process.pid, 'SIGINT')} />
      <ProgressView state={state} now={clock()} />
    </>
  );
}

/**
 * Mounts the view and resolves once its first frame is on the screen, before compose starts (so the rows show
 * at once and the one-time cost of starting React is not paid while compose runs). `closed` settles once the
 * store reports `done` and the last frame is drawn.
 */
export async function renderProgress(
  store: ProgressStore,
  options: RenderProgressOptions,
): Promise<{ closed: Promise<void> }> {
  let finish = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  // Mounting in the same tick as a prompt that just resolved loses raw mode (Ink would exit at once): wait one
  // setImmediate for the prompt to let go of stdin.
  await new Promise((resolve) => setImmediate(resolve));
  const instance = render(
    <LiveProgress
      store={store}
      clock={options.clock}
      tickMs={options.tickMs ?? 1000}
      onDone={() => finish()}
    />,
    {
      ...(options.stdout ? { stdout: options.stdout } : {}),
      ...(options.stdin ? { stdin: options.stdin } : {}),
      exitOnCtrlC: false,
      patchConsole: false,
    },
  );
  const closed = (async () => {
    await finished;
    instance.unmount();
    await instance.waitUntilExit();
  })();
  return { closed };
}
