// Re-captures the recorded `docker compose` outputs the unit tests replay, from the real engine, so they can be
// regenerated against a newer Compose (then review the diff like code, and fix what the tests say):
//
//   npx tsx scripts/capture-samples.ts [progress|diagnose|all] [SCENARIO…] [--out DIR] [--project NAME]
//                                      [--registry-port PORT]
//
//   progress  test/progress/samples/: up-*.stderr and ps-*.jsonl of test/fixtures/engine-stack
//   diagnose  test/diagnose/samples/: one <fault>.json per test/fixtures/fault-stack fault
//
// Needs the test engine and images (scripts/setup-test-engine.sh) and the built bundle (npm run build). The pull
// scenarios need Debian's docker-registry (apt-get install docker-registry): it is started on 127.0.0.1 for the
// run (port 5000 unless told) and stopped after; without it those two are skipped, saying so.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { captureDiagnose, DIAGNOSE_SAMPLES, diagnoseScenarios } from './capture-samples/diagnose.js';
import {
  captureProgress,
  PROGRESS_SAMPLES,
  progressScenarios,
  seedRegistry,
} from './capture-samples/progress.js';

const USAGE = `usage: npx tsx scripts/capture-samples.ts [progress|diagnose|all] [SCENARIO…] [--out DIR] [--project NAME] [--registry-port PORT]
  progress scenarios: ${progressScenarios.join(', ')}
  diagnose scenarios: ${diagnoseScenarios.map((s) => s.name).join(', ')}`;

interface Registry {
  port: number;
  stop(): Promise<void>;
}

async function answers(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/v2/`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

/** Debian's docker-registry on 127.0.0.1:port with its storage in a temporary folder, or undefined without it. */
async function startRegistry(port: number): Promise<Registry | undefined> {
  if (spawnSync('sh', ['-c', 'command -v docker-registry']).status !== 0) return undefined;
  const taken = await new Promise<boolean>((resolve) => {
    const probe = net.connect(port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(false));
    probe.setTimeout(1000, () => resolve(false));
  });
  if (taken) throw new Error(`127.0.0.1:${port} is already in use: choose another --registry-port`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-registry-'));
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nhttp: {addr: "127.0.0.1:${port}"}\nstorage: {filesystem: {rootdirectory: "${dir}/data"}, delete: {enabled: true}}\n`,
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const stop = async () => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 50 && !(await answers(port)); i++) await sleep(100);
  if (!(await answers(port))) {
    await stop();
    throw new Error(`docker-registry did not answer on 127.0.0.1:${port}`);
  }
  return { port, stop };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      project: { type: 'string', default: 'pv-cap' },
      'registry-port': { type: 'string', default: '5000' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return void console.log(USAGE);
  const [kind = 'all', ...names] = positionals;
  if (!['progress', 'diagnose', 'all'].includes(kind))
    throw new Error(`unknown sample kind ${kind}\n${USAGE}`);
  const known = [...progressScenarios, ...diagnoseScenarios.map((s) => s.name)];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}\n${USAGE}`);
  const outFor = (fallback: string) => {
    const dir = values.out ? path.resolve(values.out) : fallback;
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const written: string[] = [];

  // Scenario names pick the kinds too: `all unhealthy timeout` runs those of both kinds, and no others.
  const wanted = (only: string[]) => names.length === 0 || only.length > 0;
  const progressOnly = names.filter((n) => progressScenarios.includes(n));
  const diagnoseOnly = names.filter((n) => diagnoseScenarios.some((s) => s.name === n));

  if (kind !== 'diagnose' && wanted(progressOnly)) {
    const only = progressOnly;
    const wantsPull = only.length === 0 || only.some((n) => n.startsWith('pull'));
    const registry = wantsPull ? await startRegistry(Number(values['registry-port'])) : undefined;
    if (wantsPull && !registry) console.log('docker-registry not found: the pull scenarios are skipped.');
    try {
      if (registry) await seedRegistry(registry.port);
      written.push(
        ...(await captureProgress({
          outDir: outFor(PROGRESS_SAMPLES),
          project: values.project,
          only,
          registryPort: registry?.port,
        })),
      );
    } finally {
      await registry?.stop();
    }
  }
  if (kind !== 'progress' && wanted(diagnoseOnly)) {
    written.push(...(await captureDiagnose(outFor(DIAGNOSE_SAMPLES), diagnoseOnly)));
  }
  console.log(`wrote ${written.length} file(s):\n${written.map((f) => `  ${f}`).join('\n')}`);
}

main().catch((error: unknown) => {
  console.error(`capture-samples: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
