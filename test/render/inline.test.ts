// The templates inside recipe.yaml (environment values, URLs, defaults, notes) run on the files' strict handlebars:
// helpers work, secrets reach only .env, and a name that is not set for these answers is an error naming the
// recipe field, never an empty string.
import { describe, expect, test } from 'vitest';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { RecipeError } from '../../src/errors.js';
import { parseManifest } from '../../src/recipes/load-recipe.js';
import { compileRecipe } from '../../src/recipes/read-recipe-dir.js';
import { renderRecipe } from '../../src/render/render-recipe.js';
import { sampleFacts } from '../detect/sample-facts.js';

const manifest = (extra: string) =>
  parseManifest(
    `name: demo
title: Demo
version: 1.2.3
description: d
questions:
  - { id: domain, type: domain, prompt: d, optional: true, default: "" }
  - { id: api_domain, type: domain, prompt: a, when: { domain: { set: true } }, default: "api.{{domain}}" }
  - { id: port, type: port, prompt: p, default: 8080 }
secrets:
  - { id: db_password, env: DB_PASSWORD }
${extra}`,
    'demo/recipe.yaml',
  );
const recipeOf = (extra: string) =>
  compileRecipe(
    manifest(extra),
    'demo/recipe.yaml',
    new Map([['compose.yaml.hbs', { kind: 'text', text: '', fn: () => 'services: {}\n' }]]),
  );

const render = (recipe: ReturnType<typeof recipeOf>, answers: Record<string, string | number>) =>
  renderRecipe({
    recipe,
    answers,
    secrets: { db_password: 's3cret' },
    facts: sampleFacts(),
    project: 'demo',
  });

const dotenv = (r: ReturnType<typeof render>) => r.files.find((f) => f.path === '.env')!.content;

describe('inline templates', () => {
  const recipe = recipeOf(`environment:
  - { name: PUBLIC_URL, value: '{{#if domain}}https://{{domain}}{{else}}http://{{facts.address}}:{{port}}{{/if}}' }
  - { name: DATABASE_URL, value: 'postgres://app:{{secrets.db_password}}@db/{{project}}' }
urls:
  - { label: API, url: 'https://{{api_domain}}', when: { domain: { set: true } } }
  - { label: Web, url: 'http://{{facts.address}}:{{port}}', when: { domain: { set: false } } }
notes:
  - '{{recipe.title}} {{recipe.version}} listens on {{port}}.'
`);

  test('environment values, URLs and notes render with the answers, facts, secrets and helpers', () => {
    const withDomain = render(recipe, { domain: 'example.org', api_domain: 'api.example.org', port: 8080 });
    expect(dotenv(withDomain)).toContain('\nPUBLIC_URL=https://example.org\n');
    expect(dotenv(withDomain)).toContain('\nDATABASE_URL=postgres://app:s3cret@db/demo\n');
    expect(withDomain.urls).toEqual([{ label: 'API', url: 'https://api.example.org' }]);
    expect(withDomain.notes).toEqual(['Demo 1.2.3 listens on 8080.']);

    const local = render(recipe, { domain: '', port: 9000 });
    expect(dotenv(local)).toContain(`\nPUBLIC_URL=http://${sampleFacts().address}:9000\n`);
    expect(local.urls).toEqual([{ label: 'Web', url: `http://${sampleFacts().address}:9000` }]);
  });

  test('a name not set for these answers is an error naming the field, not an empty string', () => {
    // The URL's `when` holds, but api_domain is inactive (it is asked only with a domain).
    const broken = recipeOf(`urls:\n  - { label: API, url: 'https://{{api_domain}}' }\n`);
    const error = (() => {
      try {
        render(broken, { domain: '', port: 8080 });
      } catch (e) {
        return e;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(RecipeError);
    expect((error as RecipeError).message).toMatch(
      /^demo\/recipe\.yaml: urls\[0\] \(API\)\.url: line 1: "api_domain" is not set for these answers/,
    );
  });

  test('a templated default reads the earlier answers', async () => {
    const { answers } = await resolveAnswers(
      recipe,
      { flags: { domain: 'example.org' }, env: {} },
      sampleFacts(),
      undefined,
    );
    expect(answers).toMatchObject({ domain: 'example.org', api_domain: 'api.example.org', port: 8080 });
  });
});
