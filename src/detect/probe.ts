// The detection adapter: where the machine's files are (a fixture tree in tests), which PATH and environment
// to use, and a command runner that always returns within its timeout — a hung nvidia-smi cannot hang berth.
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ProbeEnv {
  /** Prefix for /proc, /sys, /etc, /dev, /var/run: '/' on a real machine, a fixture tree in tests. */
  root: string;
  /** PATH, HOME, DOCKER_HOST, DOCKER_CONFIG, DOCKER_CONTEXT and WSL_* are read from here. */
  env: Readonly<Record<string, string | undefined>>;
  /** Per-command time limit; a probe that takes longer counts as failed. */
  timeoutMs: number;
}

export function probeEnv(overrides: Partial<ProbeEnv> = {}): ProbeEnv {
  return { root: '/', env: process.env, timeoutMs: 5_000, ...overrides };
}

export const rooted = (p: Pick<ProbeEnv, 'root'>, abs: string): string => path.join(p.root, abs);

export function readText(p: Pick<ProbeEnv, 'root'>, abs: string): string | undefined {
  try {
    return readFileSync(rooted(p, abs), 'utf8');
  } catch {
    return undefined;
  }
}

export function listDir(p: Pick<ProbeEnv, 'root'>, abs: string): string[] | undefined {
  try {
    return readdirSync(rooted(p, abs));
  } catch {
    return undefined;
  }
}

/** The executable `command` resolves to on PATH, without spawning anything. */
export function which(p: Pick<ProbeEnv, 'env'>, command: string): string | undefined {
  for (const dir of (p.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface CommandResult {
  /** exit 0 within the time limit */
  ok: boolean;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The command is not on PATH (nothing was spawned). */
  missing: boolean;
}

/**
 * Runs a command with PATH from the probe environment. It gets its own process group, and on timeout the whole
 * group is killed and the promise settles at once: a child that keeps the pipes open cannot delay the answer.
 */
export function runCommand(
  p: ProbeEnv,
  command: string,
  args: readonly string[],
  timeoutMs = p.timeoutMs,
): Promise<CommandResult> {
  const file = command.includes('/') ? command : which(p, command);
  const none = { exitCode: undefined, stdout: '', stderr: '', timedOut: false };
  if (!file) return Promise.resolve({ ...none, ok: false, missing: true });
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const child = spawn(file, args, {
      env: { ...p.env, LC_ALL: 'C' } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const finish = (result: Omit<CommandResult, 'stdout' | 'stderr' | 'missing'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, stdout, stderr, missing: false });
    };
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      child.stdout.destroy();
      child.stderr.destroy();
      finish({ ok: false, exitCode: undefined, timedOut: true });
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (error) => {
      stderr ||= error.message;
      finish({ ok: false, exitCode: undefined, timedOut: false });
    });
    child.on('close', (code) => finish({ ok: code === 0, exitCode: code ?? undefined, timedOut: false }));
    // A grandchild that inherited the pipes would hold back 'close'; the exit of the command itself is enough.
    child.on('exit', (code) => {
      setTimeout(() => finish({ ok: code === 0, exitCode: code ?? undefined, timedOut: false }), 100).unref();
    });
  });
}
