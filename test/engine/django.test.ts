// The django recipe on a real Docker engine, with a REAL Django: test/fixtures/django-app (one model, one view,
// one migration) is built FROM berth-test/django:1 (Python, Django, gunicorn and psycopg2 from Debian packages)
// against the real PostgreSQL and Redis test images. Only the Tailwind watcher's Node image is a STAND-IN
// (test/images/node: no npm packages here). Without an engine or the images these tests fail (never skip).
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { berth, fixtures } from '../helpers.js';
import {
  fastHealthchecks,
  freePort,
  inService,
  logsOf,
  requireEngine,
  serviceStates,
  text,
  useStacks,
} from './harness.js';

const IMAGES = ['django', 'postgres', 'redis', 'node'].map((name) => `berth-test/${name}:1`);
const TEST_IMAGES = [
  '--postgres-image',
  'berth-test/postgres:1',
  '--redis-image',
  'berth-test/redis:1',
  '--node-image',
  'berth-test/node:1',
];
const TEST_TIMEOUT = 300_000;
/** As root berth builds the app user with UID 1000 (a root UID would defeat the point); else the caller's. */
const APP_UID = process.getuid?.() === 0 ? '1000' : String(process.getuid?.());

const { root, newStack } = useStacks('django');
type Stack = Awaited<ReturnType<typeof newStack>>;

/** A copy of the fixture project, as a user's own folder next to (never inside) the install folder. */
function projectFor(stack: Stack): string {
  const source = path.join(root, `${stack.project}-src`);
  cpSync(path.join(fixtures, 'django-app'), source, { recursive: true });
  // A developer's folder belongs to them: the app user (same UID) writes into it in development mode.
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', `${APP_UID}:${APP_UID}`, source]);
  return source;
}

async function install(stack: Stack, source: string, port: number, ...extra: string[]) {
  const wait = extra.includes('--wait-timeout') ? [] : ['--wait-timeout', '150'];
  // The recipe's healthchecks every 2 s instead of 5–10 s (the user's compose.override.yaml, see fastHealthchecks).
  fastHealthchecks(stack.dir, ['web', 'db', 'redis', ...(extra.includes('development') ? ['tailwind'] : [])]);
  return berth([
    'install',
    '--recipe',
    'django',
    '--dir',
    stack.dir,
    '--yes',
    ...wait,
    '--source',
    source,
    '--public-host',
    '127.0.0.1',
    '--web-port',
    String(port),
    ...TEST_IMAGES,
    ...extra,
  ]);
}

async function page(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
  return `${response.status} ${await response.text()}`;
}

const inWeb = (dir: string, script: string) => inService(dir, 'web', script);

