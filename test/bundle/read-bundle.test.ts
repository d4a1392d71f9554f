// Reading a bundle back (src/bundle/read-bundle.ts) and what `berth upgrade --bundle` decides before any image or
// file is touched: every sum checked (one byte changed, cut short, a file the sums do not list, a foreign tar all
// refused with exit 2), the install's recipe must be the bundle's, and a bundle whose berth is newer runs with
// that berth (a stand-in berth.mjs here, which prints its command line). Small bundles made with TarWriter; no engine.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import { extractFolder, openBundle } from '../../src/bundle/read-bundle.js';
import { TarWriter } from '../../src/bundle/tar-writer.js';
import { UsageError } from '../../src/errors.js';
import { berth } from '../helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-read-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LONG = `recipe/${'deep/'.repeat(25)}file.yaml`;
/** A stand-in for a newer berth: prints its command line, exits 7. */
const FAKE_BERTH = 'console.log("BUNDLE BERTH " + JSON.stringify(process.argv.slice(2))); process.exit(7);\n';

function manifest(berth: string, recipe: { name: string; version: string; folder: string | null }): string {
  const images = [{ name: 'example/web:2', id: 'sha256:00', size: 1 }];
  return JSON.stringify({
    berth,
    arch: 'amd64',
    recipe,
    images,
    imagesFile: { name: 'images.tar.gz', bytes: 4 },
  });
}

/** A bundle as berth bundle writes it; `unlisted` members are left out of SHA256SUMS. */
async function makeBundle(
  name: string,
  options: {
    berth?: string;
    recipe?: string;
    folder?: boolean;
    unlisted?: Record<string, string>;
    images?: Buffer;
  } = {},
): Promise<string> {
  const recipe = {
    name: options.recipe ?? 'upgrade-stack',
    version: '1.1.0',
    folder: options.folder === false ? null : 'recipe',
  };
  const members: Record<string, string | Buffer> = {
    'install.sh': '#!/bin/sh\n',
    'berth.mjs': FAKE_BERTH,
    ...(recipe.folder
      ? { 'recipe/recipe.yaml': 'name: upgrade-stack\nversion: 1.1.0\n', [LONG]: 'x: 1\n' }
      : {}),
    'images.tar.gz': options.images ?? 'gzip',
    'manifest.json': manifest(options.berth ?? '0.0.1', recipe),
  };
  const file = path.join(dir, name);
  const handle = await open(file, 'w');
  const tar = new TarWriter(handle, Date.now());
  const sums: string[] = [];
  for (const [member, text] of Object.entries(members)) {
    await tar.add(`berth-bundle/${member}`, Buffer.from(text as string));
    sums.push(`${createHash('sha256').update(text).digest('hex')}  ${member}`);
  }
  for (const [member, text] of Object.entries(options.unlisted ?? {}))
    await tar.add(`berth-bundle/${member}`, Buffer.from(text));
  await tar.add('berth-bundle/SHA256SUMS', Buffer.from(`${sums.join('\n')}\n`));
  await tar.end();
  await handle.close();
  return file;
}

async function refusal(file: string): Promise<string> {
  try {
    await openBundle(file, () => undefined);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error(`${file} was not refused`);
}

describe('openBundle', () => {
  test('an intact bundle: its manifest, every member in place, the recipe folder (a long path) unpacked', async () => {
    const file = await makeBundle('intact.berth');
    const lines: string[] = [];
    const bundle = await openBundle(file, (l) => lines.push(l));
    expect(bundle.manifest.recipe).toEqual({ name: 'upgrade-stack', version: '1.1.0', folder: 'recipe' });
    expect(lines).toEqual([`Checking every SHA256 sum in ${file} (6 files, 0.0 MB)…\n`]);
    await extractFolder(bundle, 'recipe', path.join(dir, 'unpacked'));
    expect(readFileSync(path.join(dir, 'unpacked', LONG.slice('recipe/'.length)), 'utf8')).toBe('x: 1\n');
  });

  test('big images: their check shown at each tenth, the sum still right', async () => {
    const file = await makeBundle('big.berth', { images: Buffer.alloc(80e6, 7) });
    const lines: string[] = [];
    await openBundle(file, (l) => lines.push(l));
    expect(lines.slice(1)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) =>
        expect.stringMatching(new RegExp(`^  ${n * 8}\\.\\d MB of 80\\.0 MB checked\n$`)),
      ),
    );
    rmSync(file);
  });

  test('one byte changed in any member: the SHA256 mismatch named', async () => {
    const file = await makeBundle('tampered.berth');
    const bytes = readFileSync(file);
    const at = bytes.indexOf('gzip');
    bytes[at] = 'G'.charCodeAt(0);
    writeFileSync(file, bytes);
    expect(await refusal(file)).toMatch(
      /: SHA256 mismatch for images\.tar\.gz \(expected [0-9a-f]{64}, got [0-9a-f]{64}\): the bundle is damaged or was tampered with\. Nothing was loaded or changed\.$/,
    );
  });

  test('cut short, a member the sums do not list, not a bundle at all, no such file', async () => {
    const short = await makeBundle('short.berth');
    truncateSync(short, 2048);
    expect(await refusal(short)).toContain('it is cut short');
    expect(
      await refusal(await makeBundle('extra.berth', { unlisted: { 'run-me.sh': 'rm -rf /' } })),
    ).toContain('run-me.sh is not in its SHA256SUMS.');
    mkdirSync(path.join(dir, 'other'));
    writeFileSync(path.join(dir, 'other/a.txt'), 'a');
    await execa('tar', ['-cf', path.join(dir, 'other.tar'), '-C', dir, 'other/a.txt']);
    expect(await refusal(path.join(dir, 'other.tar'))).toContain(
      'it holds an unexpected member, other/a.txt: it is not a berth bundle.',
    );
    writeFileSync(path.join(dir, 'text.berth'), 'hello '.repeat(200));
    expect(await refusal(path.join(dir, 'text.berth'))).toContain('it is not a berth bundle');
    expect(await refusal(path.join(dir, 'none.berth'))).toContain('no such file');
  });
});

