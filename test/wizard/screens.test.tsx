// Every wizard screen rendered with ink-testing-library: the exact text of its frames, and what its keys do.
import { stripVTControlCharacters } from 'node:util';
import { EventEmitter } from 'node:events';
import type { ReactElement } from 'react';
import { render as inkRender } from 'ink';
import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import {
  ConfirmPrompt,
  FinalView,
  ReviewPrompt,
  SelectPrompt,
  TextPrompt,
  WelcomeView,
} from '../../src/wizard/components.js';
import { CancelledError } from '../../src/errors.js';
import type { ReviewModel } from '../../src/wizard/flow.js';
import { WizardApp, WizardStore, WizardUI } from '../../src/wizard/ui.js';

/** Renders once on a fake terminal of the given width (ink-testing-library's is always 100 columns). */
async function renderAt(columns: number, element: ReactElement): Promise<string> {
  const writes: string[] = [];
  const stdout = Object.assign(new EventEmitter(), {
    columns,
    rows: 40,
    isTTY: false,
    write: (chunk: string) => {
      writes.push(chunk);
      return true;
    },
  });
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    setRawMode: () => {},
    setEncoding: () => {},
    ref: () => {},
    unref: () => {},
    read: () => null,
  });
  const instance = inkRender(element, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    patchConsole: false,
  });
  await tick();
  instance.unmount();
  return stripVTControlCharacters(writes.filter((w) => w.trim() !== '').at(-1) ?? '');
}

const KEY = { up: '\x1b[A', down: '\x1b[B', enter: '\r', esc: '\x1b', ctrlC: '\x03', backspace: '\x7f' };
const tick = () => new Promise((r) => setTimeout(r, 40));
const frame = (r: { lastFrame: () => string | undefined }) => stripVTControlCharacters(r.lastFrame() ?? '');
async function press(r: { stdin: { write: (s: string) => void } }, ...keys: string[]) {
  for (const k of keys) {
    r.stdin.write(k);
    await tick();
  }
}

describe('welcome', () => {
  it('says it is checking, then shows one aligned line per fact with fixes under problems', () => {
    const r = render(<WelcomeView heading="berth 0.1.0 · installing Magec" rows={undefined} />);
    expect(frame(r)).toBe('berth 0.1.0 · installing Magec\nChecking this machine (system, Docker, GPU)…\n');
    r.rerender(
      <WelcomeView
        heading="berth 0.1.0 · installing Magec"
        rows={[
          { status: 'info', title: 'System', detail: 'Debian 12, x64' },
          { status: 'pass', title: 'Docker engine', detail: '27.1 at unix:///var/run/docker.sock' },
          {
            status: 'fail',
            title: 'Docker Compose',
            detail: 'v1 only',
            fix: ['sudo apt-get install docker-compose-plugin'],
          },
        ]}
      />,
    );
    expect(frame(r)).toBe(
      [
        'berth 0.1.0 · installing Magec',
        '  i System         Debian 12, x64',
        '  ✔ Docker engine  27.1 at unix:///var/run/docker.sock',
        '  ✖ Docker Compose v1 only',
        '      sudo apt-get install docker-compose-plugin',
        '',
      ].join('\n'),
    );
  });
});

describe('select', () => {
  const choices = [
    { value: 'local', label: 'Everything on this machine', description: 'Ollama, Parakeet and TTS here.' },
    { value: 'openai', label: 'OpenAI for everything', description: 'Needs an OpenAI API key.' },
  ];

  it('shows the choices, the highlighted one’s description and the keys; arrows move, Enter picks', async () => {
    const onSubmit = vi.fn();
    const r = render(
      <SelectPrompt
        title="Where should the AI models run?"
        help="Pick one."
        choices={choices}
        onSubmit={onSubmit}
      />,
    );
    expect(frame(r)).toBe(
      [
        '? Where should the AI models run?',
        '  Pick one.',
        '❯ Everything on this machine',
        '  OpenAI for everything',
        '  Ollama, Parakeet and TTS here.',
        '↑↓ choose · Enter select · Ctrl-C quit',
      ].join('\n'),
    );
    await press(r, KEY.down);
    expect(frame(r)).toContain('❯ OpenAI for everything\n  Needs an OpenAI API key.');
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(onSubmit).toHaveBeenCalledWith('openai'));
  });

  it('starts on the initial value; a down arrow and Enter in one chunk pick the next one', async () => {
    const onSubmit = vi.fn();
    const r = render(<SelectPrompt title="Mode?" choices={choices} initial="openai" onSubmit={onSubmit} />);
    expect(frame(r)).toContain('❯ OpenAI for everything');
    await press(r, KEY.up + KEY.enter);
    await vi.waitFor(() => expect(onSubmit).toHaveBeenCalledWith('local'));
  });

  it('Esc goes back when there is somewhere to go', async () => {
    const onBack = vi.fn();
    const r = render(<SelectPrompt title="Mode?" choices={choices} onSubmit={() => {}} onBack={onBack} />);
    expect(frame(r)).toContain('Esc back');
    await press(r, KEY.esc);
    await vi.waitFor(() => expect(onBack).toHaveBeenCalled());
  });
});

