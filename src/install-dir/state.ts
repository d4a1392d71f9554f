// The install folder as berth left it: `.berth/state.json` records a hash of every file berth generated,
// so a user's edit is noticed instead of overwritten.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isNode, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { BerthError } from '../errors.js';
import { parseDotenv } from '../render/dotenv.js';
import { ANSWERS_FILE, ENV_FILE, type RenderedBackup } from '../render/render-recipe.js';

export const BERTH_DIR = '.berth';
export const STATE_FILE = `${BERTH_DIR}/state.json`;

export interface InstallState {
  recipe: string;
  recipeVersion: string;
  berthVersion: string;
  /** sha256 of each berth-owned file, by path relative to the install folder. */
  files: Record<string, string>;
  updatedAt: string;
  /** For `berth status` without re-rendering: the compose project, its services and where to go. */
  project?: string;
  /** Hash of the final files `docker compose config` last accepted: the same bytes are not checked twice. */
  validated?: string;
  /** Where a recipe loaded by path lives, so re-runs without --recipe find it. */
  recipeFolder?: string;
  services?: { name: string; oneshot: boolean }[];
  urls?: { label: string; url: string }[];
  /** Host folders the stack uses (absolute), for uninstall --purge and backups. */
  hostPaths?: { path: string; description: string; data: boolean }[];
  /** Images built from the user's sources (recipe `builds`): uninstall --purge removes them. */
  builtImages?: string[];
  /** The `once` hooks that have run and succeeded: they never run again. */
  hooksDone?: string[];
  /** What `berth backup` dumps instead of copying (host-folder covers absolute), and the volumes it leaves out. */
  backup?: RenderedBackup;
  /**
   * Where the stack runs: `docker compose` on this engine (the default, also when absent), or a Docker Swarm stack
   * deployed from this manager (`--target swarm`, src/swarm/): stack name = project; its secrets and configs carry
   * the label com.docker.stack.namespace=<project>; volumes are <project>_<key> on the node that holds the data,
   * the node labelled berth.<project>.data=true.
   */
  target?: 'compose' | 'swarm';
}

export const sha256 = (content: string | Buffer): string =>
  createHash('sha256').update(content).digest('hex');

export interface PreviousInstall {
  state: InstallState | undefined;
  /** berth.yaml: recipe name and answers. */
  answersFile: { recipe?: string; target?: string; answers: Record<string, unknown> } | undefined;
  env: Record<string, string>;
}

export function readPreviousInstall(dir: string): PreviousInstall {
  const read = (rel: string) => {
    const file = path.join(dir, rel);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
  const stateText = read(STATE_FILE);
  const answersText = read(ANSWERS_FILE);
  const envText = read(ENV_FILE);
  return {
    state: stateText ? parseState(stateText, path.join(dir, STATE_FILE)) : undefined,
    answersFile: answersText ? parseAnswersFile(answersText, path.join(dir, ANSWERS_FILE)) : undefined,
    env: envText ? parseDotenv(envText) : {},
  };
}

/**
 * Changes the folder's state.json in place — written to a temporary file, then renamed over it, so it is never
 * half written. Nothing happens where there is no state.
 */
export function updateState(dir: string, change: (state: InstallState) => InstallState): void {
  const file = path.join(dir, STATE_FILE);
  if (!existsSync(file)) return;
  const next = change(parseState(readFileSync(file, 'utf8'), file));
  writeFileSync(`${file}.tmp`, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** The recipe a folder's install is of (berth's state, else its berth.yaml); undefined when there is none. */
export const installedRecipe = (previous: PreviousInstall | undefined): string | undefined =>
  previous?.state?.recipe ?? previous?.answersFile?.recipe;

function parseState(text: string, file: string): InstallState {
  try {
    const state = JSON.parse(text) as InstallState;
    if (typeof state.files !== 'object' || typeof state.recipe !== 'string')
      throw new Error('missing fields');
    return state;
  } catch (error) {
    throw new BerthError(`${file} is damaged (${(error as Error).message}).`, {
      hint: 'Move it aside and re-run with --force: berth will back up and rewrite the generated files.',
    });
  }
}

const TAGS = 'YAML tags are not allowed in an answers file: write the plain value, e.g. key: value.';

/** The answers file's YAML as plain data: strings, nulls for the plain empty forms; errors and tags refused. */
function answersYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const parsed = parseDocument(text, {
    schema: 'failsafe',
    logLevel: 'silent',
    prettyErrors: true,
    lineCounter,
  });
  const refuse = (line: number | undefined, message: string, hint: string) =>
    new BerthError(`${file} is not a valid answers file${line ? ` (line ${line})` : ''}: ${message}`, {
      exitCode: 2,
      hint,
    });
  const problem = parsed.errors[0] ?? parsed.warnings[0];
  if (problem) {
    const hint = problem.code === 'TAG_RESOLVE_FAILED' ? TAGS : 'Fix the YAML and run again.';
    throw refuse(problem.linePos?.[0].line, problem.message.split('\n')[0]!, hint);
  }
  visit(parsed, (_key, node) => {
    if (!isNode(node)) return;
    if (node.tag)
      throw refuse(
        node.range ? lineCounter.linePos(node.range[0]).line : undefined,
        `the tag ${node.tag}`,
        TAGS,
      );
    if (isScalar(node) && node.type === 'PLAIN' && /^(~|null|Null|NULL|)$/.test(String(node.value)))
      node.value = null;
  });
  return parsed.toJS();
}

/**
 * Reads an answers file: `{recipe, recipeVersion, answers: {...}}`, or a flat map of answers. Every value is read as
 * the text written (YAML's failsafe schema): `0755`, `0x1F`, `1e3`, `.inf` or `False` reach a text question
 * unchanged, and each question's type decides what the text means (a port, yes/no). A plain `~`, `null` or nothing
 * is an empty answer. A tag or anything else YAML only warns about is refused.
 */
export function parseAnswersFile(
  text: string,
  file: string,
): { recipe?: string; target?: string; answers: Record<string, unknown> } {
  const doc = answersYaml(text, file);
  if (doc === null || doc === undefined) return { answers: {} };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BerthError(`${file} must be a YAML mapping of answers (id: value).`, { exitCode: 2 });
  }
  const { recipe, recipeVersion: _v, target, answers, ...flat } = doc as Record<string, unknown>;
  const map = answers ?? flat;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new BerthError(`${file}: "answers" must be a mapping of question id to value.`, { exitCode: 2 });
  }
  return {
    ...(typeof recipe === 'string' ? { recipe } : {}),
    ...(typeof target === 'string' ? { target } : {}),
    answers: map as Record<string, unknown>,
  };
}
