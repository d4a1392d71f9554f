// Evaluates recipe conditions (`when:`) over answers and machine facts.
import type { Condition, Matcher, Scalar } from './schema.js';

/** A list answer is its items, in order (never containing a comma: `a,b` on the command line is two items). */
export type AnswerValue = string | number | boolean | string[];
export type Answers = Record<string, AnswerValue>;

export interface Scope {
  answers: Readonly<Answers>;
  facts: unknown;
}

export function evaluate(condition: Condition | undefined, scope: Scope): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([key, value]) => {
    if (key === 'all') return (value as Condition[]).every((c) => evaluate(c, scope));
    if (key === 'any') return (value as Condition[]).some((c) => evaluate(c, scope));
    if (key === 'not') return !evaluate(value as Condition, scope);
    return matches(lookup(key, scope), value as Matcher);
  });
}

export function lookup(key: string, scope: Scope): unknown {
  if (!key.startsWith('facts.')) return scope.answers[key];
  let node: unknown = scope.facts;
  for (const part of key.slice('facts.'.length).split('.')) {
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node;
}

function matches(actual: unknown, matcher: Matcher): boolean {
  if (Array.isArray(matcher)) return matcher.some((m) => same(actual, m));
  if (matcher !== null && typeof matcher === 'object') {
    if ('set' in matcher) return isSet(actual) === matcher.set;
    // `{source: {match: '^/'}}`: the answer (or an item of a list answer) matches the regular expression.
    if ('match' in matcher) {
      const re = new RegExp(matcher.match, 'u');
      return Array.isArray(actual)
        ? actual.some((a) => re.test(String(a)))
        : isSet(actual) && re.test(String(actual));
    }
    const not = matcher.not;
    return Array.isArray(not) ? !not.some((m) => same(actual, m)) : !same(actual, not);
  }
  return same(actual, matcher);
}

/** A list answer matches a value it contains. */
function same(actual: unknown, expected: Scalar): boolean {
  if (Array.isArray(actual)) return actual.some((item) => String(item) === String(expected));
  return actual !== undefined && String(actual) === String(expected);
}

export function isSet(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return value !== undefined && value !== null && value !== '' && value !== false;
}

/** Every answer id a condition reads (facts excluded), to check that conditions only look backwards. */
export function referencedIds(condition: Condition | undefined): string[] {
  if (!condition) return [];
  return Object.entries(condition).flatMap(([key, value]) => {
    if (key === 'all' || key === 'any') return (value as Condition[]).flatMap(referencedIds);
    if (key === 'not') return referencedIds(value as Condition);
    return key.startsWith('facts.') ? [] : [key];
  });
}
