// `berth install --help` and `render --help`: the command's own options (from the command table), then the chosen
// recipe's questions as flags, straight from their declarations.
import { flagName, isSecretQuestion, sourcesOf, berthEnvName } from '../answers/names.js';
import type { Recipe } from '../recipes/load-recipe.js';
import { commandHelp, type Command } from './table.js';

export function installHelp(recipe: Recipe, command: Command): string {
  const m = recipe.manifest;
  const rows = m.questions.map((q) => {
    const flag = isSecretQuestion(q)
      ? `${flagName(q.id)}-file PATH`
      : q.type === 'confirm'
        ? `${flagName(q.id)} / --no-${q.id.replaceAll('_', '-')}`
        : sourcesOf(q);
    const env = isSecretQuestion(q) ? sourcesOf(q).split('env ')[1] : berthEnvName(q.id);
    const extra = [
      q.default !== undefined && !Array.isArray(q.default) ? `default ${JSON.stringify(q.default)}` : '',
      Array.isArray(q.default) ? 'default depends on other answers' : '',
      q.when ? `asked when ${JSON.stringify(q.when)}` : '',
      q.advanced ? 'advanced' : '',
    ].filter(Boolean);
    const choices = (q.choices ?? []).map(
      (c) => `      ${c.value}: ${c.label}${c.description ? ` — ${c.description}` : ''}`,
    );
    return [
      `  ${flag}`,
      `      ${q.prompt}${extra.length ? ` (${extra.join('; ')})` : ''}`,
      ...(q.help ? [`      ${q.help.trim().replace(/\n+/g, ' ')}`] : []),
      ...choices,
      `      env ${env} · answers file key: ${q.id}`,
    ].join('\n');
  });
  return `${commandHelp(command)}
Recipe ${m.name} ${m.version} — ${m.title}: ${m.description}

Questions (each one a flag, an env var and an answers-file key):
${rows.join('\n')}
`;
}
