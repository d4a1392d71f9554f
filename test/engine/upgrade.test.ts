// berth upgrade on a real Docker engine, with real PostgreSQL: a copy of test/fixtures/upgrade-stack is installed
// at 1.0.0, then the copy is rewritten as 1.1.0 (a new web image tag the test creates locally, a migration that
// writes a row) or 2.0.0 (a gate), and `berth upgrade` runs against it as a user would (the built bundle). Checked
// with plain docker: rows in the database, container IDs and images, the files' bytes, state.json's version.
// `berth upgrade --bundle`: 1.1.0 travels in a bundle (berth bundle) with a web image built for it and then removed
// from the engine, so the upgrade can only get it by loading the bundle.
// Needs the engine and the local test images (scripts/setup-test-engine.sh); nothing is pulled from a registry.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleForArch, tamperedCopy } from '../bundle-file.js';
import { berth, fixtures } from '../helpers.js';
import { composePs, docker, inService, requireEngine, serviceStates, text, useStacks } from './harness.js';

const TEST_TIMEOUT = 240_000;
const IMAGES = ['berth-test/busybox:1', 'berth-test/postgres:1'];
/** A tag only this run has: the "new image" of 1.1.0, made from the busybox test image. */
const NEW_WEB = `berth-test/upgrade-web:${process.pid}`;
/** An image of its own (not a tag of another), built for the bundle test and only ever in the engine via the bundle. */
const BUNDLED_WEB = `berth-test/upgrade-bundled-web:${process.pid}`;

const { root, newStack } = useStacks('upg');
type Stack = Awaited<ReturnType<typeof newStack>>;
const archives: string[] = [];

beforeAll(async () => {
  await requireEngine(IMAGES);
  const tagged = await docker(['tag', 'berth-test/busybox:1', NEW_WEB], os.tmpdir());
  expect(tagged.exitCode, text(tagged)).toBe(0);
});
afterAll(async () => {
  await docker(['image', 'rm', NEW_WEB], os.tmpdir());
  await docker(['image', 'rm', '-f', BUNDLED_WEB], os.tmpdir());
  for (const a of archives) rmSync(a, { force: true });
});

/** The recipe folder of this stack (a copy of the fixture), at 1.0.0. */
function recipeFor(stack: Stack): string {
  const folder = path.join(root, `${stack.project}-recipe`);
  cpSync(path.join(fixtures, 'upgrade-stack'), folder, { recursive: true });
  return folder;
}

/** Rewrites the recipe copy as a newer version: its version, web's default image, and recipe.yaml's `upgrade:`. */
function bump(folder: string, version: string, webImage: string, upgrade: string): void {
  const file = path.join(folder, 'recipe.yaml');
  const yaml = readFileSync(file, 'utf8')
    .replace('version: 1.0.0', `version: ${version}`)
    .replace('default: berth-test/busybox:1', `default: ${webImage}`);
  writeFileSync(file, `${yaml}\nupgrade:\n${upgrade}`);
}

const migration = (sql: string, exit = 0) => `  migrations:
    - id: add_note
      description: Writes the 1.1 note
      service: db
      in: exec
      run: [sh, -c, "psql -v ON_ERROR_STOP=1 -U app -d app -c \\"${sql}\\" && echo 'migration: wrote it' && exit ${exit}"]
`;

const sql = (dir: string, query: string) => inService(dir, 'db', `psql -At -U app -d app -c "${query}"`);

async function installed(stack: Stack, folder: string): Promise<void> {
  const result = await berth([
    'install',
    '--recipe',
    folder,
    '--dir',
    stack.dir,
    '--yes',
    '--web-port',
    String(stack.port),
  ]);
  expect(result.exitCode, text(result)).toBe(0);
  await sql(stack.dir, "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('before')");
}

const upgrade = (stack: Stack, folder: string, ...extra: string[]) =>
  berth(['upgrade', '--recipe', folder, '--dir', stack.dir, '--yes', '--wait-timeout', '120', ...extra], {});

