// `berth recipes`: what berth can install.
import type { Context } from '../context.js';
import { recipesText } from '../messages.js';
import { DEFAULT_RECIPE, listRecipes } from '../recipes/registry.js';

export function recipesCommand(ctx: Pick<Context, 'stdout'>): number {
  ctx.stdout.write(recipesText(listRecipes(), DEFAULT_RECIPE));
  return 0;
}
