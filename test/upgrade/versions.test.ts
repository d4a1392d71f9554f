// berth upgrade's pure parts: version ranges (table-driven), the downgrade and gate refusals with their words,
// which migrations an upgrade runs, the recipe format's upgrade section and its errors, and which engine events
// count as downtime.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BerthError, ExitCode } from '../../src/errors.js';
import { readRecipeDir } from '../../src/recipes/read-recipe-dir.js';
import { parseRange, satisfies } from '../../src/recipes/versions.js';
import { stoppedAt } from '../../src/upgrade/downtime.js';
import { pendingMigrations } from '../../src/upgrade/migrations.js';
import { checkVersions } from '../../src/upgrade/versions-check.js';
import { facts } from '../render/cases.js';
import { tempDir } from '../helpers.js';

describe('version ranges', () => {
  it.each([
    ['1.4.0', '<2.3.0', true],
    ['2.3.0', '<2.3.0', false],
    ['2.3.0-rc.1', '<2.3.0', true],
    ['1.9.9', '1.x', true],
    ['2.0.0', '1.x', false],
    ['1.2.7', '1.2.x', true],
    ['1.3.0', '1.2.x', false],
    ['1.0.0', '>=1.0.0 <2.0.0', true],
    ['2.0.0', '>=1.0.0 <2.0.0', false],
    ['1.5.0', '^1.2.0', true],
    ['2.0.0', '^1.2.0', false],
    ['0.2.5', '^0.2.1', true],
    ['0.3.0', '^0.2.1', false],
    ['1.2.9', '~1.2.0', true],
    ['1.3.0', '~1.2.0', false],
    ['3.1.0', '1.x || >=3.0.0', true],
    ['2.5.0', '1.x || >=3.0.0', false],
    ['1.0.0', '1.0.0', true],
    ['1.0.1', '1.0.0', false],
    ['1.0.1', '<=1.x', true],
    ['2.0.0', '>1.x', true],
    ['1.9.0', '>1.x', false],
    ['5.0.0', '*', true],
  ])('%s in %s: %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });

  it.each(['', 'abc', '>=1.0.0 <', '1.2.3.4', '=>1.0.0', '1.0.0 ||'])('"%s" is not a range', (range) => {
    expect(parseRange(range)).toBeUndefined();
  });
});

const base = 'name: demo\ntitle: Demo\nversion: 3.0.0\ndescription: A demo recipe.\n';
const compose = 'services:\n  web:\n    image: nginx:1.27\n';

function recipeDir(manifest: string): string {
  const dir = tempDir();
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'recipe.yaml'), manifest);
  writeFileSync(path.join(dir, 'compose.yaml.hbs'), compose);
  return dir;
}

const upgrade = `questions:
  - { id: db, type: select, prompt: Database, default: pg, choices: [{ value: pg, label: PostgreSQL }, { value: none, label: None }] }
upgrade:
  gates:
    - from: "<2.3.0"
      message: "Upgrade to 2.3 first (berth 0.9 ships it): berth upgrade --dir DIR with berth 0.9."
  migrations:
    - { id: schema, description: Moves the schema, service: web, run: [migrate, --to, "{{recipe.version}}", "{{db}}"] }
    - { id: old_only, description: Only from 2.x, service: web, from: "2.x", run: [fix] }
    - { id: pg_only, description: Only with PostgreSQL, service: web, when: { db: pg }, run: [pg-fix] }
`;

function refusal(fn: () => void): BerthError {
  try {
    fn();
  } catch (error) {
    return error as BerthError;
  }
  throw new Error('expected a refusal');
}

describe('upgrade gates and downgrades', () => {
  const recipe = readRecipeDir(recipeDir(base + upgrade));
  const m = recipe.manifest;

  it('refuses a gated step with the recipe’s words and exit 2', () => {
    const e = refusal(() => checkVersions(m, { from: '1.4.0', to: '3.0.0' }, '/opt/demo'));
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.message).toBe('demo 1.4.0 cannot be upgraded to 3.0.0 in one step. Nothing was changed.');
    expect(e.details).toEqual([
      'Upgrade to 2.3 first (berth 0.9 ships it): berth upgrade --dir DIR with berth 0.9.',
    ]);
    expect(e.hint).toContain('upgrade.gates, from "<2.3.0"');
  });

  it('lets through what the gate does not name, and the same version', () => {
    expect(() => checkVersions(m, { from: '2.3.0', to: '3.0.0' }, '/opt/demo')).not.toThrow();
    expect(() => checkVersions(m, { from: '3.0.0', to: '3.0.0' }, '/opt/demo')).not.toThrow();
  });

  it('never goes back a version', () => {
    const e = refusal(() => checkVersions(m, { from: '3.1.0', to: '3.0.0' }, '/opt/demo'));
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.message).toBe(
      '/opt/demo runs demo 3.1.0, newer than this recipe (3.0.0): berth upgrade never goes back. Nothing was changed.',
    );
    expect(e.hint).toContain('berth restore ARCHIVE');
  });

  it('runs the migrations whose from and when hold, rendered; none when the version stays', () => {
    const p = { recipe, resolution: { answers: { db: 'pg' }, origins: {}, warnings: [] }, project: 'demo' };
    const ids = (from: string, to = '3.0.0') =>
      pendingMigrations(p, facts, { from, to }).map((x) => `${x.id} ${x.run.join(' ')} ${x.in}`);
    expect(ids('2.4.0')).toEqual([
      'schema migrate --to 3.0.0 pg run',
      'old_only fix run',
      'pg_only pg-fix run',
    ]);
    expect(ids('3.0.0-rc.1')).toEqual(['schema migrate --to 3.0.0 pg run', 'pg_only pg-fix run']);
    expect(ids('3.0.0')).toEqual([]);
    const none = { ...p, resolution: { ...p.resolution, answers: { db: 'none' } } };
    expect(pendingMigrations(none, facts, { from: '2.4.0', to: '3.0.0' }).map((x) => x.id)).toEqual([
      'schema',
      'old_only',
    ]);
  });

  it('names a bad range and a repeated migration id in recipe.yaml', () => {
    const bad = `${base}upgrade:\n  gates: [{ from: "before 2", message: x }]\n  migrations:\n    - { id: a, description: A, service: web, run: [x] }\n    - { id: a, description: B, service: web, run: [y] }\n`;
    let text = '';
    try {
      readRecipeDir(recipeDir(bad));
    } catch (error) {
      text = [(error as BerthError).message, ...(error as BerthError).details].join('\n');
    }
    expect(text).toContain('upgrade.gates[0].from');
    expect(text).toContain('must be a version range like "<2.3.0"');
    expect(text).toContain('migration a is already used by upgrade.migrations[0]');
  });
});

describe('downtime events', () => {
  const line = (service: string, oneoff = 'False', timeNano = 1_700_000_000_500_000_000) =>
    JSON.stringify({
      timeNano,
      Actor: { Attributes: { 'com.docker.compose.service': service, 'com.docker.compose.oneoff': oneoff } },
    });
  it('counts a long-running service, not a one-shot job nor a compose run container', () => {
    const oneshots = new Set(['init']);
    expect(stoppedAt(line('web'), oneshots)).toBe(1_700_000_000_500);
    expect(stoppedAt(line('init'), oneshots)).toBeUndefined();
    expect(stoppedAt(line('web', 'True'), oneshots)).toBeUndefined();
    expect(stoppedAt('not json', oneshots)).toBeUndefined();
  });
});
