// Finds an existing install for the commands that manage one (status, logs, down, uninstall).
import path from 'node:path';
import { composeEnv } from '../compose/docker-compose.js';
import type { Context } from '../context.js';
import { BerthError, ExitCode } from '../errors.js';
import { readPreviousInstall, type InstallState } from '../install-dir/state.js';
import { recoverPending } from '../install-dir/transaction.js';
import { DEFAULT_RECIPE } from '../recipes/registry.js';
import { defaultDir } from './locate.js';

export interface OpenInstall {
  dir: string;
  state: InstallState;
  /** The environment for `docker compose` in that folder: its .env wins over the caller's variables. */
  composeEnv: Record<string, string>;
  project: string;
}

export function openInstall(ctx: Pick<Context, 'cli' | 'cwd' | 'env' | 'facts'>): OpenInstall {
  const scan = ctx.cli.options;
  const dirArg = scan.dir ?? ctx.env.BERTH_DIR;
  const dir = dirArg
    ? path.resolve(ctx.cwd, dirArg)
    : defaultDir(scan.recipe ?? ctx.env.BERTH_RECIPE ?? DEFAULT_RECIPE, ctx.facts);
  recoverPending(dir);
  const install = installIn(dir, ctx.env);
  if (!install) {
    throw new BerthError(`There is no berth install in ${dir}.`, {
      exitCode: ExitCode.usage,
      hint: 'Name the install folder with --dir (berth install prints it at the end).',
    });
  }
  return install;
}

/** The install in a folder as it is on disk (no pending transaction recovered); undefined when there is none. */
export function installIn(dir: string, env: Context['env']): OpenInstall | undefined {
  const previous = readPreviousInstall(dir);
  if (!previous.state) return undefined;
  return {
    dir,
    state: previous.state,
    composeEnv: composeEnv({ cwd: dir, envNames: Object.keys(previous.env), env }),
    project: previous.env.COMPOSE_PROJECT_NAME ?? previous.state.project ?? path.basename(dir),
  };
}
