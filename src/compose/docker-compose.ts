// Runs `docker compose` for berth: validation of a staged folder, bring-up, with an environment that lets
// the folder's .env decide (a stray POSTGRES_PASSWORD or COMPOSE_FILE in the user's shell must not win).
import { failureText, type Exec } from './exec.js';
import { accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

/** Where the docker CLI looks for plugins, in its order. */
export function pluginDirs(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const home = env.HOME ?? os.homedir();
  return [
    path.join(env.DOCKER_CONFIG ?? path.join(home, '.docker'), 'cli-plugins'),
    '/usr/local/lib/docker/cli-plugins',
    '/usr/local/libexec/docker/cli-plugins',
    '/usr/lib/docker/cli-plugins',
    '/usr/libexec/docker/cli-plugins',
  ];
}

export interface ComposeCli {
  /** The Compose v2 plugin binary, run directly for `config` (it skips the docker CLI's start-up). */
  plugin: string | undefined;
  version: string;
}

/** Finds Compose v2 without spawning anything when the plugin is where docker keeps it. */
/** The Compose v2 plugin binary where the docker CLI would find it, if it is there. */
export function composePluginPath(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  return pluginDirs(env)
    .map((dir) => path.join(dir, 'docker-compose'))
    .find((file) => {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** Finds Compose v2 without spawning anything when the plugin is where docker keeps it. */
export async function findCompose(
  exec: Exec,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ComposeCli | undefined> {
  const plugin = composePluginPath(env);
  if (plugin && onPath('docker', env)) return { plugin, version: 'v2 plugin' };
  const result = await exec('docker', ['compose', 'version', '--short'], { env, timeoutMs: 10_000 });
  return result.exitCode === 0 ? { plugin: undefined, version: result.stdout.trim() } : undefined;
}

function onPath(command: string, env: Readonly<Record<string, string | undefined>>): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
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
