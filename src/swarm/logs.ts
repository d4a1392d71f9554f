// `berth logs` of a swarm install: `docker service logs` of each service (all of them at once under --follow),
// every line prefixed with the service's name as compose prefixes its containers'.
import type { Context } from '../context.js';
import { loadExeca } from '../compose/exec.js';
import { UsageError } from '../errors.js';
import type { OpenInstall } from '../steps/open-install.js';

/** The services to show: those named (each must be one of the stack's), else all the install has. */
export function logServices(known: readonly string[], named: readonly string[]): string[] {
  const unknown = named.filter((n) => !known.includes(n));
  if (unknown.length > 0)
    throw new UsageError(`No service ${unknown.join(', ')} in this stack.`, {
      hint: `Its services: ${known.join(', ')}.`,
    });
  return named.length > 0 ? [...named] : [...known];
}

export async function swarmLogs(ctx: Context, install: OpenInstall): Promise<number> {
  const global = ctx.cli.options;
  const known = (install.state.services ?? []).map((s) => s.name);
  const services = logServices(known, ctx.cli.positionals);
  const width = Math.max(...services.map((s) => s.length));
  const args = ['service', 'logs', '--raw', '--tail', global.tail ?? (global.follow ? '100' : 'all')];
  if (global.follow) args.push('--follow');
  const { execa } = await loadExeca();
  const one = async (service: string): Promise<boolean> => {
    const child = execa('docker', [...args, `${install.project}_${service}`], {
      env: install.composeEnv,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      all: true,
    });
    const prefix = `${service.padEnd(width)}  | `;
    for await (const line of child.iterable({ from: 'all' })) ctx.stdout.write(`${prefix}${String(line)}\n`);
    return (await child).exitCode === 0;
  };
  // Without --follow one service after the other, so each one's lines stay together; with it, all at once.
  const results: boolean[] = [];
  if (global.follow) results.push(...(await Promise.all(services.map(one))));
  else for (const service of services) results.push(await one(service));
  return results.every(Boolean) ? 0 : 5;
}
