// ./install.sh from a checkout does the whole set-up on a fresh machine (the fresh-VM container, with a copy of
// the checkout mounted at the same path): with no Node.js on PATH it downloads the private copy, checks it and
// builds with it; with no docker command, --install-docker installs it from Debian's packages; with the engine
// installed but stopped and no systemd (a container, like WSL2 without systemd), it asks on the terminal, starts
// dockerd in the background with its log in berth's folder, and the wizard's checklist shows the engine ready.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers.js';
import {
  FRESH_VM_BOOKWORM_IMAGE,
  removeVm,
  requireFreshVm,
  runVm,
  shellQuote,
  startReleaseServer,
  vmArgs,
  type ReleaseServer,
} from './fresh-vm.js';
import { tmuxSession } from '../tmux.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'berth-installsh-checkout-'));
const { tmux, waitFor } = tmuxSession(`berth-checkout-${process.pid}`, 'vm');
const names: string[] = [];
let server: ReleaseServer;
let vms = 0;
/** A copy of the checkout as `git clone` gives it: tracked files only, no dist/, no node_modules/. */
let fresh: string;
/** The same with the bundle already built (newer than every source), for the tests about Docker. */
let built: string;

/** The tracked files of this checkout, copied to `dest` (what a clone holds). */
async function copyCheckout(dest: string): Promise<string> {
  mkdirSync(dest, { recursive: true });
  await execa('sh', [
    '-c',
    'cd "$1" && git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$2"',
    'sh',
    repoRoot,
    dest,
  ]);
  return dest;
}

beforeAll(async () => {
  await requireFreshVm();
  await requireFreshVm(FRESH_VM_BOOKWORM_IMAGE);
  server = await startReleaseServer(root);
  fresh = await copyCheckout(path.join(root, 'fresh'));
  built = await copyCheckout(path.join(root, 'built'));
  // Copied now, so it is newer than the sources copied with their own times: install.sh does not rebuild it.
  cpSync(path.join(repoRoot, 'dist/berth.mjs'), path.join(built, 'dist/berth.mjs'));
}, 180_000);
afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});
afterEach(async () => {
  await tmux('kill-server');
  for (const name of names.splice(0)) await removeVm(name);
});

function vm(): { name: string; home: string } {
  const name = `berth-installsh-checkout-${process.pid}-${++vms}`;
  names.push(name);
  const home = path.join(root, `home-${vms}`);
  mkdirSync(home);
  return { name, home };
}

/** The Node.js running these tests, lent to the VM on PATH (the Docker tests are not about Node.js). */
const lentNode = `${realpathSync(process.execPath)}:/usr/local/bin/node:ro`;
const KEY = `sk-test-${'e5F6'.repeat(8)}`;
const writeKey = `printf '%s\\n' ${shellQuote(KEY)} >/root/key && chmod 600 /root/key`;

