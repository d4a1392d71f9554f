// `berth down`: stops and removes the stack's containers; volumes (your data) and files stay.
import { execa } from 'execa';
import type { Context } from '../context.js';
import { engineError } from '../compose/ps.js';
import { openInstall } from '../steps/open-install.js';

export async function downCommand(ctx: Context): Promise<number> {
  const install = openInstall(ctx);
  await composeDown(install.dir, install.composeEnv, []);
  ctx.stdout.write(
    `Stopped ${install.project}. Data volumes and ${install.dir} are kept; start again with berth install --dir ${install.dir} --yes.\n`,
  );
  return 0;
}

export async function composeDown(dir: string, env: Record<string, string>, extra: string[]): Promise<void> {
  const result = await execa('docker', ['compose', 'down', '--remove-orphans', ...extra], {
    cwd: dir,
    env,
    extendEnv: false,
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0) throw engineError(String(result.all ?? result.stderr));
}
