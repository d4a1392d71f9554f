// The wizard's start-up and memory, in a real pseudo-terminal made by util-linux `script`: the time from
// spawning `berth install` to its first frame on the terminal, against `node -e 0` run the same way (so the pty's
// own cost is in both), and the wizard's peak RSS (VmHWM) once it shows the review screen.
import { spawn } from 'node:child_process';
import { clearTimeout, setTimeout } from 'node:timers';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { cmdline, readStat } from './proc.mjs';

const FIRST_FRAME = /berth \d+\.\d+\.\d+ ·/;
// The first question: the Ink app is up, detection done, keys are read.
const FIRST_QUESTION = /\? Greeting/;

/** Runs `command` in a pty; resolves with the ms until `until` matches the output (or the command exits). */
function inPty(command, env, { until, onOutput } = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    // script's pty has no size of its own: give it one, in the baseline too.
    const sized = `stty cols 100 rows 40; exec ${command}`;
    const child = spawn('script', ['-qfec', sized, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const waiters = [];
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e6;
    /** Resolves with the ms from the start until `pattern` shows in the output. */
    const next = (pattern) =>
      new Promise((res, rej) => {
        if (pattern.test(stripVTControlCharacters(out))) res(elapsed());
        else if (child.exitCode !== null || child.signalCode !== null)
          rej(new Error(`exited before ${pattern}:\n${stripVTControlCharacters(out).slice(-400)}`));
        else waiters.push({ pattern, res, rej });
      });
    const finish = (ms) => {
      if (done) return;
      done = true;
      resolve({ ms, child, next, output: () => out });
    };
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      for (const w of waiters.splice(0))
        if (w.pattern.test(stripVTControlCharacters(out))) w.res(elapsed());
        else waiters.push(w);
      if (until && until.test(stripVTControlCharacters(out)))
        finish(Number(process.hrtime.bigint() - start) / 1e6);
      onOutput?.(out, child);
    });
    child.on('error', reject);
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ${until} within 30 s:\n${stripVTControlCharacters(out).slice(-400)}`));
    }, 30_000);
    child.on('exit', () => clearTimeout(limit));
    child.on('exit', () => {
      for (const w of waiters.splice(0))
        w.rej(new Error(`exited before ${w.pattern}:\n${stripVTControlCharacters(out).slice(-400)}`));
    });
    child.on('exit', (code) => {
      if (!until) finish(Number(process.hrtime.bigint() - start) / 1e6);
      else if (!done) reject(new Error(`exited ${code} before its first frame:\n${out.slice(-400)}`));
    });
  });
}

const stop = (child) =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.stdin.write('\x03');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });

/** The node process berth runs in: a descendant of `script` whose command line runs the bundle. */
function berthPid(scriptPid) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const args = cmdline(pid);
    if (args?.some((a) => a.endsWith('berth.mjs')) && isDescendant(pid, scriptPid)) return pid;
  }
  return undefined;
}

function isDescendant(pid, ancestor) {
  for (let p = pid, hops = 0; p > 1 && hops < 8; hops++) {
    if (p === ancestor) return true;
    const stat = readStat(p);
    if (!stat) return false;
    p = stat.ppid;
  }
  return false;
}

const vmHwmMb = (pid) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return line ? Number(line.replace(/\D+/g, '')) / 1024 : undefined;
};

export async function benchWizard({ bundle, fixture, rounds }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-wizard-'));
  // The compose wizard: on a swarm manager it would first ask where the stack runs.
  const env = { ...process.env, TERM: 'xterm-256color', BERTH_TARGET: 'compose' };
  delete env.CI;
  const berth = `${process.execPath} ${bundle} install --recipe ${fixture} --dir ${path.join(dir, 'stack')}`;
  const baseline = [];
  const firstFrame = [];
  const firstQuestion = [];
  try {
    // Warm-up (file cache, the core cache unpacked once).
    await stop((await inPty(berth, env, { until: FIRST_FRAME })).child);
    for (let r = 0; r < rounds; r++) {
      baseline.push((await inPty(`${process.execPath} -e 0`, env)).ms);
      const run = await inPty(berth, env, { until: FIRST_FRAME });
      firstFrame.push(run.ms);
      firstQuestion.push(await run.next(FIRST_QUESTION));
      await stop(run.child);
    }
    // Peak memory: answer both questions with Enter and read VmHWM at the review screen.
    let peakMb;
    let sent = 0;
    const review = await inPty(berth, env, {
      until: /Go ahead\?/,
      onOutput: (out, child) => {
        const questions = (stripVTControlCharacters(out).match(/\? (Greeting|Port for the web)/g) ?? [])
          .length;
        if (questions > sent) {
          sent = questions;
          setTimeout(() => child.stdin.write('\r'), 150);
        }
      },
    });
    const pid = berthPid(review.child.pid);
    if (pid) peakMb = vmHwmMb(pid);
    await stop(review.child);
    return { baseline, firstFrame, firstQuestion, peakMb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
