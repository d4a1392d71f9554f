// The detection adapter: where the machine's files are (a fixture tree in tests), which PATH and environment
// to use, and the run's Exec, which always returns within its time limit — a hung nvidia-smi cannot hang berth.
import { execaExec, type Exec } from '../compose/exec.js';
import type { Context } from '../context.js';
import { userCacheDir } from './version-cache.js';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ProbeEnv {
  /** Prefix for /proc, /sys, /etc, /dev, /var/run: '/' on a real machine, a fixture tree in tests. */
  root: string;
  /** PATH, HOME, DOCKER_HOST, DOCKER_CONFIG, DOCKER_CONTEXT and WSL_* are read from here. */
  env: Readonly<Record<string, string | undefined>>;
  /** Per-command time limit; a probe that takes longer counts as failed. */
  timeoutMs: number;
  /** Runs the probe's commands (the Context's Exec). */
  exec: Exec;
  /** Where versions asked of binaries are remembered between runs (see version-cache.ts); none in tests. */
  cacheDir?: string | undefined;
}

export function probeEnv(overrides: Partial<ProbeEnv> = {}): ProbeEnv {
  return { root: '/', env: process.env, timeoutMs: 5_000, exec: execaExec, ...overrides };
}

/** The probe a command runs detection with: the run's environment and Exec, and the per-user version cache. */
export function contextProbe(ctx: Pick<Context, 'env' | 'exec'>): ProbeEnv {
  return probeEnv({ env: ctx.env, exec: ctx.exec, cacheDir: userCacheDir(ctx.env) });
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

/** Runs a command found on the probe's PATH, through the probe's Exec (its own process group, killed at the limit). */
export async function runCommand(
  p: ProbeEnv,
  command: string,
  args: readonly string[],
  timeoutMs = p.timeoutMs,
): Promise<CommandResult> {
  const file = command.includes('/') ? command : which(p, command);
  if (!file)
    return { ok: false, exitCode: undefined, stdout: '', stderr: '', timedOut: false, missing: true };
  const r = await p.exec(file, args, { env: { ...p.env, LC_ALL: 'C' }, timeoutMs });
  return { ...r, ok: r.exitCode === 0, timedOut: r.timedOut ?? false, missing: false };
}
