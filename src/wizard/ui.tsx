// The wizard on the terminal: one Ink app for the whole conversation. Business code calls promise-returning
// functions (`ask`, `review`, …); each puts one screen up and settles when the user answers. Answered screens
// are left above as one line each (Ink's <Static>), so the terminal reads like a transcript.
import { useSyncExternalStore, type ReactElement } from 'react';
import { Box, render, Static, useInput, type Instance } from 'ink';
import type { TerminalStreams } from '../context.js';
import { CancelledError } from '../errors.js';
import {
  AnsweredLine,
  FinalView,
  ReviewPrompt,
  WelcomeView,
  type CheckRow,
  type ReviewChoice,
} from './components.js';
import type { FinalModel, ReviewModel } from './flow.js';

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

export class WizardUI {
  private constructor(
    readonly store: WizardStore,
    private readonly instance: Instance | undefined,
  ) {}

  /** Mounts the app on the terminal (the first frame is drawn at once). */
  static async open(terminal: TerminalStreams): Promise<WizardUI> {
    // Mounting in the same tick as another view or prompt let go of the terminal loses raw mode: Ink then exits
    // at once. One setImmediate lets the other side finish releasing stdin first.
    await new Promise((resolve) => setImmediate(resolve));
    const store = new WizardStore();
    const instance = render(<WizardApp store={store} />, {
      stdin: terminal.stdin,
      stdout: terminal.stdout,
      exitOnCtrlC: false,
      patchConsole: false,
    });
    return new WizardUI(store, instance);
  }

  /** For tests: a UI over a store that an ink-testing-library render shows. */
  static over(store: WizardStore): WizardUI {
    return new WizardUI(store, undefined);
  }

  /** Shows the checklist while `rows` is computed, then leaves it on the screen. */
  async welcome(heading: string | undefined, rows: Promise<CheckRow[]>, quiet = false): Promise<void> {
    this.store.show(<WelcomeView heading={heading} rows={undefined} quiet={quiet} />);
    const done = await rows;
    this.store.show(null);
    this.store.print(<WelcomeView heading={heading} rows={done} quiet={quiet} />);
    if (this.store.isCancelled) throw new CancelledError();
  }

  ask<T>(build: (settle: (value: T) => void) => ReactElement): Promise<T> {
    return this.store.prompt(build);
  }

  answered(title: string, value: string): void {
    this.store.print(<AnsweredLine title={title} value={value} />);
  }

  print(element: ReactElement): void {
    this.store.print(element);
  }

  review(model: ReviewModel): Promise<ReviewChoice> {
    return this.store.prompt<ReviewChoice>((settle) => <ReviewPrompt model={model} onSubmit={settle} />);
  }

  final(model: FinalModel): void {
    this.store.print(<FinalView model={model} />);
  }

  /** Unmounts: the terminal gets its cursor and cooked mode back; what was printed stays. */
  async close(): Promise<void> {
    if (!this.instance) return;
    this.instance.unmount();
    await this.instance.waitUntilExit();
  }
}

/** Prints one element on the terminal and lets go of it (the final screen after the bring-up). */
export async function printOnce(element: ReactElement, stdout: NodeJS.WriteStream): Promise<void> {
  const instance = render(element, { stdout, patchConsole: false, exitOnCtrlC: false });
  instance.unmount();
  await instance.waitUntilExit();
}
