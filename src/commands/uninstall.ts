// `berth uninstall`: removes the stack's containers and network. Data stays unless --purge, which first lists
// exactly what will be deleted and asks (or needs --yes without a terminal).
import { rmSync } from 'node:fs';
import type { Exec } from '../compose/exec.js';
import type { Context } from '../context.js';
import { CancelledError, UsageError } from '../errors.js';
import { openInstall } from '../steps/open-install.js';
import { composeDown } from './down.js';

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
  const volumes = await projectVolumes(ctx.exec, install.project, install.composeEnv);
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
  const doomed = [
    ...volumes.map((v) => `volume ${v}`),
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
  await composeDown(ctx.exec, install.dir, install.composeEnv, ['--volumes']);
  if (volumes.length > 0) {
    // Volumes compose no longer knows about (a service removed by a reconfigure) go too.
    await ctx.exec('docker', ['volume', 'rm', '--force', ...volumes], {
      env: install.composeEnv,
      timeoutMs: 120_000,
    });
  }
  rmSync(install.dir, { recursive: true, force: true });
  ctx.stdout.write(
    `Deleted ${install.project}: its containers, ${volumes.length} volume(s) and ${install.dir}.\n`,
  );
  return 0;
}
