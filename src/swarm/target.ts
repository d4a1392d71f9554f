// Where an install's stack runs: `compose` (docker compose on this engine) or `swarm` (a Docker Swarm stack
// deployed from this manager). Like an answer, it comes from --target, then BERTH_TARGET, then the answers file's
// `target:`, then the install being reconfigured, else compose; a value that is neither is refused, naming its
// source. With none of those, the wizard asks on a swarm manager (wizard/places.ts). berth.yaml records a swarm
// target, so the same file installs the same way elsewhere.
import { shown } from '../answers/shown.js';
import { UsageError } from '../errors.js';
import type { Located } from '../steps/locate.js';

export type Target = 'compose' | 'swarm';
const TARGETS: readonly string[] = ['compose', 'swarm'];

/**
 * The target as a source gives it, or undefined when none does: no flag, variable or answers file says, and the
 * folder holds no install (an install keeps its target; one without a recorded target runs on compose). Then
 * the wizard may ask.
 */
export function givenTarget(
  options: { target?: Target | undefined },
  env: Readonly<Record<string, string | undefined>>,
  located: Pick<Located, 'answersFile' | 'previous'>,
): Target | undefined {
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
  const state = located.previous.state;
  return state ? (state.target ?? 'compose') : undefined;
}

/** berth.yaml with the target recorded (only a swarm target: compose is the default). */
export function answersWithTarget(text: string, target: Target): string {
  if (target === 'compose') return text;
  return text.replace(/^(recipeVersion: .*\n)/m, `$1target: ${target}\n`);
}
