// The run's context: I/O and environment, passed in so tests can swap any of them.
import type { Prompter } from './answers/resolve.js';
import type { MachineFacts } from './detect/facts.js';

export interface Output {
  write(text: string): void;
}

export interface Context {
  argv: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout: Output;
  stderr: Output;
  /** A terminal to prompt on; undefined under CI, pipes, setsid. */
  prompter: Prompter | undefined;
  facts: MachineFacts;
  now: () => Date;
}
