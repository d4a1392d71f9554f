// backup, restore and upgrade of an install whose stack runs on Docker Swarm: refused on the built bundle, exit 2,
// naming the problem and the way that works today, before anything is read, written or asked of the engine.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { berth, tempDir } from '../helpers.js';

/** An install folder as a swarm install leaves it (state.json says target swarm); no engine is needed. */
function swarmInstall(target: 'swarm' | 'compose' = 'swarm'): string {
  const dir = path.join(tempDir(), 'magec');
  mkdirSync(path.join(dir, '.berth'), { recursive: true });
  const state = {
    recipe: 'magec',
    recipeVersion: '1.0.0',
    berthVersion: '0.1.0',
    files: {},
    updatedAt: '2026-11-30T00:00:00.000Z',
    project: 'magec',
    ...(target === 'swarm' ? { target } : {}),
  };
  writeFileSync(path.join(dir, '.berth/state.json'), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(path.join(dir, '.env'), 'COMPOSE_PROJECT_NAME=magec\n', { mode: 0o600 });
  return dir;
}
const snapshot = (dir: string) =>
  ['.env', '.berth/state.json'].map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\0') +
  readdirSync(dir).join(',');
const output = (r: { stdout: unknown; stderr: unknown }) => `${String(r.stdout)}\n${String(r.stderr)}`;

describe('commands berth cannot run on a swarm install yet', () => {
  it.each([
    ['backup', (dir: string) => ['backup', '--dir', dir]],
    ['restore', (dir: string) => ['restore', path.join(dir, '..', 'nothing.tar.gz'), '--dir', dir]],
    ['upgrade', (dir: string) => ['upgrade', '--dir', dir, '--yes']],
  ])('berth %s: exit 2, the reason and the way round it; nothing changed', async (command, args) => {
    const dir = swarmInstall();
    const before = snapshot(dir);
    const r = await berth(args(dir), { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    const text = output(r);
    expect(r.exitCode).toBe(2);
    expect(text).toContain(
      `berth ${command} does not support swarm installs yet: ${dir} runs on Docker Swarm.`,
    );
    expect(text).toContain(`berth down --dir ${dir}, then berth install --dir ${dir} --target compose`);
    expect(text).toContain('docs/scale-out.md');
    expect(snapshot(dir)).toBe(before);
  });

  it('a compose install is not refused by that check (restore goes on to read the archive)', async () => {
    const dir = swarmInstall('compose');
    const r = await berth(['restore', path.join(dir, '..', 'nothing.tar.gz'), '--dir', dir]);
    expect(output(r)).not.toContain('does not support swarm installs');
    expect(r.exitCode).not.toBe(0);
  });
});
