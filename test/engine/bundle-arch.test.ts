// `berth bundle --arch` on the real engine: a bundle carries images for the machine it is made for. The local test
// image (berth-test/busybox:1) is for this machine's architecture; a bundle for the other one is refused, naming
// the image and its architecture, and nothing is written. An image that is not here is pulled for the bundle's
// platform (`docker pull --platform linux/ARCH`); with no registry in reach the pull fails and berth says so.
// Needs the engine and the local test images (scripts/setup-test-engine.sh).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { hostArch } from '../../src/bundle/node-runtime.js';
import { berth, tempDir } from '../helpers.js';
import { docker, ENGINE_STACK, requireEngine, text } from './harness.js';

const here = hostArch()!;
const other = here === 'amd64' ? 'arm64' : 'amd64';

describe('berth bundle --arch: the images are for the bundle machine', () => {
  test('an image for another architecture is refused, naming it; nothing is written', async () => {
    await requireEngine(['berth-test/busybox:1']);
    const arch = await docker(
      ['image', 'inspect', '--format', '{{.Architecture}}', 'berth-test/busybox:1'],
      process.cwd(),
    );
    expect(String(arch.stdout).trim()).toBe(here);
    const dir = tempDir();
    const output = path.join(dir, 'stack.berth');
    const args = ['bundle', '--recipe', ENGINE_STACK, '--no-node', '-o', output];

    const dry = await berth([...args.slice(0, -2), '--arch', other, '--dry-run']);
    expect(dry.exitCode, text(dry)).toBe(0);
    expect(String(dry.stdout)).toContain(`berth-test/busybox:1`);
    expect(String(dry.stdout)).toContain(`(for ${here}, not ${other})`);

    const refused = await berth([...args, '--arch', other]);
    expect(refused.exitCode, text(refused)).toBe(2);
    expect(String(refused.stderr)).toContain(
      `The bundle is for ${other} machines, but this image is for another: berth-test/busybox:1 (${here}). Nothing was written.`,
    );
    expect(String(refused.stderr)).toContain(`docker pull --platform linux/${other} NAME`);
    expect(existsSync(output)).toBe(false);

    // For this machine, the same image goes in.
    const made = await berth([...args, '--arch', here]);
    expect(made.exitCode, text(made)).toBe(0);
    expect(String(made.stdout)).not.toContain(`not ${here})`);
    expect(existsSync(output)).toBe(true);
  }, 120_000);

  test('an image that is not here is pulled for the bundle platform; unreachable, the pull failure is named', async () => {
    await requireEngine(['berth-test/busybox:1']);
    const dir = tempDir();
    const missing = `127.0.0.1:9/berth-bundle-arch-${process.pid}:1`;
    const r = await berth(
      [
        'bundle',
        '--recipe',
        ENGINE_STACK,
        '--no-node',
        '--arch',
        other,
        '--web-image',
        missing,
        '-o',
        path.join(dir, 'x.berth'),
      ],
      { timeout: 60_000 },
    );
    expect(r.exitCode, text(r)).not.toBe(0);
    expect(String(r.stderr)).toContain(`Pulling ${missing} (not on this machine)…`);
    expect(String(r.stderr)).toContain(`${missing} is not on this machine and could not be pulled`);
    // The CLI took --platform (an engine without it would say "unknown flag").
    expect(String(r.stderr)).not.toMatch(/unknown flag|--platform.*(not supported|only supported)/i);
    expect(existsSync(path.join(dir, 'x.berth'))).toBe(false);
  }, 120_000);
});
