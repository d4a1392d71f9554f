// End to end on a real Docker engine: the commands that manage an install (`berth status`, `logs`, `down`,
// `uninstall`), reconfiguring an install, and the rollback of a reconfigure that does not come up. Every berth
// call runs the built bundle as a user would; results are checked with plain `docker` in the install folder
// and an HTTP request to the published port.
//
// Needs a Docker engine, Compose v2 and the local image berth-test/busybox:1: scripts/setup-test-engine.sh sets
// all three up. Nothing is pulled. Without an engine these tests fail (they never skip).
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { berth } from '../helpers.js';
import {
  composePs,
  docker,
  requireEngine,
  text,
  useStacks,
  volumesOf,
  type PsEntry,
  engineStackInstall,
  ENGINE_STACK,
} from './harness.js';

const TEST_TIMEOUT = 120_000;

const { root, newStack } = useStacks('mng');
type Stack = Awaited<ReturnType<typeof newStack>>;

// --- reading the result --------------------------------------------------------------------------------------

async function page(port: number, urlPath = '/'): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.text() };
}

const install = (stack: Stack, ...extra: string[]) => berth([...engineStackInstall(stack), ...extra]);

async function installed(stack: Stack, ...extra: string[]): Promise<Record<string, PsEntry>> {
  const result = await install(stack, ...extra);
  expect(result.exitCode, text(result)).toBe(0);
  const ps = await composePs(stack.dir);
  expectUp(ps);
  return ps;
}

function expectUp(ps: Record<string, PsEntry>): void {
  expect(ps.web, JSON.stringify(ps)).toMatchObject({ State: 'running', Health: 'healthy' });
  expect(ps.init, JSON.stringify(ps)).toMatchObject({ State: 'exited', ExitCode: 0 });
}

/** compose may erase the line (ESC[2K) before each log line even without a terminal. */
// eslint-disable-next-line no-control-regex
const plain = (s: unknown): string => String(s).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
const lines = (s: unknown): string[] => plain(s).split('\n').filter(Boolean);

const answersIn = (dir: string): Record<string, unknown> =>
  (parseYaml(readFileSync(path.join(dir, 'berth.yaml'), 'utf8')) as { answers: Record<string, unknown> })
    .answers;

