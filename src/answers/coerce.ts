// Turns a raw answer (a flag or env string, a YAML value) into a typed, validated value — or says why not.
import { domainToASCII } from 'node:url';
import path from 'node:path';
import type { AnswerValue } from '../recipes/condition.js';
import type { Question } from '../recipes/schema.js';
import { checkDotenvValue } from '../render/dotenv.js';
import { isSecretQuestion } from './names.js';
import { INVISIBLE, NOT_UTF8, shown } from './shown.js';

const INVISIBLE_ONE = new RegExp(INVISIBLE.source);

export type Coerced = { ok: true; value: AnswerValue } | { ok: false; message: string };

const fail = (message: string): Coerced => ({ ok: false, message });
const TRUE = new Set(['true', 'yes', 'y', '1', 'on']);
const FALSE = new Set(['false', 'no', 'n', '0', 'off']);
// Stricter than RFC 5322 on purpose: the address lands in Caddyfiles and env files, where {}#"' break things.
const EMAIL_PART = '[^\\s@"\'`<>()[\\],;:\\\\{}#$]+';
const EMAIL = new RegExp(`^${EMAIL_PART}@${EMAIL_PART}\\.${EMAIL_PART}$`);
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
// A Docker image reference (distribution's reference grammar): [registry/]path[:tag][@digest]. The first part is
// a registry only when it has a dot or a port, or is localhost; otherwise it is a (lower-case) path component.
const IMAGE_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const HOST_PART = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const REGISTRY = `(?:${HOST_PART}(?:\\.${HOST_PART})+(?::\\d+)?|${HOST_PART}:\\d+|localhost)`;
const IMAGE = new RegExp(
  `^(?:${REGISTRY}/)?${IMAGE_COMPONENT}(?:/${IMAGE_COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);

export function coerce(q: Question, raw: unknown): Coerced {
  if (q.type === 'confirm') return coerceBoolean(raw);
  if (q.type === 'list') return coerceList(q, raw);
  if (typeof raw === 'object' && raw !== null) return fail('must be a single value, not a list or map');
  // An answers file's `key: ~` or `key:` is an empty answer.
  const text = raw === null || raw === undefined ? '' : String(raw);
  if (/[\r\n\0]/.test(text)) return fail('must be a single line (no line breaks or NUL characters)');
  // Node decodes argv, env vars and files as UTF-8 and turns bad bytes into U+FFFD without a word.
  if (text.includes('\uFFFD')) return fail(NOT_UTF8);
  // Control, bidi and zero-width characters hide what a value is (ex\u200bample.com is not example.com).
  const invisible = text.match(INVISIBLE_ONE);
  if (invisible)
    return fail(
      `holds an invisible or control character (U+${invisible[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`,
    );
  // A secret is kept exactly as typed; other answers lose surrounding spaces, so "  " is an empty answer.
  const given = isSecretQuestion(q) ? text : text.trim();
  if (isSecretQuestion(q) && text.trim() === '' && text !== '')
    return fail('is only whitespace (spaces or tabs)');
  if (given === '') return q.optional ? { ok: true, value: '' } : fail('is required and cannot be empty');
  const typed = coerceType(q, given);
  if (!typed.ok) return typed;
  const ruled = checkRules(q, typed.value);
  // Any text answer may reach a .env or an env file: it must read back verbatim there. Refuse it here, naming the
  // question, rather than fail while rendering and blame the recipe.
  const envProblem = ruled.ok && typeof ruled.value === 'string' ? checkDotenvValue(ruled.value) : undefined;
  return envProblem ? fail(envProblem) : ruled;
}

/**
 * A list: a YAML list (answers file), or one string of comma-separated items (a flag, repeated flags joined, an
 * env var). Each item is checked as a question of the item type; empty items are dropped, duplicates refused.
 */
function coerceList(q: Question, raw: unknown): Coerced {
  const parts: unknown[] = Array.isArray(raw)
    ? raw
    : raw === null || raw === undefined
      ? []
      : typeof raw === 'object'
        ? [raw]
        : String(raw).split(',');
  // pattern and message check each item; minLength and maxLength count the items.
  const { pattern, message } = q.validate ?? {};
  const item: Question = {
    id: q.id,
    prompt: q.prompt,
    type: q.items ?? 'text',
    optional: true,
    validate: { pattern, message },
  };
  const items: string[] = [];
  for (const [i, part] of parts.entries()) {
    if (typeof part === 'string' && part.includes(','))
      return fail(`item ${i + 1} ${shown(part)} holds a comma, which separates items`);
    const one = coerce(item, part);
    if (!one.ok) return fail(`item ${i + 1}: ${one.message}`);
    if (one.value === '') continue;
    const value = String(one.value);
    if (items.includes(value)) return fail(`${shown(value)} is given twice`);
    items.push(value);
  }
  if (items.length === 0 && !q.optional) return fail('is required: give at least one item');
  const { minLength, maxLength } = q.validate ?? {};
  if (minLength !== undefined && items.length < minLength) return fail(`needs at least ${minLength} item(s)`);
  if (maxLength !== undefined && items.length > maxLength) return fail(`takes at most ${maxLength} item(s)`);
  return { ok: true, value: items };
}

function coerceBoolean(raw: unknown): Coerced {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  const text = String(raw).trim().toLowerCase();
  if (TRUE.has(text)) return { ok: true, value: true };
  if (FALSE.has(text)) return { ok: true, value: false };
  return fail(`${shown(String(raw))} is not yes or no (use true/false, yes/no, 1/0)`);
}

function coerceType(q: Question, text: string): Coerced {
  switch (q.type) {
    case 'select': {
      const values = (q.choices ?? []).map((c) => c.value);
      return values.includes(text)
        ? { ok: true, value: text }
        : fail(`${shown(text)} is not one of: ${values.join(', ')}`);
    }
    case 'port': {
      const n = Number(text);
      return /^\d+$/.test(text) && n >= 1 && n <= 65535
        ? { ok: true, value: n }
        : fail(`${shown(text)} is not a port (a whole number from 1 to 65535)`);
    }
    case 'number': {
      const n = Number(text);
      return text !== '' && Number.isFinite(n)
        ? { ok: true, value: n }
        : fail(`${shown(text)} is not a number`);
    }
    case 'domain':
      return coerceDomain(text);
    case 'email':
      return coerceEmail(text);
    case 'image':
      return IMAGE.test(text) && text.length <= 512
        ? { ok: true, value: text }
        : fail(
            `${shown(text)} is not an image reference like registry.example.com/name:1.2.3 (or name@sha256:…)`,
          );
    case 'path':
      return path.isAbsolute(text)
        ? { ok: true, value: path.normalize(text).replace(/(.)\/$/, '$1') }
        : fail(`${shown(text)} is not an absolute path (start it with /)`);
    case 'source':
      return coerceSource(text);
    case 'secret': {
      const problem = checkDotenvValue(text);
      return problem ? fail(problem) : { ok: true, value: text };
    }
    default:
      return { ok: true, value: text };
  }
}

const GIT_URL = /^(?:https?:\/\/|ssh:\/\/|git:\/\/|git@)[^\s]+$/;

/** A build source: an absolute folder on this machine, or a Git URL (a `#ref` may name a branch, tag or commit). */
function coerceSource(text: string): Coerced {
  if (GIT_URL.test(text)) return { ok: true, value: text };
  if (path.isAbsolute(text)) return { ok: true, value: path.normalize(text).replace(/(.)\/$/, '$1') };
  return fail(
    `${shown(text)} is neither an absolute folder path nor a Git URL (https://host/repo.git#branch, git@host:repo.git)`,
  );
}

/** Lower-case, IDN to punycode, labels checked: a name a certificate authority would accept. */
function coerceEmail(text: string): Coerced {
  // RFC 5321: 64 characters before the @, 254 in all.
  const local = text.slice(0, Math.max(0, text.lastIndexOf('@')));
  if (local.length > 64) return fail(`has ${local.length} characters before the @ (at most 64)`);
  if (text.length > 254) return fail(`is ${text.length} characters long (an e-mail address has at most 254)`);
  return EMAIL.test(text)
    ? { ok: true, value: text }
    : fail(`${shown(text)} is not an e-mail address (name@example.com)`);
}

function coerceDomain(text: string): Coerced {
  const withoutScheme = text.replace(/^https?:\/\//i, '').replace(/\/$/, '');
  if (withoutScheme !== text && !/[/:]/.test(withoutScheme)) {
    return fail(`${shown(text)} is a URL: give the bare domain name ${shown(withoutScheme)}`);
  }
  const ascii = domainToASCII(text.toLowerCase());
  if (ascii.length > 253) return fail(`is ${ascii.length} characters: a domain name has at most 253`);
  const labels = ascii.split('.');
  if (
    !ascii ||
    labels.length < 2 ||
    !labels.every((l) => HOST_LABEL.test(l)) ||
    /^\d+$/.test(labels.at(-1)!)
  ) {
    return fail(`${shown(text)} is not a domain name like app.example.com`);
  }
  return { ok: true, value: ascii };
}

function checkRules(q: Question, value: AnswerValue): Coerced {
  const rules = q.validate;
  if (!rules || value === '') return { ok: true, value };
  if (typeof value === 'number') {
    if (rules.min !== undefined && value < rules.min)
      return fail(`${value} is below the minimum ${rules.min}`);
    if (rules.max !== undefined && value > rules.max)
      return fail(`${value} is above the maximum ${rules.max}`);
  }
  if (typeof value === 'string') {
    if (rules.minLength !== undefined && value.length < rules.minLength) {
      return fail(`must be at least ${rules.minLength} characters`);
    }
    if (rules.maxLength !== undefined && value.length > rules.maxLength) {
      return fail(`must be at most ${rules.maxLength} characters`);
    }
    if (rules.pattern !== undefined && !new RegExp(rules.pattern, 'u').test(value)) {
      return fail(rules.message ?? `does not match the expected format /${rules.pattern}/`);
    }
  }
  return { ok: true, value };
}
