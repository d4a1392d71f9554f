// ensureSecrets and generateSecret: a secret in the previous `.env` is kept byte for byte (by its env name), a
// missing or empty one is generated, and every generated value has the declared length and alphabet.
import { describe, expect, test } from 'vitest';
import { ensureSecrets, generateSecret } from '../../src/render/secrets.js';
import type { SecretSpec } from '../../src/recipes/schema.js';

const spec = (
  id: string,
  env: string,
  length = 32,
  encoding: SecretSpec['encoding'] = 'alnum',
): SecretSpec => ({
  id,
  env,
  length,
  encoding,
});

const ALPHABET: Record<SecretSpec['encoding'], RegExp> = {
  alnum: /^[A-Za-z0-9]*$/,
  hex: /^[0-9a-f]*$/,
  base64url: /^[A-Za-z0-9_-]*$/,
};

describe('ensureSecrets', () => {
  const specs = [spec('db_password', 'DB_PASSWORD'), spec('api_token', 'API_TOKEN', 48, 'hex')];

  test('keeps every secret found in the previous .env, exactly, and generates none', () => {
    // Values a generator would never make (other length, other alphabet) prove they were kept, not remade.
    const previous = { DB_PASSWORD: 'kept $ecret with spaces', API_TOKEN: 'x', OTHER: 'ignored' };
    expect(ensureSecrets(specs, previous)).toEqual({
      values: { db_password: 'kept $ecret with spaces', api_token: 'x' },
      generated: [],
    });
  });

  test('generates the missing ones only, and says which', () => {
    const result = ensureSecrets(specs, { DB_PASSWORD: 'from-before' });
    expect(result.values.db_password).toBe('from-before');
    expect(result.generated).toEqual(['api_token']);
    expect(result.values.api_token).toMatch(/^[0-9a-f]{48}$/);
  });

  test('an empty value in .env is no secret: it is generated anew', () => {
    const result = ensureSecrets(specs, { DB_PASSWORD: '', API_TOKEN: 'abc' });
    expect(result.generated).toEqual(['db_password']);
    expect(result.values.db_password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(result.values.api_token).toBe('abc');
  });

  test('secrets are found by their env name, not by their id', () => {
    const result = ensureSecrets(specs, { db_password: 'wrong key', api_token: 'wrong key' });
    expect(result.generated).toEqual(['db_password', 'api_token']);
    expect(Object.values(result.values)).not.toContain('wrong key');
  });

  test('a first install generates every secret, each different', () => {
    const result = ensureSecrets(specs, {});
    expect(result.generated).toEqual(['db_password', 'api_token']);
    expect(result.values.db_password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(result.values.api_token).toMatch(/^[0-9a-f]{48}$/);
  });

  test('a second run over the first run’s .env keeps everything', () => {
    const first = ensureSecrets(specs, {});
    const env = { DB_PASSWORD: first.values.db_password!, API_TOKEN: first.values.api_token! };
    expect(ensureSecrets(specs, env)).toEqual({ values: first.values, generated: [] });
  });
});

describe('generateSecret', () => {
  const encodings = ['alnum', 'hex', 'base64url'] as const;
  const lengths = [16, 17, 31, 32, 33, 255, 256];

  test.each(encodings.flatMap((encoding) => lengths.map((length) => [encoding, length] as const)))(
    '%s, length %i: exactly that many characters of its alphabet',
    (encoding, length) => {
      const value = generateSecret({ encoding, length });
      expect(value).toHaveLength(length);
      expect(value).toMatch(ALPHABET[encoding]);
    },
  );

  test.each(encodings)('%s: values do not repeat, and the whole alphabet is used', (encoding) => {
    const values = Array.from({ length: 200 }, () => generateSecret({ encoding, length: 64 }));
    expect(new Set(values).size).toBe(values.length);
    const seen = new Set(values.join(''));
    const size = { alnum: 62, hex: 16, base64url: 64 }[encoding];
    expect(seen.size).toBe(size);
  });
});
