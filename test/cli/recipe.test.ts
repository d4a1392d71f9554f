// `berth recipe test` and `berth recipe new` on the built bundle, as a recipe author runs them: the shipped
// recipes pass with the real `docker compose config`; a recipe that breaks the practices fails, naming each
// failure; a new recipe passes; Compose missing is a failure unless --no-compose; bad usage exits 2.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleSecret } from '../../src/recipe-test/samples.js';
import { berth, fixtures, tempDir } from '../helpers.js';
import { requireCompose } from '../render/cases.js';

const broken = path.join(fixtures, 'broken-recipe');
const text = (r: { stdout: unknown; stderr: unknown }) => `${String(r.stdout)}\n${String(r.stderr)}`;
/** The rows of the table: `#N` then a mark per check, then the answers. */
const rows = (stdout: unknown) =>
  String(stdout)
    .split('\n')
    .filter((l) => /^ {2}#\d+ /.test(l));

interface Report {
  ok: boolean;
  compose: string;
  enumeration: { tested: number; capped: boolean };
  results: { label: string; status: Record<string, string> }[];
  failures: { combination: string; check: string; file?: string; message: string }[];
}

describe('berth recipe test', () => {
  it.each([
    ['templates/magec', 20],
    ['templates/reflector', 70],
  ])(
    '%s: every combination passes every check, with the real docker compose config',
    { timeout: 180_000 },
    async (dir, atLeast) => {
      await requireCompose();
      const r = await berth(['recipe', 'test', dir]);
      const count = Number(/: (\d+) combination\(s\) of answers\./.exec(String(r.stdout))?.[1]);
      expect(count).toBeGreaterThanOrEqual(atLeast);
      expect(text(r)).toContain(`✔ Every check passed in each of the ${count} combination(s).`);
      expect(r.exitCode).toBe(0);
      expect(rows(r.stdout)).toHaveLength(count);
      for (const row of rows(r.stdout)) expect(row).not.toMatch(/✘| - /);
    },
  );

  it('a shipped recipe by name', { timeout: 120_000 }, async () => {
    const r = await berth(['recipe', 'test', 'magec', '--no-compose']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Recipe magec \S+ \(templates\/magec\/recipe\.yaml\): \d+ combination/);
  });

  it('a recipe that breaks the practices: exit 1, each failure named with its check and file', async () => {
    await requireCompose();
    const r = await berth(['recipe', 'test', broken]);
    expect(r.exitCode).toBe(1);
    const out = String(r.stdout);
    expect(rows(out).map((l) => l.replace(/\s+/g, ' ').trim())).toEqual([
      '#1 ✔ ✔ ✔ ✘ ✘ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✘ ✔ debug=yes',
      '#2 ✔ ✔ ✔ ✘ ✘ ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✘ ✔ debug=no',
    ]);
    expect(out).toContain(
      '  ✘ images · compose.yaml: web.image WEB_IMAGE=caddy:latest uses the floating tag latest\n' +
        '    in every combination (2)\n' +
        '  ✘ images · compose.yaml: worker.image WORKER_IMAGE=busybox has no tag (that means :latest)\n' +
        '    in every combination (2)\n' +
        '  ✘ health · worker: a long-running service without a healthcheck test\n' +
        '    in every combination (2)\n' +
        '  ✘ mounts · compose.yaml: web mounts ./web.conf, which the recipe neither writes nor declares in hostPaths (no file or folder web.conf)\n',
    );
    expect(out).toContain('✘ 8 failure(s) in 2 of 2 combination(s).');
    expect(out).not.toContain(sampleSecret({ id: 'worker_token', length: 24, encoding: 'hex' }));
  });

  it('--json: one document with every result and failure, and no secret value', async () => {
    await requireCompose();
    const r = await berth(['recipe', 'test', broken, '--json']);
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(String(r.stdout)) as Report;
    expect(report).toMatchObject({
      ok: false,
      compose: 'checked',
      enumeration: { tested: 2, capped: false },
    });
    expect(report.results.map((x) => x.label)).toEqual(['debug=yes', 'debug=no']);
    expect(report.results[0]!.status).toMatchObject({
      render: 'pass',
      compose: 'pass',
      images: 'fail',
      mounts: 'fail',
    });
    expect(report.failures.filter((f) => f.combination === 'debug=no').map((f) => [f.check, f.file])).toEqual(
      [
        ['images', 'compose.yaml'],
        ['images', 'compose.yaml'],
        ['health', undefined],
        ['mounts', 'compose.yaml'],
      ],
    );
    expect(String(r.stdout)).not.toContain(sampleSecret({ id: 'worker_token', length: 24, encoding: 'hex' }));
  });

  it('without Docker Compose: exit 1 saying so, unless --no-compose skips only that check', async () => {
    const env = { PATH: tempDir('berth-no-docker-'), HOME: tempDir('berth-home-') };
    const missing = await berth(['recipe', 'test', 'templates/magec'], { env });
    expect(missing.exitCode).toBe(1);
    expect(String(missing.stderr)).toContain(
      '✖ Docker Compose v2 (`docker compose`) is not available, so `docker compose config` cannot check the renderings.',
    );
    expect(String(missing.stderr)).toContain('or give --no-compose to run every other check without it.');
    const skipped = await berth(['recipe', 'test', 'templates/magec', '--no-compose'], { env });
    expect(skipped.exitCode).toBe(0);
    expect(skipped.stdout).toContain('docker compose config: skipped (--no-compose); every other check ran.');
    expect(rows(skipped.stdout).every((l) => l.replace(/\s+/g, ' ').includes(' ✔ ✔ - ✔ '))).toBe(true);
  });

  it('a recipe that does not load: exit 3 with the loader’s message', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'recipe.yaml'), 'name: Bad Name\n');
    const r = await berth(['recipe', 'test', dir]);
    expect(r.exitCode).toBe(3);
    expect(String(r.stderr)).toContain('is not a valid recipe');
  });
});

