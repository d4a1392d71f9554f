// What the review says a reconfigure will change, from `berth plan`'s ChangePlan: a few short lines (services,
// images, files with their +/- line counts, what appears, what runs), and the masked diffs shown on request, as
// `terraform plan` gives its summary first and the detail when asked. Pure: the screen only renders it.
import type { ChangePlan, ServiceAction } from '../steps/change-plan.js';

export interface ChangeSummary {
  /** new: a first install (nothing to compare); none: the install already is this; changes: see `lines`. */
  kind: 'new' | 'none' | 'changes';
  lines: { label: string; text: string }[];
  /** Each changed file's unified diff (secret values already masked by the plan). */
  diffs: { path: string; lines: string[] }[];
}

const MOVES: ServiceAction[] = ['create', 'recreate', 'start', 'remove'];

/** Lines added and removed by a unified diff. */
export function lineCounts(diff: readonly string[]): { added: number; removed: number } {
  return {
    added: diff.filter((l) => l.startsWith('+')).length,
    removed: diff.filter((l) => l.startsWith('-')).length,
  };
}

export function changeSummary(plan: ChangePlan | undefined): ChangeSummary {
  if (!plan) return { kind: 'new', lines: [], diffs: [] };
  if (!plan.changed) return { kind: 'none', lines: [], diffs: [] };
  const lines: ChangeSummary['lines'] = [];
  const add = (label: string, parts: string[]) => {
    if (parts.length > 0) lines.push({ label, text: parts.join(' · ') });
  };
  if (plan.services) {
    const moving = MOVES.flatMap((action) => {
      const names = plan.services!.filter((s) => s.action === action).map((s) => s.name);
      return names.length > 0 ? [`${action} ${names.join(', ')}`] : [];
    });
    add('Services', moving.length > 0 ? moving : ['no change']);
    add(
      'Images',
      plan.services.filter((s) => s.image?.from).map((s) => `${s.name} ${s.image!.from} → ${s.image!.to}`),
    );
  } else add('Services', [`not compared (${plan.unknown ?? 'unknown'})`]);
  add(
    'Files',
    plan.files.flatMap((f) => {
      if (f.action === 'create') return [`new ${f.path}`];
      if (f.action === 'remove') return [`removed ${f.path}`];
      if (f.action !== 'update') return [];
      const { added, removed } = lineCounts(f.diff ?? []);
      return [`${f.path} +${added} −${removed}`];
    }),
  );
  add('New', [
    ...plan.volumes.added.map((v) => `volume ${v}`),
    ...plan.hostPaths.filter((h) => !h.exists).map((h) => `folder ${h.path}`),
    ...plan.secretsAdded.map((s) => `secret ${s}`),
  ]);
  add('Runs', [...plan.builds.map((b) => `build ${b}`), ...plan.hooks.map((h) => `hook ${h}`)]);
  add(
    'Kept',
    plan.volumes.removed.map((v) => `volume ${v} (no longer used; its data stays)`),
  );
  const diffs = plan.files
    .filter((f) => f.diff && f.diff.length > 0)
    .map((f) => ({ path: f.path, lines: f.diff! }));
  return { kind: 'changes', lines, diffs };
}

/** The part of the diffs a pager of `height` lines shows from `offset` (kept in range), file headings included. */
export function diffPage(
  diffs: ChangeSummary['diffs'],
  offset: number,
  height: number,
): { lines: string[]; offset: number; total: number } {
  const all = diffs.flatMap((d) => [`── ${d.path} ──`, ...d.lines]);
  const at = Math.min(Math.max(0, offset), Math.max(0, all.length - height));
  return { lines: all.slice(at, at + height), offset: at, total: all.length };
}
