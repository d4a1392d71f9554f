// Shared test helpers: run the built bundle as a user would, make temporary folders, read modes.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type Result } from 'execa';
import { afterEach } from 'vitest';

export const repoRoot = path.resolve(import.meta.dirname, '..');
export const bundle = path.join(repoRoot, 'dist/berth.mjs');
export const fixtures = path.join(repoRoot, 'test/fixtures');

/** Environment without the caller's BERTH_* / API key variables, no terminal, CI-like. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('BERTH_') || k.startsWith('COMPOSE_') || /_API_KEY$/.test(k))
      continue;
    env[k] = v;
  }
  return { ...env, CI: 'true', ...extra };
}

export function berth(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; input?: string; timeout?: number } = {},
): Promise<Result> {
  return execa(process.execPath, [bundle, ...args], {
    env: cleanEnv(options.env),
    extendEnv: false,
    cwd: options.cwd ?? repoRoot,
    reject: false,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' }),
    timeout: options.timeout ?? 120_000,
  }) as unknown as Promise<Result>;
}

const temps: string[] = [];
export function tempDir(prefix = 'berth-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export const modeOf = (file: string): string => (statSync(file).mode & 0o777).toString(8).padStart(4, '0');
