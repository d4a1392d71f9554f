// Adversarial answers either fail validation with a clear message or come back byte-exact from the real
// `docker compose config --format json`, placed (a) directly in compose.yaml through {{compose x}} (an environment
// value and a label), (b) through .env as ${VIA_ENV} from a text question, (c) through .env as a secret answer,
// (d) into an env file of the app (app.env), whole and as part of a longer value.
// One rule for every text answer, wherever the recipe puts it: what .env cannot store verbatim is refused, naming
// the question, so no rendered file can fail because of an answer.
// Fixture: test/fixtures/roundtrip/. Needs Compose v2: without it these tests fail, they are never skipped.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BerthError } from '../../src/errors.js';
import type { Recipe } from '../../src/recipes/load-recipe.js';
import { loadRecipe } from '../../src/recipes/registry.js';
import { fixtures, tempDir } from '../helpers.js';
import { composeConfig, render, requireCompose, resolve, writeRendering } from './cases.js';

const recipe: Recipe = await loadRecipe(path.join(fixtures, 'roundtrip'));

/** Values every placement must carry verbatim. */
const accepted: [label: string, value: string][] = [
  ['${HOME}', '${HOME}'],
  ['$HOME', '$HOME'],
  ['$$', '$$'],
  ['lone $', 'cost: 5$'],
  ['${unclosed', '${unclosed'],
  ['${VIA_ENV:?x} (looks like a reference)', '${VIA_ENV:?x}'],
  ['inline comment', 'a # not a comment'],
  ['leading #', '#start'],
  ['unicode', 'ünïcødé ✓ 日本'],
  ['yes', 'yes'],
  ['no', 'no'],
  ['null', 'null'],
  ['~', '~'],
  ['true', 'true'],
  ['leading zero', '0123'],
  ['float-like', '1e3'],
  ['octal-like', '0o17'],
  ['list item', '- item'],
  ['mapping', 'key: value'],
  ['flow mapping', '{a: 1}'],
  ['flow sequence', '[1,2]'],
  ['backslash', 'back\\slash'],
  ['backslash-n (two characters)', 'a\\nb'],
  ['tab', 'tab\there'],
  ['leading and trailing spaces', ' leading and trailing '],
  ['single-quoted', "'single'"],
  ['double-quoted', '"double"'],
  ['emoji', 'emoji 🚢'],
  ['backtick', 'run `id`'],
  ['percent', '100% %s %d'],
  ['alias', '*anchor'],
  ['anchor', '&anchor'],
  ['tag', '!tag'],
  ['at', '@'],
  ['pipe', '| block'],
  ['fold', '> folded'],
  ['question mark', '? key'],
  ['document marker', '---'],
  ['equals', 'a=b=c'],
  ['export', 'export X=1'],
  ['very long (5000 characters)', 'x $#"\\yz'.repeat(625)],
];

const ENV_PROBLEM =
  'cannot contain a single quote together with " \\ $ or ` (it could not be stored in .env verbatim)';
const TRAILING_BACKSLASH = 'cannot end with a backslash (it would escape the closing quote in .env)';

/** Values berth's .env writer cannot store verbatim (see checkDotenvValue): refused for every answer. */
const envRejected: [label: string, value: string, problem: string][] = [
  ['quote with double quote', `it's "quoted"`, ENV_PROBLEM],
  ['quote with $', "it's $HOME", ENV_PROBLEM],
  ['quote with backslash', "it's back\\slash", ENV_PROBLEM],
  ['quote with backtick', "it's `id`", ENV_PROBLEM],
  ['a trailing backslash', 'abc\\', TRAILING_BACKSLASH],
  ['three trailing backslashes', 'abc\\\\\\', TRAILING_BACKSLASH],
  ['two trailing backslashes', 'abc\\\\', TRAILING_BACKSLASH],
];

/** Invisible and control characters hide what a value is: refused for every answer (the first one is named). */
const invisible: [label: string, value: string, code: string][] = [
  ['DEL', 'a\u007fb', '007F'],
  ['NEL', 'a\u0085b', '0085'],
  ['C1 control', 'a\u009bb', '009B'],
  ['line separator', 'a\u2028b', '2028'],
  ['paragraph separator', 'a\u2029b', '2029'],
  ['byte order mark', '\ufeffbom', 'FEFF'],
  ['escape', 'a\u001b[0mb', '001B'],
  ['vertical tab and form feed', 'a\u000b\u000cb', '000B'],
  ['zero-width space', 'ex\u200bample.com', '200B'],
  ['right-to-left override', 'abc\u202etxt', '202E'],
];

/** Values no placement accepts. */
const rejected: [label: string, value: string][] = [
  ['newline', 'line one\nline two'],
  ['carriage return', 'a\rb'],
  ['CRLF', 'a\r\nb'],
  ['trailing newline', 'value\n'],
  ['NUL', 'a\0b'],
];

const SINGLE_LINE = 'must be a single line (no line breaks or NUL characters)';

type Placement = 'direct' | 'via_env' | 'secret_value';