/** What must not move when an upgrade is refused or rolled back: each container's ID and image, the files. */
async function snapshot(dir: string) {
  const ps = await composePs(dir);
  const images = Object.fromEntries(
    await Promise.all(
      Object.values(ps).map(async (e) => [
        e.Service,
        String((await docker(['inspect', '--format', '{{.Config.Image}}', e.ID], dir)).stdout).trim(),
      ]),
    ),
  );
  const files = Object.fromEntries(
    ['compose.yaml', '.env', 'berth.yaml'].map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]),
  );
  const state = JSON.parse(readFileSync(path.join(dir, '.berth/state.json'), 'utf8')) as {
    recipeVersion: string;
  };
  return {
    ids: Object.fromEntries(Object.values(ps).map((e) => [e.Service, e.ID])),
    images,
    files,
    version: state.recipeVersion,
  };
}

/** The backup archive an upgrade names ("Backup taken: …"), removed after the file. */
function archiveIn(output: string): string {
  const found = /Backup taken: (\S+\.tar\.gz)/.exec(output)?.[1];
  expect(found, output).toBeDefined();
  archives.push(found!);
  return found!;
}

describe.sequential('berth upgrade on a real engine (real PostgreSQL)', () => {
  test(
    'a new version: the plan, the image pulled first, a backup, the migration, up healthy, the downtime',
    async () => {
      const stack = await newStack();
      const folder = recipeFor(stack);
      await installed(stack, folder);
      bump(folder, '1.1.0', NEW_WEB, migration("INSERT INTO notes VALUES ('migrated')"));
      const result = await upgrade(stack, folder, '--json');
      expect(result.exitCode, text(result)).toBe(0);
      const events = String(result.stdout)
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const plan = events.find((e) => e.type === 'plan') as {
        from: string;
        to: string;
        migrations: string[];
        plan: { services: { name: string; action: string; image?: { from: string; to: string } }[] };
      };
      expect(plan).toMatchObject({ from: '1.0.0', to: '1.1.0', migrations: ['add_note'] });
      expect(plan.plan.services.find((s) => s.name === 'web')).toMatchObject({
        action: 'recreate',
        image: { from: 'berth-test/busybox:1', to: NEW_WEB },
      });
      const done = events.at(-1)!;
      expect(done).toMatchObject({ type: 'upgraded', ok: true, from: '1.0.0', to: '1.1.0' });
      expect(done.downtimeSeconds).toBeGreaterThan(0);
      const said = String(result.stderr);
      // No registry here: the pull of the new tag fails, and the copy on this machine is used.
      expect(said).toContain(`! ${NEW_WEB}: not pulled`);
      expect(said.indexOf('image(s) ready')).toBeLessThan(said.indexOf('Backup taken'));
      expect(said).toContain('✔ Migration add_note: Writes the 1.1 note');
      expect(said).toMatch(/✔ Upgraded upgrade-stack 1\.0\.0 → 1\.1\.0\. Downtime: \d+\.\d s\./);
      const archive = archiveIn(said);
      expect(existsSync(archive)).toBe(true);
      expect(await sql(stack.dir, 'SELECT body FROM notes ORDER BY body')).toBe('before\nmigrated');
      expect(await serviceStates(stack.dir)).toEqual({ db: 'running healthy', web: 'running healthy' });
      const after = await snapshot(stack.dir);
      expect(after.images.web).toBe(NEW_WEB);
      expect(after.version).toBe('1.1.0');
      // The image answer was the recipe's default: not recorded, so the next recipe's default wins again.
      expect(after.files['berth.yaml']).not.toContain('web_image');
      const page = await fetch(`http://127.0.0.1:${stack.port}/`, { signal: AbortSignal.timeout(5_000) });
      expect(await page.text()).toBe('1.1.0\n');
    },
    TEST_TIMEOUT,
  );

  test(
    'an image that cannot be pulled changes nothing: same containers, files and version',
    async () => {
      const stack = await newStack();
      const folder = recipeFor(stack);
      await installed(stack, folder);
      const before = await snapshot(stack.dir);
      bump(folder, '1.1.0', 'berth-test/no-such-image:1', migration("INSERT INTO notes VALUES ('migrated')"));
      const result = await upgrade(stack, folder);
      expect(result.exitCode, text(result)).toBe(5);
      const said = String(result.stderr);
      expect(said).toContain(
        '1 image(s) of the new version could not be pulled. Nothing was changed: the stack runs as before.',
      );
      expect(said).toContain('berth-test/no-such-image:1 (web):');
      expect(String(result.stdout)).not.toContain('Backup taken');
      expect(await snapshot(stack.dir)).toEqual(before);
      expect(await sql(stack.dir, 'SELECT body FROM notes')).toBe('before');
    },
    TEST_TIMEOUT,
  );

  test(
    'a migration that fails after writing rows: the data and the files rolled back, the migration and log named',
    async () => {
      const stack = await newStack();
      const folder = recipeFor(stack);
      await installed(stack, folder);
      const before = await snapshot(stack.dir);
      bump(folder, '1.1.0', NEW_WEB, migration("INSERT INTO notes VALUES ('half-migrated')", 3));
      const result = await upgrade(stack, folder);
      expect(result.exitCode, text(result)).toBe(5);
      const out = `${String(result.stdout)}\n${String(result.stderr)}`;
      archiveIn(out);
      expect(out).toContain(
        'The upgrade of upgrade-stack from 1.0.0 to 1.1.0 failed: Migration add_note (Writes the 1.1 note) exited 3.',
      );
      expect(out).toContain(
        '1.0.0 was put back with its data as it was before the upgrade and is running again.',
      );
      expect(out).toMatch(/Its whole output is in \.berth\/logs\/upgrade-[\dTZ-]+\.log/);
      const log = /(\.berth\/logs\/upgrade-[\dTZ-]+\.log)/.exec(out)![1]!;
      expect(readFileSync(path.join(stack.dir, log), 'utf8')).toContain(
        'migration add_note | migration: wrote it',
      );
      expect(await sql(stack.dir, 'SELECT body FROM notes ORDER BY body')).toBe('before');
      expect(await serviceStates(stack.dir)).toEqual({ db: 'running healthy', web: 'running healthy' });
      const after = await snapshot(stack.dir);
      expect({ ...after, ids: undefined }).toEqual({ ...before, ids: undefined });
    },
    TEST_TIMEOUT,
  );

  test(
    'a version gate refuses with the recipe’s words, exit 2, nothing written or restarted',
    async () => {
      const stack = await newStack();
      const folder = recipeFor(stack);
      await installed(stack, folder);
      const before = await snapshot(stack.dir);
      bump(
        folder,
        '2.0.0',
        NEW_WEB,
        '  gates:\n    - from: "<1.5.0"\n      message: "Upgrade to 1.5 first (berth 0.9 ships it): its migration converts the notes."\n',
      );
      const result = await upgrade(stack, folder);
      expect(result.exitCode, text(result)).toBe(2);
      expect(String(result.stderr)).toContain(
        'upgrade-stack 1.0.0 cannot be upgraded to 2.0.0 in one step. Nothing was changed.',
      );
      expect(String(result.stderr)).toContain(
        'Upgrade to 1.5 first (berth 0.9 ships it): its migration converts the notes.',
      );
      expect(await snapshot(stack.dir)).toEqual(before);
    },
    TEST_TIMEOUT,
  );
});

