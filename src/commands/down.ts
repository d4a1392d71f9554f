// `berth down`: stops and removes the stack's containers; volumes (your data) and files stay.
import type { Exec } from '../compose/exec.js';
import type { Context } from '../context.js';
import { engineError } from '../compose/ps.js';
import { openInstall } from '../steps/open-install.js';
import { removeStack } from '../swarm/remove.js';
import { swarmDownText } from '../swarm/swarm-messages.js';

export async function downCommand(ctx: Context): Promise<number> {
  const install = openInstall(ctx);
  if (install.state.target === 'swarm') {
    await removeStack(ctx.exec, install.project, install.composeEnv);
    ctx.stdout.write(swarmDownText(install.project, install.dir));
    return 0;
  }
  await composeDown(ctx.exec, install.dir, install.composeEnv, []);
  ctx.stdout.write(
    `Stopped ${install.project}. Data volumes and ${install.dir} are kept; start again with berth install --dir ${install.dir} --yes.\n`,
  );
  return 0;
}

export async function composeDown(
  exec: Exec,
  dir: string,
  env: Record<string, string>,
  extra: string[],
): Promise<void> {
  const result = await exec('docker', ['compose', 'down', '--remove-orphans', ...extra], {
    cwd: dir,
    env,
    timeoutMs: 300_000,
  });
  if (result.exitCode !== 0) throw engineError(`${result.stdout}\n${result.stderr}`.trim());
}
