// Checks across a recipe's parts that a schema cannot express: conditions look only at earlier questions,
// every referenced template exists, defaults are valid answers, and the templates inside recipe.yaml read only
// names that exist (see inline-templates.ts).
import path from 'node:path';
import { coerce } from '../answers/coerce.js';
import { RecipeError } from '../errors.js';
import { referencedIds } from './condition.js';
import { inlineProblems, nameProblem } from './inline-templates.js';
import type { Recipe, StaticFile } from './load-recipe.js';
import type { Condition, QuestionType, RecipeManifest } from './schema.js';
import { isIgnored } from './ignore.js';

/** `namesOf` lists the names a template reads (the handlebars compiler's parser, loaded with recipe folders). */
export function checkRecipe(recipe: Recipe, refsOf: (source: string) => NameRef[]): void {
  const namesOf = (text: string) => refsOf(text).map((r) => r.name);
  const { manifest, source, templates } = recipe;
  const problems: string[] = [];
  const ids = manifest.questions.map((q) => q.id);
  const checkWhen = (where: string, when: Condition | undefined, before: readonly string[]) => {
    for (const id of referencedIds(when)) {
      if (!before.includes(id)) {
        problems.push(
          ids.includes(id)
            ? `${where}.when: "${id}" is asked later; a condition may only read earlier questions`
            : `${where}.when: "${id}" is not a question id (known: ${ids.join(', ')})`,
        );
      }
    }
  };
  manifest.questions.forEach((q, i) => {
    const where = `questions[${i}] (${q.id})`;
    checkWhen(where, q.when, ids.slice(0, i));
    const defaults = Array.isArray(q.default)
      ? q.default
      : q.default === undefined
        ? []
        : [{ value: q.default }];
    defaults.forEach((d, j) => {
      if ('when' in d) checkWhen(`${where}.default[${j}]`, d.when, ids.slice(0, i));
      if (typeof d.value === 'string' && d.value.includes('{{')) return;
      const result = coerce(q, d.value);
      if (!result.ok) problems.push(`${where}.default: ${result.message}`);
    });
  });
  const needTemplate = (where: string, template: string) => {
    if (!templates.has(template))
      problems.push(`${where}: template "${template}" is not in the recipe folder`);
  };
  needTemplate('compose.template', manifest.compose.template);
  manifest.overrides.forEach((o, i) => {
    checkWhen(`overrides[${i}] (${o.feature})`, o.when, ids);
    needTemplate(`overrides[${i}] (${o.feature})`, overrideTemplate(o));
  });
  manifest.files.forEach((f, i) => {
    checkWhen(`files[${i}]`, f.when, ids);
    if (f.template) needTemplate(`files[${i}]`, f.template);
    if (f.source && !recipe.statics?.has(f.source))
      problems.push(
        `files[${i}].source: "${f.source}" is not a file of the recipe folder${isIgnored(f.source, manifest.ignore) ? ' (it is listed in ignore)' : ''}`,
      );
  });
  problems.push(...staticPathProblems(recipe), ...secretProblems(manifest, checkWhen));
  problems.push(...exposureProblems(manifest, checkWhen));
  manifest.builds.forEach((b, i) => {
    checkWhen(`builds[${i}] (${b.service})`, b.when, ids);
    checkWhen(`builds[${i}] (${b.service}).useRecipeDockerfile`, b.useRecipeDockerfile, ids);
    if (b.recipeDockerfile !== undefined)
      needTemplate(`builds[${i}] (${b.service}).recipeDockerfile`, b.recipeDockerfile);
    if (b.context !== undefined) {
      const dockerfile = path.posix.join(b.context, b.dockerfile ?? 'Dockerfile');
      if (!recipeOutputs(recipe).has(dockerfile))
        problems.push(
          `builds[${i}] (${b.service}).context: the recipe writes no ${dockerfile} (a static file or a files: entry)`,
        );
      return;
    }
    const problem = questionOfType(
      manifest,
      b.source!,
      'source',
      (t) => `is a ${t} question; it must be type source`,
    );
    if (problem) problems.push(`builds[${i}] (${b.service}).source: ${problem}`);
  });
  if (manifest.builds.length > 0 && manifest.overrides.some((o) => o.feature === 'build'))
    problems.push(
      'overrides: the feature name "build" is taken by compose.build.yaml (the builds); rename it',
    );
  manifest.hooks.forEach((h, i) => checkWhen(`hooks[${i}] (${h.id})`, h.when, ids));
  manifest.upgrade.migrations.forEach((x, i) => checkWhen(`upgrade.migrations[${i}] (${x.id})`, x.when, ids));
  manifest.hostPaths.forEach((h, i) => checkWhen(`hostPaths[${i}]`, h.when, ids));
  manifest.environment.forEach((e, i) => checkWhen(`environment[${i}] (${e.name})`, e.when, ids));
  manifest.urls.forEach((u, i) => checkWhen(`urls[${i}] (${u.label})`, u.when, ids));
  manifest.requirements.forEach((r, i) => checkWhen(`requirements[${i}]`, r.when, ids));
  const sizing = manifest.modelAdvice;
  if (sizing) {
    checkWhen('modelAdvice', sizing.when, ids);
    if (!ids.includes(sizing.question))
      problems.push(
        `modelAdvice.question: "${sizing.question}" is not a question id (known: ${ids.join(', ')})`,
      );
  }
  manifest.notes.forEach((n, i) => typeof n !== 'string' && checkWhen(`notes[${i}]`, n.when, ids));
  problems.push(...inlineProblems(manifest, namesOf));
  // Problems in template files name the file and line themselves.
  const inFiles = fileNameProblems(recipe, refsOf);
  const count = problems.length + inFiles.length;
  if (count > 0) {
    throw new RecipeError(`${source} is not a valid recipe (${count} problem(s)).`, {
      details: [...problems.map((p) => `${source}: ${p}`), ...inFiles],
      hint: 'The recipe format is described in docs/recipes.md.',
    });
  }
}

