// The frappe recipe on a real Docker engine: `berth install` renders frappe_docker's compose files and overrides,
// brings them up, and creates the site with the once hook create_site. Real MariaDB 10.11 and Redis come from
// Debian packages (scripts/build-test-images.sh); frappe/erpnext and Traefik are STAND-INS (test/images/frappe,
// test/images/traefik) that run the same commands and fail loudly when the wiring is wrong: bench new-site
// refuses passwords as options and reads them only from the bench configuration, creates the site's database
// user on the real MariaDB, and the backend answers /api/method/ping only for a site whose user logs in.
// Without an engine or the images these tests fail (they never skip).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { berth, tempDir } from '../helpers.js';
import {
  docker,
  dotenvValue,
  fastHealthchecks,
  inService,
  freePort,
  requireEngine,
  serviceStates,
  text,
  useStacks,
} from './harness.js';

const IMAGES = ['frappe', 'mariadb', 'redis', 'traefik'].map((name) => `berth-test/${name}:1`);
const TEST_IMAGES = [
  '--frappe-image',
  'berth-test/frappe:1',
  '--mariadb-image',
  'berth-test/mariadb:1',
  '--redis-image',
  'berth-test/redis:1',
];
const TEST_TIMEOUT = 240_000;

const { root, newStack } = useStacks('frappe');

