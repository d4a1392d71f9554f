// install.sh's engine step, branch by branch: which engine states it starts, how (systemctl where systemd runs),
// when it asks, and what it leaves alone. install.sh's functions are loaded without its last line; `docker`,
// `systemctl` and `dockerd` are stand-ins (labelled as such) that answer from a state file, because this machine
// runs no systemd and the real no-systemd path is covered in the fresh VM (checkout-setup.test.ts).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { cleanEnv, repoRoot, tempDir } from '../helpers.js';

const source = readFileSync(path.join(repoRoot, 'install.sh'), 'utf8').trimEnd();
const functionsOnly = source.slice(0, source.lastIndexOf('\n') + 1);

interface Machine {
  /** What `docker info` finds: up, down (nothing on the socket), denied, remote (DOCKER_HOST that does not answer). */
  engine: 'up' | 'down' | 'denied' | 'remote';
  systemd: boolean;
  /** systemctl is-enabled docker */
  enabled?: boolean;
}

/** Runs `body` after install.sh's functions, on a machine made of stand-ins; returns output, exit code, calls. */
async function onMachine(m: Machine, body: string) {
  const dir = tempDir();
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const state = path.join(dir, 'engine');
  writeFileSync(state, m.engine);
  const calls = path.join(dir, 'calls');
  writeFileSync(calls, '');
  const tool = (name: string, script: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >>'${calls}'\n${script}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  // Stand-in docker CLI: answers `docker version --format` as real clients do for each engine state.
  tool(
    'docker',
    `case "$1 $(cat '${state}')" in
  'compose '*) echo 'Docker Compose version v2.29.7' ;;
  'version up') echo '27.3.1' ;;
  'version down') echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1 ;;
  'version denied') echo 'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.47/version": dial unix /var/run/docker.sock: connect: permission denied' >&2; exit 1 ;;
  'version remote') echo 'Cannot connect to the Docker daemon at tcp://10.0.0.9:2375. Is the docker daemon running?' >&2; exit 1 ;;
esac`,
  );
  // Like a dockerd that cannot start: the reason on its output, then it exits.
  tool('dockerd', "echo 'failed to start daemon: Error initializing network controller (stand-in)'; exit 1");
  tool(
    'systemctl',
    `case "$1" in
  start) echo up >'${state}' ;;
  is-enabled) echo ${m.enabled ? 'enabled' : 'disabled'} ;;
esac`,
  );
  const env = cleanEnv({
    PATH: `${bin}:/usr/bin:/bin`,
    HOME: dir,
    ...(m.engine === 'remote' ? { DOCKER_HOST: 'tcp://10.0.0.9:2375' } : {}),
  });
  const result = await execa(
    'sh',
    [
      '-c',
      `${functionsOnly}
has_systemd() { ${m.systemd ? 'return 0' : 'return 1'}; }
have_tty() { return 1; }
SUDO=''
BERTH_HOME='${dir}/berth'
${body}`,
    ],
    { env, extendEnv: false, reject: false, stdin: 'ignore' },
  );
  return {
    exitCode: result.exitCode,
    output: `${String(result.stdout)}${String(result.stderr)}`,
    calls: readFileSync(calls, 'utf8'),
  };
}

// decide_docker ARGS: install without asking, --yes, the stack is started (not --dry-run/--no-start).
const decideAndStart = (flag: 0 | 1, yes: 0 | 1, start: 0 | 1 = 1) =>
  `decide_docker ${flag} ${yes} ${start}\nstart_engine\necho "STATE=$(engine_state)"`;

describe('install.sh: the engine step (stand-in docker and systemctl)', () => {
  test('systemd, engine stopped, --install-docker: systemctl start docker, and says it starts at boot', async () => {
    const r = await onMachine({ engine: 'down', systemd: true, enabled: true }, decideAndStart(1, 1));
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain('the Docker engine is installed but not running');
    expect(r.output).toContain('starting the Docker engine: systemctl start docker');
    expect(r.output).toContain('the Docker engine is running; systemd starts it at boot.');
    expect(r.output).toContain('STATE=up');
    expect(r.calls).toContain('systemctl start docker');
    expect(r.calls).not.toContain('dockerd');
  });

  test('systemd, the unit not enabled: starts it and says how to start it at boot, without enabling it', async () => {
    const r = await onMachine({ engine: 'down', systemd: true, enabled: false }, decideAndStart(1, 0));
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain('systemd does not start it at boot: sudo systemctl enable docker');
    expect(r.calls).not.toContain('systemctl enable');
  });

  test('engine stopped, --yes without --install-docker: changes nothing and says both ways on', async () => {
    const r = await onMachine({ engine: 'down', systemd: true }, decideAndStart(0, 1));
    expect(r.exitCode).toBe(1);
    expect(r.output).toContain(
      'nothing was changed. Run this again with --install-docker to let install.sh start it, or start it yourself: systemctl start docker',
    );
    expect(r.calls).not.toContain('systemctl start');
  });

  test('engine stopped, no terminal and no --yes: does not start it unasked', async () => {
    const r = await onMachine({ engine: 'down', systemd: false }, decideAndStart(0, 0));
    expect(r.exitCode).toBe(1);
    expect(r.output).toContain('this machine does not run systemd');
    expect(r.calls).not.toContain('dockerd');
  });

  test('--dry-run or --no-start: a stopped engine is left alone, and it says how to start it', async () => {
    const r = await onMachine({ engine: 'down', systemd: true }, decideAndStart(0, 1, 0));
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain(
      'the Docker engine is not running; --dry-run and --no-start do not need it (to start it: systemctl start docker)',
    );
    expect(r.output).toContain('STATE=down');
    expect(r.calls).not.toContain('systemctl');
  });

  test('--no-start with --install-docker: Docker is set up all the way, the engine started', async () => {
    const r = await onMachine({ engine: 'down', systemd: true, enabled: true }, decideAndStart(1, 1, 0));
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain('STATE=up');
    expect(r.calls).toContain('systemctl start docker');
  });

  test.each([
    ['berth needs the engine: install.sh stops', 1, 1, 'error: dockerd did not start'],
    ['--dry-run or --no-start: a warning, and berth goes on', 0, 0, 'warning: dockerd did not start'],
  ] as const)('no systemd, and dockerd exits at once: %s', async (_name, need, exitCode, message) => {
    const r = await onMachine(
      { engine: 'down', systemd: false },
      `NEED_ENGINE=${need}\n${decideAndStart(1, 1, need)}`,
    );
    expect(r.exitCode, r.output).toBe(exitCode);
    expect(r.output).toContain(message);
    expect(r.calls).toContain('dockerd');
  });

  test.each([
    ['the engine runs but this user may not use it', 'denied' as const, 'STATE=denied'],
    ['DOCKER_HOST names an engine elsewhere that does not answer', 'remote' as const, 'STATE=other'],
    ['the engine runs', 'up' as const, 'STATE=up'],
  ])('%s: nothing is started', async (_name, engine, state) => {
    const r = await onMachine({ engine, systemd: true }, decideAndStart(1, 1));
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain(state);
    expect(r.calls).not.toMatch(/systemctl start|dockerd/);
  });
});
