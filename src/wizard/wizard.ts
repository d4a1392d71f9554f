// The interactive install, as flow: welcome and checklist, recipe, folder, the recipe's questions (with back
// navigation), the review, and only then anything written. It asks through the UI's promise prompts and builds
// no React. Returns what the install needs to go on; the bring-up and the final screen follow in
// commands/install.ts.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { coerce } from '../answers/coerce.js';
import { isSecretQuestion } from '../answers/names.js';
import type { PromptRequest } from '../answers/resolve.js';
import type { Context } from '../context.js';
import type { DetectedFacts } from '../detect/facts.js';
import { probePorts } from '../detect/ports.js';
import type { ProbeEnv } from '../detect/probe.js';
import { CancelledError } from '../errors.js';
import { installedRecipe, readPreviousInstall } from '../install-dir/state.js';
import { serviceList } from '../messages.js';
import type { AnswerValue } from '../recipes/condition.js';
import { DEFAULT_RECIPE, listRecipes } from '../recipes/registry.js';
import { defaultDir, locate, type Located, type LocateChoice } from '../steps/locate.js';
import { answerSources, prepare, type Prepared } from '../steps/prepare.js';
import { berthVersion } from '../version.js';
import { welcomeRows } from './checklist.js';
import type { Validation } from './components.js';
import {
  Answered,
  DIR_STEP,
  displayValue,
  nextQuestion,
  RECIPE_STEP,
  reviewModel,
  type ReviewRow,
} from './flow.js';
import { BACK, type Back, type WizardUI } from './ui.js';

export { welcomeRows } from './checklist.js';

export interface WizardInput {
  ctx: Context;
  ui: WizardUI;
  flags: Record<string, string | boolean>;
  /** Detection, started before the first frame; the checklist shows when it settles. */
  facts: Promise<DetectedFacts>;
  probe: ProbeEnv;
  /** What confirming the review does. */
  confirmLabel: string;
  force: boolean;
  skipChecks: boolean;
  /** The machine checks for these answers (what install refuses on), for the review. */
  preflight: (p: Prepared, facts: DetectedFacts) => Promise<{ blocking: string[]; warnings: string[] }>;
  /** Re-reads the command line's question flags for another recipe. */
  flagsFor: (located: Located) => Record<string, string | boolean>;
}

export interface WizardResult {
  prepared: Prepared;
  facts: DetectedFacts;
  flags: Record<string, string | boolean>;
}

/** One pass per answer: the recipe and folder steps, then the recipe's next question, then the review. */
export async function runWizard(input: WizardInput): Promise<WizardResult> {
  const { ctx, ui } = input;
  const first = await locate(ctx);
  await ui.welcome(heading(ctx, first), input.facts.then(welcomeRows), ctx.greeted === true);
  const facts = await input.facts;
  const places = new Places({ ...ctx, facts }, first);
  const answered = new Answered();
  for (;;) {
    const step = await placeStep(ui, places, answered, facts);
    if (step === BACK) answered.back();
    if (step !== 'placed') continue;
    const located = await places.located(answered);
    const flags = input.flagsFor(located);
    const next = nextQuestion(located.recipe, answerSources(located, flags, ctx.env), facts, answered);
    if ('ask' in next) {
      const value = await askQuestion(ui, next.ask, answered.canGoBack, input.probe);
      if (value === BACK) answered.back();
      else {
        answered.answer(next.ask.question.id, value);
        ui.answered(next.ask.question.prompt, displayValue(next.ask.question, value));
      }
      continue;
    }
    const prepared = await prepare(located, flags, {
      ...ctx,
      facts,
      prompter: (request) => Promise.resolve(answered.get(request.question.id)!),
    });
    const choice = await ui.review(await reviewOf(prepared, facts, answered, input));
    if (choice.action === 'quit') throw new CancelledError();
    if (choice.action === 'change') answered.backTo(choice.id);
    else return { prepared, facts, flags };
  }
}

/** The heading; the entry may have printed the generic one already (ctx.greeted): then only the recipe's name. */
function heading(ctx: Pick<Context, 'greeted'>, located: Located): string | undefined {
  const title = located.recipe.manifest.title;
  if (ctx.greeted) return located.recipeGiven ? `Installing ${title}` : undefined;
  return located.recipeGiven
    ? `berth ${berthVersion()} · installing ${title}`
    : `berth ${berthVersion()} · guided installer for self-hosted stacks`;
}

