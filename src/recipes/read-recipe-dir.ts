// Reads a recipe folder from disk: recipe.yaml plus every .hbs template under it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { RecipeError } from '../errors.js';
import { compileTemplate } from '../render/compile-template.js';
import { checkRecipe } from './check-recipe.js';
import { parseManifest, type Recipe, type TemplateSource } from './load-recipe.js';

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
  const recipe: Recipe = { manifest, source: label, templates };
  checkRecipe(recipe);
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
