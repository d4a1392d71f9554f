// Help text. The general page is static (no recipe loaded, so it is instant); `install --help` lists the
// chosen recipe's questions as flags, straight from their declarations.
import { flagName, isSecretQuestion, sourcesOf, berthEnvName } from '../answers/names.js';
import type { Recipe } from '../recipes/load-recipe.js';

export const generalHelp = `berth — a guided installer for self-hosted Docker Compose stacks

Usage:
  berth [install] [options]      ask, render, write and start a stack (the default command)
  berth render --dir DIR         write the files only, start nothing
  berth recipes                  list the recipes berth ships
  berth doctor [--mode M]        check this machine for the recipe: Docker, resources, ports, GPU
  berth status [--json]          each service's state and health, and the URLs
  berth logs [SERVICE…] [-f]     the stack's logs (--tail N, --follow)
  berth down                     stop the stack; data and files stay
  berth uninstall [--purge]      remove the containers; --purge also deletes volumes and the folder (asks)
  berth install --help           every option, including the chosen recipe's questions

Options:
  --recipe NAME|PATH   recipe to install (default magec; env BERTH_RECIPE); a folder path loads your own
  --dir DIR            install folder (default /opt/<recipe> as root, else ~/<recipe>; env BERTH_DIR)
  --answers FILE       answers file, e.g. the berth.yaml of another install (env BERTH_ANSWERS)
  -y, --yes            never prompt: take previous answers and defaults for anything not given
  --dry-run            render into a temporary folder, print the plan and the files, write nothing
  --no-start           write the files but do not start the stack
  --force              overwrite generated files edited by hand (after backing them up)
  --wait-timeout SEC   how long to wait for services to become healthy (default 600)
  --no-rollback        keep a reconfiguration that failed to start instead of restoring the previous one
  --skip-checks        install even when berth doctor finds a blocking problem
  --json               install: one JSON progress event per line on stdout; status/doctor: a JSON document
  -h, --help           this help
  -V, --version        berth's version

Answers come from, in order: --flags, BERTH_<ID> environment variables, --answers file, the previous
install's berth.yaml, then the prompt (on a terminal) or the default. Secrets (API keys) are never flag
values: use --<id>-file PATH or the environment.

Exit codes:
  0 done · 1 failed · 2 usage: bad flag or value, missing answers · 3 recipe or rendered file invalid
  4 generated files were edited by hand (see --force) · 5 Docker Compose missing or the stack failed to start
  6 this machine cannot run the stack (see berth doctor, --skip-checks) · 130 cancelled
  status: 1 when a service is not up · doctor: 1 when something blocks
`;

export function installHelp(recipe: Recipe): string {
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
  return `${generalHelp}
Recipe ${m.name} ${m.version} — ${m.title}: ${m.description}

Questions (each one a flag, an env var and an answers-file key):
${rows.join('\n')}
`;
}