const imagePresent = async (image: string) =>
  (await docker(['image', 'inspect', '--format', '{{.Id}}', image], os.tmpdir())).exitCode === 0;

describe.sequential(
  'berth upgrade --bundle on a real engine: offline, from a bundle of the newer version',
  () => {
    test(
      'a bundle with one byte changed is refused before anything is loaded; the intact one upgrades to 1.1.0',
      async () => {
        const stack = await newStack();
        const folder = recipeFor(stack);
        await installed(stack, folder);
        const before = await snapshot(stack.dir);
        // 1.1.0, with its own web image, is made into a bundle on "another machine" (here), then the image goes.
        const built = await execa('docker', ['build', '-q', '-t', BUNDLED_WEB, '-'], {
          env: { ...process.env, DOCKER_BUILDKIT: '0' },
          input: `FROM berth-test/busybox:1\nRUN echo bundled >/bundled\n`,
          reject: false,
        });
        expect(built.exitCode, String(built.stderr)).toBe(0);
        const next = `${folder}-1.1.0`;
        cpSync(folder, next, { recursive: true });
        bump(next, '1.1.0', BUNDLED_WEB, migration("INSERT INTO notes VALUES ('migrated')"));
        const file = path.join(root, `${stack.project}.berth`);
        const made = await berth(['bundle', '--recipe', next, '--dir', stack.dir, '--no-node', '-o', file]);
        expect(made.exitCode, text(made)).toBe(0);
        expect((await docker(['image', 'rm', BUNDLED_WEB], os.tmpdir())).exitCode).toBe(0);
        const home = path.join(root, `${stack.project}-home`);
        const offline = (bundle: string) =>
          berth(['upgrade', '--bundle', bundle, '--dir', stack.dir, '--yes', '--wait-timeout', '120'], {
            env: { BERTH_HOME: home },
          });

        const refused = await offline(tamperedCopy(file, `${file}.tampered`));
        expect(refused.exitCode, text(refused)).toBe(2);
        expect(String(refused.stderr)).toContain('SHA256 mismatch for images.tar.gz');
        expect(String(refused.stderr)).toContain('Nothing was loaded or changed.');
        expect(String(refused.stdout)).not.toContain('Loading');
        expect(await imagePresent(BUNDLED_WEB)).toBe(false);
        expect(await snapshot(stack.dir)).toEqual(before);
        expect(existsSync(home)).toBe(false);

        // Made for another machine's architecture: refused before anything is loaded, naming both.
        const here = String(
          (await docker(['version', '--format', '{{.Server.Arch}}'], os.tmpdir())).stdout,
        ).trim();
        const other = here === 'amd64' ? 'arm64' : 'amd64';
        const foreign = await offline(bundleForArch(file, `${file}.${other}`, here, other));
        expect(foreign.exitCode, text(foreign)).toBe(2);
        expect(String(foreign.stderr)).toContain(
          `it is for ${other} machines and the Docker engine runs on ${here}: its images would not run there. Nothing was loaded or changed.`,
        );
        expect(String(foreign.stderr)).toContain(`berth bundle --arch ${here}`);
        expect(String(foreign.stdout)).not.toContain('Loading');
        expect(await imagePresent(BUNDLED_WEB)).toBe(false);
        expect(await snapshot(stack.dir)).toEqual(before);

        const result = await offline(file);
        expect(result.exitCode, text(result)).toBe(0);
        const said = String(result.stdout);
        expect(said).toContain('✔ The bundle is intact: upgrade-stack 1.1.0, berth ');
        expect(said).toContain('Loading 2 image(s) from the bundle into the Docker engine');
        expect(said).toMatch(/\d+\.\d MB of \d+\.\d MB loaded/);
        expect(said).toContain(`Loaded image: ${BUNDLED_WEB}`);
        expect(said).not.toContain('Pulling');
        expect(said).toContain('✔ Migration add_note: Writes the 1.1 note');
        expect(said).toMatch(/✔ Upgraded upgrade-stack 1\.0\.0 → 1\.1\.0\. Downtime: \d+\.\d s\./);
        archiveIn(said);
        expect(await imagePresent(BUNDLED_WEB)).toBe(true);
        expect(await serviceStates(stack.dir)).toEqual({ db: 'running healthy', web: 'running healthy' });
        const after = await snapshot(stack.dir);
        expect(after.images.web).toBe(BUNDLED_WEB);
        expect(after.version).toBe('1.1.0');
        expect(await sql(stack.dir, 'SELECT body FROM notes ORDER BY body')).toBe('before\nmigrated');
        // The recipe came from the bundle and stays where later runs (status, the next upgrade) find it.
        const state = JSON.parse(readFileSync(path.join(stack.dir, '.berth/state.json'), 'utf8')) as {
          recipeFolder: string;
        };
        expect(state.recipeFolder).toBe(path.join(home, 'recipes/upgrade-stack-1.1.0'));
        expect(readFileSync(path.join(state.recipeFolder, 'recipe.yaml'), 'utf8')).toContain(
          'version: 1.1.0',
        );
        const page = await fetch(`http://127.0.0.1:${stack.port}/`, { signal: AbortSignal.timeout(5_000) });
        expect(await page.text()).toBe('1.1.0\n');
      },
      TEST_TIMEOUT,
    );
  },
);
