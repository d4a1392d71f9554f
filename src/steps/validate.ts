// Checks the rendered stack before anything is written: the Compose JSON Schema on every compose file, then
// the real `docker compose config -q` over a staged copy of the final folder.
import type { Exec } from '../compose/exec.js';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, chmodSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeConfigCheck, type ComposeCli } from '../compose/docker-compose.js';
import { composeSchemaProblems } from '../compose/validate-schema.js';
import { RecipeError } from '../errors.js';
import { ENV_FILE } from '../render/render-recipe.js';
import { parseDotenv } from '../render/dotenv.js';
import { sha256 } from '../install-dir/state.js';
import type { Prepared } from './prepare.js';

export interface Staged {
  dir: string;
  /** `docker compose config` accepted these files: now, or earlier (the same bytes), or not at all (no compose). */
  composeChecked: 'now' | 'earlier' | false;
  /** Hash of the final files, recorded once compose accepted them. */
  validated: string | undefined;
  cleanup(): void;
}

/** One hash over every final file's path, mode and bytes. */
export function finalHash(p: Pick<Prepared, 'dir' | 'rendering' | 'plan'>): string {
  return sha256(
    finalFiles(p)
      .map((f) => `${f.path}\0${f.mode}\0${f.content}`)
      .join('\0\0'),
  );
}

/** The final folder's contents: rendered files, with the user's own files as they are on disk. */
export function finalFiles(
  p: Pick<Prepared, 'dir' | 'rendering' | 'plan'>,
): { path: string; content: string; mode: number }[] {
  return p.rendering.files.map((f) => {
    const kept = p.plan.find((e) => e.path === f.path)?.action === 'keep';
    return kept ? { ...f, content: readFileSync(path.join(p.dir, f.path), 'utf8') } : f;
  });
}

export function checkSchemas(p: Pick<Prepared, 'dir' | 'rendering' | 'plan' | 'recipe'>): void {
  const problems = finalFiles(p)
    .filter((f) => p.rendering.composeFiles.includes(f.path))
    .flatMap((f) => composeSchemaProblems(f.content).map((problem) => `${f.path}: ${problem}`));
  if (problems.length > 0) {
    throw new RecipeError('The rendered compose files do not follow the Compose Specification.', {
      details: problems,
      hint: `If compose.override.yaml is named, fix it; otherwise recipe ${p.recipe.manifest.name} has a bug.`,
    });
  }
}

export async function stageAndCheck(
  p: Prepared,
  compose: ComposeCli | undefined,
  exec: Exec,
): Promise<Staged> {
  checkSchemas(p);
  const hash = finalHash(p);
  if (compose && p.previous.state?.validated === hash) {
    return { dir: '', composeChecked: 'earlier', validated: hash, cleanup: () => undefined };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-${p.recipe.manifest.name}-`));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    for (const f of finalFiles(p)) {
      const target = path.join(dir, f.path);
      if (!existsSync(path.dirname(target))) mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, f.content, { mode: f.mode });
      chmodSync(target, f.mode);
    }
    if (compose) {
      const envFile = p.rendering.files.find((f) => f.path === ENV_FILE)!;
      const problem = await composeConfigCheck(exec, compose, {
        cwd: dir,
        envNames: Object.keys(parseDotenv(envFile.content)),
      });
      if (problem) {
        throw new RecipeError('`docker compose config` rejected the rendered files.', {
          details: problem.split('\n').map((l) => l.replaceAll(dir, '<install dir>')),
          hint: `If compose.override.yaml is named, fix it; otherwise recipe ${p.recipe.manifest.name} has a bug.`,
        });
      }
    }
  } catch (error) {
    cleanup();
    throw error;
  }
  return {
    dir,
    composeChecked: compose ? 'now' : false,
    validated: compose ? hash : undefined,
    cleanup,
  };
}
