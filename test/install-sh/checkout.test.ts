// ./install.sh from a checkout (the README's run command): it uses the checkout's bundle, passes every option to
// `berth install` and runs it from the caller's folder, so relative paths mean what the user meant.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { cleanEnv, repoRoot, tempDir } from '../helpers.js';

const run = (args: string[], cwd: string) =>
  execa('sh', [path.join(repoRoot, 'install.sh'), ...args], {
    cwd,
    env: cleanEnv(),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
  });

describe('./install.sh from a checkout', () => {
  test('--version answers from the checkout bundle', async () => {
    const result = await run(['--version'], tempDir());
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stdout).trim()).toBe(pkg.version);
  });

  test('options reach berth install, relative to the folder it was run from', async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'key'), `sk-test-${'e5F6'.repeat(8)}\n`, { mode: 0o600 });
    const result = await run(
      [
        '--yes',
        '--no-start',
        '--recipe',
        'magec',
        '--mode',
        'openai',
        '--openai-api-key-file',
        'key',
        '--dir',
        'stack',
      ],
      cwd,
    );
    expect(result.exitCode, `${String(result.stdout)}\n${String(result.stderr)}`).toBe(0);
    expect(existsSync(path.join(cwd, 'stack/compose.yaml'))).toBe(true);
  });
});
