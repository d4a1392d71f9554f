// What `berth recipe test` prints: a table with a row per combination and a column per check, what each column
// checks, then each failure with its combinations — or the whole report as one JSON document.
import { terminalSafe } from '../answers/shown.js';
import type { Failure, Status } from './check-combination.js';
import type { RecipeTestReport } from './test-recipe.js';

const mark: Record<Status, string> = { pass: '✔', fail: '✘', skip: '-' };

export const recipeTestJson = (report: RecipeTestReport): string =>
  `${JSON.stringify({ ok: report.failures.length === 0, ...report }, null, 2)}\n`;

function heading(report: RecipeTestReport): string[] {
  const { recipe, enumeration: e } = report;
  const lines = [
    `Recipe ${recipe.name} ${recipe.version} (${recipe.source}): ${e.tested} combination(s) of answers.`,
  ];
  if (e.capped) {
    const total = e.more ? `more than ${e.total}` : String(e.total);
    lines.push(`Capped: tested ${e.tested} of ${total} combinations, spread evenly over them.`);
  }
  if (report.compose === 'skipped')
    lines.push('docker compose config: skipped (--no-compose); every other check ran.');
  return lines;
}

function table(report: RecipeTestReport): string[] {
  const ids = report.checks.map((c) => c.id);
  const number = (i: number) => `#${i + 1}`.padEnd(String(report.results.length).length + 2);
  const head = `  ${''.padEnd(number(0).length)}${ids.join(' ')}  answers`;
  const rows = report.results.map(
    (r, i) =>
      `  ${number(i)}${ids.map((id) => mark[r.status[id] ?? 'skip'].padEnd(id.length)).join(' ')}  ${r.label}`,
  );
  return [head, ...rows];
}

const legend = (report: RecipeTestReport): string[] => {
  const width = Math.max(...report.checks.map((c) => c.id.length)) + 2;
  return report.checks.map((c) => `  ${c.id.padEnd(width)}${c.title}`);
};

/** Failures with the same check, file and message, listed once with every combination they occur in. */
function failureLines(report: RecipeTestReport): string[] {
  const groups = new Map<string, { failure: Failure; combinations: string[] }>();
  const number = new Map(report.results.map((r, i) => [r.label, `#${i + 1}`]));
  for (const f of report.failures) {
    const key = JSON.stringify([f.check, f.file, f.message]);
    const group = groups.get(key) ?? { failure: f, combinations: [] };
    group.combinations.push(`${number.get(f.combination) ?? ''} ${f.combination}`.trim());
    groups.set(key, group);
  }
  return [...groups.values()].flatMap(({ failure: f, combinations }) => {
    const where =
      combinations.length === report.results.length && combinations.length > 1
        ? [`    in every combination (${combinations.length})`]
        : combinations.map((c) => `    in ${c}`);
    const [first, ...more] = f.message.split('\n');
    return [
      `  ✘ ${f.check} · ${f.file ? `${f.file}: ` : ''}${first}`,
      ...more.map((l) => `      ${l}`),
      ...where,
    ];
  });
}

export function recipeTestText(report: RecipeTestReport): string {
  const failed = report.results.filter((r) => Object.values(r.status).includes('fail')).length;
  const summary =
    report.failures.length === 0
      ? `✔ Every check passed in each of the ${report.results.length} combination(s).`
      : `✘ ${report.failures.length} failure(s) in ${failed} of ${report.results.length} combination(s).`;
  const lines = [
    ...heading(report),
    '',
    ...table(report),
    '',
    'Checks:',
    ...legend(report),
    ...(report.failures.length > 0 ? ['', 'Failures:', ...failureLines(report)] : []),
    '',
    summary,
  ];
  return `${lines.map(terminalSafe).join('\n')}\n`;
}
