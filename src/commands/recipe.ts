// `berth recipe test DIR` and `berth recipe new NAME`: the tools for writing a recipe. Each subcommand loads only
// when it runs.
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';

const USAGE = 'berth recipe test DIR|NAME [--json] [--no-compose]  ·  berth recipe new NAME [--dir DIR]';

function argument(positionals: readonly string[], placeholder: string, example: string): string {
  const [, value, extra] = positionals;
  if (value === undefined)
    throw new UsageError(`berth recipe ${positionals[0]} needs ${placeholder}.`, {
      hint: `For example: ${example}. See berth recipe --help.`,
    });
  if (extra !== undefined)
    throw new UsageError(`Unexpected argument "${extra}".`, { hint: `Usage: ${USAGE}` });
  return value;
}

export async function recipeCommand(ctx: Context): Promise<number> {
  const { positionals, options } = ctx.cli;
  const sub = positionals[0];
  if (sub === 'test') {
    const ref = argument(
      positionals,
      'a recipe folder or the name of a shipped recipe',
      'berth recipe test ./my-recipe',
    );
    if (options.dir !== undefined)
      throw new UsageError('--dir is an option of berth recipe new, not of berth recipe test.', {
        hint: `Give the recipe folder itself: berth recipe test ${options.dir}`,
      });
    return (await import('./recipe-test.js')).recipeTestCommand(ctx, ref);
  }
  if (sub === 'new') {
    const name = argument(positionals, 'the new recipe’s NAME', 'berth recipe new my-app');
    if (options.json || !options.compose) {
      const flag = options.json ? '--json' : '--no-compose';
      throw new UsageError(`${flag} is an option of berth recipe test, not of berth recipe new.`, {
        hint: `Usage: ${USAGE}`,
      });
    }
    return (await import('./recipe-new.js')).recipeNewCommand(ctx, name);
  }
  throw new UsageError(
    sub === undefined
      ? 'berth recipe needs a subcommand: test or new.'
      : `Unknown subcommand "recipe ${sub}".`,
    { hint: `Usage: ${USAGE}` },
  );
}
