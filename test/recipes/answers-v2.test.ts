// Recipe format v2, answers and templates: list answers from every source, the join/concat/base64/default
// helpers, immutable answers on a reconfigure, and template files that read a name the recipe does not have.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAnswers, type AnswerSources } from '../../src/answers/resolve.js';
import { parseCommandLine, questionFlags } from '../../src/cli/args.js';
import type { BerthError, RecipeError } from '../../src/errors.js';
import { readRecipeDir } from '../../src/recipes/read-recipe-dir.js';
import type { Recipe } from '../../src/recipes/load-recipe.js';
import { parseDotenv } from '../../src/render/dotenv.js';
import { renderAnswersFile, renderRecipe } from '../../src/render/render-recipe.js';
import { facts } from '../render/cases.js';
import { tempDir } from '../helpers.js';

const base = 'name: demo\ntitle: Demo\nversion: 1.0.0\ndescription: A demo recipe.\n';

function recipeDir(manifest: string, files: Record<string, string> = {}): string {
  const dir = tempDir();
  const all = { 'recipe.yaml': manifest, 'compose.yaml.hbs': 'services: {}\n', ...files };
  for (const [name, content] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return [(error as RecipeError).message, ...((error as RecipeError).details ?? [])].join('\n');
  }
  throw new Error('expected a failure');
}

const listRecipe = `${base}questions:
  - { id: trusted_domains, type: list, items: domain, prompt: Domains, env: TRUSTED_DOMAINS, default: "a.example.com" }
  - { id: admins, type: list, items: email, prompt: Admins, optional: true }
files:
  - { template: domains.txt.hbs }
`;
const listTemplates = {
  'domains.txt.hbs':
    '{{#each trusted_domains}}server_name {{this}};\n{{/each}}all={{join trusted_domains " "}}\n' +
    'admins={{default (join admins) "nobody"}}\nbasic={{base64 (concat "user" ":" recipe.name)}}\n',
};

async function answersOf(recipe: Recipe, sources: Partial<AnswerSources>) {
  return (await resolveAnswers(recipe, { flags: {}, env: {}, ...sources }, facts)).answers;
}

describe('list answers', () => {
  const recipe = () => readRecipeDir(recipeDir(listRecipe, listTemplates));

  it('reads a list from a repeated flag, a comma-separated flag or env var, and a YAML list', async () => {
    const r = recipe();
    const cli = parseCommandLine([
      'install',
      '--trusted-domains',
      'a.example.com',
      '--trusted-domains=b.example.com,C.example.com',
    ]);
    const flags = questionFlags(cli, r.manifest.questions);
    expect((await answersOf(r, { flags })).trusted_domains).toEqual([
      'a.example.com',
      'b.example.com',
      'c.example.com',
    ]);
    const env = { BERTH_TRUSTED_DOMAINS: ' x.example.com , y.example.com,' };
    expect((await answersOf(r, { env })).trusted_domains).toEqual(['x.example.com', 'y.example.com']);
    const file = {
      path: 'answers.yaml',
      answers: { trusted_domains: ['z.example.com'], admins: ['ops@example.com'] },
    };
    expect(await answersOf(r, { file })).toMatchObject({
      trusted_domains: ['z.example.com'],
      admins: ['ops@example.com'],
    });
  });

  it.each([
    [{ BERTH_TRUSTED_DOMAINS: 'a.example.com,not a domain' }, 'item 2: "not a domain" is not a domain name'],
    [{ BERTH_TRUSTED_DOMAINS: 'a.example.com,a.example.com' }, '"a.example.com" is given twice'],
    [{ BERTH_TRUSTED_DOMAINS: ',' }, 'is required: give at least one item'],
    [{ BERTH_ADMINS: 'root' }, 'item 1: "root" is not an e-mail address'],
  ])('refuses a bad list %j, naming the item', async (env, expected) => {
    await expect(answersOf(recipe(), { env })).rejects.toMatchObject({
      details: [expect.stringContaining(expected)],
    });
  });

  it('renders with each, join, default, concat and base64; .env and berth.yaml keep the list', async () => {
    const r = recipe();
    const answers = await answersOf(r, { env: { BERTH_TRUSTED_DOMAINS: 'a.example.com,b.example.com' } });
    const rendering = renderRecipe({ recipe: r, answers, secrets: {}, facts, project: 'demo' });
    const text = rendering.files.find((f) => f.path === 'domains.txt')!.content;
    expect(text).toBe(
      'server_name a.example.com;\nserver_name b.example.com;\nall=a.example.com b.example.com\n' +
        `admins=nobody\nbasic=${Buffer.from('user:demo').toString('base64')}\n`,
    );
    const dotenv = parseDotenv(rendering.files.find((f) => f.path === '.env')!.content);
    expect(dotenv.TRUSTED_DOMAINS).toBe('a.example.com,b.example.com');
    expect(renderAnswersFile(r, answers, facts)).toContain(
      'trusted_domains:\n    - a.example.com\n    - b.example.com',
    );
  });

  it('matches a condition on a list by membership, and {set: false} for an empty list', async () => {
    const text = `${listRecipe}environment:\n  - { name: HAS_A, value: "yes", when: { trusted_domains: a.example.com } }\n  - { name: NO_ADMINS, value: "yes", when: { admins: { set: false } } }\n`;
    const r = readRecipeDir(recipeDir(text, listTemplates));
    const answers = await answersOf(r, {});
    const rendering = renderRecipe({ recipe: r, answers, secrets: {}, facts, project: 'demo' });
    const dotenv = parseDotenv(rendering.files.find((f) => f.path === '.env')!.content);
    expect(dotenv).toMatchObject({ HAS_A: 'yes', NO_ADMINS: 'yes' });
  });
});

