// Recipe requirements for the chosen answers, against the facts. Pure. Within 5% below a minimum is a
// warning (a "16 GB" machine reports 15.6), further below is a refusal that --skip-checks overrides.
import { evaluate, type Answers } from '../recipes/condition.js';
import type { RecipeManifest, Requirement } from '../recipes/schema.js';
import type { MachineFacts } from './facts.js';

export type Status = 'pass' | 'warn' | 'fail' | 'info';
export interface Check {
  id: string;
  title: string;
  status: Status;
  detail: string;
  fix?: string[];
}

export interface Need {
  ramGb?: number;
  diskGb?: number;
  cpus?: number;
  gpu?: 'none' | 'optional' | 'required';
  notes: string[];
}

/** The domains `exposes.domains` names, as answered (empty answers left out). */
export function domainsNeeded(
  manifest: Pick<RecipeManifest, 'exposes'>,
  answers: Answers,
  facts: unknown,
): string[] {
  return (manifest.exposes?.domains ?? [])
    .filter((d) => evaluate(d.when, { answers, facts }))
    .flatMap((d) => {
      const v = answers[d.question];
      return Array.isArray(v) ? v.map(String) : [v];
    })
    .filter((v): v is string => typeof v === 'string' && v !== '');
}

const gpuRank = { none: 0, optional: 1, required: 2 } as const;

/** Every requirement whose `when` holds, combined: the largest of each minimum, the strongest GPU need. */
export function neededFor(requirements: readonly Requirement[], answers: Answers, facts: unknown): Need {
  const need: Need = { notes: [] };
  for (const r of requirements) {
    if (!evaluate(r.when, { answers, facts })) continue;
    for (const key of ['ramGb', 'diskGb', 'cpus'] as const) {
      if (r[key] !== undefined) need[key] = Math.max(need[key] ?? 0, r[key]);
    }
    if (r.gpu && gpuRank[r.gpu] >= gpuRank[need.gpu ?? 'none']) need.gpu = r.gpu;
    if (r.note) need.notes.push(r.note);
  }
  return need;
}

export const WARN_MARGIN = 0.05;

/** pass at or above the minimum, warn within 5% below it, fail further below. */
export function compare(actual: number, minimum: number): 'pass' | 'warn' | 'fail' {
  if (actual >= minimum) return 'pass';
  return actual >= minimum * (1 - WARN_MARGIN) ? 'warn' : 'fail';
}

const skipHint = ['# or install anyway: berth install --skip-checks'];

export function resourceChecks(need: Need, facts: MachineFacts): Check[] {
  const checks: Check[] = [];
  if (need.cpus !== undefined) {
    const s = compare(facts.cpus, need.cpus);
    checks.push({
      id: 'cpus',
      title: 'CPU cores',
      status: s,
      detail: `${facts.cpus} (needs ${need.cpus})`,
      ...(s === 'fail' ? { fix: skipHint } : {}),
    });
  }
  if (need.ramGb !== undefined) {
    const s = compare(facts.ramGb, need.ramGb);
    checks.push({
      id: 'ram',
      title: 'Memory',
      status: s,
      detail: `${facts.ramGb} GB${facts.ramAvailableGb !== undefined ? ` (${facts.ramAvailableGb} GB available)` : ''} (needs ${need.ramGb} GB)`,
      ...(s === 'fail' ? { fix: ['# choose a lighter mode, or add memory', ...skipHint] } : {}),
    });
  }
  if (need.diskGb !== undefined && facts.disk && facts.disk.length > 0) {
    const tightest = facts.disk.reduce((a, b) => (b.freeGb < a.freeGb ? b : a));
    const s = compare(tightest.freeGb, need.diskGb);
    checks.push({
      id: 'disk',
      title: 'Free disk',
      status: s,
      detail: `${facts.disk.map((d) => `${d.freeGb} GB at ${d.measuredAt}`).join(', ')} (needs ${need.diskGb} GB)`,
      ...(s === 'fail'
        ? { fix: [`# free space on ${tightest.measuredAt}, or choose another --dir`, ...skipHint] }
        : {}),
    });
  }
  return checks;
}

/** Which features the answers switch on (the recipe's overrides whose `when` holds). */
export function enabledFeatures(
  manifest: Pick<RecipeManifest, 'overrides'>,
  answers: Answers,
  facts: unknown,
): string[] {
  return manifest.overrides.filter((o) => evaluate(o.when, { answers, facts })).map((o) => o.feature);
}

/**
 * TCP ports the answers publish: what `exposes.ports` declares when the recipe has it; else every port question,
 * plus the ports each enabled override declares.
 */
export function portsNeeded(
  manifest: Pick<RecipeManifest, 'questions' | 'overrides' | 'exposes'>,
  answers: Answers,
  facts: unknown,
): number[] {
  const declared = manifest.exposes?.ports;
  if (declared)
    return [
      ...new Set(
        declared
          .filter((p) => evaluate(p.when, { answers, facts }))
          .map((p) => (p.port !== undefined ? p.port : Number(answers[p.question!])))
          .filter((n) => Number.isInteger(n) && n > 0),
      ),
    ];
  const ports = manifest.questions
    .filter((q) => q.type === 'port' && answers[q.id] !== undefined)
    .map((q) => Number(answers[q.id]))
    .filter((n) => Number.isInteger(n) && n > 0);
  const fixed = manifest.overrides
    .filter((o) => o.ports && evaluate(o.when, { answers, facts }))
    .flatMap((o) => o.ports ?? []);
  return [...new Set([...fixed, ...ports])];
}
