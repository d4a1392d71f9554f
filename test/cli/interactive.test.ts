// The wizard in a real terminal: tmux runs the built bundle, send-keys answers, capture-pane reads the screen,
// and the files on disk are checked after. Also through a pipe (`cat install.sh | bash`: the keyboard is then
// /dev/tty), Ctrl-C and a closed terminal mid-way (nothing written), back navigation, and re-runs.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { berth, bundle, fixtures, repoRoot, tempDir } from '../helpers.js';
import {
  composePs,
  dotenvValue,
  engineStackInstall,
  freePort,
  requireEngine,
  text as resultText,
  useStacks,
} from '../engine/harness.js';

const { newStack } = useStacks('wizard');

const socket = `berth-test-${process.pid}`;
const tmux = (...args: string[]) => execa('tmux', ['-L', socket, ...args], { reject: false });
afterEach(async () => {
  await tmux('kill-server');
});

const FIXTURE = path.join(fixtures, 'engine-stack');
const OPENAI_KEY = 'sk-test-0123456789abcdefghijklmnop';

async function screen(escapes = false): Promise<string> {
  return String(
    (await tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-S', '-200', '-t', 'berth')).stdout,
  );
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

/** The question on the screen now: the last "? …" heading. */
async function currentQuestion(): Promise<string | undefined> {
  const lines = (await screen()).split('\n').filter((l) => l.startsWith('? '));
  return lines.at(-1)?.slice(2);
}

async function keys(...k: string[]): Promise<void> {
  for (const key of k) {
    await tmux('send-keys', '-t', 'berth', key);
    await new Promise((r) => setTimeout(r, 60));
  }
}

async function type(text: string): Promise<void> {
  await tmux('send-keys', '-t', 'berth', '-l', text);
  await new Promise((r) => setTimeout(r, 60));
}

/** Answers `question` (waiting for it first) with keys, then waits until it is gone. */
async function answer(question: string, ...k: string[]): Promise<void> {
  await waitFor(`? ${question}`);
  for (const key of k) {
    if (key.startsWith('=')) await type(key.slice(1));
    else await keys(key);
  }
  await waitFor(`✔ ${question}`);
}

/** Enter on every question (typing `fill[question]` where given) until the review asks to go ahead. */
async function acceptUntilReview(fill: Record<string, string> = {}): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < 40; i++) {
    const deadline = Date.now() + 15_000;
    let q = await currentQuestion();
    while ((q === undefined || seen.at(-1) === q) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      q = await currentQuestion();
    }
    if (q === undefined) throw new Error(`no question on the screen:\n${await screen()}`);
    if (q === 'Go ahead?') return seen;
    seen.push(q);
    const value = fill[q];
    if (value !== undefined) {
      await keys('C-u');
      await type(value);
    }
    await keys('Enter');
    await waitFor(`✔ ${q}`);
  }
  throw new Error(`no review after 40 questions:\n${await screen()}`);
}

async function start(
  command: string,
  options: { columns?: number; rows?: number; env?: string } = {},
): Promise<void> {
  // BERTH_TARGET=compose: on an engine that is a swarm manager (the swarm tests make one) the wizard would first
  // ask where the stack runs; these tests are about the compose install (test/wizard/target-step.test.tsx: that step).
  // Exported, so that every command of a pipeline (`cat script | bash`) has it.
  const shell = `cd ${repoRoot} && unset CI && export BERTH_TARGET=compose ${options.env ?? ''} && ${command}; echo "EXIT=$?"; sleep 60`;
  await session(shell, options.columns ?? 120, options.rows);
}

/** A new tmux session; a server still shutting down from the previous test can refuse it, so retry. */
async function session(shell: string, columns = 120, rows = 50): Promise<void> {
  let last = '';
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = await tmux(
      'new-session',
      '-d',
      '-s',
      'berth',
      '-x',
      String(columns),
      '-y',
      String(rows),
      shell,
    );
    if (r.exitCode === 0 && (await tmux('has-session', '-t', 'berth')).exitCode === 0) return;
    last = String(r.stderr);
    await tmux('kill-server');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`tmux new-session failed: ${last}`);
}
const berthCmd = (args: string[]) => `${process.execPath} ${bundle} ${args.join(' ')}`;

