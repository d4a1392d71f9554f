// `berth logs [service…]`: the stack's logs through docker compose, run in the install folder.
import { execa } from 'execa';
import { parseCli } from '../cli/args.js';
import type { Context } from '../context.js';
import { openInstall } from '../steps/open-install.js';

export async function logsCommand(ctx: Context): Promise<number> {
  const { global } = parseCli(ctx.argv, []);
  const install = openInstall(ctx);
  const args = ['compose', 'logs', '--no-color', '--tail', global.tail ?? (global.follow ? '100' : 'all')];
  if (global.follow) args.push('--follow');
  const result = await execa('docker', [...args, ...global.services], {
    cwd: install.dir,
    env: install.composeEnv,
    extendEnv: false,
    reject: false,
    stdio: 'inherit',
  });
  return result.exitCode === 0 ? 0 : 5;
}
