// The wizard on the terminal, for flow code: plain-data, promise-returning prompts (`ui.select({…})`,
// `ui.text({…})`, …), each putting one screen up and settling when the user answers; Esc settles with BACK where
// going back is allowed. Only this module and the screens build React elements; the flow (wizard.ts) never does.
import type { ReactElement } from 'react';
import { render, Text, type Instance } from 'ink';
import type { TerminalStreams } from '../context.js';
import { CancelledError } from '../errors.js';
import {
  AnsweredLine,
  ConfirmPrompt,
  FinalView,
  NoteLine,
  ReviewPrompt,
  SelectPrompt,
  TextPrompt,
  WelcomeView,
  type CheckRow,
  type Choice,
  type ReviewChoice,
  type Validation,
} from './components.js';
import type { FinalModel } from '../messages.js';
import type { ReviewModel } from './flow.js';
import { WizardApp, WizardStore } from './store.js';

export { WizardApp, WizardStore } from './store.js';

/** What a prompt settles with when the user presses Esc to go back. */
export const BACK = Symbol('back');
export type Back = typeof BACK;

interface PromptBase {
  title: string;
  help?: string | undefined;
  /** Esc goes back (settling with BACK); off on the first question. */
  canGoBack?: boolean;
}

export interface SelectOptions extends PromptBase {
  choices: Choice[];
  initial?: string | undefined;
}

export interface ConfirmOptions extends PromptBase {
  initial: boolean;
}

export interface TextOptions extends PromptBase {
  initial: string;
  /** Checked on Enter: a problem keeps the prompt up with its message. */
  validate: (text: string) => Validation;
  /** A slower check (a port in use): its warning shows once, a second Enter accepts. */
  check?: ((text: string) => Promise<string | undefined>) | undefined;
}

export interface SecretOptions extends PromptBase {
  /** A value is already set: an empty Enter keeps it, and the prompt says so. */
  keepHint?: string | undefined;
  validate: (text: string) => Validation;
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

  /** The first screen: the heading at once, the checklist once `rows` settles (then left on the screen). */
  greet(heading: string | undefined, quiet = false): void {
    this.store.show(<WelcomeView heading={heading} rows={undefined} quiet={quiet} />);
  }

  /** Shows the checklist while `rows` is computed, then leaves it on the screen. */
  async welcome(heading: string | undefined, rows: Promise<CheckRow[]>, quiet = false): Promise<void> {
    this.greet(heading, quiet);
    const done = await rows;
    this.store.show(null);
    this.store.print(<WelcomeView heading={heading} rows={done} quiet={quiet} />);
    if (this.store.isCancelled) throw new CancelledError();
  }

  select(o: SelectOptions): Promise<string | Back> {
    return this.store.prompt((settle) => (
      <SelectPrompt
        title={o.title}
        help={o.help}
        choices={o.choices}
        initial={o.initial}
        onSubmit={settle}
        onBack={this.back(o, settle)}
      />
    ));
  }

  confirm(o: ConfirmOptions): Promise<boolean | Back> {
    return this.store.prompt((settle) => (
      <ConfirmPrompt
        title={o.title}
        help={o.help}
        initial={o.initial}
        onSubmit={settle}
        onBack={this.back(o, settle)}
      />
    ));
  }

  text(o: TextOptions): Promise<string | Back> {
    return this.store.prompt((settle) => (
      <TextPrompt
        title={o.title}
        help={o.help}
        initial={o.initial}
        validate={o.validate}
        check={o.check}
        onSubmit={settle}
        onBack={this.back(o, settle)}
      />
    ));
  }

  /** Typed masked; never echoed, never printed as answered by this module. */
  secret(o: SecretOptions): Promise<string | Back> {
    return this.store.prompt((settle) => (
      <TextPrompt
        title={o.title}
        help={o.help}
        initial=""
        secret
        keepHint={o.keepHint}
        validate={o.validate}
        onSubmit={settle}
        onBack={this.back(o, settle)}
      />
    ));
  }

  /** The escape hatch for a screen the methods above do not cover (tests use it too). */
  ask<T>(build: (settle: (value: T) => void) => ReactElement): Promise<T> {
    return this.store.prompt(build);
  }

  /** Leaves `title: value` above, as the transcript of an answered question. */
  answered(title: string, value: string): void {
    this.store.print(<AnsweredLine title={title} value={value} />);
  }

  /** A line of advice that stays on the screen. */
  note(text: string): void {
    this.store.print(<NoteLine>{text}</NoteLine>);
  }

  /** A line that stands on the screen while something runs (replaced by the next screen). */
  working(text: string): void {
    this.store.show(<Text dimColor>{text}</Text>);
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

  private back<T>(o: PromptBase, settle: (value: T | Back) => void): (() => void) | undefined {
    return o.canGoBack ? () => settle(BACK) : undefined;
  }
}

/** Prints the final screen on the terminal (after the bring-up, the wizard long closed) and lets go of it. */
export async function printFinal(model: FinalModel, stdout: NodeJS.WriteStream): Promise<void> {
  const instance = render(<FinalView model={model} />, { stdout, patchConsole: false, exitOnCtrlC: false });
  instance.unmount();
  await instance.waitUntilExit();
}
