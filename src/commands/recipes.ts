// `berth recipes`: what berth can install.
import { parseCli } from '../cli/args.js';
import type { Context } from '../context.js';
import { recipesText } from '../messages.js';
import { DEFAULT_RECIPE, listRecipes } from '../recipes/registry.js';

export function recipesCommand(ctx: Pick<Context, 'argv' | 'stdout'>): number {
  parseCli(ctx.argv, []);
  ctx.stdout.write(recipesText(listRecipes(), DEFAULT_RECIPE));
  return 0;
}
