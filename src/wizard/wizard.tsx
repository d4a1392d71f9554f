// The interactive install: welcome and checklist, recipe, folder, the recipe's questions (with back navigation),
// the review, and only then anything written. Returns what the install needs to go on; the bring-up and the
// final screen follow in commands/install.ts.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { coerce } from '../answers/coerce.js';
import { isSecretQuestion } from '../answers/names.js';
import type { PromptRequest } from '../answers/resolve.js';
import type { Context } from '../context.js';
import { dockerChecks } from '../detect/checks.js';
import { systemWhere, vramGb } from '../detect/messages.js';
import type { DetectedFacts, MachineFacts } from '../detect/facts.js';
import { probePorts } from '../detect/ports.js';
import type { ProbeEnv } from '../detect/probe.js';
import { CancelledError } from '../errors.js';
import { installedRecipe, readPreviousInstall } from '../install-dir/state.js';
import { serviceList } from '../messages.js';
import type { AnswerValue } from '../recipes/condition.js';
import { DEFAULT_RECIPE, listRecipes } from '../recipes/registry.js';
import { defaultDir, locate, type Located, type LocateChoice } from '../steps/locate.js';
import { answerSources, prepare, type Prepared } from '../steps/prepare.js';
import { berthVersion } from '../version.js';
import {
  ConfirmPrompt,
  NoteLine,
  SelectPrompt,
  TextPrompt,
  type CheckRow,
  type Validation,
} from './components.js';
import {
  Answered,
  DIR_STEP,
  displayValue,
  nextQuestion,
  RECIPE_STEP,
  reviewModel,
  type ReviewRow,
} from './flow.js';
import type { WizardUI } from './ui.js';

const BACK = Symbol('back');
type Back = typeof BACK;

export interface WizardInput {
  ctx: Context;
  ui: WizardUI;
  flags: Record<string, string | boolean>;
  /** Detection, started before the first frame; the checklist shows when it settles. */
  facts: Promise<DetectedFacts>;
  probe: ProbeEnv;
  /** What confirming the review does. */
  confirmLabel: string;
  force: boolean;
  skipChecks: boolean;
  /** The machine checks for these answers (what install refuses on), for the review. */
  preflight: (p: Prepared, facts: DetectedFacts) => Promise<{ blocking: string[]; warnings: string[] }>;
  /** Re-reads the command line's question flags for another recipe. */
  flagsFor: (located: Located) => Record<string, string | boolean>;
}

export interface WizardResult {
  prepared: Prepared;
  facts: DetectedFacts;
  flags: Record<string, string | boolean>;
}

