// A recipe's builds (recipe.yaml `builds`): each source checked before anything is written (a folder that exists,
// holds its Dockerfile, and is not the install folder or above it: the builder is sent the whole context, .env
// included), then built with `docker compose build` before the stack starts — a progress row per image, showing
// the build step it is at, the whole output in the bring-up's log, and a failure named with its last lines.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { composeEnv, type ComposeOptions } from '../compose/docker-compose.js';
import { loadExeca } from '../compose/exec.js';
import type { RenderedBuild } from '../render/render-recipe.js';
import { stepRow, type StepReport } from './step-rows.js';

export const buildRow = (b: Pick<RenderedBuild, 'service'>): string => `build ${b.service}`;
/** The image a build replaced, kept under this tag until the next build, so a rollback can put it back. */
export const previousImage = (image: string): string => `${image}-previous`;
const isLocal = (context: string) => path.isAbsolute(context);

/** Why a local build source cannot be used, one line each (a Git URL is checked by the builder itself). */
export function buildSourceProblems(dir: string, builds: readonly RenderedBuild[]): string[] {
  return builds
    .filter((b) => isLocal(b.context))
    .flatMap((b) => {
      const where = `Build of ${b.service}: ${b.context}`;
      if (!existsSync(b.context) || !statSync(b.context).isDirectory())
        return [
          `${where} is not a folder on this machine. Give the folder that holds the source (or a Git URL).`,
        ];
      const rel = path.relative(b.context, path.resolve(dir));
      if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)))
        return [
          `${where} holds the install folder ${dir}, whose .env (secrets) the builder would be sent. Give the source's own folder.`,
        ];
      const dockerfile = path.join(b.context, b.dockerfile ?? 'Dockerfile');
      if (b.dockerfileInline === undefined && !existsSync(dockerfile))
        return [`${where} has no ${b.dockerfile ?? 'Dockerfile'}.`];
      return [];
    });
}

export interface BuildFailure {
  build: RenderedBuild;
  exitCode: number | undefined;
  lines: string[];
}

/** `docker tag FROM TO`: whether FROM existed and now has the tag. */
async function tagImage(from: string, to: string, compose: ComposeOptions): Promise<boolean> {
  const { execa } = await loadExeca();
  const result = await execa('docker', ['tag', from, to], {
    env: composeEnv(compose),
    extendEnv: false,
    reject: false,
  });
  return result.exitCode === 0;
}

/**
 * Puts back the images the failed configuration's builds replaced (their `-previous` tags), for a rollback: the
 * restored compose.build.yaml names the same tag. Returns the images put back.
 */
export async function restorePreviousImages(
  builds: readonly RenderedBuild[],
  compose: ComposeOptions,
): Promise<string[]> {
  const restored: string[] = [];
  for (const b of builds)
    if (await tagImage(previousImage(b.image), b.image, compose)) restored.push(b.image);
  return restored;
}

/** Builds each image in turn, stopping at the first that fails. */
export async function runBuilds(
  builds: readonly RenderedBuild[],
  compose: ComposeOptions,
  report: StepReport,
): Promise<BuildFailure | undefined> {
  const { execa } = await loadExeca();
  const row = (b: RenderedBuild) => stepRow(report, buildRow(b));
  for (const b of builds) row(b)('waiting');
  for (const b of builds) {
    row(b)('starting', 'building');
    // The image this build replaces (same tag: the recipe's version) stays reachable for a rollback.
    const kept = await tagImage(b.image, previousImage(b.image), compose);
    report.log(
      kept
        ? `berth: the image ${b.image} was ${previousImage(b.image)} before this build`
        : `berth: no earlier ${b.image} to keep`,
    );
    const child = execa('docker', ['compose', '--progress', 'plain', 'build', b.service], {
      cwd: compose.cwd,
      env: composeEnv(compose),
      extendEnv: false,
      reject: false,
      all: true,
      buffer: false,
    });
    const tail: string[] = [];
    for await (const line of child.iterable({ from: 'all' })) {
      const text = String(line);
      report.log(`build ${b.service} | ${text}`);
      tail.push(text);
      if (tail.length > 20) tail.shift();
      const step = /^#\d+ \[[^\]]+\] (.+)$/.exec(text)?.[1];
      if (step) row(b)('starting', step.slice(0, 60));
    }
    const { exitCode } = await child;
    if (exitCode !== 0) {
      row(b)('failed', exitCode === undefined ? 'killed' : `exit ${exitCode}`);
      return { build: b, exitCode, lines: tail };
    }
    row(b)('completed', b.image);
  }
  return undefined;
}
