// The welcome screen's compact checklist, as data: the machine, Docker and Compose, and one line of GPU readiness.
import { dockerChecks } from '../detect/checks.js';
import type { DetectedFacts, MachineFacts } from '../detect/facts.js';
import { systemWhere, vramGb } from '../detect/messages.js';
import type { CheckRow } from './screens/welcome.js';

/** The welcome's compact checklist: the machine, Docker and Compose, and one line of GPU readiness. */
export function welcomeRows(f: DetectedFacts): CheckRow[] {
  const s = f.system;
  const where = systemWhere(s);
  const rows: CheckRow[] = [
    {
      status: 'info',
      title: 'System',
      detail: `${s.distro.name}, ${s.arch}${where.length ? ` (${where.join(', ')})` : ''}`,
    },
    {
      status: 'info',
      title: 'Resources',
      detail: `${f.cpus} CPU cores, ${f.ramGb} GB RAM, ${f.disk.map((d) => `${d.freeGb} GB free at ${d.measuredAt}`).join(', ')}`,
    },
    ...dockerChecks(f as MachineFacts).map((c) => ({
      status: c.status,
      title: c.title,
      detail: c.detail,
      fix: c.fix,
    })),
    gpuRow(f),
  ];
  return rows;
}

function gpuRow(f: DetectedFacts): CheckRow {
  const title = 'NVIDIA GPU';
  if (f.gpu.ready) {
    const d = f.gpu.devices[0];
    const detail = d
      ? `ready: ${d.name}, ${vramGb(d.memoryMiB)} GB VRAM${f.gpu.devices.length > 1 ? ` (+${f.gpu.devices.length - 1} more)` : ''}`
      : 'ready';
    return { status: 'pass', title, detail };
  }
  const failing = f.gpu.ladder.find((r) => r.status === 'fail');
  if (!failing || failing.id === 'device')
    return {
      status: 'skip',
      title,
      detail: 'none found: what could use a GPU runs on the CPU instead (slower)',
    };
  return {
    status: 'warn',
    title,
    detail: `not ready: ${failing.title.toLowerCase()}: ${failing.detail}`,
    fix: failing.fix,
  };
}