describe('immutable answers', () => {
  const text = `${base}questions:
  - { id: db, type: select, prompt: Database, immutable: true, default: postgres, choices: [{ value: postgres, label: P }, { value: mariadb, label: M }] }
  - { id: title, type: text, prompt: Title, default: Demo }
`;

  it('keeps the installed answer without asking, and refuses a change with exit 2, naming the way to migrate', async () => {
    const r = readRecipeDir(recipeDir(text));
    const previous = { answers: { db: 'mariadb', title: 'Old' }, env: {} };
    const asked: string[] = [];
    const prompter = async (req: { question: { id: string } }) => (asked.push(req.question.id), 'New');
    const kept = await resolveAnswers(r, { flags: {}, env: {}, previous }, facts, prompter as never);
    expect(kept.answers).toMatchObject({ db: 'mariadb', title: 'New' });
    expect(asked).toEqual(['title']);
    const error = (await resolveAnswers(r, { flags: { db: 'postgres' }, env: {}, previous }, facts).catch(
      (e: unknown) => e,
    )) as BerthError;
    expect(error.exitCode).toBe(2);
    expect(error.details.join('\n')).toContain(
      'db cannot change once installed: it was "mariadb", now "postgres". A new value would start on empty data.',
    );
    // The same answer given again is no change; a first install may choose freely.
    await expect(
      resolveAnswers(r, { flags: { db: 'mariadb' }, env: {}, previous }, facts),
    ).resolves.toBeDefined();
    expect((await answersOf(r, { flags: { db: 'mariadb' } })).db).toBe('mariadb');
  });

  it('records an immutable answer in berth.yaml even at its default', async () => {
    const r = readRecipeDir(recipeDir(text.replace('immutable: true,', 'immutable: true, advanced: true,')));
    const answers = await answersOf(r, {});
    expect(renderAnswersFile(r, answers, facts)).toContain('db: postgres');
  });
});

describe('template files read only names the recipe has', () => {
  const text = `${base}questions:\n  - { id: domain, type: domain, prompt: d, optional: true }\nsecrets:\n  - { id: db_password, env: DB_PASSWORD }\nfiles:\n  - { template: app.conf.hbs }\n  - { template: creds.hbs, sensitive: true }\n`;

  it.each([
    [
      'a misspelt answer',
      { 'app.conf.hbs': 'a\nserver_name {{domian}};\n' },
      '/app.conf.hbs:2: "domian" is not a question, fact or recipe field (questions: domain)',
    ],
    [
      'an unknown fact',
      { 'compose.yaml.hbs': 'x: {{facts.uidd}}\n' },
      '/compose.yaml.hbs:1: "facts.uidd" is not a fact',
    ],
    [
      'a secret in a file that is not sensitive',
      { 'app.conf.hbs': '{{secrets.db_password}}' },
      'secrets may only be read in environment values and in files marked sensitive: true (written 0600)',
    ],
    [
      'an unknown helper call',
      { 'app.conf.hbs': '{{upper domain}}' },
      '"upper" is not a question, fact or recipe field',
    ],
  ])('refuses %s at load, naming the file and line', (_n, files, expected) => {
    const dir = recipeDir(text, {
      'app.conf.hbs': 'ok\n',
      'creds.hbs': '{{secrets.db_password}}\n',
      ...files,
    });
    expect(failure(() => readRecipeDir(dir))).toContain(expected);
  });

  it('refuses a template that does not parse at load, naming the file and line, not as a crash', () => {
    const dir = recipeDir(text, { 'app.conf.hbs': 'a\n{{#if domain}}x\n', 'creds.hbs': 'x\n' });
    const message = failure(() => readRecipeDir(dir));
    expect(message).toMatch(/\/app\.conf\.hbs:\d+: not a valid template\./);
    expect(message).toContain('{{#if domain}}x');
  });

  it('accepts facts.uid, gid and hostname, features, secrets in a sensitive file, and names inside each', () => {
    const files = {
      'app.conf.hbs':
        'user {{facts.uid}}:{{facts.gid}} on {{facts.hostname}}\n{{#each facts.disk}}{{path}}{{/each}}\n',
      'creds.hbs': '{{secrets.db_password}}\n',
    };
    expect(readRecipeDir(recipeDir(text, files)).templates.size).toBe(3);
  });

  it('says which name is not set for these answers, with its line, instead of [object Object]', () => {
    const r = readRecipeDir(recipeDir(text, { 'app.conf.hbs': 'a\nb {{domain}}\n', 'creds.hbs': 'x\n' }));
    const message = failure(() =>
      renderRecipe({ recipe: r, answers: {}, secrets: { db_password: 'x' }, facts, project: 'd' }),
    );
    expect(message).toContain('/app.conf.hbs: line 2: "domain" is not set for these answers');
    expect(message).not.toContain('[object Object]');
  });
});
