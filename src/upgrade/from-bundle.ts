// `berth upgrade --bundle FILE`: an upgrade whose recipe and images come from an offline bundle. Before anything
// else the bundle is checked whole (every SHA256); then it must carry the install's recipe. A bundle whose berth
// is newer than this one is run with its own berth (its recipe and upgrade steps belong to it): this berth
// re-executes the bundle's berth.mjs, checked above, with the same command line, never mixing the two. Otherwise
// this berth upgrades, with the bundle's recipe (its folder, or, for a recipe shipped inside berth, the same
// version built in here), the images `docker load`ed from the bundle and compose's pulls off (--pull never).
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Context } from '../context.js';
import { loadExeca } from '../compose/exec.js';
import { UsageError } from '../errors.js';
import { installedRecipe, readPreviousInstall } from '../install-dir/state.js';
import { extractFile, extractFolder, openBundle, type Bundle } from '../bundle/read-bundle.js';
import { ROOT } from '../bundle/write-bundle.js';
import { loadRecipe } from '../recipes/registry.js';
import { compareVersions, parseVersion } from '../recipes/versions.js';
import { defaultDir } from '../steps/locate.js';
import { berthVersion } from '../version.js';

/** The upgrade to run here: its context (recipe from the bundle, --pull never) and the bundle to load from. */
export interface FromBundle {
  ctx: Context;
  bundle: Bundle;
  /** The bundle's recipe folder, unpacked into a temporary folder (kept under berth's folder once applied). */
  recipeFolder: string | undefined;
  cleanup(): void;
}

/** berth's own folder, as install.sh sets it: recipes from bundles are kept there. */
export const berthHome = (env: Context['env']): string =>
  env.BERTH_HOME ?? path.join(env.XDG_DATA_HOME ?? path.join(env.HOME ?? '', '.local/share'), 'berth');

/** Where a bundle's recipe folder is kept once an upgrade uses it: per version, so a rollback's still holds. */
export function keepRecipe(env: Context['env'], from: string, name: string, version: string): string {
  const kept = path.join(berthHome(env), 'recipes', `${name}-${version}`);
  rmSync(kept, { recursive: true, force: true });
  mkdirSync(path.dirname(kept), { recursive: true });
  cpSync(from, kept, { recursive: true });
  return kept;
}

const tarOut = (file: string, member: string) => `tar -xOf ${file} ${ROOT}/${member}`;

