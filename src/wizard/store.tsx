// The wizard's one Ink app and the store behind it: business code writes the store (a line printed, a screen
// shown, a prompt settled), the app renders it. Answered screens stay above as one line each (Ink's <Static>).
import { useSyncExternalStore, type ReactElement } from 'react';
import { Box, Static, useInput } from 'ink';
import { CancelledError } from '../errors.js';

interface Item {
  key: number;
  element: ReactElement;
}

interface State {
  done: Item[];
  screen: ReactElement | null;
}

/** The store behind the app: business code writes it, the app renders it. */
export class WizardStore {
  private state: State = { done: [], screen: null };
  private readonly listeners = new Set<() => void>();
  private nextKey = 0;
  private pending: ((error: Error) => void) | undefined;
  private cancelled = false;

  get = (): State => this.state;
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(state: State): void {
    this.state = state;
    for (const l of this.listeners) l();
  }

  /** Adds a line that stays on the screen above whatever comes next. */
  print(element: ReactElement): void {
    this.set({ ...this.state, done: [...this.state.done, { key: this.nextKey++, element }] });
  }

  show(screen: ReactElement | null): void {
    this.set({ ...this.state, screen });
  }

  /**
   * Puts up a screen built around `settle`, and resolves with what the user chose. Ctrl-C rejects it with
   * CancelledError.
   */
  prompt<T>(build: (settle: (value: T) => void) => ReactElement): Promise<T> {
    if (this.cancelled) return Promise.reject(new CancelledError());
    return new Promise<T>((resolve, reject) => {
      this.pending = reject;
      this.show(
        build((value) => {
          this.pending = undefined;
          this.show(null);
          resolve(value);
        }),
      );
    });
  }

  cancel = (): void => {
    this.cancelled = true;
    const reject = this.pending;
    this.pending = undefined;
    this.show(null);
    reject?.(new CancelledError());
  };

  get isCancelled(): boolean {
    return this.cancelled;
  }
}

export function WizardApp({ store }: { store: WizardStore }) {
  const state = useSyncExternalStore(store.subscribe, store.get);
  // Raw mode turns Ctrl-C into a key: it cancels whatever is on the screen.
  useInput((input, key) => {
    if (key.ctrl && input === 'c') store.cancel();
  });
  return (
    <>
      <Static items={state.done}>{(item) => <Box key={item.key}>{item.element}</Box>}</Static>
      {state.screen}
    </>
  );
}