describe.sequential('the django recipe on a real Docker engine (a real Django project)', () => {
  test(
    'from a folder: migrated on the real PostgreSQL, serving, a superuser, the host UID; a changed view is rebuilt',
    async () => {
      await requireEngine(IMAGES);
      const stack = await newStack();
      const source = projectFor(stack);
      const port = await freePort();
      const first = await install(stack, source, port);
      expect(first.exitCode, text(first)).toBe(0);
      expect(String(first.stdout)).toContain('hook create_superuser: completed');
      expect(await serviceStates(stack.dir)).toEqual({
        web: 'running healthy',
        db: 'running healthy',
        redis: 'running healthy',
        migrate: 'exited 0',
      });
      const migrate = await logsOf(stack.dir, 'migrate');
      expect(migrate).toContain('Applying notes.0001_initial... OK');
      expect(migrate).toMatch(/static files? copied/);
      expect(await page(port)).toBe('200 Hello from the berth Django fixture: 0 notes');
      expect(await logsOf(stack.dir, 'web')).toContain(
        'berth: WSGI module mysite.wsgi (found ./mysite/wsgi.py)',
      );

      // The superuser exists with the password in .env.docker (read inside the container, never on argv).
      const superuser = await inWeb(
        stack.dir,
        'python3 manage.py shell -c "import os; from django.contrib.auth.models import User; ' +
          "u = User.objects.get(is_superuser=True); print(u.username, u.check_password(os.environ['DJANGO_SUPERUSER_PASSWORD']))\"",
      );
      expect(superuser).toBe('admin True');
      // The app runs as the non-root app user, and the image holds neither berth's .env nor .env.docker.
      expect(await inWeb(stack.dir, 'id -u')).toBe(APP_UID);
      expect((await inWeb(stack.dir, 'ls -a /app')).split('\n')).not.toEqual(
        expect.arrayContaining(['.env', '.env.docker']),
      );
      expect(readFileSync(path.join(stack.dir, 'compose.build.yaml'), 'utf8')).toContain(`UID: "${APP_UID}"`);

      // A new version of the view: the re-run rebuilds, migrate runs again, the new page is served; the
      // superuser is not created twice.
      const views = path.join(source, 'notes', 'views.py');
      writeFileSync(views, readFileSync(views, 'utf8').replace('Hello from', 'Hello again from'));
      const again = await install(stack, source, port);
      expect(again.exitCode, text(again)).toBe(0);
      expect(String(again.stdout)).not.toContain('hook create_superuser');
      expect(await page(port)).toBe('200 Hello again from the berth Django fixture: 0 notes');

      // New code whose page fails (as after a bad `git pull`): the files are the same, the rebuilt image is not
      // healthy, so berth puts the previous image back and the stack serves the last good code again.
      writeFileSync(
        views,
        readFileSync(views, 'utf8').replace(
          'count = ',
          "raise RuntimeError('berth test: broken view')\n    count = ",
        ),
      );
      const broken = await install(stack, source, port, '--wait-timeout', '30');
      expect(broken.exitCode, text(broken)).toBe(5);
      expect(String(broken.stdout)).toContain(
        `the previous images of berth-build/${stack.project}-web:1.0.0 and berth-build/${stack.project}-migrate:1.0.0 are back`,
      );
      expect(String(broken.stderr)).toContain('The previous image was put back and the stack runs it again');
      expect((await serviceStates(stack.dir)).web).toBe('running healthy');
      expect(await page(port)).toBe('200 Hello again from the berth Django fixture: 0 notes');
    },
    TEST_TIMEOUT,
  );

  test(
    'a broken migration: exit 5 naming migrate, its exit code and the end of its log; web is not started',
    async () => {
      await requireEngine(IMAGES);
      const stack = await newStack();
      const source = projectFor(stack);
      writeFileSync(
        path.join(source, 'notes', 'migrations', '0002_broken.py'),
        [
          'from django.db import migrations',
          '',
          '',
          'def fail(apps, schema_editor):',
          "    raise RuntimeError('berth test: this migration is broken')",
          '',
          '',
          'class Migration(migrations.Migration):',
          "    dependencies = [('notes', '0001_initial')]",
          '    operations = [migrations.RunPython(fail)]',
          '',
        ].join('\n'),
      );
      const result = await install(stack, source, await freePort());
      expect(result.exitCode, text(result)).toBe(5);
      const stderr = String(result.stderr);
      expect(stderr).toContain('migrate');
      expect(stderr).toMatch(/exit(ed)?( with)?( code)? 1/);
      expect(stderr).toContain('berth test: this migration is broken');
      // compose created web but never started it: it waits for migrate to complete successfully.
      expect((await serviceStates(stack.dir)).web ?? 'not created').not.toMatch(/^running/);
    },
    TEST_TIMEOUT,
  );

  test(
    'development mode: the folder is mounted into web, and the Tailwind watcher (profile dev) runs only there',
    async () => {
      await requireEngine(IMAGES);
      const stack = await newStack();
      const source = projectFor(stack);
      writeFileSync(path.join(source, 'tailwind-input.css'), '@tailwind base;\n');
      const port = await freePort();
      const result = await install(
        stack,
        source,
        port,
        '--mode',
        'development',
        '--tailwind-input',
        'tailwind-input.css',
        '--tailwind-output',
        'static/css/output.css',
      );
      expect(result.exitCode, text(result)).toBe(0);
      const running = await serviceStates(stack.dir);
      expect(running.tailwind).toBe('running healthy');
      expect(running.web).toBe('running healthy');
      // The watcher wrote into the mounted folder, as the app user.
      expect(readFileSync(path.join(source, 'static', 'css', 'output.css'), 'utf8')).toContain(
        '@tailwind base;',
      );
      expect(await logsOf(stack.dir, 'tailwind')).toContain(`as ${APP_UID}:`);
      // runserver serves the mounted folder: a change shows without a rebuild.
      const views = path.join(source, 'notes', 'views.py');
      writeFileSync(views, readFileSync(views, 'utf8').replace('Hello from', 'Live from'));
      let body = '';
      for (let i = 0; i < 30 && !body.includes('Live from'); i++) {
        await new Promise((r) => setTimeout(r, 1000));
        body = await page(port).catch(() => '');
      }
      expect(body).toBe('200 Live from the berth Django fixture: 0 notes');
      expect(readFileSync(path.join(stack.dir, '.env'), 'utf8')).toContain('COMPOSE_PROFILES=dev');
    },
    TEST_TIMEOUT,
  );
});
