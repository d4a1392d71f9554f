// What berth does not do yet for a stack deployed to Docker Swarm: backup, restore and upgrade drive the stack
// with `docker compose` on this engine (dumps by `compose exec`, volumes read on this node, `up --wait`), and a
// recipe's hooks run by `compose exec`/`compose run`, which a swarm stack has no equivalent of. Each is refused
// before anything is read or written, naming the way that works today (docs/scale-out.md, "Not supported yet").
import { BerthError, ExitCode } from '../errors.js';
import type { InstallState } from '../install-dir/state.js';
import type { RenderedHook } from '../render/render-recipe.js';

type Command = 'backup' | 'restore' | 'upgrade';

const WHY: Record<Command, string> = {
  backup:
    'berth backup reads the volumes and dumps the databases through docker compose on this engine; a swarm stack keeps its data on the node labelled for it, out of compose’s reach.',
  restore:
    'berth restore takes the stack down and brings it back up with docker compose on this engine; it cannot put a swarm stack back.',
  upgrade:
    'berth upgrade pulls, backs up, migrates and restarts through docker compose on this engine; it cannot do that for a swarm stack.',
};

/** Refuses `command` for an install whose stack runs on swarm (state.json's target); nothing else is touched. */
export function refuseOnSwarm(
  state: Pick<InstallState, 'target'> | undefined,
  dir: string,
  command: Command,
): void {
  if (state?.target !== 'swarm') return;
  throw new BerthError(`berth ${command} does not support swarm installs yet: ${dir} runs on Docker Swarm.`, {
    exitCode: ExitCode.usage,
    details: [WHY[command]],
    hint:
      `Move the install back to compose for it: berth down --dir ${dir}, then berth install --dir ${dir} --target compose ` +
      `on the node that holds its data (its volumes carry over), run berth ${command}, and deploy to swarm again with ` +
      `--target swarm. docs/scale-out.md says more.`,
  });
}

/** Refuses a swarm deploy whose recipe has hooks still to run: swarm cannot exec into a service's container. */
export function refuseHooksOnSwarm(
  pending: readonly Pick<RenderedHook, 'id' | 'service'>[],
  recipe: string,
): void {
  if (pending.length === 0) return;
  throw new BerthError(
    `The ${recipe} recipe runs ${pending.length === 1 ? 'a hook' : 'hooks'} after the stack is up, which berth cannot do on Docker Swarm yet. Nothing was written or deployed.`,
    {
      exitCode: ExitCode.usage,
      details: pending.map(
        (h) =>
          `hook ${h.id} (in ${h.service}): runs through docker compose exec, which a swarm stack has no equivalent of`,
      ),
      hint: 'Install with --target compose (its once-only hooks then count as done, and a later --target swarm skips them), or use a recipe without hooks. docs/scale-out.md says more.',
    },
  );
}
