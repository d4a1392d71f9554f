// When berth may prompt, and on which streams; a closed terminal ends the wizard quietly.
import { isUnattended, parseCommandLine } from '../../src/cli/args.js';
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { constants, openSync, closeSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openTerminal, terminalKind, watchHangup } from '../../src/wizard/terminal.js';
import { tempDir } from '../helpers.js';

const fds: number[] = [];
afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
});
const tty = { isTTY: true } as unknown as NodeJS.WriteStream;
const ttyIn = { isTTY: true } as unknown as NodeJS.ReadStream;
/** A stdin whose fd is a real FIFO (as under curl | bash), or a real regular file (as with < file). */
function stdinOn(kind: 'fifo' | 'file'): NodeJS.ReadStream {
  const file = path.join(tempDir(), kind);
  if (kind === 'fifo') execFileSync('mkfifo', [file]);
  else writeFileSync(file, 'x');
  const fd = openSync(file, constants.O_RDWR | constants.O_NONBLOCK);
  fds.push(fd);
  return { isTTY: false, fd } as unknown as NodeJS.ReadStream;
}

/** What the entry passes: the parsed command line's promise to ask nothing. */
const unattended = (argv: string[]) => isUnattended(parseCommandLine(argv));

describe('terminalKind', () => {
  const base = { env: {}, unattended: unattended(['install']), stdout: tty };
  it('prompts on a terminal; never under CI=true, --yes, -y or --json, or with stdout not a terminal', () => {
    expect(terminalKind({ ...base, stdin: ttyIn })).toBe('stdin');
    expect(terminalKind({ ...base, stdin: ttyIn, env: { CI: 'true' } })).toBeUndefined();
    expect(
      terminalKind({ ...base, stdin: ttyIn, unattended: unattended(['install', '--yes']) }),
    ).toBeUndefined();
    expect(terminalKind({ ...base, stdin: ttyIn, unattended: unattended(['-y']) })).toBeUndefined();
    expect(
      terminalKind({ ...base, stdin: ttyIn, unattended: unattended(['install', '--json']) }),
    ).toBeUndefined();
    expect(terminalKind({ ...base, stdin: ttyIn, stdout: { isTTY: false } as never })).toBeUndefined();
  });

  it('a pipe on stdin means the terminal is /dev/tty; a file (or /dev/null) means do not ask', () => {
    expect(terminalKind({ ...base, stdin: stdinOn('fifo') })).toBe('tty');
    expect(terminalKind({ ...base, stdin: stdinOn('file') })).toBeUndefined();
  });
});

describe('openTerminal', () => {
  const base = { env: {}, unattended: false };
  it('opens /dev/tty under a pipe and lets go of it on release; no controlling terminal → no prompting', () => {
    const opened = Object.assign(new EventEmitter(), { destroy: vi.fn() }) as unknown as NodeJS.ReadStream;
    const stdout = { isTTY: true, columns: 0, rows: 0 } as unknown as NodeJS.WriteStream;
    const t = openTerminal({ ...base, stdin: stdinOn('fifo'), stdout, openTty: () => opened });
    expect(t?.stdin).toBe(opened);
    // A terminal that reports no size gets 80 columns rather than one character per line.
    expect(stdout.columns).toBe(80);
    t!.release();
    expect((opened as unknown as { destroy: () => void }).destroy).toHaveBeenCalled();
    const enxio = () => {
      throw Object.assign(new Error('ENXIO: no such device or address'), { code: 'ENXIO' });
    };
    expect(openTerminal({ ...base, stdin: stdinOn('fifo'), stdout: tty, openTty: enxio })).toBeUndefined();
  });
});

describe('watchHangup', () => {
  it('a SIGHUP, EOF or EIO on the terminal releases it and ends the run; stopping unhooks everything', () => {
    for (const trigger of ['SIGHUP', 'end', 'EIO'] as const) {
      const stdin = new EventEmitter() as unknown as NodeJS.ReadStream;
      const release = vi.fn();
      const die = vi.fn();
      const stop = watchHangup({ stdin, release }, die);
      if (trigger === 'SIGHUP') process.emit('SIGHUP', 'SIGHUP');
      else if (trigger === 'end') stdin.emit('end');
      else stdin.emit('error', Object.assign(new Error('read EIO'), { code: 'EIO' }));
      expect(release, trigger).toHaveBeenCalledOnce();
      expect(die, trigger).toHaveBeenCalledOnce();
      stop();
      expect(process.listenerCount('SIGHUP')).toBe(0);
      expect((stdin as unknown as EventEmitter).listenerCount('end')).toBe(0);
    }
  });
});