async function ping(port: number, host?: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/api/method/ping`, {
    headers: host ? { Host: host } : {},
    signal: AbortSignal.timeout(10_000),
  });
  return `${response.status} ${await response.text()}`;
}

/** Every frappe service with a healthcheck (the proxy only behind Traefik). */
const CHECKED = ['db', 'redis-cache', 'redis-queue', 'backend', 'frontend', 'websocket', 'scheduler'];
const QUEUES = ['queue-short', 'queue-long'];

/**
 * `berth install` of the frappe recipe into the stack's folder, unattended, with `extra` answers; the recipe's
 * healthchecks run every 2 s instead of 5–30 s (the user's compose.override.yaml, see fastHealthchecks).
 */
const installFrappe = (stack: { dir: string }, ...extra: string[]) => {
  const proxy = extra.includes('traefik') ? ['proxy'] : [];
  fastHealthchecks(stack.dir, [...CHECKED, ...QUEUES, ...proxy]);
  return berth([
    'install',
    '--recipe',
    'frappe',
    '--dir',
    stack.dir,
    '--yes',
    '--wait-timeout',
    '150',
    ...extra,
  ]);
};

const healthy = (...services: string[]) => Object.fromEntries(services.map((s) => [s, 'running healthy']));

/** Backup with --verify, uninstall --purge and restore, added to the default install's test. */
const BACKUP_TIMEOUT = 600_000;

/** SQL as the site's own MariaDB user: its name and password from site_config.json (the password on stdin). */
async function asSite(dir: string, sql: string): Promise<string> {
  const site = JSON.parse(await inService(dir, 'backend', 'cat sites/erp.localhost/site_config.json')) as {
    db_name: string;
    db_password: string;
  };
  const login = `read -r pw; MYSQL_PWD="$pw" mariadb -h 127.0.0.1 -u ${site.db_name} -N ${site.db_name}`;
  return inService(dir, 'db', login, `${site.db_password}\n${sql}\n`);
}

describe.sequential('the frappe recipe on a real Docker engine', () => {
  test(
    'default install (MariaDB, Redis, no proxy): every service healthy, the site created once, a re-run keeps it',
    async () => {
      await requireEngine(IMAGES);
      const stack = await newStack();
      const port = await freePort();
      const install = (...extra: string[]) => installFrappe(stack, ...extra);
      const first = await install('--http-port', String(port), ...TEST_IMAGES);
      expect(first.exitCode, text(first)).toBe(0);
      expect(String(first.stdout)).toContain('hook create_site: completed');

      const expected = {
        ...healthy('backend', 'frontend', 'websocket', 'queue-short', 'queue-long', 'scheduler'),
        ...healthy('db', 'redis-cache', 'redis-queue'),
        configurator: 'exited 0',
      };
      expect(await serviceStates(stack.dir)).toEqual(expected);

      // The configurator wrote the hosts; the site's credentials were taken out again after new-site.
      const config = JSON.parse(
        await inService(stack.dir, 'backend', 'cat sites/common_site_config.json'),
      ) as Record<string, unknown>;
      expect(config).toMatchObject({
        db_host: 'db',
        db_port: 3306,
        redis_cache: 'redis://redis-cache:6379',
        redis_queue: 'redis://redis-queue:6379',
        redis_socketio: 'redis://redis-queue:6379',
        default_site: 'erp.localhost',
      });
      expect(Object.keys(config)).not.toContain('root_password');
      expect(Object.keys(config)).not.toContain('admin_password');

      // The site answers through the frontend (ping needs the site and its database user).
      expect(await ping(port)).toBe('200 {"message":"pong"}');

      // Its password opens the real MariaDB as the site's own user, and the Administrator password is the one
      // in .env (the stand-in stores its SHA-256 in __Auth).
      const site = JSON.parse(
        await inService(stack.dir, 'backend', 'cat sites/erp.localhost/site_config.json'),
      ) as { db_name: string; db_password: string; db_type: string };
      expect(site.db_type).toBe('mariadb');
      const admin = dotenvValue(stack.dir, 'ADMIN_PASSWORD');
      const rows = await inService(
        stack.dir,
        'db',
        `read -r pw; read -r admin; MYSQL_PWD="$pw" mariadb -h 127.0.0.1 -u ${site.db_name} -N ${site.db_name} ` +
          `-e "SELECT app_name FROM \\\`tabInstalled Application\\\` ORDER BY app_name; ` +
          `SELECT password = SHA2('$admin', 256) FROM __Auth WHERE name = 'Administrator'"`,
        `${site.db_password}\n${admin}\n`,
      );
      expect(rows.trim().split('\n')).toEqual(['erpnext', 'frappe', '1']);

      // Workers and the scheduler reached the job queue the configurator named.
      const logs = await docker(['compose', 'logs', '--no-color', 'queue-short', 'scheduler'], stack.dir);
      expect(String(logs.stdout)).toContain('worker: connected to the job queue at redis://redis-queue:6379');
      expect(String(logs.stdout)).toContain(
        'scheduler: connected to the job queue at redis://redis-queue:6379',
      );

      // A re-run: the hook does not run again, the site, its database password and the secrets are kept.
      const secrets = ['DB_PASSWORD', 'ADMIN_PASSWORD'].map((n) => dotenvValue(stack.dir, n));
      const again = await install();
      expect(again.exitCode, text(again)).toBe(0);
      expect(String(again.stdout)).not.toContain('hook create_site');
      expect(['DB_PASSWORD', 'ADMIN_PASSWORD'].map((n) => dotenvValue(stack.dir, n))).toEqual(secrets);
      const siteAfter = JSON.parse(
        await inService(stack.dir, 'backend', 'cat sites/erp.localhost/site_config.json'),
      ) as { db_password: string };
      expect(siteAfter.db_password).toBe(site.db_password);
      expect(await ping(port)).toBe('200 {"message":"pong"}');

      // The database engine cannot change under a site: exit 2, nothing rewritten.
      const envBefore = readFileSync(path.join(stack.dir, '.env'), 'utf8');
      const switched = await install('--db-engine', 'postgres');
      expect(switched.exitCode, text(switched)).toBe(2);
      expect(String(switched.stderr)).toContain('db_engine');
      expect(readFileSync(path.join(stack.dir, '.env'), 'utf8')).toBe(envBefore);

      // berth backup --verify (a restore into a throwaway project, its db healthy and root logging in), then the
      // install removed with its data and restored into a new folder: the site's rows, its database user (made in
      // MariaDB, its password in the sites volume) and the secrets are back; ping logs in as that user.
      await asSite(
        stack.dir,
        "CREATE TABLE tabNote (id INT PRIMARY KEY, body TEXT); INSERT INTO tabNote VALUES (1, 'alpha'), (2, 'beta')",
      );
      const out = path.join(root, `${stack.project}-backups`);
      const backup = await berth(['backup', '--dir', stack.dir, '--output', out, '--verify'], {
        timeout: 300_000,
      });
      expect(backup.exitCode, text(backup)).toBe(0);
      expect(text(backup)).toContain('(dump of db)');
      const archive = path.join(
        out,
        readdirSync(out).find((n) => n.endsWith('.tar.gz'))!,
      );
      const purge = await berth(['uninstall', '--dir', stack.dir, '--purge', '--yes']);
      expect(purge.exitCode, text(purge)).toBe(0);
      const target = path.join(root, `${stack.project}-restored`);
      const restored = await berth(['restore', archive, '--dir', target, '--wait-timeout', '150'], {
        timeout: 300_000,
      });
      expect(restored.exitCode, text(restored)).toBe(0);
      expect(await serviceStates(target)).toEqual(expected);
      expect(['DB_PASSWORD', 'ADMIN_PASSWORD'].map((n) => dotenvValue(target, n))).toEqual(secrets);
      expect(await asSite(target, 'SELECT body FROM tabNote ORDER BY id')).toBe('alpha\nbeta');
      expect(await ping(port)).toBe('200 {"message":"pong"}');
    },
    TEST_TIMEOUT + BACKUP_TIMEOUT,
  );

  test(
    'behind Traefik (stand-in): the proxy routes the site, the frontend is not published',
    async () => {
      await requireEngine(IMAGES);
      const stack = await newStack();
      const port = await freePort();
      const result = await installFrappe(
        stack,
        '--proxy',
        'traefik',
        '--domains',
        'erp.example.test,www.erp.example.test',
        '--http-port',
        String(port),
        '--traefik-image',
        'berth-test/traefik:1',
        ...TEST_IMAGES,
      );
      expect(result.exitCode, text(result)).toBe(0);
      expect((await serviceStates(stack.dir)).proxy).toBe('running healthy');
      expect(dotenvValue(stack.dir, 'SITES_RULE')).toBe(
        'Host(`erp.example.test`) || Host(`www.erp.example.test`)',
      );
      expect(await ping(port, 'www.erp.example.test')).toBe('200 {"message":"pong"}');
      const frontend = await docker(['compose', 'ps', '--format', 'json', 'frontend'], stack.dir);
      const publishers = String(frontend.stdout)
        .trim()
        .split('\n')
        .flatMap(
          (line) => (JSON.parse(line) as { Publishers?: { PublishedPort: number }[] }).Publishers ?? [],
        );
      expect(
        publishers.filter((p) => p.PublishedPort > 0),
        text(frontend),
      ).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  test(
    'custom apps: the image is built from apps.json (FROM the stand-in as frappe/build and frappe/base), every service runs it, the site gets the apps',
    async () => {
      await requireEngine(IMAGES);
      const stack = await newStack();
      const port = await freePort();
      // The Containerfile starts FROM frappe/build and frappe/base (upstream's layered build): here both are the
      // stand-in, tagged by this test and removed again.
      const bases = ['frappe/build:version-16', 'frappe/base:version-16'];
      for (const tag of bases) {
        const tagged = await docker(['tag', 'berth-test/frappe:1', tag], root);
        expect(tagged.exitCode, text(tagged)).toBe(0);
      }
      const image = `berth-build/${stack.project}-backend:1.0.0`;
      try {
        const result = await installFrappe(
          stack,
          '--http-port',
          String(port),
          '--custom-apps',
          'https://github.com/frappe/erpnext#version-16,https://git.example.test/acme/inventory.git#main',
          '--install-apps',
          'erpnext,inventory',
          '--mariadb-image',
          'berth-test/mariadb:1',
          '--redis-image',
          'berth-test/redis:1',
        );
        expect(result.exitCode, text(result)).toBe(0);
        expect(String(result.stdout)).toContain(`build backend: completed (${image})`);
        expect(dotenvValue(stack.dir, 'FRAPPE_IMAGE')).toBe(image);
        const images = await docker(['compose', 'ps', '--format', '{{.Service}} {{.Image}}'], stack.dir);
        const byService = String(images.stdout).trim().split('\n').sort();
        for (const service of ['backend', 'frontend', 'queue-long', 'queue-short', 'scheduler', 'websocket'])
          expect(byService).toContain(`${service} ${image}`);
        expect(await ping(port)).toBe('200 {"message":"pong"}');
        const apps = await inService(stack.dir, 'backend', 'ls apps');
        expect(apps.trim().split('\n').sort()).toEqual(['erpnext', 'frappe', 'inventory']);
        const log = String((await docker(['compose', 'logs', '--no-color'], stack.dir)).stdout);
        expect(log).not.toContain('FAIL');
        const hook = readFileSync(
          path.join(
            stack.dir,
            '.berth',
            'logs',
            readdirSync(path.join(stack.dir, '.berth', 'logs')).find((f) => f.startsWith('up-'))!,
          ),
          'utf8',
        );
        expect(hook).toContain('Installing inventory... done on erp.localhost');
      } finally {
        await docker(['image', 'rm', '--force', ...bases, image, `${image}-previous`], root);
      }
    },
    TEST_TIMEOUT,
  );

  test('PostgreSQL and an external database render and pass `docker compose config`', async () => {
    await requireEngine();
    const postgres = await newStack(false);
    const pg = await berth([
      'render',
      '--recipe',
      'frappe',
      '--dir',
      postgres.dir,
      '--yes',
      '--db-engine',
      'postgres',
    ]);
    expect(pg.exitCode, text(pg)).toBe(0);
    expect(String(pg.stdout)).toContain('Validated with `docker compose config`');
    expect(dotenvValue(postgres.dir, 'COMPOSE_FILE')).toContain('compose.postgres.yaml');
    expect(dotenvValue(postgres.dir, 'DB_ROOT_USER')).toBe('postgres');
    // ERPNext does not run on PostgreSQL: no app is installed by default.
    expect(readFileSync(path.join(postgres.dir, 'berth.yaml'), 'utf8')).toContain('install_apps: []');

    const external = await newStack(false);
    const passwordFile = path.join(tempDir(), 'root-password');
    writeFileSync(passwordFile, 'external-root-password-0001\n', { mode: 0o600 });
    const ext = await berth([
      'render',
      '--recipe',
      'frappe',
      '--dir',
      external.dir,
      '--yes',
      '--db-server',
      'external',
      '--db-host',
      'mariadb.internal.example.test',
      '--db-root-password-file',
      passwordFile,
    ]);
    expect(ext.exitCode, text(ext)).toBe(0);
    expect(dotenvValue(external.dir, 'COMPOSE_FILE')).not.toContain('compose.mariadb.yaml');
    expect(dotenvValue(external.dir, 'DB_HOST')).toBe('mariadb.internal.example.test');
    expect(dotenvValue(external.dir, 'DB_PORT')).toBe('3306');
    expect(dotenvValue(external.dir, 'DB_PASSWORD')).toBe('external-root-password-0001');
    expect(String(ext.stdout)).not.toContain('external-root-password-0001');
  });
});
