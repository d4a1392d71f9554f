// Which services of a set of compose files start: compose merges the files in order (a later file's `profiles`
// replaces an earlier one's) and skips a service whose profiles name none of COMPOSE_PROFILES.

export type ComposeDoc = { services?: Record<string, { profiles?: unknown } | null> } | null;

/** The services that start, in order of first appearance. */
export function startingServices(docs: readonly ComposeDoc[], composeProfiles: string | undefined): string[] {
  const profiles = new Map<string, string[]>();
  for (const doc of docs) {
    for (const [name, spec] of Object.entries(doc?.services ?? {})) {
      const own = Array.isArray(spec?.profiles) ? spec.profiles.map(String) : undefined;
      profiles.set(name, own ?? profiles.get(name) ?? []);
    }
  }
  const active = new Set((composeProfiles ?? '').split(',').filter(Boolean));
  return [...profiles]
    .filter(([, needs]) => needs.length === 0 || needs.some((x) => active.has(x)))
    .map(([name]) => name);
}
