// install.sh as users run it, `curl -fsSL <release>/install.sh | bash -s -- …`, in a fresh VM (minimal Debian,
// no Node.js; test/install-sh/fresh-vm.ts) against a local release server: the unattended install of magec ends
// healthy on the host's engine with a `berth` command left for later; without a terminal, missing answers end
// in berth's own exit-2 message; a tampered bundle, a truncated install.sh or a missing Docker without consent
// install nothing.
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { composePs, freePort, MAGEC_TEST_IMAGES, useStacks } from '../engine/harness.js';
import { repoRoot } from '../helpers.js';
import {
  curlPipeBash,
  removeVm,
  requireFreshVm,
  runVm,
  startReleaseServer,
  type ReleaseServer,
  type VmOptions,
} from './fresh-vm.js';

const TEST_TIMEOUT = 180_000;
const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
};
const { root, newStack } = useStacks('installsh');
let server: ReleaseServer;
let vms = 0;
const names: string[] = [];

beforeAll(async () => {
  await requireFreshVm();
  server = await startReleaseServer(root);
}, 120_000);
afterAll(() => server?.close());
afterEach(async () => {
  for (const name of names.splice(0)) await removeVm(name);
});

/** A fresh VM with its own empty home; the release server's Node.js is the one install.sh downloads. */
function vm(script: string, extra: Partial<VmOptions> = {}): VmOptions & { home: string } {
  const name = `berth-installsh-${process.pid}-${++vms}`;
  names.push(name);
  const home = path.join(root, `home-${vms}`);
  mkdirSync(home);
  return {
    name,
    script,
    shared: root,
    home,
    env: { BERTH_NODE_BASE_URL: server.nodeBaseUrl, BERTH_NODE_VERSION: process.version },
    withDocker: true,
    ...extra,
  };
}

const installSh = () => `${server.releaseUrl}/install.sh`;
/** What install.sh leaves in root's home and /usr/local/bin; printed by the VM script's last line. */
const LEFT_BEHIND = 'echo "BERTH_COMMAND=$(ls /usr/local/bin/berth 2>/dev/null)"';
const requestsSince = (start: number) => server.requests.slice(start);

