// Checks the rendered stack before anything is written: the real `docker compose config -q` over a staged copy of
// the final folder (the Compose Specification, interpolation and merge). The Compose JSON Schema (a 400 KB
// compiled validator, loaded only when needed) stands in when Compose is missing, and names the field when
// Compose rejects the files.
import type { Exec } from '../compose/exec.js';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, chmodSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeConfigCheck, type ComposeCli } from '../compose/docker-compose.js';
import { RecipeError } from '../errors.js';
import { ENV_FILE } from '../render/render-recipe.js';
import { parseDotenv } from '../render/dotenv.js';
import { sha256 } from '../install-dir/state.js';
import type { Prepared } from './prepare.js';

export interface Checked {
  /** `docker compose config` accepted these files: now, or earlier (the same bytes), or not at all (no compose). */
  composeChecked: 'now' | 'earlier' | false;
  /** Hash of the final files, recorded once compose accepted them. */
  validated: string | undefined;
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

export async function checkSchemas(
  p: Pick<Prepared, 'dir' | 'rendering' | 'plan' | 'recipe'>,
): Promise<void> {
  const { composeSchemaProblems } = await import('../compose/validate-schema.js');
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

/** A temporary folder holding the final files with their modes, as the install folder would: the caller removes it. */
export function stageFinalFiles(p: Pick<Prepared, 'dir' | 'rendering' | 'plan' | 'recipe'>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `berth-${p.recipe.manifest.name}-`));
  for (const f of finalFiles(p)) {
    const target = path.join(dir, f.path);
    if (!existsSync(path.dirname(target))) mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, f.content, { mode: f.mode });
    chmodSync(target, f.mode);
  }
  return dir;
}

/**
 * `docker compose config -q` on a staged copy of the final files (skipped for the exact bytes it accepted before);
 * without Compose, the JSON Schema alone. Nothing is left behind in either case.
 */
export async function checkFiles(p: Prepared, compose: ComposeCli | undefined, exec: Exec): Promise<Checked> {
  if (!compose) {
    await checkSchemas(p);
    return { composeChecked: false, validated: undefined };
  }
  const hash = finalHash(p);
  if (p.previous.state?.validated === hash) return { composeChecked: 'earlier', validated: hash };
  const dir = stageFinalFiles(p);
  try {
    const envFile = p.rendering.files.find((f) => f.path === ENV_FILE)!;
    const problem = await composeConfigCheck(exec, compose, {
      cwd: dir,
      envNames: Object.keys(parseDotenv(envFile.content)),
    });
    if (!problem) return { composeChecked: 'now', validated: hash };
    // The schema names the file and field where it can; otherwise Compose's own words.
    await checkSchemas(p);
    throw new RecipeError('`docker compose config` rejected the rendered files.', {
      details: problem.split('\n').map((l) => l.replaceAll(dir, '<install dir>')),
      hint: `If compose.override.yaml is named, fix it; otherwise recipe ${p.recipe.manifest.name} has a bug.`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
