import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { RecipeError } from '../../src/errors.js';
import { recipeJsonSchema } from '../../src/recipes/json-schema.js';
import { parseManifest } from '../../src/recipes/load-recipe.js';
import { readRecipeDir } from '../../src/recipes/read-recipe-dir.js';
import { listRecipes } from '../../src/recipes/registry.js';
import { readFileSync } from 'node:fs';
import { repoRoot, tempDir } from '../helpers.js';

const base = `name: demo
title: Demo
version: 1.0.0
description: A demo recipe.
`;

function problems(text: string): string[] {
  try {
    parseManifest(text, 'demo/recipe.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(RecipeError);
    const e = error as RecipeError;
    expect(e.exitCode).toBe(3);
    return [e.message, ...e.details];
  }
  throw new Error('expected the manifest to be rejected');
}

describe('recipe manifest validation', () => {
  it('accepts a minimal manifest and fills defaults', () => {
    const m = parseManifest(base, 'demo/recipe.yaml');
    expect(m.compose.template).toBe('compose.yaml.hbs');
    expect(m.questions).toEqual([]);
  });

  it.each([
    ['a missing field', base.replace('title: Demo\n', ''), 'demo/recipe.yaml: title: is required (string)'],
    [
      'a bad version',
      base.replace('1.0.0', 'one'),
      'demo/recipe.yaml:3: version: must be a semantic version like 1.2.0',
    ],
    [
      'an unknown top-level field',
      `${base}colour: red\n`,
      'demo/recipe.yaml:5: (top level): unknown field(s) "colour"',
    ],
    [
      'a question with a bad id, naming its index and line',
      `${base}questions:\n  - id: Mode\n    type: text\n    prompt: x\n`,
      'demo/recipe.yaml:6: questions[0] (Mode).id: must be lower_snake_case: a letter, then letters, digits or _',
    ],
    [
      'a select without choices',
      `${base}questions:\n  - id: mode\n    type: select\n    prompt: x\n`,
      'demo/recipe.yaml: questions[0] (mode).choices: a select question needs choices',
    ],
    [
      'a bad question type',
      `${base}questions:\n  - id: mode\n    type: dropdown\n    prompt: x\n`,
      'questions[0] (mode).type: Invalid option: expected one of "select"|"confirm"|"text"|"secret"|"domain"|"email"|"image"|"port"|"number"|"path"',
    ],
    [
      'the old type password, naming its new name',
      `${base}questions:\n  - id: key\n    type: password\n    env: KEY\n    prompt: x\n`,
      'questions[0] (key).type: type password is now called secret: write `type: secret`',
    ],
    [
      'a secret question with a default',
      `${base}questions:\n  - id: key\n    type: secret\n    env: KEY\n    default: abc\n    prompt: x\n`,
      'questions[0] (key).default: a secret question cannot have a default',
    ],
    [
      'a bad condition',
      `${base}questions:\n  - id: a\n    type: text\n    prompt: x\n    when: { mode: { bogus: 1 } }\n`,
      'questions[0] (a).when.mode: must be a value, a list of values, {not: value(s)}, {set: true|false} or {match: regex}',
    ],
    [
      'two questions writing the same env var',
      `${base}questions:\n  - { id: a, type: text, prompt: x, env: PORT }\n  - { id: b, type: text, prompt: y, env: PORT }\n`,
      'questions[1] (b).env: env PORT is already used by questions[0]',
    ],
    [
      'a reserved id',
      `${base}questions:\n  - { id: secrets, type: text, prompt: x }\n`,
      'questions[0] (secrets).id: "secrets" is reserved by berth',
    ],
    ...(['dir', 'yes', 'dry_run', 'wait_timeout', 'skip_checks', 'json', 'gpu_test', 'help'] as const).map(
      (id): [string, string, string] => [
        `a question id that is an option of install, render or doctor (${id})`,
        `${base}questions:\n  - { id: ${id}, type: text, prompt: x }\n`,
        `questions[0] (${id}).id: "${id}" would be the flag --${id.replaceAll('_', '-')}, which is berth's own option of`,
      ],
    ),
    [
      'a yes/no question whose --no- flag is an option of install (start → --no-start)',
      `${base}questions:\n  - { id: start, type: confirm, prompt: x }\n`,
      `questions[0] (start).id: "start" would be the flag --no-start, which is berth's own option of install: choose another id`,
    ],
    [
      'a file path escaping the folder',
      `${base}files:\n  - { template: x.hbs, path: ../../etc/passwd }\n`,
      'files[0].path: must be a relative path inside the install directory',
    ],
    [
      'broken YAML, with line and column',
      `${base}questions: [\n  - id: a\n`,
      'demo/recipe.yaml:6:3: not valid YAML: Block collections are not allowed within flow collections',
    ],
  ])('rejects %s', (_name, text, expected) => {
    expect(problems(text).join('\n')).toContain(expected);
  });

  it('lists every problem, not just the first', () => {
    const all = problems(`${base.replace('1.0.0', 'x')}colour: red\n`);
    expect(all[0]).toBe('demo/recipe.yaml is not a valid recipe (2 problem(s)).');
    expect(all).toHaveLength(3);
  });
});

describe('recipe folder checks', () => {
  function recipeDir(
    manifest: string,
    templates: Record<string, string> = { 'compose.yaml.hbs': 'services: {}\n' },
  ) {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'recipe.yaml'), manifest);
    for (const [name, text] of Object.entries(templates)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    }
    return dir;
  }
  const failure = (dir: string) => {
    try {
      readRecipeDir(dir);
    } catch (error) {
      return [(error as RecipeError).message, ...(error as RecipeError).details].join('\n');
    }
    throw new Error('expected a failure');
  };

  it('rejects a condition that reads a later question', () => {
    const dir = recipeDir(
      `${base}questions:\n  - { id: a, type: text, prompt: x, when: { b: yes } }\n  - { id: b, type: text, prompt: y }\n`,
    );
    expect(failure(dir)).toContain(
      'questions[0] (a).when: "b" is asked later; a condition may only read earlier questions',
    );
  });

  it('rejects a condition on an unknown question, listing the known ones', () => {
    const dir = recipeDir(
      `${base}questions:\n  - { id: a, type: text, prompt: x }\noverrides:\n  - { feature: gpu, when: { gpus: true } }\n`,
      {
        'compose.yaml.hbs': 'services: {}\n',
        'compose.gpu.yaml.hbs': 'services: {}\n',
      },
    );
    expect(failure(dir)).toContain('overrides[0] (gpu).when: "gpus" is not a question id (known: a)');
  });

  const withDomain = `${base}questions:
  - { id: domain, type: domain, prompt: d, optional: true, default: "" }
  - { id: api_key, type: secret, prompt: k, env: API_KEY }
  - { id: later, type: text, prompt: l, default: x }
secrets:
  - { id: db_password, env: DB_PASSWORD }
overrides:
  - { feature: https, when: { domain: { set: true } } }
`;
  const templatesWithHttps = {
    'compose.yaml.hbs': 'services: {}\n',
    'compose.https.yaml.hbs': 'services: {}\n',
  };

  it.each([
    [
      'an unknown name in an environment value',
      'environment:\n  - { name: PUBLIC_URL, value: "https://{{domian}}" }\n',
      '/recipe.yaml: environment[0] (PUBLIC_URL).value: "domian" is not a question, fact or recipe field (questions: domain, api_key, later)',
    ],
    [
      'an unknown fact in a URL',
      'urls:\n  - { label: UI, url: "http://{{facts.adress}}:80" }\n',
      'urls[0] (UI).url: "facts.adress" is not a fact (known: facts.os,',
    ],
    [
      'a secret answer read by name',
      'environment:\n  - { name: KEY_COPY, value: "{{api_key}}" }\n',
      'environment[0] (KEY_COPY).value: "api_key" is a secret answer: read it as {{secrets.api_key}}, and only in environment values',
    ],
    [
      'a secret in a URL (it would be printed)',
      'urls:\n  - { label: UI, url: "http://x/?t={{secrets.db_password}}" }\n',
      'urls[0] (UI).url: "secrets.db_password": secrets may only be read in environment values',
    ],
    [
      'an unknown secret',
      'environment:\n  - { name: DSN, value: "pg://u:{{secrets.db_pasword}}@db" }\n',
      'environment[0] (DSN).value: "secrets.db_pasword" is not a secret of this recipe (known: db_password, api_key)',
    ],
    [
      'an unknown feature in a note',
      'notes:\n  - "{{#if features.htps}}HTTPS is on.{{/if}}"\n',
      'notes[0]: "features.htps" is not a feature (known: https)',
    ],
    [
      'a broken template',
      'urls:\n  - { label: UI, url: "http://{{domain" }\n',
      'urls[0] (UI).url: not a valid template: Parse error',
    ],
  ])(
    'rejects %s in recipe.yaml at load, naming the file, the field and the name',
    (_name, extra, expected) => {
      expect(failure(recipeDir(`${withDomain}${extra}`, templatesWithHttps))).toContain(expected);
    },
  );

  it('rejects a secret question that reaches .env neither by its env nor through a secret', () => {
    const dir = recipeDir(`${base}questions:\n  - id: key\n    type: secret\n    prompt: x\n`);
    expect(failure(dir)).toContain(
      "questions[0] (key): a secret question must reach .env: give it env, or name it in a secret's from",
    );
  });

  it('rejects a default that reads a later answer', () => {
    const dir = recipeDir(
      `${base}questions:\n  - { id: a, type: text, prompt: x, default: "{{b}}.example" }\n  - { id: b, type: text, prompt: y }\n`,
    );
    expect(failure(dir)).toContain(
      'questions[0] (a).default: "b" is asked later; a default may only read earlier answers',
    );
  });

  it('accepts answers, facts, features, the project, recipe fields, helpers and secrets in environment values', () => {
    const extra = `environment:
  - { name: PUBLIC_URL, value: '{{#if domain}}https://{{domain}}{{else}}http://{{facts.address}}{{/if}}' }
  - { name: DSN, value: 'pg://app:{{secrets.db_password}}@db/{{project}}' }
  - { name: KEY, value: '{{secrets.api_key}}' }
urls:
  - { label: UI, url: 'https://{{domain}}/{{recipe.name}}', when: { domain: { set: true } } }
notes:
  - '{{#if features.https}}Caddy gets a certificate for {{domain}}.{{/if}}'
`;
    const recipe = readRecipeDir(recipeDir(`${withDomain}${extra}`, templatesWithHttps));
    expect([...recipe.inline!.keys()]).toHaveLength(5);
  });

  it('rejects a missing template', () => {
    const dir = recipeDir(`${base}overrides:\n  - { feature: https, when: { facts.isRoot: true } }\n`);
    expect(failure(dir)).toContain(
      'overrides[0] (https): template "compose.https.yaml.hbs" is not in the recipe folder',
    );
  });

  it('rejects a default that is not a valid answer', () => {
    const dir = recipeDir(`${base}questions:\n  - { id: port, type: port, prompt: x, default: 70000 }\n`);
    expect(failure(dir)).toContain('questions[0] (port).default: "70000" is not a port');
  });

  it('says a folder without recipe.yaml is not a recipe', () => {
    expect(() => readRecipeDir(tempDir())).toThrow(/has no recipe.yaml/);
  });
});

