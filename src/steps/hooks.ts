// A recipe's hooks: commands run in a service's container once the stack is healthy (create the first admin,
// create a site). Each is a row in the progress view; its output goes to the bring-up's log; a failure names the
// hook, its exit status and its last lines — or, for a hook marked `onFailure: warn`, is kept for the final screen
// while the stack stays up. A `once` hook that succeeded is recorded in state.json and skipped from then on; one
// that failed runs again on the next install.
import type { Exec } from '../compose/exec.js';
import { composeEnv, type ComposeOptions } from '../compose/docker-compose.js';
import { updateState } from '../install-dir/state.js';
import type { RenderedHook } from '../render/render-recipe.js';
import { stepRow, type StepReport } from './step-rows.js';

export const hookRow = (h: Pick<RenderedHook, 'id'>): string => `hook ${h.id}`;

export interface HookFailure {
  hook: RenderedHook;
  exitCode: number | undefined;
  lines: string[];
}

/** The hooks still to run: all of them, less the `once` hooks already done (state.json's hooksDone). */
export function pendingHooks(hooks: readonly RenderedHook[], done: readonly string[] = []): RenderedHook[] {
  return hooks.filter((h) => !(h.once && done.includes(h.id)));
}

export interface HooksResult {
  /** The hook that stopped the run (onFailure: stop). */
  failure?: HookFailure;
  /** Hooks that failed with onFailure: warn: the run went on, and the final screen shows them. */
  warnings: HookFailure[];
}

/** Runs the hooks in order, stopping at the first that fails, unless it only warns. */
export async function runHooks(
  hooks: readonly RenderedHook[],
  compose: ComposeOptions,
  exec: Exec,
  report: StepReport,
): Promise<HooksResult> {
  const warnings: HookFailure[] = [];
  const row = (h: RenderedHook) => stepRow(report, hookRow(h));
  for (const h of hooks) row(h)('waiting');
  for (const h of hooks) {
    row(h)('starting', h.description);
    const args =
      h.in === 'exec' ? ['exec', '-T', h.service, ...h.run] : ['run', '--rm', '-T', h.service, ...h.run];
    report.log(`berth: hook ${h.id}: docker compose ${h.in} ${h.service} (${h.description})`);
    const result = await exec('docker', ['compose', ...args], {
      cwd: compose.cwd,
      env: composeEnv(compose),
      timeoutMs: h.timeoutSeconds * 1000,
    });
    const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => l.trim() !== '');
    for (const line of lines) report.log(`hook ${h.id} | ${line}`);
    if (result.exitCode !== 0) {
      row(h)('failed', result.exitCode === undefined ? 'timed out' : `exit ${result.exitCode}`);
      const failure = { hook: h, exitCode: result.exitCode, lines: lines.slice(-20) };
      if (h.onFailure !== 'warn') return { failure, warnings };
      warnings.push(failure);
      continue;
    }
    row(h)('completed');
  }
  const failed = new Set(warnings.map((w) => w.hook.id));
  const once = hooks.filter((h) => h.once && !failed.has(h.id)).map((h) => h.id);
  if (once.length > 0)
    updateState(compose.cwd, (state) => ({
      ...state,
      hooksDone: [...new Set([...(state.hooksDone ?? []), ...once])],
    }));
  return { warnings };
}

/** How a hook ended, for a message: `exited 3`, or that it ran out of time. */
export const hookStatus = (f: HookFailure): string =>
  f.exitCode === undefined ? `did not finish within ${f.hook.timeoutSeconds} s` : `exited ${f.exitCode}`;

/** The final screen's lines for a hook that failed but only warns: what happened, what it left, how to retry. */
export function hookWarning(f: HookFailure, dir: string, log: string): string[] {
  return [
    `! Hook ${f.hook.id} (${f.hook.description}) ${hookStatus(f)}.${f.hook.failureNote ? ` ${f.hook.failureNote}` : ''}`,
    ...f.lines.slice(-8).map((l) => `    ${l}`),
    `  → Fix the cause, then run berth install --dir ${dir} again: ` +
      (f.hook.once ? 'it runs this hook until it succeeds once.' : 'hooks run after every start.') +
      ` The whole output: ${log} in ${dir}.`,
  ];
}
