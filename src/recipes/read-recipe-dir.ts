// Reads a recipe folder from disk: recipe.yaml, every .hbs template under it, and every other file (static files,
// copied verbatim with their mode) except those the manifest's `ignore` names.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { RecipeError } from '../errors.js';
import { compileTemplate, templateNameRefs } from '../render/compile-template.js';
import type { TemplateFn } from '../render/handlebars.js';
import { utf8Text } from '../answers/shown.js';
import { checkRecipe } from './check-recipe.js';
import { isIgnored } from './ignore.js';
import { inlineTemplates } from './inline-templates.js';
import { parseManifest, type Recipe, type StaticFile, type TemplateSource } from './load-recipe.js';
import type { RecipeManifest } from './schema.js';

export function readRecipeDir(dir: string, label = path.join(dir, 'recipe.yaml')): Recipe {
  const manifestPath = path.join(dir, 'recipe.yaml');
  if (!existsSync(manifestPath)) {
    throw new RecipeError(`${dir} is not a recipe folder: it has no recipe.yaml.`, {
      hint: 'A recipe is a folder with recipe.yaml, its .hbs templates and static files (see docs/recipes.md).',
    });
  }
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), label);
  const templates = new Map<string, TemplateSource>();
  const statics = new Map<string, StaticFile>();
  const folder = label.replace(/\/recipe\.yaml$/, '');
  for (const file of listRecipeFiles(dir, manifest.ignore)) {
    const bytes = readFileSync(path.join(dir, file));
    const read = utf8Text(bytes);
    if ('badByte' in read)
      throw new RecipeError(`${folder}/${file}: byte ${read.badByte} is not valid UTF-8.`, {
        hint: 'Recipe files are text. Add a binary file to `ignore:` in recipe.yaml, or fetch it in a hook or a build.',
      });
    if (file.endsWith('.hbs')) {
      templates.set(file, { kind: 'text', text: read.text, fn: compiled(`${folder}/${file}`, read.text) });
    } else {
      statics.set(file, { content: read.text, mode: statSync(path.join(dir, file)).mode & 0o755 });
    }
  }
  return compileRecipe(manifest, label, templates, statics);
}

function compiled(where: string, text: string): TemplateFn {
  try {
    return compileTemplate(text);
  } catch (error) {
    const message = String((error as Error).message);
    const line = /^Parse error on line (\d+)/.exec(message)?.[1];
    throw new RecipeError(`${where}${line ? `:${line}` : ''}: not a valid template.`, {
      details: message.split('\n').slice(1, 3),
      hint: 'Check the {{…}} around that line: every {{#block}} needs its {{/block}}; a literal {{ is written \\{{.',
    });
  }
}

/** Checks a manifest against its files and compiles the templates written inside recipe.yaml. */
export function compileRecipe(
  manifest: RecipeManifest,
  source: string,
  templates: ReadonlyMap<string, TemplateSource>,
  statics: ReadonlyMap<string, StaticFile> = new Map(),
): Recipe {
  const inline = new Map<string, TemplateSource>();
  const recipe: Recipe = { manifest, source, templates, inline, statics };
  // Names first: a template that reads a name that does not exist is refused before anything is compiled.
  checkRecipe(recipe, templateNameRefs);
  for (const { source: text } of inlineTemplates(manifest)) {
    inline.set(text, { kind: 'text', text, fn: compileTemplate(text) });
  }
  return recipe;
}

/** Every file of the folder but recipe.yaml, .git and what `ignore` names (a path, or a folder with a trailing /). */
export function listRecipeFiles(dir: string, ignore: readonly string[] = [], prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix))
    .sort()
    .flatMap((name) => {
      const rel = prefix ? `${prefix}/${name}` : name;
      if (rel === 'recipe.yaml' || name === '.git' || isIgnored(rel, ignore)) return [];
      const info = statSync(path.join(dir, rel));
      if (info.isDirectory()) return listRecipeFiles(dir, ignore, rel);
      return info.isFile() ? [rel] : [];
    });
}