/**
 * Which recipe in which folder, as the answers so far choose it. Located once per choice (not per keystroke),
 * and the reconfigure note is shown once per folder.
 */
class Places {
  private last: { key: string; located: Located } | undefined;
  private announced: string | undefined;

  constructor(
    readonly ctx: Context & { facts: DetectedFacts },
    readonly first: Located,
  ) {}

  choice(answered: Answered): LocateChoice {
    return {
      recipe: answered.get(RECIPE_STEP) as string | undefined,
      dir: answered.get(DIR_STEP) as string | undefined,
    };
  }

  async located(answered: Answered): Promise<Located> {
    const choice = this.choice(answered);
    const key = JSON.stringify(choice);
    if (this.last?.key !== key) this.last = { key, located: await locate(this.ctx, choice) };
    return this.last.located;
  }

  /** The reconfigure note, the first time a folder that holds an install is chosen. */
  announce(ui: WizardUI, located: Located): void {
    if (this.announced === located.dir || !located.previous.state) return;
    this.announced = located.dir;
    ui.note(
      `Reconfiguring the ${located.recipe.manifest.title} install in ${located.dir}: its answers are the ` +
        'defaults, its secrets are kept, and your own compose.override.yaml is never touched.',
    );
  }
}

/** The recipe and folder steps, each asked only when the command line did not settle it. */
async function placeStep(
  ui: WizardUI,
  places: Places,
  answered: Answered,
  facts: DetectedFacts,
): Promise<'placed' | 'asked' | Back> {
  const { first } = places;
  if (!first.recipeGiven && !answered.has(RECIPE_STEP)) {
    const recipe = await askRecipe(ui, answered.rememberedValue(RECIPE_STEP) as string | undefined);
    answered.answer(RECIPE_STEP, recipe);
    return 'asked';
  }
  if (!first.dirGiven && !answered.has(DIR_STEP)) {
    const recipe = (await places.located(answered)).recipe.manifest.name;
    const initial = (answered.rememberedValue(DIR_STEP) as string | undefined) ?? defaultDir(recipe, facts);
    const dir = await askDir(ui, initial, recipe, places.ctx.cwd, answered.canGoBack);
    if (dir === BACK) return BACK;
    answered.answer(DIR_STEP, dir);
    return 'asked';
  }
  places.announce(ui, await places.located(answered));
  return 'placed';
}

/** The review: every answer and file, what blocks the install (machine checks, hand-edited files), warnings. */
async function reviewOf(prepared: Prepared, facts: DetectedFacts, answered: Answered, input: WizardInput) {
  const checks = await input.preflight(prepared, facts);
  const conflicts = prepared.plan.filter((e) => e.conflict);
  const problems = [
    ...(input.skipChecks ? [] : checks.blocking),
    ...(conflicts.length > 0 && !input.force
      ? [
          `${conflicts.map((e) => e.path).join(', ')} changed outside berth: move your changes to compose.override.yaml, or re-run with --force (the old files are backed up).`,
        ]
      : []),
  ];
  const warnings = [
    ...prepared.resolution.warnings,
    ...checks.warnings,
    ...(input.skipChecks ? checks.blocking.map((b) => `(--skip-checks) ${b}`) : []),
  ];
  const steps: ReviewRow[] = [];
  if (answered.has(RECIPE_STEP))
    steps.push({ id: RECIPE_STEP, label: 'Stack', value: prepared.recipe.manifest.title, changeable: true });
  if (answered.has(DIR_STEP))
    steps.push({ id: DIR_STEP, label: 'Install folder', value: prepared.dir, changeable: true });
  return reviewModel({
    recipe: prepared.recipe,
    dir: prepared.dir,
    reconfigure: prepared.reconfigure,
    resolution: prepared.resolution,
    generated: prepared.secrets.generated,
    plan: prepared.plan,
    services: serviceList(prepared),
    problems,
    warnings,
    confirmLabel: input.confirmLabel,
    answered,
    steps,
  });
}

// --- the questions -------------------------------------------------------------------------------------------

