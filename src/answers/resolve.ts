// Resolves every answer from one declaration per question.
// Precedence: flag > env > answers file > previous install > (prompt | default).
import { readFileSync } from 'node:fs';
import { shown, utf8Text } from './shown.js';
import { BerthError, ExitCode, UsageError } from '../errors.js';
import { evaluate, referencedIds, type AnswerValue, type Answers, type Scope } from '../recipes/condition.js';
import { publicAnswers, recipeInfo, renderInline } from '../recipes/inline-templates.js';
import type { Recipe } from '../recipes/load-recipe.js';
import type { Question } from '../recipes/schema.js';
import { coerce } from './coerce.js';
import { berthEnvName, flagName, isSecretQuestion, sourcesOf } from './names.js';

export type Origin = 'flag' | 'env' | 'file' | 'previous' | 'default' | 'prompt';

export interface AnswerSources {
  /** By question id: a string or boolean from argv; for secret questions, the path given to --<id>-file. */
  flags: Readonly<Record<string, string | boolean>>;
  env: Readonly<Record<string, string | undefined>>;
  file?: { path: string; answers: Readonly<Record<string, unknown>> } | undefined;
  /** The previous install: its berth.yaml answers and its .env (where secret answers live). */
  previous?:
    { answers: Readonly<Record<string, unknown>>; env: Readonly<Record<string, string>> } | undefined;
}

export interface PromptRequest {
  question: Question;
  /** The previous answer or the default, offered as the initial value. */
  initial: AnswerValue | undefined;
  /** Where `initial` came from (a secret's previous value is never shown, only "keep"). */
  initialOrigin: 'previous' | 'default' | undefined;
  answers: Readonly<Answers>;
}
export type Prompter = (request: PromptRequest) => Promise<AnswerValue>;

export interface Resolution {
  answers: Answers;
  origins: Record<string, Origin>;
  /** On a reconfigure: the answers the install ran with until now (see previousAnswers). */
  before?: Answers;
  /** Problems that did not stop the run (a previous answer no longer valid). */
  warnings: string[];
}

type Found =
  { value: AnswerValue; origin: Origin; normalised?: string | undefined } | { error: string } | undefined;

/** One pass of the resolution: every answer, or the first question that needs a person. */
export type Settled = { done: Resolution } | { ask: PromptRequest };

/**
 * Settles every answer it can from the sources (flags > env > file > previous > default), taking `typed(id)` for
 * the questions a person answers. Pure and synchronous: with `canAsk`, the first question that must be asked and
 * has no typed answer stops the pass and is returned; without it, defaults stand in and what is still missing is
 * an error listing each with its flag.
 */
export function settleAnswers(
  recipe: Recipe,
  sources: AnswerSources,
  facts: unknown,
  typed: (id: string) => AnswerValue | undefined,
  canAsk: boolean,
): Settled {
  checkAnswersFile(recipe, sources.file);
  const answers: Answers = {};
  const origins: Record<string, Origin> = {};
  const errors: string[] = [];
  const missing: Question[] = [];
  const warnings: string[] = [];
  const failed = new Set<string>();
  for (const q of recipe.manifest.questions) {
    const scope: Scope = { answers, facts };
    if (!evaluate(q.when, scope)) continue;
    const given = fromGivenSources(q, sources);
    const previous = given && !q.immutable ? undefined : fromPrevious(q, sources, warnings);
    const locked = q.immutable ? previous : undefined;
    const changed = given && locked && !('error' in given) && !sameAnswer(given.value, locked.value);
    if (given && 'error' in given) {
      errors.push(given.error);
      failed.add(q.id);
      continue;
    }
    if (changed) {
      errors.push(immutableMessage(q, locked.value, given.value));
      failed.add(q.id);
      continue;
    }
    // An immutable answer of an installed stack is not asked again: it is what the stack was installed with.
    if (locked && !given) {
      answers[q.id] = locked.value;
      origins[q.id] = locked.origin;
      continue;
    }
    if (given) {
      answers[q.id] = given.value;
      origins[q.id] = given.origin;
      if (given.normalised) warnings.push(given.normalised);
      continue;
    }
    const fallback = previous ?? defaultFor(q, scope, recipe);
    // Advanced questions (image tags, tuning) are not asked: they keep their previous answer or default.
    if (canAsk && errors.length === 0 && !(q.advanced && fallback)) {
      const value = typed(q.id);
      if (value === undefined) {
        const initialOrigin = fallback?.origin as 'previous' | 'default' | undefined;
        return { ask: { question: q, initial: fallback?.value, initialOrigin, answers } };
      }
      answers[q.id] = value;
      origins[q.id] = 'prompt';
    } else if (fallback) {
      answers[q.id] = fallback.value;
      origins[q.id] = fallback.origin;
    } else if (!dependsOn(q, failed)) {
      // A default that depends on an answer already reported as invalid is not "missing" on its own.
      missing.push(q);
    }
  }
  if (errors.length > 0 || missing.length > 0) throw answersError(errors, missing);
  const before = sources.previous ? previousAnswers(recipe, sources.previous, facts) : undefined;
  return { done: { answers, origins, warnings, ...(before && { before }) } };
}