describe('confirm', () => {
  it('defaults to the initial value; y, n, arrows and Enter', async () => {
    const onSubmit = vi.fn();
    const r = render(<ConfirmPrompt title="Use the NVIDIA GPU?" initial={false} onSubmit={onSubmit} />);
    expect(frame(r)).toBe(
      ['? Use the NVIDIA GPU?', '  Yes ❯ No', 'y/n or ←→ then Enter · Ctrl-C quit'].join('\n'),
    );
    await press(r, '\x1b[C');
    expect(frame(r)).toContain('❯ Yes   No');
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(onSubmit).toHaveBeenLastCalledWith(true));
    await press(r, 'n');
    await vi.waitFor(() => expect(onSubmit).toHaveBeenLastCalledWith(false));
  });
});

describe('text', () => {
  const port = (t: string) =>
    /^\d+$/.test(t) ? ({ ok: true } as const) : ({ ok: false, message: `"${t}" is not a port` } as const);

  it('edits the initial value, shows a validation error inline and keeps what was typed', async () => {
    const onSubmit = vi.fn();
    const r = render(<TextPrompt title="Port?" initial="8080" validate={port} onSubmit={onSubmit} />);
    expect(frame(r)).toBe(['? Port?', '❯ 8080', 'Enter accept · Ctrl-U clear · Ctrl-C quit'].join('\n'));
    await press(r, KEY.backspace, 'x', KEY.enter);
    expect(onSubmit).not.toHaveBeenCalled();
    expect(frame(r)).toBe(
      ['? Port?', '❯ 808x', '  ✖ "808x" is not a port', 'Enter accept · Ctrl-U clear · Ctrl-C quit'].join(
        '\n',
      ),
    );
    await press(r, KEY.backspace, '1', KEY.enter);
    await vi.waitFor(() => expect(onSubmit).toHaveBeenCalledWith('8081'));
  });

  it('masks a secret; an empty Enter keeps the current one when there is one', async () => {
    const onSubmit = vi.fn();
    const r = render(
      <TextPrompt
        title="OpenAI API key"
        initial=""
        secret
        keepHint="(Enter keeps the current one)"
        validate={() => ({ ok: true })}
        onSubmit={onSubmit}
      />,
    );
    expect(frame(r)).toContain('❯   (Enter keeps the current one)');
    await press(r, 'sk-abc');
    expect(frame(r)).toContain('❯ ••••••\n');
    expect(frame(r)).not.toContain('sk-abc');
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(onSubmit).toHaveBeenCalledWith('sk-abc'));
  });

  it('warns (without blocking) about a port in use: Enter again keeps it, typing another checks again', async () => {
    const onSubmit = vi.fn();
    const check = vi.fn(async (t: string) => (t === '80' ? 'Port 80 is in use by nginx (pid 7)' : undefined));
    const r = render(
      <TextPrompt title="Port?" initial="80" validate={port} check={check} onSubmit={onSubmit} />,
    );
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(frame(r)).toContain('! Port 80'));
    expect(onSubmit).not.toHaveBeenCalled();
    expect(frame(r)).toBe(
      [
        '? Port?',
        '❯ 80',
        '  ! Port 80 is in use by nginx (pid 7)',
        'Enter keeps it · type another value · Ctrl-C quit',
      ].join('\n'),
    );
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(onSubmit).toHaveBeenCalledWith('80'));
    const r2 = render(
      <TextPrompt title="Port?" initial="80" validate={port} check={check} onSubmit={onSubmit} />,
    );
    await press(r2, KEY.enter, '81', KEY.enter);
    await tick();
    await vi.waitFor(() => expect(onSubmit).toHaveBeenLastCalledWith('8081'));
  });
});

