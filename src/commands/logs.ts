// `berth logs [service…]`: the stack's logs through docker compose, run in the install folder.
import { execa } from 'execa';
import type { Context } from '../context.js';
import { cleanLines } from '../diagnose/evidence.js';
import { openInstall } from '../steps/open-install.js';
import { swarmLogs } from '../swarm/logs.js';

export async function logsCommand(ctx: Context): Promise<number> {
  const global = ctx.cli.options;
  const install = openInstall(ctx);
  if (install.state.target === 'swarm') return swarmLogs(ctx, install);
  const args = ['compose', 'logs', '--no-color', '--tail', global.tail ?? (global.follow ? '100' : 'all')];
  if (global.follow) args.push('--follow');
  const options = { cwd: install.dir, env: install.composeEnv, extendEnv: false, reject: false } as const;
  if ((ctx.stdout as { isTTY?: boolean }).isTTY === true) {
    const result = await execa('docker', [...args, ...ctx.cli.positionals], { ...options, stdio: 'inherit' });
    return result.exitCode === 0 ? 0 : 5;
  }
  // Piped or logged: compose writes ESC[2K before every line even with --no-color; keep the text clean.
  const child = execa('docker', [...args, ...ctx.cli.positionals], {
    ...options,
    stdin: 'ignore',
    stderr: 'inherit',
  });
  for await (const line of child.iterable()) ctx.stdout.write(`${cleanLines(String(line)).join('\n')}\n`);
  const result = await child;
  return result.exitCode === 0 ? 0 : 5;
}