describe('shipped recipes', () => {
  const recipes = listRecipes();

  it('include magec and reflector', () => {
    expect(recipes.map((r) => r.manifest.name)).toEqual(expect.arrayContaining(['magec', 'reflector']));
  });

  it.each(recipes.map((r) => [r.manifest.name]))('%s validates against the exported JSON Schema', (name) => {
    const ajv = new Ajv({ strict: false, allowUnionTypes: true });
    const validate = ajv.compile(recipeJsonSchema());
    const doc = parse(readFileSync(path.join(repoRoot, 'templates', name, 'recipe.yaml'), 'utf8'));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });

  it('describes every field of recipe.yaml and of a question, so editors show what each does', () => {
    const schema = recipeJsonSchema() as {
      properties: Record<string, { description?: string; items?: never }>;
    };
    const undescribed = (props: Record<string, { description?: string }>) =>
      Object.entries(props)
        .filter(([, p]) => !p.description)
        .map(([k]) => k);
    expect(undescribed(schema.properties)).toEqual([]);
    const question = (
      schema.properties.questions as unknown as { items: { properties: Record<string, object> } }
    ).items.properties;
    expect(undescribed(question)).toEqual([]);
  });

  it('the committed schema/recipe.schema.json is up to date', () => {
    const committed = readFileSync(path.join(repoRoot, 'schema/recipe.schema.json'), 'utf8');
    expect(committed).toBe(`${JSON.stringify(recipeJsonSchema(), null, 2)}\n`);
  });
});
