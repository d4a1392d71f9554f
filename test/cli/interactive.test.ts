// The interactive path in a real terminal (tmux): what berth found comes first, then the recipe's questions;
// typed answers land in berth.yaml; Ctrl-C at a prompt cancels with exit 130 and writes nothing.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { bundle, fixtures, repoRoot, tempDir } from '../helpers.js';

const socket = `berth-test-${process.pid}`;
const tmux = (...args: string[]) => execa('tmux', ['-L', socket, ...args], { reject: false });
afterEach(async () => {
  await tmux('kill-server');
});

async function screen(): Promise<string> {
  return String((await tmux('capture-pane', '-p', '-t', 'berth')).stdout);
}

async function waitFor(text: string | RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await screen();
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${String(text)}; the screen shows:\n${last}`);
}

function start(args: string[]): Promise<unknown> {
  const command = `cd ${repoRoot} && env -u CI ${process.execPath} ${bundle} ${args.join(' ')}; echo "EXIT=$?"; sleep 30`;
  return tmux('new-session', '-d', '-s', 'berth', '-x', '120', '-y', '40', command);
}

describe('interactive install in a real terminal', () => {
  it('shows the machine checklist, asks the questions, and writes the typed answers', async () => {
    const dir = path.join(tempDir(), 'stack');
    await start(['render', '--recipe', path.join(fixtures, 'engine-stack'), '--dir', dir]);
    const first = await waitFor('Greeting shown on the page');
    expect(first).toContain('First, what this machine has:');
    expect(first).toMatch(/Docker engine/);
    expect(first).toContain('NVIDIA GPU readiness');
    await tmux('send-keys', '-t', 'berth', 'C-u', 'Hello from tmux', 'Enter');
    await waitFor('Port for the web page');
    await tmux('send-keys', '-t', 'berth', 'C-u', '18080', 'Enter');
    await waitFor('EXIT=0');
    const answers = readFileSync(path.join(dir, 'berth.yaml'), 'utf8');
    expect(answers).toContain('greeting: Hello from tmux');
    expect(answers).toContain('web_port: 18080');
  });

  it('Ctrl-C at a prompt cancels: exit 130, nothing written', async () => {
    const dir = path.join(tempDir(), 'stack');
    await start(['render', '--recipe', path.join(fixtures, 'engine-stack'), '--dir', dir]);
    await waitFor('Greeting shown on the page');
    await tmux('send-keys', '-t', 'berth', 'C-c');
    const after = await waitFor('EXIT=130');
    expect(after).toContain('Cancelled.');
    expect(existsSync(dir)).toBe(false);
  });
});
