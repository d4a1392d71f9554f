// Recipe format v2, load and render: static files copied verbatim with their mode (and `ignore`), secrets with
// `when` and `from`, env names shared by entries with exclusive `when`s — each refused with a message naming the
// file and field when it is wrong.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { RecipeError } from '../../src/errors.js';
import { serviceNames } from '../../src/messages.js';
import { readRecipeDir } from '../../src/recipes/read-recipe-dir.js';
import type { Recipe } from '../../src/recipes/load-recipe.js';
import { parseDotenv } from '../../src/render/dotenv.js';
import { renderRecipe, type Rendering } from '../../src/render/render-recipe.js';
import { ensureSecrets } from '../../src/render/secrets.js';
import { facts } from '../render/cases.js';
import { berth, tempDir } from '../helpers.js';

const base = 'name: demo\ntitle: Demo\nversion: 1.0.0\ndescription: A demo recipe.\n';
const compose = 'services:\n  web:\n    image: nginx:1.27\n';

function recipeDir(manifest: string, files: Record<string, string | Buffer> = {}): string {
  const dir = tempDir();
  const all = { 'recipe.yaml': manifest, 'compose.yaml.hbs': compose, ...files };
  for (const [name, content] of Object.entries(all)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

function failure(dir: string): string {
  try {
    readRecipeDir(dir);
  } catch (error) {
    return [(error as RecipeError).message, ...(error as RecipeError).details].join('\n');
  }
  throw new Error('expected the recipe to be refused');
}

async function renderWith(
  recipe: Recipe,
  flags: Record<string, string | boolean> = {},
  previousEnv: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<{ rendering: Rendering; dotenv: Record<string, string>; generated: string[] }> {
  const { answers } = await resolveAnswers(recipe, { flags, env }, facts);
  const secrets = ensureSecrets(recipe.manifest.secrets, previousEnv, { answers, facts });
  const rendering = renderRecipe({ recipe, answers, secrets: secrets.values, facts, project: 'demo' });
  const envFile = rendering.files.find((f) => f.path === '.env')!;
  return { rendering, dotenv: parseDotenv(envFile.content), generated: secrets.generated };
}

describe('static files', () => {
  it('copies every file that is not a template byte for byte, with its mode, except recipe.yaml and ignore', async () => {
    const dir = recipeDir(`${base}ignore: [README.md, docs/]\n`, {
      'init/01-schema.sql': 'CREATE TABLE t (id int); -- {{ not a template }}\n',
      'bin/entrypoint.sh': '#!/bin/sh\nexec "$@"\n',
      'README.md': 'for the recipe author\n',
      'docs/notes.txt': 'also ignored\n',
    });
    chmodSync(path.join(dir, 'bin/entrypoint.sh'), 0o755);
    const { rendering } = await renderWith(readRecipeDir(dir));
    const byPath = new Map(rendering.files.map((f) => [f.path, f]));
    expect(byPath.get('init/01-schema.sql')).toMatchObject({
      content: 'CREATE TABLE t (id int); -- {{ not a template }}\n',
      mode: 0o644,
      owner: 'berth',
    });
    expect(byPath.get('bin/entrypoint.sh')?.mode).toBe(0o755);
    expect([...byPath.keys()].filter((p) => /README|docs\/|recipe\.yaml/.test(p))).toEqual([]);
  });

  it('gives a listed static file its when, path and mode, and copies it only there', async () => {
    const dir = recipeDir(
      `${base}questions:\n  - { id: db, type: select, prompt: d, default: pg, choices: [{ value: pg, label: P }, { value: maria, label: M }] }\n` +
        'files:\n  - { source: sql/pg.sql, path: init.sql, when: { db: pg } }\n  - { source: sql/maria.sql, path: init.sql, when: { db: maria }, mode: "0600" }\n',
      { 'sql/pg.sql': 'pg\n', 'sql/maria.sql': 'maria\n' },
    );
    const recipe = readRecipeDir(dir);
    const pg = (await renderWith(recipe)).rendering.files.filter((f) => f.path.includes('sql'));
    expect(pg.map((f) => [f.path, f.content, f.mode])).toEqual([['init.sql', 'pg\n', 0o644]]);
    const maria = (await renderWith(recipe, { db: 'maria' })).rendering.files.filter((f) =>
      f.path.includes('sql'),
    );
    expect(maria.map((f) => [f.path, f.content, f.mode])).toEqual([['init.sql', 'maria\n', 0o600]]);
  });

  it.each([
    [
      'a static file on a path berth writes',
      { '.env': 'X=1\n' },
      '',
      '.env: this static file would be copied to .env, which berth writes itself',
    ],
    [
      'a static file where a template lands',
      { Caddyfile: ':80\n', 'Caddyfile.hbs': ':80\n' },
      'files:\n  - { template: Caddyfile.hbs }\n',
      'Caddyfile: this static file would be copied to Caddyfile, which files[0] writes',
    ],
    [
      'a listed source that is not there',
      {},
      'files:\n  - { source: init.sql }\n',
      'files[0].source: "init.sql" is not a file of the recipe folder',
    ],
    [
      'a listed source that is ignored',
      { 'init.sql': 'x\n' },
      'ignore: [init.sql]\nfiles:\n  - { source: init.sql }\n',
      '(it is listed in ignore)',
    ],
    [
      'a file entry with both template and source',
      { 'a.hbs': 'x', b: 'y' },
      'files:\n  - { template: a.hbs, source: b }\n',
      'give either template (a .hbs file) or source (a static file), not both or neither',
    ],
    [
      'a source that is a template',
      { 'a.hbs': 'x' },
      'files:\n  - { source: a.hbs }\n',
      'is a template (.hbs): write `template:` for it',
    ],
  ] as const)('refuses %s, naming it', (_name, files, manifest, expected) => {
    expect(failure(recipeDir(`${base}${manifest}`, files))).toContain(expected);
  });

  it('refuses a file that is not UTF-8 text, naming it and the way out', () => {
    const dir = recipeDir(base, { 'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe]) });
    expect(failure(dir)).toMatch(/logo\.png: byte \d+ is not valid UTF-8/);
  });
});

describe('secrets: when and from', () => {
  const manifest = `${base}questions:
  - { id: db, type: select, prompt: d, default: postgres, choices: [{ value: postgres, label: P }, { value: mariadb, label: M }] }
  - { id: admin_password, type: secret, prompt: "Admin password (empty: generate one)", optional: true }
secrets:
  - { id: postgres_password, env: DB_PASSWORD, when: { db: postgres } }
  - { id: mariadb_password, env: DB_PASSWORD, when: { db: mariadb } }
  - { id: mariadb_root, env: MARIADB_ROOT_PASSWORD, when: { db: mariadb } }
  - { id: admin, env: ADMIN_PASSWORD, from: admin_password }
`;

  it('generates and writes only the secrets whose when holds; two may share an env name with exclusive whens', async () => {
    const recipe = readRecipeDir(recipeDir(manifest));
    const pg = await renderWith(recipe);
    expect(pg.generated.sort()).toEqual(['admin', 'postgres_password']);
    expect(Object.keys(pg.dotenv)).toContain('DB_PASSWORD');
    expect(Object.keys(pg.dotenv)).not.toContain('MARIADB_ROOT_PASSWORD');
    const maria = await renderWith(recipe, { db: 'mariadb' });
    expect(maria.generated.sort()).toEqual(['admin', 'mariadb_password', 'mariadb_root']);
  });

  it('takes a secret from the user when given, else keeps the previous one, else generates it', async () => {
    const recipe = readRecipeDir(recipeDir(manifest));
    const given = await renderWith(recipe, {}, {}, { BERTH_ADMIN_PASSWORD: 'chosen by the user' });
    expect(given.dotenv.ADMIN_PASSWORD).toBe('chosen by the user');
    expect(given.generated).not.toContain('admin');
    const kept = await renderWith(recipe, {}, { ADMIN_PASSWORD: 'from before' });
    expect(kept.dotenv.ADMIN_PASSWORD).toBe('from before');
    const made = await renderWith(recipe);
    expect(made.dotenv.ADMIN_PASSWORD).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it.each([
    [
      'a from that is not a question',
      'secrets:\n  - { id: s, env: S, from: nope }\n',
      'secrets[0] (s).from: "nope" is not a question id',
    ],
    [
      'a from that is not a secret question',
      'questions:\n  - { id: t, type: text, prompt: t }\nsecrets:\n  - { id: s, env: S, from: t }\n',
      'secrets[0] (s).from: "t" is a text question; it must be type secret',
    ],
    [
      'a secret whose when reads an unknown answer',
      'secrets:\n  - { id: s, env: S, when: { db: x } }\n',
      'secrets[0] (s).when: "db" is not a question id',
    ],
    [
      'two secrets on one env name without when',
      'secrets:\n  - { id: a, env: S }\n  - { id: b, env: S, when: { x: 1 } }\n',
      'secrets[1] (b).env: env S is already used by secrets[0]',
    ],
  ] as const)('refuses %s', (_name, extra, expected) => {
    expect(failure(recipeDir(`${base}${extra}`))).toContain(expected);
  });
});

describe('environment: one name, exclusive whens', () => {
  const manifest = `${base}questions:
  - { id: db, type: select, prompt: d, default: postgres, choices: [{ value: postgres, label: P }, { value: mariadb, label: M }] }
environment:
  - { name: DB_HOST, value: postgres, when: { db: postgres } }
  - { name: DB_HOST, value: mariadb, when: { db: mariadb } }
  - { name: DB_PORT, value: "5432", when: { db: postgres } }
  - { name: DB_PORT, value: "3306", when: { any: [{ db: mariadb }, { db: postgres }] } }
`;

  it('writes the entry whose when holds', async () => {
    const recipe = readRecipeDir(recipeDir(manifest.replace(/ {2}- \{ name: DB_PORT.*\n/g, '')));
    expect((await renderWith(recipe)).dotenv.DB_HOST).toBe('postgres');
    expect((await renderWith(recipe, { db: 'mariadb' })).dotenv.DB_HOST).toBe('mariadb');
  });

  it('refuses, when rendering, two entries that hold together', async () => {
    const recipe = readRecipeDir(recipeDir(manifest));
    await expect(renderWith(recipe)).rejects.toThrow('DB_PORT is set by two entries for these answers');
    expect((await renderWith(recipe, { db: 'mariadb' })).dotenv.DB_PORT).toBe('3306');
  });

  it('refuses at load a repeated name where one entry has no when', () => {
    const text = `${base}environment:\n  - { name: A, value: x }\n  - { name: A, value: y, when: { facts.isRoot: true } }\n`;
    expect(failure(recipeDir(text))).toContain(
      'environment[1] (A).name: env A is already used by environment[0]',
    );
  });
});

describe('host paths', () => {
  const manifest = (p: string) =>
    `${base}questions:\n  - { id: data_dir, type: path, prompt: d, default: /srv/demo }\nhostPaths:\n  - { path: "${p}", description: data, uid: 999, gid: 999, mode: "0700" }\n`;

  it('renders the folder with its owner and mode; the machine user owns it when the recipe names none', async () => {
    const { rendering } = await renderWith(readRecipeDir(recipeDir(manifest('{{data_dir}}/db'))));
    expect(rendering.hostPaths).toEqual([
      {
        path: '/srv/demo/db',
        description: 'data',
        uid: 999,
        gid: 999,
        mode: 0o700,
        data: true,
        diskGb: undefined,
      },
    ]);
    const mine = readRecipeDir(
      recipeDir(`${base}hostPaths:\n  - { path: ./logs, description: logs, data: false }\n`),
    );
    expect((await renderWith(mine)).rendering.hostPaths[0]).toMatchObject({
      path: './logs',
      uid: facts.uid,
      gid: facts.gid,
      mode: 0o755,
    });
  });

  it.each([
    ['/etc', 'is a system folder'],
    ['/var/lib', 'is a system folder'],
    ['logs', 'must be absolute (/srv/app/db) or start with ./'],
    ['/srv/app/../../etc', 'must not contain ".."'],
    ['./', 'must not be the install folder'],
    ['./.berth/x', "must not be the install folder or berth's own state"],
  ])('refuses %s when rendering, naming the field', async (p, expected) => {
    const recipe = readRecipeDir(recipeDir(manifest(p)));
    await expect(renderWith(recipe)).rejects.toThrow(`hostPaths[0].path: ${JSON.stringify(p)} ${expected}`);
  });

  it('a compose file broken by an inserted value is named with its rendered line, not reported as a bug', async () => {
    const dir = recipeDir(`${base}questions:\n  - { id: d, type: path, prompt: d, default: /srv/x }\n`, {
      'compose.yaml.hbs':
        'services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - {{compose d}}:/data\n',
    });
    const { rendering } = await renderWith(readRecipeDir(dir));
    expect(() => serviceNames({ rendering })).toThrow(
      /^compose\.yaml as rendered is not valid YAML \(line 5\)/,
    );
    expect(() => serviceNames({ rendering })).toThrow(RecipeError);
  });
});

describe('exposes', () => {
  it.each([
    [
      'a port entry naming a text question',
      'questions:\n  - { id: t, type: text, prompt: t }\nexposes:\n  ports:\n    - { question: t }\n',
      'exposes.ports[0].question: "t" is a text question, not a port question',
    ],
    [
      'a domain entry naming no question',
      'exposes:\n  domains:\n    - { question: site }\n',
      'exposes.domains[0].question: "site" is not a question id',
    ],
    [
      'a port entry with both port and question',
      'questions:\n  - { id: p, type: port, prompt: p }\nexposes:\n  ports:\n    - { port: 80, question: p }\n',
      'give either port (a number) or question (a port question id)',
    ],
  ] as const)('refuses %s', (_name, extra, expected) => {
    expect(failure(recipeDir(`${base}${extra}`))).toContain(expected);
  });
});

describe('profiles: only what starts is listed', () => {
  it('leaves out a service whose profile is not in COMPOSE_PROFILES, and lists it once the profile is on', async () => {
    const manifest = `${base}questions:\n  - { id: dev, type: confirm, prompt: d, default: false }\nenvironment:\n  - { name: COMPOSE_PROFILES, value: dev, when: { dev: true } }\n`;
    const dir = recipeDir(manifest, {
      'compose.yaml.hbs':
        'services:\n  web:\n    image: nginx:1.27\n  mailpit:\n    image: axllent/mailpit:v1.20\n    profiles: [dev]\n',
    });
    const recipe = readRecipeDir(dir);
    expect(serviceNames(await renderWith(recipe))).toEqual(['web']);
    expect(serviceNames(await renderWith(recipe, { dev: true }))).toEqual(['web', 'mailpit']);
  });
});

describe('a recipe folder is checked for what its compose files mount', () => {
  it('refuses a bind mount of a file the recipe does not write (exit 3, naming it), before anything is written', async () => {
    const dir = recipeDir(base, {
      'compose.yaml.hbs':
        'services:\n  db:\n    image: postgres:16.4\n    volumes:\n      - ./init.sql:/docker-entrypoint-initdb.d/init.sql:ro\n',
    });
    const target = path.join(tempDir(), 'install');
    const r = await berth(['install', '--recipe', dir, '--dir', target, '--yes', '--no-start']);
    expect(r.exitCode, String(r.stderr)).toBe(3);
    expect(String(r.stderr)).toContain(
      'compose.yaml: db mounts ./init.sql, which the recipe neither writes nor declares in hostPaths',
    );
    expect(existsSync(target)).toBe(false);
    // The same recipe with the file beside it: a static file, copied, and the mount is fine.
    writeFileSync(path.join(dir, 'init.sql'), 'CREATE TABLE t (id int);\n');
    const fixed = await berth(['install', '--recipe', dir, '--dir', target, '--yes', '--no-start']);
    expect(fixed.exitCode, String(fixed.stderr)).toBe(0);
    expect(readFileSync(path.join(target, 'init.sql'), 'utf8')).toBe('CREATE TABLE t (id int);\n');
  });
});

describe('builds from a folder the recipe writes (context)', () => {
  const builds = (entry: string) =>
    `${base}questions:\n  - { id: apps, type: list, prompt: a, optional: true, default: '' }\nbuilds:\n  - ${entry}\n`;

  it('builds ./image as rendered, with the recipe version tag, only when its when holds', async () => {
    const dir = recipeDir(
      builds('{ service: web, context: image, dockerfile: Containerfile, when: { apps: { set: true } } }'),
      {
        'image/Containerfile.hbs': 'FROM nginx:1.27\n# {{join apps " "}}\n',
        'compose.yaml.hbs': 'services:\n  web:\n{{#unless apps}}\n    image: nginx:1.27\n{{/unless}}\n',
      },
    );
    const manifest = readFileSync(path.join(dir, 'recipe.yaml'), 'utf8').replace(
      'builds:',
      'files:\n  - { template: image/Containerfile.hbs, when: { apps: { set: true } } }\nbuilds:',
    );
    writeFileSync(path.join(dir, 'recipe.yaml'), manifest);
    const recipe = readRecipeDir(dir);
    const withApps = await renderWith(recipe, { apps: 'a,b' });
    expect(withApps.rendering.builds).toEqual([
      {
        service: 'web',
        context: './image',
        dockerfile: 'Containerfile',
        image: 'berth-build/demo-web:1.0.0',
      },
    ]);
    const file = (r: Rendering, p: string) => r.files.find((f) => f.path === p)?.content;
    expect(file(withApps.rendering, 'image/Containerfile')).toBe('FROM nginx:1.27\n# a b\n');
    expect(file(withApps.rendering, 'compose.build.yaml')).toContain('context: "./image"');
    const without = await renderWith(recipe, { apps: '' });
    expect(without.rendering.builds).toEqual([]);
    expect(file(without.rendering, 'compose.build.yaml')).toBeUndefined();
  });

  it.each([
    ['both source and context', '{ service: web, context: image, source: apps }', 'give either source'],
    ['neither source nor context', '{ service: web }', 'give either source'],
    [
      'the install folder itself',
      '{ service: web, context: . }',
      'must be a subfolder of the install folder',
    ],
    [
      'a folder above it',
      '{ service: web, context: ../x }',
      'must be a relative path inside the install directory',
    ],
    [
      'a folder without its Dockerfile',
      '{ service: web, context: image }',
      'builds[0] (web).context: the recipe writes no image/Dockerfile',
    ],
  ] as const)('refuses %s', (_name, entry, expected) => {
    expect(failure(recipeDir(builds(entry)))).toContain(expected);
  });
});

describe('lists in exposes.domains and the split helper', () => {
  it('checks every domain of a list answer, and split takes values apart', async () => {
    const dir = recipeDir(
      `${base}questions:\n  - { id: sites, type: list, items: domain, prompt: s, default: a.example.test }\n` +
        '  - { id: repos, type: list, prompt: r, optional: true, default: "" }\n' +
        'exposes:\n  domains:\n    - { question: sites }\n' +
        'files:\n  - { template: apps.json.hbs }\n',
      {
        'apps.json.hbs':
          '{{#each repos}}{{lookup (split this "#") 0}} at {{lookup (split this "#") 1}};{{/each}}\n',
      },
    );
    const recipe = readRecipeDir(dir);
    const { rendering } = await renderWith(recipe, {
      sites: 'a.example.test,b.example.test',
      repos: 'https://example.test/x#main,https://example.test/y#v2',
    });
    expect(rendering.files.find((f) => f.path === 'apps.json')?.content).toBe(
      'https://example.test/x at main;https://example.test/y at v2;\n',
    );
    const { domainsNeeded } = await import('../../src/detect/requirements.js');
    expect(
      domainsNeeded(recipe.manifest, { sites: ['a.example.test', 'b.example.test'], repos: [] }, facts),
    ).toEqual(['a.example.test', 'b.example.test']);
  });

  it('refuses a list of another item type in exposes.domains', () => {
    const dir = recipeDir(
      `${base}questions:\n  - { id: names, type: list, prompt: n, default: x }\nexposes:\n  domains:\n    - { question: names }\n`,
    );
    expect(failure(dir)).toContain(
      'exposes.domains[0].question: "names" is a list question, not a domain question',
    );
  });
});