const model: ReviewModel = {
  title: 'Magec (magec 1.0.0)',
  dir: '/opt/magec',
  reconfigure: false,
  answers: [
    {
      id: 'mode',
      label: 'Where should the AI models run?',
      value: 'OpenAI for everything',
      changeable: true,
    },
    { id: 'openai_api_key', label: 'OpenAI API key', value: '(hidden)', changeable: true },
    {
      id: 'magec_image',
      label: 'Magec image',
      value: 'ghcr.io/achetronic/magec:v0.15.1',
      note: 'default',
      changeable: false,
    },
  ],
  secrets: [{ id: 'postgres_password', state: 'generated' }],
  files: [
    { path: 'compose.yaml', action: 'create' },
    { path: '.env', action: 'create' },
  ],
  services: ['magec', 'postgres', 'redis', 'magec-seed (one-shot)'],
  problems: [],
  warnings: ['Only 3 GB of RAM free'],
  confirmLabel: 'Install: write the files and start the stack',
};

describe('review', () => {
  it('shows every answer, secrets as generated, files and services, then the choices', () => {
    const r = render(<ReviewPrompt model={model} onSubmit={() => {}} />);
    expect(frame(r)).toBe(
      [
        'Review: Magec (magec 1.0.0) in /opt/magec (new install)',
        'Answers',
        '  Where should the AI models run? OpenAI for everything',
        '  OpenAI API key (hidden)',
        '  Magec image ghcr.io/achetronic/magec:v0.15.1 (default)',
        'Secrets (in .env, mode 0600; never shown)',
        '  postgres_password generated now',
        'Files',
        '  new       compose.yaml',
        '  new       .env',
        'Services magec, postgres, redis, magec-seed (one-shot)',
        '! Only 3 GB of RAM free',
        '',
        '? Go ahead?',
        '❯ Install: write the files and start the stack',
        '  Change an answer',
        '  Quit without writing anything',
        '↑↓ choose · Enter select · Ctrl-C quit',
      ].join('\n'),
    );
  });

  it('confirms, quits, or lists the answers that can be changed (Esc returns to the choices)', async () => {
    const onSubmit = vi.fn();
    const r = render(<ReviewPrompt model={model} onSubmit={onSubmit} />);
    await press(r, KEY.down, KEY.enter);
    await vi.waitFor(() => expect(frame(r)).toContain('? Which answer?'));
    await tick();
    expect(frame(r)).toContain(
      [
        '? Which answer?',
        '❯ Where should the AI models run? (OpenAI for everything)',
        '  OpenAI API key ((hidden))',
        '↑↓ choose · Enter select · Esc back · Ctrl-C quit',
      ].join('\n'),
    );
    expect(frame(r)).not.toContain('(ghcr.io');
    await press(r, KEY.down, KEY.enter);
    await vi.waitFor(() =>
      expect(onSubmit).toHaveBeenLastCalledWith({ action: 'change', id: 'openai_api_key' }),
    );
    const r2 = render(<ReviewPrompt model={model} onSubmit={onSubmit} />);
    await press(r2, KEY.down, KEY.enter, KEY.esc, KEY.up, KEY.enter);
    await vi.waitFor(() => expect(onSubmit).toHaveBeenLastCalledWith({ action: 'quit' }));
    const r3 = render(<ReviewPrompt model={model} onSubmit={onSubmit} />);
    await press(r3, KEY.enter);
    await vi.waitFor(() => expect(onSubmit).toHaveBeenLastCalledWith({ action: 'confirm' }));
  });

  it('offers no install while problems block it, and marks files edited outside berth', () => {
    const blocked: ReviewModel = {
      ...model,
      reconfigure: true,
      files: [{ path: 'compose.yaml', action: 'update', conflict: 'edited' }],
      problems: ['Port 8080: taken by nginx (pid 7)'],
    };
    const text = frame(render(<ReviewPrompt model={blocked} onSubmit={() => {}} />));
    expect(text).toContain('(reconfiguring)');
    expect(text).toContain('  changed   compose.yaml ← edited outside berth');
    expect(text).toContain('✖ Port 8080: taken by nginx (pid 7)');
    expect(text).toContain(
      '? These problems block the install.\n❯ Change an answer\n  Quit without writing anything',
    );
    expect(text).not.toContain('Install: write');
  });
});

