// Everything up to the files' bytes: answers, secrets, rendering, and the plan against what is on disk.
import { resolveAnswers, type AnswerSources, type Resolution } from '../answers/resolve.js';
import type { Context } from '../context.js';
import { planFiles, type PlanEntry } from '../install-dir/plan.js';
import { STATE_FILE, type PreviousInstall } from '../install-dir/state.js';
import { ANSWERS_FILE, renderRecipe, type Rendering } from '../render/render-recipe.js';
import { answersWithTarget } from '../swarm/target.js';
import { ensureSecrets, type SecretValues } from '../render/secrets.js';
import type { Located } from './locate.js';

export interface Prepared extends Located {
  resolution: Resolution;
  secrets: SecretValues;
  rendering: Rendering;
  plan: PlanEntry[];
  /** The folder already held an install: this run reconfigures it. */
  reconfigure: boolean;
}

export async function prepare(
  located: Located,
  flags: Record<string, string | boolean>,
  ctx: Pick<Context, 'env' | 'facts' | 'prompter'>,
): Promise<Prepared> {
  const { recipe, previous } = located;
  const resolution = await resolveAnswers(
    recipe,
    answerSources(located, flags, ctx.env),
    ctx.facts,
    ctx.prompter,
  );
  const secrets = ensureSecrets(recipe.manifest.secrets, previous.env, {
    answers: resolution.answers,
    facts: ctx.facts,
  });
  const rendering = renderRecipe({
    recipe,
    answers: resolution.answers,
    secrets: secrets.values,
    facts: ctx.facts,
    project: located.project,
  });
  if (located.target === 'swarm') {
    const answers = rendering.files.find((f) => f.path === ANSWERS_FILE);
    if (answers) answers.content = answersWithTarget(answers.content, 'swarm');
  }
  const plan = planFiles(located.dir, rendering.files, previous.state);
  const reconfigure = previous.state !== undefined;
  return { ...located, resolution, secrets, rendering, plan, reconfigure };
}

/** Where this install's answers come from besides the prompt: flags, env, answers file, the previous install. */
export function answerSources(
  located: Pick<Located, 'answersFile' | 'previous'>,
  flags: Record<string, string | boolean>,
  env: Context['env'],
): AnswerSources {
  return { flags, env, file: located.answersFile, previous: previousSources(located.previous) };
}

function previousSources(previous: PreviousInstall) {
  if (!previous.answersFile && Object.keys(previous.env).length === 0) return undefined;
  return { answers: previous.answersFile?.answers ?? {}, env: previous.env };
}

export const statePath = STATE_FILE;
