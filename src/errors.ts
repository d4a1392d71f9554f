// Errors are data: every failure berth expects carries a message, a hint and an exit code.

/** Exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  recipe: 3,
  userEdits: 4,
  compose: 5,
  preflight: 6,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface BerthErrorOptions {
  hint?: string;
  cause?: unknown;
  exitCode?: ExitCode;
  /** Extra lines printed under the message (e.g. every missing answer). */
  details?: string[];
}

export class BerthError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  readonly details: string[];

  constructor(message: string, options: BerthErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'BerthError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.details = options.details ?? [];
  }
}

export class UsageError extends BerthError {
  constructor(message: string, options: Omit<BerthErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.usage });
    this.name = 'UsageError';
  }
}

export class RecipeError extends BerthError {
  constructor(message: string, options: Omit<BerthErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.recipe });
    this.name = 'RecipeError';
  }
}

/** The user cancelled (Ctrl-C at a prompt). Not an error: exit 130, nothing printed but a line. */
export class CancelledError extends BerthError {
  constructor() {
    super('Cancelled.', { exitCode: ExitCode.cancelled });
    this.name = 'CancelledError';
  }
}

export function isBerthError(error: unknown): error is BerthError {
  return error instanceof BerthError;
}