// A foreground colour code (ESC [ 30–37, 90–97 or 38;…).
const COLOUR = new RegExp(String.fromCharCode(27) + '\\[(3[0-7]|9[0-7]|38;)');

const yamlOf = (dir: string) => readFileSync(path.join(dir, 'berth.yaml'), 'utf8');

describe('the wizard in a real terminal (tmux, built bundle)', () => {
  it('a full magec install (--no-start): checklist, recipe, mode, masked key, review, final screen, files', async () => {
    const dir = path.join(tempDir(), 'magec');
    await start(berthCmd(['install', '--dir', dir, '--no-start']));
    const first = await waitFor('? What do you want to install?');
    expect(first).toMatch(/guided installer/);
    expect(first).toMatch(/✔ Docker engine\s+\S+/);
    expect(first).toContain('NVIDIA GPU');
    expect(first).toMatch(/❯ Magec\n\s+Django app\n\s+Frappe \/ ERPNext\n\s+LUStores\n\s+Reflector/);
    await answer('What do you want to install?', 'Enter');
    await answer('Where should the AI models run?', 'Down', 'Enter');
    await waitFor('? OpenAI API key');
    await type('not-a-key');
    await keys('Enter');
    await waitFor('✖ OpenAI API keys start with sk-');
    await keys('C-u');
    await type(OPENAI_KEY);
    await keys('Enter');
    await waitFor('✔ OpenAI API key (hidden)');
    const asked = await acceptUntilReview({ 'Port for the Voice UI and user API': '18480' });
    expect(asked).toEqual([
      'Which LLM model should the agent use?',
      'Which embeddings model should long-term memory use?',
      'Port for the Voice UI and user API',
      'Port for the Admin UI',
      'Domain for the Voice UI (empty for none)',
    ]);
    const review = await screen();
    expect(review).toContain(`Review: Magec (magec 1.0.0) in ${dir} (new install)`);
    expect(review).toContain('OpenAI API key (hidden)');
    expect(review).toContain('postgres_password generated now');
    expect(review).toMatch(/new\s+compose\.yaml/);
    const services = review.split('\n').find((l) => l.startsWith('Services ')) ?? '';
    expect(services.split(/[ ,]+/)).toEqual(expect.arrayContaining(['magec', 'postgres', 'redis']));
    expect(review).toContain('❯ Write the files (the stack is not started)');
    expect(existsSync(dir)).toBe(false);
    await keys('Enter');
    const end = await waitFor('EXIT=0');
    expect(end).toContain(`✔ Magec: files written to ${dir}`);
    expect(end).toContain(`Secrets: ${dir}/.env (mode 0600`);
    expect(end).toContain(`berth install --dir ${dir} --yes`);
    expect(end).not.toContain(OPENAI_KEY);
    const answers = yamlOf(dir);
    expect(answers).toContain('mode: openai');
    expect(answers).toContain('magec_port: 18480');
    expect(answers).not.toContain(OPENAI_KEY);
    expect(readFileSync(path.join(dir, '.env'), 'utf8')).toContain(`OPENAI_API_KEY=${OPENAI_KEY}`);
    expect((statSync(path.join(dir, '.env')).mode & 0o777).toString(8)).toBe('600');
    // berth.yaml replays the same install unattended.
    const replayDir = path.join(tempDir(), 'replay');
    const replay = await berth(
      ['install', '--answers', path.join(dir, 'berth.yaml'), '--dir', replayDir, '--yes', '--no-start'],
      { env: { OPENAI_API_KEY: OPENAI_KEY } },
    );
    expect(replay.exitCode, String(replay.stderr)).toBe(0);
    expect(readFileSync(path.join(replayDir, 'compose.yaml'), 'utf8')).toBe(
      readFileSync(path.join(dir, 'compose.yaml'), 'utf8'),
    );
  });

  it('a reflector install chosen from the list, the folder asked and created', async () => {
    const parent = tempDir();
    const dir = path.join(parent, 'reflector');
    await start(berthCmd(['install', '--no-start']), { env: `HOME=${parent}` });
    // Magec (the default) first, then by title: Django app, Frappe / ERPNext, LUStores, Reflector.
    await answer('What do you want to install?', 'Down', 'Down', 'Down', 'Down', 'Enter');
    await waitFor('? Install folder');
    await keys('C-u');
    await type(dir);
    await keys('Enter');
    await waitFor(`✔ Install folder ${dir}`);
    const asked = await acceptUntilReview({
      'Transcription API URL': 'https://transcribe.example.com/v1',
      'Diarization API URL': 'https://diarize.example.com/v1',
      'LLM model name': 'gpt-4.1-mini',
    });
    expect(asked).toContain('Where should transcription run?');
    expect(await screen()).toContain(`Review: Reflector`);
    await keys('Enter');
    await waitFor('EXIT=0', 30_000);
    const answers = yamlOf(dir);
    expect(answers).toContain('recipe: reflector');
    expect(answers).toContain('transcript_url: https://transcribe.example.com/v1');
    expect(existsSync(path.join(dir, 'compose.yaml'))).toBe(true);
  });

  it('through a pipe (`cat script | bash`, as under curl | bash): the keyboard is read from /dev/tty', async () => {
    const root = tempDir();
    const dir = path.join(root, 'piped');
    const script = path.join(root, 'script.sh');
    // bash reads the script from the pipe; berth inherits that pipe as its stdin.
    writeFileSync(script, `exec ${berthCmd(['install', '--recipe', FIXTURE, '--dir', dir, '--no-start'])}\n`);
    await start(`cat ${script} | bash`);
    await answer('Greeting shown on the page', 'C-u', '=Hello through a pipe', 'Enter');
    await answer('Port for the web page (published on 127.0.0.1)', 'Enter');
    await waitFor('? Go ahead?');
    await keys('Enter');
    await waitFor('EXIT=0', 30_000);
    expect(yamlOf(dir)).toContain('greeting: Hello through a pipe');
  });

  it('Esc goes back to change an answer; the review can jump back too; a re-run offers the answers as defaults', async () => {
    const dir = path.join(tempDir(), 'back');
    await start(berthCmd(['render', '--recipe', FIXTURE, '--dir', dir]));
    await answer('Greeting shown on the page', 'C-u', '=first', 'Enter');
    await waitFor('? Port for the web page');
    await keys('Escape');
    // Back at the greeting, with what was typed offered again.
    await waitFor(/\? Greeting shown on the page\n.*\n❯ first/);
    await keys('C-u');
    await type('second');
    await keys('Enter');
    await answer('Port for the web page (published on 127.0.0.1)', 'C-u', '=18181', 'Enter');
    await waitFor('? Go ahead?');
    expect(await screen()).toContain('Greeting shown on the page second');
    // From the review: change the port.
    await keys('Down', 'Enter');
    await waitFor('? Which answer?');
    await keys('Down', 'Enter');
    await answer('Port for the web page (published on 127.0.0.1)', 'C-u', '=18282', 'Enter');
    await waitFor('? Go ahead?');
    await keys('Enter');
    await waitFor('EXIT=0');
    expect(yamlOf(dir)).toContain('greeting: second');
    expect(yamlOf(dir)).toContain('web_port: 18282');
    await tmux('kill-server');

    await start(berthCmd(['render', '--recipe', FIXTURE, '--dir', dir]));
    const again = await waitFor(/\? Greeting shown on the page\n.*\n❯ second/);
    expect(again).toContain(`Reconfiguring the Engine test stack install in ${dir}`);
    await keys('Enter');
    await waitFor(/\? Port for the web page.*\n❯ 18282/);
  });

  it('Ctrl-C at a question: exit 130, the cursor back, nothing written', async () => {
    const dir = path.join(tempDir(), 'stack');
    await start(berthCmd(['install', '--recipe', FIXTURE, '--dir', dir]));
    await answer('Greeting shown on the page', 'Enter');
    await waitFor('? Port for the web page');
    await keys('C-c');
    const after = await waitFor('EXIT=130');
    expect(after).toContain('Cancelled.');
    expect(after).not.toMatch(/at .*\.m?js:\d+/);
    expect(String((await tmux('display', '-p', '-t', 'berth', '#{cursor_flag}')).stdout).trim()).toBe('1');
    expect(existsSync(dir)).toBe(false);
  });

  it('a closed terminal (SIGHUP) mid-way ends berth quietly, nothing written', async () => {
    const root = tempDir();
    const dir = path.join(root, 'stack');
    const err = path.join(root, 'stderr.txt');
    await session(
      `cd ${repoRoot} && env -u CI BERTH_TARGET=compose ${berthCmd(['install', '--recipe', FIXTURE, '--dir', dir])} 2>${err}`,
    );
    await waitFor('? Greeting shown on the page');
    const running = async () => (await execa('pgrep', ['-f', `dir ${dir}`], { reject: false })).stdout.trim();
    expect(await running()).not.toBe('');
    await tmux('kill-server');
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && (await running()) !== '') await new Promise((r) => setTimeout(r, 100));
    expect(await running()).toBe('');
    // No crash trace: killed by its own SIGHUP, as a hung-up program is.
    expect(readFileSync(err, 'utf8')).toBe('');
    expect(existsSync(dir)).toBe(false);
  });

  it('honours NO_COLOR: no colour codes on the screen (and colours without it)', async () => {
    const dir = path.join(tempDir(), 'stack');
    await start(berthCmd(['render', '--recipe', FIXTURE, '--dir', dir]), { env: 'NO_COLOR=1' });
    await waitFor('? Greeting shown on the page');
    expect(await screen(true)).not.toMatch(COLOUR);
    await tmux('kill-server');
    await start(berthCmd(['render', '--recipe', FIXTURE, '--dir', dir]));
    await waitFor('? Greeting shown on the page');
    expect(await screen(true)).toMatch(COLOUR);
  });

  it('fits a 60-column terminal', async () => {
    const dir = path.join(tempDir(), 'magec');
    await start(berthCmd(['install', '--dir', dir, '--no-start']), { columns: 60 });
    await answer('What do you want to install?', 'Enter');
    const text = await waitFor('? Where should the AI models run?');
    // Prose wraps at words: no line of help text starts with a stray space or breaks inside a word.
    expect(text).toContain('  Magec needs an LLM');
    expect(text.split('\n').filter((l) => /^ {3}\S/.test(l))).toEqual([]);
    await keys('C-c');
    await waitFor('EXIT=130');
  });

  it('on the real engine: a taken port is flagged at its question, then the live bring-up and the final screen with the URL', async () => {
    await requireEngine();
    const stack = await newStack();
    // Something already listens on the port the fixture offers first.
    const taken = await freePort();
    const holder = net.createServer().listen(taken, '0.0.0.0');
    try {
      await start(
        berthCmd(['install', '--recipe', FIXTURE, '--dir', stack.dir, '--web-port', String(taken)]),
      );
      // Given by flag: not asked; the review blocks on it with the machine check and offers no install.
      await answer('Greeting shown on the page', 'Enter');
      const blocked = await waitFor('? These problems block the install.');
      expect(blocked).toMatch(new RegExp(`Port ${taken}.*taken by node`));
      await keys('Down', 'Enter');
      await waitFor('EXIT=130');
      expect(existsSync(stack.dir)).toBe(false);
      await tmux('kill-server');

      await start(berthCmd(['install', '--recipe', FIXTURE, '--dir', stack.dir]));
      await answer('Greeting shown on the page', 'C-u', '=Hello from the wizard', 'Enter');
      await waitFor('? Port for the web page');
      await keys('C-u');
      await type(String(taken));
      await keys('Enter');
      await waitFor(`! Port ${taken} is in use by node`);
      await keys('C-u');
      await type(String(stack.port));
      await keys('Enter');
      await waitFor(`✔ Port for the web page (published on 127.0.0.1) ${stack.port}`);
      await waitFor('? Go ahead?');
      await keys('Enter');
      const end = await waitFor('EXIT=0', 90_000);
      expect(end).toMatch(/✔ web\s+healthy/);
      expect(end).toContain('✔ Engine test stack is up.');
      expect(end).toContain(`http://127.0.0.1:${stack.port}/`);
      expect(end).toContain(`berth status --dir ${stack.dir}`);
      const ps = await composePs(stack.dir);
      expect(ps.web).toMatchObject({ State: 'running', Health: 'healthy' });
      const page = await fetch(`http://127.0.0.1:${stack.port}/`);
      expect(await page.text()).toContain('Hello from the wizard');
    } finally {
      holder.close();
    }
  }, 150_000);
  it('on the real engine: a reconfigure shows the change plan on the review (80×24), the masked diffs paged on request, then applies it', async () => {
    await requireEngine();
    const stack = await newStack();
    const installed = await berth(engineStackInstall(stack));
    expect(installed.exitCode, resultText(installed as never)).toBe(0);
    const secret = dotenvValue(stack.dir, 'APP_SECRET');
    expect(secret.length).toBeGreaterThanOrEqual(32);

    await start(berthCmd(['install', '--dir', stack.dir, '--web-port', String(stack.port)]), {
      columns: 80,
      rows: 24,
    });
    await answer('Greeting shown on the page', 'C-u', '=Hello from the plan', 'Enter');
    const review = await waitFor('? Go ahead?', 60_000);
    // The summary, right above the choices: both services recreated (.env feeds both), the two files' counts.
    expect(review).toMatch(
      /\nChanges\n {2}Services {2}recreate init, web\n {2}Files {5}\.env \+1 −1 · berth\.yaml \+1 −1\n\n\? Go ahead\?\n❯ Install: write the files and start the stack\n {2}Show the changes \(the diff of each file\)\n/,
    );
    await keys('Down', 'Enter');
    // The diffs in place of the review, inside the 24 rows.
    const pager = await waitFor(
      /Changes, file by file \(secret values masked\)\n── \.env ──\n@@[^\n]*@@\n[\s\S]*-GREETING='Hello from berth'\n\+GREETING='Hello from the plan'\n[\s\S]*── berth\.yaml ──\n[\s\S]*\+ {2}greeting: Hello from the plan\n[\s\S]*lines 1–(\d+) of \1 · Enter back to the review/,
    );
    expect(pager).not.toContain(secret);
    await keys('Enter');
    // Back on the review (the pager gone from the screen), then confirm.
    const visible = async () => String((await tmux('capture-pane', '-p', '-J', '-t', 'berth')).stdout);
    await expect
      .poll(visible, { timeout: 20_000, interval: 200 })
      .toMatch(/^(?![\s\S]*Enter back to the review)[\s\S]*\? Go ahead\?\n❯ Install/);
    await keys('Enter');
    const end = await waitFor('EXIT=0', 90_000);
    expect(end).toMatch(/✔ web\s+healthy/);
    const everything = String((await tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'berth')).stdout);
    expect(everything).not.toContain(secret);
    const page = await fetch(`http://127.0.0.1:${stack.port}/`);
    expect(await page.text()).toContain('Hello from the plan');
    expect(dotenvValue(stack.dir, 'APP_SECRET')).toBe(secret);
  }, 180_000);
});