const dotenvValue = (dir: string, name: string): string => {
  const line = readFileSync(path.join(dir, '.env'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`${name} is not in ${dir}/.env`);
  return line.slice(name.length + 1).replace(/^'(.*)'$/, '$1');
};

/** The healthcheck command the engine runs for a container (what compose.yaml said when it was created). */
async function healthTest(id: string, cwd: string): Promise<string> {
  const result = await docker(['inspect', '--format', '{{json .Config.Healthcheck.Test}}', id], cwd);
  expect(result.exitCode, text(result)).toBe(0);
  return String(result.stdout);
}

// --- the tests -----------------------------------------------------------------------------------------------

describe.sequential('managing an install on a real Docker engine', () => {
  test(
    'berth status: ✔ per service and the URLs, --json, a stopped service (exit 1), no engine (5), no install (2)',
    async () => {
      await requireEngine();
      const stack = await newStack();
      await installed(stack);

      const status = await berth(['status', '--dir', stack.dir]);
      expect(status.exitCode, text(status)).toBe(0);
      const out = plain(status.stdout);
      const serviceLines = lines(out).filter((l) => /^\s+[✔✖] /.test(l));
      expect(serviceLines, out).toHaveLength(2);
      expect(out).toMatch(/^\s+✔ web\s+running, healthy$/m);
      expect(out).toMatch(/^\s+✔ init\s+completed \(one-shot\)$/m);
      expect(out).toContain('All services are up.');
      expect(out).toContain(`Page: http://127.0.0.1:${stack.port}/`);
      expect(out).toContain(`(compose project ${stack.project})`);

      const json = await berth(['status', '--dir', stack.dir, '--json']);
      expect(json.exitCode, text(json)).toBe(0);
      const doc = JSON.parse(String(json.stdout)) as Record<string, unknown>;
      expect(doc).toMatchObject({ dir: stack.dir, project: stack.project, recipe: 'engine-stack', ok: true });
      expect(doc.services).toEqual(
        expect.arrayContaining([
          { name: 'web', oneshot: false, state: 'running', health: 'healthy', exitCode: null, ok: true },
          { name: 'init', oneshot: true, state: 'exited', health: '', exitCode: 0, ok: true },
        ]),
      );
      expect(doc.services).toHaveLength(2);
      expect(doc.urls).toEqual([{ label: 'Page', url: `http://127.0.0.1:${stack.port}/` }]);

      // web stopped behind berth's back (restart: unless-stopped keeps it stopped).
      const { web } = await composePs(stack.dir);
      const stop = await docker(['stop', '-t', '2', web!.ID], stack.dir);
      expect(stop.exitCode, text(stop)).toBe(0);
      const stopped = await berth(['status', '--dir', stack.dir]);
      expect(stopped.exitCode, text(stopped)).toBe(1);
      expect(plain(stopped.stdout)).toMatch(/^\s+✖ web\s+stopped: exited with code \d+$/m);
      expect(plain(stopped.stdout)).toMatch(/^\s+✔ init\s+completed \(one-shot\)$/m);
      expect(plain(stopped.stdout)).toContain('1 service(s) need attention');
      const stoppedJson = await berth(['status', '--dir', stack.dir, '--json']);
      expect(stoppedJson.exitCode, text(stoppedJson)).toBe(1);
      expect(JSON.parse(String(stoppedJson.stdout))).toMatchObject({ ok: false });

      // The engine out of reach.
      const noEngine = await berth(['status', '--dir', stack.dir], {
        env: { DOCKER_HOST: 'unix:///nonexistent.sock' },
      });
      expect(noEngine.exitCode, text(noEngine)).toBe(5);
      expect(String(noEngine.stderr)).toContain('The Docker engine cannot be reached.');

      // A folder without an install.
      const empty = path.join(root, `empty-${process.pid}`);
      mkdirSync(empty, { recursive: true });
      const none = await berth(['status', '--dir', empty]);
      expect(none.exitCode, text(none)).toBe(2);
      expect(String(none.stderr)).toContain(`There is no berth install in ${empty}.`);
      expect(readdirSync(empty)).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  test(
    'a one-shot job that fails: install exits 5 naming the job, its exit code and log tail; status says so (exit 1)',
    async () => {
      await requireEngine();
      const stack = await newStack();
      const result = await install(stack, '--init-exit-code', '3', '--wait-timeout', '60');
      expect(result.exitCode, text(result)).toBe(5);
      expect(plain(result.stdout)).toMatch(/\] init: failed \(exit 3\)\n/);
      expect(plain(result.stdout)).toMatch(/\] failed: init \(exit 3\)$/);
      const stderr = plain(result.stderr);
      expect(stderr).toContain(
        '✖ web could not start: init, which it depends on, did not complete successfully (exited with code 3).',
      );
      expect(stderr).toMatch(
        /Last \d+ log lines of init:\n(\s+.*\n)*\s+init: failing on purpose with exit code 3\n/,
      );
      expect(stderr).toMatch(/Full log: \.berth\/logs\/init-\S+\.log/);
      const ps = await composePs(stack.dir);
      expect(ps.init, JSON.stringify(ps)).toMatchObject({ State: 'exited', ExitCode: 3 });

      const status = await berth(['status', '--dir', stack.dir]);
      expect(status.exitCode, text(status)).toBe(1);
      const out = plain(status.stdout);
      expect(out).toMatch(/^\s+✖ init\s+failed: exited with code 3 \(one-shot\)$/m);
      expect(out).toMatch(/^\s+✖ web\s+(not created|created)$/m);
      expect(out).toContain('2 service(s) need attention: berth logs <service> shows why.');

      const json = await berth(['status', '--dir', stack.dir, '--json']);
      expect(json.exitCode, text(json)).toBe(1);
      const doc = JSON.parse(String(json.stdout)) as { ok: boolean; services: unknown[] };
      expect(doc.ok).toBe(false);
      expect(doc.services).toContainEqual({
        name: 'init',
        oneshot: true,
        state: 'exited',
        health: '',
        exitCode: 3,
        ok: false,
      });
    },
    TEST_TIMEOUT,
  );

  // One install for the tests below, in this order: each leaves it up for the next, with the answers it says
  // (the greeting, the health path) — a reconfigure, a rollback and down/install again all start from a stack
  // that already runs, as they do for a user. uninstall, which takes it away, comes last.
  describe.sequential('one install, managed in turn', () => {
    let stack: Stack;
    beforeAll(async () => {
      await requireEngine();
      stack = await newStack(true, true);
      await installed(stack);
    }, TEST_TIMEOUT);

    test(
      'berth logs: one service’s lines only; --tail 1 prints at most one line',
      async () => {
        expect((await page(stack.port)).status).toBe(200); // one more request line in web's log

        const web = await berth(['logs', '--dir', stack.dir, 'web']);
        expect(web.exitCode, text(web)).toBe(0);
        // Piped, berth drops the terminal escapes compose writes before each line.
        expect(String(web.stdout)).not.toContain('\x1b');
        const webLines = lines(web.stdout);
        expect(webLines.length, text(web)).toBeGreaterThan(0);
        expect(webLines.some((l) => /^web-1\s+\| \[::ffff:127\.0\.0\.1\]:\d+: response:200$/.test(l))).toBe(
          true,
        );
        for (const line of webLines) expect(line).toMatch(/^web-1\s+\|/);
        expect(plain(web.stdout)).not.toContain('init: page written');

        const init = await berth(['logs', '--dir', stack.dir, '--tail', '1', 'init']);
        expect(init.exitCode, text(init)).toBe(0);
        const initLines = lines(init.stdout);
        expect(initLines.length, text(init)).toBeLessThanOrEqual(1);
        expect(initLines[0]).toMatch(/^init-1\s+\| init: page written, secret present$/);
      },
      TEST_TIMEOUT,
    );

    test(
      "the port this install's own stack publishes: no warning on a reconfigure, doctor passes it; another folder is warned",
      async () => {
        const again = await install(stack, '--greeting', 'Hello again');
        expect(again.exitCode, text(again)).toBe(0);
        expect(String(again.stderr)).not.toContain(`Port ${stack.port}`);

        type Report = { checks: { id: string; status: string; detail: string }[] };
        const doctor = async (dir: string) => {
          const r = await berth([
            'doctor',
            '--json',
            '--recipe',
            ENGINE_STACK,
            '--dir',
            dir,
            '--web-port',
            String(stack.port),
          ]);
          return (JSON.parse(String(r.stdout)) as Report).checks.find((c) => c.id === `port-${stack.port}`);
        };
        expect(await doctor(stack.dir)).toMatchObject({
          status: 'pass',
          detail: "published by this install's own stack",
        });
        expect(await doctor(path.join(root, 'another-folder'))).toMatchObject({
          status: 'warn',
          detail: expect.stringMatching(/^taken by a container/) as string,
        });
      },
      TEST_TIMEOUT,
    );

    test(
      'a new --health-path recreates web only: init keeps its container',
      async () => {
        const before = await composePs(stack.dir);
        expectUp(before);
        expect((await page(stack.port, '/index.html')).status).toBe(200); // the page init writes

        const after = await installed(stack, '--health-path', '/index.html');
        expect(after.web!.ID).not.toBe(before.web!.ID);
        expect(after.init!.ID).toBe(before.init!.ID);
        expect(after.init!.ExitCode).toBe(0);
        expect(await healthTest(after.web!.ID, stack.dir)).toContain('http://127.0.0.1:80/index.html');
        expect(answersIn(stack.dir).health_path).toBe('/index.html');
      },
      TEST_TIMEOUT,
    );

    test(
      'a container compose left renamed by a recreate cut short is removed, and the reconfigure comes up',
      async () => {
        // What a `docker compose up` stopped mid-recreate leaves: the old container renamed to <id>_<name>.
        const id = String((await docker(['compose', 'ps', '-a', '-q', 'init'], stack.dir)).stdout)
          .trim()
          .slice(0, 12);
        const renamed = await docker(
          ['rename', `${stack.project}-init-1`, `${id}_${stack.project}-init-1`],
          stack.dir,
        );
        expect(renamed.exitCode, text(renamed)).toBe(0);
        const again = await install(stack, '--greeting', 'After an interrupted recreate');
        expect(again.exitCode, text(again)).toBe(0);
        expectUp(await composePs(stack.dir));
        expect((await page(stack.port)).body).toContain('After an interrupted recreate');
        const left = await docker(
          ['ps', '-a', '--filter', `name=${id}_`, '--format', '{{.Names}}'],
          stack.dir,
        );
        expect(String(left.stdout).trim()).toBe('');
        const logs = readdirSync(path.join(stack.dir, '.berth', 'logs')).map((f) =>
          readFileSync(path.join(stack.dir, '.berth', 'logs', f), 'utf8'),
        );
        expect(logs.join('\n')).toContain(
          `berth: removing ${id}_${stack.project}-init-1, left by an interrupted recreate`,
        );
      },
      TEST_TIMEOUT,
    );

    test(
      'a reconfigure whose one-shot never completes: exit 5 naming the job, rolled back, the previous stack runs',
      async () => {
        const greeting = dotenvValue(stack.dir, 'GREETING');
        const failed = await install(stack, '--init-wait', '3600', '--wait-timeout', '8');
        expect(failed.exitCode, text(failed)).toBe(5);
        const stderr = String(failed.stderr);
        expect(stderr).toContain(
          'web could not start: init, which it depends on, was still running after 8 s',
        );
        expect(stderr).toContain('The previous configuration was restored and is running again.');
        expect(dotenvValue(stack.dir, 'INIT_WAIT')).toBe('0');
        const ps = await composePs(stack.dir);
        expectUp(ps);
        expect((await page(stack.port)).body).toContain(`<h1>${greeting}</h1>`);
      },
      TEST_TIMEOUT,
    );

    test(
      'berth down: containers gone, the volume and the files kept; berth install brings it back',
      async () => {
        const greeting = dotenvValue(stack.dir, 'GREETING');
        const files = ['compose.yaml', 'compose.override.yaml', '.env', 'berth.yaml', '.berth/state.json'];
        const before = Object.fromEntries(
          files.map((f) => [f, readFileSync(path.join(stack.dir, f), 'utf8')]),
        );

        const result = await berth(['down', '--dir', stack.dir]);
        expect(result.exitCode, text(result)).toBe(0);
        expect(String(result.stdout)).toContain(`Stopped ${stack.project}.`);
        expect(await composePs(stack.dir)).toEqual({});
        expect(await volumesOf(stack.project)).toEqual([`${stack.project}_site`]);
        for (const f of files) expect(readFileSync(path.join(stack.dir, f), 'utf8'), f).toBe(before[f]);

        // The restart hint berth printed works as written: answers (port included) and the recipe's folder
        // come from the install folder.
        expect(String(result.stdout)).toContain(`start again with berth install --dir ${stack.dir} --yes.`);
        const again = await berth(['install', '--dir', stack.dir, '--yes']);
        expect(again.exitCode, text(again)).toBe(0);
        expectUp(await composePs(stack.dir));
        expect((await page(stack.port)).body).toContain(`<h1>${greeting}</h1>`);
      },
      TEST_TIMEOUT,
    );

    test(
      'a reconfigure that does not come up is rolled back; --no-rollback keeps it',
      async () => {
        // The --health-path /index.html answered above (a new --health-path …), up and healthy.
        expectUp(await composePs(stack.dir));
        expect(answersIn(stack.dir).health_path).toBe('/index.html');
        const backups = path.join(stack.dir, '.berth/backups');
        const undoneBefore = readdirSync(backups).filter((name) => name.endsWith('-undone'));

        const failed = await install(stack, '--health-path', '/missing.html', '--wait-timeout', '20');
        expect(failed.exitCode, text(failed)).toBe(5);
        expect(String(failed.stderr)).toContain(
          'The previous configuration was restored and is running again.',
        );
        expect(String(failed.stdout)).toMatch(/Rolling back: restoring the previous configuration/);
        // The folder holds the previous answers again …
        expect(answersIn(stack.dir).health_path).toBe('/index.html');
        expect(dotenvValue(stack.dir, 'HEALTH_PATH')).toBe('/index.html');
        // … and the files that failed are kept aside.
        const undone = readdirSync(backups).filter(
          (name) => name.endsWith('-undone') && !undoneBefore.includes(name),
        );
        expect(undone, readdirSync(backups).join(', ')).toHaveLength(1);
        expect(String(failed.stderr)).toContain(`.berth/backups/${undone[0]!}/`);
        expect(answersIn(path.join(backups, undone[0]!)).health_path).toBe('/missing.html');
        expect(dotenvValue(path.join(backups, undone[0]!), 'HEALTH_PATH')).toBe('/missing.html');
        // The previous configuration runs.
        const ps = await composePs(stack.dir);
        expectUp(ps);
        expect(await healthTest(ps.web!.ID, stack.dir)).toContain('http://127.0.0.1:80/index.html');
        expect((await page(stack.port)).body).toContain(`<h1>${dotenvValue(stack.dir, 'GREETING')}</h1>`);

        const kept = await install(
          stack,
          '--health-path',
          '/missing.html',
          '--wait-timeout',
          '20',
          '--no-rollback',
        );
        expect(kept.exitCode, text(kept)).toBe(5);
        expect(`${String(kept.stdout)}\n${String(kept.stderr)}`).not.toMatch(/restor|rolling back/i);
        expect(answersIn(stack.dir).health_path).toBe('/missing.html');
        expect(dotenvValue(stack.dir, 'HEALTH_PATH')).toBe('/missing.html');
        const failedPs = await composePs(stack.dir);
        expect(failedPs.web).toMatchObject({ Health: 'unhealthy' });
        expect(await healthTest(failedPs.web!.ID, stack.dir)).toContain('http://127.0.0.1:80/missing.html');
      },
      TEST_TIMEOUT,
    );

    test(
      'berth uninstall keeps data; --purge needs a terminal or --yes, then deletes exactly the volume and folder',
      async () => {
        const volume = `${stack.project}_site`;

        const result = await berth(['uninstall', '--dir', stack.dir]);
        expect(result.exitCode, text(result)).toBe(0);
        expect(String(result.stdout)).toContain(`Kept your data: volumes ${volume} and ${stack.dir}`);
        expect(await composePs(stack.dir)).toEqual({});
        expect(await volumesOf(stack.project)).toEqual([volume]);
        expect(existsSync(path.join(stack.dir, '.env'))).toBe(true);

        const refused = await berth(['uninstall', '--dir', stack.dir, '--purge']);
        expect(refused.exitCode, text(refused)).toBe(2);
        expect(String(refused.stderr)).toContain('no terminal to confirm');
        expect(await volumesOf(stack.project)).toEqual([volume]);
        expect(existsSync(path.join(stack.dir, '.env'))).toBe(true);
        expect(existsSync(path.join(stack.dir, 'berth.yaml'))).toBe(true);

        const purged = await berth(['uninstall', '--dir', stack.dir, '--purge', '--yes']);
        expect(purged.exitCode, text(purged)).toBe(0);
        const listed = lines(purged.stdout)
          .filter((l) => l.startsWith('  - '))
          .map((l) => l.slice(4));
        expect(listed).toHaveLength(2);
        expect(listed[0]).toBe(`volume ${volume}`);
        expect(listed[1]).toMatch(
          new RegExp(`^folder ${stack.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(`),
        );
        expect(await volumesOf(stack.project)).toEqual([]);
        expect(existsSync(stack.dir)).toBe(false);
      },
      TEST_TIMEOUT,
    );
  });
});
