// The one way berth runs a command and waits for its answer — the docker CLI, the Compose plugin, and detection's
// nvidia-smi and lspci: exit code, stdout and stderr as data, never an exception, always under a time limit. It
// lives in the run's Context (and in detection's ProbeEnv), so tests replay recorded answers through it. Only the
// two streams a person watches live — `up`'s progress and `logs --follow` — are spawned apart
// (compose/docker-compose.ts, commands/logs.ts).

import { composeCommand } from './plugin.js';

/** execa (~100 KB of code) loads on the first command run, so the commands and runs that spawn nothing never pay
 * for it; `loadExeca()` early lets it compile while berth waits on something else. */
let loading: Promise<typeof import('execa')> | undefined;
export const loadExeca = (): Promise<typeof import('execa')> => (loading ??= import('execa'));

export interface ExecResult {
  /** undefined: it could not be started, or was killed at its time limit. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** It was killed at its time limit. */
  timedOut?: boolean;
}

export interface ExecOptions {
  cwd?: string;
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
}

export type Exec = (file: string, args: readonly string[], options: ExecOptions) => Promise<ExecResult>;

/** Process groups still running; killed when berth exits (Ctrl-C included), since a detached group is not. */
const running = new Set<number>();
let exitHooked = false;
const killGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
};

/**
 * The command runs in its own process group, and at the time limit the whole group is killed: a hung driver tool
 * whose child keeps the pipes open (nvidia-smi on a wedged GPU) cannot hold berth past the limit.
 */
export const execaExec: Exec = async (file, args, options) => {
  if (!exitHooked) process.once('exit', () => running.forEach((pid) => killGroup(pid, 'SIGTERM')));
  exitHooked = true;
  let timedOut = false;
  try {
    const { execa } = await loadExeca();
    // `docker compose …` as the Compose plugin run directly: the same work, two process starts fewer.
    const command = composeCommand(file, args, options.env);
    const subprocess = execa(command.file, command.args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: options.env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      detached: true,
    });
    const pid = subprocess.pid;
    if (pid) running.add(pid);
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid) killGroup(pid, 'SIGKILL');
    }, options.timeoutMs);
    try {
      const r = await subprocess;
      if (timedOut) return { exitCode: undefined, stdout: '', stderr: '', timedOut };
      return { exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
    } finally {
      clearTimeout(timer);
      if (pid) running.delete(pid);
    }
  } catch (error) {
    return { exitCode: undefined, stdout: '', stderr: String(error), timedOut };
  }
};

/** What went wrong, for a message: stderr, else stdout, else the exit code. */
export const failureText = (r: ExecResult): string =>
  (r.stderr || r.stdout || `exit code ${r.exitCode ?? 'unknown (killed or not started)'}`).trim();
