// Is there a person at a terminal to ask, and which streams reach them. Under `curl … | bash` stdin is the
// script, so the terminal is opened from /dev/tty; with no controlling terminal (CI, setsid, cron) that fails
// with ENXIO and berth never prompts.
import { fstatSync, openSync } from 'node:fs';
import tty from 'node:tty';

export interface Terminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  /** Lets go of /dev/tty when berth opened it, so the process can exit and the calling script goes on. */
  release(): void;
}

export interface TerminalOptions {
  env: Readonly<Record<string, string | undefined>>;
  argv: readonly string[];
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  openTty?: () => NodeJS.ReadStream;
}

/** The terminal to prompt on, or undefined when berth must not prompt (then missing answers are exit 2). */
export function openTerminal(options: TerminalOptions): Terminal | undefined {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  if (options.env.CI === 'true' || options.argv.includes('--yes') || options.argv.includes('-y'))
    return undefined;
  if (stdout.isTTY !== true) return undefined;
  if (stdin.isTTY === true) return { stdin, stdout, release: () => {} };
  // Only a pipe (curl | bash, cat | berth) means "the terminal is elsewhere": </dev/null or a file means "do
  // not ask".
  if (!stdinIsPipe(stdin)) return undefined;
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
