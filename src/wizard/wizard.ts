// The interactive install, as flow: welcome and checklist, recipe, folder, the recipe's questions (with back
// navigation), the review, and only then anything written. It asks through the UI's promise prompts and builds
// no React. Returns what the install needs to go on; the bring-up and the final screen follow in
// commands/install.ts.
import type { Context } from '../context.js';
import type { DetectedFacts } from '../detect/facts.js';
import type { ProbeEnv } from '../detect/probe.js';
import { CancelledError } from '../errors.js';
import { serviceList } from '../messages.js';
import type { ChangePlan } from '../steps/change-plan.js';
import { locate, type Located } from '../steps/locate.js';
import { answerSources, prepare, type Prepared } from '../steps/prepare.js';
import { berthVersion } from '../version.js';
import { welcomeRows } from './checklist.js';
import {
  Answered,
  DIR_STEP,
  displayValue,
  nextQuestion,
  DATA_NODE_STEP,
  RECIPE_STEP,
  reviewModel,
  TARGET_STEP,
  type ReviewRow,
} from './flow.js';
import { Places, placeStep } from './places.js';
import { askQuestion, nodeLabel, targetLabel } from './questions.js';
import { BACK, type WizardUI } from './ui.js';

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
  /** What a reconfigure would change (`berth plan`: asks compose, so it takes a moment). */
  changes?: (p: Prepared, facts: DetectedFacts) => Promise<ChangePlan>;
}

export interface WizardResult {
  prepared: Prepared;
  facts: DetectedFacts;
  flags: Record<string, string | boolean>;
  /** The change plan the review showed (a reconfigure). */
  changes?: ChangePlan | undefined;
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
    let changes: Promise<ChangePlan> | undefined;
    if (prepared.reconfigure && input.changes) {
      ui.working('Working out the changes…');
      changes = input.changes(prepared, facts);
    }
    const model = await reviewOf(prepared, facts, answered, input, changes);
    const choice = await ui.review(model);
    if (choice.action === 'quit') throw new CancelledError();
    if (choice.action === 'change') answered.backTo(choice.id);
    else return { prepared, facts, flags, changes: await changes };
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

/** The review: every answer and file, what blocks the install (machine checks, hand-edited files), warnings. */
async function reviewOf(
  prepared: Prepared,
  facts: DetectedFacts,
  answered: Answered,
  input: WizardInput,
  changing: Promise<ChangePlan> | undefined,
) {
  // The machine checks and compose's answer for the plan, side by side.
  const [checks, changes] = await Promise.all([input.preflight(prepared, facts), changing]);
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
  if (answered.has(TARGET_STEP))
    steps.push({
      id: TARGET_STEP,
      label: 'Runs',
      value: targetLabel(prepared.target ?? 'compose'),
      changeable: true,
    });
  if (answered.has(DATA_NODE_STEP)) {
    const node = facts.docker?.swarm?.nodeList?.find((n) => n.id === prepared.dataNode);
    steps.push({
      id: DATA_NODE_STEP,
      label: 'Data on',
      value: node ? nodeLabel(node) : String(prepared.dataNode),
      changeable: true,
    });
  }
  return reviewModel({
    recipe: prepared.recipe,
    dir: prepared.dir,
    reconfigure: prepared.reconfigure,
    resolution: prepared.resolution,
    generated: prepared.secrets.generated,
    plan: prepared.plan,
    services: serviceList(prepared),
    changes,
    problems,
    warnings,
    confirmLabel: input.confirmLabel,
    answered,
    steps,
  });
}
