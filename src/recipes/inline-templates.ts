// The handlebars templates written inside recipe.yaml — environment values, URLs, templated defaults and notes —
// run by the same strict engine, with the same helpers, as the template files. Every name they read is checked
// when the recipe loads: a name that is not a question, fact, feature or recipe field is an error naming the file,
// the field and the name, never an empty string in a running stack.
import type { Recipe } from './load-recipe.js';
import type { RecipeManifest } from './schema.js';
import { isSecretQuestion } from '../answers/names.js';
import { RecipeError } from '../errors.js';
import { templateErrorText, templateFn } from '../render/handlebars.js';

export type InlineKind = 'environment' | 'url' | 'default' | 'note' | 'path';

export interface InlineTemplate {
  kind: InlineKind;
  /** Where it is in recipe.yaml, for messages: `urls[1] (Voice UI).url`. */
  field: string;
  source: string;
  /** For a default: the questions asked before this one may be read. */
  before?: readonly string[];
}

/** Every templated string of a manifest (those with `{{`; plain text renders as itself). */
export function inlineTemplates(m: RecipeManifest): InlineTemplate[] {
  const out: InlineTemplate[] = [];
  const add = (t: InlineTemplate) => t.source.includes('{{') && out.push(t);
  m.environment.forEach((e, i) =>
    add({ kind: 'environment', field: `environment[${i}] (${e.name}).value`, source: e.value }),
  );
  m.urls.forEach((u, i) => add({ kind: 'url', field: `urls[${i}] (${u.label}).url`, source: u.url }));
  m.hostPaths.forEach((h, i) => add({ kind: 'path', field: `hostPaths[${i}].path`, source: h.path }));
  m.hooks.forEach((h, i) => {
    h.run.forEach((arg, j) => add({ kind: 'path', field: `hooks[${i}] (${h.id}).run[${j}]`, source: arg }));
    if (h.failureNote)
      add({ kind: 'note', field: `hooks[${i}] (${h.id}).failureNote`, source: h.failureNote });
  });
  m.backup.dumps.forEach((d, i) => {
    const where = `backup.dumps[${i}] (${d.id})`;
    d.covers.forEach((c, j) => add({ kind: 'path', field: `${where}.covers[${j}]`, source: c }));
    for (const field of ['dump', 'restore', 'check'] as const)
      (d[field] ?? []).forEach((arg, j) =>
        add({ kind: 'path', field: `${where}.${field}[${j}]`, source: arg }),
      );
  });
  m.upgrade.migrations.forEach((x, i) =>
    x.run.forEach((arg, j) =>
      add({ kind: 'path', field: `upgrade.migrations[${i}] (${x.id}).run[${j}]`, source: arg }),
    ),
  );
  m.builds.forEach((b, i) =>
    Object.entries(b.args ?? {}).forEach(([name, value]) =>
      add({ kind: 'path', field: `builds[${i}] (${b.service}).args.${name}`, source: value }),
    ),
  );
  m.notes.forEach((n, i) =>
    add({
      kind: 'note',
      field: typeof n === 'string' ? `notes[${i}]` : `notes[${i}].text`,
      source: typeof n === 'string' ? n : n.text,
    }),
  );
  m.questions.forEach((q, i) => {
    const before = m.questions.slice(0, i).map((x) => x.id);
    const cases = Array.isArray(q.default) ? q.default : [{ value: q.default }];
    cases.forEach((c, j) => {
      if (typeof c.value !== 'string') return;
      const field = `questions[${i}] (${q.id}).default${Array.isArray(q.default) ? `[${j}].value` : ''}`;
      add({ kind: 'default', field, source: c.value, before });
    });
  });
  return out;
}

/** The facts a recipe may read (MachineFacts' fields). */
const FACTS = [
  'os',
  'cpus',
  'ramGb',
  'isRoot',
  'uid',
  'gid',
  'hostname',
  'home',
  'address',
  'gpu',
  'system',
  'ramAvailableGb',
  'disk',
];
const RECIPE_FIELDS = ['name', 'title', 'version'];

