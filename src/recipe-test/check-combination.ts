// One combination through the real pipeline — its answers given as flags and environment variables, resolved
// (resolveAnswers) and rendered (renderRecipe) — then the checks that need no Docker: the Compose JSON Schema and
// the practices. `docker compose config` comes after, for every rendering at once (compose-check.ts).
import { berthEnvName, isSecretQuestion } from '../answers/names.js';
import { resolveAnswers } from '../answers/resolve.js';
import { isBerthError } from '../errors.js';
import type { AnswerValue } from '../recipes/condition.js';
import type { Recipe } from '../recipes/load-recipe.js';
import { renderRecipe } from '../render/render-recipe.js';
import type { Combination } from './combinations.js';
import { practices } from './practices.js';
import type { Problem, Rendered } from './rendered.js';
import { sampleFacts } from './samples.js';

export type Status = 'pass' | 'fail' | 'skip';

export interface Failure {
  check: string;
  file?: string;
  message: string;
}

export interface CombinationResult {
  label: string;
  /** The answers rendered with, secret answers left out. */
  answers: Record<string, AnswerValue>;
  status: Record<string, Status>;
  failures: Failure[];
  rendered?: Rendered;
}

export const checkIds = ['render', 'schema', 'compose', ...practices.map((p) => p.id)];

const errorText = (error: unknown): string =>
  [(error as Error).message, ...(isBerthError(error) ? error.details : [])].join(' — ');

/** The combination's answers as a user would give them: flags, and secrets through the environment. */
async function renderOne(recipe: Recipe, c: Combination, secrets: Record<string, string>): Promise<Rendered> {
  const flags: Record<string, string | boolean> = {};
  const env: Record<string, string> = {};
  for (const q of recipe.manifest.questions) {
    const value = c.given[q.id];
    if (value === undefined) continue;
    if (isSecretQuestion(q)) env[berthEnvName(q.id)] = String(value);
    else flags[q.id] = typeof value === 'boolean' ? value : String(value);
  }
  const { answers } = await resolveAnswers(recipe, { flags, env }, sampleFacts);
  const project = recipe.manifest.name;
  const rendering = renderRecipe({ recipe, answers, secrets, facts: sampleFacts, project });
  return { recipe, answers, secrets, rendering };
}

const publicAnswers = (recipe: Recipe, answers: Record<string, AnswerValue>) =>
  Object.fromEntries(
    recipe.manifest.questions
      .filter((q) => !isSecretQuestion(q) && q.id in answers)
      .map((q) => [q.id, answers[q.id]!]),
  );

/** Problems of one check, a check that throws (a compose file that is not YAML) being one problem itself. */
function run(check: (r: Rendered) => Problem[], r: Rendered): Problem[] {
  try {
    return check(r);
  } catch (error) {
    return [{ message: `could not check: ${(error as Error).message.split('\n')[0]}` }];
  }
}

export async function checkCombination(
  recipe: Recipe,
  c: Combination,
  secrets: Record<string, string>,
  schemaProblems: (content: string) => string[],
): Promise<CombinationResult> {
  const status: Record<string, Status> = Object.fromEntries(checkIds.map((id) => [id, 'skip' as Status]));
  const failures: Failure[] = [];
  const record = (check: string, problems: Problem[]) => {
    status[check] = problems.length > 0 ? 'fail' : 'pass';
    failures.push(...problems.map((p) => ({ check, ...p })));
  };
  let rendered: Rendered;
  try {
    if (c.error) throw new Error(c.error);
    rendered = await renderOne(recipe, c, secrets);
  } catch (error) {
    record('render', [{ message: errorText(error) }]);
    return { label: c.label, answers: publicAnswers(recipe, c.given), status, failures };
  }
  record('render', []);
  const composeFiles = rendered.rendering.files.filter((f) =>
    rendered.rendering.composeFiles.includes(f.path),
  );
  record(
    'schema',
    composeFiles.flatMap((f) => schemaProblems(f.content).map((message) => ({ file: f.path, message }))),
  );
  for (const p of practices) record(p.id, run(p.check, rendered));
  return { label: c.label, answers: publicAnswers(recipe, rendered.answers), status, failures, rendered };
}
