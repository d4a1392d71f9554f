// Whether this upgrade may go ahead at all, decided before anything is read from the engine or written: never
// backwards (a backup restores an older version), and never through a recipe's version gate.
import { UsageError } from '../errors.js';
import { compareVersions, parseVersion, satisfies } from '../recipes/versions.js';
import type { RecipeManifest } from '../recipes/schema.js';

export interface Versions {
  /** The recipe version the install runs (state.json). */
  from: string;
  /** The version of the recipe this berth (or --recipe) has. */
  to: string;
}

/** Refuses a downgrade and a gated upgrade with the recipe's own words for the way through (exit 2). */
export function checkVersions(m: Pick<RecipeManifest, 'name' | 'upgrade'>, v: Versions, dir: string): void {
  const [from, to] = [parseVersion(v.from), parseVersion(v.to)];
  if (!from || !to || compareVersions(from, to) === 0) return;
  if (compareVersions(to, from) < 0)
    throw new UsageError(
      `${dir} runs ${m.name} ${v.from}, newer than this recipe (${v.to}): berth upgrade never goes back. Nothing was changed.`,
      {
        hint: `Use the berth that installed ${v.from} (or --recipe with its folder), or put back the backup taken before the upgrade with berth restore ARCHIVE.`,
      },
    );
  const gate = m.upgrade.gates.find(
    (g) => satisfies(v.from, g.from) && (g.to === undefined || satisfies(v.to, g.to)),
  );
  if (!gate) return;
  throw new UsageError(
    `${m.name} ${v.from} cannot be upgraded to ${v.to} in one step. Nothing was changed.`,
    {
      details: [gate.message],
      hint: `The recipe's gate (upgrade.gates, from "${gate.from}") says which version to pass through first.`,
    },
  );
}
