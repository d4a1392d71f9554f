// install.sh on a machine it cannot serve: another OS or CPU gets a clear message before anything is downloaded
// (run as `bash -s` from stdin, as under curl | bash, with a stand-in `uname` first on PATH).
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { cleanEnv, repoRoot, tempDir } from '../helpers.js';

async function installShOn(system: string, machine: string) {
  const dir = tempDir();
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, 'uname'),
    `#!/bin/sh\ncase "$1" in -s) echo ${system} ;; -m) echo ${machine} ;; *) echo ${system} ;; esac\n`,
  );
  chmodSync(path.join(bin, 'uname'), 0o755);
  const home = path.join(dir, 'home');
  mkdirSync(home);
  const result = await execa('bash', ['-s', '--', '--yes'], {
    input: readFileSync(path.join(repoRoot, 'install.sh')),
    env: cleanEnv({
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      HOME: home,
      // Nothing listens there: a download attempt would fail with a different message.
      BERTH_BASE_URL: 'http://127.0.0.1:9/release',
      BERTH_BIN_DIR: path.join(dir, 'bin-out'),
    }),
    extendEnv: false,
    reject: false,
  });
  return { ...result, home, dir };
}

describe('install.sh on an unsupported platform', () => {
  test.each([
    ['Darwin', 'arm64', 'berth installs on Linux (amd64 or arm64); this is Darwin arm64.'],
    ['Linux', 'riscv64', 'berth installs on Linux amd64 or arm64; this machine is riscv64.'],
    ['Linux', 'armv7l', 'berth installs on Linux amd64 or arm64; this machine is armv7l.'],
  ])('%s %s: says so and installs nothing', async (system, machine, message) => {
    const { exitCode, stderr, stdout, home, dir } = await installShOn(system, machine);
    expect(exitCode).toBe(1);
    expect(String(stderr)).toContain(`install.sh: error: ${message}`);
    expect(String(stderr)).not.toContain('downloading');
    expect(String(stdout)).toBe('');
    expect(readdirSync(home)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['bin', 'home']);
  });
});