/** The sources for one value in one placement; the other two answers stay plain. */
const sources = (placement: Placement, value: string) => ({
  flags: {
    direct: placement === 'direct' ? value : 'plain',
    via_env: placement === 'via_env' ? value : 'plain',
  },
  env: { SECRET_VALUE: placement === 'secret_value' ? value : 'plain' },
});

async function validationError(placement: Placement, value: string): Promise<string[]> {
  const error = await resolve(recipe, sources(placement, value)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `${placement} accepted ${JSON.stringify(value)}`).toBeInstanceOf(BerthError);
  return (error as BerthError).details;
}

/** compose config prints a model that is itself valid compose: every `$` comes out doubled. */
const unescape = (value: unknown) => (typeof value === 'string' ? value.replaceAll('$$', '$') : value);

async function roundTrip(answers: { direct: string; via_env: string; secret: string }) {
  const resolved = await resolve(recipe, {
    flags: { direct: answers.direct, via_env: answers.via_env },
    env: { SECRET_VALUE: answers.secret },
  });
  const dir = tempDir('berth-roundtrip-');
  writeRendering(dir, render(recipe, resolved));
  const result = await composeConfig(dir);
  expect(result.stderr, 'docker compose config failed').toBe('');
  expect(result.exitCode).toBe(0);
  const app = (
    JSON.parse(result.stdout) as {
      services: { app: { environment: Record<string, string>; labels: Record<string, string> } };
    }
  ).services.app;
  return {
    resolved,
    direct: unescape(app.environment.DIRECT),
    directLabel: unescape(app.labels['roundtrip.direct']),
    viaEnv: unescape(app.environment.VIA_ENV),
    viaEnvLabel: unescape(app.labels['roundtrip.via-env']),
    secret: unescape(app.environment.SECRET_VALUE),
    fileDirect: unescape(app.environment.FILE_DIRECT),
    fileUrl: unescape(app.environment.FILE_URL),
  };
}

describe('answers round-trip through docker compose config', () => {
  // Every compose-backed test below fails on its own (never skips) without Compose v2; this one says why first.
  it('has docker compose v2 (else run scripts/install-compose.sh)', async () => {
    await expect(requireCompose()).resolves.toBeUndefined();
  });

  it('sanity: the escape of $ in compose config output is what this test undoes', async () => {
    const out = await roundTrip({ direct: 'a$b', via_env: '$', secret: '$$' });
    expect([out.direct, out.viaEnv, out.secret]).toEqual(['a$b', '$', '$$']);
  });

  it.each(accepted)('%s', async (_label, value) => {
    const out = await roundTrip({ direct: value, via_env: value, secret: value });
    // Text answers are trimmed on input (coerce: stray spaces around a pasted value); secrets never are.
    const text = value.trim();
    expect(out.resolved.direct).toBe(text);
    expect(out.direct).toBe(text);
    expect(out.directLabel).toBe(text);
    expect(out.fileDirect).toBe(text);
    expect(out.fileUrl).toBe(`http://${text}:8080/path`);
    expect(out.viaEnv).toBe(text);
    expect(out.viaEnvLabel).toBe(text);
    expect(out.secret).toBe(value);
  });

  it.each(envRejected)(
    '%s: rejected in every placement at validation, with the reason',
    async (_l, value, problem) => {
      expect(await validationError('direct', value)).toEqual([`--direct: ${problem}`]);
      expect(await validationError('via_env', value)).toEqual([`--via-env: ${problem}`]);
      // A secret's value is never echoed: only where it came from.
      expect(await validationError('secret_value', value)).toEqual([`SECRET_VALUE: ${problem}`]);
    },
  );

  it.each([
    ['a space', ' '],
    ['a tab', '\t'],
    ['spaces and tabs', ' \t  \t'],
  ])('whitespace only (%s) is an empty answer for text, and refused for a secret', async (_label, value) => {
    expect(await validationError('via_env', value)).toEqual(['--via-env: is required and cannot be empty']);
    expect(await validationError('secret_value', value)).toEqual([
      'SECRET_VALUE: is only whitespace (spaces or tabs)',
    ]);
  });

  it.each(invisible)('%s: rejected in every placement, naming the character', async (_l, value, code) => {
    const problem = `holds an invisible or control character (U+${code})`;
    expect(await validationError('direct', value)).toEqual([`--direct: ${problem}`]);
    expect(await validationError('via_env', value)).toEqual([`--via-env: ${problem}`]);
    expect(await validationError('secret_value', value)).toEqual([`SECRET_VALUE: ${problem}`]);
  });

  it.each(rejected)('%s: rejected in every placement, with the reason', async (_label, value) => {
    const [direct] = await validationError('direct', value);
    expect(direct).toMatch(/^--direct: /);
    expect(direct!.endsWith(`: ${SINGLE_LINE}`)).toBe(true);
    const [viaEnv] = await validationError('via_env', value);
    expect(viaEnv!.endsWith(`: ${SINGLE_LINE}`)).toBe(true);
    expect(await validationError('secret_value', value)).toEqual([`SECRET_VALUE: ${SINGLE_LINE}`]);
  });

  it('the long value is really 5000 characters', () => {
    expect(accepted.find(([label]) => label.startsWith('very long'))![1]).toHaveLength(5000);
  });
});
