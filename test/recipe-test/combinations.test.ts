// The combinations `berth recipe test` renders: each select choice, yes and no, and an optional domain set or
// empty, only where the question's `when` holds; one sample value that passes validation for everything else;
// capped to an even spread; and fixed secrets derived from each secret's id.
import { describe, expect, it } from 'vitest';
import { parseManifest, type Recipe } from '../../src/recipes/load-recipe.js';
import { compileRecipe } from '../../src/recipes/read-recipe-dir.js';
import { enumerateCombinations } from '../../src/recipe-test/combinations.js';
import { sampleFacts, sampleSecret } from '../../src/recipe-test/samples.js';

const compose = 'services: {}\n';
const recipeOf = (questions: string, secrets = ''): Recipe =>
  compileRecipe(
    parseManifest(
      `name: demo\ntitle: Demo\nversion: 1.0.0\ndescription: d\nquestions:\n${questions}${secrets}`,
      'demo/recipe.yaml',
    ),
    'demo/recipe.yaml',
    new Map([['compose.yaml.hbs', { kind: 'text', text: compose, fn: () => compose }]]),
  );

const demo = recipeOf(`
  - { id: mode, type: select, prompt: Mode?, default: local,
      choices: [{ value: local, label: Local }, { value: cloud, label: Cloud }] }
  - { id: api_key, type: secret, prompt: Key?, env: API_KEY, when: { mode: cloud },
      validate: { pattern: '^sk-[A-Za-z0-9]{20,}$' } }
  - { id: gpu, type: confirm, prompt: GPU?, when: { mode: local } }
  - { id: port, type: port, prompt: Port?, default: 8080 }
  - { id: domain, type: domain, prompt: Domain?, optional: true, default: '' }
  - { id: api_domain, type: domain, prompt: API domain?, when: { domain: { set: true } }, default: 'api.{{domain}}' }
  - { id: owner, type: email, prompt: Owner?, optional: true, default: '' }
  - { id: endpoint, type: text, prompt: Endpoint?, validate: { pattern: '^https://' } }
  - { id: image, type: image, prompt: Image?, advanced: true, default: 'caddy:2.8-alpine' }
`);

describe('enumerateCombinations', () => {
  it('branches on choices, yes/no and an optional domain, only where `when` holds', () => {
    const { combinations, total, capped, more } = enumerateCombinations(demo, sampleFacts);
    expect(combinations.map((c) => c.label)).toEqual([
      'mode=local gpu=yes domain=example.test',
      'mode=local gpu=yes domain=none',
      'mode=local gpu=no domain=example.test',
      'mode=local gpu=no domain=none',
      'mode=cloud domain=example.test',
      'mode=cloud domain=none',
    ]);
    expect({ total, capped, more }).toEqual({ total: 6, capped: false, more: false });
    expect(combinations.every((c) => c.error === undefined)).toBe(true);
  });

  it('gives every other question one value its validation accepts, and skips questions whose `when` fails', () => {
    const { combinations } = enumerateCombinations(demo, sampleFacts);
    const [local, , , localNoDomain, cloud] = combinations;
    expect(local!.given).toEqual({
      mode: 'local',
      gpu: true,
      port: 8080,
      domain: 'example.test',
      api_domain: 'api.example.test',
      owner: 'admin@example.test',
      endpoint: 'https://sample.example.test',
    });
    expect(localNoDomain!.given).not.toHaveProperty('api_domain');
    expect(cloud!.given).not.toHaveProperty('gpu');
    expect(String(cloud!.given.api_key)).toMatch(/^sk-[A-Za-z0-9]{20,}$/);
    // The same inputs on every run.
    expect(enumerateCombinations(demo, sampleFacts).combinations).toEqual(combinations);
  });

  it('says which question has no sample value that passes its validation', () => {
    const recipe = recipeOf(
      `  - { id: code, type: text, prompt: Code?, validate: { pattern: '^zz[0-9]{3}$' } }\n`,
    );
    const [only] = enumerateCombinations(recipe, sampleFacts).combinations;
    expect(only!.error).toBe('no sample value passes the validation of question code: give it a default');
  });

  it('keeps an even spread of `cap` combinations when there are more, and says so', () => {
    const confirms = Array.from({ length: 10 }, (_, i) => `  - { id: c${i}, type: confirm, prompt: C? }\n`);
    const recipe = recipeOf(confirms.join(''));
    const all = enumerateCombinations(recipe, sampleFacts, 2000);
    expect(all).toMatchObject({ total: 1024, capped: false, more: false });
    const capped = enumerateCombinations(recipe, sampleFacts, 256);
    expect(capped).toMatchObject({ total: 1024, capped: true, more: false });
    expect(capped.combinations).toHaveLength(256);
    expect(capped.combinations[0]!.label).toBe(all.combinations[0]!.label);
    expect(capped.combinations[1]!.label).toBe(all.combinations[4]!.label);
    expect(new Set(capped.combinations.map((c) => c.label)).size).toBe(256);
    const walked = enumerateCombinations(recipe, sampleFacts, 10, 100);
    expect(walked).toMatchObject({ total: 100, capped: true, more: true });
    expect(walked.combinations).toHaveLength(10);
  });
});

describe('sampleSecret', () => {
  it.each([
    ['hex', /^[0-9a-f]{40}$/],
    ['base64url', /^[A-Za-z0-9_-]{40}$/],
    ['alnum', /^[A-Za-z0-9]{40}$/],
  ] as const)('%s: the length and alphabet asked, the same for the same id', (encoding, shape) => {
    const value = sampleSecret({ id: 'db_password', length: 40, encoding });
    expect(value).toMatch(shape);
    expect(sampleSecret({ id: 'db_password', length: 40, encoding })).toBe(value);
    expect(sampleSecret({ id: 'other', length: 40, encoding })).not.toBe(value);
  });
});
