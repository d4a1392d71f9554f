// What every real-engine test needs: docker without the caller's COMPOSE_* variables, a check that fails (never
// skips) when the engine, Compose v2 or a local image is missing, free ports, and `docker compose ps` as data.
import net from 'node:net';
import os from 'node:os';
import { execa, type Result } from 'execa';
import { expect } from 'vitest';
import { cleanEnv } from '../helpers.js';

export const SETUP_HINT =
  'Set it up with `sudo scripts/setup-test-engine.sh` (Debian 12+, as root), which also builds the test images.';

/** Runs the docker CLI without the caller's COMPOSE_* variables, so only the folder's .env decides. */
export function docker(args: string[], cwd: string, timeout = 60_000): Promise<Result> {
  return execa('docker', args, {
    cwd,
    env: cleanEnv(),
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout,
  }) as unknown as Promise<Result>;
}

export const text = (r: Result): string =>
  `exit ${String(r.exitCode)}\n--- stdout\n${String(r.stdout)}\n--- stderr\n${String(r.stderr)}`;

const checks = new Map<string, Promise<void>>();
/** Checked once per set of images, failing every test that needs them. */
export function requireEngine(images: readonly string[] = ['berth-test/busybox:1']): Promise<void> {
  const key = images.join(',');
  let check = checks.get(key);
  if (!check) {
    check = (async () => {
      const info = await docker(['info', '--format', '{{.ServerVersion}}'], os.tmpdir(), 15_000);
      if (info.exitCode !== 0) {
        const why = String(
          info.stderr || info.stdout || (info as { shortMessage?: string }).shortMessage || '',
        ).trim();
        throw new Error(
          `No Docker engine answers \`docker info\`: ${why.split('\n')[0] ?? ''}\n${SETUP_HINT}`,
        );
      }
      const compose = await docker(['compose', 'version', '--short'], os.tmpdir(), 15_000);
      if (compose.exitCode !== 0)
        throw new Error(`\`docker compose version\` failed (Compose v2 missing).\n${SETUP_HINT}`);
      const missing: string[] = [];
      for (const image of images) {
        const found = await docker(['image', 'inspect', '--format', '{{.Id}}', image], os.tmpdir(), 15_000);
        if (found.exitCode !== 0) missing.push(image);
      }
      if (missing.length > 0)
        throw new Error(
          `Local test images missing (nothing can be pulled): ${missing.join(', ')}\n${SETUP_HINT}`,
        );
    })();
    checks.set(key, check);
  }
  return check;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PsEntry {
  ID: string;
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
}

/** Plain `docker compose ps -a --format json` in the folder: the .env there names the project and files. */
export async function composePs(dir: string): Promise<Record<string, PsEntry>> {
  const result = await docker(['compose', 'ps', '-a', '--format', 'json'], dir);
  expect(result.exitCode, text(result)).toBe(0);
  const out = String(result.stdout).trim();
  // Compose 2.26 prints one object per line; some 2.2x versions printed one JSON array.
  const entries = (
    out.startsWith('[')
      ? JSON.parse(out)
      : out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
  ) as PsEntry[];
  return Object.fromEntries(entries.map((e) => [e.Service, e]));
}
