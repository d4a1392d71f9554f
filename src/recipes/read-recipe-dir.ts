// Reads a recipe folder from disk: recipe.yaml plus every .hbs template under it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { RecipeError } from '../errors.js';
import { compileTemplate, templateNames } from '../render/compile-template.js';
import { checkRecipe } from './check-recipe.js';
import { inlineTemplates } from './inline-templates.js';
import { parseManifest, type Recipe, type TemplateSource } from './load-recipe.js';
import type { RecipeManifest } from './schema.js';

export function readRecipeDir(dir: string, label = path.join(dir, 'recipe.yaml')): Recipe {
  const manifestPath = path.join(dir, 'recipe.yaml');
  if (!existsSync(manifestPath)) {
    throw new RecipeError(`${dir} is not a recipe folder: it has no recipe.yaml.`, {
      hint: 'A recipe is a folder with recipe.yaml and its .hbs templates (see docs/recipes.md).',
    });
  }
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), label);
  const templates = new Map<string, TemplateSource>();
  for (const file of listTemplates(dir)) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    templates.set(file, { kind: 'text', text, fn: compileTemplate(text) });
  }
  return compileRecipe(manifest, label, templates);
}

/** Checks a manifest against its templates and compiles the templates written inside recipe.yaml. */
export function compileRecipe(
  manifest: RecipeManifest,
  source: string,
  templates: ReadonlyMap<string, TemplateSource>,
): Recipe {
  const inline = new Map<string, TemplateSource>();
  const recipe: Recipe = { manifest, source, templates, inline };
  // Names first: a template that reads a name that does not exist is refused before anything is compiled.
  checkRecipe(recipe, templateNames);
  for (const { source: text } of inlineTemplates(manifest)) {
    inline.set(text, { kind: 'text', text, fn: compileTemplate(text) });
  }
  return recipe;
}

export function listTemplates(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix))
    .sort()
    .flatMap((name) => {
      const rel = prefix ? `${prefix}/${name}` : name;
      if (statSync(path.join(dir, rel)).isDirectory()) return listTemplates(dir, rel);
      return name.endsWith('.hbs') ? [rel] : [];
    });
}