/** Checks the bundle, then either runs the bundle's newer berth (its exit status) or says how to upgrade here. */
export async function fromBundle(ctx: Context): Promise<FromBundle | { exitCode: number }> {
  const say = ctx.cli.options.json ? ctx.stderr : ctx.stdout;
  const file = path.resolve(ctx.cwd, ctx.cli.options.bundle!);
  if (ctx.cli.options.recipe !== undefined)
    throw new UsageError('--recipe and --bundle cannot both be given: the recipe comes from the bundle.');
  const bundle = await openBundle(file, (line) => say.write(line));
  const m = bundle.manifest;
  say.write(
    `✔ The bundle is intact: ${m.recipe.name} ${m.recipe.version}, berth ${m.berth}, ${m.images.length} image(s).\n`,
  );
  checkRecipeName(ctx, bundle);
  await checkArch(ctx, bundle);
  const [theirs, ours] = [parseVersion(m.berth), parseVersion(berthVersion())];
  if (theirs && ours && compareVersions(theirs, ours) > 0) return runBundleBerth(ctx, bundle);
  const options = { ...ctx.cli.options, pull: 'never' as const };
  const temp = mkdtempSync(path.join(os.tmpdir(), 'berth-upgrade-bundle-'));
  const cleanup = () => rmSync(temp, { recursive: true, force: true });
  try {
    let recipeFolder: string | undefined;
    if (m.recipe.folder) {
      recipeFolder = path.join(temp, m.recipe.name);
      await extractFolder(bundle, m.recipe.folder, recipeFolder);
      options.recipe = recipeFolder;
    } else {
      await checkBuiltIn(bundle);
      options.recipe = m.recipe.name;
    }
    return { ctx: { ...ctx, cli: { ...ctx.cli, options } }, bundle, recipeFolder, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

/**
 * The bundle's images are for one architecture (its manifest's arch); the engine's must be the same, or every
 * container would fail with `exec format error` once the old stack is stopped. Asked of the engine (`docker
 * version`), which may be another machine than this one; an engine that does not answer is the next step's error.
 */
async function checkArch(ctx: Context, bundle: Bundle): Promise<void> {
  const r = await ctx.exec('docker', ['version', '--format', '{{.Server.Arch}}'], {
    env: ctx.env,
    timeoutMs: 30_000,
  });
  const engine = r.exitCode === 0 ? r.stdout.trim() : '';
  const arch = bundle.manifest.arch;
  if (engine && arch && engine !== arch)
    throw new UsageError(
      `${bundle.file}: it is for ${arch} machines and the Docker engine runs on ${engine}: its images would not run there. Nothing was loaded or changed.`,
      { hint: `Make the bundle for this engine with berth bundle --arch ${engine}.` },
    );
}

/** The install in --dir (or the default folder for the bundle's recipe) must be of the bundle's recipe. */
function checkRecipeName(ctx: Context, bundle: Bundle): void {
  const { name, version } = bundle.manifest.recipe;
  const given = ctx.cli.options.dir ?? ctx.env.BERTH_DIR;
  const dir = given ? path.resolve(ctx.cwd, given) : defaultDir(name, ctx.facts);
  const installed = installedRecipe(readPreviousInstall(dir));
  if (installed === undefined || installed === name) return;
  throw new UsageError(
    `${dir} runs ${installed}, but the bundle ${bundle.file} carries ${name} ${version}: it cannot upgrade this install. Nothing was loaded or changed.`,
    {
      hint: `Make a bundle of ${installed} (berth bundle --recipe ${installed} … -o FILE, where the images can be pulled), or name the install of ${name} with --dir.`,
    },
  );
}

/** A recipe shipped inside berth travels as the bundle's berth.mjs: the one built in here must be that version. */
async function checkBuiltIn(bundle: Bundle): Promise<void> {
  const { name, version } = bundle.manifest.recipe;
  const here = (await loadRecipe(name)).manifest.version;
  if (here === version) return;
  throw new UsageError(
    `The bundle's ${name} ${version} is built into its berth ${bundle.manifest.berth}; this berth (${berthVersion()}) has ${name} ${here}. Nothing was loaded or changed.`,
    {
      hint: `Run the bundle's own berth: ${tarOut(bundle.file, 'berth.mjs')} >berth.mjs && node berth.mjs upgrade --bundle ${bundle.file} …`,
    },
  );
}

/** Runs the bundle's berth.mjs (checked) with this command line and the same Node.js; its status is ours. */
async function runBundleBerth(ctx: Context, bundle: Bundle): Promise<{ exitCode: number }> {
  const say = ctx.cli.options.json ? ctx.stderr : ctx.stdout;
  const theirs = bundle.manifest.berth;
  say.write(
    `This bundle carries berth ${theirs}, newer than this berth (${berthVersion()}): its recipe and upgrade ` +
      `steps belong to it, so the upgrade runs with the bundle's berth.mjs (checked above).\n`,
  );
  const temp = mkdtempSync(path.join(os.tmpdir(), 'berth-bundle-berth-'));
  try {
    const mjs = path.join(temp, 'berth.mjs');
    await extractFile(bundle, 'berth.mjs', mjs, 0o755);
    const { execa } = await loadExeca();
    const child = await execa(process.execPath, [mjs, ...ctx.cli.argv], {
      cwd: ctx.cwd,
      env: ctx.env,
      extendEnv: false,
      stdio: 'inherit',
      reject: false,
    });
    const running = process.argv[1] ? path.resolve(process.argv[1]) : undefined;
    if (child.exitCode === 0 && running?.endsWith('.mjs'))
      say.write(
        `To make berth ${theirs} this machine's berth command too: ${tarOut(bundle.file, 'berth.mjs')} >${running}\n`,
      );
    return { exitCode: child.exitCode ?? 1 };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
