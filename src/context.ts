// The run's context: I/O and environment, passed in so tests can swap any of them.
import type { Prompter } from './answers/resolve.js';
import type { Invocation } from './cli/args.js';
import type { Exec } from './compose/exec.js';
import type { MachineFacts } from './detect/facts.js';

export interface Output {
  write(text: string): void;
}

/** A terminal to talk to a person on: its keyboard (stdin, or /dev/tty under a pipe) and its screen. */
export interface TerminalStreams {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

export interface Context {
  /** The command line, parsed once by the entry against the command table. */
  cli: Invocation;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout: Output;
  stderr: Output;
  /** A terminal to prompt on; undefined under CI, --yes, </dev/null, setsid. */
  prompter: Prompter | undefined;
  /** The terminal's streams (stdin may be /dev/tty under curl | bash); set exactly when `prompter` is. */
  terminal?: TerminalStreams | undefined;
  facts: MachineFacts;
  /** Runs docker (and the Compose plugin) and returns its answer: the one way berth waits on a command. */
  exec: Exec;
  now: () => Date;
  /** The entry already printed the wizard's heading (before the core loaded). */
  greeted?: boolean | undefined;
}
