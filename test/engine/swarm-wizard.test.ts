// The wizard on a swarm manager, in a real terminal (tmux): where the stack runs is asked, and the review shows the
// swarm's checks before anything is confirmed: its notes (which node holds the data) as warnings, and what swarm
// would refuse (a port another swarm service publishes) as a problem that blocks the install. Quitting at the
// review deploys and writes nothing. test/fixtures/swarm-stack, the built bundle; ensureSwarm() makes the engine a
// swarm manager when it is not one. Needs the engine and the local test images (scripts/setup-test-engine.sh).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { bundle, fixtures } from '../helpers.js';
import { tmuxSession } from '../tmux.js';
import { docker, freePort, requireEngine, text } from './harness.js';
import { ensureSwarm } from './swarm-harness.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'berth-swiz-'));
// The fixture with web at one replica: its two publish a host-mode port each, one per node, and this swarm has one.
const FIXTURE = path.join(root, 'swarm-stack');
cpSync(path.join(fixtures, 'swarm-stack'), FIXTURE, { recursive: true });
const manifest = path.join(FIXTURE, 'recipe.yaml');
writeFileSync(
  manifest,
  readFileSync(manifest, 'utf8').replace('web: { replicas: 2 }', 'web: { replicas: 1 }'),
);
const server = `berth-swiz-${process.pid}`;
const t = tmuxSession(server, 'berth');
const holders: string[] = [];

afterEach(async () => {
  await t.tmux('kill-server');
});
afterAll(async () => {
  for (const name of holders) await docker(['service', 'rm', name], root);
  rmSync(root, { recursive: true, force: true });
});

/** The wizard for the fixture in a new folder, in an 100×50 terminal, with no target given. */
async function startWizard(name: string): Promise<string> {
  const dir = path.join(root, name);
  // No CI (Ink would draw only the last frame, even for an empty CI) and no BERTH_TARGET: the wizard asks.
  const env = '-u CI -u BERTH_TARGET TERM=xterm-256color';
  const berth = `env ${env} ${process.execPath} ${bundle} install --recipe ${FIXTURE} --dir ${dir}`;
  const command = `${berth}; echo EXIT=$?; sleep 600`;
  const started = await t.tmux('new-session', '-d', '-s', 'berth', '-x', '100', '-y', '50', command);
  expect(started.exitCode, String(started.stderr)).toBe(0);
  return dir;
}

/** The screen with Ink's own line wrapping undone (every run of white space one space). */
const oneLine = (screen: string) => screen.replace(/\s+/g, ' ');

/** Picks the swarm where the stack runs, answers the port question with `port`; the review, on one line. */
async function toReview(port: number): Promise<string> {
  await t.waitFor('Where should the stack run?');
  await t.tmux('send-keys', '-t', 'berth', 'Down');
  await t.waitFor('❯ On the swarm, as a stack');
  await t.tmux('send-keys', '-t', 'berth', 'Enter');
  await t.waitFor('? Port for the web page');
  await t.tmux('send-keys', '-t', 'berth', 'C-u');
  await t.tmux('send-keys', '-t', 'berth', '-l', String(port));
  await t.tmux('send-keys', '-t', 'berth', 'Enter');
  // A port in use (another swarm service's) is flagged at its question: Enter keeps it, for the review to judge.
  const review = /Go ahead\?|These problems block the install/;
  const next = await t.waitFor(new RegExp(`${review.source}|Enter keeps it`), 60_000);
  if (!next.includes('Enter keeps it')) return oneLine(next);
  await t.tmux('send-keys', '-t', 'berth', 'Enter');
  return oneLine(await t.waitFor(review, 60_000));
}

/** Ctrl-C at the review: exit 130, no folder, no service of the project on the swarm. */
async function quitAndCheckNothingDone(dir: string, project: string): Promise<void> {
  await t.tmux('send-keys', '-t', 'berth', 'C-c');
  expect(await t.waitFor('EXIT=130', 15_000)).toContain('Cancelled.');
  const services = await docker(
    ['service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`],
    root,
  );
  expect(String(services.stdout).trim(), text(services)).toBe('');
  expect(existsSync(dir)).toBe(false);
}

describe('the wizard on a swarm manager: the swarm checks on the review', () => {
  test('the data node is named on the review; quitting there deploys nothing', async () => {
    await requireEngine(['berth-test/postgres:1', 'berth-test/busybox:1']);
    await ensureSwarm();
    const project = `swiz-notes-${process.pid}`;
    const dir = await startWizard(project);
    const review = await toReview(await freePort());
    const hostname = String((await docker(['info', '--format', '{{.Name}}'], root)).stdout).trim();
    expect(review).toContain('Runs');
    expect(review).toContain(`! swarm: node ${hostname} (this one) will hold the data of postgres.`);
    expect(review).not.toContain('✖ swarm:');
    expect(review).toContain('? Go ahead?');
    await quitAndCheckNothingDone(dir, project);
  }, 120_000);

  test('a port another swarm service publishes blocks the install on the review, naming both', async () => {
    await requireEngine(['berth-test/postgres:1', 'berth-test/busybox:1']);
    await ensureSwarm();
    const port = await freePort();
    const holder = `berth-swiz-holder-${process.pid}`;
    holders.push(holder);
    const made = await docker(
      [
        'service',
        'create',
        '--detach',
        '--name',
        holder,
        '--publish',
        `mode=host,target=80,published=${port}`,
        'berth-test/busybox:1',
        'sleep',
        '3600',
      ],
      root,
    );
    expect(made.exitCode, text(made)).toBe(0);
    const project = `swiz-clash-${process.pid}`;
    const dir = await startWizard(project);
    const review = await toReview(port);
    expect(review).toContain(
      `✖ swarm: Service web publishes port ${port}, which swarm service ${holder} already publishes: answer another port, or remove that service.`,
    );
    expect(review).toContain('? These problems block the install.');
    await quitAndCheckNothingDone(dir, project);
  }, 120_000);
});
