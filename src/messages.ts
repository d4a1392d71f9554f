// Every line berth prints about an install, in one place so wording is reviewed together and tests assert it.
import { startingServices, type ComposeDoc } from './compose/services.js';
import { parseDotenv } from './render/dotenv.js';
import { composeYamlError } from './render/render-recipe.js';
import { parse } from 'yaml';
import { isSecretQuestion } from './answers/names.js';
import { changedFrom } from './answers/resolve.js';
import { actionWord, type PlanEntry } from './install-dir/plan.js';
import type { Recipe } from './recipes/load-recipe.js';
import type { Prepared } from './steps/prepare.js';

const planVerb = {
  install: 'Installing',
  render: 'Rendering',
  'dry-run': 'Dry run: would install',
  plan: 'Plan: installing',
};

export function planText(p: Prepared, mode: keyof typeof planVerb, changesFollow = false): string {
  const m = p.recipe.manifest;
  const heading = [
    `${planVerb[mode]} ${m.title} (${m.name} ${m.version}) in ${p.dir}` +
      (p.reconfigure ? ' — reconfiguring the existing install' : ' — new install'),
    '',
    'Answers:',
    ...answerLines(p),
    '',
  ];
  // berth plan goes on with its own account of the files (with their diffs) and the services.
  if (mode === 'plan') return heading.join('\n');
  // A reconfigure's change plan, printed once validated, says which files and services change.
  const lines = changesFollow
    ? heading.slice(0, -1)
    : [
        ...heading,
        'Files:',
        ...p.plan.map((e) => `  ${actionWord[e.action]} ${e.path}${conflictNote(e)}`),
        '',
        `Services: ${serviceList(p).join(', ')}`,
      ];
  if (p.rendering.features.length > 0) lines.push(`Overrides: ${p.rendering.features.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function conflictNote(e: PlanEntry): string {
  if (e.conflict === 'edited') return '   ← edited outside berth';
  if (e.conflict === 'unmanaged') return '   ← exists, not written by berth';
  return '';
}

function answerLines(p: Prepared): string[] {
  const qs = p.recipe.manifest.questions.filter((q) => q.id in p.resolution.answers);
  const width = Math.max(
    0,
    ...qs.map((q) => q.id.length),
    ...p.recipe.manifest.secrets.map((s) => s.id.length),
  );
  const answers = qs.map((q) => {
    const value = isSecretQuestion(q) ? '(set, hidden)' : JSON.stringify(p.resolution.answers[q.id]);
    const was = changedFrom(p.resolution, q.id);
    const note = was === undefined ? '' : `; was ${JSON.stringify(was)}`;
    return `  ${q.id.padEnd(width)}  ${value}  [${p.resolution.origins[q.id]}${note}]`;
  });
  const secrets = p.recipe.manifest.secrets
    .filter((s) => s.id in p.secrets.values)
    .map((s) => `  ${s.id.padEnd(width)}  ${secretOrigin(p, s)}`);
  return [...answers, ...secrets];
}

function secretOrigin(p: Prepared, s: Prepared['recipe']['manifest']['secrets'][number]): string {
  if (p.secrets.generated.includes(s.id)) return '(generated now)';
  const given = s.from === undefined ? undefined : p.resolution.answers[s.from];
  return typeof given === 'string' && given !== '' ? `(your answer to ${s.from})` : '(kept from .env)';
}

/**
 * The services that start: those of the merged compose files, less a service whose `profiles` (as the last file
 * that sets them leaves them) name no profile of COMPOSE_PROFILES in the rendered .env — compose skips it, so the
 * review, the progress and `berth status` never list it.
 */
export function serviceNames(p: Pick<Prepared, 'rendering'>): string[] {
  const docs = p.rendering.files
    .filter((file) => file.kind === 'compose')
    .map((f) => {
      try {
        return parse(f.content, { merge: true }) as ComposeDoc;
      } catch (error) {
        throw composeYamlError(f, error);
      }
    });
  const envFile = p.rendering.files.find((f) => f.kind === 'env');
  return startingServices(docs, envFile ? parseDotenv(envFile.content).COMPOSE_PROFILES : undefined);
}

/** Services in the merged compose files, marking one-shot jobs. */
export function serviceList(p: Pick<Prepared, 'rendering' | 'recipe'>): string[] {
  const names = serviceNames(p);
  const oneshots = new Set(p.recipe.manifest.services.filter((s) => s.oneshot).map((s) => s.name));
  return names.map((n) => (oneshots.has(n) ? `${n} (one-shot)` : n));
}

/** Replaces every secret value with a label, for anything berth prints. */
export function maskSecrets(text: string, p: Pick<Prepared, 'secrets' | 'resolution' | 'recipe'>): string {
  const values: [string, string][] = [
    ...Object.entries(p.secrets.values),
    ...p.recipe.manifest.questions
      .filter((q) => isSecretQuestion(q) && q.id in p.resolution.answers)
      .map((q) => [q.id, String(p.resolution.answers[q.id])] as [string, string]),
  ];
  return values
    .filter(([, v]) => v.length > 0)
    .sort((a, b) => b[1].length - a[1].length)
    .reduce((out, [id, v]) => out.split(v).join(`<secret:${id}>`), text);
}

export interface FinalInput {
  title: string;
  dir: string;
  started: boolean;
  urls: { label: string; url: string }[];
  notes: string[];
  backupDir?: string | undefined;
  /** Lines about steps that failed but left the stack up (a hook with onFailure: warn). */
  warnings?: string[];
}

/** What the last screen shows. */
export interface FinalModel {
  headline: string;
  ok: boolean;
  urls: { label: string; url: string }[];
  lines: string[];
  next: string[];
  notes: string[];
  warnings: string[];
}

/** The end of an install or render, once: the wizard's final screen and the plain lines both show this model. */
export function finalModel(input: FinalInput): FinalModel {
  const d = input.dir;
  const lines = [
    `Secrets: ${d}/.env (mode 0600, readable only by its owner). Back it up; it is never printed.`,
    `Answers: ${d}/berth.yaml (replay them with: berth install --answers ${d}/berth.yaml --yes)`,
  ];
  if (input.backupDir) lines.unshift(`Previous files backed up in ${input.backupDir}/`);
  const next = input.started
    ? [
        `berth status --dir ${d}       is everything up and healthy?`,
        `berth logs --dir ${d} -f      follow the logs`,
        `berth install --dir ${d}      change answers (reconfigure)`,
      ]
    : [
        `berth install --dir ${d} --yes   start it with these answers`,
        `berth install --dir ${d}         change answers (reconfigure)`,
      ];
  const warnings = input.warnings ?? [];
  const warned = input.started && warnings.length > 0;
  return {
    headline: !input.started
      ? `✔ ${input.title}: files written to ${d} (the stack was not started).`
      : warned
        ? `! ${input.title} is up, but a step after the start did not succeed (below).`
        : `✔ ${input.title} is up.`,
    ok: !warned,
    urls: input.started ? input.urls : [],
    lines,
    next,
    notes: input.notes,
    warnings: input.started ? warnings : [],
  };
}

/** The final model of this install. */
export function finalOf(
  p: Prepared,
  started: boolean,
  backupDir: string | undefined,
  warnings: string[] = [],
): FinalModel {
  return finalModel({
    title: p.recipe.manifest.title,
    dir: p.dir,
    started,
    urls: p.rendering.urls,
    notes: p.rendering.notes,
    backupDir,
    warnings,
  });
}

/** The final model as plain lines, for a log or a pipe (the wizard draws the same model with Ink). */
export function installDoneText(
  p: Prepared,
  started: boolean,
  backupDir: string | undefined,
  warnings: string[] = [],
): string {
  const model = finalOf(p, started, backupDir, warnings);
  return [
    '',
    model.headline,
    ...model.urls.map((u) => `  ${u.label}: ${u.url}`),
    ...model.warnings,
    ...model.lines,
    'Next',
    ...model.next.map((n) => `  ${n}`),
    ...model.notes.map((n) => `Note: ${n}`),
    '',
  ].join('\n');
}

export function recipesText(recipes: Recipe[], defaultName: string): string {
  const width = Math.max(...recipes.map((r) => r.manifest.name.length));
  return (
    recipes
      .map(
        (r) =>
          `${r.manifest.name.padEnd(width)}  ${r.manifest.version.padEnd(7)}  ${r.manifest.description}` +
          (r.manifest.name === defaultName ? ' (default)' : ''),
      )
      .join('\n') + '\n'
  );
}
