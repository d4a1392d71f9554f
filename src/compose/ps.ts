// `docker compose ps -a --format json`: what the engine says about each container of the project.
import type { Exec } from './exec.js';
import { BerthError, ExitCode } from '../errors.js';
import { engineProblem } from './engine-errors.js';
import { parsePs, type PsRow } from '../diagnose/evidence.js';

export type { PsRow };

export async function composePs(exec: Exec, dir: string, env: Record<string, string>): Promise<PsRow[]> {
  const result = await exec('docker', ['compose', 'ps', '-a', '--format', 'json'], {
    cwd: dir,
    env,
    timeoutMs: 30_000,
  });
  if (result.exitCode !== 0) throw engineError(result.stderr);
  return parsePs(result.stdout);
}

export function engineError(stderr: string): BerthError {
  const text = stderr.trim();
  const problem = engineProblem(text);
  const unreachable = problem !== undefined;
  return new BerthError(unreachable ? 'The Docker engine cannot be reached.' : 'docker compose failed.', {
    exitCode: ExitCode.compose,
    details: text.split('\n').slice(-5),
    hint: unreachable
      ? problem === 'permission-denied'
        ? 'Your user may not use the Docker socket: run as root, or add yourself to the docker group (sudo usermod -aG docker $USER, then log in again).'
        : 'Start it (sudo systemctl start docker) and try again.'
      : 'See the lines above.',
  });
}
