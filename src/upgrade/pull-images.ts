// Pulls every image the new files name while the old stack keeps running: `docker compose pull` over a staged
// copy of the final folder. An image whose pull fails but that is on this machine (a local build, an offline
// bundle, a registry that is down for a moment) is used as it is; one that is on neither stops the upgrade before
// anything changed.
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Exec } from '../compose/exec.js';
import { composeEnv } from '../compose/docker-compose.js';
import { BerthError, ExitCode } from '../errors.js';
import { parseDotenv } from '../render/dotenv.js';
import { ENV_FILE } from '../render/render-recipe.js';
import type { Prepared } from '../steps/prepare.js';
import { stageFinalFiles } from '../steps/validate.js';

export interface Pulled {
  /** Every image the new files name (builds left out: those are built at the start). */
  images: string[];
  /** Images whose pull failed but that this machine has: used as they are, with compose's reason. */
  local: { image: string; reason: string }[];
}

/**
 * `bundle`: an offline upgrade (berth upgrade --bundle): nothing is pulled, every image must already be here,
 * loaded from that bundle.
 */
export async function pullImages(
  p: Prepared,
  exec: Exec,
  log: (line: string) => void,
  bundle?: string,
): Promise<Pulled> {
  const stage = stageFinalFiles(p);
  try {
    const envText = p.rendering.files.find((f) => f.path === ENV_FILE)!.content;
    const env = composeEnv({ cwd: p.dir, envNames: Object.keys(parseDotenv(envText)) });
    const files = p.rendering.composeFiles.flatMap((f) => ['-f', path.join(stage, f)]);
    const base = ['compose', '--project-directory', p.dir, '--env-file', path.join(stage, ENV_FILE)];
    const args = [...base, '-p', p.project, ...files];
    const config = await exec('docker', [...args, 'config', '--format', 'json'], {
      cwd: stage,
      env,
      timeoutMs: 60_000,
    });
    const built = new Set(p.rendering.builds.map((b) => b.image));
    const byService = Object.entries(servicesImages(config.stdout)).filter(([, image]) => !built.has(image));
    const pull = bundle
      ? { stdout: '', stderr: '' }
      : await exec(
          'docker',
          [
            ...args,
            '--progress',
            'plain',
            '--ansi',
            'never',
            'pull',
            '--ignore-buildable',
            '--ignore-pull-failures',
          ],
          { cwd: stage, env, timeoutMs: 3_600_000 },
        );
    const lines = `${pull.stdout}\n${pull.stderr}`.split('\n').filter((l) => l.trim() !== '');
    for (const line of lines) log(`pull | ${line}`);
    const reasons = new Map<string, string>();
    for (const line of lines) {
      const m = /^\s*(\S+) (?:Error|Warning) (.+)$/.exec(line);
      if (m) reasons.set(m[1]!, m[2]!);
    }
    const present = await Promise.all(
      byService.map(
        async ([, image]) =>
          (
            await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', image], {
              env,
              timeoutMs: 30_000,
            })
          ).exitCode === 0,
      ),
    );
    const missing = byService.filter((_, i) => !present[i]);
    if (missing.length > 0)
      throw bundle ? notInBundle(missing, bundle, p.dir) : pullError(missing, reasons, p.dir);
    const local = byService
      .filter(([service]) => reasons.has(service))
      .map(([service, image]) => ({ image, reason: reasons.get(service)! }));
    return { images: [...new Set(byService.map(([, image]) => image))], local };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function servicesImages(json: string): Record<string, string> {
  try {
    const doc = JSON.parse(json) as { services?: Record<string, { image?: unknown }> };
    return Object.fromEntries(
      Object.entries(doc.services ?? {}).flatMap(([name, s]) =>
        typeof s.image === 'string' ? [[name, s.image]] : [],
      ),
    );
  } catch {
    return {};
  }
}

function pullError(missing: [string, string][], reasons: Map<string, string>, dir: string): BerthError {
  return new BerthError(
    `${missing.length} image(s) of the new version could not be pulled. Nothing was changed: the stack runs as before.`,
    {
      exitCode: ExitCode.compose,
      details: missing.map(
        ([service, image]) => `${image} (${service}): ${reasons.get(service) ?? 'not found after the pull'}`,
      ),
      hint:
        `Check the image name and tag (a typed --<id>-image answer is kept across upgrades), the network and ` +
        `the registry login (docker login), then run berth upgrade --dir ${dir} again.`,
    },
  );
}

function notInBundle(missing: [string, string][], bundle: string, dir: string): BerthError {
  return new BerthError(
    `${missing.length} image(s) of the new version are neither in the bundle nor on this machine. Nothing was changed: the stack runs as before.`,
    {
      exitCode: ExitCode.compose,
      details: missing.map(([service, image]) => `${image} (${service})`),
      hint:
        `The bundle ${bundle} was made for other answers: make it again with berth bundle --dir ${dir} ` +
        `(this install's answers) or --all-modes, then run berth upgrade --bundle again.`,
    },
  );
}
