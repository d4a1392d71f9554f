// The renderings a bundle is made from: the answers given (flags, environment, answers file, or the install in
// --dir), resolved as `berth plan` resolves them but never asking, or every combination of the recipe's answers
// (--all-modes). Secret answers are never read: a stand-in value renders the same images.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveAnswers, type AnswerSources } from '../answers/resolve.js';
import { berthEnvName, flagName, isSecretQuestion } from '../answers/names.js';
import { questionFlags } from '../cli/args.js';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import type { AnswerValue, Answers } from '../recipes/condition.js';
import type { Recipe } from '../recipes/load-recipe.js';
import { enumerateCombinations } from '../recipe-test/combinations.js';
import { isBranching, sampleFacts, sampleSecrets, sampleValues } from '../recipe-test/samples.js';
import { renderRecipe, type Rendering } from '../render/render-recipe.js';
import { USER_OVERRIDE } from '../render/user-override.js';
import { answerSources } from '../steps/prepare.js';
import type { Located } from '../steps/locate.js';

export interface StackRenderings {
  renderings: Rendering[];
  /** The answers to carry in the bundle: those given or installed, never a secret, never a default. */
  given: Answers;
}

/** The sources without any secret: no --<id>-file path is read, no secret variable looked at. */
function withoutSecrets(recipe: Recipe, sources: AnswerSources): AnswerSources {
  const secret = recipe.manifest.questions.filter(isSecretQuestion);
  const flags = { ...sources.flags };
  const env = { ...sources.env };
  for (const q of secret) {
    delete flags[q.id];
    delete env[berthEnvName(q.id)];
    if (q.env) delete env[q.env];
  }
  return { ...sources, flags, env };
}

function render(located: Located, answers: Answers): Rendering {
  const rendering = renderRecipe({
    recipe: located.recipe,
    answers,
    secrets: sampleSecrets(located.recipe),
    facts: sampleFacts,
    project: located.project,
  });
  // An install's own override may change images: the one on disk is what compose will read there.
  const override = rendering.files.find((f) => f.path === USER_OVERRIDE);
  if (override && located.previous.state) {
    try {
      override.content = readFileSync(path.join(located.dir, USER_OVERRIDE), 'utf8');
    } catch {
      // none written yet: the default one
    }
  }
  return rendering;
}

/** Never asks: `pick` first, then a default where there is one, then a stand-in for a secret; else an error. */
function standIn(recipe: Recipe, sources: AnswerSources, pick: (id: string) => AnswerValue | undefined) {
  return resolveAnswers(recipe, sources, sampleFacts, async (request) => {
    const q = request.question;
    const value =
      pick(q.id) ??
      request.initial ??
      (isSecretQuestion(q) ? sampleValues(recipe, q, undefined)[0] : undefined);
    if (value !== undefined) return value;
    throw new UsageError(
      `missing ${q.id}: ${q.prompt} — give ${flagName(q.id)} (the images may depend on it).`,
    );
  });
}

export async function stackRenderings(ctx: Context, located: Located): Promise<StackRenderings> {
  const { recipe } = located;
  const flags = questionFlags(ctx.cli, recipe.manifest.questions);
  const sources = withoutSecrets(recipe, answerSources(located, flags, ctx.env));
  const resolution = await standIn(recipe, sources, () => undefined);
  const given = Object.fromEntries(
    recipe.manifest.questions
      .filter((q) => !isSecretQuestion(q) && q.id in resolution.answers)
      .filter((q) => ['flag', 'env', 'file', 'previous'].includes(resolution.origins[q.id] ?? ''))
      .map((q) => [q.id, resolution.answers[q.id]!]),
  );
  if (!ctx.cli.options.allModes) return { renderings: [render(located, resolution.answers)], given };
  // Every combination of the recipe's choices; answers given for anything else (an image) hold in each.
  const branching = new Set(recipe.manifest.questions.filter(isBranching).map((q) => q.id));
  const keep = <T>(map: Readonly<Record<string, T>>) =>
    Object.fromEntries(Object.entries(map).filter(([id]) => !branching.has(id)));
  const pinned: AnswerSources = {
    flags: keep(sources.flags),
    env: Object.fromEntries(Object.entries(sources.env).filter(([k]) => !/^BERTH_/.test(k))),
    file: sources.file && { ...sources.file, answers: keep(sources.file.answers) },
  };
  const renderings: Rendering[] = [];
  for (const c of enumerateCombinations(recipe, sampleFacts).combinations.filter((x) => !x.error)) {
    const answers = (await standIn(recipe, pinned, (id) => c.given[id])).answers;
    renderings.push(render(located, answers));
  }
  return { renderings, given };
}
