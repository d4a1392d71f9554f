// The review's account of a reconfigure, from `berth plan`'s ChangePlan, without React or Docker.
import { describe, expect, it } from 'vitest';
import type { ChangePlan } from '../../src/steps/change-plan.js';
import { changeSummary, diffPage, lineCounts } from '../../src/wizard/changes.js';

const ENV_DIFF = [
  '@@ -1,3 +1,3 @@',
  ' A=1',
  "-GREETING='Hello'",
  "+GREETING='Hi'",
  " APP_SECRET='<secret:APP_SECRET>'",
];

const quiet: ChangePlan = {
  changed: false,
  files: [
    { path: 'compose.yaml', action: 'unchanged' },
    { path: '.env', action: 'unchanged' },
  ],
  services: [
    { name: 'web', action: 'unchanged' },
    { name: 'init', action: 'unchanged' },
  ],
  volumes: { added: [], removed: [] },
  hostPaths: [{ path: '/srv/data', description: 'data', exists: true }],
  secretsAdded: [],
  hooks: [],
  builds: [],
};

const plan = (over: Partial<ChangePlan>): ChangePlan => ({ ...quiet, changed: true, ...over });

describe('changeSummary', () => {
  it.each<[string, ChangePlan | undefined, ReturnType<typeof changeSummary>]>([
    ['a first install: nothing to compare', undefined, { kind: 'new', lines: [], diffs: [] }],
    ['an empty plan: no change', quiet, { kind: 'none', lines: [], diffs: [] }],
    [
      'a changed answer: the file with its line counts, services by action, the diff kept for later',
      plan({
        files: [
          { path: 'compose.yaml', action: 'unchanged' },
          { path: '.env', action: 'update', diff: ENV_DIFF },
          { path: 'compose.gpu.yaml', action: 'create' },
          { path: 'old.yaml', action: 'remove' },
        ],
        services: [
          { name: 'db', action: 'unchanged' },
          { name: 'init', action: 'recreate' },
          { name: 'web', action: 'recreate', image: { from: 'app:1', to: 'app:2' } },
          { name: 'worker', action: 'create', image: { from: '', to: 'app:2' } },
          { name: 'cron', action: 'start' },
          { name: 'legacy', action: 'remove' },
        ],
      }),
      {
        kind: 'changes',
        lines: [
          {
            label: 'Services',
            text: 'create worker · recreate init, web · start cron · remove legacy',
          },
          { label: 'Images', text: 'web app:1 → app:2' },
          { label: 'Files', text: '.env +1 −1 · new compose.gpu.yaml · removed old.yaml' },
        ],
        diffs: [{ path: '.env', lines: ENV_DIFF }],
      },
    ],
    [
      'what appears and what runs; a volume no longer used is kept',
      plan({
        volumes: { added: ['p_models'], removed: ['p_old'] },
        hostPaths: [
          { path: '/srv/data', description: 'data', exists: true },
          { path: '/srv/models', description: 'models', exists: false },
        ],
        secretsAdded: ['redis_password'],
        hooks: ['seed'],
        builds: ['app'],
      }),
      {
        kind: 'changes',
        lines: [
          { label: 'Services', text: 'no change' },
          { label: 'New', text: 'volume p_models · folder /srv/models · secret redis_password' },
          { label: 'Runs', text: 'build app · hook seed' },
          { label: 'Kept', text: 'volume p_old (no longer used; its data stays)' },
        ],
        diffs: [],
      },
    ],
    [
      'compose could not be asked: says why',
      (() => {
        const p = plan({ unknown: 'Docker Compose is not available here' });
        delete p.services;
        return p;
      })(),
      {
        kind: 'changes',
        lines: [{ label: 'Services', text: 'not compared (Docker Compose is not available here)' }],
        diffs: [],
      },
    ],
  ])('%s', (_name, input, expected) => {
    expect(changeSummary(input)).toEqual(expected);
  });

  it('counts the lines a diff adds and removes (hunk headers and context are neither)', () => {
    expect(lineCounts(ENV_DIFF)).toEqual({ added: 1, removed: 1 });
    expect(lineCounts(['@@ 9000 lines → 9001 lines (too long to compare) @@'])).toEqual({
      added: 0,
      removed: 0,
    });
  });

  it('pages the diffs: file headings included, the window kept in range', () => {
    const diffs = [
      { path: '.env', lines: ['@@ -1 +1 @@', '-A=1', '+A=2'] },
      { path: 'compose.yaml', lines: ['@@ -1 +1 @@', '-x', '+y'] },
    ];
    expect(diffPage(diffs, 0, 3)).toEqual({
      lines: ['── .env ──', '@@ -1 +1 @@', '-A=1'],
      offset: 0,
      total: 8,
    });
    expect(diffPage(diffs, 99, 3)).toEqual({ lines: ['@@ -1 +1 @@', '-x', '+y'], offset: 5, total: 8 });
    expect(diffPage(diffs, -4, 20)).toMatchObject({ offset: 0, total: 8 });
  });
});
