// The failure samples of test/diagnose/samples/, captured from a real engine (see scripts/capture-samples.ts).
// Each sample holds compose's real output and exit code for one fault (a test/fixtures/fault-stack file brought
// up as berth does), and every docker command diagnoseFailure ran afterwards with its answer (docker inspect
// trimmed to Name and State), so the unit tests replay them without an engine.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { diagnoseFailure } from '../../src/diagnose/diagnose.js';
import { execaExec, type Exec } from '../../src/compose/exec.js';
import { down, makeFaultStack, up, type FaultStack, type Sample } from '../../test/diagnose/fault-stack.js';

export const DIAGNOSE_SAMPLES = path.resolve(import.meta.dirname, '../../test/diagnose/samples');

interface Scenario {
  name: string;
  fixture: string;
  extra?: string[];
  wait?: number;
  vars?: () => Promise<Record<string, string>>;
  env?: Record<string, string>;
  before?: (stack: FaultStack) => Promise<() => Promise<void>>;
}

let root = '';
let held: net.Server | undefined;
const heldPort = 18_555;

export const diagnoseScenarios: Scenario[] = [
  { name: 'unhealthy', fixture: 'unhealthy.yaml' },
  { name: 'exited', fixture: 'exits.yaml' },
  {
    name: 'port-in-use',
    fixture: 'port.yaml',
    vars: async () => ({ FAULT_PORT: String(heldPort) }),
    before: async () => {
      held = net.createServer();
      await new Promise<void>((resolve) => held!.listen(heldPort, '127.0.0.1', resolve));
      return () => new Promise<void>((resolve) => held!.close(() => resolve()));
    },
  },
  {
    name: 'port-allocated',
    fixture: 'port.yaml',
    vars: async () => ({ FAULT_PORT: String(heldPort + 1) }),
    before: async () => {
      const other = makeFaultStack(root, 'capture-holder', 'port.yaml', { FAULT_PORT: String(heldPort + 1) });
      await up(other);
      return async () => void (await down(other));
    },
  },
  { name: 'image-missing', fixture: 'missing-image.yaml', extra: ['--pull', 'never'] },
  { name: 'pull-failed', fixture: 'missing-image.yaml' },
  { name: 'daemon-unreachable', fixture: 'exits.yaml', env: { DOCKER_HOST: 'unix:///nonexistent.sock' } },
  { name: 'disk-full', fixture: 'disk-full.yaml' },
  { name: 'dependency-exited', fixture: 'dependency.yaml' },
  { name: 'dependency-unhealthy', fixture: 'dependency-unhealthy.yaml' },
  { name: 'dependency-incomplete', fixture: 'dependency-incomplete.yaml' },
  { name: 'timeout', fixture: 'slow.yaml', wait: 4 },
];

function trimInspect(stdout: string): string {
  try {
    const items = JSON.parse(stdout) as { Name: string; State: unknown }[];
    return `${JSON.stringify(
      items.map(({ Name, State }) => ({ Name, State })),
      null,
      1,
    )}\n`;
  } catch {
    return stdout;
  }
}

async function capture(s: Scenario): Promise<Sample> {
  const stack = makeFaultStack(root, `capture-${s.name}`, s.fixture, (await s.vars?.()) ?? {});
  Object.assign(stack.env, s.env ?? {});
  const after = await s.before?.(stack);
  try {
    const { output, exitCode } = await up(stack, s.extra, s.wait);
    const calls: Sample['calls'] = [];
    const recording: Exec = async (file, args, options) => {
      const result = await execaExec(file, args, options);
      if (args[0] === 'inspect') result.stdout = trimInspect(result.stdout);
      calls.push({ args: [...args], result });
      return result;
    };
    const d = await diagnoseFailure({
      dir: stack.dir,
      env: stack.env,
      composeOutput: output,
      composeExitCode: exitCode,
      exec: recording,
    });
    console.log(`${s.name}: exit ${exitCode}, ${d.cause} ${d.service ?? ''}: ${d.summary}`);
    return { fault: s.name, fixture: s.fixture, exitCode, output, calls };
  } finally {
    await after?.();
    await down(stack);
  }
}

/** Captures the named faults (all when none are named) into outDir as <fault>.json; returns the files written. */
export async function captureDiagnose(outDir: string, only: readonly string[]): Promise<string[]> {
  root = mkdtempSync(path.join(os.tmpdir(), 'berth-capture-'));
  const written: string[] = [];
  try {
    for (const s of diagnoseScenarios.filter((x) => only.length === 0 || only.includes(x.name))) {
      const sample = await capture(s);
      const file = path.join(outDir, `${s.name}.json`);
      writeFileSync(file, `${JSON.stringify(sample, null, 2)}\n`);
      written.push(file);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return written;
}
