// Recipe format v2 on a real Docker engine (test/fixtures/v2-stack): a static script runs with the mode it has
// in the recipe folder; a host data folder is created before `up`, owned by the container's non-root user with
// the declared mode, and the container writes into it; a list answer and a user-given secret reach the
// container through .env; an immutable answer cannot change; `uninstall --purge --yes` keeps the host data
// folder and says how to delete it. Fails (never skips) without an engine: scripts/setup-test-engine.sh.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { berth, fixtures, modeOf } from '../helpers.js';
import { composePs, docker, requireEngine, text, useStacks } from './harness.js';

const V2_STACK = path.join(fixtures, 'v2-stack');
const { root, newStack } = useStacks('v2');

/** `berth install` of v2-stack into the stack's folder, unattended, with its host data folder. */
const installV2 = (stack: { dir: string }, dataDir: string): string[] => [
  'install',
  '--recipe',
  V2_STACK,
  '--dir',
  stack.dir,
  '--yes',
  '--data-dir',
  dataDir,
];

describe('recipe format v2 on the engine', () => {
  test(
    'static files, a host data folder, a list and a given secret; immutable; purge keeps host data',
    { timeout: 180_000 },
    async () => {
      await requireEngine();
      const stack = await newStack();
      const dataDir = path.join(root, `${stack.project}-data`, 'db');
      const passwordFile = path.join(root, 'admin-password');
      writeFileSync(passwordFile, 'seventeen-chars!!\n', { mode: 0o600 });
      const install = await berth([
        ...installV2(stack, dataDir),
        '--sites',
        'one.example.test',
        '--sites',
        'two.example.test',
        '--admin-password-file',
        passwordFile,
      ]);
      expect(install.exitCode, text(install)).toBe(0);
      expect(String(install.stdout)).toContain(
        `Created ${dataDir} (the app's data; owner 999:999, mode 0700).`,
      );
      expect((await composePs(stack.dir)).app).toMatchObject({ State: 'running', Health: 'healthy' });

      // The static script, verbatim and executable; the folder as declared; what the container wrote.
      expect(readFileSync(path.join(stack.dir, 'scripts/run.sh'), 'utf8')).toBe(
        readFileSync(path.join(V2_STACK, 'scripts/run.sh'), 'utf8'),
      );
      expect(modeOf(path.join(stack.dir, 'scripts/run.sh'))).toBe('0755');
      const info = statSync(dataDir);
      expect([info.uid, info.gid, modeOf(dataDir)]).toEqual([999, 999, '0700']);
      expect(readFileSync(path.join(dataDir, 'sites'), 'utf8')).toBe('one.example.test,two.example.test\n');
      expect(readFileSync(path.join(dataDir, 'password-length'), 'utf8').trim()).toBe('17');
      expect(readFileSync(path.join(stack.dir, 'berth.yaml'), 'utf8')).toContain(
        'sites:\n    - one.example.test\n    - two.example.test',
      );

      // Hooks ran once the stack was healthy, each a progress line; the once hook is recorded.
      expect(String(install.stdout)).toMatch(/hook seed\b.*(completed|done)/);
      expect(readFileSync(path.join(dataDir, 'hook-sites'), 'utf8')).toBe(
        'one.example.test two.example.test\n',
      );
      expect(readFileSync(path.join(dataDir, 'seeded'), 'utf8')).toBe('seeded\n');

      // A reconfigure runs the every-start hook again, never the once hook; a failing hook is named with its output.
      const again = await berth(['install', '--dir', stack.dir, '--yes', '--sites', 'three.example.test']);
      expect(again.exitCode, text(again)).toBe(0);
      expect(readFileSync(path.join(dataDir, 'hook-sites'), 'utf8')).toBe('three.example.test\n');
      expect(readFileSync(path.join(dataDir, 'seeded'), 'utf8')).toBe('seeded\n');
      const failing = await berth(['install', '--dir', stack.dir, '--yes', '--fail-hook', '--no-rollback']);
      expect(failing.exitCode, text(failing)).toBe(5);
      expect(String(failing.stderr)).toContain(
        'The stack is up, but hook broken (a hook that fails) exited 3.',
      );
      expect(String(failing.stderr)).toContain('boom');

      // An immutable answer: the same value again is fine; another one is refused before anything changes.
      const moved = await berth(['install', '--dir', stack.dir, '--yes', '--data-dir', `${dataDir}2`]);
      expect(moved.exitCode, text(moved)).toBe(2);
      expect(String(moved.stderr)).toContain('data_dir cannot change once installed');
      expect(existsSync(`${dataDir}2`)).toBe(false);

      // The host data folder outlives a purge unless a person says yes to it on a terminal.
      const purge = await berth(['uninstall', '--dir', stack.dir, '--purge', '--yes']);
      expect(purge.exitCode, text(purge)).toBe(0);
      expect(String(purge.stdout)).toContain(
        `host folder ${dataDir} (the app's data): asked about separately`,
      );
      expect(String(purge.stdout)).toContain(`To delete: rm -rf ${dataDir}`);
      expect(existsSync(stack.dir)).toBe(false);
      expect(readFileSync(path.join(dataDir, 'sites'), 'utf8')).toContain('three.example.test');
    },
  );

  test(
    'builds an image from a local folder before up, names a failing build and refuses a bad source',
    { timeout: 180_000 },
    async () => {
      await requireEngine();
      const stack = await newStack();
      const source = path.join(root, `${stack.project}-src`);
      mkdirSync(source);
      writeFileSync(
        path.join(source, 'Dockerfile'),
        'FROM berth-test/busybox:1\nRUN echo built-from-source > /built.txt\n',
      );
      const image = `berth-build/${stack.project}-built:1.0.0`;
      const base = installV2(stack, path.join(root, `${stack.project}-data`));
      try {
        const install = await berth([...base, '--app-source', source]);
        expect(install.exitCode, text(install)).toBe(0);
        expect(String(install.stdout)).toMatch(/build built\b.*(completed|done)/);
        expect((await composePs(stack.dir)).built).toMatchObject({ State: 'running', Health: 'healthy' });
        const logs = await docker(['compose', 'logs', '--no-log-prefix', 'built'], stack.dir);
        expect(String(logs.stdout)).toContain('built-from-source');
        expect(readFileSync(path.join(stack.dir, 'compose.build.yaml'), 'utf8')).toContain(
          `image: "${image}"`,
        );

        // A new image that builds but does not come up healthy: the reconfigure is rolled back, and with it the
        // image (the one it replaced was kept as IMAGE-previous during the build): the stack runs it again.
        writeFileSync(
          path.join(source, 'Dockerfile'),
          'FROM berth-test/busybox:1\nRUN echo not-the-built-file > /other.txt\n',
        );
        const unhealthy = await berth(['install', '--dir', stack.dir, '--yes', '--wait-timeout', '20']);
        expect(unhealthy.exitCode, text(unhealthy)).toBe(5);
        expect(String(unhealthy.stdout)).toContain(`the previous image of ${image} is back`);
        expect((await composePs(stack.dir)).built).toMatchObject({ State: 'running', Health: 'healthy' });
        const again = await docker(['compose', 'logs', '--no-log-prefix', 'built'], stack.dir);
        expect(String(again.stdout)).toContain('built-from-source');

        // A source that does not build: named with its last lines, nothing started from it.
        writeFileSync(
          path.join(source, 'Dockerfile'),
          'FROM berth-test/busybox:1\nRUN echo broken-step >&2 && exit 7\n',
        );
        const broken = await berth(['install', '--dir', stack.dir, '--yes', '--no-rollback']);
        expect(broken.exitCode, text(broken)).toBe(5);
        expect(String(broken.stderr)).toContain(`The image for built could not be built from ${source}`);
        expect(String(broken.stderr)).toContain('exit code: 7');

        // Sources refused before anything is written: no Dockerfile; the install folder itself (.env inside).
        const empty = path.join(root, `${stack.project}-empty`);
        mkdirSync(empty);
        const none = await berth(['install', '--dir', stack.dir, '--yes', '--app-source', empty]);
        expect(none.exitCode, text(none)).toBe(6);
        expect(String(none.stderr)).toContain(`Build of built: ${empty} has no Dockerfile.`);
        const self = await berth(['install', '--dir', stack.dir, '--yes', '--app-source', stack.dir]);
        expect(self.exitCode, text(self)).toBe(6);
        expect(String(self.stderr)).toContain('whose .env (secrets) the builder would be sent');

        // uninstall --purge lists the built image and removes it with the rest.
        const purge = await berth(['uninstall', '--dir', stack.dir, '--purge', '--yes']);
        expect(purge.exitCode, text(purge)).toBe(0);
        expect(String(purge.stdout)).toContain(`image ${image} (built from your source)`);
        expect(String(purge.stdout)).toContain('1 built image(s)');
        expect((await docker(['image', 'inspect', image], root)).exitCode).not.toBe(0);
      } finally {
        await docker(['image', 'rm', '--force', image, `${image}-previous`], root);
      }
    },
  );
});
