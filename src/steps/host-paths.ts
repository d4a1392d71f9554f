// The host folders a recipe declares (hostPaths): checked for space before anything is written, created with
// their owner and mode before the stack starts, recorded in state.json for uninstall and backup. A folder that
// already exists is used as it is: berth never changes the owner or mode of a folder it did not create.
import { chmodSync, chownSync, existsSync, mkdirSync, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import { BerthError, ExitCode } from '../errors.js';
import type { RenderedHostPath } from '../render/render-recipe.js';

export const hostPathOf = (dir: string, p: Pick<RenderedHostPath, 'path'>): string =>
  path.resolve(dir, p.path);

const octal = (mode: number) => mode.toString(8).padStart(4, '0');

/** Creates the folders that are missing; returns a line for each one created. */
export function ensureHostPaths(
  dir: string,
  paths: readonly RenderedHostPath[],
  me: { uid: number; gid: number },
): string[] {
  const created: string[] = [];
  for (const p of paths) {
    const abs = hostPathOf(dir, p);
    if (existsSync(abs)) {
      if (!statSync(abs).isDirectory())
        throw new BerthError(`${abs} (${p.description}) exists and is not a folder.`, {
          hint: 'Move it away, or answer with another path.',
        });
      continue;
    }
    const foreign = p.uid !== me.uid || p.gid !== me.gid;
    if (foreign && me.uid !== 0)
      throw new BerthError(
        `${abs} (${p.description}) must be owned by ${p.uid}:${p.gid}, and only root can do that.`,
        {
          exitCode: ExitCode.preflight,
          hint: `Create it first: sudo install -d -o ${p.uid} -g ${p.gid} -m ${octal(p.mode)} ${abs} — then run berth again.`,
        },
      );
    mkdirSync(abs, { recursive: true });
    chmodSync(abs, p.mode);
    if (foreign) chownSync(abs, p.uid, p.gid);
    created.push(`Created ${abs} (${p.description}; owner ${p.uid}:${p.gid}, mode ${octal(p.mode)}).`);
  }
  return created;
}

/** Host folders whose filesystem has less free space than the recipe says they need. */
export function hostPathSpaceProblems(dir: string, paths: readonly RenderedHostPath[]): string[] {
  return paths.flatMap((p) => {
    if (p.diskGb === undefined) return [];
    let probe = hostPathOf(dir, p);
    while (!existsSync(probe)) probe = path.dirname(probe);
    const s = statfsSync(probe);
    const freeGb = (s.bavail * s.bsize) / 1024 ** 3;
    if (freeGb >= p.diskGb) return [];
    return [
      `${hostPathOf(dir, p)} (${p.description}) needs ${p.diskGb} GB; its filesystem (at ${probe}) has ${freeGb.toFixed(1)} GB free. ` +
        'Free some space there, or answer with a folder on a larger disk.',
    ];
  });
}
