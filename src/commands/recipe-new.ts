// `berth recipe new NAME [--dir DIR]`: writes a minimal working recipe into an empty or new folder, with the JSON
// Schema of recipe.yaml beside it for editors. It never writes into a folder that holds anything.
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from '../context.js';
import { UsageError } from '../errors.js';
import { recipeJsonSchema } from '../recipes/json-schema.js';
import { SCHEMA_FILE, scaffoldFiles } from '../recipes/scaffold.js';

function checkName(name: string): void {
  if (!/^[a-z][a-z0-9-]*$/.test(name))
    throw new UsageError(`berth recipe new ${name}: a recipe name is lower-kebab-case.`, {
      hint: 'Start with a letter, then lower-case letters, digits or -: for example berth recipe new my-app',
    });
}

function checkFolder(dir: string, shown: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory())
    throw new UsageError(`${shown} exists and is not a folder.`, {
      hint: 'Choose another place with --dir DIR.',
    });
  if (readdirSync(dir).length > 0)
    throw new UsageError(
      `${shown} already exists and is not empty: berth recipe new writes only into a new folder.`,
      {
        hint: `Choose another folder with --dir DIR, or move ${shown} away first.`,
      },
    );
}

export function recipeNewCommand(ctx: Pick<Context, 'cli' | 'cwd' | 'stdout'>, name: string): number {
  checkName(name);
  const shown = ctx.cli.options.dir ?? name;
  const dir = path.resolve(ctx.cwd, shown);
  checkFolder(dir, shown);
  const files = {
    ...scaffoldFiles(name),
    [SCHEMA_FILE]: `${JSON.stringify(recipeJsonSchema(), null, 2)}\n`,
  };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  const relative = path.isAbsolute(shown) || shown.startsWith('.') ? shown : `./${shown}`;
  const next: [string, string][] = [
    [`berth recipe test ${relative}`, 'render and check every combination of its answers'],
    [`berth install --recipe ${relative}`, 'install it'],
  ];
  const width = Math.max(...next.map(([command]) => command.length)) + 3;
  ctx.stdout.write(
    [
      `Wrote recipe ${name} in ${dir}:`,
      ...Object.keys(files).map((f) => `  ${f}`),
      '',
      'Next:',
      ...next.map(([command, what]) => `  ${command.padEnd(width)}# ${what}`),
      '',
    ].join('\n'),
  );
  return 0;
}
