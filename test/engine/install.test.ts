// End to end on a real Docker engine: `berth install` (the built bundle, as a user runs it) brings up the
// test/fixtures/engine-stack recipe with `docker compose up -d --wait`, and the result is checked with plain
// `docker compose` in the install folder and an HTTP request to the published port.
//
// Needs a Docker engine, Compose v2 and the local image berth-test/busybox:1: scripts/setup-test-engine.sh sets
// all three up. Nothing is pulled. Without an engine these tests fail (they never skip).
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { berth } from '../helpers.js';
import {
  composePs,
  docker,
  requireEngine,
  text,
  useStacks,
  type PsEntry,
  ENGINE_STACK,
  engineStackInstall,
} from './harness.js';

const FIXTURE = ENGINE_STACK;
const TEST_TIMEOUT = 120_000;

const { root, newStack } = useStacks('e2e');
type Stack = Awaited<ReturnType<typeof newStack>>;

// --- reading the result --------------------------------------------------------------------------------------

async function page(port: number): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.text() };
}

const install = (stack: Stack, ...extra: string[]) => berth([...engineStackInstall(stack), ...extra]);

function expectUp(ps: Record<string, PsEntry>): void {
  expect(ps.web, JSON.stringify(ps)).toMatchObject({ State: 'running', Health: 'healthy' });
  expect(ps.init, JSON.stringify(ps)).toMatchObject({ State: 'exited', ExitCode: 0 });
}

/** compose's own output of the latest bring-up, as berth logged it. */
function newestUpLog(dir: string): string {
  const logs = path.join(dir, '.berth/logs');
  const newest = readdirSync(logs)
    .filter((f) => f.startsWith('up-'))
    .sort()
    .at(-1);
  return readFileSync(path.join(logs, newest!), 'utf8');
}

