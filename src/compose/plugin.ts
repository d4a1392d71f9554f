// `docker compose …` runs three programs: the docker CLI, which asks the Compose plugin for its metadata, then the
// plugin itself. The plugin alone does the same work (it reads the same config, context and DOCKER_* variables):
// berth runs it directly, which saves two process starts per compose command (measured on a busy 2-core machine:
// `compose ps` 0.9–1.3 s through the CLI, 0.2–0.6 s direct). Where the CLI could pick another binary than the one
// found here (plugin folders added in its config.json), or there is no docker CLI, berth keeps `docker compose`.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/** Where the docker CLI looks for plugins, in its order. */
export function pluginDirs(env: Env = process.env): string[] {
  return [
    path.join(configDir(env), 'cli-plugins'),
    '/usr/local/lib/docker/cli-plugins',
    '/usr/local/libexec/docker/cli-plugins',
    '/usr/lib/docker/cli-plugins',
    '/usr/libexec/docker/cli-plugins',
  ];
}

const configDir = (env: Env): string => env.DOCKER_CONFIG ?? path.join(env.HOME ?? os.homedir(), '.docker');

const found = new Map<string, string | undefined>();

/** The Compose plugin binary `docker compose` would run with this environment; undefined: keep `docker compose`. */
export function directComposePlugin(env: Env): string | undefined {
  const key = [env.PATH, env.HOME, env.DOCKER_CONFIG].join('\0');
  if (!found.has(key)) found.set(key, lookUp(env));
  return found.get(key);
}

function lookUp(env: Env): string | undefined {
  if (!onPath(env, 'docker')) return undefined;
  try {
    const config = readFileSync(path.join(configDir(env), 'config.json'), 'utf8');
    if (config.includes('cliPluginsExtraDirs')) return undefined;
  } catch {
    // no config.json: the CLI looks only in its usual folders
  }
  return pluginDirs(env)
    .map((d) => path.join(d, 'docker-compose'))
    .find((f) => existsSync(f));
}

function onPath(env: Env, command: string): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** `docker compose ARGS` as the plugin run directly (`PLUGIN ARGS`) where that is the same; anything else as is. */
export function composeCommand(
  file: string,
  args: readonly string[],
  env: Env,
): { file: string; args: readonly string[] } {
  if (file !== 'docker' || args[0] !== 'compose') return { file, args };
  const plugin = directComposePlugin(env);
  return plugin ? { file: plugin, args: args.slice(1) } : { file, args };
}
