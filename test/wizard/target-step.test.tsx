// The wizard's target step: on a swarm manager, with no flag, variable, answers file or install saying where the
// stack runs, it asks (compose here, or the swarm stack) once the folder is known; the choice is the Located (and
// so the Prepared) target, shown on the review and changeable from it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.js';
import type { DetectedFacts } from '../../src/detect/facts.js';
import { locate } from '../../src/steps/locate.js';
import { Answered, TARGET_STEP } from '../../src/wizard/flow.js';
import { asksTarget, Places, placeStep } from '../../src/wizard/places.js';
import { BACK, WizardApp, WizardStore, WizardUI } from '../../src/wizard/ui.js';
import { tempDir } from '../helpers.js';

const KEY = { down: '\x1b[B', enter: '\r', esc: '\x1b' };
const tick = () => new Promise((r) => setTimeout(r, 40));
const frame = (r: { lastFrame: () => string | undefined }) => stripVTControlCharacters(r.lastFrame() ?? '');

function factsFor(role: 'manager' | 'worker' | 'none' | undefined): DetectedFacts {
  return {
    isRoot: false,
    home: '/home/x',
    ...(role
      ? { docker: { swarm: { state: role === 'none' ? 'inactive' : 'active', role, nodes: 3 } } }
      : {}),
  } as unknown as DetectedFacts;
}

/** The wizard's place for magec in `dir`, with the command line's options and environment given. */
async function placesFor(
  dir: string,
  facts: DetectedFacts,
  options: Record<string, unknown> = {},
  env: Record<string, string> = {},
) {
  const ctx = {
    cli: { command: 'install', options: { recipe: 'magec', dir, ...options }, positionals: [] },
    cwd: dir,
    env,
    facts,
  } as unknown as Context & { facts: DetectedFacts };
  return new Places(ctx, await locate(ctx));
}

function wizard() {
  const store = new WizardStore();
  const ui = WizardUI.over(store);
  const r = render(<WizardApp store={store} />);
  return { ui, r };
}

describe('the target step', () => {
  it('asks on a manager: compose first, the swarm stack below; the choice becomes the target', async () => {
    const dir = path.join(tempDir(), 'magec');
    const facts = factsFor('manager');
    const places = await placesFor(dir, facts);
    const answered = new Answered();
    const { ui, r } = wizard();
    const step = placeStep(ui, places, answered, facts);
    await tick();
    expect(frame(r)).toBe(
      [
        '? Where should the stack run?',
        '  This machine is a manager of a swarm of 3 nodes.',
        '❯ On this machine (docker compose)',
        '  On the swarm, as a stack (docker stack deploy)',
        '  The usual install: every service runs here, managed with docker compose.',
        '↑↓ choose · Enter select · Ctrl-C quit',
      ].join('\n'),
    );
    r.stdin.write(KEY.down);
    await tick();
    expect(frame(r)).toContain('❯ On the swarm, as a stack (docker stack deploy)');
    expect(frame(r)).toContain('Not yet: backup, restore, upgrade, recipe hooks (docs/scale-out.md).');
    r.stdin.write(KEY.enter);
    expect(await step).toBe('asked');
    expect(answered.get(TARGET_STEP)).toBe('swarm');
    await tick();
    expect(r.frames.map(stripVTControlCharacters).join('\n')).toContain(
      '✔ Where should the stack run? On the swarm, as a stack (docker stack deploy)',
    );
    // The next pass is placed, and the install is located with the chosen target.
    expect(await placeStep(ui, places, answered, facts)).toBe('placed');
    expect((await places.located(answered)).target).toBe('swarm');
  });

  it('Enter keeps compose; going back and asking again offers the choice made before', async () => {
    const dir = path.join(tempDir(), 'magec');
    const facts = factsFor('manager');
    const places = await placesFor(dir, facts);
    const answered = new Answered();
    const { ui, r } = wizard();
    const first = placeStep(ui, places, answered, facts);
    await tick();
    r.stdin.write(KEY.enter);
    expect(await first).toBe('asked');
    expect((await places.located(answered)).target).toBe('compose');
    answered.backTo(TARGET_STEP);
    const again = placeStep(ui, places, answered, facts);
    await tick();
    expect(frame(r)).toContain('❯ On this machine (docker compose)');
    r.stdin.write(KEY.enter);
    expect(await again).toBe('asked');
  });

  it('Esc goes back when a step came before it', async () => {
    const dir = path.join(tempDir(), 'magec');
    const facts = factsFor('manager');
    const places = await placesFor(dir, facts);
    const answered = new Answered();
    answered.answer('@dir', dir);
    const { ui, r } = wizard();
    const step = placeStep(ui, places, answered, facts);
    await tick();
    expect(frame(r)).toContain('Esc back');
    r.stdin.write(KEY.esc);
    expect(await step).toBe(BACK);
  });

  it.each<[string, DetectedFacts, Record<string, string>, Record<string, string>]>([
    ['not in a swarm', factsFor('none'), {}, {}],
    ['a worker', factsFor('worker'), {}, {}],
    ['no engine', factsFor(undefined), {}, {}],
    ['--target given', factsFor('manager'), { target: 'compose' }, {}],
    ['BERTH_TARGET set', factsFor('manager'), {}, { BERTH_TARGET: 'swarm' }],
  ])('is not asked: %s', async (_what, facts, options, env) => {
    const dir = path.join(tempDir(), 'magec');
    const places = await placesFor(dir, facts, options, env);
    const answered = new Answered();
    const { ui } = wizard();
    expect(await placeStep(ui, places, answered, facts)).toBe('placed');
    expect(answered.has(TARGET_STEP)).toBe(false);
    const located = await places.located(answered);
    expect(located.target).toBe(env.BERTH_TARGET ?? options.target ?? 'compose');
  });

  it('is not asked for a folder that holds an install: it keeps its target (compose when none is recorded)', async () => {
    for (const target of [undefined, 'swarm'] as const) {
      const dir = path.join(tempDir(), 'magec');
      mkdirSync(path.join(dir, '.berth'), { recursive: true });
      writeFileSync(
        path.join(dir, '.berth/state.json'),
        JSON.stringify({ recipe: 'magec', recipeVersion: '1.0.0', files: {}, ...(target ? { target } : {}) }),
      );
      const located = await locate({
        cli: { options: { recipe: 'magec', dir } },
        cwd: dir,
        env: {},
        facts: factsFor('manager'),
      } as unknown as Context);
      expect(located.targetGiven).toBe(true);
      expect(located.target).toBe(target ?? 'compose');
      expect(asksTarget(located, factsFor('manager'))).toBe(false);
    }
  });
});
