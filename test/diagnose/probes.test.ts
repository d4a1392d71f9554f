// Probes that fail give less detail, never a crash; the parsers accept what older compose versions print.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { diagnoseFailure } from '../../src/diagnose/diagnose.js';
import {
  cleanLines,
  dependsOn,
  parseConfig,
  parseInspect,
  parsePs,
  type PsRow,
} from '../../src/diagnose/evidence.js';
import { execaExec, type Exec } from '../../src/compose/exec.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const run = (exec: Exec, output: string[]) => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'berth-probe-'));
  return diagnoseFailure({ dir, env: {}, composeOutput: output, composeExitCode: 1, exec });
};

describe('diagnoseFailure when probes fail', () => {
  const UNHEALTHY = ['container shop-db-1 is unhealthy'];

  test.each<[string, Exec]>([
    [
      'every probe throws',
      async () => {
        throw new Error('spawn docker ENOENT');
      },
    ],
    [
      'every probe times out',
      async () => ({ exitCode: undefined, stdout: '', stderr: 'timed out after 10000ms' }),
    ],
    ['every probe answers garbage', async () => ({ exitCode: 0, stdout: '{not json', stderr: '' })],
  ])('%s: still the cause and service from compose’s output', async (_name, exec) => {
    const d = await run(exec, UNHEALTHY);
    expect(d).toMatchObject({ cause: 'unhealthy', service: 'shop-db', logTail: [] });
    expect(d.summary).toBe('shop-db is unhealthy: its health check failed');
    expect(d.logFile).toBeUndefined();
  });

  test('a probe that hangs is cut off at its time limit by the real adapter', async () => {
    const started = Date.now();
    const r = await execaExec('sleep', ['30'], {
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH ?? '' },
      timeoutMs: 300,
    });
    expect(r.exitCode).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('the real adapter with no docker on PATH: an answer, no exception', async () => {
    const r = await execaExec('docker', ['info'], {
      cwd: os.tmpdir(),
      env: { PATH: '/nonexistent' },
      timeoutMs: 1_000,
    });
    expect(r.exitCode).not.toBe(0);
  });
});

describe('parsers', () => {
  const row = { Service: 'db', Name: 'p-db-1', State: 'running', Health: '', ExitCode: 0 };

  test('parsePs: one object a line (2.26), one array (older), bad lines dropped', () => {
    expect(parsePs(`${JSON.stringify(row)}\nnot json\n`)).toEqual([row]);
    expect(parsePs(JSON.stringify([row, row]))).toEqual([row, row]);
    expect(parsePs('')).toEqual([]);
    expect(parsePs('[{"no":"service"}]')).toEqual([]);
  });

  test('parseInspect: by name without the slash; garbage gives nothing', () => {
    const state = { Status: 'exited', ExitCode: 3, OOMKilled: false };
    expect(parseInspect(JSON.stringify([{ Name: '/p-db-1', State: state, Config: {} }]))).toEqual({
      'p-db-1': state,
    });
    expect(parseInspect('Error: No such object: x')).toEqual({});
  });

  test('parseConfig: project and images; services without an image (build only) left out', () => {
    expect(
      parseConfig(JSON.stringify({ name: 'p', services: { a: { image: 'x:1' }, b: { build: '.' } } })),
    ).toEqual({
      project: 'p',
      images: { a: 'x:1' },
    });
    expect(parseConfig('')).toEqual({ images: {} });
  });

  test('dependsOn: every dependency from the label, among the other labels', () => {
    const labels =
      'com.docker.compose.config-hash=abc,com.docker.compose.depends_on=db:service_healthy:false,init:service_completed_successfully:false,com.docker.compose.image=sha256:1';
    expect(dependsOn({ ...row, Labels: labels } as PsRow)).toEqual(['db', 'init']);
    expect(dependsOn({ ...row, Labels: 'com.docker.compose.depends_on=,x=y' } as PsRow)).toEqual([]);
    expect(dependsOn(row)).toEqual([]);
  });

  test('cleanLines: compose’s ESC[2K prefixes and CRs removed, trailing empty lines dropped', () => {
    expect(cleanLines('\x1b[2Kdb: up\r\n\x1b[2Kdb: ready\n\n')).toEqual(['db: up', 'db: ready']);
  });
});
