// The swarm status's parsing and judging, on lines as docker 28's CLI prints them (recorded from a 20.10 engine).
import { describe, expect, test } from 'vitest';
import {
  errorText,
  parseJsonLines,
  parseReplicas,
  swarmServiceStatuses,
  taskState,
  type ServiceInspect,
  type ServiceLsRow,
  type StackPsRow,
} from '../../src/swarm/services.js';
import { swarmStatusText, otherNodesText } from '../../src/swarm/swarm-messages.js';
import { swarmFacts, swarmLine } from '../../src/detect/swarm.js';

const LS = `{"ID":"zdxxczlgglvk","Image":"berth-test/busybox:1","Mode":"replicated job","Name":"swx_init","Ports":"","Replicas":"0/1 (1/1 completed)"}
{"ID":"euedpnqisxei","Image":"berth-test/busybox:1","Mode":"replicated","Name":"swx_web","Ports":"","Replicas":"1/1"}
`;
const PS = `{"CurrentState":"Complete 8 seconds ago","DesiredState":"Complete","Error":"","ID":"jqtyip0y8jya1u271h3wmzym1","Image":"berth-test/busybox:1","Name":"swx_init.gqd03rvz9w0umm6fxubp17mrm","Node":"vm","Ports":""}
{"CurrentState":"Running 7 seconds ago","DesiredState":"Running","Error":"","ID":"tvxj6ze7fr6637n67obvaus0i","Image":"berth-test/busybox:1","Name":"swx_web.1","Node":"vm","Ports":""}
`;
const INSPECT: ServiceInspect[] = [
  {
    ID: 'euedpnqisxeiet52judno0epw',
    Spec: { TaskTemplate: { ContainerSpec: { Healthcheck: { Test: ['CMD', 'true'] } } } },
  },
  { ID: 'zdxxczlgglvkaaaaaaaaaaaaa' },
];
const expected = [
  { name: 'web', oneshot: false },
  { name: 'init', oneshot: true },
];

const ls = (rows: Partial<ServiceLsRow>[]): ServiceLsRow[] =>
  rows.map((r, i) => ({ ID: `id${i}`, Name: 'swx_web', Mode: 'replicated', Replicas: '1/1', ...r }));
const task = (t: Partial<StackPsRow>): StackPsRow => ({
  ID: 't',
  Name: 'swx_web.1',
  Node: 'vm',
  DesiredState: 'Running',
  CurrentState: 'Running 1 second ago',
  Error: '',
  ...t,
});

