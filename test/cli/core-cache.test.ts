// The bundle unpacks its core into a per-user cache folder; only a folder nobody else can write is trusted.
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { berth, modeOf, tempDir } from '../helpers.js';

const coreFiles = (dir: string) => readdirSync(dir).filter((f) => /^core-.*\.mjs$/.test(f));

describe('core cache', () => {
  it('--version needs no cache; the first command unpacks the core 0600 into a 0700 folder, later ones reuse it', async () => {
    const cache = tempDir();
    const env = { XDG_CACHE_HOME: cache };
    expect((await berth(['--version'], { env })).exitCode).toBe(0);
    expect(readdirSync(cache)).toEqual([]);

    expect((await berth(['recipes'], { env })).stdout).toContain('magec');
    const dir = path.join(cache, 'berth');
    const [file] = coreFiles(dir);
    expect(file).toBeDefined();
    expect(modeOf(dir)).toBe('0700');
    expect(modeOf(path.join(dir, file!))).toBe('0600');
    const written = statSync(path.join(dir, file!)).mtimeMs;

    expect((await berth(['recipes'], { env })).exitCode).toBe(0);
    expect(statSync(path.join(dir, file!)).mtimeMs).toBe(written);
  });

  it('never runs code from a cache folder that others can write to', async () => {
    const cache = tempDir();
    const shared = path.join(cache, 'berth');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const other = tempDir();
    const result = await berth(['recipes'], { env: { XDG_CACHE_HOME: cache, TMPDIR: other } });
    expect(result.exitCode).toBe(0);
    expect(coreFiles(shared)).toEqual([]);
    expect(readdirSync(other).filter((d) => d.startsWith('berth-'))).toHaveLength(1);
  });

  it('ignores a planted core file in a folder that is not private', async () => {
    const cache = tempDir();
    const shared = path.join(cache, 'berth');
    mkdirSync(shared);
    // Plant a file under the exact name this build uses: its code must never run.
    const real = tempDir();
    await berth(['recipes'], { env: { XDG_CACHE_HOME: real } });
    const [name] = coreFiles(path.join(real, 'berth'));
    writeFileSync(path.join(shared, name!), "process.stdout.write('PLANTED'); process.exit(42);\n");
    chmodSync(shared, 0o777);
    const result = await berth(['recipes'], { env: { XDG_CACHE_HOME: cache, TMPDIR: tempDir() } });
    expect(result.stdout).not.toContain('PLANTED');
    expect(result.exitCode).toBe(0);
  });

  it('still runs when no private folder can be made at all', async () => {
    const result = await berth(['recipes'], {
      env: { XDG_CACHE_HOME: '/proc/berth-none', TMPDIR: '/proc/berth-none' },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('reflector');
  });
});
