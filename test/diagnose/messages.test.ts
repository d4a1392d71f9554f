// The words: summaries and hints per cause, exit-code meanings, and the printed lines of a diagnosis.
import { describe as group, expect, test } from 'vitest';
import type { Finding } from '../../src/diagnose/classify.js';
import { describe, exitMeaning, formatDiagnosis, type Surroundings } from '../../src/diagnose/messages.js';

group('describe: one sentence per cause', () => {
  test.each<[string, Finding, Surroundings, string]>([
    [
      'unhealthy, multi-line health output: its last line',
      {
        cause: 'unhealthy',
        service: 'db',
        failingStreak: 3,
        healthOutput: 'connecting…\nFATAL: role "app" missing\n',
      },
      {},
      'db is unhealthy: its health check failed 3 times: FATAL: role "app" missing',
    ],
    [
      'unhealthy, nothing known',
      { cause: 'unhealthy', service: 'db' },
      {},
      'db is unhealthy: its health check failed',
    ],
    ['exited', { cause: 'exited', service: 'migrate', exitCode: 3 }, {}, 'migrate exited with code 3.'],
    [
      'exited, OOM',
      { cause: 'exited', service: 'db', exitCode: 137, oomKilled: true },
      {},
      'db exited with code 137 (killed by the kernel: out of memory).',
    ],
    [
      'port held by a process',
      { cause: 'port-in-use', service: 'web', port: 80, address: '0.0.0.0:80' },
      { holder: { kind: 'process', pid: 123, name: 'nginx', holder: 'nginx (pid 123)' } },
      'web cannot publish port 80: 0.0.0.0:80 is already in use by nginx (pid 123).',
    ],
    [
      'port held, holder hidden',
      { cause: 'port-in-use', service: 'web', port: 80, address: '0.0.0.0:80' },
      { holder: { kind: 'hidden', inode: 1 } },
      'web cannot publish port 80: 0.0.0.0:80 is already in use by another program (berth cannot see which: run as root to find out).',
    ],
    [
      'disk full, engine root has little room',
      { cause: 'disk-full', service: 'db', evidence: 'write: No space left on device' },
      { dockerRoot: { dir: '/var/lib/docker', freeBytes: 20e6 } },
      'db ran out of disk space: write: No space left on device. /var/lib/docker has 20 MB free.',
    ],
    [
      'dependency that did not complete',
      {
        cause: 'dependency-failed',
        service: 'init',
        dependency: 'incomplete',
        exitCode: 3,
        dependents: ['app', 'web'],
      },
      {},
      'app, web could not start: init, which it depends on, did not complete successfully (exited with code 3).',
    ],
    [
      'timeout, wait unknown (compose exited 0)',
      { cause: 'timeout', service: 'web' },
      {},
      'web was not healthy when docker compose stopped waiting.',
    ],
    [
      'timeout, nothing known',
      { cause: 'timeout', waitSeconds: 60 },
      {},
      'A service was not healthy after 60s.',
    ],
    [
      'unknown',
      { cause: 'unknown', evidence: 'boom' },
      {},
      'docker compose failed and berth cannot tell why: boom',
    ],
  ])('%s', (_name, finding, around, summary) => {
    const words = describe(finding, around);
    expect(words.summary).toBe(summary);
    expect(words.hint.length).toBeGreaterThan(10);
  });
});

test.each<[number, boolean, string | undefined]>([
  [137, false, 'killed with SIGKILL: often out of memory, or stopped by force'],
  [137, true, 'killed by the kernel: out of memory'],
  [143, false, 'stopped with SIGTERM'],
  [127, false, 'its command was not found in the image'],
  [1, false, undefined],
])('exitMeaning(%i, oom %s)', (code, oom, meaning) => {
  expect(exitMeaning(code, oom)).toBe(meaning);
});

test('formatDiagnosis: summary, health output, hint, full log, then the log tail indented', () => {
  expect(
    formatDiagnosis({
      cause: 'unhealthy',
      service: 'db',
      summary: 'db is unhealthy: its health check failed 3 times: no',
      hint: 'Read the log.',
      healthOutput: 'first\nno\n',
      logTail: ['db: starting', 'db: ready'],
      logFile: '.berth/logs/db-1.log',
    }),
  ).toEqual([
    'db is unhealthy: its health check failed 3 times: no',
    'Last health check output:',
    '    first',
    '    no',
    'Hint: Read the log.',
    'Full log: .berth/logs/db-1.log',
    'Last 2 log lines of db:',
    '    db: starting',
    '    db: ready',
  ]);
  expect(formatDiagnosis({ cause: 'unknown', summary: 'S', hint: 'H', logTail: [] })).toEqual([
    'S',
    'Hint: H',
  ]);
});