/** Why a name read by an inline template is not allowed there, or undefined when it is. */
export function nameProblem(name: string, t: InlineTemplate, m: RecipeManifest): string | undefined {
  const [head = '', second] = name.split('.');
  const question = m.questions.find((q) => q.id === head);
  if (question) {
    if (isSecretQuestion(question))
      return `"${name}" is a secret answer: read it as {{secrets.${head}}}, and only in environment values (they land in the 0600 .env)`;
    if (t.before && !t.before.includes(head))
      return `"${name}" is asked later; a default may only read earlier answers`;
    return undefined;
  }
  if (head === 'facts')
    return second && FACTS.includes(second)
      ? undefined
      : `"${name}" is not a fact (known: facts.${FACTS.join(', facts.')})`;
  if (head === 'recipe')
    return second && RECIPE_FIELDS.includes(second)
      ? undefined
      : `"${name}" is not a recipe field (known: recipe.${RECIPE_FIELDS.join(', recipe.')})`;
  if (t.kind !== 'default' && head === 'project') return undefined;
  if (t.kind !== 'default' && head === 'features') {
    const features = m.overrides.map((o) => o.feature);
    return second && features.includes(second)
      ? undefined
      : `"${name}" is not a feature (known: ${features.join(', ') || 'none'})`;
  }
  if (head === 'secrets') {
    if (t.kind !== 'environment')
      return `"${name}": secrets may only be read in environment values (they land in the 0600 .env)`;
    const ids = [...m.secrets.map((s) => s.id), ...m.questions.filter(isSecretQuestion).map((q) => q.id)];
    return second && ids.includes(second)
      ? undefined
      : `"${name}" is not a secret of this recipe (known: ${ids.join(', ') || 'none'})`;
  }
  return `"${name}" is not a question, fact or recipe field (questions: ${m.questions.map((q) => q.id).join(', ')})`;
}

/** Checks every inline template's names; `namesOf` parses a template (the compiler, at load). */
export function inlineProblems(m: RecipeManifest, namesOf: (source: string) => string[]): string[] {
  return inlineTemplates(m).flatMap((t) => {
    let names: string[];
    try {
      names = namesOf(t.source);
    } catch (error) {
      return [`${t.field}: not a valid template: ${templateErrorText(error)}`];
    }
    return names.flatMap((name) => {
      const problem = nameProblem(name, t, m);
      return problem ? [`${t.field}: ${problem}`] : [];
    });
  });
}

/** Runs one inline template of the recipe (compiled at load, or precompiled into the bundle) with strict names. */
export function renderInline(recipe: Recipe, source: string, context: object, field: string): string {
  if (!source.includes('{{')) return source;
  const spec = recipe.inline?.get(source);
  if (!spec)
    throw new RecipeError(
      `${recipe.source}: ${field}: this template was not compiled when the recipe loaded.`,
    );
  try {
    return templateFn(spec)(context);
  } catch (error) {
    throw new RecipeError(`${recipe.source}: ${field}: ${templateErrorText(error)}`, {
      cause: error,
      hint: 'It read a value that is not set for these answers: guard it with a `when`, or with {{#if}}.',
    });
  }
}

export const recipeInfo = (recipe: Recipe) => ({
  name: recipe.manifest.name,
  title: recipe.manifest.title,
  version: recipe.manifest.version,
});

/** The answers a template may read by name: every active one except secrets (those are `secrets.<id>`). */
export const publicAnswers = (recipe: Recipe, answers: Readonly<Record<string, unknown>>) =>
  Object.fromEntries(
    recipe.manifest.questions
      .filter((q) => !isSecretQuestion(q) && q.id in answers)
      .map((q) => [q.id, answers[q.id]]),
  );
