// The images a bundle carries: what compose says each rendering runs (`docker compose config`, with every
// compose file the answers enable), what the local engine has of them, and pulls of only what it lacks.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeEnv } from '../compose/docker-compose.js';
import { failureText, type Exec } from '../compose/exec.js';
import { BerthError, ExitCode, UsageError } from '../errors.js';
import { parseDotenv } from '../render/dotenv.js';
import { ENV_FILE, type Rendering } from '../render/render-recipe.js';
import { writeRendering } from '../recipe-test/compose-check.js';

export interface LocalImage {
  name: string;
  id: string;
  /** Registry digests (repo@sha256:…); none for an image built or tagged only here. */
  digests: string[];
  size: number;
  /** The platform's architecture as Docker names it (amd64, arm64); a local image is for one platform. */
  arch: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The images one rendering runs; services built from a source are left out (their build needs the source). */
async function renderingImages(rendering: Rendering, exec: Exec, env: Env): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bundle-'));
  try {
    writeRendering(dir, rendering);
    const envFile = rendering.files.find((f) => f.path === ENV_FILE)?.content ?? '';
    const compose = { cwd: dir, envNames: Object.keys(parseDotenv(envFile)), env };
    const result = await exec('docker', ['compose', 'config', '--format', 'json'], {
      cwd: dir,
      env: composeEnv(compose),
      timeoutMs: 60_000,
    });
    if (result.exitCode !== 0)
      throw new BerthError(`docker compose config failed on the rendered files: ${failureText(result)}`, {
        exitCode: ExitCode.recipe,
      });
    const doc = JSON.parse(result.stdout) as {
      services?: Record<string, { image?: string; build?: unknown }>;
    };
    return Object.values(doc.services ?? {})
      .filter((s) => typeof s.image === 'string' && !s.build)
      .map((s) => s.image!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every image of every rendering, once each, sorted. */
export async function stackImages(renderings: readonly Rendering[], exec: Exec, env: Env): Promise<string[]> {
  const all = new Set<string>();
  for (const rendering of renderings)
    for (const image of await renderingImages(rendering, exec, env)) all.add(image);
  return [...all].sort();
}

/** What the engine has of an image; undefined when it is not here. */
export async function inspectImage(exec: Exec, env: Env, name: string): Promise<LocalImage | undefined> {
  const result = await exec('docker', ['image', 'inspect', '--format', '{{json .}}', name], {
    env,
    timeoutMs: 30_000,
  });
  if (result.exitCode !== 0) {
    if (/no such image/i.test(result.stderr)) return undefined;
    throw new BerthError(`docker image inspect ${name} failed: ${failureText(result)}`, {
      exitCode: ExitCode.compose,
      hint: 'Check that the Docker engine runs and answers `docker info`.',
    });
  }
  const info = JSON.parse(result.stdout) as {
    Id: string;
    RepoDigests?: string[] | null;
    Size: number;
    Architecture?: string;
  };
  return {
    name,
    id: info.Id,
    digests: info.RepoDigests ?? [],
    size: info.Size,
    arch: info.Architecture ?? '',
  };
}

/** `docker pull` of an image the engine lacks, for the bundle's machine (`--platform linux/ARCH`). */
export async function pullImage(exec: Exec, env: Env, name: string, arch: string): Promise<void> {
  const result = await exec('docker', ['pull', '--platform', `linux/${arch}`, name], {
    env,
    timeoutMs: 60 * 60_000,
  });
  if (result.exitCode !== 0)
    throw new BerthError(`${name} is not on this machine and could not be pulled: ${failureText(result)}`, {
      exitCode: ExitCode.compose,
      hint: 'Make the bundle on a machine that can reach the registry, or pull or build the image here first.',
    });
}

/** Whether the engine's image is for another architecture than `arch` (one it does not name is taken as fine). */
export const forOtherArch = (image: LocalImage, arch: string): boolean =>
  image.arch !== '' && image.arch !== arch;

/**
 * Refuses images built for another machine than the bundle's: `docker load` would take them there, and every
 * container would then fail with `exec format error`. Names each image, its architecture and what to do.
 */
export function refuseOtherArch(images: readonly LocalImage[], arch: string): void {
  const other = images.filter((i) => forOtherArch(i, arch));
  if (other.length === 0) return;
  throw new UsageError(
    `The bundle is for ${arch} machines, but ${other.length === 1 ? 'this image is' : 'these images are'} for another: ${other
      .map((i) => `${i.name} (${i.arch})`)
      .join(', ')}. Nothing was written.`,
    {
      hint:
        `Make the bundle on an ${arch} machine, or pull the ${arch} image under the same name first ` +
        `(docker pull --platform linux/${arch} NAME; its tag then points at the ${arch} image on this machine).`,
    },
  );
}
