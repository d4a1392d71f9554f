// The classifier over compose 2.26's real output for every fault (samples captured from the engine by
// scripts/capture-samples.ts diagnose), and the whole diagnosis replayed from the same samples without an engine.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { classify, serviceOf, type Finding } from '../../src/diagnose/classify.js';
import { diagnoseFailure, type Diagnosis } from '../../src/diagnose/diagnose.js';
import { emptyEvidence } from '../../src/diagnose/evidence.js';
import { describe as describeFinding } from '../../src/diagnose/messages.js';
import { evidenceOf, loadSample, replay } from './replay.js';

const table: [sample: string, finding: Finding][] = [
  [
    'unhealthy',
    {
      cause: 'unhealthy',
      service: 'db',
      healthOutput: 'probe: database schema missing (fault-fixture)',
      failingStreak: expect.any(Number) as number,
      evidence: 'container capture-unhealthy-db-1 is unhealthy',
    },
  ],
  [
    'exited',
    {
      cause: 'exited',
      service: 'migrate',
      exitCode: 3,
      evidence: 'container capture-exited-migrate-1 exited (3)',
    },
  ],
  [
    'port-in-use',
    {
      cause: 'port-in-use',
      service: 'web',
      port: 18555,
      address: '127.0.0.1:18555',
      evidence: expect.stringMatching(
        /listen tcp4 127\.0\.0\.1:18555: bind: address already in use$/,
      ) as string,
    },
  ],
  [
    'port-allocated',
    {
      cause: 'port-in-use',
      service: 'web',
      port: 18556,
      address: '127.0.0.1:18556',
      allocatedByDocker: true,
      evidence: expect.stringMatching(
        /Bind for 127\.0\.0\.1:18556 failed: port is already allocated$/,
      ) as string,
    },
  ],
  [
    'image-missing',
    {
      cause: 'image-missing',
      service: 'app',
      image: 'berth-test/does-not-exist:0.0.1',
      evidence: expect.stringContaining('No such image: berth-test/does-not-exist:0.0.1') as string,
    },
  ],
  [
    'pull-failed',
    {
      cause: 'image-missing',
      service: 'app',
      image: 'berth-test/does-not-exist:0.0.1',
      pullFailed: true,
      registryUnreachable: true,
      evidence: expect.stringMatching(
        /^Get "https:\/\/registry-1\.docker\.io\/v2\/": .*no such host$/,
      ) as string,
    },
  ],
  [
    'daemon-unreachable',
    {
      cause: 'daemon-unreachable',
      evidence:
        'Cannot connect to the Docker daemon at unix:///nonexistent.sock. Is the docker daemon running?',
    },
  ],
  [
    'disk-full',
    {
      cause: 'disk-full',
      service: 'writer',
      exitCode: 1,
      evidence: "dd: error writing '/data/fill': No space left on device",
    },
  ],
  [
    'dependency-exited',
    {
      cause: 'dependency-failed',
      service: 'db',
      dependency: 'exited',
      exitCode: 137,
      dependents: ['app'],
      evidence: 'dependency failed to start: container capture-dependency-exited-db-1 exited (137)',
    },
  ],
  [
    'dependency-unhealthy',
    {
      cause: 'dependency-failed',
      service: 'db',
      dependency: 'unhealthy',
      healthOutput: 'probe: connection refused on 5432',
      failingStreak: expect.any(Number) as number,
      dependents: ['app'],
      evidence: 'dependency failed to start: container capture-dependency-unhealthy-db-1 is unhealthy',
    },
  ],
  [
    'dependency-incomplete',
    {
      cause: 'dependency-failed',
      service: 'init',
      dependency: 'incomplete',
      exitCode: 3,
      dependents: ['app'],
      evidence: 'service "init" didn\'t complete successfully: exit 3',
    },
  ],
  [
    'timeout',
    {
      cause: 'timeout',
      service: 'web',
      waitSeconds: 4,
      healthOutput: 'warming up: 12% of the index loaded',
      evidence: 'application not healthy after 4s',
    },
  ],
];

describe('classify: real compose 2.26 output', () => {
  test.each(table)('%s', (name, finding) => {
    expect(classify(evidenceOf(loadSample(name)))).toEqual(finding);
  });

  test('the samples are real captures: compose exit 18 for a failed pull, 1 for everything else', () => {
    for (const [name] of table) expect(loadSample(name).exitCode, name).toBe(name === 'pull-failed' ? 18 : 1);
  });
});

