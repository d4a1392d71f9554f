// Loads a recipe manifest from YAML text and validates it, with errors that name the file, line and field.
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { RecipeError } from '../errors.js';
import { recipeSchema, type RecipeManifest } from './schema.js';

/** A recipe ready to render: its manifest plus a way to read its templates. */
export interface Recipe {
  manifest: RecipeManifest;
  /** Where it came from, for messages: `templates/magec/recipe.yaml` or an absolute path. */
  source: string;
  /** Template source (or precompiled spec) by template path relative to the recipe folder. */
  templates: ReadonlyMap<string, TemplateSource>;
  /** The templates inside recipe.yaml (environment values, URLs, defaults, notes), by their source text. */
  inline?: ReadonlyMap<string, TemplateSource>;
  /** Every other file of the recipe folder (not recipe.yaml, not a template), copied verbatim, by relative path. */
  statics?: ReadonlyMap<string, StaticFile>;
  /** The folder of a recipe loaded by path (`--recipe ./dir`), so a re-run finds it again. */
  folder?: string;
}

/** A static file of a recipe: UTF-8 text and its permission bits. */
export interface StaticFile {
  content: string;
  mode: number;
}

/** A template as read from disk (with its compiled function) or as precompiled into the bundle. */
export type TemplateSource =
  { kind: 'text'; text: string; fn: (context: unknown) => string } | { kind: 'precompiled'; spec: unknown };

export function parseManifest(text: string, source: string): RecipeManifest {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = first.linePos?.[0];
    const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
    throw new RecipeError(
      `${where}: not valid YAML: ${first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      {
        hint: 'Check the indentation and quoting around that line.',
      },
    );
  }
  const result = recipeSchema.safeParse(doc.toJS());
  if (!result.success) {
    const details = result.error.issues.map((issue) => {
      // For an unknown field, point at the field itself rather than at its parent.
      const nodePath = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
      const node = doc.getIn(nodePath as (string | number)[], true) as { range?: [number] } | undefined;
      const line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
      return `${source}${line ? `:${line}` : ''}: ${formatPath(issue.path, doc.toJS())}: ${issueMessage(issue)}`;
    });
    throw new RecipeError(`${source} is not a valid recipe (${details.length} problem(s)).`, {
      details,
      hint: 'The recipe format is described in docs/recipes.md; schema/recipe.schema.json gives editors completion.',
    });
  }
  return result.data;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `is required (${issue.expected})`;
  return issue.message;
}

/** `questions[2] (api_key).when.mode` — the array index plus the item's id, when it has one. */
export function formatPath(path: PropertyKey[], root: unknown): string {
  let node: unknown = root;
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') {
      node = Array.isArray(node) ? node[key] : undefined;
      const itemId = (node as { id?: unknown; name?: unknown; feature?: unknown } | undefined) ?? {};
      const label = itemId.id ?? itemId.name ?? itemId.feature;
      out += `[${key}]${typeof label === 'string' ? ` (${label})` : ''}`;
    } else {
      node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
      out += `${out ? '.' : ''}${String(key)}`;
    }
  }
  return out || '(top level)';
}
