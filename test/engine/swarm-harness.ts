// A single-node swarm on the test engine for the `--target swarm` tests. The first test file that needs it runs
// `docker swarm init` (when the engine is not in a swarm already) and leaves a marker; the suite's global teardown
// (test/global-setup.ts) leaves that swarm again and removes docker_gwbridge, so a fresh machine ends as it began.
// An engine that was a swarm manager before the tests is used as it is and left as it was.
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** Marks a swarm the tests made: the global teardown leaves it. */
export const SWARM_MARKER = path.join(os.tmpdir(), 'berth-test-swarm-made');

async function swarmState(): Promise<{ state: string; manager: boolean }> {
  const r = await execa('docker', ['info', '--format', '{{json .Swarm}}'], { reject: false });
  if (r.exitCode !== 0) throw new Error(`docker info failed: ${r.stderr}`);
  const swarm = JSON.parse(r.stdout) as { LocalNodeState: string; ControlAvailable: boolean };
  return { state: swarm.LocalNodeState, manager: swarm.ControlAvailable };
}

/** Makes this engine a single-node swarm manager, once; files running at the same time wait for the same init. */
export async function ensureSwarm(): Promise<void> {
  const now = await swarmState();
  if (now.state === 'active' && now.manager) return;
  if (now.state === 'active')
    throw new Error('The test engine is a swarm worker: the swarm tests need a manager.');
  const init = await execa('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1'], { reject: false });
  // Another test file may have made it at the same moment.
  if (init.exitCode !== 0 && !/already part of a swarm/.test(init.stderr)) {
    throw new Error(`docker swarm init failed: ${init.stderr}`);
  }
  if (init.exitCode === 0) writeFileSync(SWARM_MARKER, `${process.pid}\n`);
}

/** The global teardown: leaves the swarm the tests made (and its docker_gwbridge); nothing else. */
export async function leaveTestSwarm(): Promise<void> {
  if (!existsSync(SWARM_MARKER)) return;
  await execa('docker', ['swarm', 'leave', '--force'], { reject: false });
  await execa('docker', ['network', 'rm', 'docker_gwbridge'], { reject: false });
  await execa('rm', ['-f', SWARM_MARKER], { reject: false });
}