export async function runWizard(input: WizardInput): Promise<WizardResult> {
  const { ctx, ui } = input;
  let located = await locate(ctx);
  // The entry may have printed the generic heading already (ctx.greeted); then only a recipe's name is added.
  const heading = ctx.greeted
    ? located.recipeGiven
      ? `Installing ${located.recipe.manifest.title}`
      : undefined
    : located.recipeGiven
      ? `berth ${berthVersion()} · installing ${located.recipe.manifest.title}`
      : `berth ${berthVersion()} · guided installer for self-hosted stacks`;
  await ui.welcome(
    heading,
    input.facts.then((f) => welcomeRows(f)),
    ctx.greeted === true,
  );
  const facts = await input.facts;
  const wizardCtx: Context = { ...ctx, facts };
  const answered = new Answered();
  let announced: string | undefined;
  let flags = input.flags;
  for (;;) {
    const choice: LocateChoice = {
      recipe: answered.get(RECIPE_STEP) as string | undefined,
      dir: answered.get(DIR_STEP) as string | undefined,
    };
    if (!located.recipeGiven && !answered.has(RECIPE_STEP)) {
      const value = await askRecipe(ui, choice.recipe ?? (answered.rememberedValue(RECIPE_STEP) as string));
      answered.answer(RECIPE_STEP, value);
      continue;
    }
    if (!located.dirGiven && !answered.has(DIR_STEP)) {
      const recipeName = (await locate(wizardCtx, choice)).recipe.manifest.name;
      const initial =
        (answered.rememberedValue(DIR_STEP) as string | undefined) ?? defaultDir(recipeName, facts);
      const value = await askDir(ui, initial, recipeName, ctx.cwd, answered.canGoBack);
      if (value === BACK) {
        answered.back();
        continue;
      }
      answered.answer(DIR_STEP, value);
      continue;
    }
    located = await locate(wizardCtx, choice);
    flags = input.flagsFor(located);
    if (announced !== located.dir && located.previous.state) {
      ui.print(
        <NoteLine>
          Reconfiguring the {located.recipe.manifest.title} install in {located.dir}: its answers are the
          defaults, its secrets are kept, and your own compose.override.yaml is never touched.
        </NoteLine>,
      );
    }
    announced = located.dir;
    const next = await nextQuestion(located.recipe, answerSources(located, flags, ctx.env), facts, answered);
    if ('ask' in next) {
      const value = await askQuestion(ui, next.ask, answered.canGoBack, input.probe);
      if (value === BACK) {
        answered.back();
        continue;
      }
      answered.answer(next.ask.question.id, value);
      ui.answered(next.ask.question.prompt, displayValue(next.ask.question, value));
      continue;
    }
    const prepared = await prepare(located, flags, {
      ...wizardCtx,
      prompter: (request) => Promise.resolve(answered.get(request.question.id)!),
    });
    const checks = await input.preflight(prepared, facts);
    const conflicts = prepared.plan.filter((e) => e.conflict);
    const problems = [
      ...(input.skipChecks ? [] : checks.blocking),
      ...(conflicts.length > 0 && !input.force
        ? [
            `${conflicts.map((e) => e.path).join(', ')} changed outside berth: move your changes to compose.override.yaml, or re-run with --force (the old files are backed up).`,
          ]
        : []),
    ];
    const warnings = [
      ...prepared.resolution.warnings,
      ...checks.warnings,
      ...(input.skipChecks ? checks.blocking.map((b) => `(--skip-checks) ${b}`) : []),
    ];
    const steps: ReviewRow[] = [];
    if (answered.has(RECIPE_STEP))
      steps.push({
        id: RECIPE_STEP,
        label: 'Stack',
        value: prepared.recipe.manifest.title,
        changeable: true,
      });
    if (answered.has(DIR_STEP))
      steps.push({ id: DIR_STEP, label: 'Install folder', value: prepared.dir, changeable: true });
    const choiceMade = await ui.review(
      reviewModel({
        recipe: prepared.recipe,
        dir: prepared.dir,
        reconfigure: prepared.reconfigure,
        resolution: prepared.resolution,
        generated: prepared.secrets.generated,
        plan: prepared.plan,
        services: serviceList(prepared),
        problems,
        warnings,
        confirmLabel: input.confirmLabel,
        answered,
        steps,
      }),
    );
    if (choiceMade.action === 'quit') throw new CancelledError();
    if (choiceMade.action === 'change') {
      answered.backTo(choiceMade.id);
      continue;
    }
    return { prepared, facts, flags };
  }
}

// --- the steps -----------------------------------------------------------------------------------------------

function askRecipe(ui: WizardUI, initial: string | undefined): Promise<string> {
  const recipes = listRecipes().sort((a, b) =>
    a.manifest.name === DEFAULT_RECIPE ? -1 : b.manifest.name === DEFAULT_RECIPE ? 1 : 0,
  );
  return ui
    .ask<string>((settle) => (
      <SelectPrompt
        title="What do you want to install?"
        choices={recipes.map((r) => ({
          value: r.manifest.name,
          label: r.manifest.title,
          description: r.manifest.description,
        }))}
        initial={initial ?? DEFAULT_RECIPE}
        onSubmit={settle}
      />
    ))
    .then((name) => {
      ui.answered(
        'What do you want to install?',
        recipes.find((r) => r.manifest.name === name)!.manifest.title,
      );
      return name;
    });
}

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

