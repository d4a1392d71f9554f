// `berth bundle`: one file to install a stack on a machine without network: the stack's images for the answers
// given (or every combination), berth.mjs, Node.js for the target, install.sh, the recipe folder, the answers
// (never secrets), a manifest and SHA256SUMS. install.sh --bundle FILE installs from it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Context } from '../context.js';
import { BerthError, UsageError } from '../errors.js';
import {
  forOtherArch,
  inspectImage,
  pullImage,
  refuseOtherArch,
  stackImages,
  type LocalImage,
} from '../bundle/images.js';
import { hostArch, nodeRuntime } from '../bundle/node-runtime.js';
import { stackRenderings } from '../bundle/stack-answers.js';
import { megabytes, ROOT, writeBundle } from '../bundle/write-bundle.js';
import { composeEnv } from '../compose/docker-compose.js';
import { locate } from '../steps/locate.js';
import type { Recipe } from '../recipes/load-recipe.js';
import type { Answers } from '../recipes/condition.js';
import { berthVersion } from '../version.js';

/** berth.mjs as it runs now: the bundle goes in whole. */
function runningBundle(): string {
  const file = path.resolve(process.argv[1] ?? '');
  if (file.endsWith('.mjs') && existsSync(file)) return file;
  throw new BerthError('berth bundle runs from the built berth.mjs, which it puts into the bundle.', {
    hint: 'Run `npm run build`, then node dist/berth.mjs bundle …',
  });
}

/** install.sh beside berth.mjs (a release folder), one folder up (a checkout), or berth's own folder. */
function findInstallSh(mjs: string, env: Context['env']): string {
  const home =
    env.BERTH_HOME ?? path.join(env.XDG_DATA_HOME ?? path.join(env.HOME ?? '', '.local/share'), 'berth');
  const places = [
    env.BERTH_INSTALL_SH,
    path.join(path.dirname(mjs), 'install.sh'),
    path.join(path.dirname(mjs), '..', 'install.sh'),
    path.join(home, 'install.sh'),
  ].filter((p): p is string => typeof p === 'string' && p !== '');
  const found = places.find((p) => existsSync(p));
  if (found) return found;
  throw new BerthError('berth bundle needs install.sh to put into the bundle, and found none.', {
    hint: `Looked in: ${places.join(', ')}. Set BERTH_INSTALL_SH to a release's install.sh.`,
  });
}

function answersYaml(recipe: Recipe, given: Answers): string | undefined {
  if (Object.keys(given).length === 0) return undefined;
  const m = recipe.manifest;
  return (
    `# Answers carried by a berth bundle for ${m.title} (${m.name} ${m.version}); never secrets.\n` +
    stringify({ recipe: m.name, recipeVersion: m.version, answers: given })
  );
}

/** Each image from the engine; what it lacks is pulled (never with --dry-run, which only lists). */
async function localImages(
  ctx: Context,
  names: string[],
  env: Record<string, string>,
  arch: string,
): Promise<LocalImage[]> {
  const found: LocalImage[] = [];
  const dryRun = ctx.cli.options.dryRun;
  for (const name of names) {
    let image = await inspectImage(ctx.exec, env, name);
    if (!image && !dryRun) {
      ctx.stderr.write(`Pulling ${name} (not on this machine)…\n`);
      await pullImage(ctx.exec, env, name, arch);
      image = await inspectImage(ctx.exec, env, name);
    }
    const otherArch = image && forOtherArch(image, arch) ? `  (for ${image.arch}, not ${arch})` : '';
    ctx.stdout.write(
      `  ${name}  ${image ? megabytes(image.size) : 'not on this machine: berth bundle pulls it'}${otherArch}\n`,
    );
    if (image) found.push(image);
    // docker load restores tags, not registry digests: compose would not find name@sha256:… on the target.
    if (name.includes('@sha256:'))
      ctx.stderr.write(`! ${name} is pinned by digest, which docker load does not restore: pin it by tag.\n`);
  }
  return found;
}

export async function bundleCommand(ctx: Context): Promise<number> {
  const options = ctx.cli.options;
  if (!options.output && !options.dryRun)
    throw new UsageError('berth bundle needs the file to write: -o FILE.', {
      hint: 'e.g. berth bundle --recipe magec --mode openai -o magec.berth (or --dry-run to list the images).',
    });
  const arch = options.arch ?? hostArch();
  if (!arch)
    throw new UsageError(
      `This machine is ${process.arch}: say which machine the bundle is for with --arch amd64|arm64.`,
    );
  const located = await locate(ctx);
  const { renderings, given } = await stackRenderings(ctx, located);
  const env = composeEnv({ cwd: ctx.cwd, envNames: [], env: ctx.env });
  const names = await stackImages(renderings, ctx.exec, ctx.env);
  const how = options.allModes
    ? `every combination of ${located.recipe.manifest.name}'s answers`
    : 'these answers';
  const list = () => {
    ctx.stdout.write(`Images for ${how} (${renderings.length} rendering(s)):\n`);
    return localImages(ctx, names, env, arch);
  };
  if (options.dryRun) {
    await list();
    return 0;
  }
  // What can fail quickly fails before any pull or save.
  const output = path.resolve(ctx.cwd, options.output!);
  const mjs = runningBundle();
  const installSh = findInstallSh(mjs, ctx.env);
  const node = await nodeRuntime(
    typeof options.node === 'string' ? path.resolve(ctx.cwd, options.node) : options.node,
    arch,
    ctx.env,
  );
  const images = await list();
  refuseOtherArch(images, arch);
  const { recipe } = located;
  const written = await writeBundle(
    {
      output,
      images,
      berthMjs: mjs,
      installSh,
      node,
      recipe: { name: recipe.manifest.name, version: recipe.manifest.version, folder: recipe.folder },
      answers: answersYaml(recipe, given),
      arch,
      berthVersion: berthVersion(),
      now: ctx.now(),
      env,
    },
    ctx.stderr,
  );
  const file = path.basename(output);
  ctx.stdout.write(
    `✔ Wrote ${output}: ${megabytes(written.bytes)} (images: ${megabytes(written.read)} of docker save, compressed; ` +
      `${node ? `Node.js ${node.version} for ${arch}` : 'no Node.js: the target needs Node.js 20+'}).\n` +
      `On the machine to install, with the file there:\n` +
      `  tar -xOf ${file} ${ROOT}/install.sh | sh -s -- --bundle ${file}${given && Object.keys(given).length ? ' --yes' : ''}\n`,
  );
  return 0;
}
