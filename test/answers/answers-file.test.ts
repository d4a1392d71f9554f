// An answers file gives each question the text written in it (issue 12, class 4): YAML does not get to type it
// first. Each question's type then decides what the text means; tags and other YAML surprises are refused.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { BerthError } from '../../src/errors.js';
import { parseAnswersFile } from '../../src/install-dir/state.js';
import { parseManifest, type Recipe } from '../../src/recipes/load-recipe.js';
import { compileRecipe } from '../../src/recipes/read-recipe-dir.js';
import { berth, tempDir } from '../helpers.js';

const recipe: Recipe = compileRecipe(
  parseManifest(
    `name: demo
title: Demo
version: 1.0.0
description: d
questions:
  - { id: label, type: text, prompt: Label? }
  - { id: note, type: text, prompt: Note?, optional: true }
  - { id: port, type: port, prompt: Port?, default: 8080 }
  - { id: size, type: number, prompt: Size?, default: 1 }
  - { id: gpu, type: confirm, prompt: GPU?, default: false }
  - { id: domain, type: domain, prompt: Domain?, optional: true }
services:
  - { name: app }
`,
    'test/recipe.yaml',
  ),
  'test/recipe.yaml',
  new Map([['compose.yaml.hbs', { kind: 'text', text: 'services: {}\n', fn: () => 'services: {}\n' }]]),
);

async function fromFile(yaml: string) {
  const file = { path: 'answers.yaml', ...parseAnswersFile(yaml, 'answers.yaml') };
  return resolveAnswers(recipe, { flags: {}, env: {}, file }, {});
}

async function refusal(yaml: string): Promise<string> {
  const error = await fromFile(yaml).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BerthError);
  return [(error as BerthError).message, ...(error as BerthError).details].join('\n');
}

describe('answers file values reach a text question as written', () => {
  it.each([
    ['0755', '0755'],
    ['0x1F', '0x1F'],
    ['1e3', '1e3'],
    ['.inf', '.inf'],
    ['-.Inf', '-.Inf'],
    ['.NaN', '.NaN'],
    ['False', 'False'],
    ['yes', 'yes'],
    ['0o17', '0o17'],
    ['1_000', '1_000'],
    ["'0755'", '0755'],
    ['"0x1F"', '0x1F'],
    ['2024-01-01', '2024-01-01'],
  ])('label: %s → %j', async (written, text) => {
    expect((await fromFile(`label: ${written}\n`)).answers.label).toBe(text);
  });

  it.each([
    ['port: 8081', 'port', 8081],
    ['port: "8081"', 'port', 8081],
    ['size: 1e3', 'size', 1000],
    ['gpu: False', 'gpu', false],
    ['gpu: yes', 'gpu', true],
    ['gpu: "on"', 'gpu', true],
  ])('%s: the question type reads the text', async (line, id, value) => {
    expect((await fromFile(`label: x\n${line}\n`)).answers[id]).toBe(value);
  });

  it.each([['~'], ['null'], ['NULL'], ['']])('a plain %j is an empty answer', async (written) => {
    expect((await fromFile(`label: x\nnote: ${written}\n`)).answers.note).toBe('');
    expect(await refusal(`label: ${written}\n`)).toContain('label: is required and cannot be empty');
  });

  it('a quoted "~" is the text ~', async () => {
    expect((await fromFile(`label: "~"\n`)).answers.label).toBe('~');
  });

  it.each([
    ['port: 0x1F', '"0x1F" is not a port'],
    ['port: .inf', '".inf" is not a port'],
    ['gpu: maybe', '"maybe" is not yes or no'],
  ])('%s is refused naming the question and the text', async (line, message) => {
    expect(await refusal(`label: x\n${line}\n`)).toContain(message);
  });

  it.each([['label: !foo bar'], ['label: !!binary aGVsbG8=']])(
    '%s: a tag is refused with its line',
    (yaml) => {
      expect(() => parseAnswersFile(`# answers\n${yaml}\n`, 'answers.yaml')).toThrow(
        /answers\.yaml is not a valid answers file \(line 2\)/,
      );
    },
  );
});

describe('through the bundle', () => {
  it("a tag in --answers exits 2 with berth's message, and no library warning reaches stderr", async () => {
    const file = path.join(tempDir(), 'answers.yaml');
    writeFileSync(file, 'mode: openai\nllm_model: !custom gpt-4.1\n');
    const r = await berth([
      'render',
      '--yes',
      '--dry-run',
      '--answers',
      file,
      '--dir',
      path.join(tempDir(), 'x'),
    ]);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain('is not a valid answers file (line 2)');
    expect(String(r.stderr)).toContain('YAML tags are not allowed in an answers file');
    expect(String(r.stderr)).not.toMatch(/YAMLWarning|\(node:\d+\)|--trace-warnings/);
  });
});

describe('a value berth normalises is used as normalised, and the user is told (class 3)', () => {
  const flags = async (given: Record<string, string>) =>
    resolveAnswers(recipe, { flags: { label: 'x', ...given }, env: {} }, {});

  it.each([
    [
      { domain: 'Bücher.Example.com' },
      'domain',
      'xn--bcher-kva.example.com',
      '--domain: using "xn--bcher-kva.example.com" (from "Bücher.Example.com")',
    ],
    [
      { domain: 'APP.example.com' },
      'domain',
      'app.example.com',
      '--domain: using "app.example.com" (from "APP.example.com")',
    ],
    [{ label: '  padded  ' }, 'label', 'padded', '--label: using "padded" (from "  padded  ")'],
  ])('%j', async (given, id, value, warning) => {
    const r = await flags(given);
    expect(r.answers[id]).toBe(value);
    expect(r.warnings).toContain(warning);
  });

  it('a value used as given says nothing; nor does a port read from its text', async () => {
    const r = await flags({ domain: 'app.example.com', port: '8081' });
    expect(r.warnings).toEqual([]);
  });
});
