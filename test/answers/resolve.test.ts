import { describe, expect, it } from 'vitest';
import { resolveAnswers, type AnswerSources, type PromptRequest } from '../../src/answers/resolve.js';
import { BerthError } from '../../src/errors.js';
import { parseManifest, type Recipe } from '../../src/recipes/load-recipe.js';
import { compileRecipe } from '../../src/recipes/read-recipe-dir.js';
import { tempDir } from '../helpers.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const recipe: Recipe = compileRecipe(
  parseManifest(
    `name: demo
title: Demo
version: 1.0.0
description: d
questions:
  - id: mode
    type: select
    prompt: Mode?
    default: local
    choices: [{ value: local, label: Local }, { value: cloud, label: Cloud }]
  - id: api_key
    type: secret
    prompt: API key?
    env: CLOUD_API_KEY
    when: { mode: cloud }
  - id: gpu
    type: confirm
    prompt: GPU?
    when: { mode: local }
    default: [{ when: { facts.gpu.ready: true }, value: true }, { value: false }]
  - id: port
    type: port
    prompt: Port?
    default: 8080
  - id: domain
    type: domain
    prompt: Domain?
    optional: true
  - id: api_domain
    type: domain
    prompt: API domain?
    when: { domain: { set: true } }
    default: "api.{{domain}}"
  - id: owner
    type: email
    prompt: Owner?
`,
    'test/recipe.yaml',
  ),
  'test/recipe.yaml',
  // A valid recipe needs its compose template; these tests render nothing.
  new Map([['compose.yaml.hbs', { kind: 'text', text: 'services: {}\n', fn: () => 'services: {}\n' }]]),
);

const facts = { gpu: { ready: false } };
const none: AnswerSources = { flags: {}, env: {} };

async function failure(sources: AnswerSources): Promise<BerthError> {
  try {
    await resolveAnswers(recipe, sources, facts);
  } catch (error) {
    return error as BerthError;
  }
  throw new Error('expected resolveAnswers to fail');
}

describe('answer precedence: flag > env > answers file > previous > default', () => {
  const layers = {
    flag: { flags: { port: '1001' } },
    env: { env: { BERTH_PORT: '1002' } },
    file: { file: { path: 'a.yaml', answers: { port: 1003 } } },
    previous: { previous: { answers: { port: 1004 }, env: {} } },
  } as const;
  const order = ['flag', 'env', 'file', 'previous'] as const;

  it.each(order.map((top, i) => [top, i] as const))('%s wins over every lower layer', async (top, i) => {
    const sources: AnswerSources = { flags: {}, env: {} };
    for (const name of order.slice(i)) Object.assign(sources, layers[name]);
    sources.flags = { owner: 'a@b.co', ...(sources.flags ?? {}) };
    const result = await resolveAnswers(recipe, sources, facts);
    expect(result.answers.port).toBe(1001 + i);
    expect(result.origins.port).toBe(top);
  });

  it('falls back to the default', async () => {
    const result = await resolveAnswers(recipe, { ...none, flags: { owner: 'a@b.co' } }, facts);
    expect(result.answers).toEqual({ mode: 'local', gpu: false, port: 8080, domain: '', owner: 'a@b.co' });
    expect(result.origins.port).toBe('default');
  });

  it('derives defaults from facts and from earlier answers', async () => {
    const result = await resolveAnswers(
      recipe,
      { ...none, flags: { owner: 'a@b.co', domain: 'Example.COM' } },
      { gpu: { ready: true } },
    );
    expect(result.answers.gpu).toBe(true);
    expect(result.answers.domain).toBe('example.com');
    expect(result.answers.api_domain).toBe('api.example.com');
  });

  it('asks only questions whose condition holds', async () => {
    const result = await resolveAnswers(
      recipe,
      { ...none, flags: { mode: 'cloud', owner: 'a@b.co' }, env: { CLOUD_API_KEY: 'k-123' } },
      facts,
    );
    expect(result.answers).not.toHaveProperty('gpu');
    expect(result.answers.api_key).toBe('k-123');
  });
});

describe('secrets', () => {
  it('reads a secret from --<id>-file, dropping the final newline', async () => {
    const file = path.join(tempDir(), 'key');
    writeFileSync(file, 'k-from-file\n');
    const result = await resolveAnswers(
      recipe,
      { flags: { mode: 'cloud', api_key: file, owner: 'a@b.co' }, env: {} },
      facts,
    );
    expect(result.answers.api_key).toBe('k-from-file');
  });

  it('prefers BERTH_<ID> over the conventional variable', async () => {
    const result = await resolveAnswers(
      recipe,
      {
        flags: { mode: 'cloud', owner: 'a@b.co' },
        env: { BERTH_API_KEY: 'berth', CLOUD_API_KEY: 'conventional' },
      },
      facts,
    );
    expect(result.answers.api_key).toBe('berth');
  });

  it('keeps the previous secret from .env', async () => {
    const result = await resolveAnswers(
      recipe,
      {
        flags: { owner: 'a@b.co' },
        env: {},
        previous: { answers: { mode: 'cloud' }, env: { CLOUD_API_KEY: 'old-key' } },
      },
      facts,
    );
    expect(result.answers.api_key).toBe('old-key');
    expect(result.origins.api_key).toBe('previous');
  });

  it('refuses a secret in an answers file and names the right sources', async () => {
    const error = await failure({ flags: {}, env: {}, file: { path: 'a.yaml', answers: { api_key: 'x' } } });
    expect(error.exitCode).toBe(2);
    expect(error.details).toEqual([
      'a.yaml: "api_key" is a secret and cannot be stored in an answers file; use --api-key-file PATH or env BERTH_API_KEY / CLOUD_API_KEY',
    ]);
  });

  it('names an unreadable secret file', async () => {
    const error = await failure({
      flags: { mode: 'cloud', api_key: '/nonexistent/key', owner: 'a@b.co' },
      env: {},
    });
    expect(error.details).toEqual(['--api-key-file /nonexistent/key: cannot read it (ENOENT)']);
  });
});

