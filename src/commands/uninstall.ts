// `berth uninstall`: removes the stack's containers and network. Data stays unless --purge, which first lists
// exactly what will be deleted and asks (or needs --yes without a terminal).
import { existsSync, rmSync } from 'node:fs';
import type { Exec } from '../compose/exec.js';
import type { Context } from '../context.js';
import { CancelledError, UsageError } from '../errors.js';
import { previousImage } from '../steps/builds.js';
import { openInstall } from '../steps/open-install.js';
import { composeDown } from './down.js';
import { dataLabel } from '../swarm/stack-file.js';
import {
  otherVolumeNodes,
  purgeStackLeftovers,
  removeLabelled,
  removeStack,
  stackVolumes,
  swarmNodes,
  type SwarmNode,
} from '../swarm/remove.js';
import { otherNodesText, swarmUninstallKeptText } from '../swarm/swarm-messages.js';

export async function projectVolumes(
  exec: Exec,
  project: string,
  env: Record<string, string>,
): Promise<string[]> {
  const result = await exec(
    'docker',
    ['volume', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${project}`],
    { env, timeoutMs: 30_000 },
  );
  return result.exitCode === 0 ? result.stdout.split('\n').filter(Boolean).sort() : [];
}

export async function uninstallCommand(ctx: Context): Promise<number> {
  const global = ctx.cli.options;
  const install = openInstall(ctx);
  const swarm = install.state.target === 'swarm';
  const volumes = swarm
    ? await stackVolumes(ctx.exec, install.project, install.composeEnv)
    : await projectVolumes(ctx.exec, install.project, install.composeEnv);
  if (!global.purge && swarm) {
    await removeStack(ctx.exec, install.project, install.composeEnv);
    await removeLabelled(ctx.exec, install.project, install.composeEnv);
    ctx.stdout.write(swarmUninstallKeptText(install.project, install.dir, volumes));
    return 0;
  }
  if (!global.purge) {
    await composeDown(ctx.exec, install.dir, install.composeEnv, []);
    ctx.stdout.write(
      [
        `Removed the containers of ${install.project}.`,
        `Kept your data: ${volumes.length ? `volumes ${volumes.join(', ')}` : 'no volumes'} and ${install.dir} (answers, secrets, backups).`,
        `To delete those too: berth uninstall --dir ${install.dir} --purge`,
        '',
      ].join('\n'),
    );
    return 0;
  }
  // Host folders inside the install folder go with it; those outside are listed (and asked about) on their own.
  const hostPaths = (install.state.hostPaths ?? []).filter((p) => !p.path.startsWith(`${install.dir}/`));
  const images = install.state.builtImages ?? [];
  const nodes: SwarmNode[] = swarm ? await swarmNodes(ctx.exec, install.project, install.composeEnv) : [];
  const doomed = [
    ...volumes.map((v) => `volume ${v}${swarm ? ' (on this node)' : ''}`),
    ...nodes.filter((n) => n.data).map((n) => `node label ${dataLabel(install.project)} on ${n.hostname}`),
    ...images.map((i) => `image ${i} (built from your source)`),
    ...hostPaths.map(
      (p) => `host folder ${p.path} (${p.description})${p.data ? ': asked about separately' : ''}`,
    ),
    `folder ${install.dir} (compose files, .env with its secrets, berth.yaml, backups, logs)`,
  ];
  ctx.stdout.write(
    `berth uninstall --purge deletes, for good:\n${doomed.map((d) => `  - ${d}`).join('\n')}\n`,
  );
  if (!global.yes) {
    if (!ctx.prompter) {
      throw new UsageError('--purge deletes data and there is no terminal to confirm it on.', {
        hint: 'Re-run with --yes to confirm.',
      });
    }
    const confirmed = await ctx.prompter({
      question: { id: 'purge', type: 'confirm', prompt: 'Delete all of this? It cannot be undone.' },
      initial: false,
      initialOrigin: 'default',
      answers: {},
    });
    if (confirmed !== true) throw new CancelledError();
  }
  let unreached = '';
  if (swarm) {
    await removeStack(ctx.exec, install.project, install.composeEnv);
    const failed = await purgeStackLeftovers(ctx.exec, install.project, install.composeEnv, volumes, nodes);
    if (failed.length > 0)
      ctx.stderr.write(`Could not remove:\n${failed.map((f) => `  - ${f}`).join('\n')}\n`);
    unreached = otherNodesText(install.project, otherVolumeNodes(install.project, nodes), volumes);
  } else await composeDown(ctx.exec, install.dir, install.composeEnv, ['--volumes']);
  if (volumes.length > 0 && !swarm) {
    // Volumes compose no longer knows about (a service removed by a reconfigure) go too.
    await ctx.exec('docker', ['volume', 'rm', '--force', ...volumes], {
      env: install.composeEnv,
      timeoutMs: 120_000,
    });
  }
  if (images.length > 0)
    await ctx.exec('docker', ['image', 'rm', '--force', ...images, ...images.map(previousImage)], {
      env: install.composeEnv,
      timeoutMs: 120_000,
    });
  const hostData = await purgeHostPaths(ctx, hostPaths);
  rmSync(install.dir, { recursive: true, force: true });
  ctx.stdout.write(
    `Deleted ${install.project}: its containers, ${volumes.length} volume(s)${images.length > 0 ? `, ${images.length} built image(s)` : ''} and ${install.dir}.\n${hostData}${unreached}`,
  );
  return 0;
}

/**
 * Host folders outside the install folder that hold data are never deleted with the rest: each is asked about on
 * its own, on a terminal; without one (or with --yes) they are kept and named, with the command that deletes them.
 */
async function purgeHostPaths(
  ctx: Context,
  outsideDir: readonly { path: string; description: string; data: boolean }[],
): Promise<string> {
  const outside = outsideDir.filter((p) => existsSync(p.path));
  // A folder that holds no data (a cache, logs) goes with the rest, as listed.
  for (const p of outside.filter((x) => !x.data)) rmSync(p.path, { recursive: true, force: true });
  const kept: string[] = [];
  for (const p of outside.filter((x) => x.data)) {
    const remove =
      ctx.prompter !== undefined &&
      !ctx.cli.options.yes &&
      (await ctx.prompter({
        question: {
          id: 'purge_host_path',
          type: 'confirm',
          prompt: `Also delete ${p.path} (${p.description})?`,
        },
        initial: false,
        initialOrigin: 'default',
        answers: {},
      })) === true;
    if (remove) rmSync(p.path, { recursive: true, force: true });
    else kept.push(p.path);
  }
  if (kept.length === 0) return '';
  return (
    `Kept the host data folder(s) ${kept.join(', ')}: berth deletes a host folder only when you say yes to it ` +
    `on a terminal. To delete: rm -rf ${kept.join(' ')}\n`
  );
}