describe.sequential('./install.sh from a checkout on a fresh machine', () => {
  test('no Node.js on PATH: downloads the private Node.js, builds the checkout with it, installs', async () => {
    const { name, home } = vm();
    const stack = path.join(root, 'stack-node');
    const npmCache = String((await execa('npm', ['config', 'get', 'cache'])).stdout).trim();
    const { exitCode, output } = await runVm(
      {
        name,
        shared: root,
        home,
        withDocker: true,
        mounts: [`${npmCache}:/npm-cache`],
        env: {
          BERTH_NODE_BASE_URL: server.nodeBaseUrl,
          BERTH_NODE_VERSION: process.version,
          // The packages come from the npm cache this machine's own `npm ci` filled: no traffic leaves it.
          npm_config_cache: '/npm-cache',
          npm_config_offline: 'true',
          npm_config_update_notifier: 'false',
        },
        script: [
          'command -v node && exit 9',
          writeKey,
          `cd ${shellQuote(fresh)}`,
          `./install.sh --yes --no-start --recipe magec --mode openai --openai-api-key-file /root/key --dir ${shellQuote(stack)}`,
        ].join('\n'),
      },
      300_000,
    );
    expect(exitCode, output).toBe(0);
    expect(output).toContain(`no Node.js 20+ on PATH: downloading Node.js ${process.version}`);
    expect(output).toContain(
      `using Node.js ${process.version}, berth's own copy (/root/.local/share/berth/node/bin/node)`,
    );
    expect(output).toContain('building berth from this checkout');
    expect(existsSync(path.join(home, '.local/share/berth/node/bin/node'))).toBe(true);
    expect(existsSync(path.join(fresh, 'dist/berth.mjs'))).toBe(true);
    expect(existsSync(path.join(stack, 'compose.yaml'))).toBe(true);
    expect(server.requests).toContain(`/node/${process.version}/SHASUMS256.txt`);
  }, 320_000);

  test('no docker command: --install-docker installs it and Compose v2 from Debian, then berth runs', async () => {
    const { name, home } = vm();
    const stack = path.join(root, 'stack-cli');
    const { exitCode, output } = await runVm(
      {
        name,
        shared: root,
        home,
        mounts: [lentNode],
        script: [
          'command -v docker && exit 9',
          writeKey,
          `cd ${shellQuote(built)}`,
          `./install.sh --install-docker --yes --no-start --recipe magec --mode openai --openai-api-key-file /root/key --dir ${shellQuote(stack)}`,
          'echo "EXIT=$? COMPOSE=$(docker compose version --short)"',
        ].join('\n'),
      },
      240_000,
    );
    expect(exitCode, output).toBe(0);
    expect(output).toContain('missing here: the docker command, Docker Compose v2');
    expect(output).toContain('apt-get install docker-cli docker-compose');
    expect(output).toMatch(/installed: Docker version \d+\.\d+/);
    expect(output).not.toContain('building berth');
    expect(output).toMatch(/EXIT=0 COMPOSE=2\.\d+/);
    expect(existsSync(path.join(stack, 'compose.yaml'))).toBe(true);
  }, 260_000);

  test('a fresh Debian 12 machine: --install-docker installs the engine and the CLI, Compose v2 from Debian 13, starts the engine', async () => {
    const { name, home } = vm();
    const { exitCode, output } = await runVm(
      {
        name,
        shared: root,
        home,
        image: FRESH_VM_BOOKWORM_IMAGE,
        socket: false,
        ownEngine: true,
        mounts: [lentNode],
        script: [
          'command -v docker && exit 9',
          writeKey,
          `cd ${shellQuote(built)}`,
          './install.sh --install-docker --yes --no-start --recipe magec --mode openai --openai-api-key-file /root/key --dir /tmp/stack',
          'echo "EXIT=$? ENGINE=$(docker info --format "{{.ServerVersion}}") COMPOSE=$(docker compose version --short)"',
          'test -f /tmp/stack/compose.yaml && echo RENDERED',
          // Debian 13 was read through a package list of install.sh's own: the system's sources never name it.
          'echo "TRIXIE-IN-SOURCES=$(grep -rs trixie /etc/apt/sources.list /etc/apt/sources.list.d | wc -l)"',
        ].join('\n'),
      },
      300_000,
    );
    expect(exitCode, output).toBe(0);
    expect(output).toContain('missing here: the Docker engine, the docker command, Docker Compose v2');
    expect(output).toContain('apt-get install docker.io');
    expect(output).toContain('installing docker-compose from Debian 13 (trixie)');
    expect(output).toMatch(/dpkg -i docker-compose_2\.\S+\.deb/);
    expect(output).toContain('starting the Docker engine in the background (no systemd)');
    expect(output).toMatch(/EXIT=0 ENGINE=20\.10\.\S+ COMPOSE=2\.\d+/);
    expect(output).toContain('RENDERED');
    expect(output).toContain('TRIXIE-IN-SOURCES=0');
  }, 320_000);

  test('engine installed but stopped, no systemd: asks, starts dockerd in the background; the wizard shows it ready', async () => {
    const { name, home } = vm();
    const script = [
      'export DEBIAN_FRONTEND=noninteractive',
      // The machine this test is about: Docker installed from Debian, its engine not running (nothing starts it).
      '{ apt-get update && apt-get install -y --no-install-recommends docker.io docker-cli docker-compose; } >/tmp/apt.log 2>&1 || { tail -n 20 /tmp/apt.log; exit 1; }',
      'docker info >/dev/null 2>&1 && echo "ENGINE-ALREADY-UP"',
      `cd ${shellQuote(built)}`,
      './install.sh --recipe magec --dir /tmp/stack',
      'echo "EXIT=$? ENGINE=$(docker info --format "{{.ServerVersion}}")"',
      'echo "LOGGED=$(grep -c "Daemon has completed initialization" /root/.local/share/berth/dockerd.log)"',
      'sleep 60',
    ].join('\n');
    const run = vmArgs({
      name,
      script,
      shared: root,
      home,
      tty: true,
      socket: false,
      ownEngine: true,
      mounts: [lentNode],
    });
    await tmux(
      'new-session',
      '-d',
      '-s',
      'vm',
      '-x',
      '150',
      '-y',
      '50',
      ['docker', ...run].map(shellQuote).join(' '),
    );

    const prompt = await waitFor('[y/N]', 180_000);
    expect(prompt).not.toContain('ENGINE-ALREADY-UP');
    expect(prompt).toContain('the Docker engine is installed but not running');
    expect(prompt).toContain('this machine does not run systemd');
    expect(prompt).toContain('start it now (setsid -f dockerd >>/root/.local/share/berth/dockerd.log 2>&1)?');
    await tmux('send-keys', '-t', 'vm', 'y', 'Enter');

    const welcome = await waitFor(
      /Docker engine\s+\S*\s*\d+\.\d+\.\d+\S* at unix:\/\/\/var\/run\/docker\.sock/,
      60_000,
    );
    expect(welcome).toContain('starting the Docker engine in the background (no systemd)');
    expect(welcome).toContain(
      'the Docker engine is running. Nothing here starts it after a reboot; start it again with: setsid -f dockerd',
    );
    // Ctrl-C in the wizard ends berth, not the engine it started.
    await tmux('send-keys', '-t', 'vm', 'C-c');
    const after = await waitFor(/LOGGED=\d+/);
    expect(after).toMatch(/EXIT=130 ENGINE=\d+\.\d+\.\d+/);
    expect(after).toContain('LOGGED=1');
    expect(readFileSync(path.join(home, '.local/share/berth/dockerd.log'), 'utf8')).toContain(
      'API listen on',
    );
  }, 300_000);
});