async function askDir(
  ui: WizardUI,
  initial: string,
  recipe: string,
  cwd: string,
  canGoBack: boolean,
): Promise<string | Back> {
  const title = 'Install folder';
  const result = await ui.ask<string | Back>((settle) => (
    <TextPrompt
      title={title}
      help="compose.yaml, .env (the secrets) and berth's own state go here. A folder that already holds this stack is reconfigured."
      initial={initial}
      validate={(text) => checkDir(text, recipe, cwd)}
      onSubmit={(text) => settle(path.resolve(cwd, text.trim()))}
      onBack={canGoBack ? () => settle(BACK) : undefined}
    />
  ));
  if (result !== BACK) ui.answered(title, result);
  return result;
}

function askQuestion(
  ui: WizardUI,
  request: PromptRequest,
  canGoBack: boolean,
  probe: ProbeEnv,
): Promise<AnswerValue | Back> {
  const q = request.question;
  return ui.ask<AnswerValue | Back>((settle) => {
    const common = { title: q.prompt, help: q.help, onBack: canGoBack ? () => settle(BACK) : undefined };
    if (q.type === 'select')
      return (
        <SelectPrompt
          {...common}
          choices={(q.choices ?? []).map((c) => ({
            value: c.value,
            label: c.label,
            description: c.description,
          }))}
          initial={request.initial === undefined ? undefined : String(request.initial)}
          onSubmit={settle}
        />
      );
    if (q.type === 'confirm')
      return <ConfirmPrompt {...common} initial={request.initial === true} onSubmit={settle} />;
    const validate = (text: string): Validation => {
      const result = coerce(q, text);
      return result.ok ? { ok: true } : { ok: false, message: result.message };
    };
    if (isSecretQuestion(q)) {
      const keep = request.initial !== undefined && request.initial !== '';
      return (
        <TextPrompt
          {...common}
          initial=""
          secret
          keepHint={keep ? '(Enter keeps the current one)' : undefined}
          validate={(text) => (keep && text === '' ? { ok: true } : validate(text))}
          onSubmit={(text) => settle(keep && text === '' ? request.initial! : valueOf(q, text))}
        />
      );
    }
    return (
      <TextPrompt
        {...common}
        initial={request.initial === undefined ? '' : String(request.initial)}
        validate={validate}
        check={q.type === 'port' ? (text) => portWarning(Number(text), probe) : undefined}
        onSubmit={(text) => settle(valueOf(q, text))}
      />
    );
  });
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

// --- the checklist -------------------------------------------------------------------------------------------

/** The welcome's compact checklist: the machine, Docker and Compose, and one line of GPU readiness. */
export function welcomeRows(f: DetectedFacts): CheckRow[] {
  const s = f.system;
  const where = systemWhere(s);
  const rows: CheckRow[] = [
    {
      status: 'info',
      title: 'System',
      detail: `${s.distro.name}, ${s.arch}${where.length ? ` (${where.join(', ')})` : ''}`,
    },
    {
      status: 'info',
      title: 'Resources',
      detail: `${f.cpus} CPU cores, ${f.ramGb} GB RAM, ${f.disk.map((d) => `${d.freeGb} GB free at ${d.measuredAt}`).join(', ')}`,
    },
    ...dockerChecks(f as MachineFacts).map((c) => ({
      status: c.status,
      title: c.title,
      detail: c.detail,
      fix: c.fix,
    })),
    gpuRow(f),
  ];
  return rows;
}

function gpuRow(f: DetectedFacts): CheckRow {
  const title = 'NVIDIA GPU';
  if (f.gpu.ready) {
    const d = f.gpu.devices[0];
    const detail = d
      ? `ready: ${d.name}, ${vramGb(d.memoryMiB)} GB VRAM${f.gpu.devices.length > 1 ? ` (+${f.gpu.devices.length - 1} more)` : ''}`
      : 'ready';
    return { status: 'pass', title, detail };
  }
  const failing = f.gpu.ladder.find((r) => r.status === 'fail');
  if (!failing || failing.id === 'device')
    return {
      status: 'skip',
      title,
      detail: 'none found: what could use a GPU runs on the CPU instead (slower)',
    };
  return {
    status: 'warn',
    title,
    detail: `not ready: ${failing.title.toLowerCase()}: ${failing.detail}`,
    fix: failing.fix,
  };
}
