// The one way berth runs the docker CLI (and the Compose plugin) and waits for its answer: exit code, stdout and
// stderr as data, never an exception, always under a time limit. It lives in the run's Context, so the commands,
// the bring-up and the failure diagnosis all use it, and tests replay recorded answers through it. Only the two
// streams a person watches live — `up`'s progress and `logs --follow` — are spawned apart (compose/docker-compose.ts,
// commands/logs.ts).
import { execa } from 'execa';

export interface ExecResult {
  /** undefined: it could not be started, or was killed at its time limit. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs: number;
}

export type Exec = (file: string, args: readonly string[], options: ExecOptions) => Promise<ExecResult>;

export const execaExec: Exec = async (file, args, options) => {
  try {
    const r = await execa(file, args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: options.env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: options.timeoutMs,
      forceKillAfterDelay: 1_000,
    });
    return { exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  } catch (error) {
    return { exitCode: undefined, stdout: '', stderr: String(error) };
  }
};

/** What went wrong, for a message: stderr, else stdout, else the exit code. */
export const failureText = (r: ExecResult): string =>
  (r.stderr || r.stdout || `exit code ${r.exitCode ?? 'unknown (killed or not started)'}`).trim();
