// Turns recipe + answers + secrets into the exact bytes of every file berth writes. Same input, same output; the
// one thing read from the machine is whether a build's local source folder has a Dockerfile of its own.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { isSecretQuestion } from '../answers/names.js';
import type { MachineFacts } from '../detect/facts.js';
import { RecipeError } from '../errors.js';
import { evaluate, referencedIds, type Answers } from '../recipes/condition.js';
import { publicAnswers, recipeInfo, renderInline } from '../recipes/inline-templates.js';
import { autoStatics, outputPath, overrideTemplate } from '../recipes/check-recipe.js';
import type { Recipe } from '../recipes/load-recipe.js';
import type { FileSpec, Question } from '../recipes/schema.js';
import { defaultFor } from '../answers/resolve.js';
import { formatDotenv, type DotenvEntry } from './dotenv.js';
import { composeScalar, templateErrorText, templateFn, yamlScalar } from './handlebars.js';
import { USER_OVERRIDE, userOverrideContent } from './user-override.js';

export interface RenderInput {
  recipe: Recipe;
  /** Active answers only (questions whose `when` holds), secret answers included. */
  answers: Answers;
  /** Generated secrets by id. */
  secrets: Readonly<Record<string, string>>;
  facts: MachineFacts;
  project: string;
}

export type FileKind = 'compose' | 'file' | 'env' | 'answers' | 'user';
export interface RenderedFile {
  path: string;
  content: string;
  mode: number;
  /** berth: regenerated each run; user: written only when absent. */
  owner: 'berth' | 'user';
  kind: FileKind;
}

export interface Rendering {
  files: RenderedFile[];
  /** COMPOSE_FILE, in merge order: base, enabled overrides, then the user's override. */
  composeFiles: string[];
  features: string[];
  urls: { label: string; url: string }[];
  /** The recipe's notes that apply to these answers. */
  notes: string[];
  /** Host folders to create before `up` (paths as rendered: absolute, or ./ inside the install folder). */
  hostPaths: RenderedHostPath[];
  /** Commands to run once the stack is healthy, in order. */
  hooks: RenderedHook[];
  /** Images built from the user's sources before the stack starts (written to compose.build.yaml). */
  builds: RenderedBuild[];
  /** What `berth backup` dumps instead of copying, and leaves out. */
  backup: RenderedBackup;
}

export interface RenderedDump {
  id: string;
  description: string;
  service: string;
  /** Compose volume keys, or host folders as rendered (absolute or ./ inside the install folder). */
  covers: string[];
  dump: string[];
  restore: string[];
  check?: string[];
}

export interface RenderedBackup {
  dumps: RenderedDump[];
  exclude: string[];
}

export interface RenderedBuild {
  service: string;
  /** An absolute folder on this machine, or a Git URL. */
  context: string;
  dockerfile?: string | undefined;
  /** The recipe's own Dockerfile, rendered, sent inline (the source has none, or the answers ask for it). */
  dockerfileInline?: string;
  /** Build arguments, rendered. */
  args?: Record<string, string>;
  /** The local tag the image gets: berth-build/<project>-<service>:<recipe version>. */
  image: string;
}

export const BUILD_FILE = 'compose.build.yaml';

export interface RenderedHook {
  id: string;
  description: string;
  service: string;
  run: string[];
  in: 'exec' | 'run';
  once: boolean;
  timeoutSeconds: number;
  /** warn: a failure leaves the stack up and is shown on the final screen with failureNote. */
  onFailure: 'stop' | 'warn';
  failureNote?: string;
}

export interface RenderedHostPath {
  path: string;
  description: string;
  uid: number;
  gid: number;
  mode: number;
  data: boolean;
  diskGb?: number | undefined;
}

export const ENV_FILE = '.env';
export const ANSWERS_FILE = 'berth.yaml';

