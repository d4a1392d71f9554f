// An isolated handlebars environment with the helpers recipes use. strict: a missing value is an error,
// not an empty string; noEscape: output is YAML/env/Caddyfile, never HTML.
import type HandlebarsCompiler from 'handlebars';
import HandlebarsRuntime from 'handlebars/runtime.js';
import type { TemplateSource } from '../recipes/load-recipe.js';
import { quoteDotenv } from './dotenv.js';

type Handlebars = typeof HandlebarsCompiler;
export type TemplateFn = (context: unknown) => string;

export const compileOptions = { strict: true, noEscape: true } as const;

let runtime: Handlebars | undefined;

/**
 * A value as a YAML scalar (JSON is valid YAML, and round-trips quotes, `#`, unicode). JSON leaves DEL and the C1
 * controls raw, which YAML parsers reject (DEL) or read as a line break (NEL, U+0085), so those are escaped too.
 */
export const yamlScalar = (value: unknown): string =>
  JSON.stringify(value ?? '').replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
/** A value inside a compose file: YAML scalar, and `$` doubled so compose does not interpolate it. */
export const composeScalar = (value: unknown): string =>
  typeof value === 'string' ? yamlScalar(value.replaceAll('$', '$$$$')) : yamlScalar(value);

const args = (list: unknown[]): unknown[] => list.slice(0, -1); // drop handlebars' options argument

const helpers = {
  yaml: (value: unknown) => yamlScalar(value),
  compose: (value: unknown) => composeScalar(value),
  // A whole env-file value, quoted as one: `{{dotenv "redis://" redis_host ":" redis_port "/1"}}`. Quoting a part
  // inside a longer value would put the quotes into the value.
  dotenv: (...parts: unknown[]) =>
    quoteDotenv(
      args(parts)
        .map((p) => String(p ?? ''))
        .join(''),
    ),
  json: (value: unknown) => JSON.stringify(value ?? null),
  eq: (a: unknown, b: unknown) => String(a) === String(b),
  ne: (a: unknown, b: unknown) => String(a) !== String(b),
  in: (value: unknown, ...rest: unknown[]) => args(rest).some((v) => String(v) === String(value)),
  and: (...rest: unknown[]) => args(rest).every(Boolean),
  or: (...rest: unknown[]) => args(rest).some(Boolean),
  not: (value: unknown) => !value,
  // Lists and computed values: `{{join trusted_domains " "}}`, `{{base64 (concat user ":" token)}}`,
  // `{{default timezone "UTC"}}` (an empty answer or an empty list takes the fallback).
  join: (list: unknown, ...rest: unknown[]) => {
    const [separator = ','] = args(rest);
    return Array.isArray(list) ? list.map(String).join(String(separator)) : String(list ?? '');
  },
  concat: (...parts: unknown[]) =>
    args(parts)
      .map((p) => (Array.isArray(p) ? p.join(',') : String(p ?? '')))
      .join(''),
  // `{{lookup (split this "#") 1}}`: the parts of a value around a separator.
  split: (value: unknown, separator: unknown) => String(value ?? '').split(String(separator)),
  base64: (value: unknown) => Buffer.from(String(value ?? ''), 'utf8').toString('base64'),
  default: (value: unknown, fallback: unknown) =>
    value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
      ? fallback
      : value,
} satisfies Record<string, (...a: never[]) => unknown>;

export const HELPERS = Object.keys(helpers);

export function registerHelpers(hb: Handlebars): Handlebars {
  hb.registerHelper(helpers);
  return hb;
}

/**
 * A template error in words that name the line and the fix, instead of handlebars' `"x" not defined in
 * [object Object] - 3:4` or `Missing helper: "y"`.
 */
export function templateErrorText(error: unknown): string {
  const message = String((error as Error)?.message ?? error).split('\n')[0]!;
  const missing = /^"(.+)" not defined in .* - (\d+):(\d+)$/.exec(message);
  if (missing)
    return `line ${missing[2]}: "${missing[1]}" is not set for these answers (an inactive or unknown name)`;
  const helper = /^Missing helper: "(.+)"$/.exec(message);
  if (helper) return `"${helper[1]}" is not a helper (helpers: ${HELPERS.join(', ')})`;
  return message;
}

const functions = new WeakMap<TemplateSource, TemplateFn>();

/** A recipe template's function: compiled when read from disk, or from its precompiled spec once (then kept). */
export function templateFn(source: TemplateSource): TemplateFn {
  if (source.kind === 'text') return source.fn;
  let fn = functions.get(source);
  if (!fn) functions.set(source, (fn = precompiledTemplate(source.spec)));
  return fn;
}

/** The runtime alone (~20 KB) runs templates precompiled at build time. */
export function precompiledTemplate(spec: unknown): TemplateFn {
  runtime ??= registerHelpers((HandlebarsRuntime as unknown as Handlebars).create());
  return runtime.template(spec as TemplateSpecification);
}

type TemplateSpecification = Parameters<Handlebars['template']>[0];
