// `berth doctor`: detect the machine, resolve the recipe's answers as `install --yes` would (never prompting),
// and check the one against the other. Exit 0 when nothing blocks, 1 otherwise.
import path from 'node:path';
import { resolveAnswers } from '../answers/resolve.js';
import { isSecretQuestion } from '../answers/names.js';
import { questionFlags } from '../cli/args.js';
import type { Context } from '../context.js';
import { evaluateMachine } from '../detect/checks.js';
import { detectFacts } from '../detect/detect.js';
import { doctorText } from '../detect/messages.js';
import { probePorts } from '../detect/ports.js';
import { contextProbe } from '../detect/probe.js';
import { domainsNeeded, portsNeeded } from '../detect/requirements.js';
import { dnsFacts } from '../detect/dns.js';
import { UsageError } from '../errors.js';
import { parseAnswersFile, readPreviousInstall } from '../install-dir/state.js';
import { DEFAULT_RECIPE, loadRecipe } from '../recipes/registry.js';
import { defaultDir } from '../steps/locate.js';
import { existsSync, readFileSync } from 'node:fs';

export async function doctorCommand(ctx: Context): Promise<number> {
  const global = ctx.cli.options;
  const json = global.json;
  const recipe = await loadRecipe(global.recipe ?? ctx.env.BERTH_RECIPE ?? DEFAULT_RECIPE, ctx.cwd);
  const flags = questionFlags(ctx.cli, recipe.manifest.questions);
  const dirArg = global.dir ?? ctx.env.BERTH_DIR;
  const dir = dirArg ? path.resolve(ctx.cwd, dirArg) : defaultDir(recipe.manifest.name, ctx.facts);
  const probe = contextProbe(ctx);
  const gpuTest = global.gpuTest ? { image: ctx.env.BERTH_GPU_TEST_IMAGE ?? 'ubuntu:24.04' } : undefined;
  const facts = await detectFacts({ dir, base: ctx.facts, probe, ...(gpuTest ? { gpuTest } : {}) });
  const previous = readPreviousInstall(dir);
  const answersPath = global.answers ?? ctx.env.BERTH_ANSWERS;
  const { answers } = await resolveAnswers(
    recipe,
    {
      flags,
      env: ctx.env,
      file: answersPath ? readAnswers(path.resolve(ctx.cwd, answersPath), answersPath) : undefined,
      previous: previous.answersFile
        ? { answers: previous.answersFile.answers, env: previous.env }
        : undefined,
    },
    facts,
    // Never prompt: what is not given takes its default, and a missing secret does not matter here.
    (request) => Promise.resolve(request.initial ?? ''),
  );
  // On an existing install, the ports its own stack publishes are not "taken".
  const project = previous.env.COMPOSE_PROJECT_NAME;
  [facts.ports, facts.dns] = await Promise.all([
    probePorts(portsNeeded(recipe.manifest, answers, facts), probe, project),
    dnsFacts(domainsNeeded(recipe.manifest, answers, facts)),
  ]);
  const checks = evaluateMachine(facts, recipe.manifest, answers);
  const shown = Object.fromEntries(
    recipe.manifest.questions
      .filter((q) => !isSecretQuestion(q) && answers[q.id] !== undefined && !q.advanced)
      .map((q) => [q.id, answers[q.id]]),
  );
  const label = `${recipe.manifest.name}${'mode' in shown ? ` (mode ${String(shown.mode)})` : ''}`;
  const blocking = checks.some((c) => c.status === 'fail');
  if (json) {
    const report = { recipe: recipe.manifest.name, dir, answers: shown, ok: !blocking, checks, facts };
    ctx.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else ctx.stdout.write(doctorText(facts, checks, label));
  return blocking ? 1 : 0;
}

function readAnswers(file: string, label: string) {
  if (!existsSync(file)) throw new UsageError(`--answers ${label}: no such file.`);
  return { path: label, ...parseAnswersFile(readFileSync(file, 'utf8'), label) };
}
