// Brings up one test/fixtures/fault-stack file with plain `docker compose`, the way berth does
// (`up -d --wait`, plain progress, no colour), in a folder of its own. Shared by test/engine/faults.test.ts
// and the sample capture script, so the samples are exactly what the engine test sees.
// No vitest import: the capture script runs outside vitest.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { ExecResult } from '../../src/compose/exec.js';

export const FAULT_STACK = path.resolve(import.meta.dirname, '../fixtures/fault-stack');

export interface FaultStack {
  dir: string;
  project: string;
  /** The environment compose runs with (and diagnoseFailure gets). */
  env: Record<string, string>;
}

/** One fault captured from the engine (scripts/capture-samples.ts diagnose): compose's output and exit code, and
 * every docker command diagnoseFailure ran afterwards with its answer, for the tests to replay. */
export interface Sample {
  fault: string;
  fixture: string;
  exitCode: number;
  output: string[];
  calls: { args: string[]; result: ExecResult }[];
}

export interface UpResult {
  output: string[];
  exitCode: number;
}

/** The caller's environment without COMPOSE_* (the folder's .env decides) and BERTH_*. */
export function composeEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith('COMPOSE_') && !k.startsWith('BERTH_')) env[k] = v;
  return { ...env, ...extra };
}

/** A folder holding the fixture as compose.yaml and a .env naming the project, as berth writes them. */
export function makeFaultStack(
  root: string,
  project: string,
  fixture: string,
  vars: Record<string, string> = {},
): FaultStack {
  const dir = path.join(root, project);
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(FAULT_STACK, fixture), path.join(dir, 'compose.yaml'));
  const dotenv = Object.entries({ COMPOSE_PROJECT_NAME: project, ...vars }).map(([k, v]) => `${k}=${v}\n`);
  writeFileSync(path.join(dir, '.env'), dotenv.join(''));
  return { dir, project, env: composeEnv() };
}

export async function up(stack: FaultStack, extra: string[] = [], waitSeconds = 30): Promise<UpResult> {
  const args = ['compose', '--progress', 'plain', '--ansi', 'never', 'up', '-d', '--wait'];
  args.push('--wait-timeout', String(waitSeconds), ...extra);
  const r = await execa('docker', args, {
    cwd: stack.dir,
    env: stack.env,
    extendEnv: false,
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: (waitSeconds + 60) * 1000,
  });
  return {
    output: String(r.all ?? '')
      .split('\n')
      .filter(Boolean),
    exitCode: r.exitCode ?? -1,
  };
}

/** `docker compose down -v --remove-orphans`; the error text when it fails. */
export async function down(stack: FaultStack): Promise<string | undefined> {
  const r = await execa(
    'docker',
    ['compose', '-p', stack.project, 'down', '-v', '--remove-orphans', '-t', '1'],
    { cwd: stack.dir, env: composeEnv(), extendEnv: false, reject: false, stdin: 'ignore', timeout: 60_000 },
  );
  return r.exitCode === 0 ? undefined : `${r.stdout}\n${r.stderr}`;
}
