// The wizard's state, as plain data and functions (no React, no terminal): which question comes next, going
// back, jumping to an answer from the review, and what the review shows. The UI only renders what this decides.
import { isSecretQuestion } from '../answers/names.js';
import {
  changedFrom,
  settleAnswers,
  type AnswerSources,
  type PromptRequest,
  type Resolution,
} from '../answers/resolve.js';
import type { PlanEntry } from '../install-dir/plan.js';
import type { AnswerValue } from '../recipes/condition.js';
import type { Recipe } from '../recipes/load-recipe.js';
import type { ChangePlan } from '../steps/change-plan.js';
import { changeSummary, type ChangeSummary } from './changes.js';

/** Wizard steps before the recipe's own questions; they are ids no recipe question can have. */
export const RECIPE_STEP = '@recipe';
export const DIR_STEP = '@dir';
export const TARGET_STEP = '@target';
export const DATA_NODE_STEP = '@data-node';

interface Entry {
  id: string;
  value: AnswerValue;
}

/**
 * The answers typed so far, in the order they were asked. Going back (or jumping back from the review) takes
 * answers off the end; they are remembered and offered again as the initial value when the question returns.
 */
export class Answered {
  private readonly entries: Entry[] = [];
  private readonly remembered = new Map<string, AnswerValue>();

  get ids(): string[] {
    return this.entries.map((e) => e.id);
  }

  has(id: string): boolean {
    return this.entries.some((e) => e.id === id);
  }

  get(id: string): AnswerValue | undefined {
    return this.entries.find((e) => e.id === id)?.value;
  }

  /** What to offer when `id` is asked (again): the value typed before going back, if any. */
  rememberedValue(id: string): AnswerValue | undefined {
    return this.remembered.get(id);
  }

  answer(id: string, value: AnswerValue): void {
    if (this.has(id)) throw new Error(`${id} is already answered`);
    this.entries.push({ id, value });
    this.remembered.delete(id);
  }

  get canGoBack(): boolean {
    return this.entries.length > 0;
  }

  /** Un-answers the last question; returns its id (undefined when nothing was answered yet). */
  back(): string | undefined {
    const last = this.entries.pop();
    if (last) this.remembered.set(last.id, last.value);
    return last?.id;
  }

  /** Un-answers `id` and everything answered after it, so the wizard asks from there again. */
  backTo(id: string): void {
    if (!this.has(id)) throw new Error(`${id} was not answered`);
    while (this.back() !== id);
  }
}

/** The next question to ask, or the complete resolution when every answer is known. */
export type Next = { ask: PromptRequest } | { done: Resolution };

/**
 * The one answer resolution berth has (flags > env > file > previous > prompt/default), with the answers typed so
 * far standing in for the prompt: the first question that needs a person and has no typed answer is the next one
 * to ask. Pure; `when` conditions and defaults always follow the current answers.
 */
export function nextQuestion(
  recipe: Recipe,
  sources: AnswerSources,
  facts: unknown,
  answered: Answered,
): Next {
  const step = settleAnswers(
    recipe,
    sources,
    facts,
    (id) => (answered.has(id) ? answered.get(id) : undefined),
    true,
  );
  if ('done' in step) return step;
  const again = answered.rememberedValue(step.ask.question.id);
  if (again === undefined) return step;
  return { ask: { ...step.ask, initial: again, initialOrigin: 'default' } };
}

// --- the review ----------------------------------------------------------------------------------------------

export interface ReviewRow {
  id: string;
  label: string;
  value: string;
  /** Where the answer came from, when not typed here: "--flag", "env", "answers file", "previous", "default". */
  note?: string;
  /** The user can go back to this answer from the review. */
  changeable: boolean;
}

export interface ReviewModel {
  title: string;
  dir: string;
  reconfigure: boolean;
  answers: ReviewRow[];
  secrets: { id: string; state: 'generated' | 'kept' }[];
  files: { path: string; action: PlanEntry['action']; conflict?: PlanEntry['conflict'] }[];
  services: string[];
  /** What a reconfigure changes (`berth plan`), or that a new install has nothing to compare. */
  changes?: ChangeSummary;
  problems: string[];
  warnings: string[];
  /** What confirming does, e.g. "Install: write the files and start the stack". */
  confirmLabel: string;
}

const originNote: Record<string, string | undefined> = {
  flag: 'from a flag',
  env: 'from the environment',
  file: 'from the answers file',
  previous: 'previous answer',
  default: 'default',
  prompt: undefined,
};

export interface ReviewInput {
  recipe: Recipe;
  dir: string;
  reconfigure: boolean;
  resolution: Resolution;
  generated: readonly string[];
  plan: readonly PlanEntry[];
  services: string[];
  /** The change plan of a reconfigure (a new install has none). */
  changes?: ChangePlan | undefined;
  problems?: string[];
  warnings?: string[];
  confirmLabel: string;
  answered: Answered;
  /** Labels of the wizard's own steps (recipe, folder) when they were asked. */
  steps?: ReviewRow[];
}

export function reviewModel(input: ReviewInput): ReviewModel {
  const m = input.recipe.manifest;
  const answers: ReviewRow[] = [...(input.steps ?? [])];
  for (const q of m.questions) {
    if (!(q.id in input.resolution.answers)) continue;
    const origin = input.resolution.origins[q.id] ?? 'default';
    const was = changedFrom(input.resolution, q.id);
    const from = originNote[origin];
    const note = was === undefined ? from : [from, `was ${displayValue(q, was)}`].filter(Boolean).join('; ');
    answers.push({
      id: q.id,
      label: q.prompt,
      value: displayValue(q, input.resolution.answers[q.id]!),
      ...(note ? { note } : {}),
      changeable: input.answered.has(q.id),
    });
  }
  return {
    title: `${m.title} (${m.name} ${m.version})`,
    dir: input.dir,
    reconfigure: input.reconfigure,
    answers,
    secrets: m.secrets.map((s) => ({
      id: s.id,
      state: input.generated.includes(s.id) ? 'generated' : 'kept',
    })),
    // With a change plan its summary lists the files that change (with line counts): only the conflicts stay.
    files: input.plan
      .filter((e) => !input.changes || e.conflict)
      .map((e) => ({ path: e.path, action: e.action, ...(e.conflict ? { conflict: e.conflict } : {}) })),
    services: input.services,
    ...(!input.reconfigure || input.changes ? { changes: changeSummary(input.changes) } : {}),
    problems: input.problems ?? [],
    warnings: input.warnings ?? [],
    confirmLabel: input.confirmLabel,
  };
}

/** How an answer reads on screen; a secret never shows its value. */
export function displayValue(
  q: { type: string; choices?: { value: string; label: string }[] | undefined },
  value: AnswerValue,
): string {
  if (isSecretQuestion(q as { type: 'secret' })) return value === '' ? '(none)' : '(hidden)';
  if (q.type === 'confirm') return value === true ? 'yes' : 'no';
  if (q.type === 'select') return q.choices?.find((c) => c.value === value)?.label ?? String(value);
  if (value === '') return '(none)';
  return String(value);
}
