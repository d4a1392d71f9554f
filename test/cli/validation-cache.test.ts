// `docker compose config` runs on every change, and is skipped only for the exact bytes it accepted before.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { berth, tempDir } from '../helpers.js';

const NOW = 'Validated with `docker compose config`.';
const EARLIER = '`docker compose config` accepted these exact files before.';

describe('compose validation', () => {
  it('checks new files, skips the unchanged ones, checks again once the user override changes', async () => {
    const dir = path.join(tempDir(), 'magec');
    const render = () =>
      berth(['render', '--yes', '--dir', dir, '--mode', 'openai'], {
        env: { OPENAI_API_KEY: 'sk-test-0123456789abcdefghijkl' },
      });
    const first = await render();
    expect(first.exitCode, String(first.stderr)).toBe(0);
    expect(first.stdout).toContain(NOW);

    const again = await render();
    expect(again.stdout).toContain(EARLIER);

    const override = path.join(dir, 'compose.override.yaml');
    const withServices = (body: string) =>
      writeFileSync(
        override,
        readFileSync(override, 'utf8').replace(/^services:.*$/ms, `services:\n${body}`),
      );
    withServices('  redis:\n    labels: { team: ops }\n');
    const edited = await render();
    expect(edited.stdout).toContain(NOW);

    withServices('  redis:\n    bogus: 1\n');
    const broken = await render();
    expect(broken.exitCode).toBe(3);
  });
});
