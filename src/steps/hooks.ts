// A recipe's hooks: commands run in a service's container once the stack is healthy (create the first admin,
// create a site). Each is a row in the progress view; its output goes to the bring-up's log; a failure names the
// hook, its exit status and its last lines. A `once` hook that succeeded is recorded in state.json and skipped
// from then on; one that failed runs again on the next install.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Exec } from '../compose/exec.js';
import { composeEnv, type ComposeOptions } from '../compose/docker-compose.js';
import { STATE_FILE, type InstallState } from '../install-dir/state.js';
import type { ProgressEvent } from '../progress/model.js';
import type { RenderedHook } from '../render/render-recipe.js';

export const hookRow = (h: Pick<RenderedHook, 'id'>): string => `hook ${h.id}`;

export interface HookFailure {
  hook: RenderedHook;
  exitCode: number | undefined;
  lines: string[];
}

/** The hooks still to run: all of them, less the `once` hooks already done in this folder. */
export function pendingHooks(dir: string, hooks: readonly RenderedHook[]): RenderedHook[] {
  const done = new Set(readState(dir)?.hooksDone ?? []);
  return hooks.filter((h) => !(h.once && done.has(h.id)));
}

/** Runs the hooks in order, stopping at the first that fails. */
export async function runHooks(
  hooks: readonly RenderedHook[],
  compose: ComposeOptions,
  exec: Exec,
  report: { dispatch(events: ProgressEvent[]): void; log(line: string): void; clock(): number },
): Promise<HookFailure | undefined> {
  const row = (h: RenderedHook, state: 'waiting' | 'starting' | 'completed' | 'failed', detail?: string) =>
    report.dispatch([
      { type: 'service', at: report.clock(), service: hookRow(h), state, ...(detail ? { detail } : {}) },
    ]);
  for (const h of hooks) row(h, 'waiting');
  for (const h of hooks) {
    row(h, 'starting', h.description);
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
      row(h, 'failed', result.exitCode === undefined ? 'timed out' : `exit ${result.exitCode}`);
      return { hook: h, exitCode: result.exitCode, lines: lines.slice(-20) };
    }
    row(h, 'completed');
  }
  markDone(
    compose.cwd,
    hooks.filter((h) => h.once).map((h) => h.id),
  );
  return undefined;
}

function readState(dir: string): InstallState | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, STATE_FILE), 'utf8')) as InstallState;
  } catch {
    return undefined;
  }
}

/** Adds ids to state.json's hooksDone (written to a temporary file, then renamed over it). */
function markDone(dir: string, ids: string[]): void {
  const state = readState(dir);
  if (ids.length === 0 || !state) return;
  const file = path.join(dir, STATE_FILE);
  const next = { ...state, hooksDone: [...new Set([...(state.hooksDone ?? []), ...ids])] };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}