describe('parsing', () => {
  test.each([
    ['1/1', { running: 1, desired: 1 }],
    ['0/3', { running: 0, desired: 3 }],
    ['2/2 (max 1 per node)', { running: 2, desired: 2 }],
    ['0/1 (1/1 completed)', { running: 0, desired: 1, completed: 1 }],
    ['1/3 (2/3 completed)', { running: 1, desired: 3, completed: 2 }],
    ['', { running: 0, desired: 0 }],
  ])('replicas %j', (text, want) => expect(parseReplicas(text)).toEqual(want));

  test.each([
    ['Running 7 seconds ago', { state: 'running', since: '7 seconds ago' }],
    ['Starting less than a second ago', { state: 'starting', since: 'less than a second ago' }],
    ['Complete 2 minutes ago', { state: 'complete', since: '2 minutes ago' }],
    ['Pending', { state: 'pending', since: '' }],
  ])('task state %j', (text, want) => expect(taskState(text)).toEqual(want));

  test.each([
    ['"task: non-zero exit (3)"', 'task: non-zero exit (3)'],
    ['task: non-zero exit (1)', 'task: non-zero exit (1)'],
    [
      '"no suitable node (scheduling constraints not satisfied on 1 node)"',
      'no suitable node (scheduling constraints not satisfied on 1 node)',
    ],
    ['', ''],
  ])('error %j', (raw, want) => expect(errorText(raw)).toBe(want));

  test('JSON lines, a JSON array, nothing', () => {
    expect(parseJsonLines<ServiceLsRow>(LS).map((r) => r.Name)).toEqual(['swx_init', 'swx_web']);
    expect(parseJsonLines<{ a: number }>('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseJsonLines('\n')).toEqual([]);
  });
});

describe('swarmServiceStatuses', () => {
  const up = swarmServiceStatuses('swx', expected, {
    services: parseJsonLines(LS),
    tasks: parseJsonLines(PS),
    inspect: INSPECT,
  });

  test('a healthy service and a completed job, in the install’s order', () => {
    expect(up).toEqual([
      {
        name: 'web',
        oneshot: false,
        state: 'running',
        health: 'healthy',
        exitCode: null,
        mode: 'replicated',
        replicas: { running: 1, desired: 1 },
        nodes: ['vm'],
        tasks: [{ node: 'vm', state: 'running', since: '7 seconds ago', error: '' }],
        lastError: null,
        update: null,
        ok: true,
      },
      {
        name: 'init',
        oneshot: true,
        state: 'completed',
        health: '',
        exitCode: null,
        mode: 'replicated job',
        replicas: { running: 0, desired: 1, completed: 1 },
        nodes: ['vm'],
        tasks: [{ node: 'vm', state: 'complete', since: '8 seconds ago', error: '' }],
        lastError: null,
        update: null,
        ok: true,
      },
    ]);
  });

  test('text', () => {
    expect(swarmStatusText({ dir: '/opt/x', project: 'swx', recipe: 'r', version: '1' }, up, [])).toBe(
      [
        'r 1 in /opt/x (swarm stack swx)',
        '',
        '  ✔ web      running 1/1, healthy on vm',
        '  ✔ init     completed 1/1 (one-shot) on vm',
        '',
        'All services are up.',
        '',
      ].join('\n'),
    );
  });

  const one = (rows: Partial<ServiceLsRow>[], tasks: StackPsRow[], inspect: ServiceInspect[] = []) =>
    swarmServiceStatuses('swx', [], { services: ls(rows), tasks, inspect })[0]!;

  test.each([
    {
      what: 'health check not passed yet: a task in Starting',
      row: { Replicas: '0/1' },
      tasks: [task({ CurrentState: 'Starting 2 seconds ago' })],
      want: { state: 'starting', health: 'starting', ok: false },
    },
    {
      what: 'fewer running than desired, on two nodes',
      row: { Replicas: '1/2' },
      tasks: [
        task({ Node: 'b' }),
        task({ Name: 'swx_web.2', Node: 'a', CurrentState: 'Preparing 1 second ago' }),
      ],
      want: { state: 'running', ok: false, nodes: ['a', 'b'] },
    },
    {
      what: 'crashing: the newest error, history left out of the tasks',
      row: { Replicas: '0/1' },
      tasks: [
        task({ DesiredState: 'Ready', CurrentState: 'Ready less than a second ago' }),
        task({
          DesiredState: 'Shutdown',
          CurrentState: 'Failed 1 second ago',
          Error: '"task: non-zero exit (3)"',
        }),
        task({
          DesiredState: 'Shutdown',
          CurrentState: 'Failed 9 seconds ago',
          Error: '"task: non-zero exit (2)"',
        }),
      ],
      want: {
        state: 'failing',
        ok: false,
        tasks: [{ node: 'vm', state: 'ready', since: 'less than a second ago', error: '' }],
        lastError: { error: 'task: non-zero exit (3)', when: 'Failed 1 second ago' },
      },
    },
    {
      what: 'a job that failed: its exit code',
      row: { Name: 'swx_job', Mode: 'replicated job', Replicas: '0/1 (0/1 completed)' },
      tasks: [
        task({
          Name: 'swx_job.abc',
          DesiredState: 'Complete',
          CurrentState: 'Failed 3 seconds ago',
          Error: '"task: non-zero exit (4)"',
        }),
      ],
      want: { name: 'job', oneshot: true, state: 'failed', exitCode: 4, ok: false },
    },
    {
      what: 'an update rolled back: not ok',
      row: { Replicas: '1/1' },
      tasks: [task({})],
      inspect: [{ ID: 'id0', UpdateStatus: { State: 'rollback_completed', Message: 'rollback completed' } }],
      want: {
        state: 'running',
        ok: false,
        update: { state: 'rollback_completed', message: 'rollback completed' },
      },
    },
    {
      what: 'an update done: ok',
      row: { Replicas: '1/1' },
      tasks: [task({})],
      inspect: [{ ID: 'id0', UpdateStatus: { State: 'completed', Message: 'update completed' } }],
      want: { ok: true, update: { state: 'completed', message: 'update completed' } },
    },
    {
      what: 'a health check switched off is no health',
      row: { Replicas: '1/1' },
      tasks: [task({})],
      inspect: [
        { ID: 'id0', Spec: { TaskTemplate: { ContainerSpec: { Healthcheck: { Test: ['NONE'] } } } } },
      ],
      want: { health: '', ok: true },
    },
    {
      what: 'a task of swx_web_admin is not one of swx_web',
      row: { Replicas: '1/1' },
      tasks: [task({}), task({ Name: 'swx_web_admin.1', Node: 'other' })],
      want: { nodes: ['vm'] },
    },
  ])('$what', ({ row, tasks, inspect, want }) => {
    const rows = [
      row,
      ...(tasks.some((t) => t.Name.startsWith('swx_web_admin')) ? [{ Name: 'swx_web_admin' }] : []),
    ];
    expect(one(rows, tasks, inspect)).toMatchObject(want);
  });

  test('a service of the install the swarm does not have: not created', () => {
    const [web] = swarmServiceStatuses('swx', [{ name: 'web', oneshot: false }], {
      services: [],
      tasks: [],
      inspect: [],
    });
    expect(web).toMatchObject({ name: 'web', state: 'not created', ok: false });
  });

  test('text of a failing service: its last error and update under the line', () => {
    const bad = one(
      [{ Replicas: '0/1' }],
      [
        task({
          DesiredState: 'Shutdown',
          CurrentState: 'Failed 1 second ago',
          Error: '"task: non-zero exit (3)"',
        }),
      ],
      [{ ID: 'id0', UpdateStatus: { State: 'paused', Message: 'update paused due to failure' } }],
    );
    expect(swarmStatusText({ dir: '/d', project: 'swx', recipe: 'r', version: '1' }, [bad], [])).toBe(
      [
        'r 1 in /d (swarm stack swx)',
        '',
        '  ✖ web      failing 0/1',
        '             last task error (Failed 1 second ago): task: non-zero exit (3)',
        '             update paused: update paused due to failure',
        '',
        '1 service(s) need attention: berth logs <service> shows why.',
        '',
      ].join('\n'),
    );
  });
});

describe('uninstall on more than one node', () => {
  test('names the nodes and the command to run there', () => {
    expect(otherNodesText('swx', ['b (labelled berth.swx.data=true)', 'c'], ['swx_data'])).toBe(
      [
        "Volumes on other nodes cannot be removed from here: the stack's volumes (swx_data) may also be on b (labelled berth.swx.data=true), c.",
        'On each of those nodes, run:',
        '  docker volume rm $(docker volume ls -q --filter label=com.docker.stack.namespace=swx)',
        '',
      ].join('\n'),
    );
    expect(otherNodesText('swx', [], ['swx_data'])).toBe('');
  });
});

describe('swarm facts for doctor', () => {
  test.each([
    [
      { LocalNodeState: 'inactive', NodeID: '' },
      undefined,
      { state: 'inactive', role: 'none' },
      'not in a swarm (inactive), engine API 1.41',
    ],
    [undefined, undefined, { state: 'inactive', role: 'none' }, 'not in a swarm (inactive), engine API 1.41'],
    [
      { LocalNodeState: 'active', NodeID: 'w1', ControlAvailable: false, Nodes: 0, Managers: 0 },
      undefined,
      { state: 'active', role: 'worker', nodeId: 'w1' },
      'worker in a swarm of 0 node(s), 0 manager(s), engine API 1.41: berth deploys from a manager',
    ],
    [
      { LocalNodeState: 'active', NodeID: 'm1', ControlAvailable: true, Nodes: 2, Managers: 1 },
      [
        {
          ID: 'm1',
          Spec: { Role: 'manager', Availability: 'active', Labels: { 'berth.app.data': 'true', zone: 'a' } },
          Description: { Hostname: 'one' },
          Status: { State: 'ready' },
          ManagerStatus: { Leader: true },
        },
        {
          ID: 'w2',
          Spec: { Role: 'worker', Availability: 'active', Labels: null },
          Description: { Hostname: 'two' },
          Status: { State: 'down' },
        },
      ],
      {
        role: 'manager',
        nodes: 2,
        managers: 1,
        nodeList: [
          {
            id: 'm1',
            hostname: 'one',
            role: 'manager',
            status: 'ready',
            availability: 'active',
            leader: true,
            self: true,
            labels: { 'berth.app.data': 'true' },
          },
          {
            id: 'w2',
            hostname: 'two',
            role: 'worker',
            status: 'down',
            availability: 'active',
            leader: false,
            self: false,
            labels: {},
          },
        ],
      },
      'manager of 2 node(s), 1 manager(s), engine API 1.41; ready: one; not ready: two (down); labels: berth.app.data=true on one',
    ],
  ] as const)('%j', (info, nodes, want, line) => {
    const facts = swarmFacts(info, nodes);
    expect(facts).toMatchObject(want);
    expect(swarmLine(facts, '1.41')).toBe(line);
  });
});
