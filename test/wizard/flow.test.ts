// The wizard's state without React or a terminal: what is asked next, going back, the review and the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnswerSources } from '../../src/answers/resolve.js';
import { parseManifest, type Recipe } from '../../src/recipes/load-recipe.js';
import { compileRecipe } from '../../src/recipes/read-recipe-dir.js';
import { loadRecipe } from '../../src/recipes/registry.js';
import { editLine, wrapWords } from '../../src/wizard/components.js';
import { Answered, displayValue, nextQuestion, reviewModel, type Next } from '../../src/wizard/flow.js';
import { finalModel } from '../../src/messages.js';
import { welcomeRows } from '../../src/wizard/checklist.js';
import { checkDir } from '../../src/wizard/questions.js';
import { sampleFacts } from '../detect/sample-facts.js';
import { tempDir } from '../helpers.js';

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
  - id: tag
    type: text
    prompt: Image tag?
    advanced: true
    default: '1.0'
secrets:
  - { id: db_password, env: DB_PASSWORD }
`,
    'test/recipe.yaml',
  ),
  'test/recipe.yaml',
  // A valid recipe needs its compose template; these tests render nothing.
  new Map([['compose.yaml.hbs', { kind: 'text', text: 'services: {}\n', fn: () => 'services: {}\n' }]]),
);

const none: AnswerSources = { flags: {}, env: {} };
const asked = (next: Next): string => ('ask' in next ? next.ask.question.id : 'done');

describe('nextQuestion', () => {
  it('asks in order, honours when, and is done once every prompted question is answered', async () => {
    const a = new Answered();
    expect(asked(await nextQuestion(recipe, none, {}, a))).toBe('mode');
    a.answer('mode', 'cloud');
    expect(asked(await nextQuestion(recipe, none, {}, a))).toBe('api_key');
    a.answer('api_key', 'k-123');
    expect(asked(await nextQuestion(recipe, none, {}, a))).toBe('port');
    a.answer('port', 9000);
    const done = await nextQuestion(recipe, none, {}, a);
    expect('done' in done && done.done.answers).toEqual({
      mode: 'cloud',
      api_key: 'k-123',
      port: 9000,
      tag: '1.0',
    });
    // The advanced question was not asked: it kept its default.
    expect('done' in done && done.done.origins.tag).toBe('default');
  });

  it('offers the default, the detected fact and the previous answer as the initial value', async () => {
    const a = new Answered();
    a.answer('mode', 'local');
    const gpu = await nextQuestion(recipe, none, { gpu: { ready: true } }, a);
    expect('ask' in gpu && gpu.ask.initial).toBe(true);
    const previous = { answers: { mode: 'local', gpu: false, port: 7000 }, env: {} };
    a.answer('gpu', false);
    const port = await nextQuestion(recipe, { ...none, previous }, {}, a);
    expect('ask' in port && port.ask).toMatchObject({ initial: 7000, initialOrigin: 'previous' });
  });

  it('never asks what a flag or the environment answered', async () => {
    const a = new Answered();
    const next = await nextQuestion(
      recipe,
      { flags: { mode: 'cloud' }, env: { CLOUD_API_KEY: 'k-1' } },
      {},
      a,
    );
    expect(asked(next)).toBe('port');
  });

  it('going back un-answers the last question and offers what was typed; a new branch follows the new answer', async () => {
    const a = new Answered();
    a.answer('mode', 'local');
    a.answer('gpu', true);
    expect(a.back()).toBe('gpu');
    expect(a.back()).toBe('mode');
    expect(a.canGoBack).toBe(false);
    const again = await nextQuestion(recipe, none, {}, a);
    expect('ask' in again && again.ask).toMatchObject({ question: { id: 'mode' }, initial: 'local' });
    a.answer('mode', 'cloud');
    expect(asked(await nextQuestion(recipe, none, {}, a))).toBe('api_key');
  });

  it('backTo from the review re-asks that answer and everything after it', () => {
    const a = new Answered();
    a.answer('mode', 'local');
    a.answer('gpu', true);
    a.answer('port', 9000);
    a.backTo('gpu');
    expect(a.ids).toEqual(['mode']);
    expect(a.rememberedValue('gpu')).toBe(true);
    expect(a.rememberedValue('port')).toBe(9000);
    expect(() => a.backTo('api_key')).toThrow('api_key was not answered');
    expect(() => a.answer('mode', 'x')).toThrow('already answered');
  });
});

describe('reviewModel', () => {
  it('lists every answer, hides secrets, says which secrets are generated, files and services', async () => {
    const a = new Answered();
    a.answer('mode', 'cloud');
    a.answer('api_key', 'k-very-secret');
    a.answer('port', 9000);
    const done = await nextQuestion(recipe, none, {}, a);
    if (!('done' in done)) throw new Error('not done');
    const model = reviewModel({
      recipe,
      dir: '/opt/demo',
      reconfigure: false,
      resolution: done.done,
      generated: ['db_password'],
      plan: [
        { path: 'compose.yaml', action: 'create' },
        { path: '.env', action: 'update', conflict: 'edited' },
      ] as never,
      services: ['web', 'db'],
      confirmLabel: 'Install',
      answered: a,
    });
    expect(JSON.stringify(model)).not.toContain('k-very-secret');
    expect(model.answers).toEqual([
      { id: 'mode', label: 'Mode?', value: 'Cloud', changeable: true },
      { id: 'api_key', label: 'API key?', value: '(hidden)', changeable: true },
      { id: 'port', label: 'Port?', value: '9000', changeable: true },
      { id: 'tag', label: 'Image tag?', value: '1.0', note: 'default', changeable: false },
    ]);
    expect(model.secrets).toEqual([{ id: 'db_password', state: 'generated' }]);
    expect(model.files).toEqual([
      { path: 'compose.yaml', action: 'create' },
      { path: '.env', action: 'update', conflict: 'edited' },
    ]);
    expect(model.title).toBe('Demo (demo 1.0.0)');
  });

  it('a new install has nothing to compare; a reconfigure with a plan lists only conflicted files itself', async () => {
    const a = new Answered();
    a.answer('mode', 'cloud');
    a.answer('api_key', 'k');
    a.answer('port', 9000);
    const done = await nextQuestion(recipe, none, {}, a);
    if (!('done' in done)) throw new Error('not done');
    const base = {
      recipe,
      dir: '/opt/demo',
      resolution: done.done,
      generated: [],
      plan: [
        { path: 'compose.yaml', action: 'update', conflict: 'edited' },
        { path: '.env', action: 'update' },
        { path: 'berth.yaml', action: 'unchanged' },
      ] as never,
      services: ['web'],
      confirmLabel: 'Install',
      answered: a,
    };
    expect(reviewModel({ ...base, reconfigure: false }).changes).toEqual({
      kind: 'new',
      lines: [],
      diffs: [],
    });
    expect(reviewModel({ ...base, reconfigure: false }).files).toHaveLength(3);
    // A reconfigure whose plan could not be made (no callback): the files as before, no Changes section.
    expect(reviewModel({ ...base, reconfigure: true }).changes).toBeUndefined();
    const changes = {
      changed: true,
      files: [{ path: '.env', action: 'update', diff: ['@@ -1,1 +1,1 @@', '-A=1', '+A=2'] }],
      services: [{ name: 'web', action: 'recreate' }],
      volumes: { added: [], removed: [] },
      hostPaths: [],
      secretsAdded: [],
      hooks: [],
      builds: [],
    } as never;
    const model = reviewModel({ ...base, reconfigure: true, changes });
    expect(model.files).toEqual([{ path: 'compose.yaml', action: 'update', conflict: 'edited' }]);
    expect(model.changes?.lines).toEqual([
      { label: 'Services', text: 'recreate web' },
      { label: 'Files', text: '.env +1 −1' },
    ]);
  });

  it('shows each kind of answer in words', () => {
    expect(displayValue({ type: 'confirm' }, true)).toBe('yes');
    expect(displayValue({ type: 'confirm' }, false)).toBe('no');
    expect(displayValue({ type: 'secret' }, 'x')).toBe('(hidden)');
    expect(displayValue({ type: 'domain' }, '')).toBe('(none)');
    expect(displayValue({ type: 'select', choices: [{ value: 'a', label: 'Alpha' }] }, 'a')).toBe('Alpha');
  });
});

describe('finalModel', () => {
  it('says where to go, where the secrets and answers live, and what to run next', () => {
    const m = finalModel({
      title: 'Magec',
      dir: '/opt/magec',
      started: true,
      urls: [{ label: 'Voice UI', url: 'http://192.0.2.10:8080' }],
      notes: ['n'],
      backupDir: '/opt/magec/.berth/backups/1',
    });
    expect(m.headline).toBe('✔ Magec is up.');
    expect(m.urls).toEqual([{ label: 'Voice UI', url: 'http://192.0.2.10:8080' }]);
    expect(m.lines.join('\n')).toContain('/opt/magec/.env (mode 0600');
    expect(m.lines.join('\n')).toContain('berth install --answers /opt/magec/berth.yaml --yes');
    expect(m.lines.join('\n')).toContain('backed up in /opt/magec/.berth/backups/1/');
    expect(m.next.map((n) => n.split(/\s{2,}/)[0])).toEqual([
      'berth status --dir /opt/magec',
      'berth logs --dir /opt/magec -f',
      'berth install --dir /opt/magec',
    ]);
    const written = finalModel({ title: 'Magec', dir: '/d', started: false, urls: [], notes: [] });
    expect(written.headline).toContain('files written to /d (the stack was not started)');
    expect(written.next[0]).toContain('berth install --dir /d --yes');
  });

  it('says the stack is up but a step did not succeed when a hook only warned', () => {
    const input = { title: 'LUStores', dir: '/d', urls: [], notes: [], warnings: ['! Hook x exited 4.'] };
    const m = finalModel({ ...input, started: true });
    expect(m.ok).toBe(false);
    expect(m.headline).toBe('! LUStores is up, but a step after the start did not succeed (below).');
    expect(m.warnings).toEqual(['! Hook x exited 4.']);
    // Files written without a start ran no hook: nothing to warn about.
    expect(finalModel({ ...input, started: false }).warnings).toEqual([]);
  });
});

describe('line editing', () => {
  const none = { return: false, backspace: false, delete: false, ctrl: false, meta: false } as never;
  it('types, deletes and clears, also when keys arrive in one chunk', () => {
    expect(editLine('ab', 'c', none)).toEqual({ value: 'abc', submit: false });
    expect(editLine('abc', '', { ...(none as object), backspace: true } as never).value).toBe('ab');
    expect(editLine('abc', 'u', { ...(none as object), ctrl: true } as never).value).toBe('');
    expect(editLine('old', '\x15sk-new\r', none)).toEqual({ value: 'sk-new', submit: true });
    expect(editLine('', 'pasted-key\n', none)).toEqual({ value: 'pasted-key', submit: true });
    expect(editLine('abc', 'd\x7f\x7fx', none).value).toBe('abx');
    expect(editLine('one two', '\x17', none).value).toBe('one ');
    expect(editLine('x', '', { ...(none as object), return: true } as never)).toEqual({
      value: 'x',
      submit: true,
    });
  });

  it('wraps prose at word boundaries', () => {
    expect(wrapWords('aaa bbb ccc  ddd', 8)).toBe('aaa bbb\nccc ddd');
    expect(wrapWords('short', 80)).toBe('short');
  });
});

describe('the install folder step', () => {
  it('accepts a new or same-recipe folder, refuses a file or another recipe’s install', () => {
    const root = tempDir();
    expect(checkDir('stack', 'magec', root)).toEqual({ ok: true });
    expect(checkDir('  ', 'magec', root)).toMatchObject({ ok: false });
    writeFileSync(path.join(root, 'file'), 'x');
    expect(checkDir('file', 'magec', root)).toEqual({
      ok: false,
      message: `${root}/file is a file, not a folder.`,
    });
    mkdirSync(path.join(root, 'other/.berth'), { recursive: true });
    writeFileSync(path.join(root, 'other/berth.yaml'), 'recipe: reflector\nanswers: {}\n');
    expect(checkDir('other', 'magec', root)).toEqual({
      ok: false,
      message: `${root}/other already holds a reflector install; choose another folder.`,
    });
    expect(checkDir('other', 'reflector', root)).toEqual({ ok: true });
  });
});

describe('the welcome checklist', () => {
  it('is one line per fact, GPU readiness in one line with the fix of the first failing rung', () => {
    const rows = welcomeRows(sampleFacts());
    expect(rows.map((r) => r.title)).toEqual([
      'System',
      'Resources',
      ...rows.slice(2, -1).map((r) => r.title),
      'NVIDIA GPU',
    ]);
    expect(rows[0]!.detail).toContain('Ubuntu 24.04 LTS');
  });

  it('says "none found" without a GPU and gives the fix when the toolkit is missing', async () => {
    const base = sampleFacts();
    const noGpu = welcomeRows({
      ...base,
      gpu: {
        ...base.gpu,
        ready: false,
        ladder: [{ id: 'device', title: 'NVIDIA GPU', status: 'fail', detail: 'no NVIDIA GPU found' }],
      },
    }).at(-1)!;
    expect(noGpu).toMatchObject({ status: 'skip', detail: expect.stringContaining('none found') });
    const noToolkit = welcomeRows({
      ...base,
      gpu: {
        ...base.gpu,
        ready: false,
        ladder: [
          { id: 'device', title: 'NVIDIA GPU', status: 'pass', detail: 'found' },
          { id: 'driver', title: 'Driver', status: 'pass', detail: '550' },
          {
            id: 'toolkit',
            title: 'Container toolkit',
            status: 'fail',
            detail: 'no nvidia runtime in Docker',
            fix: ['sudo apt-get install nvidia-container-toolkit'],
          },
        ],
      },
    }).at(-1)!;
    expect(noToolkit).toEqual({
      status: 'warn',
      title: 'NVIDIA GPU',
      detail: 'not ready: container toolkit: no nvidia runtime in Docker',
      fix: ['sudo apt-get install nvidia-container-toolkit'],
    });
    // The shipped recipe loads (the wizard lists it first).
    expect((await loadRecipe('magec')).manifest.title).toBe('Magec');
  });
});
