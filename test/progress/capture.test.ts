// The recorded compose outputs in samples/ are what this machine's Compose prints today: the capture script
// (scripts/capture-samples.ts) re-records the first runs on the real engine into a temporary folder, and each
// fresh run must read like its committed sample — the same lines (the project aside; compose prints concurrent
// "Waiting" lines in either order, so as a multiset), the same trail of states through the parsers. When Compose changes its output this fails, and the script regenerates the samples.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { captureProgress } from '../../scripts/capture-samples/progress.js';
import { requireEngine } from '../engine/harness.js';
import { replayRun } from './replay-run.js';

const committed = (name: string) => readFileSync(path.join(import.meta.dirname, 'samples', name), 'utf8');
const out = mkdtempSync(path.join(os.tmpdir(), 'berth-capture-test-'));
const project = `pv-cap-${process.pid}`;
afterAll(() => rmSync(out, { recursive: true, force: true }));

const normalise = (text: string) => text.replaceAll(project, 'pv-cap');
const sortedLines = (text: string) => text.split('\n').sort();

describe('scripts/capture-samples.ts progress, against the committed samples', () => {
  test('healthy, re-run, recreate and unhealthy runs read as recorded', async () => {
    await requireEngine();
    const runs = ['healthy', 'rerun', 'recreate', 'unhealthy'];
    const written = await captureProgress({ outDir: out, project, only: runs });
    expect(written.map((f) => path.basename(f)).sort()).toEqual(
      [
        'up-healthy.stderr',
        'ps-healthy.jsonl',
        'up-rerun.stderr',
        'up-recreate.stderr',
        'up-unhealthy.stderr',
        'ps-unhealthy.jsonl',
      ].sort(),
    );
    for (const run of runs) {
      const fresh = normalise(readFileSync(path.join(out, `up-${run}.stderr`), 'utf8'));
      const recorded = committed(`up-${run}.stderr`);
      expect(sortedLines(fresh), run).toEqual(sortedLines(recorded));
      expect(replayRun(fresh, undefined).trail, run).toEqual(replayRun(recorded, undefined).trail);
    }
    for (const run of ['healthy', 'unhealthy']) {
      const fresh = replayRun(
        committed(`up-${run}.stderr`),
        normalise(readFileSync(path.join(out, `ps-${run}.jsonl`), 'utf8')),
      );
      const recorded = replayRun(committed(`up-${run}.stderr`), committed(`ps-${run}.jsonl`));
      expect(fresh.states, run).toEqual(recorded.states);
    }
  }, 180_000);
});
