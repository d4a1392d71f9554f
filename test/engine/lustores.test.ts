// The lustores recipe on a real Docker engine: REAL nginx (Debian's nginx-light), REAL PostgreSQL (init.sql
// creates the table the test queries), REAL Redis (its append-only file appears) and REAL certbot (Debian's),
// from Debian packages. STAND-INS for the app and replit-auth (test/images/lustores, test/images/replitauth: no
// registry here), which check their wiring and serve a page. No ACME server is reachable from a test: the
// Let's Encrypt case points certbot at a closed port on loopback and checks that the site stays up on the
// temporary certificate with the cause named. Without an engine or the images these tests fail (never skip).
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { describe, expect, test } from 'vitest';
import { berth } from '../helpers.js';
import {
  composePs,
  docker,
  freePort,
  inService,
  logsOf,
  requireEngine,
  serviceStates,
  text,
  useStacks,
} from './harness.js';

const IMAGES = ['nginx', 'postgres', 'redis', 'certbot', 'lustores', 'replitauth'].map(
  (name) => `berth-test/${name}:1`,
);
const TEST_IMAGES = [
  ...['--nginx-image', 'berth-test/nginx:1', '--postgres-image', 'berth-test/postgres:1'],
  ...['--redis-image', 'berth-test/redis:1', '--certbot-image', 'berth-test/certbot:1'],
  ...['--app-image', 'berth-test/lustores:1', '--auth-image', 'berth-test/replitauth:1'],
];
const DOMAIN = 'stores.lustores.test';
const TEST_TIMEOUT = 300_000;

/**
 * The seed's health intervals (30 s for nginx, the app and replit-auth) would make each start wait half a minute
 * per service; the test shortens them through the user's own compose.override.yaml, as an operator may. certbot
 * runs only with Let's Encrypt, and is last, so a test can add to it.
 */
const fastHealth = (certbot: boolean): string =>
  `services:\n${['nginx', 'app', 'replit-auth', 'db', 'redis', ...(certbot ? ['certbot'] : [])]
    .map((s) => `  ${s}:\n    healthcheck:\n      interval: 2s\n${s === 'nginx' ? RENEWAL_CHECK : ''}`)
    .join('')}`;
/** nginx looks for a renewal every second instead of every minute. */
const RENEWAL_CHECK = '    environment:\n      RENEWAL_CHECK_SECONDS: "1"\n';

const { root, newStack } = useStacks('lustores');

/** Backup with --verify and a restore, added to the self-signed install's test. */
const BACKUP_TIMEOUT = 600_000;

/** A query as postgres over TCP (the password from the container's environment); rows as `a|b`. */
const sql = (dir: string, query: string) =>
  inService(
    dir,
    'db',
    `PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U postgres -d university_inventory --no-psqlrc -tAc "${query}"`,
  );
type Stack = Awaited<ReturnType<typeof newStack>>;

interface Ports {
  http: number;
  https: number;
}

const installArgs = (stack: Stack, ports: Ports, subnet: string, ...extra: string[]): string[] => [
  'install',
  '--recipe',
  'lustores',
  '--dir',
  stack.dir,
  '--yes',
  '--wait-timeout',
  '150',
  '--domain',
  DOMAIN,
  '--email',
  'stores@lustores.test',
  '--http-port',
  String(ports.http),
  '--https-port',
  String(ports.https),
  '--data-dir',
  path.join(root, `${stack.project}-db`),
  '--subnet',
  subnet,
  ...TEST_IMAGES,
  ...extra,
];

/** Writes the files (no start), puts the faster healthchecks into the user's file, then installs. */
async function install(stack: Stack, ports: Ports, subnet: string, extra: string[]) {
  const written = await berth([...installArgs(stack, ports, subnet, ...extra), '--no-start']);
  expect(written.exitCode, text(written)).toBe(0);
  const certbot = extra.some((a) => a.startsWith('letsencrypt'));
  writeFileSync(path.join(stack.dir, 'compose.override.yaml'), fastHealth(certbot));
  return berth(['install', '--dir', stack.dir, '--yes', '--wait-timeout', '150']);
}

interface Got {
  status: number;
  location?: string | undefined;
  body: string;
  /** Over HTTPS: the certificate's organisation and common name. */
  subject?: string;
}

/**
 * GET on loopback with the site's name as Host (and SNI): no redirect followed, any certificate accepted, a fresh
 * connection each time (a resumed TLS session has no peer certificate to show). fetch would send its own Host.
 */
