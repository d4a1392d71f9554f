// Finds a recipe by name (shipped with berth) or by path (`--recipe ./my-recipe`).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { bundledRecipeNames, loadBundledRecipe } from './bundled-source.js';
import type { Recipe } from './load-recipe.js';

export const DEFAULT_RECIPE = 'magec';

export function listRecipes(): Recipe[] {
  return bundledRecipeNames().map(loadBundledRecipe);
}

export function isRecipePath(ref: string): boolean {
  return ref.includes('/') || ref.startsWith('.');
}

/** A shipped recipe by name, or a recipe folder by path (its loader, with zod, is only loaded then). */
export async function loadRecipe(ref: string, cwd = process.cwd()): Promise<Recipe> {
  if (isRecipePath(ref)) {
    const dir = path.resolve(cwd, ref);
    if (!existsSync(dir)) throw new UsageError(`--recipe ${ref}: no such folder (${dir}).`);
    const { readRecipeDir } = await import('./read-recipe-dir.js');
    return { ...readRecipeDir(dir), folder: dir };
  }
  const names = bundledRecipeNames();
  if (!names.includes(ref)) {
    throw new UsageError(`Unknown recipe "${ref}".`, {
      hint: `Choose one of: ${names.join(', ')} — or give a recipe folder: --recipe ./path/to/recipe`,
    });
  }
  return loadBundledRecipe(ref);
}
