// Generated secrets: made with node:crypto once, then kept forever (read back from `.env`).
import { randomBytes, randomInt } from 'node:crypto';
import type { SecretSpec } from '../recipes/schema.js';
import { evaluate, type Scope } from '../recipes/condition.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function generateSecret(spec: Pick<SecretSpec, 'length' | 'encoding'>): string {
  switch (spec.encoding) {
    case 'hex':
      return randomBytes(Math.ceil(spec.length / 2))
        .toString('hex')
        .slice(0, spec.length);
    case 'base64url':
      return randomBytes(Math.ceil((spec.length * 3) / 4))
        .toString('base64url')
        .slice(0, spec.length);
    case 'alnum':
      // randomInt is unbiased, unlike `byte % 62`.
      return Array.from({ length: spec.length }, () => ALNUM[randomInt(ALNUM.length)]).join('');
  }
}

export interface SecretValues {
  values: Record<string, string>;
  /** Ids generated in this run (the rest were kept from the previous install). */
  generated: string[];
}

/**
 * The secrets whose `when` holds: the user's answer to the `from` question when given, else the value already in
 * the previous `.env` (by its env name), else a new one.
 */
export function ensureSecrets(
  specs: readonly SecretSpec[],
  previousEnv: Readonly<Record<string, string>>,
  scope: Scope = { answers: {}, facts: {} },
): SecretValues {
  const values: Record<string, string> = {};
  const generated: string[] = [];
  for (const spec of specs) {
    if (!evaluate(spec.when, scope)) continue;
    const given = spec.from === undefined ? undefined : scope.answers[spec.from];
    const kept = previousEnv[spec.env];
    if (typeof given === 'string' && given !== '') {
      values[spec.id] = given;
    } else if (kept) {
      values[spec.id] = kept;
    } else {
      values[spec.id] = generateSecret(spec);
      generated.push(spec.id);
    }
  }
  return { values, generated };
}
