// Runs `docker compose` for berth: validation of a staged folder, bring-up, with an environment that lets
// the folder's .env decide (a stray POSTGRES_PASSWORD or COMPOSE_FILE in the user's shell must not win).
import { failureText, loadExeca, type Exec } from './exec.js';
import type { ResultPromise } from 'execa';
import { BerthError, ExitCode } from '../errors.js';
import type { DockerFacts } from '../detect/docker.js';
import { composeCommand } from './plugin.js';

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

export interface ComposeCli {
  /** The Compose v2 plugin binary, run directly for `config` (it skips the docker CLI's start-up). */
  plugin: string | undefined;
  version: string;
}

/** Compose v2 as detection found it (detect/docker.ts looks, once per run); undefined without it or the docker CLI. */
export function composeCli(docker: Pick<DockerFacts, 'cli' | 'compose'>): ComposeCli | undefined {
  if (!docker.cli || !docker.compose.plugin) return undefined;
  return { plugin: docker.compose.pluginPath, version: docker.compose.plugin };
}

/** `docker compose config -q` in the folder: the real parser, interpolation and merge, no engine needed. */
export async function composeConfigCheck(
  exec: Exec,
  cli: ComposeCli,
  options: ComposeOptions,
): Promise<string | undefined> {
  const [file, args] = cli.plugin ? [cli.plugin, ['config', '-q']] : ['docker', ['compose', 'config', '-q']];
  const result = await exec(file, args, { cwd: options.cwd, env: composeEnv(options), timeoutMs: 60_000 });
  return result.exitCode === 0 ? undefined : failureText(result);
}

/** `up -d --wait` with its progress as a stream (the one compose command not run through Exec). */
export async function composeUp(
  options: ComposeOptions & { timeoutSeconds: number; pull?: string | undefined },
): Promise<{ child: ResultPromise }> {
  const { execa } = await loadExeca();
  const env = composeEnv(options);
  const { file, args } = composeCommand(
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
      // --pull never: an offline install (images loaded from a bundle) never reaches for a registry.
      ...(options.pull ? ['--pull', options.pull] : []),
    ],
    env,
  );
  const child = execa(file, args, {
    cwd: options.cwd,
    env,
    extendEnv: false,
    reject: false,
    all: true,
    buffer: false,
  });
  return { child };
}

export function composeMissingError(): BerthError {
  return new BerthError('Docker Compose v2 (`docker compose`) is not available.', {
    exitCode: ExitCode.compose,
    hint:
      'Install Docker Engine with the compose plugin (https://docs.docker.com/engine/install/), ' +
      'or run `berth render` to write the files without starting them.',
  });
}
