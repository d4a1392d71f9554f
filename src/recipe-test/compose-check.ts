// The real `docker compose config -q` over each rendering, written into a temporary folder as berth would write
// the install folder (modes included). Renderings with the same bytes are checked once; nothing is left behind.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { composeConfigCheck, type ComposeCli } from '../compose/docker-compose.js';
import type { Exec } from '../compose/exec.js';
import { parseDotenv } from '../render/dotenv.js';
import { ANSWERS_FILE, ENV_FILE, type Rendering } from '../render/render-recipe.js';

const PARALLEL = 4;

export interface ComposeRunner {
  compose: ComposeCli;
  exec: Exec;
  env: Readonly<Record<string, string | undefined>>;
}

export function writeRendering(dir: string, rendering: Rendering): void {
  for (const file of rendering.files) {
    const target = path.join(dir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content, { mode: file.mode });
    chmodSync(target, file.mode);
  }
}

/** berth.yaml is not read by compose: renderings that differ only there are the same to it. */
const composeKey = (r: Rendering): string =>
  JSON.stringify(r.files.filter((f) => f.path !== ANSWERS_FILE).map((f) => [f.path, f.mode, f.content]));

/** Compose's complaint about each rendering, in order; undefined where it accepted the files. */
export async function composeProblems(
  renderings: readonly Rendering[],
  runner: ComposeRunner,
): Promise<(string | undefined)[]> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'berth-recipe-test-'));
  try {
    const byKey = new Map<string, Promise<string | undefined>>();
    const queue: { dir: string; rendering: Rendering; resolve: (v: string | undefined) => void }[] = [];
    const results = renderings.map((rendering) => {
      const key = composeKey(rendering);
      if (!byKey.has(key)) {
        const dir = path.join(root, String(byKey.size));
        byKey.set(key, new Promise((resolve) => queue.push({ dir, rendering, resolve })));
      }
      return byKey.get(key)!;
    });
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const checked = checkOne(job.dir, job.rendering, runner);
        job.resolve(await checked.catch((error: Error) => `could not run docker compose: ${error.message}`));
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    return await Promise.all(results);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function checkOne(
  dir: string,
  rendering: Rendering,
  runner: ComposeRunner,
): Promise<string | undefined> {
  mkdirSync(dir);
  writeRendering(dir, rendering);
  const envFile = rendering.files.find((f) => f.path === ENV_FILE);
  const envNames = Object.keys(parseDotenv(envFile?.content ?? ''));
  const problem = await composeConfigCheck(runner.exec, runner.compose, {
    cwd: dir,
    envNames,
    env: runner.env,
  });
  return problem?.replaceAll(dir, '<install folder>');
}
