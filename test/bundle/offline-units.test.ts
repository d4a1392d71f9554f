// The pure parts of offline installs: the tar the bundle is written as (read back by GNU tar, sizes past 8 GiB in
// base-256), the Node.js version the bundle downloads (install.sh's own), and the words for a missing image whose
// registry cannot be reached (every missing image named, berth bundle pointed to), against one that was refused.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import { NODE_VERSION } from '../../src/bundle/node-runtime.js';
import { tarHeader, TarWriter } from '../../src/bundle/tar-writer.js';
import { classify } from '../../src/diagnose/classify.js';
import { emptyEvidence } from '../../src/diagnose/evidence.js';
import { describe as describeFinding } from '../../src/diagnose/messages.js';
import { repoRoot } from '../helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bundle-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the bundle tar', () => {
  test('GNU tar lists and extracts it: a plain entry, a streamed one, a long path', async () => {
    const file = path.join(dir, 'a.tar');
    const handle = await open(file, 'w');
    const tar = new TarWriter(handle, Date.UTC(2026, 0, 2));
    await tar.add('b/small.txt', Buffer.from('hello\n'));
    const long = `b/recipe/${'deep/'.repeat(25)}file.yaml`;
    await tar.add(long, Buffer.from('x: 1\n'));
    const size = await tar.stream('b/streamed.bin', async (write) => {
      for (let i = 0; i < 3; i++) await write(Buffer.alloc(1000, i + 1));
    });
    await tar.end();
    await handle.close();
    expect(size).toBe(3000);
    const listed = await execa('tar', ['-tvf', file]);
    expect(String(listed.stdout)).toMatch(/ 3000 2026-01-02 \d\d:\d\d b\/streamed\.bin$/m);
    expect(String(listed.stdout)).toContain(long);
    await execa('tar', ['-xf', file, '-C', dir]);
    expect(readFileSync(path.join(dir, 'b/small.txt'), 'utf8')).toBe('hello\n');
    expect(readFileSync(path.join(dir, 'b/streamed.bin'))).toEqual(
      Buffer.concat([1, 2, 3].map((n) => Buffer.alloc(1000, n))),
    );
  });

  test('a size of 8 GiB or more is written in base-256, as GNU tar reads it', () => {
    const header = tarHeader('b/images.tar.gz', 9 * 2 ** 30, 0o644, 0);
    expect(header[124]).toBe(0x80);
    expect(header.readBigUInt64BE(128)).toBe(BigInt(9 * 2 ** 30));
    expect(tarHeader('b/x', 8 ** 11 - 1, 0o644, 0).toString('ascii', 124, 135)).toBe('77777777777');
  });

  test('a path that does not fit is an error, not a cut name', () => {
    expect(() => tarHeader(`${'x'.repeat(120)}`, 1, 0o644, 0)).toThrow(/path too long/);
  });
});

test("the Node.js a bundle downloads is install.sh's DEFAULT_NODE_VERSION", () => {
  const installSh = readFileSync(path.join(repoRoot, 'install.sh'), 'utf8');
  expect(/^DEFAULT_NODE_VERSION='(v[0-9.]+)'$/m.exec(installSh)?.[1]).toBe(NODE_VERSION);
});

describe('a missing image', () => {
  const pullError = (line: string) =>
    classify({ ...emptyEvidence([' app Pulling ', ` app Error ${line}`], 18), images: { app: 'r/app:1' } });

  test.each([
    'Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused',
    'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.53:53: no such host',
    'Get "https://ghcr.io/v2/": net/http: TLS handshake timeout',
  ])('the registry out of reach (%s): offline', (line) => {
    expect(pullError(line)).toMatchObject({
      cause: 'image-missing',
      registryUnreachable: true,
      service: 'app',
    });
  });

  test('the registry answered (not found, denied): not offline', () => {
    expect(pullError('manifest for r/app:1 not found: manifest unknown')).not.toHaveProperty(
      'registryUnreachable',
    );
  });

  test('offline: every missing image named, and the way to install from a bundle', () => {
    const finding = pullError(
      'Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused',
    );
    const { summary, hint } = describeFinding(finding, { missingImages: ['r/app:1', 'r/db:2'] });
    expect(summary).toBe(
      '2 images are not on this machine, and the registry cannot be reached to pull them: r/app:1, r/db:2. ' +
        '(The engine said: Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused.)',
    );
    expect(hint).toContain('run `berth bundle` with the same --recipe and answers and -o FILE');
    expect(hint).toContain('tar -xOf FILE berth-bundle/install.sh | sh -s -- --bundle FILE');
  });
});