/** Every answer, asking the prompter (when there is one) question by question, in order. */
export async function resolveAnswers(
  recipe: Recipe,
  sources: AnswerSources,
  facts: unknown,
  prompter?: Prompter,
): Promise<Resolution> {
  const typed = new Map<string, AnswerValue>();
  for (;;) {
    const step = settleAnswers(recipe, sources, facts, (id) => typed.get(id), prompter !== undefined);
    if ('done' in step) return step.done;
    typed.set(step.ask.question.id, await prompter!(step.ask));
  }
}

/**
 * The answers the previous install ran with: what its berth.yaml recorded, and for what it left out (answers at
 * a default that follows other answers or the machine), the default those gave. Secrets are left out.
 */
export function previousAnswers(
  recipe: Recipe,
  previous: NonNullable<AnswerSources['previous']>,
  facts: unknown,
): Answers {
  const answers: Answers = {};
  for (const q of recipe.manifest.questions) {
    const scope: Scope = { answers, facts };
    if (isSecretQuestion(q) || !evaluate(q.when, scope)) continue;
    const recorded = q.id in previous.answers ? coerce(q, previous.answers[q.id]) : undefined;
    if (recorded?.ok) answers[q.id] = recorded.value;
    else {
      const fallback = defaultFor(q, scope, recipe);
      if (fallback) answers[q.id] = fallback.value;
    }
  }
  return answers;
}

/** What an answer was before this reconfigure, when it changes (for the review: "default; was …"). */
export function changedFrom(resolution: Resolution, id: string): AnswerValue | undefined {
  const was = resolution.before?.[id];
  const now = resolution.answers[id];
  return was === undefined || now === undefined || sameAnswer(was, now) ? undefined : was;
}

export const sameAnswer = (a: AnswerValue, b: AnswerValue): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

function immutableMessage(q: Question, was: AnswerValue, now: AnswerValue): string {
  const shownValue = (v: AnswerValue) => (isSecretQuestion(q) ? '(hidden)' : JSON.stringify(v));
  return (
    `${q.id} cannot change once installed: it was ${shownValue(was)}, now ${shownValue(now)}. ` +
    `A new value would start on empty data. To move, back up this install, install again with the new answer ` +
    `in another folder, and move your data across (see docs/recipes.md, immutable answers).`
  );
}

function dependsOn(q: Question, ids: ReadonlySet<string>): boolean {
  const cases = Array.isArray(q.default) ? q.default : [];
  return cases.some((c) => referencedIds(c.when).some((id) => ids.has(id)));
}

function fromGivenSources(q: Question, sources: AnswerSources): Found {
  const flag = sources.flags[q.id];
  if (flag !== undefined) {
    if (isSecretQuestion(q)) return fromSecretFile(q, String(flag));
    return checked(
      q,
      flag,
      'flag',
      // The flag alone: a message that needs the value quotes it (escaped and shortened, answers/shown.ts).
      flagName(q.id),
    );
  }
  const envNames = [berthEnvName(q.id), ...(isSecretQuestion(q) && q.env ? [q.env] : [])];
  for (const name of envNames) {
    const value = sources.env[name];
    if (value !== undefined && value !== '') return checked(q, value, 'env', name);
  }
  if (sources.file && q.id in sources.file.answers) {
    return checked(q, sources.file.answers[q.id], 'file', `${sources.file.path}: ${q.id}`);
  }
  return undefined;
}

