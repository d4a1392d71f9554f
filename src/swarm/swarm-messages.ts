// What status, down and uninstall print for a swarm install, and the errors of the swarm commands. All wording here.
import { engineProblem } from '../compose/engine-errors.js';
import { engineError } from '../compose/ps.js';
import { BerthError, ExitCode } from '../errors.js';
import type { SwarmServiceStatus } from './services.js';

/** A failed docker swarm command: the engine unreachable, this node not a manager, or the engine's own words. */
export function swarmError(stderr: string): BerthError {
  const text = stderr.trim();
  if (engineProblem(text) !== undefined) return engineError(text);
  if (/not a swarm manager|not part of a swarm/i.test(text))
    return new BerthError(
      'This Docker engine is not a swarm manager: the stack can only be managed from one.',
      {
        exitCode: ExitCode.compose,
        details: text.split('\n').slice(-3),
        hint: 'Run berth on the manager the stack was installed from (docker node ls there lists the nodes).',
      },
    );
  return new BerthError('docker failed on the swarm stack.', {
    exitCode: ExitCode.compose,
    details: text.split('\n').slice(-5),
    hint: 'See the lines above.',
  });
}

function describe(s: SwarmServiceStatus): string {
  if (s.state === 'not created') return 'not created';
  const { running, desired, completed } = s.replicas;
  const count = s.oneshot ? `${completed ?? 0}/${desired}` : `${running}/${desired}`;
  const health = s.health === 'starting' ? ', health starting' : s.health ? `, ${s.health}` : '';
  const where = s.nodes.length > 0 ? ` on ${s.nodes.join(', ')}` : '';
  return `${s.state} ${count}${s.oneshot ? ' (one-shot)' : ''}${health}${where}`;
}

function detailLines(s: SwarmServiceStatus, indent: string): string[] {
  const lines: string[] = [];
  if (s.lastError) lines.push(`${indent}last task error (${s.lastError.when}): ${s.lastError.error}`);
  if (s.update)
    lines.push(`${indent}update ${s.update.state}${s.update.message ? `: ${s.update.message}` : ''}`);
  return lines;
}

export function swarmStatusText(
  install: { dir: string; project: string; recipe: string; version: string },
  services: SwarmServiceStatus[],
  urls: { label: string; url: string }[],
  backups: string[] = [],
): string {
  const width = Math.max(7, ...services.map((s) => s.name.length));
  const bad = services.filter((s) => !s.ok).length;
  const lines = [
    `${install.recipe} ${install.version} in ${install.dir} (swarm stack ${install.project})`,
    '',
    ...services.flatMap((s) => [
      `  ${s.ok ? '✔' : '✖'} ${s.name.padEnd(width)}  ${describe(s)}`,
      ...detailLines(s, ' '.repeat(width + 6)),
    ]),
    '',
    bad === 0 ? 'All services are up.' : `${bad} service(s) need attention: berth logs <service> shows why.`,
  ];
  if (urls.length > 0) lines.push('', ...urls.map((u) => `  ${u.label}: ${u.url}`));
  if (backups.length > 0) lines.push('', ...backups);
  return `${lines.join('\n')}\n`;
}

/** Volumes berth cannot reach: those on other nodes of the swarm, with the command to run on each. */
export function otherNodesText(project: string, nodes: readonly string[], known: readonly string[]): string {
  if (nodes.length === 0) return '';
  const names = known.length > 0 ? ` (${known.join(', ')})` : '';
  return [
    `Volumes on other nodes cannot be removed from here: the stack's volumes${names} may also be on ${nodes.join(', ')}.`,
    `On ${nodes.length > 1 ? 'each of those nodes' : nodes[0]}, run:`,
    `  docker volume rm $(docker volume ls -q --filter label=com.docker.stack.namespace=${project})`,
    '',
  ].join('\n');
}

export const swarmDownText = (project: string, dir: string): string =>
  `Stopped ${project}: the swarm stack is removed (services, networks, and berth's secrets and configs, which the ` +
  `next install makes again from ${dir}). Data volumes and ${dir} are kept; start again with ` +
  `berth install --dir ${dir} --yes.\n`;

export const swarmUninstallKeptText = (project: string, dir: string, volumes: readonly string[]): string =>
  [
    `Removed the swarm stack ${project}: its services, networks, secrets and configs.`,
    `Kept your data: ${volumes.length ? `volumes ${volumes.join(', ')} on this node` : 'no volumes on this node'}, ` +
      `the node label berth.${project}.data and ${dir} (answers, secrets, backups).`,
    `To delete those too: berth uninstall --dir ${dir} --purge`,
    '',
  ].join('\n');