export const overrideTemplate = (o: { feature: string; template?: string | undefined }): string =>
  o.template ?? `compose.${o.feature}.yaml.hbs`;

/** Paths berth writes itself, which no recipe file may take. */
const RESERVED_PATHS = new Set([
  '.env',
  'berth.yaml',
  'compose.override.yaml',
  'compose.yaml',
  'compose.build.yaml',
]);

/** The recipe folder's static files that are copied as they are: those no `files` entry names as its source. */
export function autoStatics(recipe: Pick<Recipe, 'manifest' | 'statics'>): [string, StaticFile][] {
  const listed = new Set(recipe.manifest.files.flatMap((f) => (f.source ? [f.source] : [])));
  return [...(recipe.statics ?? [])].filter(([p]) => !listed.has(p));
}

/** Every path the recipe can write into the install folder: its static files and its files: entries. */
function recipeOutputs(recipe: Recipe): Set<string> {
  return new Set([
    ...autoStatics(recipe).map(([p]) => p),
    ...recipe.manifest.files.map((f) => outputPath(f)),
  ]);
}

function staticPathProblems(recipe: Recipe): string[] {
  const m = recipe.manifest;
  const taken = new Map<string, string>([...RESERVED_PATHS].map((p) => [p, 'berth']));
  m.overrides.forEach((o, i) => taken.set(`compose.${o.feature}.yaml`, `overrides[${i}] (${o.feature})`));
  m.files.forEach((f, i) => taken.set(outputPath(f), `files[${i}]`));
  return autoStatics(recipe).flatMap(([p]) => {
    const other = taken.get(p);
    if (other === undefined) return [];
    return [
      `${p}: this static file would be copied to ${p}, which ${other === 'berth' ? 'berth writes itself' : `${other} writes`}: rename it, or list it in ignore`,
    ];
  });
}

export const outputPath = (f: {
  template?: string | undefined;
  source?: string | undefined;
  path?: string | undefined;
}) => f.path ?? (f.template ? f.template.replace(/\.hbs$/, '') : f.source!);

