// A dependency that turns unhealthy after it was healthy, on a real Docker engine (test/fixtures/dependency-stack):
// compose's `up --wait` counts each container once, so it exits 0 while the database it already counted Healthy
// fails its check. berth reads the engine's final word (ps), names the database and who depends on it, exits 5
// and rolls a reconfigure back to the configuration that ran.
//
// Needs a Docker engine, Compose v2 and the local image berth-test/busybox:1: scripts/setup-test-engine.sh sets
// all three up. Nothing is pulled. Without an engine these tests fail (they never skip).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { berth, fixtures } from '../helpers.js';
import { composePs, requireEngine, text, useStacks } from './harness.js';

const { newStack } = useStacks('dep');
const RECIPE = path.join(fixtures, 'dependency-stack');

const answersIn = (dir: string): Record<string, unknown> =>
  (parseYaml(readFileSync(path.join(dir, 'berth.yaml'), 'utf8')) as { answers: Record<string, unknown> })
    .answers;

describe('a dependency that turns unhealthy (real engine)', () => {
  test('a reconfigure whose database fails its check after passing it: exit 5 naming it and its dependent, rolled back', async () => {
    await requireEngine();
    const stack = await newStack();
    const install = (...extra: string[]) =>
      berth(['install', '--yes', '--recipe', RECIPE, '--dir', stack.dir, '--wait-timeout', '60', ...extra]);
    const first = await install();
    expect(first.exitCode, text(first)).toBe(0);

    // The database stays healthy 3 s; the app needs 10 s to warm up, so compose is still waiting when it fails.
    const failed = await install('--db-healthy-for', '3', '--app-warmup', '10');
    expect(failed.exitCode, text(failed)).toBe(5);
    const stderr = String(failed.stderr);
    expect(stderr).toMatch(
      /db turned unhealthy after it had passed its health check: it has failed \d+ times since: probe: db refuses connections\. app depends on it\./,
    );
    expect(stderr).toContain('db: data directory gone, refusing connections (fixture)');
    expect(stderr).toContain('The previous configuration was restored and is running again.');
    // The folder holds the previous answers again.
    expect(answersIn(stack.dir)).not.toHaveProperty('db_healthy_for');
    expect(readFileSync(path.join(stack.dir, '.env'), 'utf8')).toMatch(/^DB_HEALTHY_FOR='?0'?$/m);
    const ps = await composePs(stack.dir);
    expect(ps.db, JSON.stringify(ps)).toMatchObject({ State: 'running', Health: 'healthy' });
    expect(ps.app, JSON.stringify(ps)).toMatchObject({ State: 'running', Health: 'healthy' });
  }, 120_000);
});
