// The Docker engine stopped in the middle of an install, for real: the shared engine cannot be stopped under the
// other tests, so this runs in the fresh-VM container with a Docker engine of its own (Debian's docker.io, no
// systemd), the built bundle and test/fixtures/engine-stack mounted read-only, and berth-test/busybox:1 loaded
// into that engine. A reconfigure whose one-shot waits is under way when dockerd gets SIGTERM (what
// `systemctl stop docker` sends): berth exits 5 saying the engine stopped, puts the previous files back without
// trying to start them, and once the engine runs again `berth install` brings the previous configuration up.
import { mkdtempSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, test } from 'vitest';
import { repoRoot } from '../helpers.js';
import { removeVm, requireFreshVm, runVm, shellQuote } from '../install-sh/fresh-vm.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'berth-daemon-stop-'));
const name = `berth-daemon-stop-${process.pid}`;
afterAll(async () => {
  await removeVm(name);
  rmSync(root, { recursive: true, force: true });
});

describe('the Docker engine stopped mid-install (an engine of its own, in the fresh VM)', () => {
  test('exit 5 naming the engine, the previous files put back, the next run brings them up', async () => {
    await requireFreshVm();
    const home = path.join(root, 'home');
    mkdirSync(home);
    const image = path.join(root, 'busybox.tar');
    await execa('docker', ['save', '-o', image, 'berth-test/busybox:1']);
    const berth = `node ${shellQuote(path.join(repoRoot, 'dist/berth.mjs'))}`;
    const install = `${berth} install --yes --recipe ${shellQuote(path.join(repoRoot, 'test/fixtures/engine-stack'))} --dir /tmp/stack`;
    const script = [
      'export DEBIAN_FRONTEND=noninteractive CI=true',
      '{ apt-get update && apt-get install -y --no-install-recommends docker.io docker-cli docker-compose; } >/tmp/apt.log 2>&1 || { tail -n 20 /tmp/apt.log; exit 1; }',
      // Containers in this engine need writable cgroups, which an unprivileged container does not get: mount them
      // again (cgroup v1: each hierarchy; v2: the one), and keep this engine's containers under a parent of its own.
      'if [ -f /sys/fs/cgroup/cgroup.controllers ]; then mount -o remount,rw /sys/fs/cgroup; else for d in /sys/fs/cgroup/*/; do c=$(basename "$d"); o=$c; [ "$c" = systemd ] && o=none,name=systemd; umount "$d" && mount -t cgroup -o "$o" cgroup "$d"; done; fi',
      `PARENT=berth-test-vm-${process.pid}`,
      'engine() { setsid -f dockerd --cgroup-parent "$PARENT" >>/tmp/dockerd.log 2>&1; for i in $(seq 1 120); do docker version --format "{{.Server.Version}}" >/dev/null 2>&1 && return 0; sleep 0.25; done; tail /tmp/dockerd.log; exit 1; }',
      'engine',
      `docker load -i ${shellQuote(image)} >/dev/null`,
      `${install} >/tmp/first.log 2>&1 || { cat /tmp/first.log; exit 1; }`,
      'echo FIRST-INSTALL-OK',
      // Stop the engine once the reconfigure's new one-shot runs (it then waits 30 s, so compose is waiting).
      '( for i in $(seq 1 240); do docker ps --format "{{.Names}}" | grep -q init && break; sleep 0.25; done; kill -TERM "$(cat /var/run/docker.pid)"; echo ENGINE-STOPPED ) &',
      `${install} --init-wait 30 --wait-timeout 60 >/tmp/out.log 2>/tmp/err.log; echo "EXIT=$?"`,
      'wait',
      'echo "--- stdout"; cat /tmp/out.log; echo "--- stderr"; cat /tmp/err.log; echo "---"',
      'echo "INIT_WAIT=$(grep ^INIT_WAIT= /tmp/stack/.env)"',
      'for i in $(seq 1 120); do [ -e /var/run/docker.pid ] || break; sleep 0.25; done',
      'engine',
      `${install} >/tmp/again.log 2>&1; echo "AGAIN=$?"`,
      'cd /tmp/stack && echo "WEB=$(docker compose ps --format "{{.Health}}" web)"',
      // Leave nothing in the host's cgroup hierarchy: the stack down, the engine stopped, its parent removed.
      'docker compose down -v -t 1 >/dev/null 2>&1; kill -TERM "$(cat /var/run/docker.pid)"',
      'for i in $(seq 1 120); do [ -e /var/run/docker.pid ] || break; sleep 0.25; done',
      'for d in /sys/fs/cgroup/*/"$PARENT" /sys/fs/cgroup/"$PARENT"; do [ -d "$d" ] && rmdir "$d"; done; true',
    ].join('\n');
    const { exitCode, output } = await runVm(
      {
        name,
        script,
        shared: root,
        home,
        socket: false,
        ownEngine: true,
        mounts: [`${repoRoot}:${repoRoot}:ro`, `${realpathSync(process.execPath)}:/usr/local/bin/node:ro`],
      },
      240_000,
    );
    expect(exitCode, output).toBe(0);
    expect(output).toContain('FIRST-INSTALL-OK');
    expect(output).toContain('ENGINE-STOPPED');
    expect(output).toContain('EXIT=5');
    expect(output).toContain('The Docker engine stopped answering while the stack was starting');
    expect(output).toContain('not started: the engine does not answer');
    expect(output).not.toContain('last log lines of init');
    expect(output).toContain(
      "The previous configuration's files were put back; nothing could be started without the engine.",
    );
    expect(output).toContain('Start the Docker engine, then run berth install --dir /tmp/stack --yes');
    expect(output).not.toMatch(/Rolling back did not help|recipe .* has a bug/);
    expect(output).toMatch(/INIT_WAIT=INIT_WAIT='?0'?\n/);
    expect(output).toContain('AGAIN=0');
    expect(output).toContain('WEB=healthy');
  }, 260_000);
});