describe('review of a reconfigure: the change plan', () => {
  const reconfigure: ReviewModel = {
    ...model,
    title: 'Engine test stack (engine-stack 1.0.0)',
    dir: '/opt/es',
    reconfigure: true,
    answers: [
      {
        id: 'greeting',
        label: 'Greeting',
        value: 'Hello again',
        note: 'was Hello from berth',
        changeable: true,
      },
    ],
    secrets: [{ id: 'app_secret', state: 'kept' }],
    files: [],
    services: ['init (one-shot)', 'web'],
    warnings: [],
    changes: {
      kind: 'changes',
      lines: [
        { label: 'Services', text: 'recreate init, web' },
        { label: 'Files', text: '.env +1 −1 · berth.yaml +1 −1' },
      ],
      diffs: [
        {
          path: '.env',
          lines: [
            '@@ -6,2 +6,2 @@',
            " APP_SECRET='<secret:APP_SECRET>'",
            "-GREETING='Hello from berth'",
            "+GREETING='Hello again'",
          ],
        },
      ],
    },
  };

  it('shows the summary under the answers and offers the diffs', () => {
    const r = render(<ReviewPrompt model={reconfigure} onSubmit={() => {}} />);
    expect(frame(r)).toBe(
      [
        'Review: Engine test stack (engine-stack 1.0.0) in /opt/es (reconfiguring)',
        'Answers',
        '  Greeting Hello again (was Hello from berth)',
        'Secrets (in .env, mode 0600; never shown)',
        '  app_secret kept from .env',
        'Services init (one-shot), web',
        'Changes',
        '  Services  recreate init, web',
        '  Files     .env +1 −1 · berth.yaml +1 −1',
        '',
        '? Go ahead?',
        '❯ Install: write the files and start the stack',
        '  Show the changes (the diff of each file)',
        '  Change an answer',
        '  Quit without writing anything',
        '↑↓ choose · Enter select · Ctrl-C quit',
      ].join('\n'),
    );
  });

  it('"Show the changes" puts the masked diffs in place of the review; Enter goes back to it', async () => {
    const onSubmit = vi.fn();
    const r = render(<ReviewPrompt model={reconfigure} onSubmit={onSubmit} />);
    await press(r, KEY.down, KEY.enter);
    await vi.waitFor(() =>
      expect(frame(r)).toBe(
        [
          'Changes, file by file (secret values masked)',
          '── .env ──',
          '@@ -6,2 +6,2 @@',
          " APP_SECRET='<secret:APP_SECRET>'",
          "-GREETING='Hello from berth'",
          "+GREETING='Hello again'",
          'lines 1–5 of 5 · Enter back to the review',
        ].join('\n'),
      ),
    );
    await tick(); // the pager's keys are live once its effects ran
    await press(r, KEY.enter);
    await vi.waitFor(() => expect(frame(r)).toContain('Changes\n  Services  recreate init, web'));
    expect(frame(r)).toContain('? Go ahead?\n❯ Install');
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('a long diff pages inside the terminal (24 rows): ↓ and Space scroll, the end stays in range', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `+LINE_${i + 1}=x`);
    const r = render(
      <ReviewPrompt
        model={{
          ...reconfigure,
          changes: { ...reconfigure.changes!, diffs: [{ path: 'big.env', lines: long }] },
        }}
        onSubmit={() => {}}
      />,
    );
    await press(r, KEY.down, KEY.enter);
    await vi.waitFor(() => expect(frame(r)).toContain('lines 1–21 of 41 · ↑↓ Space scroll'));
    expect(frame(r).split('\n')).toHaveLength(23);
    await tick();
    await press(r, KEY.down);
    await vi.waitFor(() => expect(frame(r)).toContain('lines 2–22 of 41'));
    expect(frame(r)).toContain('Changes, file by file (secret values masked)\n+LINE_1=x\n');
    await press(r, ' ', ' ');
    await vi.waitFor(() => expect(frame(r)).toContain('lines 21–41 of 41'));
    expect(frame(r).split('\n').at(-2)).toBe('+LINE_40=x');
    await press(r, 'q');
    await vi.waitFor(() => expect(frame(r)).toContain('? Go ahead?'));
  });

  it.each([
    ['new', 'Changes none to compare: a new install creates everything'],
    [
      'none',
      'Changes none: the install already is what these answers make (nothing is written or restarted)',
    ],
  ] as const)('%s: one line, and nothing to show', (kind, line) => {
    const text = frame(
      render(
        <ReviewPrompt
          model={{ ...reconfigure, changes: { kind, lines: [], diffs: [] } }}
          onSubmit={() => {}}
        />,
      ),
    );
    expect(text).toContain(`Services init (one-shot), web\n${line}\n`);
    expect(text).not.toContain('Show the changes');
  });

  it('shows "Working out the changes…" while the plan is computed', async () => {
    const store = new WizardStore();
    const app = render(<WizardApp store={store} />);
    WizardUI.over(store).working('Working out the changes…');
    await vi.waitFor(() => expect(frame(app)).toBe('Working out the changes…'));
  });
});

