// Diagnosis of a failed `docker compose up`: which service failed and why, in words, with its health output,
// its last log lines and a full log under .berth/logs/. Probes gather plain data, `classify` decides, and
// messages.ts words it; a probe that fails only means less detail.
import { mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { classify, type FailureCause } from './classify.js';
import { describe, type Surroundings } from './messages.js';
import { containerOnPort, processOnPort, type PortHolder } from './port-holder.js';
import type { Exec } from '../compose/exec.js';
import {
  gatherEvidence,
  probeDaemon,
  probeDockerPs,
  probeLogs,
  probeMissingImages,
  type Probe,
} from './probes.js';

export type { FailureCause } from './classify.js';
export { formatDiagnosis } from './messages.js';

export interface Diagnosis {
  cause: FailureCause;
  /** compose service name */
  service?: string;
  /** one sentence in words: "db is unhealthy: its health check failed 3 times: <last output>" */
  summary: string;
  /** what to do */
  hint: string;
  /** the service's last 30 log lines */
  logTail: string[];
  /** last health check output (docker inspect .State.Health.Log[-1].Output) */
  healthOutput?: string;
  exitCode?: number;
  port?: number;
  /** which process holds the port, when it can be seen ("nginx (pid 123)", "another container: foo-web-1") */
  holder?: string;
  /** the service's full log, relative to dir (.berth/logs/<service>-<time>.log), when it could be written */
  logFile?: string;
}

export interface DiagnoseInput {
  /** the install folder: compose.yaml and .env */
  dir: string;
  /** the environment compose ran with */
  env: Record<string, string>;
  composeOutput: readonly string[];
  composeExitCode: number;
  /** The run's docker adapter (Context.exec); tests replay recorded answers through it. */
  exec: Exec;
}

const LOG_DIR = path.join('.berth', 'logs');

export async function diagnoseFailure(input: DiagnoseInput): Promise<Diagnosis> {
  const p: Probe = { dir: input.dir, env: input.env, exec: input.exec };
  const { daemon, rootDir } = await probeDaemon(p);
  const evidence = await gatherEvidence(p, input.composeOutput, input.composeExitCode, daemon);
  const first = classify(evidence);
  // Only a service that has a container has logs (one whose image is missing never got one).
  const canLog = first.service !== undefined && evidence.ps.some((r) => r.Service === first.service);
  const logTail = canLog ? await probeLogs(p, first.service!) : [];
  const finding = canLog ? classify({ ...evidence, logs: { [first.service!]: logTail } }) : first;

  const around: Surroundings = {};
  if (finding.port !== undefined) around.holder = await portHolder(p, finding.port);
  if (finding.registryUnreachable) around.missingImages = await probeMissingImages(p, evidence.images);
  if (finding.cause === 'disk-full' && rootDir) {
    const freeBytes = freeSpace(rootDir);
    if (freeBytes !== undefined) around.dockerRoot = { dir: rootDir, freeBytes };
  }
  const { summary, hint } = describe(finding, around);
  const logFile = canLog ? await writeFullLog(p, finding.service!) : undefined;
  const holder = around.holder && 'holder' in around.holder ? around.holder.holder : undefined;
  return {
    cause: finding.cause,
    ...(finding.service ? { service: finding.service } : {}),
    summary,
    hint,
    logTail,
    ...(finding.healthOutput !== undefined ? { healthOutput: finding.healthOutput } : {}),
    ...(finding.exitCode !== undefined ? { exitCode: finding.exitCode } : {}),
    ...(finding.port !== undefined ? { port: finding.port } : {}),
    ...(holder ? { holder } : {}),
    ...(logFile ? { logFile } : {}),
  };
}

/** A container publishing the port is named as such; otherwise the process found through /proc. */
async function portHolder(p: Probe, port: number): Promise<PortHolder> {
  const container = containerOnPort(await probeDockerPs(p), port);
  if (container) return { kind: 'container', name: container, holder: `another container: ${container}` };
  try {
    return processOnPort('/proc', port);
  } catch {
    return { kind: 'none' };
  }
}

function freeSpace(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

async function writeFullLog(p: Probe, service: string): Promise<string | undefined> {
  const lines = await probeLogs(p, service, 'all');
  if (lines.length === 0) return undefined;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const relative = path.join(LOG_DIR, `${service}-${stamp}.log`);
  try {
    mkdirSync(path.join(p.dir, LOG_DIR), { recursive: true, mode: 0o700 });
    writeFileSync(path.join(p.dir, relative), `${lines.join('\n')}\n`, { mode: 0o600 });
    return relative;
  } catch {
    return undefined;
  }
}
