// `berth doctor` on this machine, for real (the built bundle): the real engine, an engine that is not there
// (DOCKER_HOST at a missing socket — the shared engine is never stopped), a port taken by a real listener, and
// an engine socket a non-root user cannot open (a root-owned 0600 socket of our own; the real one is untouched).
import { chmodSync, mkdirSync, chownSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { berth, bundle, cleanEnv, tempDir } from '../helpers.js';
import { freePort, requireEngine } from '../engine/harness.js';

interface Report {
  ok: boolean;
  answers: Record<string, unknown>;
  checks: { id: string; status: string; detail: string; fix?: string[] }[];
  facts: { system: { distro: { id: string } }; docker: { engine: { reachable: boolean; problem?: string } } };
}
const parse = (stdout: unknown) => JSON.parse(String(stdout)) as Report;
const check = (r: Report, id: string) => r.checks.find((c) => c.id === id);
const isRoot = process.getuid?.() === 0;

describe('berth doctor (this machine)', () => {
  // The kind of machine the tests run on (2 CPUs, 24 GB of memory, a real engine, no GPU) must pass every check
  // for magec in openai mode: the verdict is asserted, not read back from the report.
  it('--json against the real engine: every check passes, ok, exit 0 (openai mode)', async () => {
    await requireEngine();
    const [magecPort, adminPort] = [await freePort(), await freePort()];
    const dir = tempDir();
    const r = await berth([
      'doctor',
      '--json',
      '--mode',
      'openai',
      '--magec-port',
      String(magecPort),
      '--admin-port',
      String(adminPort),
      '--dir',
      dir,
    ]);
    const report = parse(r.stdout);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['docker', 'pass'],
      ['compose', 'pass'],
      ['cpus', 'pass'],
      ['ram', 'pass'],
      ['disk', 'pass'],
      // Ports in numeric order.
      ...[magecPort, adminPort].sort((a, b) => a - b).map((port) => [`port-${port}`, 'pass']),
    ]);
    expect(check(report, 'docker')!.detail).toMatch(/^\d+\.\d+\.\S+ at unix:\/\/\/var\/run\/docker\.sock$/);
    expect(check(report, 'compose')!.detail).toMatch(/^v2\.\S+ \(docker compose\)$/);
    expect(report.answers).toMatchObject({ mode: 'openai', magec_port: magecPort });
    expect(report.facts.system.distro.id).toMatch(/^[a-z]+$/);
    expect(report.facts.docker.engine.reachable).toBe(true);
    expect(report.ok).toBe(true);
    expect(r.exitCode).toBe(0);
  });

  it('human table names the recipe, the GPU ladder and the verdict', async () => {
    const r = await berth(['doctor', '--mode', 'openai', '--dir', tempDir()]);
    expect(String(r.stdout)).toMatch(/^Machine\n {2}i System/);
    expect(String(r.stdout)).toMatch(/NVIDIA GPU readiness \((not )?ready\)\n {2}. 1\. NVIDIA GPU present/);
    expect(String(r.stdout)).toMatch(/Checks for magec \(mode openai\)/);
    expect(String(r.stdout)).toMatch(/(✔ Nothing blocks|✖ \d+ problem\(s\) block) magec \(mode openai\)/);
  });

  it('an engine that is not running: exit 1, the reason and the fix', async () => {
    const missing = path.join(tempDir(), 'docker.sock');
    const r = await berth(['doctor', '--json', '--mode', 'openai', '--dir', tempDir()], {
      env: { DOCKER_HOST: `unix://${missing}` },
    });
    expect(r.exitCode).toBe(1);
    const report = parse(r.stdout);
    expect(report.facts.docker.engine).toMatchObject({ reachable: false, problem: 'not-running' });
    expect(check(report, 'docker')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        /^the engine is not running \(nothing answers on .*docker\.sock \(ENOENT\)\)/,
      ),
      fix: ['# DOCKER_HOST points at an engine that does not answer: start it, or unset DOCKER_HOST'],
    });
  });

  it('a port taken by a real listener: which process, and the flag to move it', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await berth([
        'doctor',
        '--json',
        '--mode',
        'openai',
        '--magec-port',
        String(port),
        '--dir',
        tempDir(),
      ]);
      expect(r.exitCode).toBe(1);
      expect(check(parse(r.stdout), `port-${port}`)).toEqual({
        id: `port-${port}`,
        title: `Port ${port}`,
        status: 'fail',
        detail: `taken by node (pid ${process.pid})`,
        fix: ['# choose another port: --magec-port <port>'],
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a socket the user may not open: permission denied → join the docker group', async () => {
    // Fails rather than skips: the suite runs as root (scripts/test.sh sets up the engine), and only root can
    // make a root-owned socket another user is refused.
    expect(isRoot, 'this test makes a root-owned socket: run the tests as root').toBe(true);
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const socket = path.join(dir, 'docker.sock');
    const server = http.createServer((_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    chmodSync(socket, 0o600); // owned by root, like /var/run/docker.sock without the docker group
    const home = path.join(dir, 'home');
    mkdirSync(home);
    chownSync(home, 65534, 65534);
    try {
      const r = await execa(
        'setpriv',
        [
          '--reuid=nobody',
          '--regid=nogroup',
          '--clear-groups',
          process.execPath,
          bundle,
          'doctor',
          '--json',
          '--mode',
          'openai',
          '--dir',
          path.join(home, 'magec'),
        ],
        {
          env: cleanEnv({ DOCKER_HOST: `unix://${socket}`, HOME: home }),
          extendEnv: false,
          reject: false,
          timeout: 60_000,
        },
      );
      expect(r.exitCode).toBe(1);
      const report = parse(r.stdout);
      expect(report.facts.docker.engine).toMatchObject({ reachable: false, problem: 'permission-denied' });
      expect(check(report, 'docker')).toMatchObject({
        detail: expect.stringMatching(
          /^permission denied on the engine socket: this user is not in the docker group/,
        ),
        fix: expect.arrayContaining(['sudo usermod -aG docker $USER']),
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('doctor --help, and a bad flag value is a usage error', async () => {
    expect(String((await berth(['doctor', '--help'])).stdout)).toMatch(/^berth doctor — check this machine/);
    const bad = await berth(['doctor', '--mode', 'nope']);
    expect(bad.exitCode).toBe(2);
  });
});
