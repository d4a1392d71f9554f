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

export function registerHelpers(hb: Handlebars): Handlebars {
  const args = (list: unknown[]): unknown[] => list.slice(0, -1); // drop handlebars' options argument
  hb.registerHelper({
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
  });
  return hb;
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