describe('final screen', () => {
  it('shows the URLs, the secrets and answers files, the next commands and the notes', () => {
    const r = render(
      <FinalView
        model={{
          headline: '✔ Magec is up.',
          ok: true,
          urls: [{ label: 'Voice UI', url: 'http://192.0.2.10:8080' }],
          lines: ['Secrets: /opt/magec/.env (mode 0600)'],
          next: ['berth status --dir /opt/magec'],
          notes: ['Keep MAGEC_ENCRYPTION_KEY safe.'],
          warnings: [],
        }}
      />,
    );
    expect(frame(r)).toBe(
      [
        '',
        '✔ Magec is up.',
        '  Voice UI: http://192.0.2.10:8080',
        'Secrets: /opt/magec/.env (mode 0600)',
        'Next',
        '  berth status --dir /opt/magec',
        'Note: Keep MAGEC_ENCRYPTION_KEY safe.',
      ].join('\n'),
    );
  });
});

describe('final screen with a warning', () => {
  it('shows the warning lines under the URLs, before the files and the next commands', () => {
    const r = render(
      <FinalView
        model={{
          headline: '! LUStores is up, but a step after the start did not succeed (below).',
          ok: false,
          urls: [{ label: 'LUStores', url: 'https://stores.example.test' }],
          lines: ['Secrets: /opt/lustores/.env (mode 0600)'],
          next: ['berth status --dir /opt/lustores'],
          notes: [],
          warnings: ['! Hook obtain_certificate (get the certificate) exited 4.', '    cause: DNS'],
        }}
      />,
    );
    expect(frame(r)).toBe(
      [
        '',
        '! LUStores is up, but a step after the start did not succeed (below).',
        '  LUStores: https://stores.example.test',
        '! Hook obtain_certificate (get the certificate) exited 4.',
        '    cause: DNS',
        'Secrets: /opt/lustores/.env (mode 0600)',
        'Next',
        '  berth status --dir /opt/lustores',
      ].join('\n'),
    );
  });
});

describe('the wizard app', () => {
  it('leaves one line per answered question above the current one', async () => {
    const store = new WizardStore();
    const ui = WizardUI.over(store);
    const r = render(<WizardApp store={store} />);
    const answer = ui.ask<string>((settle) => (
      <SelectPrompt title="Mode?" choices={[{ value: 'local', label: 'Local' }]} onSubmit={settle} />
    ));
    await tick();
    await press(r, KEY.enter);
    expect(await answer).toBe('local');
    ui.answered('Mode?', 'Local');
    await tick();
    expect(r.frames.map(stripVTControlCharacters).join('\n')).toContain('✔ Mode? Local');
  });

  it('Ctrl-C rejects the open question with CancelledError, and any later one at once', async () => {
    const store = new WizardStore();
    const ui = WizardUI.over(store);
    const r = render(<WizardApp store={store} />);
    const pending = ui.ask<boolean>((settle) => (
      <ConfirmPrompt title="Sure?" initial={true} onSubmit={settle} />
    ));
    await tick();
    const outcome = pending.catch((error: unknown) => error);
    await press(r, KEY.ctrlC);
    expect(await outcome).toBeInstanceOf(CancelledError);
    await expect(ui.ask(() => <></>)).rejects.toBeInstanceOf(CancelledError);
  });

  it('stays inside a 60-column terminal: prose wraps at words, no line runs over', async () => {
    const text = await renderAt(
      60,
      <SelectPrompt
        title="Where should the AI models run?"
        help="Magec needs an LLM (the agent's brain), speech-to-text and text-to-speech for the voice UI, and an embeddings model for long-term memory."
        choices={[
          {
            value: 'local',
            label: 'Everything on this machine (no API key)',
            description:
              'Installs Ollama (LLM + embeddings), Parakeet (speech-to-text) and Edge TTS (text-to-speech). Needs ~16 GB RAM.',
          },
        ]}
        onSubmit={() => {}}
      />,
    );
    const lines = text.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(60);
    expect(lines.slice(1, 4)).toEqual([
      "  Magec needs an LLM (the agent's brain), speech-to-text",
      '  and text-to-speech for the voice UI, and an embeddings',
      '  model for long-term memory.',
    ]);
  });
});