describe('missing and invalid answers', () => {
  it('lists every missing answer with its flag, not just the first', async () => {
    const error = await failure({ flags: { mode: 'cloud' }, env: {} });
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('2 answer(s) missing, and there is no terminal to ask them in.');
    expect(error.details).toEqual([
      'missing api_key: API key? — give --api-key-file PATH or env BERTH_API_KEY / CLOUD_API_KEY',
      'missing owner: Owner? — give --owner EMAIL',
    ]);
  });

  it('names the source and the valid values of a bad answer, and still lists the missing ones', async () => {
    const error = await failure({ flags: { mode: 'edge' }, env: { BERTH_PORT: '99999' } });
    expect(error.details).toEqual([
      '--mode: "edge" is not one of: local, cloud',
      'BERTH_PORT: "99999" is not a port (a whole number from 1 to 65535)',
      'missing owner: Owner? — give --owner EMAIL',
    ]);
  });

  it('never echoes a bad secret value', async () => {
    const error = await failure({
      flags: { mode: 'cloud', owner: 'a@b.co' },
      env: { CLOUD_API_KEY: 'it\'s"$x' },
    });
    expect(error.details.join('\n')).not.toContain('$x');
    expect(error.details[0]).toMatch(/^CLOUD_API_KEY: cannot contain a single quote/);
  });

  it('rejects unknown keys in an answers file, listing the valid ones', async () => {
    const error = await failure({ flags: {}, env: {}, file: { path: 'a.yaml', answers: { prot: 1 } } });
    expect(error.details).toEqual(['a.yaml: "prot" is not a question of recipe demo']);
    expect(error.hint).toBe('Valid keys: mode, gpu, port, domain, api_domain, owner');
  });

  it('ignores a previous answer that is no longer valid, with a warning', async () => {
    const result = await resolveAnswers(
      recipe,
      { flags: { owner: 'a@b.co' }, env: {}, previous: { answers: { mode: 'retired' }, env: {} } },
      facts,
    );
    expect(result.answers.mode).toBe('local');
    expect(result.warnings).toEqual([
      'The previous answer for mode is no longer valid ("retired" is not one of: local, cloud); using the default.',
    ]);
  });
});

describe('prompting', () => {
  it('asks only what no source gave, offering the previous answer or default', async () => {
    const asked: PromptRequest[] = [];
    const result = await resolveAnswers(
      recipe,
      { flags: { mode: 'local' }, env: {}, previous: { answers: { port: 9000 }, env: {} } },
      facts,
      async (request) => {
        asked.push(request);
        return request.question.id === 'owner' ? 'me@example.com' : (request.initial ?? '');
      },
    );
    expect(asked.map((r) => [r.question.id, r.initial, r.initialOrigin])).toEqual([
      ['gpu', false, 'default'],
      ['port', 9000, 'previous'],
      ['domain', '', 'default'],
      ['owner', undefined, undefined],
    ]);
    expect(result.answers.owner).toBe('me@example.com');
    expect(result.origins.mode).toBe('flag');
  });
});

describe('advanced questions', () => {
  const withAdvanced: Recipe = {
    ...recipe,
    manifest: {
      ...recipe.manifest,
      questions: [
        { id: 'image', type: 'text', prompt: 'Image?', advanced: true, default: 'app:1.2.3', env: 'IMAGE' },
        { id: 'tuning', type: 'text', prompt: 'Tuning?', advanced: true },
      ],
    },
  };

  it('are not prompted when they have a default, but are when nothing else can answer them', async () => {
    const asked: string[] = [];
    const result = await resolveAnswers(withAdvanced, none, facts, async (r) => {
      asked.push(r.question.id);
      return 'x';
    });
    expect(asked).toEqual(['tuning']);
    expect(result.answers).toEqual({ image: 'app:1.2.3', tuning: 'x' });
  });
});

describe('a bad answer does not cascade', () => {
  const dependent: Recipe = {
    ...recipe,
    manifest: {
      ...recipe.manifest,
      questions: [
        recipe.manifest.questions[0]!,
        {
          id: 'model',
          type: 'text',
          prompt: 'Model?',
          default: [{ when: { mode: 'local' }, value: 'small' }],
        },
      ],
    },
  };

  it('reports the bad answer, not the defaults that depended on it', async () => {
    const error = await resolveAnswers(dependent, { flags: { mode: 'edge' }, env: {} }, facts).catch(
      (e: BerthError) => e,
    );
    expect((error as BerthError).details).toEqual(['--mode: "edge" is not one of: local, cloud']);
  });
});
