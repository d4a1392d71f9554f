// Loads the samples captured from a real engine (scripts/capture-samples.ts diagnose) and replays their docker calls.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  cleanLines,
  emptyEvidence,
  parseConfig,
  parseInspect,
  parsePs,
  type Evidence,
} from '../../src/diagnose/evidence.js';
import type { Exec, ExecResult } from '../../src/compose/exec.js';
import type { Sample } from './fault-stack.js';

export function loadSample(name: string): Sample {
  return JSON.parse(
    readFileSync(path.join(import.meta.dirname, 'samples', `${name}.json`), 'utf8'),
  ) as Sample;
}

const NOT_RECORDED: ExecResult = { exitCode: 1, stdout: '', stderr: 'not recorded in the sample' };

/** An exec that answers each docker command with what the engine answered when the sample was captured. */
export function replay(sample: Sample): Exec & { asked: string[][] } {
  const asked: string[][] = [];
  const exec = async (_file: string, args: readonly string[]) => {
    asked.push([...args]);
    const call = sample.calls.find((c) => c.args.join('\0') === args.join('\0'));
    return call ? { ...call.result } : NOT_RECORDED;
  };
  return Object.assign(exec, { asked });
}

const answer = (sample: Sample, ...args: string[]): string =>
  sample.calls.find((c) => args.every((a, i) => c.args[i] === a) && c.result.exitCode === 0)?.result.stdout ??
  '';

/** The sample as plain evidence for `classify`, logs of every service whose logs were fetched included. */
export function evidenceOf(sample: Sample): Evidence {
  const e = emptyEvidence(sample.output, sample.exitCode);
  const info = sample.calls.find((c) => c.args[0] === 'info')?.result;
  e.daemon =
    info?.exitCode === 0
      ? 'reachable'
      : /Cannot connect/.test(info?.stderr ?? '')
        ? 'unreachable'
        : 'unknown';
  e.ps = parsePs(answer(sample, 'compose', '--ansi', 'never', 'ps'));
  e.states = parseInspect(answer(sample, 'inspect'));
  const config = parseConfig(answer(sample, 'compose', '--ansi', 'never', 'config'));
  e.images = config.images;
  if (config.project) e.project = config.project;
  for (const c of sample.calls) {
    if (c.args.includes('logs') && c.args.includes('30'))
      e.logs[c.args[c.args.length - 1]!] = cleanLines(c.result.stdout);
  }
  return e;
}
