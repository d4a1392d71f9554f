// Is there a person at a terminal to ask, and which streams reach them. Under `curl … | bash` stdin is the
// script, so the terminal is opened from /dev/tty; with no controlling terminal (CI, setsid, cron) that fails
// with ENXIO and berth never prompts.
import { fstatSync, openSync } from 'node:fs';
import tty from 'node:tty';
import type { TerminalStreams } from '../context.js';

export interface Terminal extends TerminalStreams {
  /** Lets go of /dev/tty when berth opened it, so the process can exit and the calling script goes on. */
  release(): void;
}

export interface TerminalOptions {
  env: Readonly<Record<string, string | undefined>>;
  /** --yes or --json: the run promised to ask nothing (--json: machine-readable output, no conversation). */
  unattended: boolean;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  openTty?: () => NodeJS.ReadStream;
}

/**
 * Where a person can be asked: 'stdin' (a terminal), 'tty' (stdin is a pipe, the terminal is /dev/tty), or
 * undefined (CI, --yes, --json, no terminal on stdout, </dev/null or a file on stdin). Cheap: no file is opened.
 */
export function terminalKind(options: TerminalOptions): 'stdin' | 'tty' | undefined {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  if (options.env.CI === 'true' || options.unattended) return undefined;
  if (stdout.isTTY !== true) return undefined;
  if (stdin.isTTY === true) return 'stdin';
  // Only a pipe (curl | bash, cat | berth) means "the terminal is elsewhere": </dev/null or a file means "do
  // not ask".
  return stdinIsPipe(stdin) ? 'tty' : undefined;
}

/** The terminal to prompt on, or undefined when berth must not prompt (then missing answers are exit 2). */
export function openTerminal(options: TerminalOptions): Terminal | undefined {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const kind = terminalKind(options);
  if (!kind) return undefined;
  assumeWidth(stdout);
  if (kind === 'stdin') return { stdin, stdout, release: () => {} };
  try {
    const input = (options.openTty ?? openDevTty)();
    return {
      stdin: input,
      stdout,
      release: () => {
        input.destroy();
      },
    };
  } catch {
    return undefined;
  }
}

function stdinIsPipe(stdin: NodeJS.ReadStream): boolean {
  const fd = (stdin as { fd?: number }).fd ?? 0;
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

function openDevTty(): NodeJS.ReadStream {
  const fd = openSync('/dev/tty', 'r');
  return new tty.ReadStream(fd) as unknown as NodeJS.ReadStream;
}

/**
 * While the wizard asks, a closed terminal (SIGHUP, or EIO reading it) ends the run quietly: nothing has been
 * written yet. berth then dies of SIGHUP itself (status 129), as a hung-up program does: a normal exit would
 * have Node restore the settings of a terminal that is gone, and Node aborts with a native trace on that EIO.
 * Returns the function that stops watching.
 */
export function watchHangup(
  terminal: Pick<Terminal, 'stdin' | 'release'>,
  die: () => void = dieOfHangup,
): () => void {
  const hangup = () => {
    terminal.release();
    die();
  };
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EIO' || error.code === 'ENXIO' || error.code === 'EBADF') hangup();
  };
  process.on('SIGHUP', hangup);
  terminal.stdin.on('error', onError);
  // A terminal that went away can also just read as end-of-file (in raw mode Ctrl-D is a key, not EOF).
  terminal.stdin.on('end', hangup);
  return () => {
    process.off('SIGHUP', hangup);
    terminal.stdin.off('error', onError);
    terminal.stdin.off('end', hangup);
  };
}

function dieOfHangup(): void {
  // Other SIGHUP listeners (Ink's cursor restore) would write to the dead terminal: let the default action run.
  process.removeAllListeners('SIGHUP');
  process.kill(process.pid, 'SIGHUP');
}

/**
 * A terminal that reports no size (a serial console, `script` without a terminal of its own) says 0 columns,
 * and Ink would lay out one character per line: assume 80.
 */
function assumeWidth(stdout: NodeJS.WriteStream): void {
  if (stdout.columns > 0) return;
  Object.defineProperty(stdout, 'columns', { value: 80, configurable: true, writable: true });
  if (!(stdout.rows > 0))
    Object.defineProperty(stdout, 'rows', { value: 24, configurable: true, writable: true });
}
