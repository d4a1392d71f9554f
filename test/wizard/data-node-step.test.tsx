// The wizard's data node step: a swarm stack on a swarm of several ready nodes, with no --data-node or
// BERTH_DATA_NODE and no node labelled for the stack's data yet, asks which node holds the data (this node first
// and the default); the choice is the Located (and so the Prepared) data node, which the deploy labels.
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/context.js';
import type { DetectedFacts } from '../../src/detect/facts.js';
import type { SwarmNodeFact } from '../../src/detect/swarm.js';
import { locate } from '../../src/steps/locate.js';
import { Answered, DATA_NODE_STEP, TARGET_STEP } from '../../src/wizard/flow.js';
import { dataNodeChoices, Places, placeStep } from '../../src/wizard/places.js';
import { BACK, WizardApp, WizardStore, WizardUI } from '../../src/wizard/ui.js';
import { tempDir } from '../helpers.js';

const KEY = { down: '\x1b[B', enter: '\r', esc: '\x1b' };
const tick = () => new Promise((r) => setTimeout(r, 40));
const frame = (r: { lastFrame: () => string | undefined }) => stripVTControlCharacters(r.lastFrame() ?? '');

function node(id: string, hostname: string, more: Partial<SwarmNodeFact> = {}): SwarmNodeFact {
  return {
    id,
    hostname,
    role: 'worker',
    status: 'ready',
    availability: 'active',
    leader: false,
    self: false,
    labels: {},
    ...more,
  };
}

// The manager (this node) is listed after a worker, as the engine may list them: the question puts it first.
const TWO = [node('w1id', 'vm2'), node('m1id', 'vm1', { role: 'manager', self: true, leader: true })];

function factsFor(nodeList: SwarmNodeFact[]): DetectedFacts {
  return {
    isRoot: false,
    home: '/home/x',
    docker: { swarm: { state: 'active', role: 'manager', nodes: nodeList.length, nodeList } },
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

describe('the data node step', () => {
  it('asks for a swarm stack on two nodes: this node first and the default; the choice is the data node', async () => {
    const dir = path.join(tempDir(), 'magec');
    const facts = factsFor(TWO);
    const places = await placesFor(dir, facts, { target: 'swarm' });
    const answered = new Answered();
    const { ui, r } = wizard();
    const step = placeStep(ui, places, answered, facts);
    await tick();
    expect(frame(r)).toBe(
      [
        '? Which node holds the data (volumes and host folders)?',
        '  Services that keep data run only on this node, and berth never moves data between nodes.',
        '❯ vm1 (manager, this node)',
        '  vm2 (worker)',
        '↑↓ choose · Enter select · Ctrl-C quit',
      ].join('\n'),
    );
    r.stdin.write(KEY.down);
    await tick();
    expect(frame(r)).toContain('❯ vm2 (worker)');
    r.stdin.write(KEY.enter);
    expect(await step).toBe('asked');
    expect(answered.get(DATA_NODE_STEP)).toBe('w1id');
    await tick();
    expect(r.frames.map(stripVTControlCharacters).join('\n')).toContain(
      '✔ Which node holds the data (volumes and host folders)? vm2 (worker)',
    );
    // The next pass is placed, and the install is located with the chosen node's ID.
    expect(await placeStep(ui, places, answered, facts)).toBe('placed');
    const located = await places.located(answered);
    expect(located.dataNode).toBe('w1id');
    expect(located.dataNodeGiven).toBe(false);
  });

  it('Enter keeps this node; going back and asking again offers the choice made before', async () => {
    const dir = path.join(tempDir(), 'magec');
    const facts = factsFor(TWO);
    const places = await placesFor(dir, facts, { target: 'swarm' });
    const answered = new Answered();
    const { ui, r } = wizard();
    const first = placeStep(ui, places, answered, facts);
    await tick();
    r.stdin.write(KEY.enter);
    expect(await first).toBe('asked');
    expect((await places.located(answered)).dataNode).toBe('m1id');
    answered.backTo(DATA_NODE_STEP);
    expect((await places.located(answered)).dataNode).toBeUndefined();
    const again = placeStep(ui, places, answered, facts);
    await tick();
    expect(frame(r)).toContain('❯ vm1 (manager, this node)');
    r.stdin.write(KEY.down);
    r.stdin.write(KEY.enter);
    expect(await again).toBe('asked');
    answered.backTo(DATA_NODE_STEP);
    const third = placeStep(ui, places, answered, facts);
    await tick();
    expect(frame(r)).toContain('❯ vm2 (worker)');
    r.stdin.write(KEY.enter);
    expect(await third).toBe('asked');
  });

  it('follows the target step: choosing the swarm there asks it next; Esc goes back to the target', async () => {
    const dir = path.join(tempDir(), 'magec');
    const facts = factsFor(TWO);
    const places = await placesFor(dir, facts);
    const answered = new Answered();
    answered.answer(TARGET_STEP, 'swarm');
    const { ui, r } = wizard();
    const step = placeStep(ui, places, answered, facts);
    await tick();
    expect(frame(r)).toContain('? Which node holds the data (volumes and host folders)?');
    expect(frame(r)).toContain('Esc back');
    r.stdin.write(KEY.esc);
    expect(await step).toBe(BACK);
  });

  it('offers only ready nodes', async () => {
    const nodes = [...TWO, node('d1id', 'vm3', { status: 'down' })];
    const located = { target: 'swarm' as const, dataNodeGiven: false, project: 'magec' };
    expect(dataNodeChoices(located, factsFor(nodes))?.map((n) => n.hostname)).toEqual(['vm1', 'vm2']);
  });

  it.each<[string, SwarmNodeFact[], Record<string, string>, Record<string, string>]>([
    ['one node', [TWO[1]!], { target: 'swarm' }, {}],
    ['one ready node', [TWO[1]!, node('w1id', 'vm2', { status: 'down' })], { target: 'swarm' }, {}],
    [
      'a node labelled for the stack',
      [TWO[0]!, { ...TWO[1]!, labels: { 'berth.magec.data': 'true' } }],
      { target: 'swarm' },
      {},
    ],
    ['--data-node given', TWO, { target: 'swarm', dataNode: 'vm2' }, {}],
    ['BERTH_DATA_NODE set', TWO, { target: 'swarm' }, { BERTH_DATA_NODE: 'vm2' }],
    ['target compose', TWO, { target: 'compose' }, {}],
  ])('is not asked: %s', async (_what, nodes, options, env) => {
    const dir = path.join(tempDir(), 'magec');
    const facts = factsFor(nodes);
    const places = await placesFor(dir, facts, options, env);
    const answered = new Answered();
    const { ui } = wizard();
    expect(await placeStep(ui, places, answered, facts)).toBe('placed');
    expect(answered.has(DATA_NODE_STEP)).toBe(false);
    const located = await places.located(answered);
    const named = options.dataNode ?? env.BERTH_DATA_NODE;
    expect(located.dataNode).toBe(named);
    expect(located.dataNodeGiven).toBe(named !== undefined);
  });

  it('is asked when only another stack has a node labelled for its data', async () => {
    const nodes = [TWO[0]!, { ...TWO[1]!, labels: { 'berth.other.data': 'true' } }];
    const located = { target: 'swarm' as const, dataNodeGiven: false, project: 'magec' };
    expect(dataNodeChoices(located, factsFor(nodes))?.map((n) => n.id)).toEqual(['m1id', 'w1id']);
  });
});
