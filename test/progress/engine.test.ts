// End to end on the real engine: the built bundle brings up test/fixtures/engine-stack and reports progress as
// plain lines (no terminal), as JSON events (--json), and as the Ink view under tmux.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { berth, bundle, cleanEnv, fixtures } from '../helpers.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'berth-progress-'));
const stacks: string[] = [];
let n = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function newStack() {
  const project = `pv-${process.pid}-${++n}`;
  stacks.push(project);
  return { project, dir: path.join(root, project), port: await freePort() };
}

afterEach(async () => {
  for (const project of stacks.splice(0))
    await execa('docker', ['compose', '-p', project, 'down', '-v', '-t', '1'], {
      cwd: root,
      env: cleanEnv(),
      reject: false,
    });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const installArgs = (s: { dir: string; port: number }) => [
  'install',
  '--recipe',
  path.join(fixtures, 'engine-stack'),
  '--dir',
  s.dir,
  '--yes',
  '--web-port',
  String(s.port),
];

describe.sequential('bring-up progress on a real engine', () => {
  test('no terminal: one plain line per state change, ending in healthy / completed', async () => {
    const stack = await newStack();
    const result = await berth(installArgs(stack));
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const lines = String(result.stdout)
      .split('\n')
      .filter((l) => /^\[\d+\.\ds\] /.test(l))
      .map((l) => l.replace(/^\[\d+\.\ds\] /, ''));
    expect(lines).toEqual([
      'init: creating',
      'web: creating',
      'init: starting',
      'init: completed',
      'web: starting',
      'web: healthy',
      'all 2 service(s) up',
    ]);
  }, 120_000);

  test('--json: every event line parses, states in order, done ok', async () => {
    const stack = await newStack();
    const result = await berth([...installArgs(stack), '--json']);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    // stdout carries nothing but JSON: the plan and the closing text go to stderr.
    const stdoutLines = String(result.stdout).split('\n').filter(Boolean);
    expect(stdoutLines.filter((l) => !l.startsWith('{'))).toEqual([]);
    expect(String(result.stderr)).toContain('Installing Engine test stack');
    const events = stdoutLines.map(
      (l) =>
        JSON.parse(l) as { type: string; service?: string; state?: string; elapsed: number; ok?: boolean },
    );
    expect(events[0]).toEqual({
      type: 'start',
      services: [
        { name: 'init', oneshot: true },
        { name: 'web', oneshot: false },
      ],
      elapsed: expect.any(Number) as number,
    });
    const of = (s: string) => events.filter((e) => e.service === s).map((e) => e.state);
    expect(of('init')).toEqual(['creating', 'starting', 'completed']);
    expect(of('web')).toEqual(['creating', 'starting', 'healthy']);
    const elapsed = events.map((e) => e.elapsed);
    expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({
      type: 'done',
      ok: true,
      services: { init: 'completed', web: 'healthy' },
    });
  }, 120_000);

  test('a terminal (tmux): the Ink rows end in completed and healthy', async () => {
    const stack = await newStack();
    const session = `berth-pv-${process.pid}-${n}`;
    const env = cleanEnv({ CI: 'false', TERM: 'xterm-256color' });
    const cmd = [process.execPath, bundle, ...installArgs(stack)].map((a) => `'${a}'`).join(' ');
    await execa(
      'tmux',
      ['new-session', '-d', '-x', '120', '-y', '40', '-s', session, `${cmd}; echo EXIT=$?; sleep 60`],
      { env },
    );
    try {
      let screen = '';
      for (let i = 0; i < 120 && !/EXIT=\d+/.test(screen); i++) {
        await new Promise((r) => setTimeout(r, 500));
        screen = String((await execa('tmux', ['capture-pane', '-p', '-t', session])).stdout);
      }
      expect(screen).toContain('EXIT=0');
      expect(screen).toMatch(/✔ init completed +\d+s/);
      expect(screen).toMatch(/✔ web {2}healthy +\d+s/);
      expect(screen).toMatch(/█{30} 100% 2\/2 up · \d+s/);
      expect(screen).toContain('all 2 service(s) up');
    } finally {
      await execa('tmux', ['kill-session', '-t', session], { reject: false });
    }
  }, 120_000);
});