export function renderRecipe(input: RenderInput): Rendering {
  const { recipe, answers, facts } = input;
  const c = contexts(input);
  const files = templateFiles(recipe, c);
  const builds = buildsFor(input, c);
  if (builds.length > 0) files.push(file(BUILD_FILE, buildFile(builds), 0o644, 'berth', 'compose'));
  files.push(file(USER_OVERRIDE, userOverrideContent(recipe), 0o644, 'user', 'user'));
  const composeFiles = [...files.filter((f) => f.kind === 'compose').map((f) => f.path), USER_OVERRIDE];
  files.push(file(ENV_FILE, renderDotenv(input, composeFiles, c.secret), 0o600, 'berth', 'env'));
  files.push(file(ANSWERS_FILE, renderAnswersFile(recipe, answers, facts), 0o644, 'berth', 'answers'));
  assertUniquePaths(recipe, files);
  return {
    files,
    composeFiles,
    features: c.enabled.map((o) => o.feature),
    ...urlsAndNotes(recipe, c),
    hostPaths: hostPaths(recipe, c, facts),
    builds,
    hooks: hooks(recipe, c),
    backup: backupOf(recipe, c),
  };
}

type Override = Recipe['manifest']['overrides'][number];

/** What templates see: answers (no secrets), features, facts, project and recipe; sensitive files also secrets. */
interface Contexts {
  scope: { answers: Answers; facts: unknown };
  enabled: Override[];
  plain: object;
  secret: object;
}

function contexts(input: RenderInput): Contexts {
  const { recipe, answers, facts } = input;
  const scope = { answers, facts };
  const enabled = recipe.manifest.overrides.filter((o) => evaluate(o.when, scope));
  const features = Object.fromEntries(recipe.manifest.overrides.map((o) => [o.feature, enabled.includes(o)]));
  const plain = {
    ...publicAnswers(recipe, answers),
    features,
    facts,
    project: input.project,
    recipe: recipeInfo(recipe),
  };
  const secret = { ...plain, secrets: { ...input.secrets, ...secretAnswers(recipe, answers) } };
  return { scope, enabled, plain, secret };
}

const file = (
  path: string,
  content: string,
  mode: number,
  owner: RenderedFile['owner'],
  kind: RenderedFile['kind'],
): RenderedFile => ({ path, content, mode, owner, kind });

/** compose.yaml, an override per enabled feature, the recipe's own files whose `when` holds, its static files. */
function templateFiles(recipe: Recipe, c: Contexts): RenderedFile[] {
  const m = recipe.manifest;
  const render = (template: string, ctx: object) => runTemplate(recipe, template, ctx);
  return [
    file('compose.yaml', render(m.compose.template, c.plain), 0o644, 'berth', 'compose'),
    ...c.enabled.map((o) =>
      file(`compose.${o.feature}.yaml`, render(overrideTemplate(o), c.plain), 0o644, 'berth', 'compose'),
    ),
    ...m.files.filter((f) => evaluate(f.when, c.scope)).map((f) => recipeFile(recipe, f, c)),
    ...autoStatics(recipe).map(([p, s]) => file(p, s.content, s.mode, 'berth', 'file')),
  ];
}

function recipeFile(recipe: Recipe, f: FileSpec, c: Contexts): RenderedFile {
  if (f.source) {
    const s = recipe.statics!.get(f.source)!;
    return file(outputPath(f), s.content, f.sensitive ? 0o600 : (f.mode ?? s.mode), f.owner, 'file');
  }
  const content = runTemplate(recipe, f.template!, f.sensitive ? c.secret : c.plain);
  return file(outputPath(f), content, f.sensitive ? 0o600 : (f.mode ?? 0o644), f.owner, 'file');
}

/** The URLs to print at the end and the notes that apply, rendered from recipe.yaml. */
function urlsAndNotes(recipe: Recipe, c: Contexts): Pick<Rendering, 'urls' | 'notes'> {
  const m = recipe.manifest;
  const urls = m.urls.flatMap((u, i) =>
    evaluate(u.when, c.scope)
      ? [{ label: u.label, url: renderInline(recipe, u.url, c.plain, `urls[${i}] (${u.label}).url`) }]
      : [],
  );
  const notes = m.notes.flatMap((n, i) =>
    typeof n === 'string'
      ? [renderInline(recipe, n, c.plain, `notes[${i}]`)]
      : evaluate(n.when, c.scope)
        ? [renderInline(recipe, n.text, c.plain, `notes[${i}].text`)]
        : [],
  );
  return { urls, notes };
}

