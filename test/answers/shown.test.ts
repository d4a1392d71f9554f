// Values echoed in refusals cannot drive the terminal, and a long one is printed once, shortened (issue 12,
// class 6). Table-driven on shown(), then through the bundle with hostile flags and env vars.
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { shown, terminalSafe } from '../../src/answers/shown.js';
import { berth, bundle, cleanEnv, tempDir } from '../helpers.js';

describe('shown', () => {
  it.each([
    ['plain', 'edge', '"edge"'],
    ['ESC / CSI', 'a\u001b[31mred', '"a\\u001b[31mred"'],
    ['OSC title', '\u001b]0;pwned\u0007', '"\\u001b]0;pwned\\u0007"'],
    ['CR (overwrites the line)', 'ok\rFAKE', '"ok\\rFAKE"'],
    ['LF', 'a\nb', '"a\\nb"'],
    ['C1 CSI', 'a\u009b31m', '"a\\u009b31m"'],
    ['DEL', 'a\u007f', '"a\\u007f"'],
    ['right-to-left override', 'abc\u202Etxt.exe', '"abc\\u202etxt.exe"'],
    ['zero-width space', 'ex\u200Bample.com', '"ex\\u200bample.com"'],
    ['BOM', '\uFEFFvalue', '"\\ufeffvalue"'],
    ['tab and accents stay', 'caf\u00e9\tx', '"caf\u00e9\tx"'],
    ['CJK and emoji stay', '日本 🚢', '"日本 🚢"'],
  ])('%s', (_label, value, expected) => {
    expect(shown(value)).toBe(expected);
  });

  it('shortens past 60 characters and says how long the value was', () => {
    expect(shown('x'.repeat(10_000))).toBe(`"${'x'.repeat(40)}…" (10000 characters)`);
    expect(shown('🚢'.repeat(61))).toBe(`"${'🚢'.repeat(40)}…" (61 characters)`);
    expect(shown('y'.repeat(60))).toBe(`"${'y'.repeat(60)}"`);
  });

  it('never cuts an escape in half', () => {
    expect(shown(`${'a'.repeat(39)}\u001b${'b'.repeat(30)}`)).toBe(
      `"${'a'.repeat(39)}\\u001b…" (70 characters)`,
    );
  });

  it('terminalSafe leaves ordinary text alone', () => {
    expect(terminalSafe('✖ --port: "8080" is taken')).toBe('✖ --port: "8080" is taken');
  });
});

describe('hostile values in refusals, through the bundle', () => {
  const render = (args: string[], env: Record<string, string> = {}) =>
    berth(['render', '--yes', '--dry-run', '--dir', tempDir(), ...args], { env });

  it.each([
    [
      'an OSC sequence in a flag',
      ['--magec-port', '\u001b]0;pwned\u0007'],
      {},
      '--magec-port: holds an invisible or control character (U+001B)',
    ],
    [
      'a CSI sequence in an env var',
      [],
      { BERTH_MAGEC_PORT: '80\u001b[2J80' },
      'BERTH_MAGEC_PORT: holds an invisible or control character (U+001B)',
    ],
    [
      'a carriage return in a flag (refused as a second line, not echoed)',
      ['--mode', 'local\rFAKE OK'],
      {},
      '--mode: must be a single line',
    ],
    [
      'a right-to-left override in a flag',
      ['--domain', 'evil\u202Emoc.example.com'],
      {},
      '--domain: holds an invisible or control character (U+202E)',
    ],
    [
      'an OSC sequence in a recipe name, echoed escaped',
      ['--recipe', 'ev\u001b]0;pwned\u0007il'],
      {},
      'Unknown recipe "ev\\u001b]0;pwned\\u0007il"',
    ],
  ])('%s: exit 2, and nothing a terminal acts on reaches stderr', async (_label, args, env, echoed) => {
    const r = await render(args as string[], env as Record<string, string>);
    expect(r.exitCode).toBe(2);
    const stderr = String(r.stderr);
    expect(stderr).toContain(echoed);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
  });

  it('a 10,000-character value is printed once, shortened', async () => {
    const r = await render(['--magec-port', '9'.repeat(10_000)]);
    expect(r.exitCode).toBe(2);
    const stderr = String(r.stderr);
    expect(stderr).toContain(`"${'9'.repeat(40)}…" (10000 characters) is not a port`);
    expect(stderr.length).toBeLessThan(2_000);
  });
});

describe('bytes that are not UTF-8 are refused, naming where they came from (class 5)', () => {
  const sh = (script: string) =>
    execa('sh', ['-c', script], {
      env: { ...cleanEnv(), BUNDLE: bundle, DIR: path.join(tempDir(), 'x'), FILES: tempDir() },
      extendEnv: false,
      reject: false,
    });
  const base = 'node "$BUNDLE" render --yes --dry-run --dir "$DIR" --mode openai';

  it.each([
    ['a flag', `${base} --llm-model "$(printf 'gpt\\377x')"`, '--llm-model: is not valid UTF-8 text'],
    [
      'an env var',
      `BERTH_LLM_MODEL="$(printf 'gpt\\300')" ${base}`,
      'BERTH_LLM_MODEL: is not valid UTF-8 text',
    ],
    [
      'an answers file',
      `printf 'llm_model: gpt\\n# \\377\\n' > "$FILES/a.yaml"; ${base} --answers "$FILES/a.yaml"`,
      'a.yaml: byte 17 is not valid UTF-8',
    ],
    [
      'a key file',
      `printf 'sk-\\355\\240\\200' > "$FILES/key"; ${base} --openai-api-key-file "$FILES/key"`,
      '--openai-api-key-file',
    ],
  ])('%s', async (_label, script, message) => {
    const r = await sh(script);
    expect(r.exitCode, String(r.stderr)).toBe(2);
    expect(String(r.stderr)).toContain(message);
    expect(String(r.stderr)).toMatch(/not valid UTF-8/);
  });
});
