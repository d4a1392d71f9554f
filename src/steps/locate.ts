// Decides which recipe and which install folder this run is about, from flags, env, the answers file and
// what is already installed there.
import { existsSync, readFileSync } from 'node:fs';
import { utf8Text } from '../answers/shown.js';
import path from 'node:path';
import { givenTarget, type Target } from '../swarm/target.js';
import type { Context } from '../context.js';
import { BerthError, ExitCode, UsageError } from '../errors.js';
import { recoverPending } from '../install-dir/transaction.js';
import {
  installedRecipe,
  parseAnswersFile,
  readPreviousInstall,
  type PreviousInstall,
} from '../install-dir/state.js';
import type { Recipe } from '../recipes/load-recipe.js';
import { DEFAULT_RECIPE, loadRecipe } from '../recipes/registry.js';

export interface Located {
  recipe: Recipe;
  dir: string;
  project: string;
  previous: PreviousInstall;
  answersFile: { path: string; target?: string; answers: Record<string, unknown> } | undefined;
  /** A crashed earlier write was completed on the way in. */
  recovered: boolean;
  /** The recipe was chosen (flag, env, answers file, the folder's install), not taken as the default. */
  recipeGiven: boolean;
  /** The folder was chosen (flag or env), not taken as the default. */
  dirGiven: boolean;
  /** Where the stack runs (src/swarm/target.ts): docker compose here, or a swarm stack. */
  target?: Target;
  /** A source settled the target (flag, env, answers file, the folder's install), not the default. */
  targetGiven?: boolean;
  /** Swarm: the node asked to hold the stack's data (--data-node, BERTH_DATA_NODE, or the wizard). */
  dataNode?: string | undefined;
  /** --data-node or BERTH_DATA_NODE named the data node, not the wizard. */
  dataNodeGiven?: boolean;
}

/** What the wizard chose where the command line said nothing. */
export interface LocateChoice {
  recipe?: string | undefined;
  dir?: string | undefined;
  target?: Target | undefined;
  /** Swarm: the ID of the node chosen to hold the stack's data. */
  dataNode?: string | undefined;
}

export async function locate(
  ctx: Pick<Context, 'cli' | 'cwd' | 'env' | 'facts'>,
  choice: LocateChoice = {},
): Promise<Located> {
  const scan = ctx.cli.options;
  const answersPath = scan.answers ?? ctx.env.BERTH_ANSWERS;
  const answersFile = answersPath
    ? readAnswersFile(path.resolve(ctx.cwd, answersPath), answersPath)
    : undefined;
  const dirArg = scan.dir ?? ctx.env.BERTH_DIR ?? choice.dir;
  let dir = dirArg ? path.resolve(ctx.cwd, dirArg) : undefined;
  const recovered = dir ? recoverPending(dir) === 'completed' : false;
  const installed = dir ? readPreviousInstall(dir) : undefined;
  const installedName = installedRecipe(installed);
  const given =
    scan.recipe ??
    ctx.env.BERTH_RECIPE ??
    answersFile?.recipe ??
    installed?.state?.recipeFolder ??
    installedName;
  const ref = given ?? choice.recipe ?? DEFAULT_RECIPE;
  const recipe = await loadRecipe(ref, ctx.cwd);
  if (installedName && installedName !== recipe.manifest.name) {
    throw new BerthError(`${dir} already holds a ${installedName} install, not ${recipe.manifest.name}.`, {
      exitCode: ExitCode.usage,
      hint: `Re-run with --recipe ${installedName} to reconfigure it, or choose another folder with --dir.`,
    });
  }
  dir ??= defaultDir(recipe.manifest.name, ctx.facts);
  const previous = installed ?? readPreviousInstall(dir);
  const targetSource = givenTarget(scan, ctx.env, { answersFile, previous });
  const dataNodeSource = scan.dataNode || ctx.env.BERTH_DATA_NODE || undefined;
  const dataNode = dataNodeSource ?? choice.dataNode;
  return {
    target: targetSource ?? choice.target ?? 'compose',
    targetGiven: targetSource !== undefined,
    ...(dataNode ? { dataNode } : {}),
    dataNodeGiven: dataNodeSource !== undefined,
    recipe,
    dir,
    project: projectName(dir, previous),
    previous,
    answersFile,
    recovered,
    recipeGiven: given !== undefined,
    dirGiven: (scan.dir ?? ctx.env.BERTH_DIR) !== undefined,
  };
}

export function defaultDir(name: string, facts: { isRoot: boolean; home: string }): string {
  return facts.isRoot ? path.join('/opt', name) : path.join(facts.home, name);
}

/** Stable across re-runs (kept from .env), else derived from the folder name as compose would. */
function projectName(dir: string, previous: PreviousInstall): string {
  const kept = previous.env.COMPOSE_PROJECT_NAME;
  if (kept) return kept;
  const name = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[^a-z0-9]+/, '');
  return name || 'berth';
}

function readAnswersFile(
  file: string,
  label: string,
): { path: string; answers: Record<string, unknown>; recipe?: string; target?: string } {
  if (!existsSync(file)) throw new UsageError(`--answers ${label}: no such file.`);
  const read = utf8Text(readFileSync(file));
  if ('badByte' in read)
    throw new UsageError(`--answers ${label}: byte ${read.badByte} is not valid UTF-8.`, {
      hint: 'Save the answers file as UTF-8 text.',
    });
  return { path: label, ...parseAnswersFile(read.text, label) };
}