/** The hooks whose `when` holds, their arguments rendered (the field named by its index in recipe.yaml). */
function hooks(recipe: Recipe, c: Contexts): RenderedHook[] {
  return recipe.manifest.hooks.flatMap(({ when, failureNote, ...h }, i) =>
    evaluate(when, c.scope)
      ? [
          {
            ...h,
            run: h.run.map((arg, j) => renderInline(recipe, arg, c.plain, `hooks[${i}] (${h.id}).run[${j}]`)),
            ...(failureNote !== undefined && {
              failureNote: renderInline(recipe, failureNote, c.plain, `hooks[${i}] (${h.id}).failureNote`),
            }),
          },
        ]
      : [],
  );
}

/** The dumps whose `when` holds, their commands and host-folder covers rendered. */
function backupOf(recipe: Recipe, c: Contexts): RenderedBackup {
  const { dumps, exclude } = recipe.manifest.backup;
  return {
    dumps: dumps.flatMap(({ when, check, ...d }, i) => {
      if (!evaluate(when, c.scope)) return [];
      const where = `backup.dumps[${i}] (${d.id})`;
      const args = (field: 'dump' | 'restore' | 'check', list: string[]) =>
        list.map((arg, j) => renderInline(recipe, arg, c.plain, `${where}.${field}[${j}]`));
      return [
        {
          ...d,
          covers: d.covers.map((cover, j) => renderInline(recipe, cover, c.plain, `${where}.covers[${j}]`)),
          dump: args('dump', d.dump),
          restore: args('restore', d.restore),
          ...(check ? { check: args('check', check) } : {}),
        },
      ];
    }),
    exclude,
  };
}

/** The builds whose `when` holds and whose source question is answered (or whose context the recipe writes). */
function buildsFor(input: RenderInput, c: Contexts): RenderedBuild[] {
  const { recipe, answers, project } = input;
  return recipe.manifest.builds.flatMap((b, i) => {
    const context = b.context !== undefined ? `./${b.context.replace(/^\.\/|\/$/g, '')}` : answers[b.source!];
    if (!evaluate(b.when, c.scope) || typeof context !== 'string' || context === '') return [];
    const image = `berth-build/${project}-${b.service}:${recipe.manifest.version}`.toLowerCase();
    const where = `builds[${i}] (${b.service})`;
    const args = b.args
      ? Object.fromEntries(
          Object.entries(b.args).map(([k, v]) => [k, renderInline(recipe, v, c.plain, `${where}.args.${k}`)]),
        )
      : undefined;
    // A local folder without its own Dockerfile builds with the recipe's (read here: the folder is an input).
    const lacksOwn =
      path.isAbsolute(context) && !existsSync(path.join(context, b.dockerfile ?? 'Dockerfile'));
    const useRecipe =
      b.recipeDockerfile !== undefined &&
      (lacksOwn || (b.useRecipeDockerfile !== undefined && evaluate(b.useRecipeDockerfile, c.scope)));
    const build: RenderedBuild = { service: b.service, context, dockerfile: b.dockerfile, image };
    if (useRecipe) {
      delete build.dockerfile;
      build.dockerfileInline = runTemplate(recipe, b.recipeDockerfile!, c.plain);
    }
    if (args) build.args = args;
    return [build];
  });
}

