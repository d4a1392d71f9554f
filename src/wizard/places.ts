// Which recipe in which folder the wizard is on, and where its stack runs: the recipe and folder steps (asked
// only when the command line did not settle them), the target step (on a swarm manager, when no source settled
// it), the data node step (a swarm stack on several nodes, none holding its data yet), located once per choice,
// and the reconfigure note once per folder.
import type { Context } from '../context.js';
import type { DetectedFacts } from '../detect/facts.js';
import type { SwarmNodeFact } from '../detect/swarm.js';
import { defaultDir, locate, type Located, type LocateChoice } from '../steps/locate.js';
import { dataLabel } from '../swarm/stack-file.js';
import type { Target } from '../swarm/target.js';
import { Answered, DATA_NODE_STEP, DIR_STEP, RECIPE_STEP, TARGET_STEP } from './flow.js';
import { askDataNode, askDir, askRecipe, askTarget } from './questions.js';
import { BACK, type Back, type WizardUI } from './ui.js';

/**
 * Which recipe in which folder, as the answers so far choose it. Located once per choice (not per keystroke),
 * and the reconfigure note is shown once per folder.
 */
export class Places {
  private last: { key: string; located: Located } | undefined;
  private announced: string | undefined;

  constructor(
    readonly ctx: Context & { facts: DetectedFacts },
    readonly first: Located,
  ) {
    // Nothing chosen in the wizard yet: the command line's place, located already (a recipe folder is parsed
    // and checked once).
    this.last = { key: JSON.stringify(this.choice(new Answered())), located: first };
  }

  choice(answered: Answered): LocateChoice {
    return {
      recipe: answered.get(RECIPE_STEP) as string | undefined,
      dir: answered.get(DIR_STEP) as string | undefined,
      target: answered.get(TARGET_STEP) as Target | undefined,
      dataNode: answered.get(DATA_NODE_STEP) as string | undefined,
    };
  }

  async located(answered: Answered): Promise<Located> {
    const choice = this.choice(answered);
    const key = JSON.stringify(choice);
    if (this.last?.key !== key) this.last = { key, located: await locate(this.ctx, choice) };
    return this.last.located;
  }

  /** The reconfigure note, the first time a folder that holds an install is chosen. */
  announce(ui: WizardUI, located: Located): void {
    if (this.announced === located.dir || !located.previous.state) return;
    this.announced = located.dir;
    ui.note(
      `Reconfiguring the ${located.recipe.manifest.title} install in ${located.dir}: its answers are the ` +
        'defaults, its secrets are kept, and your own compose.override.yaml is never touched.',
    );
  }
}

/** The recipe and folder steps, each asked only when the command line did not settle it. */
export async function placeStep(
  ui: WizardUI,
  places: Places,
  answered: Answered,
  facts: DetectedFacts,
): Promise<'placed' | 'asked' | Back> {
  const { first } = places;
  if (!first.recipeGiven && !answered.has(RECIPE_STEP)) {
    const recipe = await askRecipe(ui, answered.rememberedValue(RECIPE_STEP) as string | undefined);
    answered.answer(RECIPE_STEP, recipe);
    return 'asked';
  }
  if (!first.dirGiven && !answered.has(DIR_STEP)) {
    const recipe = (await places.located(answered)).recipe.manifest.name;
    const initial = (answered.rememberedValue(DIR_STEP) as string | undefined) ?? defaultDir(recipe, facts);
    const dir = await askDir(ui, initial, recipe, places.ctx.cwd, answered.canGoBack);
    if (dir === BACK) return BACK;
    answered.answer(DIR_STEP, dir);
    return 'asked';
  }
  const located = await places.located(answered);
  // Asked once the folder is known: an install there keeps its target.
  if (asksTarget(located, facts) && !answered.has(TARGET_STEP)) {
    const remembered = answered.rememberedValue(TARGET_STEP) as Target | undefined;
    const target = await askTarget(ui, remembered, facts.docker?.swarm?.nodes, answered.canGoBack);
    if (target === BACK) return BACK;
    answered.answer(TARGET_STEP, target);
    return 'asked';
  }
  // Asked once the target is swarm: berth never moves data, so the first deploy's node is the node for good.
  const nodes = dataNodeChoices(located, facts);
  if (nodes && !answered.has(DATA_NODE_STEP)) {
    const remembered = answered.rememberedValue(DATA_NODE_STEP) as string | undefined;
    const node = await askDataNode(ui, remembered, nodes, answered.canGoBack);
    if (node === BACK) return BACK;
    answered.answer(DATA_NODE_STEP, node);
    return 'asked';
  }
  places.announce(ui, located);
  return 'placed';
}

/** Where the stack runs is asked on a swarm manager, when no flag, variable, answers file or install said. */
export function asksTarget(
  located: Pick<Located, 'targetGiven'>,
  facts: Pick<DetectedFacts, 'docker'>,
): boolean {
  return !located.targetGiven && facts.docker?.swarm?.role === 'manager';
}

/**
 * The nodes to offer for the stack's data (this node first), or undefined when it is not asked: not a swarm
 * stack, --data-node or BERTH_DATA_NODE said, a node is labelled berth.<project>.data=true already, or fewer than
 * two nodes are ready.
 */
export function dataNodeChoices(
  located: Pick<Located, 'target' | 'dataNodeGiven' | 'project'>,
  facts: Pick<DetectedFacts, 'docker'>,
): SwarmNodeFact[] | undefined {
  const swarm = facts.docker?.swarm;
  if (located.target !== 'swarm' || located.dataNodeGiven || swarm?.role !== 'manager') return undefined;
  const list = swarm.nodeList ?? [];
  if (list.some((n) => n.labels[dataLabel(located.project)] === 'true')) return undefined;
  const ready = list.filter((n) => n.status === 'ready');
  if (ready.length < 2) return undefined;
  return [...ready.filter((n) => n.self), ...ready.filter((n) => !n.self)];
}
