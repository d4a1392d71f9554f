// The bundle unpacks its core into a per-user cache folder; only a folder nobody else can write is trusted.
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpackPayload } from '../../src/core-cache.js';
import { berth, modeOf, tempDir } from '../helpers.js';

const coreDirs = (dir: string) => readdirSync(dir).filter((f) => /^core-.*-[0-9a-f]{16}$/.test(f));

describe('core cache', () => {
  it('--version needs no cache; the first command unpacks the core 0600 into a 0700 folder, later ones reuse it', async () => {
    const cache = tempDir();
    const env = { XDG_CACHE_HOME: cache };
    expect((await berth(['--version'], { env })).exitCode).toBe(0);
    expect(readdirSync(cache)).toEqual([]);

    expect((await berth(['recipes'], { env })).stdout).toContain('magec');
    const dir = path.join(cache, 'berth');
    const [core] = coreDirs(dir);
    expect(core).toBeDefined();
    const main = path.join(dir, core!, 'main.mjs');
    expect(modeOf(dir)).toBe('0700');
    expect(modeOf(path.join(dir, core!))).toBe('0700');
    expect(modeOf(main)).toBe('0600');
    const written = statSync(main).mtimeMs;

    expect((await berth(['recipes'], { env })).exitCode).toBe(0);
    expect(statSync(main).mtimeMs).toBe(written);
    expect(coreDirs(dir)).toEqual([core]);
  });

  it('never runs code from a cache folder that others can write to', async () => {
    const cache = tempDir();
    const shared = path.join(cache, 'berth');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const other = tempDir();
    const result = await berth(['recipes'], { env: { XDG_CACHE_HOME: cache, TMPDIR: other } });
    expect(result.exitCode).toBe(0);
    expect(coreDirs(shared)).toEqual([]);
    expect(readdirSync(other).filter((d) => d.startsWith('berth-'))).toHaveLength(1);
  });

  it('ignores a planted core file in a folder that is not private', async () => {
    const cache = tempDir();
    const shared = path.join(cache, 'berth');
    mkdirSync(shared);
    // Plant a file under the exact name this build uses: its code must never run.
    const real = tempDir();
    await berth(['recipes'], { env: { XDG_CACHE_HOME: real } });
    const [name] = coreDirs(path.join(real, 'berth'));
    mkdirSync(path.join(shared, name!));
    writeFileSync(
      path.join(shared, name!, 'main.mjs'),
      "process.stdout.write('PLANTED'); process.exit(42);\n",
    );
    chmodSync(shared, 0o777);
    const result = await berth(['recipes'], { env: { XDG_CACHE_HOME: cache, TMPDIR: tempDir() } });
    expect(result.stdout).not.toContain('PLANTED');
    expect(result.exitCode).toBe(0);
  });

  it('says what to do when no private folder can be made at all', async () => {
    const result = await berth(['recipes'], {
      env: { XDG_CACHE_HOME: '/proc/berth-none', TMPDIR: '/proc/berth-none' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('berth could not unpack itself');
    expect(result.stderr).toContain('Set XDG_CACHE_HOME to a folder you own.');
    // --version and --help never need the core.
    expect(
      (
        await berth(['--version'], {
          env: { XDG_CACHE_HOME: '/proc/berth-none', TMPDIR: '/proc/berth-none' },
        })
      ).exitCode,
    ).toBe(0);
  });

  it('loads only the chunks a command needs: no zod or handlebars compiler for shipped recipes', async () => {
    const cache = tempDir();
    const env = { XDG_CACHE_HOME: cache };
    const dir = tempDir();
    const result = await berth(['render', '--yes', '--dir', path.join(dir, 'm')], {
      env: { ...env, NODE_DEBUG: 'esm' },
    });
    expect(result.exitCode).toBe(0);
    const [core] = readdirSync(path.join(cache, 'berth'));
    const chunks = readdirSync(path.join(cache, 'berth', core!));
    expect(chunks.length).toBeGreaterThan(2);
    const stderr = String(result.stderr);
    const loaded = new Set(chunks.filter((c) => stderr.includes(c)));
    expect(loaded.has('main.mjs')).toBe(true);
    expect(loaded.size).toBeLessThan(chunks.length);
  });
});

describe('the core payload', () => {
  it('reads each chunk as its bytes and puts a blob stored as bytes back as the base64 text it was', () => {
    const wasm = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0xfe]);
    const a = Buffer.from('var w="data:application/wasm;base64,\u0000BLOB0\u0000"; // é');
    const b = Buffer.from('x("quoted")');
    const json = Buffer.from(
      JSON.stringify({
        files: [
          ['a.mjs', a.length],
          ['b.mjs', b.length],
        ],
        blobs: [wasm.length],
      }),
    );
    const head = Buffer.alloc(4);
    head.writeUInt32BE(json.length);
    expect(unpackPayload(Buffer.concat([head, json, a, b, wasm]))).toEqual({
      'a.mjs': `var w="data:application/wasm;base64,${wasm.toString('base64')}"; // é`,
      'b.mjs': 'x("quoted")',
    });
  });
});
