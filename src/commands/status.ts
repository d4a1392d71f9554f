// `berth status`: each service's state and health, one-shot jobs' results, and the URLs of the install.
import type { Context } from '../context.js';
import { composePs, type PsRow } from '../compose/ps.js';
import { openInstall } from '../steps/open-install.js';
import { readBackupRecord, type BackupRecord } from '../backup/record.js';
import { readSwarmStack, swarmServiceStatuses } from '../swarm/services.js';
import { swarmStatusText } from '../swarm/swarm-messages.js';

export interface ServiceStatus {
  name: string;
  oneshot: boolean;
  state: string;
  health: string;
  exitCode: number | null;
  ok: boolean;
}

/** Pure: the engine's rows against the services the install should have. */
export function serviceStatuses(
  expected: { name: string; oneshot: boolean }[],
  rows: PsRow[],
): ServiceStatus[] {
  const names = [...new Set([...expected.map((s) => s.name), ...rows.map((r) => r.Service)])];
  return names.map((name) => {
    const oneshot = expected.find((s) => s.name === name)?.oneshot ?? false;
    const row = rows.find((r) => r.Service === name);
    if (!row) return { name, oneshot, state: 'not created', health: '', exitCode: null, ok: false };
    const ok = oneshot
      ? row.State === 'exited' && row.ExitCode === 0
      : row.State === 'running' && (row.Health === '' || row.Health === 'healthy');
    return {
      name,
      oneshot,
      state: row.State,
      health: row.Health,
      exitCode: row.State === 'exited' ? row.ExitCode : null,
      ok,
    };
  });
}

/** How long ago, in the largest whole unit: "3 h ago", "2 days ago". */
export function ageText(at: string, now: Date): string {
  const s = Math.max(0, (now.getTime() - new Date(at).getTime()) / 1000);
  if (s < 120) return `${Math.round(s)} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

/** The backup lines: the age of the last backup and of the last verified one, or how to take one. */
export function backupLines(record: BackupRecord, now: Date, dir: string): string[] {
  const last = record.lastBackup;
  const verified = record.lastVerified;
  if (!last) return [`No backup yet: berth backup --dir ${dir} --verify`];
  return [
    `Last backup: ${ageText(last.at, now)} (${last.archive})`,
    verified
      ? `Last verified backup: ${ageText(verified.at, now)} (${verified.archive})`
      : `No backup verified yet: berth restore --verify ${last.archive}`,
  ];
}

export function statusText(
  install: { dir: string; project: string; recipe: string; version: string },
  services: ServiceStatus[],
  urls: { label: string; url: string }[],
  backups: string[] = [],
): string {
  const width = Math.max(7, ...services.map((s) => s.name.length));
  const describe = (s: ServiceStatus) => {
    if (s.oneshot && s.state === 'exited')
      return s.exitCode === 0 ? 'completed (one-shot)' : `failed: exited with code ${s.exitCode} (one-shot)`;
    if (s.state === 'exited') return `stopped: exited with code ${s.exitCode}`;
    return s.health ? `${s.state}, ${s.health}` : s.state;
  };
  const bad = services.filter((s) => !s.ok).length;
  const lines = [
    `${install.recipe} ${install.version} in ${install.dir} (compose project ${install.project})`,
    '',
    ...services.map((s) => `  ${s.ok ? '✔' : '✖'} ${s.name.padEnd(width)}  ${describe(s)}`),
    '',
    bad === 0 ? 'All services are up.' : `${bad} service(s) need attention: berth logs <service> shows why.`,
  ];
  if (urls.length > 0) lines.push('', ...urls.map((u) => `  ${u.label}: ${u.url}`));
  if (backups.length > 0) lines.push('', ...backups);
  return `${lines.join('\n')}\n`;
}

export async function statusCommand(ctx: Context): Promise<number> {
  const global = ctx.cli.options;
  const install = openInstall(ctx);
  const expected = install.state.services ?? [];
  // A swarm install (--target swarm) is read from the swarm: replicas, tasks' nodes and errors, updates.
  const swarm = install.state.target === 'swarm';
  const swarmServices = swarm
    ? swarmServiceStatuses(
        install.project,
        expected,
        await readSwarmStack(ctx.exec, install.project, install.composeEnv),
      )
    : undefined;
  const composeServices = swarm
    ? []
    : serviceStatuses(expected, await composePs(ctx.exec, install.dir, install.composeEnv));
  const services = swarmServices ?? composeServices;
  const ok = services.every((s) => s.ok);
  const urls = install.state.urls ?? [];
  const backups = readBackupRecord(install.dir);
  const now = ctx.now();
  if (global.json) {
    const doc = {
      dir: install.dir,
      recipe: install.state.recipe,
      recipeVersion: install.state.recipeVersion,
      project: install.project,
      ...(swarm ? { target: 'swarm' } : {}),
      ok,
      services,
      urls,
      backups: Object.fromEntries(
        Object.entries(backups).map(([k, v]) => [
          k,
          { ...v, ageSeconds: Math.round((now.getTime() - new Date(v.at).getTime()) / 1000) },
        ]),
      ),
    };
    ctx.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    const head = {
      dir: install.dir,
      project: install.project,
      recipe: install.state.recipe,
      version: install.state.recipeVersion,
    };
    const backupText = backupLines(backups, now, install.dir);
    ctx.stdout.write(
      swarmServices
        ? swarmStatusText(head, swarmServices, urls, backupText)
        : statusText(head, composeServices, urls, backupText),
    );
  }
  return ok ? 0 : 1;
}
