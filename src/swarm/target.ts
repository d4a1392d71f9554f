// Where an install's stack runs: `compose` (docker compose on this engine) or `swarm` (a Docker Swarm stack
// deployed from this manager). Like an answer, it comes from --target, then BERTH_TARGET, then the answers file's
// `target:`, then the install being reconfigured, else compose; a value that is neither is refused, naming its
// source. berth.yaml records a swarm target, so the same file installs the same way elsewhere.
import { shown } from '../answers/shown.js';
import { UsageError } from '../errors.js';
import type { Located } from '../steps/locate.js';

export type Target = 'compose' | 'swarm';
const TARGETS: readonly string[] = ['compose', 'swarm'];

export function resolveTarget(
  options: { target?: Target | undefined },
  env: Readonly<Record<string, string | undefined>>,
  located: Pick<Located, 'answersFile' | 'previous'>,
): Target {
  if (options.target) return options.target;
  const sources: [string | undefined, string][] = [
    [env.BERTH_TARGET, 'BERTH_TARGET'],
    [located.answersFile?.target, `target in ${located.answersFile?.path ?? 'the answers file'}`],
    [located.previous.answersFile?.target, 'target in berth.yaml'],
  ];
  for (const [value, source] of sources) {
    if (value === undefined || value === '') continue;
    if (!TARGETS.includes(value))
      throw new UsageError(`${source} is ${shown(value)}: it must be compose or swarm.`);
    return value as Target;
  }
  return located.previous.state?.target ?? 'compose';
}

/** berth.yaml with the target recorded (only a swarm target: compose is the default). */
export function answersWithTarget(text: string, target: Target): string {
  if (target === 'compose') return text;
  return text.replace(/^(recipeVersion: .*\n)/m, `$1target: ${target}\n`);
}
