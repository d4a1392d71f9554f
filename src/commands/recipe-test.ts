// `berth recipe test DIR|NAME`: renders every combination of a recipe's answers and checks each one; exit 0 when
// every check passes, 1 naming each failure. Without Docker Compose it refuses rather than pass half-checked,
// unless --no-compose says to skip that one check.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { composeCli } from '../compose/docker-compose.js';
import type { Context } from '../context.js';
import { detectDocker } from '../detect/docker.js';
import { contextProbe } from '../detect/probe.js';
import { BerthError, ExitCode, UsageError } from '../errors.js';
import { isRecipePath, loadRecipe } from '../recipes/registry.js';
import type { ComposeRunner } from '../recipe-test/compose-check.js';
import { recipeTestJson, recipeTestText } from '../recipe-test/report.js';
import { testRecipe } from '../recipe-test/test-recipe.js';

/** A folder by path, a folder of that name here (`berth recipe new x && berth recipe test x`), or a shipped recipe. */
function recipeRef(ref: string, cwd: string): string {
  const dir = path.resolve(cwd, ref);
  if (isRecipePath(ref) && !existsSync(dir))
    throw new UsageError(`berth recipe test ${ref}: there is no such folder (${dir}).`, {
      hint: 'Give a recipe folder (the one with recipe.yaml) or the name of a shipped recipe (berth recipes).',
    });
  return !isRecipePath(ref) && existsSync(path.join(dir, 'recipe.yaml')) ? `./${ref}` : ref;
}

async function composeRunner(ctx: Context): Promise<ComposeRunner> {
  const compose = composeCli(await detectDocker(contextProbe(ctx)));
  if (!compose)
    throw new BerthError(
      'Docker Compose v2 (`docker compose`) is not available, so `docker compose config` cannot check the renderings.',
      {
        exitCode: ExitCode.failure,
        hint:
          'Install Docker Engine with the compose plugin (https://docs.docker.com/engine/install/), ' +
          'or give --no-compose to run every other check without it.',
      },
    );
  return { compose, exec: ctx.exec, env: ctx.env };
}

export async function recipeTestCommand(ctx: Context, ref: string): Promise<number> {
  const recipe = await loadRecipe(recipeRef(ref, ctx.cwd), ctx.cwd);
  const runner = ctx.cli.options.compose ? await composeRunner(ctx) : undefined;
  const report = await testRecipe(recipe, runner);
  ctx.stdout.write(ctx.cli.options.json ? recipeTestJson(report) : recipeTestText(report));
  return report.failures.length === 0 ? 0 : 1;
}
