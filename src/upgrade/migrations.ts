// A recipe's upgrade migrations (recipe.yaml upgrade.migrations): the one-shots that apply to this upgrade (its
// `from` range holds for the installed version, its `when` for the answers), rendered, then run in order in the
// install folder with the new files; each one's output goes to the upgrade's log, and the first failure stops.
import type { Exec } from '../compose/exec.js';
import { composeEnv, type ComposeOptions } from '../compose/docker-compose.js';
import { evaluate } from '../recipes/condition.js';
import { publicAnswers, recipeInfo, renderInline } from '../recipes/inline-templates.js';
import { satisfies } from '../recipes/versions.js';
import type { Prepared } from '../steps/prepare.js';
import type { Versions } from './versions-check.js';

export interface RenderedMigration {
  id: string;
  description: string;
  service: string;
  run: string[];
  in: 'run' | 'exec';
  timeoutSeconds: number;
}

export interface MigrationFailure {
  migration: RenderedMigration;
  exitCode: number | undefined;
  lines: string[];
}

/** The migrations this upgrade runs: none when the version stays (a new image tag alone migrates nothing). */
export function pendingMigrations(
  p: Pick<Prepared, 'recipe' | 'resolution' | 'project'>,
  facts: unknown,
  v: Versions,
): RenderedMigration[] {
  if (v.from === v.to) return [];
  const { recipe } = p;
  const answers = p.resolution.answers;
  const scope = { answers, facts };
  const features = Object.fromEntries(
    recipe.manifest.overrides.map((o) => [o.feature, evaluate(o.when, scope)]),
  );
  const context = {
    ...publicAnswers(recipe, answers),
    features,
    facts,
    project: p.project,
    recipe: recipeInfo(recipe),
  };
  return recipe.manifest.upgrade.migrations.flatMap(({ when, from, ...m }, i) =>
    evaluate(when, scope) && (from === undefined || satisfies(v.from, from))
      ? [
          {
            ...m,
            run: m.run.map((arg, j) =>
              renderInline(recipe, arg, context, `upgrade.migrations[${i}] (${m.id}).run[${j}]`),
            ),
          },
        ]
      : [],
  );
}

/** `docker compose run --rm -T SERVICE …` (or `exec -T`), each in turn; the first that fails is returned. */
export async function runMigrations(
  migrations: readonly RenderedMigration[],
  compose: ComposeOptions,
  exec: Exec,
  report: { say(line: string): void; log(line: string): void; started(m: RenderedMigration): void },
): Promise<MigrationFailure | undefined> {
  for (const m of migrations) {
    report.started(m);
    const args =
      m.in === 'run' ? ['run', '--rm', '-T', m.service, ...m.run] : ['exec', '-T', m.service, ...m.run];
    report.log(`berth: migration ${m.id}: docker compose ${m.in} ${m.service} (${m.description})`);
    const result = await exec('docker', ['compose', ...args], {
      cwd: compose.cwd,
      env: composeEnv(compose),
      timeoutMs: m.timeoutSeconds * 1000,
    });
    const lines = `${result.stdout}\n${result.stderr}`.split('\n').filter((l) => l.trim() !== '');
    for (const line of lines) report.log(`migration ${m.id} | ${line}`);
    if (result.exitCode !== 0) return { migration: m, exitCode: result.exitCode, lines: lines.slice(-20) };
    report.say(`✔ Migration ${m.id}: ${m.description}\n`);
  }
  return undefined;
}
