import { describe, expect, it } from 'vitest';
import { coerce } from '../../src/answers/coerce.js';
import type { Question } from '../../src/recipes/schema.js';

const q = (type: Question['type'], extra: Partial<Question> = {}): Question => ({
  id: 'x',
  prompt: 'x?',
  type,
  ...extra,
});

describe('coerce', () => {
  it.each([
    ['confirm', 'yes', true],
    ['confirm', 'OFF', false],
    ['confirm', true, true],
    ['port', '443', 443],
    ['port', 8080, 8080],
    ['number', '1.5', 1.5],
    ['domain', 'Büro.Example.com', 'xn--bro-hoa.example.com'],
    ['email', 'ops@example.com', 'ops@example.com'],
    ['path', '/opt/magec/', '/opt/magec'],
    ['text', '  padded  ', 'padded'],
    ['secret', '  keep spaces  ', '  keep spaces  '],
  ] as const)('%s %j → %j', (type, raw, value) => {
    expect(coerce(q(type), raw)).toEqual({ ok: true, value });
  });

  it.each([
    ['confirm', 'maybe', '"maybe" is not yes or no (use true/false, yes/no, 1/0)'],
    ['port', '0', '"0" is not a port (a whole number from 1 to 65535)'],
    ['port', '80.5', '"80.5" is not a port (a whole number from 1 to 65535)'],
    ['number', 'ten', '"ten" is not a number'],
    ['domain', 'localhost', '"localhost" is not a domain name like app.example.com'],
    [
      'domain',
      'https://example.com/',
      '"https://example.com/" is a URL: give the bare domain name "example.com"',
    ],
    ['domain', '-bad.example.com', '"-bad.example.com" is not a domain name like app.example.com'],
    ['domain', '10.0.0.1', '"10.0.0.1" is not a domain name like app.example.com'],
    ['email', 'not-an-email', '"not-an-email" is not an e-mail address (name@example.com)'],
    ['path', 'relative/dir', '"relative/dir" is not an absolute path (start it with /)'],
    ['text', 'two\nlines', 'must be a single line (no line breaks or NUL characters)'],
    ['text', 'nul\0byte', 'must be a single line (no line breaks or NUL characters)'],
    ['text', '', 'is required and cannot be empty'],
    ['text', ['a'], 'must be a single value, not a list or map'],
  ] as const)('%s %j is refused: %s', (type, raw, message) => {
    expect(coerce(q(type), raw)).toEqual({ ok: false, message });
  });

  it('applies validate rules with the recipe message', () => {
    const key = q('secret', {
      env: 'K',
      validate: { pattern: '^sk-', message: 'OpenAI keys start with sk-' },
    });
    expect(coerce(key, 'pk-123')).toEqual({ ok: false, message: 'OpenAI keys start with sk-' });
    expect(coerce(q('number', { validate: { min: 1, max: 4 } }), '5')).toEqual({
      ok: false,
      message: '5 is above the maximum 4',
    });
    expect(coerce(q('text', { validate: { maxLength: 3 } }), 'abcd')).toEqual({
      ok: false,
      message: 'must be at most 3 characters',
    });
  });

  it('accepts empty for optional questions', () => {
    expect(coerce(q('domain', { optional: true }), '')).toEqual({ ok: true, value: '' });
  });

  it('checks select values against the choices', () => {
    const select = q('select', {
      choices: [
        { value: 'a', label: 'A' },
        { value: 'b', label: 'B' },
      ],
    });
    expect(coerce(select, 'b')).toEqual({ ok: true, value: 'b' });
    expect(coerce(select, 'c')).toEqual({ ok: false, message: '"c" is not one of: a, b' });
  });
});