/** compose.build.yaml: each built service's build context and the local tag of its image. */
function buildFile(builds: readonly RenderedBuild[]): string {
  const lines = [
    '# Written by berth: the images this install builds from your sources (recipe.yaml `builds`).',
    '# The context is your folder or Git URL, or a subfolder the recipe writes: never the install folder (.env).',
    'services:',
  ];
  for (const b of builds) {
    lines.push(`  ${yamlScalar(b.service)}:`, '    build:', `      context: ${composeScalar(b.context)}`);
    if (b.dockerfile) lines.push(`      dockerfile: ${composeScalar(b.dockerfile)}`);
    if (b.dockerfileInline !== undefined) {
      // A block scalar keeps the Dockerfile readable; compose interpolates it, so `$` is doubled.
      lines.push('      dockerfile_inline: |');
      for (const line of b.dockerfileInline.replace(/\n$/, '').split('\n'))
        lines.push(line === '' ? '' : `        ${line.replaceAll('$', '$$$$')}`);
    }
    if (b.args) {
      lines.push('      args:');
      for (const [k, v] of Object.entries(b.args)) lines.push(`        ${k}: ${composeScalar(v)}`);
    }
    lines.push(`    image: ${composeScalar(b.image)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Folders the host keeps for the stack; a path outside the install folder must be a folder of its own. */
function hostPaths(recipe: Recipe, c: Contexts, facts: MachineFacts): RenderedHostPath[] {
  return recipe.manifest.hostPaths.flatMap((h, i) => {
    if (!evaluate(h.when, c.scope)) return [];
    const field = `hostPaths[${i}].path`;
    const p = renderInline(recipe, h.path, c.plain, field);
    const problem = hostPathProblem(p);
    if (problem) throw new RecipeError(`${recipe.source}: ${field}: ${JSON.stringify(p)} ${problem}.`);
    const { description, mode, data, diskGb } = h;
    return [{ path: p, description, uid: h.uid ?? facts.uid, gid: h.gid ?? facts.gid, mode, data, diskGb }];
  });
}

const SYSTEM_FOLDERS = new Set(
  [
    '/',
    '/bin',
    '/boot',
    '/dev',
    '/etc',
    '/home',
    '/lib',
    '/lib64',
    '/opt',
    '/proc',
    '/root',
    '/run',
    '/sbin',
  ].concat(['/srv', '/sys', '/tmp', '/usr', '/var', '/var/lib', '/var/log', '/mnt', '/media']),
);

export function hostPathProblem(p: string): string | undefined {
  if (!p.startsWith('/') && !p.startsWith('./'))
    return 'must be absolute (/srv/app/db) or start with ./ (inside the install folder)';
  if (p.split('/').includes('..')) return 'must not contain ".."';
  const normal = p.replace(/\/+$/, '') || '/';
  if (SYSTEM_FOLDERS.has(normal)) return 'is a system folder: give the stack a folder of its own below it';
  if (normal === '.' || normal === './.berth' || normal.startsWith('./.berth/'))
    return "must not be the install folder or berth's own state";
  return undefined;
}

function secretAnswers(recipe: Recipe, answers: Answers): Record<string, string> {
  return Object.fromEntries(
    recipe.manifest.questions
      .filter((q) => isSecretQuestion(q) && q.id in answers)
      .map((q) => [q.id, String(answers[q.id])]),
  );
}

function runTemplate(recipe: Recipe, template: string, context: object): string {
  try {
    const source = recipe.templates.get(template);
    if (!source) throw new Error('template not found');
    return templateFn(source)(context);
  } catch (error) {
    throw new RecipeError(`${recipeFolder(recipe)}/${template}: ${templateErrorText(error)}`, {
      cause: error,
      hint: 'A template read a value that is not set for these answers: guard it with {{#if}} or fix its name.',
    });
  }
}

const recipeFolder = (recipe: Recipe) => recipe.source.replace(/\/recipe\.yaml$/, '');

function renderDotenv(input: RenderInput, composeFiles: string[], context: object): string {
  const { recipe, answers, facts } = input;
  const m = recipe.manifest;
  const scope = { answers, facts };
  const asEntry = (name: string, value: unknown): DotenvEntry => ({ name, value: String(value) });
  const settings = m.questions
    .filter((q) => q.env && !isSecretQuestion(q) && q.id in answers)
    .map((q) => asEntry(q.env!, answers[q.id]));
  const derived = m.environment.flatMap((e, i) =>
    evaluate(e.when, scope)
      ? [asEntry(e.name, renderInline(recipe, e.value, context, `environment[${i}] (${e.name}).value`))]
      : [],
  );
  const secrets = [
    ...m.questions
      .filter((q) => q.env && isSecretQuestion(q) && q.id in answers)
      .map((q) => asEntry(q.env!, answers[q.id])),
    ...m.secrets
      .filter((s) => s.id in input.secrets && evaluate(s.when, scope))
      .map((s) => asEntry(s.env, input.secrets[s.id])),
  ];
  assertOneValueEach(recipe, [...settings, ...derived, ...secrets]);
  try {
    return formatDotenv(
      [
        {
          comment: 'Compose reads these, so plain `docker compose ps|logs|up` works in this folder.',
          entries: [
            asEntry('COMPOSE_PROJECT_NAME', input.project),
            asEntry('COMPOSE_FILE', composeFiles.join(':')),
          ],
        },
        { comment: 'Settings (from your answers).', entries: [...settings, ...derived] },
        { comment: 'Secrets: kept across re-runs; never printed by berth.', entries: secrets },
      ],
      `Written by berth for ${m.title} (${m.name} ${m.version}). Mode 0600: it holds secrets.\n` +
        'Do not edit: re-run `berth install` to change answers, or put overrides in compose.override.yaml.',
    );
  } catch (error) {
    throw new RecipeError(`.env: ${(error as Error).message}`, { cause: error });
  }
}

/** A default chosen by other answers: cases whose `when` reads an answer, or a template naming one. */
export function followsAnswers(q: Question, recipe: Recipe): boolean {
  const cases: { when?: Parameters<typeof referencedIds>[0]; value?: unknown }[] = Array.isArray(q.default)
    ? q.default
    : [{ value: q.default }];
  return cases.some(
    (c) =>
      referencedIds(c.when).length > 0 ||
      (typeof c.value === 'string' &&
        c.value.includes('{{') &&
        recipe.manifest.questions.some((other) => new RegExp(`\\b${other.id}\\b`).test(String(c.value)))),
  );
}

export function renderAnswersFile(recipe: Recipe, answers: Answers, facts: MachineFacts): string {
  // An answer left at a default that can change is not recorded: for advanced questions (image tags) a newer
  // recipe's default wins, a default computed from machine facts is computed again on the next machine, and a
  // default that follows other answers (the model of a mode) follows them when they change.
  const volatile = (q: Question) =>
    q.immutable !== true &&
    (q.advanced === true || JSON.stringify(q.default ?? '').includes('facts.') || followsAnswers(q, recipe));
  const atDefault = (q: Question) =>
    volatile(q) && defaultFor(q, { answers, facts }, recipe)?.value === answers[q.id];
  const kept = Object.fromEntries(
    recipe.manifest.questions
      .filter((q) => !isSecretQuestion(q) && q.id in answers && !atDefault(q))
      .map((q) => [q.id, answers[q.id]]),
  );
  const header =
    `# Answers for berth: ${recipe.manifest.title} (${recipe.manifest.name} ${recipe.manifest.version}).\n` +
    '# Replay with: berth install --answers berth.yaml --yes\n' +
    '# Secrets are never stored here: they live in .env (mode 0600). Answers left at a default that\n' +
    '# can change (image tags, values detected on this machine, defaults that follow other answers) are\n' +
    '# not recorded.\n';
  return (
    header +
    stringify({ recipe: recipe.manifest.name, recipeVersion: recipe.manifest.version, answers: kept })
  );
}

/** Entries that share an env name (each with a `when`) must not both hold for one set of answers. */
function assertOneValueEach(recipe: Recipe, entries: DotenvEntry[]): void {
  const seen = new Set<string>();
  for (const { name } of entries) {
    if (seen.has(name))
      throw new RecipeError(`${recipe.source}: ${name} is set by two entries for these answers.`, {
        hint: 'Entries of environment and secrets that share a name need `when`s that never hold together.',
      });
    seen.add(name);
  }
}

/**
 * A rendered compose file that is not YAML (a template inserted a value that broke it), named with its rendered
 * line: the error to throw where the file is first parsed, rather than a parser's stack trace.
 */
export function composeYamlError(f: Pick<RenderedFile, 'path' | 'content'>, error: unknown): RecipeError {
  const pos = (error as { linePos?: { line: number }[] }).linePos;
  const line = pos?.[0]?.line;
  const text = line ? f.content.split('\n')[line - 1] : undefined;
  const why = String((error as Error).message)
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '');
  return new RecipeError(`${f.path} as rendered is not valid YAML${line ? ` (line ${line})` : ''}: ${why}`, {
    details: text === undefined ? [] : [`line ${line}: ${text}`],
    hint: 'A value inserted by the template broke the YAML: write it as one scalar, e.g. {{compose (concat dir ":/data")}}.',
  });
}

function assertUniquePaths(recipe: Recipe, files: RenderedFile[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new RecipeError(`${recipe.source}: two files would be written to ${f.path}.`);
    seen.add(f.path);
  }
}