function get(scheme: 'http' | 'https', port: number, pathname = '/'): Promise<Got> {
  const client = scheme === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        headers: { host: DOMAIN },
        timeout: 10_000,
        ...(scheme === 'https' && { servername: DOMAIN, rejectUnauthorized: false, agent: false }),
      },
      (response) => {
        const cert = scheme === 'https' ? (response.socket as TLSSocket).getPeerCertificate() : undefined;
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            location: response.headers.location,
            body,
            ...(cert && { subject: `${cert.subject?.O} / ${cert.subject?.CN}` }),
          }),
        );
      },
    );
    request.on('timeout', () => request.destroy(new Error(`${scheme}://127.0.0.1:${port} timed out`)));
    request.on('error', reject);
  });
}
const fetchTls = (port: number) => get('https', port);
const fetchHttp = (port: number, pathname: string) => get('http', port, pathname);

const connects = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

describe.sequential('the lustores recipe on a real Docker engine', () => {
  test(
    'self-signed: healthy, the app through nginx over HTTPS, init.sql and the data in the host folder, AOF, admin ports on 127.0.0.1; the data outlives uninstall',
    async () => {
      await requireEngine(IMAGES);
      const stack = await newStack();
      const ports = { http: await freePort(), https: await freePort() };
      const admin = { db: await freePort(), redis: await freePort() };
      const dataDir = path.join(root, `${stack.project}-db`);
      const result = await install(stack, ports, '10.250.1.0/24', [
        '--tls',
        'self-signed',
        '--admin-ports',
        '--db-admin-port',
        String(admin.db),
        '--redis-admin-port',
        String(admin.redis),
      ]);
      expect(result.exitCode, text(result)).toBe(0);
      expect(String(result.stdout)).toContain('✔ LUStores is up.');
      expect(String(result.stdout)).toContain(`LUStores: https://${DOMAIN}:${ports.https}`);
      expect(await serviceStates(stack.dir)).toEqual({
        'tls-init': 'exited 0',
        nginx: 'running healthy',
        app: 'running healthy',
        'replit-auth': 'running healthy',
        db: 'running healthy',
        redis: 'running healthy',
      });

      // curl -k https://…: the app's page through nginx, on the self-signed certificate made for the domain.
      const page = await fetchTls(ports.https);
      expect(page.status).toBe(200);
      expect(page.body).toContain('LUStores stand-in');
      expect(page.body).toContain(DOMAIN);
      expect(page.subject).toBe(`LUStores self-signed / ${DOMAIN}`);
      // Plain HTTP redirects to HTTPS.
      const plain = await fetchHttp(ports.http, '/inventory?x=1');
      expect([plain.status, plain.location]).toEqual([301, `https://${DOMAIN}:${ports.https}/inventory?x=1`]);

      // init.sql ran on the real PostgreSQL; the data is in the host folder, owned by PostgreSQL's user.
      expect(
        await inService(
          stack.dir,
          'db',
          'PGPASSWORD="$POSTGRES_PASSWORD" psql -U postgres -d university_inventory -tAc ' +
            `"select count(*) from information_schema.columns where table_name = 'sessions'"`,
        ),
      ).toBe('3');
      expect(readFileSync(path.join(dataDir, 'pgdata', 'PG_VERSION'), 'utf8').trim()).toBe('15');
      expect([statSync(dataDir).uid, statSync(dataDir).gid]).toEqual([999, 999]);
      // Redis writes its append-only file.
      expect((await inService(stack.dir, 'redis', 'ls /data/appendonlydir')).split('\n')).toContain(
        'appendonly.aof.1.incr.aof',
      );

      // The admin ports: published on 127.0.0.1 only, and open there.
      const ps = await composePs(stack.dir);
      for (const [service, port, target] of [
        ['db', admin.db, 5432],
        ['redis', admin.redis, 6379],
      ] as const) {
        expect((ps[service]!.Publishers ?? []).filter((p) => p.PublishedPort > 0)).toEqual([
          expect.objectContaining({ URL: '127.0.0.1', PublishedPort: port, TargetPort: target }),
        ]);
        expect(await connects(port)).toBe(true);
      }

      // berth backup --verify: the database is dumped (its host folder is not copied raw).
      await sql(stack.dir, 'create table notes(id int); insert into notes select generate_series(1, 300)');
      const password = readFileSync(path.join(stack.dir, '.env'), 'utf8').match(/^DB_PASSWORD=(.*)$/m)![1]!;
      const out = path.join(root, `${stack.project}-backups`);
      const backup = await berth(['backup', '--dir', stack.dir, '--output', out, '--verify'], {
        timeout: 300_000,
      });
      expect(backup.exitCode, text(backup)).toBe(0);
      expect(text(backup)).toContain('the PostgreSQL database (dump of db)');
      expect(text(backup)).not.toContain(`host folder ${dataDir}`);
      const archive = path.join(
        out,
        readdirSync(out).find((n) => n.endsWith('.tar.gz'))!,
      );

      // Uninstall without --purge: the stack goes, the host data folder stays.
      const uninstall = await berth(['uninstall', '--dir', stack.dir, '--yes']);
      expect(uninstall.exitCode, text(uninstall)).toBe(0);
      expect(await composePs(stack.dir)).toEqual({});
      expect(existsSync(path.join(dataDir, 'pgdata', 'PG_VERSION'))).toBe(true);

      // Restored on a new machine from a backup taken before the uninstall (its --verify ran next to the live
      // stack on the fixed subnet): the host data folder is gone, the dump fills a new one (init.sql's table
      // and the rows), with the password of the restored .env, and the site answers again.
      const restoredDir = path.join(root, `${stack.project}-restored`);
      await docker(
        [
          'run',
          '--rm',
          '-v',
          `${root}:/r`,
          'berth-test/postgres:1',
          'rm',
          '-rf',
          `/r/${path.basename(dataDir)}`,
        ],
        root,
      );
      const restored = await berth(['restore', archive, '--dir', restoredDir, '--wait-timeout', '150'], {
        timeout: 300_000,
      });
      expect(restored.exitCode, text(restored)).toBe(0);
      expect((await serviceStates(restoredDir)).db).toBe('running healthy');
      expect(readFileSync(path.join(restoredDir, '.env'), 'utf8')).toContain(`DB_PASSWORD=${password}\n`);
      expect(await sql(restoredDir, 'select count(*), sum(id) from notes')).toBe('300|45150');
      expect(
        await sql(
          restoredDir,
          `select count(*) from information_schema.columns where table_name = 'sessions'`,
        ),
      ).toBe('3');
      expect((await fetchTls(ports.https)).status).toBe(200);
    },
    TEST_TIMEOUT + BACKUP_TIMEOUT,
  );

  test(
    "Let's Encrypt with the name unresolved, then the ACME server unreachable: the site stays up on the temporary certificate, the cause named, retried on the next install",
    async () => {
      await requireEngine(IMAGES);
      const stack = await newStack();
      const ports = { http: await freePort(), https: await freePort() };
      const acme = `https://127.0.0.1:${await freePort()}/directory`;
      const first = await install(stack, ports, '10.250.2.0/24', [
        '--tls',
        'letsencrypt',
        '--acme-server',
        acme,
      ]);
      expect(first.exitCode, text(first)).toBe(0);
      const out = String(first.stdout);
      expect(out).toContain('! LUStores is up, but a step after the start did not succeed (below).');
      expect(out).toContain(
        "! Hook obtain_certificate (obtain the Let's Encrypt certificate) exited 3. The site is up on a temporary self-signed certificate",
      );
      expect(out).toContain(`cause: DNS: ${DOMAIN} has no address`);
      expect(out).toContain(`→ Fix the cause, then run berth install --dir ${stack.dir} again`);
      expect(await serviceStates(stack.dir)).toMatchObject({
        'tls-init': 'exited 0',
        nginx: 'running healthy',
        app: 'running healthy',
        certbot: 'running healthy',
      });
      const temporary = await fetchTls(ports.https);
      expect([temporary.status, temporary.subject]).toEqual([200, `berth temporary certificate / ${DOMAIN}`]);
      expect(temporary.body).toContain('LUStores stand-in');
      // The ACME challenge location serves what certbot writes into the shared webroot.
      await inService(
        stack.dir,
        'certbot',
        'mkdir -p /var/www/certbot/.well-known/acme-challenge && echo token-ok > /var/www/certbot/.well-known/acme-challenge/t1',
      );
      const challenge = await fetchHttp(ports.http, '/.well-known/acme-challenge/t1');
      expect([challenge.status, challenge.body.trim()]).toEqual([200, 'token-ok']);

      // A renewal by the certbot service (its deploy hook touches the flag) makes nginx reload.
      await inService(stack.dir, 'certbot', 'touch /etc/letsencrypt/berth/renewed');
      await expect
        .poll(async () => logsOf(stack.dir, 'nginx'), { timeout: 20_000, interval: 500 })
        .toContain('nginx: the certificate was renewed; reloaded');

      // The name now resolves (for certbot's container, through the user's file), so certbot runs and meets the
      // unreachable ACME server: a re-run asks again and names that cause; the site is still up.
      writeFileSync(
        path.join(stack.dir, 'compose.override.yaml'),
        `${fastHealth(true)}    extra_hosts: ["${DOMAIN}:127.0.0.1"]\n`,
      );
      const again = await berth(['install', '--dir', stack.dir, '--yes', '--wait-timeout', '150']);
      expect(again.exitCode, text(again)).toBe(0);
      expect(String(again.stdout)).toContain(
        'exited 4. The site is up on a temporary self-signed certificate',
      );
      expect(String(again.stdout)).toContain(
        `cause: the ACME server ${acme} could not be reached from this server`,
      );
      expect((await fetchTls(ports.https)).subject).toBe(`berth temporary certificate / ${DOMAIN}`);
    },
    TEST_TIMEOUT,
  );

  test('a subnet that another Docker network uses is refused before anything is written, naming a free one', async () => {
    await requireEngine(IMAGES);
    const stack = await newStack(false);
    const taken = `berth-lustores-${process.pid}`;
    const created = await docker(['network', 'create', '--subnet', '10.250.3.0/24', taken], root);
    expect(created.exitCode, text(created)).toBe(0);
    try {
      const ports = { http: await freePort(), https: await freePort() };
      const result = await berth(installArgs(stack, ports, '10.250.3.0/24', '--tls', 'self-signed'));
      expect(result.exitCode, text(result)).toBe(6);
      expect(String(result.stderr)).toContain(taken);
      expect(String(result.stderr)).toMatch(/--subnet \d+\.\d+\.\d+\.0\/24/);
      expect(existsSync(stack.dir)).toBe(false);
    } finally {
      await docker(['network', 'rm', taken], root);
    }
  });

  test("obtain names the cause from Let's Encrypt's answers (recorded certbot output, no ACME server here)", async () => {
    await requireEngine(IMAGES);
    // A stand-in certbot on PATH prints what certbot 2.x prints for each of Let's Encrypt's refusals and fails.
    const stub = path.join(root, `certbot-stub-${process.pid}`);
    mkdirSync(path.join(stub, 'cases'), { recursive: true });
    writeFileSync(path.join(stub, 'certbot'), '#!/bin/sh\ncat "$CASE"\nexit 1\n', { mode: 0o755 });
    const problems = (type: string, detail: string) =>
      'Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:\n' +
      `  Domain: ${DOMAIN}\n  Type:   ${type}\n  Detail: ${detail}\n`;
    const cases: Record<string, [string, string]> = {
      firewall: [
        problems(
          'connection',
          `203.0.113.7: Fetching http://${DOMAIN}/.well-known/acme-challenge/Xk3: Timeout during connect (likely firewall problem)`,
        ),
        `cause: port 80: the ACME server could not fetch http://${DOMAIN}/.well-known/acme-challenge/`,
      ],
      'dns-record': [
        problems(
          'dns',
          `DNS problem: NXDOMAIN looking up A for ${DOMAIN} - check that a DNS record exists for this domain`,
        ),
        `cause: DNS: the ACME server could not look up ${DOMAIN}`,
      ],
      'rate-limit': [
        'An unexpected error occurred:\nError creating new order :: too many failed authorizations recently: see https://letsencrypt.org/docs/failed-validation-limit/\n',
        "cause: Let's Encrypt's rate limit",
      ],
    };
    for (const [name, [output]] of Object.entries(cases))
      writeFileSync(path.join(stub, 'cases', name), output);
    const certbotSh = path.join(process.cwd(), 'templates/lustores/tls/certbot.sh');
    const run = await docker(
      [
        ...['run', '--rm', '--network', 'none', '--add-host', `${DOMAIN}:127.0.0.1`],
        ...[
          '-e',
          `DOMAIN=${DOMAIN}`,
          '-e',
          'EMAIL=stores@lustores.test',
          '-e',
          'ACME_SERVER=https://acme.invalid/dir',
        ],
        ...['-v', `${certbotSh}:/berth/certbot.sh:ro`, '-v', `${stub}:/stub:ro`, '--entrypoint', 'sh'],
        'berth-test/certbot:1',
        '-c',
        'for c in /stub/cases/*; do echo "== ${c##*/}"; PATH=/stub:$PATH CASE=$c sh /berth/certbot.sh obtain; echo "rc=$?"; done',
      ],
      root,
    );
    expect(run.exitCode, text(run)).toBe(0);
    const byCase = Object.fromEntries(
      String(run.stdout)
        .split(/^== /m)
        .filter(Boolean)
        .map((block) => [block.slice(0, block.indexOf('\n')), block]),
    );
    for (const [name, [, cause]] of Object.entries(cases)) {
      expect(byCase[name], name).toContain(cause);
      expect(byCase[name], name).toContain('rc=4');
    }
  });
});
