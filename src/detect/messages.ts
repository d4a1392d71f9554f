// What `berth doctor` prints: the machine, the GPU ladder, and each check with its fix. All wording here.
import type { DetectedFacts } from './facts.js';
import type { Rung } from './gpu.js';
import type { Check, Status } from './requirements.js';
import { swarmLine } from './swarm.js';

const mark: Record<Status | Rung['status'], string> = {
  pass: '✔',
  warn: '!',
  fail: '✖',
  info: 'i',
  skip: '·',
};

function row(status: Status | Rung['status'], title: string, detail: string, fix?: string[]): string[] {
  const lines = [`  ${mark[status]} ${title.padEnd(30)} ${detail}`];
  for (const f of fix ?? []) lines.push(`      ${f}`);
  return lines;
}

/** Where the system runs when that matters: "WSL2", "inside a docker container". */
export function systemWhere(s: DetectedFacts['system']): string[] {
  return [s.wsl ? 'WSL2' : '', s.container ? `inside a ${s.container} container` : ''].filter(Boolean);
}

/** A GPU's memory in GB, one decimal. */
export const vramGb = (memoryMiB: number): number => Math.round((memoryMiB / 1024) * 10) / 10;

export function machineLines(f: DetectedFacts): string[] {
  const s = f.system;
  const where = systemWhere(s);
  return [
    'Machine',
    ...row(
      'info',
      'System',
      `${s.distro.name}, ${s.arch}, kernel ${s.kernel}${where.length ? ` (${where.join(', ')})` : ''}`,
    ),
    ...row(
      'info',
      'Resources',
      `${f.cpus} CPU cores, ${f.ramGb} GB RAM (${f.ramAvailableGb} GB available), ${f.disk.map((d) => `${d.freeGb} GB free at ${d.measuredAt}`).join(', ')}`,
    ),
    ...(f.docker.swarm
      ? row(
          'info',
          'Docker swarm',
          swarmLine(f.docker.swarm, f.docker.engine.reachable ? f.docker.engine.apiVersion : undefined),
        )
      : []),
  ];
}

export function gpuLines(f: DetectedFacts): string[] {
  const devices = f.gpu.devices.map(
    (d, i) => `      GPU ${i}: ${d.name}, ${vramGb(d.memoryMiB)} GB VRAM, driver ${d.driver}`,
  );
  return [
    `NVIDIA GPU readiness (${f.gpu.ready ? 'ready' : 'not ready'})`,
    ...f.gpu.ladder.flatMap((r, i) => [
      ...row(r.status, `${i + 1}. ${r.title}`, r.detail, r.fix),
      ...(r.id === 'driver' && r.status === 'pass' ? devices : []),
    ]),
  ];
}

export function checkLines(title: string, checks: readonly Check[]): string[] {
  return [title, ...checks.flatMap((c) => row(c.status, c.title, c.detail, c.fix))];
}

export function verdict(checks: readonly Check[], label: string): string {
  const fails = checks.filter((c) => c.status === 'fail').length;
  const warns = checks.filter((c) => c.status === 'warn').length;
  if (fails > 0)
    return `✖ ${fails} problem(s) block ${label}${warns ? `, ${warns} warning(s)` : ''}. Fix them, or override with berth install --skip-checks.`;
  return `✔ Nothing blocks ${label}${warns ? ` (${warns} warning(s))` : ''}.`;
}

export function doctorText(f: DetectedFacts, checks: readonly Check[], label: string): string {
  return [
    ...machineLines(f),
    '',
    ...gpuLines(f),
    '',
    ...checkLines(`Checks for ${label}`, checks),
    '',
    verdict(checks, label),
    '',
  ].join('\n');
}