function checked(q: Question, raw: unknown, origin: Origin, where: string): Found {
  const result = coerce(q, raw);
  // A text answer berth changed (spaces trimmed, a domain lower-cased or turned into punycode) is used as
  // changed, and the user is told; a port read from "8080" or a yes/no from "true" is no change.
  if (
    result.ok &&
    !isSecretQuestion(q) &&
    typeof result.value === 'string' &&
    typeof raw === 'string' &&
    result.value !== raw
  )
    return {
      value: result.value,
      origin,
      normalised: `${where}: using ${shown(result.value)} (from ${shown(raw)})`,
    };
  if (result.ok) return { value: result.value, origin };
  // Never echo a secret's value: name only where it came from.
  const label = isSecretQuestion(q) ? where.split(' ')[0]! : where;
  return { error: `${label}: ${result.message}` };
}

function fromSecretFile(q: Question, file: string): Found {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    return {
      error: `${flagName(q.id)}-file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`,
    };
  }
  const read = utf8Text(bytes);
  if ('badByte' in read)
    return { error: `${flagName(q.id)}-file ${file}: byte ${read.badByte} is not valid UTF-8` };
  return checked(q, read.text.replace(/\r?\n$/, ''), 'flag', `${flagName(q.id)}-file`);
}

function fromPrevious(
  q: Question,
  sources: AnswerSources,
  warnings: string[],
): { value: AnswerValue; origin: Origin } | undefined {
  const prev = sources.previous;
  if (!prev) return undefined;
  const raw = isSecretQuestion(q) ? (q.env ? prev.env[q.env] : undefined) : prev.answers[q.id];
  if (raw === undefined || raw === '') return undefined;
  const result = coerce(q, raw);
  if (result.ok) return { value: result.value, origin: 'previous' };
  warnings.push(`The previous answer for ${q.id} is no longer valid (${result.message}); using the default.`);
  return undefined;
}

export function defaultFor(
  q: Question,
  scope: Scope,
  recipe: Recipe,
): { value: AnswerValue; origin: 'default' } | undefined {
  let value: AnswerValue | undefined;
  let index = -1;
  if (Array.isArray(q.default)) {
    index = q.default.findIndex((c) => evaluate(c.when, scope));
    value = q.default[index]?.value;
  } else value = q.default;
  if (value === undefined) return q.optional ? { value: '', origin: 'default' } : undefined;
  if (typeof value === 'string' && value.includes('{{')) {
    const context = {
      ...publicAnswers(recipe, scope.answers),
      facts: scope.facts,
      recipe: recipeInfo(recipe),
    };
    const at = recipe.manifest.questions.indexOf(q);
    const field = `questions[${at}] (${q.id}).default${index >= 0 ? `[${index}].value` : ''}`;
    value = renderInline(recipe, value, context, field);
  }
  const result = coerce(q, value);
  return result.ok ? { value: result.value, origin: 'default' } : undefined;
}

function checkAnswersFile(recipe: Recipe, file: AnswerSources['file']): void {
  if (!file) return;
  const byId = new Map(recipe.manifest.questions.map((q) => [q.id, q]));
  const problems: string[] = [];
  for (const key of Object.keys(file.answers)) {
    const q = byId.get(key);
    if (!q) problems.push(`${file.path}: "${key}" is not a question of recipe ${recipe.manifest.name}`);
    else if (isSecretQuestion(q)) {
      problems.push(
        `${file.path}: "${key}" is a secret and cannot be stored in an answers file; use ${sourcesOf(q)}`,
      );
    }
  }
  if (problems.length > 0) {
    throw new UsageError(`The answers file has ${problems.length} problem(s).`, {
      details: problems,
      hint: `Valid keys: ${[...byId.values()]
        .filter((q) => !isSecretQuestion(q))
        .map((q) => q.id)
        .join(', ')}`,
    });
  }
}

function answersError(errors: string[], missing: Question[]): BerthError {
  const details = [...errors, ...missing.map((q) => `missing ${q.id}: ${q.prompt} — give ${sourcesOf(q)}`)];
  const summary =
    missing.length > 0 && errors.length === 0
      ? `${missing.length} answer(s) missing, and there is no terminal to ask them in.`
      : `${details.length} answer(s) are missing or invalid.`;
  return new BerthError(summary, {
    details,
    exitCode: ExitCode.usage,
    hint: 'Give them as flags, BERTH_* environment variables or in an answers file (--answers FILE); --yes takes the defaults.',
  });
}
