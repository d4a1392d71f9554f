// Brings the stack up with `docker compose up -d --wait`, streaming compose's own progress lines and keeping
// a full log under .berth/logs/.
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { composeUp } from '../compose/docker-compose.js';
import type { Context } from '../context.js';
import { BerthError, ExitCode } from '../errors.js';
import { BERTH_DIR } from '../install-dir/state.js';
import { parseDotenv } from '../render/dotenv.js';
import { ENV_FILE } from '../render/render-recipe.js';
import type { Prepared } from './prepare.js';

export async function startStack(
  p: Pick<Prepared, 'dir' | 'rendering'>,
  ctx: Pick<Context, 'stdout' | 'now'>,
  waitTimeout: number,
): Promise<void> {
  const logDir = path.join(p.dir, BERTH_DIR, 'logs');
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const logFile = path.join(logDir, `up-${ctx.now().toISOString().replace(/[:.]/g, '-')}.log`);
  const log = createWriteStream(logFile, { mode: 0o600 });
  const env = p.rendering.files.find((f) => f.path === ENV_FILE)!;
  const child = composeUp({
    cwd: p.dir,
    envNames: Object.keys(parseDotenv(env.content)),
    timeoutSeconds: waitTimeout,
  });
  const tail: string[] = [];
  for await (const line of child.iterable({ from: 'all' })) {
    const text = String(line);
    log.write(`${text}\n`);
    tail.push(text);
    if (tail.length > 30) tail.shift();
    ctx.stdout.write(`  ${text}\n`);
  }
  const result = await child;
  await new Promise<void>((resolve) => log.end(resolve));
  if (result.exitCode !== 0) {
    throw new BerthError(`The stack did not come up: docker compose exited with code ${result.exitCode}.`, {
      exitCode: ExitCode.compose,
      details: tail.slice(-10),
      hint: `Full log: ${path.relative(p.dir, logFile)} in ${p.dir}. Inspect with \`docker compose ps -a\` and \`docker compose logs\` there.`,
    });
  }
}
