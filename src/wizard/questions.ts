// The wizard's questions, each through the UI's promise prompts: the recipe, the install folder, and a recipe
// question of any type (a secret is typed masked and never echoed; a port is checked against what listens).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { coerce } from '../answers/coerce.js';
import { isSecretQuestion } from '../answers/names.js';
import type { PromptRequest } from '../answers/resolve.js';
import { probePorts } from '../detect/ports.js';
import type { ProbeEnv } from '../detect/probe.js';
import type { SwarmNodeFact } from '../detect/swarm.js';
import { installedRecipe, readPreviousInstall } from '../install-dir/state.js';
import type { AnswerValue } from '../recipes/condition.js';
import { DEFAULT_RECIPE, listRecipes } from '../recipes/registry.js';
import type { Target } from '../swarm/target.js';
import type { Validation } from './components.js';
import { BACK, type Back, type WizardUI } from './ui.js';

export async function askRecipe(ui: WizardUI, initial: string | undefined): Promise<string> {
  const recipes = listRecipes().sort((a, b) =>
    a.manifest.name === DEFAULT_RECIPE ? -1 : b.manifest.name === DEFAULT_RECIPE ? 1 : 0,
  );
  const title = 'What do you want to install?';
  const name = (await ui.select({
    title,
    choices: recipes.map((r) => ({
      value: r.manifest.name,
      label: r.manifest.title,
      description: r.manifest.description,
    })),
    initial: initial ?? DEFAULT_RECIPE,
  })) as string; // the first step: no going back
  ui.answered(title, recipes.find((r) => r.manifest.name === name)!.manifest.title);
  return name;
}

/** Where the stack runs, asked on a swarm manager when no source said (the choices' words: TARGET_CHOICES). */
export async function askTarget(
  ui: WizardUI,
  initial: Target | undefined,
  nodes: number | undefined,
  canGoBack: boolean,
): Promise<Target | Back> {
  const title = 'Where should the stack run?';
  const size = nodes === undefined ? 'a swarm' : `a swarm of ${nodes} node${nodes === 1 ? '' : 's'}`;
  const target = await ui.select({
    title,
    help: `This machine is a manager of ${size}.`,
    choices: TARGET_CHOICES.map((c) => ({ ...c })),
    initial: initial ?? 'compose',
    canGoBack,
  });
  if (target === BACK) return BACK;
  ui.answered(title, targetLabel(target as Target));
  return target as Target;
}

export const TARGET_CHOICES: readonly { value: Target; label: string; description: string }[] = [
  {
    value: 'compose',
    label: 'On this machine (docker compose)',
    description: 'The usual install: every service runs here, managed with docker compose.',
  },
  {
    value: 'swarm',
    label: 'On the swarm, as a stack (docker stack deploy)',
    description:
      'Deployed from this manager across the nodes; services that keep data stay on one labelled node, updates roll and roll back. Not yet: backup, restore, upgrade, recipe hooks (docs/scale-out.md).',
  },
];

export const targetLabel = (target: Target): string => TARGET_CHOICES.find((c) => c.value === target)!.label;

/** The node that holds a swarm stack's data, asked when none does yet; `nodes` are the ready ones, this first. */
export async function askDataNode(
  ui: WizardUI,
  initial: string | undefined,
  nodes: readonly SwarmNodeFact[],
  canGoBack: boolean,
): Promise<string | Back> {
  const title = 'Which node holds the data (volumes and host folders)?';
  const id = await ui.select({
    title,
    help: 'Services that keep data run only on this node, and berth never moves data between nodes.',
    choices: nodes.map((n) => ({ value: n.id, label: nodeLabel(n) })),
    initial: initial ?? nodes[0]!.id,
    canGoBack,
  });
  if (id === BACK) return BACK;
  ui.answered(title, nodeLabel(nodes.find((n) => n.id === id)!));
  return id;
}

/** "vm1 (manager, this node)". */
export const nodeLabel = (n: SwarmNodeFact): string =>
  `${n.hostname} (${n.role}${n.self ? ', this node' : ''})`;

export function checkDir(text: string, recipe: string, cwd: string): Validation {
  if (text.trim() === '') return { ok: false, message: 'Give a folder, e.g. /opt/' + recipe };
  const dir = path.resolve(cwd, text.trim());
  if (existsSync(dir) && !statSync(dir).isDirectory())
    return { ok: false, message: `${dir} is a file, not a folder.` };
  const other = installedRecipe(readPreviousInstall(dir));
  if (other && other !== recipe)
    return { ok: false, message: `${dir} already holds a ${other} install; choose another folder.` };
  return { ok: true };
}

export async function askDir(
  ui: WizardUI,
  initial: string,
  recipe: string,
  cwd: string,
  canGoBack: boolean,
): Promise<string | Back> {
  const title = 'Install folder';
  const text = await ui.text({
    title,
    help: "compose.yaml, .env (the secrets) and berth's own state go here. A folder that already holds this stack is reconfigured.",
    initial,
    validate: (t) => checkDir(t, recipe, cwd),
    canGoBack,
  });
  if (text === BACK) return BACK;
  const dir = path.resolve(cwd, text.trim());
  ui.answered(title, dir);
  return dir;
}

export async function askQuestion(
  ui: WizardUI,
  request: PromptRequest,
  canGoBack: boolean,
  probe: ProbeEnv,
): Promise<AnswerValue | Back> {
  const q = request.question;
  const common = { title: q.prompt, help: q.help, canGoBack };
  const validate = (text: string): Validation => {
    const result = coerce(q, text);
    return result.ok ? { ok: true } : { ok: false, message: result.message };
  };
  if (q.type === 'select') {
    const choices = (q.choices ?? []).map((c) => ({
      value: c.value,
      label: c.label,
      description: c.description,
    }));
    const initial = request.initial === undefined ? undefined : String(request.initial);
    return ui.select({ ...common, choices, initial });
  }
  if (q.type === 'confirm') return ui.confirm({ ...common, initial: request.initial === true });
  if (isSecretQuestion(q)) {
    // A value already set (reconfiguring): an empty Enter keeps it.
    const keep = request.initial !== undefined && request.initial !== '';
    const text = await ui.secret({
      ...common,
      keepHint: keep ? '(Enter keeps the current one)' : undefined,
      validate: (t) => (keep && t === '' ? { ok: true } : validate(t)),
    });
    return text === BACK ? BACK : keep && text === '' ? request.initial! : valueOf(q, text);
  }
  const text = await ui.text({
    ...common,
    initial: request.initial === undefined ? '' : String(request.initial),
    validate,
    check: q.type === 'port' ? (t) => portWarning(Number(t), probe) : undefined,
  });
  return text === BACK ? BACK : valueOf(q, text);
}

function valueOf(q: PromptRequest['question'], text: string): AnswerValue {
  const result = coerce(q, text);
  if (!result.ok) throw new Error(`${q.id}: ${result.message}`);
  return result.value;
}

export async function portWarning(port: number, probe: ProbeEnv): Promise<string | undefined> {
  const [fact] = await probePorts([port], probe);
  if (!fact || fact.free) return undefined;
  const who = fact.holder ? `${fact.holder.name} (pid ${fact.holder.pid})` : 'another process';
  const own = fact.holder && /^docker-proxy$|^rootlesskit/.test(fact.holder.name);
  return own
    ? `Port ${port} is in use by a container (${who}): fine if it is this install's own stack.`
    : `Port ${port} is in use by ${who}; the stack cannot start on it.`;
}
