// Runs `docker compose` for berth: validation of a staged folder, bring-up, with an environment that lets
// the folder's .env decide (a stray POSTGRES_PASSWORD or COMPOSE_FILE in the user's shell must not win).
import { execa, type ResultPromise } from 'execa';
import { BerthError, ExitCode } from '../errors.js';

export interface ComposeOptions {
  cwd: string;
  /** Variable names from the folder's .env that must not be overridden by the caller's environment. */
  envNames: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
}

export function composeEnv(options: ComposeOptions): Record<string, string> {
  const source = options.env ?? process.env;
  const drop = new Set(options.envNames);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || drop.has(name) || name.startsWith('COMPOSE_')) continue;
    env[name] = value;
  }
  return env;
}

export async function composeAvailable(): Promise<string | undefined> {
  try {
    const result = await execa('docker', ['compose', 'version', '--short'], {
      timeout: 10_000,
      reject: false,
    });
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** `docker compose config -q` in the folder: the real parser, interpolation and merge, no engine needed. */
export async function composeConfigCheck(options: ComposeOptions): Promise<string | undefined> {
  const result = await execa('docker', ['compose', 'config', '-q'], {
    cwd: options.cwd,
    env: composeEnv(options),
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  if (result.exitCode === 0) return undefined;
  return (result.stderr || result.stdout || `exit code ${result.exitCode}`).trim();
}

export function composeUp(options: ComposeOptions & { timeoutSeconds: number }): ResultPromise {
  return execa(
    'docker',
    [
      'compose',
      '--progress',
      'plain',
      '--ansi',
      'never',
      'up',
      '-d',
      '--wait',
      '--wait-timeout',
      String(options.timeoutSeconds),
      '--remove-orphans',
    ],
    { cwd: options.cwd, env: composeEnv(options), extendEnv: false, reject: false, all: true, buffer: false },
  );
}

export function composeMissingError(): BerthError {
  return new BerthError('Docker Compose v2 (`docker compose`) is not available.', {
    exitCode: ExitCode.compose,
    hint:
      'Install Docker Engine with the compose plugin (https://docs.docker.com/engine/install/), ' +
      'or run `berth render` to write the files without starting them.',
  });
}
