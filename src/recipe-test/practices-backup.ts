// A database dump that names no service of the stack, or covers a volume or host folder its service does not
// mount, would be skipped or leave the database's files out of every backup: caught here, per combination.
import { composeValue } from './practices-mounts.js';
import { composeDocs, dotenv, problem, services, type Check, type Problem } from './rendered.js';

/** What a service mounts: named volumes by their compose key, host folders by their path as written. */
function mountSources(volumes: unknown[] | undefined, env: Record<string, string>): string[] {
  return (volumes ?? []).flatMap((v) => {
    if (typeof v === 'string') {
      const parts = composeValue(v, env).split(':');
      return parts.length >= 2 ? [parts[0]!] : [];
    }
    const source = (v as { source?: unknown } | null)?.source;
    return typeof source === 'string' ? [composeValue(source, env)] : [];
  });
}

export const checkBackupDumps: Check = (r) => {
  const env = dotenv(r);
  const all = services(r);
  const volumes = new Set(
    composeDocs(r).flatMap(({ doc }) => Object.keys((doc.volumes as object | null) ?? {})),
  );
  const problems: Problem[] = [];
  for (const d of r.rendering.backup.dumps) {
    const defs = all.get(d.service);
    if (!defs) {
      problems.push(
        problem(
          'recipe.yaml',
          `backup dump ${d.id} runs in ${d.service}, which is not a service of this stack`,
        ),
      );
      continue;
    }
    const mounted = new Set(defs.flatMap(({ service }) => mountSources(service.volumes, env)));
    for (const cover of d.covers) {
      const declared = volumes.has(cover) || r.rendering.hostPaths.some((h) => h.path === cover);
      if (!declared || !mounted.has(cover))
        problems.push(
          problem(
            'recipe.yaml',
            `backup dump ${d.id} covers ${cover}, which ${declared ? `${d.service} does not mount` : 'is neither a named volume nor a host path of this stack'}: its files would be left out of every backup`,
          ),
        );
    }
  }
  return problems;
};
