// `berth status`: each service's state and health, one-shot jobs' results, and the URLs of the install.
import type { Context } from '../context.js';
import { composePs, type PsRow } from '../compose/ps.js';
import { openInstall } from '../steps/open-install.js';

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

export function statusText(
  install: { dir: string; project: string; recipe: string; version: string },
  services: ServiceStatus[],
  urls: { label: string; url: string }[],
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
  return `${lines.join('\n')}\n`;
}

export async function statusCommand(ctx: Context): Promise<number> {
  const global = ctx.cli.options;
  const install = openInstall(ctx);
  const rows = await composePs(ctx.exec, install.dir, install.composeEnv);
  const services = serviceStatuses(install.state.services ?? [], rows);
  const ok = services.every((s) => s.ok);
  const urls = install.state.urls ?? [];
  if (global.json) {
    const doc = {
      dir: install.dir,
      recipe: install.state.recipe,
      recipeVersion: install.state.recipeVersion,
      project: install.project,
      ok,
      services,
      urls,
    };
    ctx.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    ctx.stdout.write(
      statusText(
        {
          dir: install.dir,
          project: install.project,
          recipe: install.state.recipe,
          version: install.state.recipeVersion,
        },
        services,
        urls,
      ),
    );
  }
  return ok ? 0 : 1;
}