const dotenvValue = (dir: string, name: string): string => {
  const line = readFileSync(path.join(dir, '.env'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`${name} is not in ${dir}/.env`);
  return line.slice(name.length + 1).replace(/^'(.*)'$/, '$1');
};

// --- the tests -----------------------------------------------------------------------------------------------

describe.sequential('berth install on a real Docker engine', () => {
  test(
    'brings the stack up: init completed, web healthy and serving the page, compose progress shown and logged',
    async () => {
      await requireEngine();
      const stack = await newStack();
      const result = await install(stack);
      expect(result.exitCode, text(result)).toBe(0);
      const stdout = String(result.stdout);
      expect(stdout).toContain('Starting the stack (docker compose up -d --wait)');
      // berth's progress lines (no terminal: one plain line per state change) …
      expect(stdout).toMatch(/\] init: completed\n/);
      expect(stdout).toMatch(/\] web: healthy\n/);
      // … and compose's own lines in the log.
      expect(newestUpLog(stack.dir)).toMatch(new RegExp(`Container ${stack.project}-web-1\\s+Healthy`));
      expect(stdout).toContain(`http://127.0.0.1:${stack.port}/`);

      expectUp(await composePs(stack.dir));
      const { status, body } = await page(stack.port);
      expect(status).toBe(200);
      expect(body).toContain('<h1>Hello from berth</h1>');

      const logDir = path.join(stack.dir, '.berth/logs');
      const logs = readdirSync(logDir).filter((f) => /^up-.*\.log$/.test(f));
      expect(logs).toHaveLength(1);
      expect(readFileSync(path.join(logDir, logs[0]!), 'utf8')).toMatch(/web-1\s+Healthy/);

      // The secret reached init (it exits 1 otherwise) and was printed nowhere.
      const secret = dotenvValue(stack.dir, 'APP_SECRET');
      expect(secret.length).toBeGreaterThanOrEqual(32);
      const initLogs = await docker(['compose', 'logs', '--no-color', 'init'], stack.dir);
      expect(String(initLogs.stdout)).toContain('init: page written, secret present');
      for (const output of [result.stdout, result.stderr, initLogs.stdout, initLogs.stderr]) {
        expect(String(output)).not.toContain(secret);
      }
    },
    TEST_TIMEOUT,
  );

  test(
    're-running with the same answers changes nothing: no write, no `up`, the same containers',
    async () => {
      await requireEngine();
      const stack = await newStack();
      const first = await install(stack);
      expect(first.exitCode, text(first)).toBe(0);
      const before = await composePs(stack.dir);
      const secret = dotenvValue(stack.dir, 'APP_SECRET');

      const log = newestUpLog(stack.dir);
      const plan = await berth(['plan', '--dir', stack.dir, '--json']);
      expect(plan.exitCode, text(plan)).toBe(0);
      expect(JSON.parse(String(plan.stdout))).toMatchObject({ changed: false, secretsAdded: [], hooks: [] });
      const again = await install(stack);
      expect(again.exitCode, text(again)).toBe(0);
      // Nothing to change: berth says so and runs no `up` at all (no new bring-up log).
      expect(String(again.stdout)).toContain(
        '✔ No change: the files and containers already are what these answers make.',
      );
      expect(String(again.stdout)).not.toContain('Starting the stack');
      expect(newestUpLog(stack.dir)).toBe(log);
      // With --json, the one event a program waits for says so.
      const json = await install(stack, '--json');
      expect(json.exitCode, text(json)).toBe(0);
      expect(
        String(json.stdout)
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      ).toEqual([
        {
          type: 'done',
          ok: true,
          changed: false,
          elapsed: 0,
          services: { init: 'unchanged', web: 'unchanged' },
        },
      ]);
      const after = await composePs(stack.dir);
      expectUp(after);
      expect(after.web!.ID).toBe(before.web!.ID);
      expect(after.init!.ID).toBe(before.init!.ID);
      expect(dotenvValue(stack.dir, 'APP_SECRET')).toBe(secret);
      expect((await page(stack.port)).body).toContain('<h1>Hello from berth</h1>');
    },
    TEST_TIMEOUT,
  );

  test(
    'a new --greeting recreates web and reaches the page verbatim',
    async () => {
      await requireEngine();
      const stack = await newStack();
      const first = await install(stack);
      expect(first.exitCode, text(first)).toBe(0);
      const before = await composePs(stack.dir);

      // `$` and `&` must arrive as typed: not expanded by compose's .env or compose.yaml interpolation.
      const greeting = 'Ahoy $USER & crew';

      // berth plan first: the .env line that changes (the secret masked), what compose recreates; nothing written.
      const envBefore = readFileSync(path.join(stack.dir, '.env'), 'utf8');
      const secret = dotenvValue(stack.dir, 'APP_SECRET');
      const plan = await berth(['plan', '--dir', stack.dir, '--greeting', greeting]);
      expect(plan.exitCode, text(plan)).toBe(0);
      const shown = String(plan.stdout);
      expect(shown).toMatch(/greeting +"Ahoy \$USER & crew" +\[flag; was "Hello from berth"\]/);
      expect(shown).toMatch(/^ {2}update +\.env$/m);
      expect(shown).toMatch(/^ {4}-GREETING=.*Hello from berth/m);
      expect(shown).toMatch(/^ {4}\+GREETING=.*Ahoy/m);
      expect(shown).toMatch(/^ {2}recreate web$/m);
      expect(shown).not.toContain(secret);
      expect(readFileSync(path.join(stack.dir, '.env'), 'utf8')).toBe(envBefore);
      const json = await berth(['plan', '--dir', stack.dir, '--greeting', greeting, '--json']);
      const planned = JSON.parse(String(json.stdout)) as {
        changed: boolean;
        services: { name: string; action: string }[];
      };
      expect(planned.changed).toBe(true);
      expect(planned.services).toContainEqual({ name: 'web', action: 'recreate' });
      expect(String(json.stdout)).not.toContain(secret);

      const second = await install(stack, '--greeting', greeting);
      expect(second.exitCode, text(second)).toBe(0);
      // Unattended, the same plan is printed before anything is written: the record of what this run changed.
      const said = String(second.stdout);
      expect(said).toMatch(/What this reconfigure changes:\nFiles:\n {2}update +\.env\n/);
      expect(said).toMatch(/^ {4}\+GREETING=.*Ahoy/m);
      expect(said).toMatch(/^ {2}recreate web\n[\s\S]*✔ Wrote 2 file\(s\)/m);
      expect(said).not.toContain(secret);
      expect(newestUpLog(stack.dir)).toMatch(new RegExp(`Container ${stack.project}-web-1\\s+Recreated`));
      const after = await composePs(stack.dir);
      expectUp(after);
      expect(after.web!.ID).not.toBe(before.web!.ID);
      expect((await page(stack.port)).body).toContain(`<h1>${greeting}</h1>`);
    },
    TEST_TIMEOUT,
  );

  test(
    'an unhealthy service: exit 5, compose’s "is unhealthy" line and the log path on stderr',
    async () => {
      await requireEngine();
      const stack = await newStack();
      const result = await install(stack, '--health-path', '/missing.html', '--wait-timeout', '20');
      expect(result.exitCode, text(result)).toBe(5);
      const stderr = String(result.stderr);
      // Diagnosed: the service, the cause in words, and its last health check output. Found by the healthcheck
      // (failures a second apart); running out the 20 s wait would be diagnosed as a timeout instead.
      expect(stderr).toMatch(
        /✖ web is unhealthy: its health check failed \d+ times: wget: server returned error: HTTP\/1.1 404 Not Found/,
      );
      expect(stderr).toContain('Last health check output:');
      expect(stderr).toMatch(/Last \d+ log lines of web:\n\s+\[::ffff:127\.0\.0\.1\]:\d+: response:404/);
      const logPath =
        /Full logs: (\.berth\/logs\/up-[^ ]+\.log) and (\.berth\/logs\/web-[^ ]+\.log) in /.exec(stderr);
      expect(logPath, stderr).not.toBeNull();
      expect(readFileSync(path.join(stack.dir, logPath![1]!), 'utf8')).toContain(
        `container ${stack.project}-web-1 is unhealthy`,
      );
      expect(readFileSync(path.join(stack.dir, logPath![2]!), 'utf8')).toContain('response:404');

      const ps = await composePs(stack.dir);
      expect(ps.init).toMatchObject({ State: 'exited', ExitCode: 0 });
      expect(ps.web).toMatchObject({ Health: 'unhealthy' });
    },
    TEST_TIMEOUT,
  );

  test(
    'a port taken on this machine: install refuses before writing (exit 6); with --skip-checks compose fails and berth names the holder',
    async () => {
      await requireEngine();
      const stack = await newStack();
      const listener = net.createServer();
      await new Promise<void>((resolve) => listener.listen(stack.port, '127.0.0.1', resolve));
      try {
        const refused = await install(stack);
        expect(refused.exitCode, text(refused)).toBe(6);
        expect(String(refused.stderr)).toContain(
          'problem(s) on this machine block this install. Nothing was written.',
        );
        expect(String(refused.stderr)).toMatch(new RegExp(`${stack.port}.*node \\(pid ${process.pid}\\)`));
        expect(existsSync(stack.dir)).toBe(false);

        const forced = await install(stack, '--skip-checks', '--wait-timeout', '30');
        expect(forced.exitCode, text(forced)).toBe(5);
        const stderr = String(forced.stderr);
        expect(stderr).toContain(
          `web cannot publish port ${stack.port}: 127.0.0.1:${stack.port} is already in use by node (pid ${process.pid}).`,
        );
        expect(stderr).toContain(`node (pid ${process.pid})`);
      } finally {
        await new Promise<void>((resolve) => listener.close(() => resolve()));
      }
    },
    TEST_TIMEOUT,
  );

  test(
    'without docker on PATH: install exits 5 before writing anything; render still works',
    async () => {
      const stack = await newStack(false);
      const emptyBin = path.join(root, `no-docker-${process.pid}`);
      mkdirSync(emptyBin, { recursive: true });
      const env = { PATH: emptyBin };

      const result = await berth(
        ['install', '--recipe', FIXTURE, '--dir', stack.dir, '--yes', '--web-port', String(stack.port)],
        { env },
      );
      expect(result.exitCode, text(result)).toBe(5);
      expect(String(result.stderr)).toMatch(/Docker Compose v2 \(`docker compose`\) is not available/);
      expect(String(result.stderr)).toContain('berth render');
      expect(existsSync(stack.dir)).toBe(false);

      const rendered = await berth(
        ['render', '--recipe', FIXTURE, '--dir', stack.dir, '--yes', '--web-port', String(stack.port)],
        { env },
      );
      expect(rendered.exitCode, text(rendered)).toBe(0);
      expect(String(rendered.stdout)).toContain('docker compose not found: `docker compose config` skipped');
      for (const file of ['compose.yaml', '.env', 'berth.yaml'])
        expect(existsSync(path.join(stack.dir, file))).toBe(true);
      expect(dotenvValue(stack.dir, 'WEB_PORT')).toBe(String(stack.port));
    },
    TEST_TIMEOUT,
  );
});
