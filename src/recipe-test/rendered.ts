// What the practice checks read: one rendering of a recipe for one set of answers, and the views of it they share
// (the compose files parsed, every service across them in merge order, the .env values).
import { parse } from 'yaml';
import { isSecretQuestion } from '../answers/names.js';
import type { Answers } from '../recipes/condition.js';
import type { Recipe } from '../recipes/load-recipe.js';
import { parseDotenv } from '../render/dotenv.js';
import { ENV_FILE, type RenderedFile, type Rendering } from '../render/render-recipe.js';

export interface Rendered {
  recipe: Recipe;
  /** The active answers, secret answers included. */
  answers: Answers;
  /** The generated secrets, by id. */
  secrets: Readonly<Record<string, string>>;
  rendering: Rendering;
}

/** One broken rule: the file it is in (when it is in one) and what is wrong, never a secret's value. */
export interface Problem {
  file?: string;
  message: string;
}

export type Check = (r: Rendered) => Problem[];

export type Doc = { services?: Record<string, Service | null> } & Record<string, unknown>;
export type Service = Record<string, unknown> & {
  image?: unknown;
  healthcheck?: { test?: unknown; disable?: boolean };
  depends_on?: unknown;
  ports?: unknown[];
  restart?: unknown;
  build?: unknown;
  volumes?: unknown[];
};

export const problem = (file: string | undefined, message: string): Problem =>
  file === undefined ? { message } : { file, message };

export const problemText = (p: Problem): string => (p.file ? `${p.file}: ${p.message}` : p.message);

export function fileOf(r: Rendered, p: string): RenderedFile {
  const found = r.rendering.files.find((f) => f.path === p);
  if (!found) throw new Error(`no ${p} in the rendering`);
  return found;
}

export function composeDocs(r: Rendered): { path: string; doc: Doc }[] {
  return r.rendering.composeFiles.map((p) => ({
    path: p,
    doc: (parse(fileOf(r, p).content, { merge: true }) ?? {}) as Doc,
  }));
}

export const dotenv = (r: Rendered): Record<string, string> => parseDotenv(fileOf(r, ENV_FILE).content);

/** Every service of every compose file, by name, in merge order. */
export function services(r: Rendered): Map<string, { path: string; service: Service }[]> {
  const byName = new Map<string, { path: string; service: Service }[]>();
  for (const { path: p, doc } of composeDocs(r)) {
    for (const [name, service] of Object.entries(doc.services ?? {})) {
      byName.set(name, [...(byName.get(name) ?? []), { path: p, service: service ?? {} }]);
    }
  }
  return byName;
}

export const oneshot = (r: Rendered, name: string): boolean =>
  r.recipe.manifest.services.find((s) => s.name === name)?.oneshot === true;

/** `${VAR…}` replaced by its .env value (empty when unset). */
export const interpolate = (text: string, env: Record<string, string>): string =>
  text.replace(/\$\{([A-Z0-9_]+)[^}]*\}/g, (_, v: string) => env[v] ?? '');

/** The host side of a short-syntax port ("80:80", "0.0.0.0:443:443/udp", "${WEB_PORT:?…}:3000"). */
export function hostPort(spec: string, env: Record<string, string>): string | undefined {
  const parts = interpolate(spec, env)
    .replace(/\/\w+$/, '')
    .split(':');
  return parts.length >= 2 ? parts.at(-2) : undefined;
}

/** Every value a user could be harmed by seeing outside a 0600 file: generated secrets and secret answers. */
export function secretValues(r: Rendered): string[] {
  const answered = r.recipe.manifest.questions
    .filter((q) => isSecretQuestion(q) && typeof r.answers[q.id] === 'string' && r.answers[q.id] !== '')
    .map((q) => String(r.answers[q.id]));
  return [...Object.values(r.secrets), ...answered];
}