async function askRecipe(ui: WizardUI, initial: string | undefined): Promise<string> {
  const recipes = listRecipes().sort((a, b) =>
    a.manifest.name === DEFAULT_RECIPE ? -1 : b.manifest.name === DEFAULT_RECIPE ? 1 : 0,
  );
  const title = 'What do you want to install?';
  const name = (await ui.select({
    title,
    choices: recipes.map((r) => ({
      value: r.manifest.name,
      label: r.manifest.title,
      description: r.manifest.description,
    })),
    initial: initial ?? DEFAULT_RECIPE,
  })) as string; // the first step: no going back
  ui.answered(title, recipes.find((r) => r.manifest.name === name)!.manifest.title);
  return name;
}

export function checkDir(text: string, recipe: string, cwd: string): Validation {
  if (text.trim() === '') return { ok: false, message: 'Give a folder, e.g. /opt/' + recipe };
  const dir = path.resolve(cwd, text.trim());
  if (existsSync(dir) && !statSync(dir).isDirectory())
    return { ok: false, message: `${dir} is a file, not a folder.` };
  const other = installedRecipe(readPreviousInstall(dir));
  if (other && other !== recipe)
    return { ok: false, message: `${dir} already holds a ${other} install; choose another folder.` };
  return { ok: true };
}

async function askDir(
  ui: WizardUI,
  initial: string,
  recipe: string,
  cwd: string,
  canGoBack: boolean,
): Promise<string | Back> {
  const title = 'Install folder';
  const text = await ui.text({
    title,
    help: "compose.yaml, .env (the secrets) and berth's own state go here. A folder that already holds this stack is reconfigured.",
    initial,
    validate: (t) => checkDir(t, recipe, cwd),
    canGoBack,
  });
  if (text === BACK) return BACK;
  const dir = path.resolve(cwd, text.trim());
  ui.answered(title, dir);
  return dir;
}

async function askQuestion(
  ui: WizardUI,
  request: PromptRequest,
  canGoBack: boolean,
  probe: ProbeEnv,
): Promise<AnswerValue | Back> {
  const q = request.question;
  const common = { title: q.prompt, help: q.help, canGoBack };
  const validate = (text: string): Validation => {
    const result = coerce(q, text);
    return result.ok ? { ok: true } : { ok: false, message: result.message };
  };
  if (q.type === 'select') {
    const choices = (q.choices ?? []).map((c) => ({
      value: c.value,
      label: c.label,
      description: c.description,
    }));
    const initial = request.initial === undefined ? undefined : String(request.initial);
    return ui.select({ ...common, choices, initial });
  }
  if (q.type === 'confirm') return ui.confirm({ ...common, initial: request.initial === true });
  if (isSecretQuestion(q)) {
    // A value already set (reconfiguring): an empty Enter keeps it.
    const keep = request.initial !== undefined && request.initial !== '';
    const text = await ui.secret({
      ...common,
      keepHint: keep ? '(Enter keeps the current one)' : undefined,
      validate: (t) => (keep && t === '' ? { ok: true } : validate(t)),
    });
    return text === BACK ? BACK : keep && text === '' ? request.initial! : valueOf(q, text);
  }
  const text = await ui.text({
    ...common,
    initial: request.initial === undefined ? '' : String(request.initial),
    validate,
    check: q.type === 'port' ? (t) => portWarning(Number(t), probe) : undefined,
  });
  return text === BACK ? BACK : valueOf(q, text);
}

function valueOf(q: PromptRequest['question'], text: string): AnswerValue {
  const result = coerce(q, text);
  if (!result.ok) throw new Error(`${q.id}: ${result.message}`);
  return result.value;
}

export async function portWarning(port: number, probe: ProbeEnv): Promise<string | undefined> {
  const [fact] = await probePorts([port], probe);
  if (!fact || fact.free) return undefined;
  const who = fact.holder ? `${fact.holder.name} (pid ${fact.holder.pid})` : 'another process';
  const own = fact.holder && /^docker-proxy$|^rootlesskit/.test(fact.holder.name);
  return own
    ? `Port ${port} is in use by a container (${who}): fine if it is this install's own stack.`
    : `Port ${port} is in use by ${who}; the stack cannot start on it.`;
}