describe('classify: less evidence', () => {
  const bare = (output: string[], exitCode = 1) => classify(emptyEvidence(output, exitCode));

  test.each<[string, string[], Finding]>([
    [
      'compose output only: service from the container name by compose naming',
      ['container shop-db-1 is unhealthy'],
      { cause: 'unhealthy', service: 'shop-db', evidence: 'container shop-db-1 is unhealthy' },
    ],
    [
      'nothing recognised: unknown, with the last line',
      [' Container x-1  Starting', 'Error response from daemon: something new', ''],
      { cause: 'unknown', evidence: 'Error response from daemon: something new' },
    ],
    [
      'the engine stopped after compose had created and started containers: it stopped, not unreachable',
      [
        ' Container p-init-1  Creating',
        ' Container p-init-1  Started',
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      ],
      {
        cause: 'daemon-unreachable',
        engineStopped: true,
        evidence:
          'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      },
    ],
    [
      'the engine never answered this start',
      ['Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'],
      {
        cause: 'daemon-unreachable',
        evidence:
          'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
      },
    ],
    ['no output at all', [], { cause: 'unknown' }],
    [
      'no space left in compose’s own output (e.g. while extracting a layer)',
      ['failed to register layer: write /var/lib/docker/x: no space left on device'],
      {
        cause: 'disk-full',
        evidence: 'failed to register layer: write /var/lib/docker/x: no space left on device',
      },
    ],
    [
      'an IPv6 bind',
      ['Error starting userland proxy: listen tcp6 [::]:8080: bind: address already in use'],
      { cause: 'port-in-use', port: 8080, address: '[::]:8080', evidence: expect.any(String) as string },
    ],
  ])('%s', (_name, output, finding) => {
    expect(bare(output)).toEqual(finding);
  });

  test('the daemon probe alone is enough for daemon-unreachable', () => {
    const e = { ...evidenceOf(loadSample('exited')), daemon: 'unreachable' as const };
    expect(classify(e).cause).toBe('daemon-unreachable');
  });

  test('a root cause outranks the symptom: a dependency that died of a full disk is a full disk', () => {
    const e = evidenceOf(loadSample('dependency-exited'));
    e.logs.db = ['FATAL: could not write to file "pg_wal/xlogtemp.42": No space left on device'];
    expect(classify(e)).toMatchObject({ cause: 'disk-full', service: 'db', exitCode: 137 });
  });

  test('timeout: the service still starting, not a one-shot that already completed', () => {
    const e = emptyEvidence(['application not healthy after 60s'], 1);
    const row = (Service: string, State: string, Health: string, ExitCode = 0) => ({
      Service,
      Name: `p-${Service}-1`,
      State,
      Health,
      ExitCode,
    });
    e.ps = [row('init', 'exited', ''), row('web', 'running', 'starting')];
    expect(classify(e)).toMatchObject({ cause: 'timeout', service: 'web', waitSeconds: 60 });
    e.ps = [row('init', 'exited', ''), row('web', 'running', 'healthy')];
    expect(classify(e)).toEqual({
      cause: 'timeout',
      waitSeconds: 60,
      evidence: 'application not healthy after 60s',
    });
  });

  test('compose exited 0, but a dependency it counted Healthy failed its check since: turned unhealthy, with who depends on it', () => {
    const e = emptyEvidence(
      [
        ' Container p-db-1  Waiting',
        ' Container p-db-1  Healthy',
        ' Container p-app-1  Starting',
        ' Container p-app-1  Healthy',
      ],
      0,
    );
    e.project = 'p';
    e.ps = [
      { Service: 'db', Name: 'p-db-1', State: 'running', Health: 'unhealthy', ExitCode: 0 },
      {
        Service: 'app',
        Name: 'p-app-1',
        State: 'running',
        Health: 'healthy',
        ExitCode: 0,
        Labels: 'com.docker.compose.depends_on=db:service_healthy:false,com.docker.compose.service=app',
      },
    ];
    e.states['p-db-1'] = {
      Status: 'running',
      ExitCode: 0,
      OOMKilled: false,
      Health: { Status: 'unhealthy', FailingStreak: 4, Log: [{ ExitCode: 1, Output: 'probe: refused\n' }] },
    };
    const finding = classify(e);
    expect(finding).toEqual({
      cause: 'unhealthy',
      service: 'db',
      healthOutput: 'probe: refused',
      failingStreak: 4,
      turnedUnhealthy: true,
      dependents: ['app'],
    });
    expect(describeFinding(finding, {}).summary).toBe(
      'db turned unhealthy after it had passed its health check: it has failed 4 times since: probe: refused. app depends on it.',
    );
    // Never healthy in this start: the plain words.
    e.composeOutput = [' Container p-db-1  Waiting'];
    expect(classify(e)).not.toHaveProperty('turnedUnhealthy');
  });

  test('compose exited 0 but a service is still starting (compose 2.26.1 race at --wait-timeout): timeout', () => {
    const sample = loadSample('timeout');
    const e = evidenceOf({ ...sample, exitCode: 0, output: sample.output.slice(0, -1) });
    expect(e.composeOutput.at(-1)).toMatch(/Container capture-timeout-web-1 {2}Waiting$/);
    expect(classify(e)).toEqual({
      cause: 'timeout',
      service: 'web',
      healthOutput: 'warming up: 12% of the index loaded',
    });
  });

  test('serviceOf: ps first, then <project>-<service>-<n>', () => {
    const e = evidenceOf(loadSample('unhealthy'));
    expect(serviceOf(e, 'capture-unhealthy-db-1')).toBe('db');
    expect(serviceOf({ ps: [], project: 'my-app' }, 'my-app-web-server-2')).toBe('web-server');
  });
});

describe('diagnoseFailure replayed from the samples', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const diagnose = async (name: string): Promise<Diagnosis & { asked: string[][]; dir: string }> => {
    const sample = loadSample(name);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-diag-'));
    dirs.push(dir);
    const exec = replay(sample);
    const d = await diagnoseFailure({
      dir,
      env: {},
      composeOutput: sample.output,
      composeExitCode: sample.exitCode,
      exec,
    });
    return { ...d, asked: exec.asked, dir };
  };

  test('unhealthy: summary with the health output, the log tail, the full log written', async () => {
    const d = await diagnose('unhealthy');
    expect(d).toMatchObject({
      cause: 'unhealthy',
      service: 'db',
      healthOutput: 'probe: database schema missing (fault-fixture)',
    });
    expect(d.summary).toMatch(
      /^db is unhealthy: its health check failed \d+ times: probe: database schema missing \(fault-fixture\)$/,
    );
    expect(d.logTail).toEqual(['db: starting up', 'db: ready to accept connections']);
    expect(d.logFile).toMatch(/^\.berth\/logs\/db-.*\.log$/);
    expect(readFileSync(path.join(d.dir, d.logFile!), 'utf8')).toBe(
      'db: starting up\ndb: ready to accept connections\n',
    );
  });

  test('port taken by another container: named from docker ps', async () => {
    const d = await diagnose('port-allocated');
    expect(d).toMatchObject({
      cause: 'port-in-use',
      service: 'web',
      port: 18556,
      holder: 'another container: capture-holder-web-1',
    });
    expect(d.summary).toBe(
      'web cannot publish port 18556: 127.0.0.1:18556 is already in use by another container: capture-holder-web-1.',
    );
  });

  test('image missing: no logs asked for a service that never got a container', async () => {
    const d = await diagnose('image-missing');
    expect(d).toMatchObject({ cause: 'image-missing', service: 'app', logTail: [] });
    expect(d.summary).toBe(
      'The image berth-test/does-not-exist:0.0.1 for app is not on this machine, and it was not pulled.',
    );
    expect(d.hint).toContain('docker pull berth-test/does-not-exist:0.0.1');
    expect(d.asked.some((a) => a.includes('logs'))).toBe(false);
  });

  test('daemon unreachable: nothing asked of the engine after docker info but config', async () => {
    const { asked, dir: _dir, ...d } = await diagnose('daemon-unreachable');
    expect(d).toEqual({
      cause: 'daemon-unreachable',
      summary:
        'The Docker engine cannot be reached: Cannot connect to the Docker daemon at unix:///nonexistent.sock. Is the docker daemon running?',
      hint: 'Start it (sudo systemctl start docker; where systemd does not run: sudo setsid -f dockerd >>/var/log/dockerd.log 2>&1) and check DOCKER_HOST and `docker context ls`, then install again.',
      logTail: [],
    });
    expect(asked.map((a) => a.slice(0, 4).join(' '))).toEqual([
      'info --format {{.DockerRootDir}}',
      'compose --ansi never config',
    ]);
  });

  test('disk full: the failing line from the service’s own log', async () => {
    const d = await diagnose('disk-full');
    expect(d).toMatchObject({ cause: 'disk-full', service: 'writer', exitCode: 1 });
    expect(d.summary).toMatch(
      /^writer ran out of disk space: dd: error writing '\/data\/fill': No space left on device\./,
    );
    expect(d.logTail).toContain("dd: error writing '/data/fill': No space left on device");
  });

  test('dependency killed: names the dependency, its exit code and who waited', async () => {
    const d = await diagnose('dependency-exited');
    expect(d).toMatchObject({
      cause: 'dependency-failed',
      service: 'db',
      exitCode: 137,
      logTail: ['db: out of memory, killed'],
    });
    expect(d.summary).toBe(
      'app could not start: db, which it depends on, exited with code 137 (killed with SIGKILL: often out of memory, or stopped by force).',
    );
  });
});
