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
      'questions[0] (mode).type: Invalid option: expected one of "select"|"confirm"|"text"|"password"|"secret"|"domain"|"email"|"port"|"number"|"path"',
    ],
    [
      'a secret question with a default',
      `${base}questions:\n  - id: key\n    type: secret\n    env: KEY\n    default: abc\n    prompt: x\n`,
      'questions[0] (key).default: a secret question cannot have a default',
    ],
    [
      'a secret question without an env name',
      `${base}questions:\n  - id: key\n    type: secret\n    prompt: x\n`,
      'questions[0] (key).env: a secret question must name its .env variable',
    ],
    [
      'a bad condition',
      `${base}questions:\n  - id: a\n    type: text\n    prompt: x\n    when: { mode: { bogus: 1 } }\n`,
      'questions[0] (a).when.mode: must be a value, a list of values, {not: value(s)} or {set: true|false}',
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

  it('the committed schema/recipe.schema.json is up to date', () => {
    const committed = readFileSync(path.join(repoRoot, 'schema/recipe.schema.json'), 'utf8');
    expect(committed).toBe(`${JSON.stringify(recipeJsonSchema(), null, 2)}\n`);
  });
});