/** Secrets' `from` names a secret question; a secret question lands in .env itself (env) or through a secret. */
function secretProblems(
  m: RecipeManifest,
  checkWhen: (where: string, when: Condition | undefined, before: readonly string[]) => void,
): string[] {
  const problems: string[] = [];
  const ids = m.questions.map((q) => q.id);
  m.secrets.forEach((s, i) => {
    checkWhen(`secrets[${i}] (${s.id})`, s.when, ids);
    if (s.from === undefined) return;
    const problem = questionOfType(m, s.from, 'secret', (t) => `is a ${t} question; it must be type secret`);
    if (problem) problems.push(`secrets[${i}] (${s.id}).from: ${problem}`);
  });
  m.questions.forEach((q, i) => {
    if (q.type !== 'secret' || q.env || m.secrets.some((s) => s.from === q.id)) return;
    problems.push(
      `questions[${i}] (${q.id}): a secret question must reach .env: give it env, or name it in a secret's from`,
    );
  });
  return problems;
}

export interface NameRef {
  name: string;
  line: number;
}

/**
 * The names each template file reads must exist in the recipe: a question, a fact, a feature, a recipe field, the
 * project — and a secret only in a sensitive file (written 0600). Whether a name is set for given answers is
 * checked when rendering (and by `berth recipe test`, over every combination).
 */
function fileNameProblems(recipe: Recipe, refsOf: (source: string) => NameRef[]): string[] {
  const m = recipe.manifest;
  const folder = recipe.source.replace(/\/?recipe\.yaml$/, '');
  const sensitive = new Set(m.files.filter((f) => f.sensitive && f.template).map((f) => f.template!));
  return [...recipe.templates].flatMap(([file, source]) => {
    if (source.kind !== 'text') return [];
    let refs: NameRef[];
    try {
      refs = refsOf(source.text);
    } catch (error) {
      return [`${folder}/${file}: not a valid template: ${String((error as Error).message).split('\n')[0]}`];
    }
    const kind = sensitive.has(file) ? 'environment' : 'url';
    return refs.flatMap((ref) => {
      const problem = nameProblem(ref.name, { kind, field: file, source: source.text }, m);
      if (!problem) return [];
      const why = problem.replace(
        /secrets may only be read in environment values \(they land in the 0600 \.env\)/,
        'secrets may only be read in environment values and in files marked sensitive: true (written 0600)',
      );
      return [`${folder}/${file}:${ref.line}: ${why}`];
    });
  });
}

/** exposes names port questions for ports and domain questions for domains. */
function exposureProblems(
  m: RecipeManifest,
  checkWhen: (where: string, when: Condition | undefined, before: readonly string[]) => void,
): string[] {
  const problems: string[] = [];
  const ids = m.questions.map((q) => q.id);
  const need = (where: string, id: string, type: 'port' | 'domain') => {
    const problem = questionOfType(m, id, type, (t) => `is a ${t} question, not a ${type} question`);
    if (problem) problems.push(`${where}.question: ${problem}`);
  };
  (m.exposes?.ports ?? []).forEach((p, i) => {
    checkWhen(`exposes.ports[${i}]`, p.when, ids);
    if (p.question) need(`exposes.ports[${i}]`, p.question, 'port');
  });
  (m.exposes?.domains ?? []).forEach((d, i) => {
    checkWhen(`exposes.domains[${i}]`, d.when, ids);
    const q = m.questions.find((x) => x.id === d.question);
    if (q?.type !== 'list' || q.items !== 'domain') need(`exposes.domains[${i}]`, d.question, 'domain');
  });
  return problems;
}

/** Why `id` does not name a question of `type` (none by that id, or another type), or undefined when it does. */
function questionOfType(
  m: RecipeManifest,
  id: string,
  type: QuestionType,
  wrongType: (actual: QuestionType) => string,
): string | undefined {
  const q = m.questions.find((x) => x.id === id);
  if (!q) return `"${id}" is not a question id`;
  return q.type === type ? undefined : `"${id}" ${wrongType(q.type)}`;
}
