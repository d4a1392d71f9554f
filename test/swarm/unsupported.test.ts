// The swarm refusals as pure checks: which installs and which hooks they stop, and what they say.
import { describe, expect, it } from 'vitest';
import { BerthError } from '../../src/errors.js';
import { pendingHooks } from '../../src/steps/hooks.js';
import type { RenderedHook } from '../../src/render/render-recipe.js';
import { refuseHooksOnSwarm, refuseOnSwarm } from '../../src/swarm/unsupported.js';

const hook = (id: string, once: boolean) =>
  ({ id, service: 'web', once, in: 'exec', run: ['true'], description: id }) as unknown as RenderedHook;

function thrown(f: () => void): BerthError | undefined {
  try {
    f();
    return undefined;
  } catch (error) {
    return error as BerthError;
  }
}

describe('refuseOnSwarm', () => {
  it.each([
    [undefined, false],
    [{}, false],
    [{ target: 'compose' as const }, false],
    [{ target: 'swarm' as const }, true],
  ])('state %j: refused %s', (state, refused) => {
    const error = thrown(() => refuseOnSwarm(state, '/opt/magec', 'upgrade'));
    expect(error !== undefined).toBe(refused);
    if (error) {
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(
        'berth upgrade does not support swarm installs yet: /opt/magec runs on Docker Swarm.',
      );
      expect(error.hint).toContain('berth install --dir /opt/magec --target compose');
    }
  });
});

describe('refuseHooksOnSwarm', () => {
  const hooks = [hook('migrate', false), hook('admin', true)];

  it('hooks still to run: refused, each named with its service', () => {
    const error = thrown(() => refuseHooksOnSwarm(pendingHooks(hooks, []), 'django'));
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toBe(
      'The django recipe runs hooks after the stack is up, which berth cannot do on Docker Swarm yet. Nothing was written or deployed.',
    );
    expect(error?.details).toEqual([
      'hook migrate (in web): runs through docker compose exec, which a swarm stack has no equivalent of',
      'hook admin (in web): runs through docker compose exec, which a swarm stack has no equivalent of',
    ]);
    expect(error?.hint).toContain('--target compose');
  });

  it('a once hook already done does not count; one that runs on every start still does', () => {
    expect(thrown(() => refuseHooksOnSwarm(pendingHooks([hook('admin', true)], ['admin']), 'x'))).toBe(
      undefined,
    );
    expect(thrown(() => refuseHooksOnSwarm(pendingHooks(hooks, ['admin']), 'x'))?.message).toContain(
      'runs a hook',
    );
  });
});
