// The per-binary version cache: asked once per binary identity, asked again when the binary changes, and never
// trusted from a folder another user could write.
import { chmodSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachedVersion, userCacheDir } from '../../src/detect/version-cache.js';
import { tempDir } from '../helpers.js';

function counter(answers: (string | undefined)[]) {
  let calls = 0;
  return {
    ask: () => Promise.resolve(answers[calls++]),
    get calls() {
      return calls;
    },
  };
}

function setup() {
  const dir = tempDir('berth-vcache-');
  const binary = path.join(dir, 'docker-compose');
  writeFileSync(binary, '#!/bin/sh\n', { mode: 0o755 });
  return { cache: path.join(dir, 'cache', 'berth'), binary };
}

describe('cachedVersion', () => {
  it('asks the binary once, then answers from the cache (a 0600 file in a 0700 folder)', async () => {
    const { cache, binary } = setup();
    const c = counter(['2.33.1', 'never']);
    expect(await cachedVersion(cache, binary, c.ask)).toBe('2.33.1');
    expect(await cachedVersion(cache, binary, c.ask)).toBe('2.33.1');
    expect(c.calls).toBe(1);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(cache, 'versions.json')).mode & 0o777).toBe(0o600);
  });

  it('asks again when the binary is replaced (new size or mtime)', async () => {
    const { cache, binary } = setup();
    const c = counter(['2.29.0', '2.33.1']);
    expect(await cachedVersion(cache, binary, c.ask)).toBe('2.29.0');
    writeFileSync(binary, '#!/bin/sh\n# upgraded\n');
    expect(await cachedVersion(cache, binary, c.ask)).toBe('2.33.1');
    utimesSync(binary, new Date(2020, 0, 1), new Date(2020, 0, 1));
    const d = counter(['2.34.0']);
    expect(await cachedVersion(cache, binary, d.ask)).toBe('2.34.0');
  });

  it('does not remember a failed answer', async () => {
    const { cache, binary } = setup();
    const c = counter([undefined, '2.33.1']);
    expect(await cachedVersion(cache, binary, c.ask)).toBeUndefined();
    expect(await cachedVersion(cache, binary, c.ask)).toBe('2.33.1');
    expect(c.calls).toBe(2);
  });

  it('ignores a cache folder others can write, and a corrupt cache file', async () => {
    const { cache, binary } = setup();
    mkdirSync(cache, { recursive: true });
    chmodSync(cache, 0o777);
    const c = counter(['2.33.1', '2.33.1']);
    await cachedVersion(cache, binary, c.ask);
    await cachedVersion(cache, binary, c.ask);
    expect(c.calls).toBe(2);
    chmodSync(cache, 0o700);
    writeFileSync(path.join(cache, 'versions.json'), '{not json');
    const d = counter(['2.33.1', 'never']);
    expect(await cachedVersion(cache, binary, d.ask)).toBe('2.33.1');
    expect(await cachedVersion(cache, binary, d.ask)).toBe('2.33.1');
    expect(d.calls).toBe(1);
    const saved = JSON.parse(readFileSync(path.join(cache, 'versions.json'), 'utf8')) as object;
    expect(Object.values(saved)).toEqual(['2.33.1']);
    expect(Object.keys(saved)[0]).toContain(binary);
  });

  it('asks every time without a cache folder or for a missing binary', async () => {
    const { binary } = setup();
    const c = counter(['1', '2', '3']);
    expect(await cachedVersion(undefined, binary, c.ask)).toBe('1');
    expect(await cachedVersion(undefined, binary, c.ask)).toBe('2');
    expect(c.calls).toBe(2);
  });

  it('lives under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(userCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/berth');
    expect(userCacheDir({ HOME: '/h' })).toBe('/h/.cache/berth');
    expect(userCacheDir({})).toBeUndefined();
  });
});
