// Every combination of answers worth rendering: the questions are walked in order as the resolver asks them, and
// each select choice, yes/no and optional domain branches the walk; a question whose `when` does not hold on a
// path is never asked there, so unreachable combinations never appear. Pure: no I/O.
import { settleAnswers } from '../answers/resolve.js';
import type { AnswerValue } from '../recipes/condition.js';
import type { Recipe } from '../recipes/load-recipe.js';
import { isBranching, sampleValues } from './samples.js';

export interface Combination {
  /** Short, from the branching answers: `mode=local gpu=yes domain=none`. */
  label: string;
  /** The answer to every question asked on this path, by id (what a user would give). */
  given: Readonly<Record<string, AnswerValue>>;
  /** Why this path could not be answered (no sample value fits a question, a default failed to render). */
  error?: string;
}

export interface Enumeration {
  combinations: Combination[];
  /** How many combinations exist (at least, when `more`). */
  total: number;
  /** The walk stopped at `limit`: there are more than `total`. */
  more: boolean;
  /** Fewer were kept than exist (an even spread of `cap` of them). */
  capped: boolean;
}

export const DEFAULT_CAP = 256;
const WALK_LIMIT = 4096;

interface Path {
  given: Record<string, AnswerValue>;
  branches: string[];
}

const branchText = (id: string, value: AnswerValue): string =>
  `${id}=${value === true ? 'yes' : value === false ? 'no' : value === '' ? 'none' : String(value)}`;

/** The next question a person would be asked on this path, or the end of the path. */
function nextStep(recipe: Recipe, facts: unknown, path: Path) {
  try {
    const settled = settleAnswers(recipe, { flags: {}, env: {} }, facts, (id) => path.given[id], true);
    return 'done' in settled ? { done: true as const } : { ask: settled.ask };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Depth first, in question order, so combinations come out in the order the questions and choices are written. */
function walk(recipe: Recipe, facts: unknown, limit: number): { found: Combination[]; more: boolean } {
  const found: Combination[] = [];
  const stack: Path[] = [{ given: {}, branches: [] }];
  const finish = (p: Path, error?: string) =>
    found.push({ label: p.branches.join(' ') || 'defaults', given: p.given, ...(error ? { error } : {}) });
  while (stack.length > 0 && found.length < limit) {
    const path = stack.pop()!;
    const step = nextStep(recipe, facts, path);
    if ('done' in step) finish(path);
    else if ('error' in step) finish(path, step.error);
    else {
      const q = step.ask.question;
      const values = sampleValues(recipe, q, step.ask.initial);
      if (values.length === 0) {
        finish(path, `no sample value passes the validation of question ${q.id}: give it a default`);
        continue;
      }
      for (const value of values.toReversed()) {
        const branches = isBranching(q) ? [...path.branches, branchText(q.id, value)] : path.branches;
        stack.push({ given: { ...path.given, [q.id]: value }, branches });
      }
    }
  }
  return { found, more: stack.length > 0 };
}

/** Every combination, or an even spread of `cap` of them when there are more. */
export function enumerateCombinations(
  recipe: Recipe,
  facts: unknown,
  cap = DEFAULT_CAP,
  limit = WALK_LIMIT,
): Enumeration {
  const { found, more } = walk(recipe, facts, limit);
  if (found.length <= cap) return { combinations: found, total: found.length, more, capped: more };
  const spread = Array.from({ length: cap }, (_, i) => found[Math.floor((i * found.length) / cap)]!);
  return { combinations: spread, total: found.length, more, capped: true };
}