describe.sequential('curl | bash in a fresh VM', () => {
  test(
    'unattended: Node.js downloaded and verified, magec (openai) healthy on the host engine, berth installed',
    async () => {
      const stack = await newStack();
      const keyFile = path.join(root, `openai-key-${stack.project}`);
      writeFileSync(keyFile, `sk-test-${'c3D4'.repeat(8)}\n`, { mode: 0o600 });
      const script = [
        curlPipeBash(installSh(), [
          '--yes',
          '--recipe',
          'magec',
          '--mode',
          'openai',
          '--openai-api-key-file',
          keyFile,
          '--dir',
          stack.dir,
          '--wait-timeout',
          '100',
          '--magec-port',
          String(stack.port),
          '--admin-port',
          String(await freePort()),
          ...MAGEC_TEST_IMAGES,
        ]),
        'echo "EXIT=$?"',
        `berth status --dir '${stack.dir}'`,
        'echo "STATUS_EXIT=$?"',
      ].join('\n');
      const options = vm(script);
      const start = server.requests.length;
      const { output } = await runVm(options, 160_000);

      expect(output).toContain('EXIT=0');
      expect(output).toContain('no Node.js 20+ on PATH');
      expect(requestsSince(start)).toEqual([
        '/release/install.sh',
        '/release/SHA256SUMS',
        '/release/berth.mjs',
        `/node/${process.version}/SHASUMS256.txt`,
        `/node/${process.version}/node-${process.version}-linux-${process.arch}.tar.gz`,
      ]);
      const ps = await composePs(stack.dir);
      const states = Object.fromEntries(
        Object.values(ps).map((e) => [e.Service, e.State === 'exited' ? `exited ${e.ExitCode}` : e.Health]),
      );
      expect(states, output).toEqual({
        magec: 'healthy',
        postgres: 'healthy',
        redis: 'healthy',
        'magec-seed': 'exited 0',
      });
      // The command for later runs the private Node.js with the installed bundle.
      expect(output, output).toContain('STATUS_EXIT=0');
      const berthHome = path.join(options.home, '.local/share/berth');
      expect(readdirSync(berthHome).sort()).toEqual(['berth.mjs', 'node']);
      expect(readFileSync(path.join(berthHome, 'berth.mjs'))).toEqual(
        readFileSync(path.join(server.dir, 'release/berth.mjs')),
      );
    },
    TEST_TIMEOUT,
  );

  test('no terminal and missing answers: berth says which (exit 2)', async () => {
    const stack = await newStack(false);
    const script = `${curlPipeBash(installSh(), ['--recipe', 'magec', '--mode', 'openai', '--dir', stack.dir])}\necho "EXIT=$?"`;
    const { output } = await runVm(vm(script));
    expect(output).toContain('EXIT=2');
    expect(output).toMatch(/openai.api.key/i);
    expect(existsSync(stack.dir)).toBe(false);
  });

  test('a tampered bundle is refused before anything is installed or downloaded further', async () => {
    const tampered = path.join(server.dir, 'tampered');
    mkdirSync(tampered);
    for (const file of ['install.sh', 'SHA256SUMS'])
      writeFileSync(
        path.join(tampered, file),
        readFileSync(path.join(server.dir, 'release', file), 'utf8').replace(
          server.releaseUrl,
          tamperedUrl(),
        ),
      );
    // SHA256SUMS still lists the real bundle; the served one has one more line.
    const bundle = readFileSync(path.join(server.dir, 'release/berth.mjs'), 'utf8');
    writeFileSync(path.join(tampered, 'berth.mjs'), `${bundle}console.log("owned");\n`);
    const stack = await newStack(false);
    const options = vm(
      `${curlPipeBash(`${tamperedUrl()}/install.sh`, ['--yes', '--dir', stack.dir])}\necho "EXIT=$?"\n${LEFT_BEHIND}`,
    );
    const start = server.requests.length;
    const { output } = await runVm(options);

    expect(output).toContain('EXIT=1');
    expect(output).toContain('SHA256 mismatch for berth.mjs');
    expect(output).toContain('Nothing was installed.');
    expect(output).toMatch(/^BERTH_COMMAND=$/m);
    expect(readdirSync(options.home)).toEqual([]);
    expect(existsSync(stack.dir)).toBe(false);
    expect(requestsSince(start)).toEqual([
      '/tampered/install.sh',
      '/tampered/SHA256SUMS',
      '/tampered/berth.mjs',
    ]);
  });

  test('a truncated install.sh runs nothing, wherever the download stopped', async () => {
    const full = readFileSync(path.join(server.dir, 'release/install.sh'), 'utf8');
    const lastLine = full.trimEnd().lastIndexOf('\n') + 1;
    expect(full.slice(lastLine).trim()).toBe('main "$@" || exit 1');
    // Ten cuts spread over the file (mid-line, mid-function, mid-heredoc) and one just before the last line.
    const cuts = [
      ...Array.from({ length: 10 }, (_, i) => Math.floor((full.length * (i + 0.5)) / 10)),
      lastLine,
    ];
    for (const cut of cuts) writeFileSync(path.join(server.dir, `release/cut-${cut}.sh`), full.slice(0, cut));
    const script = cuts
      .map((cut) => `${curlPipeBash(`${server.releaseUrl}/cut-${cut}.sh`, ['--yes'])}; echo "EXIT=$?"`)
      .join('\n');
    const options = vm(`${script}\n${LEFT_BEHIND}`);
    const start = server.requests.length;
    const { output } = await runVm(options);

    expect(requestsSince(start)).toEqual(cuts.map((cut) => `/release/cut-${cut}.sh`));
    expect(output).not.toContain('install.sh:');
    expect(output.match(/EXIT=\d+/g)).toHaveLength(cuts.length);
    expect(output).toMatch(/^BERTH_COMMAND=$/m);
    expect(readdirSync(options.home)).toEqual([]);
  });

  test('Node.js 20+ already on PATH is used (and plain sh runs install.sh too)', async () => {
    const script = [
      `curl -fsSL '${installSh()}' | sh -s -- --version`,
      'echo "EXIT=$?"',
      'cat /usr/local/bin/berth',
      'berth --version',
    ].join('\n');
    const options = vm(script);
    const node = realpathSync(process.execPath);
    const start = server.requests.length;
    const { output } = await runVm({ ...options, mounts: [`${node}:/usr/local/bin/node:ro`] });
    expect(requestsSince(start)).toEqual([
      '/release/install.sh',
      '/release/SHA256SUMS',
      '/release/berth.mjs',
    ]);
    expect(output).toContain('EXIT=0');
    expect(output).toContain(`exec '/usr/local/bin/node' '/root/.local/share/berth/berth.mjs' "$@"`);
    expect(output.match(new RegExp(`^${version.replace(/\./g, '\\.')}$`, 'gm'))).toHaveLength(2);
    expect(readdirSync(path.join(options.home, '.local/share/berth'))).toEqual(['berth.mjs']);
  });

  test('an older Node.js on PATH is left alone: berth gets its own', async () => {
    const fakeNode = `printf '#!/bin/sh\\ncase "$*" in *versions*) echo 18 ;; *) echo v18.19.0 ;; esac\\n' >/usr/local/bin/node && chmod +x /usr/local/bin/node`;
    const script = [
      fakeNode,
      curlPipeBash(installSh(), ['--version']),
      'echo "EXIT=$?"',
      'cat /usr/local/bin/berth',
    ];
    const options = vm(script.join('\n'));
    const { output } = await runVm(options);
    expect(output).toContain('Node.js v18.19.0 on PATH is older than 20: berth gets its own copy.');
    expect(output).toContain('EXIT=0');
    expect(output).toContain(
      `exec '/root/.local/share/berth/node/bin/node' '/root/.local/share/berth/berth.mjs' "$@"`,
    );
  });

  test('an arm64 machine gets the arm64 Node.js; a failed download installs nothing', async () => {
    const fakeUname = `printf '#!/bin/sh\\n[ "$1" = -m ] && echo aarch64 || exec /usr/bin/uname "$@"\\n' >/usr/local/bin/uname && chmod +x /usr/local/bin/uname`;
    const options = vm(
      `${fakeUname}\n${curlPipeBash(installSh(), ['--yes'])}\necho "EXIT=$?"\n${LEFT_BEHIND}`,
    );
    const start = server.requests.length;
    const { output } = await runVm(options);
    const arm64 = `/node/${process.version}/node-${process.version}-linux-arm64.tar.gz`;
    expect(requestsSince(start)).toEqual([
      '/release/install.sh',
      '/release/SHA256SUMS',
      '/release/berth.mjs',
      `/node/${process.version}/SHASUMS256.txt`,
      arm64,
    ]);
    expect(output).toContain(
      `install.sh: error: could not download ${server.nodeBaseUrl}/${process.version}/node-`,
    );
    expect(output).toContain('EXIT=1');
    expect(output).toMatch(/^BERTH_COMMAND=$/m);
    expect(readdirSync(options.home)).toEqual([]);
  });

  test(
    'no Docker at all, --install-docker: engine, CLI and Compose v2 from Debian, then berth runs with them',
    async () => {
      const args = ['--install-docker', '--yes', '--dry-run', '--recipe', 'magec', '--mode', 'openai'];
      const script = [
        // A daemon configuration from before: install.sh never touches it.
        `mkdir -p /etc/docker && echo '{"log-level": "warn"}' >/etc/docker/daemon.json`,
        curlPipeBash(installSh(), [...args, '--dir', path.join(root, 'dry-run')]),
        'echo "EXIT=$?"',
        'for p in docker.io docker-cli docker-compose; do dpkg -s $p >/dev/null 2>&1 && echo "$p installed"; done',
        'echo "DAEMON_JSON=$(cat /etc/docker/daemon.json)"',
      ].join('\n');
      const options = vm(script, { withDocker: false, socket: false });
      const { output } = await runVm(
        { ...options, env: { ...options.env, OPENAI_API_KEY: `sk-test-${'g7H8'.repeat(8)}` } },
        150_000,
      );
      expect(output).toContain('missing here: the Docker engine, the docker command, Docker Compose v2');
      expect(output).toContain('install.sh: apt-get install docker.io docker-cli docker-compose');
      expect(output).toContain('docker.io installed\ndocker-cli installed\ndocker-compose installed');
      // The VM is an unprivileged container: the engine just installed cannot start in it, and --dry-run goes
      // on without it.
      expect(output).toContain('install.sh: warning: dockerd did not start');
      // berth rendered and validated the files with the Compose just installed.
      expect(output).toContain('Dry run: nothing was written.');
      expect(output, output).toContain('EXIT=0');
      expect(output).toContain('DAEMON_JSON={"log-level": "warn"}');
    },
    TEST_TIMEOUT,
  );

  test('no Docker and no consent (no terminal, no --install-docker): says how, installs nothing', async () => {
    const options = vm(`${curlPipeBash(installSh(), ['--yes'])}\necho "EXIT=$?"\n${LEFT_BEHIND}`, {
      withDocker: false,
    });
    const start = server.requests.length;
    const { output } = await runVm(options);
    expect(output).toContain('missing here: the docker command, Docker Compose v2');
    expect(output).toContain('--install-docker');
    expect(output).toContain('EXIT=1');
    expect(output).toMatch(/^BERTH_COMMAND=$/m);
    expect(requestsSince(start)).toEqual(['/release/install.sh']);
    expect(readdirSync(options.home)).toEqual([]);
  });
});

function tamperedUrl(): string {
  return `${server.releaseUrl.replace(/\/release$/, '')}/tampered`;
}
