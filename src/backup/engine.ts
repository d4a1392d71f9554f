// What backup and restore ask the engine: the project's compose config (volumes, binds, images), and a copy of a
// volume's or host folder's files in and out through a container that is created but never started (`docker cp`
// streams a tar through the engine's API, so no image needs a shell or tar, and nothing is pulled).
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Exec } from '../compose/exec.js';
import { BerthError, ExitCode } from '../errors.js';

export interface ConfigService {
  image?: string;
  volumes?: { type: string; source?: string; target: string }[];
  container_name?: string;
}
export interface ComposeConfig {
  name?: string;
  services: Record<string, ConfigService>;
  volumes?: Record<string, { name?: string; external?: boolean } | null>;
  networks?: Record<string, unknown>;
}

export interface Where {
  exec: Exec;
  dir: string;
  env: Record<string, string>;
}

/** `docker compose config --format json` of the install folder: the merged files as compose reads them. */
export async function composeConfig(w: Where): Promise<ComposeConfig> {
  const result = await w.exec('docker', ['compose', 'config', '--format', 'json'], {
    cwd: w.dir,
    env: w.env,
    timeoutMs: 60_000,
  });
  if (result.exitCode !== 0)
    throw new BerthError(
      `docker compose config failed in ${w.dir}: ${result.stderr.trim().split('\n').pop()}`,
      {
        hint: 'Fix the install folder (berth install --dir … re-renders it), then try again.',
      },
    );
  return JSON.parse(result.stdout) as ComposeConfig;
}

/** A service's image that mounts the volume (or host folder) at all: the carrier's image is one already here. */
export function carrierImage(
  config: ComposeConfig,
  source: string,
  type: 'volume' | 'bind',
): string | undefined {
  const services = Object.values(config.services);
  const user = services.find(
    (s) => s.image && s.volumes?.some((v) => v.type === type && v.source === source),
  );
  return user?.image ?? services.find((s) => s.image)?.image;
}

export const CARRIER_MOUNT = '/berth-data';
export const CARRIER_LABEL = 'berth.backup';

/** Creates (never starts) a container with the volume or folder at /berth-data; returns its id. */
export async function createCarrier(
  w: Where,
  project: string,
  mount: string,
  image: string,
  readOnly: boolean,
): Promise<string> {
  const result = await w.exec(
    'docker',
    [
      'create',
      '--label',
      `${CARRIER_LABEL}=${project}`,
      '--network',
      'none',
      '--entrypoint',
      'berth-carrier',
      '--volume',
      `${mount}:${CARRIER_MOUNT}${readOnly ? ':ro' : ''}`,
      image,
    ],
    { env: w.env, timeoutMs: 300_000 },
  );
  if (result.exitCode !== 0)
    throw new BerthError(
      `Could not attach ${mount} to a container (${result.stderr.trim().split('\n').pop()}).`,
      {
        hint: `The image ${image} is needed to copy the data: docker pull ${image}, or run berth install first.`,
      },
    );
  return result.stdout.trim();
}

/** Removes carriers left by a backup or restore that was killed. */
export async function removeCarriers(w: Where, project: string): Promise<void> {
  const list = await w.exec('docker', ['ps', '-aq', '--filter', `label=${CARRIER_LABEL}=${project}`], {
    env: w.env,
    timeoutMs: 30_000,
  });
  const ids = list.stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await w.exec('docker', ['rm', '-f', ...ids], { env: w.env, timeoutMs: 60_000 });
}

/** A running command with a stream end: its stdout to read, or its stdin to write; done() gives the exit. */
export interface Piped<S> {
  stream: S;
  done: () => Promise<void>;
}

function piped(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string | undefined,
  direction: 'out' | 'in',
  what: string,
) {
  const child = spawn('docker', args, {
    env,
    ...(cwd ? { cwd } : {}),
    stdio: direction === 'out' ? ['ignore', 'pipe', 'pipe'] : ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exit = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code ?? 1));
  });
  const done = async () => {
    const code = await exit;
    if (code !== 0)
      throw new BerthError(
        `${what} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`,
        {
          exitCode: ExitCode.failure,
        },
      );
  };
  return { child, done };
}

/** The tar stream of a carrier's /berth-data (its members start with `berth-data/`). */
export function copyOut(w: Where, carrier: string, what: string): Piped<Readable> {
  const { child, done } = piped(['cp', `${carrier}:${CARRIER_MOUNT}`, '-'], w.env, undefined, 'out', what);
  return { stream: child.stdout!, done };
}

/** A tar stream written here is unpacked at the carrier's / (so members named `berth-data/…` land in it). */
export function copyIn(w: Where, carrier: string, what: string): Piped<Writable> {
  const { child, done } = piped(['cp', '-', `${carrier}:/`], w.env, undefined, 'in', what);
  return { stream: child.stdin!, done };
}

/** `docker compose exec -T SERVICE CMD…` in the install folder, its stdout (dump) or stdin (restore) a stream. */
export function composeExecOut(
  w: Where,
  service: string,
  command: readonly string[],
  what: string,
): Piped<Readable> {
  const { child, done } = piped(['compose', 'exec', '-T', service, ...command], w.env, w.dir, 'out', what);
  return { stream: child.stdout!, done };
}

export function composeExecIn(
  w: Where,
  service: string,
  command: readonly string[],
  what: string,
): Piped<Writable> {
  const { child, done } = piped(['compose', 'exec', '-T', service, ...command], w.env, w.dir, 'in', what);
  return { stream: child.stdin!, done };
}

/** The engine's CPU architecture (x86_64, aarch64). */
export async function engineArch(w: Where): Promise<string> {
  const r = await w.exec('docker', ['info', '--format', '{{.Architecture}}'], {
    env: w.env,
    timeoutMs: 30_000,
  });
  return r.exitCode === 0 ? r.stdout.trim() : 'unknown';
}