describe('berth upgrade --bundle, before anything is loaded (the built berth.mjs)', () => {
  /** An install folder that state.json says holds `recipe`. */
  function installOf(recipe: string): string {
    const install = mkdtempSync(path.join(dir, 'install-'));
    mkdirSync(path.join(install, '.berth'));
    writeFileSync(
      path.join(install, '.berth/state.json'),
      JSON.stringify({ recipe, recipeVersion: '1.0.0', files: {} }),
    );
    return install;
  }

  test('a tampered bundle: exit 2, named, and nothing run', async () => {
    const file = await makeBundle('tampered-cli.berth', { berth: '99.0.0' });
    const bytes = readFileSync(file);
    bytes[bytes.indexOf('BUNDLE BERTH')] = 'b'.charCodeAt(0);
    writeFileSync(file, bytes);
    const result = await berth(['upgrade', '--bundle', file, '--dir', installOf('upgrade-stack'), '--yes']);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain('SHA256 mismatch for berth.mjs');
    expect(String(result.stdout)).not.toContain('BUNDLE BERTH');
  });

  test('the install is of another recipe: refused, naming both', async () => {
    const file = await makeBundle('other-recipe.berth');
    const install = installOf('magec');
    const result = await berth(['upgrade', '--bundle', file, '--dir', install, '--yes']);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain(
      `${install} runs magec, but the bundle ${file} carries upgrade-stack 1.1.0: it cannot upgrade this install. Nothing was loaded or changed.`,
    );
  });

  test('a shipped recipe of another version than this berth has: refused, pointing to the bundle’s berth', async () => {
    const file = await makeBundle('builtin.berth', { recipe: 'magec', folder: false });
    const result = await berth(['upgrade', '--bundle', file, '--dir', installOf('magec'), '--yes']);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toMatch(
      /The bundle's magec 1\.1\.0 is built into its berth 0\.0\.1; this berth \(\d+\.\d+\.\d+\) has magec \d+\.\d+\.\d+\./,
    );
    expect(String(result.stderr)).toContain(`tar -xOf ${file} berth-bundle/berth.mjs >berth.mjs`);
  });

  test('a newer berth in the bundle: said, then the bundle’s berth.mjs runs with the same command line', async () => {
    const file = await makeBundle('newer.berth', { berth: '99.0.0' });
    const install = installOf('upgrade-stack');
    const argv = ['upgrade', '--bundle', file, '--dir', install, '--yes'];
    const result = await berth(argv);
    expect(result.exitCode).toBe(7);
    const out = String(result.stdout);
    expect(out).toMatch(
      /This bundle carries berth 99\.0\.0, newer than this berth \(\d+\.\d+\.\d+\): its recipe and upgrade steps belong to it, so the upgrade runs with the bundle's berth\.mjs \(checked above\)\./,
    );
    expect(out).toContain(`BUNDLE BERTH ${JSON.stringify(argv)}`);
  });

  test('--recipe with --bundle: refused (the recipe comes from the bundle)', async () => {
    const file = await makeBundle('with-recipe.berth');
    const result = await berth(['upgrade', '--bundle', file, '--recipe', 'magec', '--yes']);
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain('--recipe and --bundle cannot both be given');
  });
});
