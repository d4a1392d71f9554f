// `berth recipe test`'s work, apart from its command line and its output: every combination of a recipe's answers
// rendered and checked (render, Compose JSON Schema, `docker compose config`, the practices), no secret value in
// any message.
import { isSecretQuestion } from '../answers/names.js';
import type { Recipe } from '../recipes/load-recipe.js';
import { checkCombination, checkIds, type CombinationResult, type Failure } from './check-combination.js';
import { DEFAULT_CAP, enumerateCombinations, type Combination, type Enumeration } from './combinations.js';
import { composeProblems, type ComposeRunner } from './compose-check.js';
import { practices } from './practices.js';
import { sampleFacts, sampleSecrets } from './samples.js';

export interface RecipeTestReport {
  recipe: { name: string; version: string; source: string };
  enumeration: Omit<Enumeration, 'combinations'> & { tested: number };
  /** Compose checked every rendering, or was skipped (--no-compose). */
  compose: 'checked' | 'skipped';
  checks: { id: string; title: string }[];
  results: Pick<CombinationResult, 'label' | 'answers' | 'status'>[];
  failures: (Failure & { combination: string })[];
}

const titles: Record<string, string> = {
  render: 'the answers resolve and every template renders',
  schema: 'every compose file follows the Compose Specification (JSON Schema)',
  compose: '`docker compose config -q` accepts the rendering',
  ...Object.fromEntries(practices.map((p) => [p.id, p.title])),
};

/** `runner` undefined: skip `docker compose config` (the caller said so). */
export async function testRecipe(
  recipe: Recipe,
  runner: ComposeRunner | undefined,
  cap = DEFAULT_CAP,
): Promise<RecipeTestReport> {
  const { combinations, ...enumeration } = enumerateCombinations(recipe, sampleFacts, cap);
  const secrets = sampleSecrets(recipe);
  const { composeSchemaProblems } = await import('../compose/validate-schema.js');
  const results: CombinationResult[] = [];
  for (const c of combinations)
    results.push(await checkCombination(recipe, c, secrets, composeSchemaProblems));
  if (runner) await addComposeResults(results, runner);
  const redact = redactor([...Object.values(secrets), ...secretAnswers(recipe, combinations)]);
  const order = (f: Failure) => checkIds.indexOf(f.check);
  const m = recipe.manifest;
  return {
    recipe: { name: m.name, version: m.version, source: recipe.source },
    enumeration: { ...enumeration, tested: combinations.length },
    compose: runner ? 'checked' : 'skipped',
    checks: checkIds.map((id) => ({ id, title: titles[id]! })),
    results: results.map(({ label, answers, status }) => ({ label, answers, status })),
    failures: results.flatMap((r) =>
      r.failures
        .toSorted((a, b) => order(a) - order(b))
        .map((f) => ({ combination: r.label, ...f, message: redact(f.message) })),
    ),
  };
}

/** The secret answers the combinations give (sample values, still never printed). */
const secretAnswers = (recipe: Recipe, combinations: readonly Combination[]): string[] =>
  recipe.manifest.questions
    .filter(isSecretQuestion)
    .flatMap((q) => combinations.map((c) => c.given[q.id]))
    .filter((v): v is string => typeof v === 'string');

function redactor(values: string[]): (text: string) => string {
  const hidden = [...new Set(values.filter((v) => v !== ''))].sort((a, b) => b.length - a.length);
  return (text) => hidden.reduce((t, v) => t.replaceAll(v, '<secret>'), text);
}

async function addComposeResults(results: CombinationResult[], runner: ComposeRunner): Promise<void> {
  const rendered = results.filter((r) => r.rendered);
  const problems = await composeProblems(
    rendered.map((r) => r.rendered!.rendering),
    runner,
  );
  rendered.forEach((r, i) => {
    const problem = problems[i];
    r.status.compose = problem ? 'fail' : 'pass';
    if (problem) r.failures.push({ check: 'compose', message: problem });
  });
}