describe('berth recipe new', () => {
  it(
    'writes a recipe that berth recipe test passes, with the real docker compose config',
    { timeout: 60_000 },
    async () => {
      await requireCompose();
      const cwd = tempDir();
      const made = await berth(['recipe', 'new', 'my-app'], { cwd });
      expect(made.exitCode).toBe(0);
      expect(made.stdout).toContain('berth recipe test ./my-app');
      expect(readdirSync(path.join(cwd, 'my-app')).sort()).toEqual([
        'compose.yaml.hbs',
        'recipe.schema.json',
        'recipe.yaml',
        'site',
      ]);
      const yaml = readFileSync(path.join(cwd, 'my-app/recipe.yaml'), 'utf8');
      expect(yaml.split('\n')[0]).toBe('# yaml-language-server: $schema=recipe.schema.json');
      expect(JSON.parse(readFileSync(path.join(cwd, 'my-app/recipe.schema.json'), 'utf8'))).toHaveProperty(
        'title',
      );
      const tested = await berth(['recipe', 'test', 'my-app'], { cwd });
      expect(text(tested)).toContain('✔ Every check passed in each of the 1 combination(s).');
      expect(tested.exitCode).toBe(0);
    },
  );

  it('--dir chooses the folder; a folder that holds anything is refused with the fix', async () => {
    const dir = path.join(tempDir(), 'recipes/web');
    expect((await berth(['recipe', 'new', 'web', '--dir', dir])).exitCode).toBe(0);
    const again = await berth(['recipe', 'new', 'web', '--dir', dir]);
    expect(again.exitCode).toBe(2);
    expect(String(again.stderr)).toContain(`✖ ${dir} already exists and is not empty`);
    expect(String(again.stderr)).toContain('→ Choose another folder with --dir DIR');
    const empty = path.join(tempDir(), 'empty');
    mkdirSync(empty);
    expect((await berth(['recipe', 'new', 'web', '--dir', empty])).exitCode).toBe(0);
  });
});

describe('berth recipe: usage', () => {
  it.each([
    [['recipe'], 'berth recipe needs a subcommand: test or new.'],
    [['recipe', 'frob'], 'Unknown subcommand "recipe frob".'],
    [['recipe', 'test'], 'berth recipe test needs a recipe folder or the name of a shipped recipe.'],
    [['recipe', 'new'], 'berth recipe new needs the new recipe’s NAME.'],
    [['recipe', 'test', 'a', 'b'], 'Unexpected argument "b".'],
    [['recipe', 'new', 'Web_App'], 'a recipe name is lower-kebab-case.'],
    [['recipe', 'test', './nowhere'], 'berth recipe test ./nowhere: there is no such folder'],
    [['recipe', 'new', 'x', '--json'], '--json is an option of berth recipe test, not of berth recipe new.'],
    [['recipe', 'test', 'magec', '--follow'], '--follow is an option of logs, not of recipe.'],
  ])('%j → exit 2: %s', async (args, message) => {
    const r = await berth(args, { cwd: tempDir() });
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain(message);
    expect(String(r.stderr)).toMatch(/→ .+/);
  });

  it('--help shows both subcommands; berth recipes still lists the recipes', async () => {
    const help = await berth(['recipe', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('berth recipe test DIR|NAME [--json] [--no-compose]');
    expect(help.stdout).toContain('berth recipe new NAME [--dir DIR]');
    expect(help.stdout).toContain('--no-compose');
    expect((await berth(['--help'])).stdout).toContain('berth recipe test DIR|NAME · new NAME');
    const list = await berth(['recipes']);
    expect(list.exitCode).toBe(0);
    expect(list.stdout).toContain('magec');
  });
});
