// The recipes that ship with berth. In development they are read from templates/; the build replaces this
// module with one that holds the manifests and precompiled templates (scripts/build.mjs).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Recipe } from './load-recipe.js';
import { readRecipeDir } from './read-recipe-dir.js';

const templatesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

export function bundledRecipeNames(): string[] {
  return readdirSync(templatesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export function loadBundledRecipe(name: string): Recipe {
  return readRecipeDir(path.join(templatesDir, name), `templates/${name}/recipe.yaml`);
}
