// The compose → swarm translation (src/swarm/stack-file.ts), rule by rule, on merged configs shaped as
// `docker compose config --format json` prints them. The real engine deploys the result in test/engine/swarm.test.ts.
import { describe, expect, test } from 'vitest';
import { layersOf, stepDoc, toStack, type ComposeJson, type StackInput } from '../../src/swarm/stack-file.js';
import { serviceVerdict, freshError, type ServiceInspect, type TaskRow } from '../../src/swarm/deploy.js';

const SECRET = 'Zq8rX2mK9vL4pT7wN3bY6cH1';
const KEY = 'sk-test-abcdefghijklmnop';

function base(): ComposeJson {
  return {
    name: 'demo',
    services: {
      app: {
        image: 'example/app:1.2.3',
        environment: { DATABASE_URL: `postgres://app:${SECRET}@db/app`, MODE: 'prod', API_KEY: KEY },
        depends_on: {
          db: { condition: 'service_healthy' },
          seed: { condition: 'service_completed_successfully' },
        },
        ports: [
          { mode: 'ingress', target: 8080, published: '8080', protocol: 'tcp' },
          { mode: 'ingress', host_ip: '127.0.0.1', target: 8081, published: '8081', protocol: 'tcp' },
        ],
        volumes: [{ type: 'bind', source: '/srv/demo/app.yaml', target: '/etc/app.yaml', read_only: true }],
        extra_hosts: ['host.docker.internal=host-gateway', 'api.local=10.0.0.5'],
        healthcheck: { test: ['CMD', 'true'], interval: '10s', start_interval: '1s' },
        restart: 'unless-stopped',
        container_name: 'demo-app',
      },
      db: {
        image: 'postgres:16.4',
        environment: { POSTGRES_PASSWORD: SECRET, POSTGRES_USER: 'app' },
        volumes: [{ type: 'volume', source: 'db_data', target: '/var/lib/postgresql/data', volume: {} }],
        healthcheck: { test: ['CMD', 'pg_isready'] },
        restart: 'always',
      },
      seed: {
        image: 'busybox:1.36',
        command: ['sh', '-c', 'echo $$HOME'],
        volumes: [{ type: 'bind', source: '/srv/demo/seed.json', target: '/seed.json' }],
        restart: 'no',
      },
    },
    networks: { default: { name: 'demo_default', ipam: { config: [{ subnet: '10.77.0.0/24' }] } } },
    volumes: { db_data: { name: 'demo_db_data' } },
  };
}

const files: Record<string, { content: Buffer; mode: number; uid: number; gid: number }> = {
  '/srv/demo/app.yaml': { content: Buffer.from('a: 1\n'), mode: 0o644, uid: 0, gid: 0 },
  '/srv/demo/seed.json': { content: Buffer.from('{"token":"x"}'), mode: 0o600, uid: 0, gid: 0 },
};

function input(over: Partial<StackInput> = {}): StackInput {
  return {
    project: 'demo',
    config: base(),
    secrets: { POSTGRES_PASSWORD: SECRET, OPENAI_API_KEY: KEY },
    swarm: { fileSecrets: { db: ['POSTGRES_PASSWORD'] }, services: {} },
    readMount: (source) => files[source] ?? (source.startsWith('/srv/data') ? 'dir' : undefined),
    ipvs: true,
    ...over,
  };
}

describe('compose → swarm stack file', () => {
  test('no secret value is left in the stack file: Docker secrets where _FILE is read, else ${BERTH_…} from the environment', () => {
    const plan = toStack(input());
    const text = JSON.stringify(plan.doc);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(KEY);
    expect(plan.problems).toEqual([]);

    const db = plan.doc.services.db!;
    expect(db.environment).toEqual({
      POSTGRES_USER: 'app',
      POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password',
    });
    const secret = plan.secrets.find((s) => s.value.toString() === SECRET)!;
    expect(secret.name).toMatch(/^demo_db_postgres_password_[0-9a-f]{8}$/);
    expect(db.secrets).toEqual([{ source: secret.name, target: 'postgres_password', mode: 0o444 }]);
    expect((plan.doc.secrets as Record<string, unknown>)[secret.name]).toEqual({
      name: secret.name,
      external: true,
    });

    // app reads no _FILE: the values travel in the deploying process's environment, whole.
    const app = plan.doc.services.app!;
    expect(app.environment).toEqual({
      DATABASE_URL: '${BERTH_APP_DATABASE_URL}',
      MODE: 'prod',
      API_KEY: '${BERTH_APP_API_KEY}',
    });
    expect(plan.env).toEqual({
      BERTH_APP_DATABASE_URL: `postgres://app:${SECRET}@db/app`,
      BERTH_APP_API_KEY: KEY,
    });
  });

  test('a secret anywhere else in a service (a command, a label) is refused: swarm would show it', () => {
    const config = base();
    config.services.seed!.command = ['sh', '-c', `echo ${SECRET}`];
    const plan = toStack(input({ config }));
    expect(plan.problems).toEqual([expect.stringContaining('The value of POSTGRES_PASSWORD appears')]);
  });

  test('a $ in a secret travels unescaped (compose writes $$ in its output)', () => {
    const config = base();
    config.services.app!.environment = { TOKEN: 'ab$$cdefghij' };
    const plan = toStack(input({ config, secrets: { TOKEN: 'ab$cdefghij' } }));
    expect(plan.env).toEqual({ BERTH_APP_TOKEN: 'ab$cdefghij' });
  });

  test('mounted files become configs named by content (a 0600 file: a secret); folders and volumes pin the service', () => {
    const plan = toStack(input());
    const app = plan.doc.services.app!;
    const configs = app.configs as { source: string; target: string; mode: number }[];
    expect(configs).toEqual([
      {
        source: expect.stringMatching(/^demo_app.yaml_[0-9a-f]{8}$/),
        target: '/etc/app.yaml',
        uid: '0',
        gid: '0',
        mode: 0o644,
      },
    ]);
    expect((plan.doc.configs as Record<string, unknown>)[configs[0]!.source]).toEqual({
      file: '/srv/demo/app.yaml',
      name: configs[0]!.source,
    });
    const seedSecrets = plan.doc.services.seed!.secrets as { source: string; mode: number }[];
    expect(seedSecrets[0]!.mode).toBe(0o600);
    expect(plan.secrets.some((s) => s.name === seedSecrets[0]!.source)).toBe(true);
    // Another content, another name: a reconfigure rolls the service.
    const changed = toStack(
      input({
        readMount: (s) =>
          s === '/srv/demo/app.yaml'
            ? { ...files[s]!, content: Buffer.from('a: 2\n') }
            : (files[s] ?? undefined),
      }),
    );
    expect((changed.doc.services.app!.configs as { source: string }[])[0]!.source).not.toBe(
      configs[0]!.source,
    );

    expect(plan.pinned).toEqual(['db']);
    expect(plan.doc.services.db!.deploy).toMatchObject({
      placement: { constraints: ['node.labels.berth.demo.data == true'] },
      update_config: { order: 'stop-first', failure_action: 'rollback', parallelism: 1 },
    });
    expect(plan.doc.services.app!.deploy).toMatchObject({ update_config: { order: 'start-first' } });
    expect(toStack(input()).doc.volumes).toEqual({ db_data: { name: 'demo_db_data' } });
  });

  test('a missing bind source is a problem; a host folder the install creates is a folder', () => {
    const config = base();
    config.services.db!.volumes = [
      { type: 'bind', source: '/srv/data/db', target: '/var/lib/postgresql/data' },
      { type: 'bind', source: '/nowhere/x.conf', target: '/x.conf' },
    ];
    const plan = toStack(input({ config }));
    expect(plan.problems).toEqual(['Service db mounts /nowhere/x.conf, which does not exist.']);
    expect(plan.pinned).toContain('db');
  });

  test('one-shots become replicated jobs; restart: becomes restart_policy; depends_on becomes the deploy order', () => {
    const plan = toStack(input());
    expect(plan.doc.services.seed!.deploy).toEqual({
      mode: 'replicated-job',
      restart_policy: { condition: 'none' },
    });
    expect(plan.doc.services.db!.deploy).toMatchObject({
      mode: 'replicated',
      replicas: 1,
      restart_policy: { condition: 'any' },
    });
    expect(plan.waitFor).toEqual({ app: 'healthy', db: 'healthy', seed: 'completed' });
    expect(plan.layers).toEqual([['db', 'seed'], ['app']]);
    for (const svc of Object.values(plan.doc.services)) {
      expect(svc).not.toHaveProperty('depends_on');
      expect(svc).not.toHaveProperty('restart');
      expect(svc).not.toHaveProperty('container_name');
    }
    expect(Object.keys(stepDoc(plan, plan.layers[0]!).services)).toEqual(['db', 'seed']);
    expect(restartOf('on-failure:3')).toEqual({ condition: 'on-failure', max_attempts: 3 });
  });

  test('a dependency cycle is named', () => {
    const config = base();
    config.services.db!.depends_on = { app: { condition: 'service_started' } };
    expect(() => layersOf(config)).toThrow(/cycle/);
  });

  test('ports on 127.0.0.1 are not published (the ingress cannot bind an address), host-gateway is dropped, with notes', () => {
    const plan = toStack(input());
    expect(plan.doc.services.app!.ports).toEqual([
      { target: 8080, published: 8080, protocol: 'tcp', mode: 'ingress' },
    ]);
    expect(plan.doc.services.app!.extra_hosts).toEqual(['api.local:10.0.0.5']);
    expect(plan.notes.join('\n')).toMatch(/port 8081 was published on 127.0.0.1 only/);
    expect(plan.notes.join('\n')).toMatch(/host.docker.internal/);
    expect(plan.doc.services.app!.healthcheck).toEqual({ test: ['CMD', 'true'], interval: '10s' });
  });

  test('without IPVS: DNS round robin, ports on the task’s node, and such a service never overlaps itself', () => {
    const plan = toStack(
      input({ ipvs: false, swarm: { fileSecrets: {}, services: { app: { replicas: 3 } } } }),
    );
    const app = plan.doc.services.app!;
    expect(app.ports).toEqual([{ target: 8080, published: 8080, protocol: 'tcp', mode: 'host' }]);
    expect(app.deploy).toMatchObject({
      endpoint_mode: 'dnsrr',
      replicas: 3,
      placement: { max_replicas_per_node: 1 },
      update_config: { order: 'stop-first' },
    });
    expect(plan.notes[0]).toMatch(/no IPVS/);
  });

  test("deploy.replicas in the compose files (the user's override) wins over the recipe's swarm default", () => {
    const config = base();
    config.services.app!.deploy = { replicas: 2 };
    const plan = toStack(input({ config, swarm: { fileSecrets: {}, services: { app: { replicas: 4 } } } }));
    expect(plan.replicas.app).toBe(2);
    expect(plan.doc.services.app!.deploy).toMatchObject({ replicas: 2 });
  });

  test('what swarm cannot do is refused, naming the service; what it ignores is noted', () => {
    const config = base();
    Object.assign(config.services.app!, { build: { context: '.' }, privileged: true, shm_size: '1g' });
    const plan = toStack(input({ config }));
    expect(plan.problems).toEqual([
      expect.stringMatching(/^Service app is built from sources, and swarm cannot build/),
      'Service app runs privileged, which swarm services cannot.',
    ]);
    expect(plan.notes.join('\n')).toContain('shm_size');
  });

  test('GPUs become a generic resource on nodes labelled berth.gpu=true', () => {
    const config = base();
    config.services.app!.deploy = {
      resources: { reservations: { devices: [{ driver: 'nvidia', count: 1, capabilities: [['gpu']] }] } },
    };
    const deploy = toStack(input({ config })).doc.services.app!.deploy as Record<string, unknown>;
    expect(deploy.resources).toEqual({
      reservations: { generic_resources: [{ discrete_resource_spec: { kind: 'NVIDIA-GPU', value: 1 } }] },
    });
    expect(deploy.placement).toEqual({ constraints: ['node.labels.berth.gpu == true'] });
  });

  test('networks become attachable overlays and keep their subnet', () => {
    expect(toStack(input()).doc.networks).toEqual({
      default: {
        name: 'demo_default',
        driver: 'overlay',
        attachable: true,
        ipam: { config: [{ subnet: '10.77.0.0/24' }] },
      },
    });
  });
});

function restartOf(restart: string): unknown {
  const config = base();
  config.services.app!.restart = restart;
  return (toStack(input({ config })).doc.services.app!.deploy as Record<string, unknown>).restart_policy;
}

describe('reading the tasks: when a service is up', () => {
  const plan = {
    waitFor: { web: 'healthy' as const, job: 'completed' as const },
    replicas: { web: 1, job: 1 },
  };
  const task = (id: string, current: string, desired = 'Running', error = ''): TaskRow => ({
    ID: id,
    Name: 'p_web.1',
    Node: 'n1',
    DesiredState: desired,
    CurrentState: `${current} 3 seconds ago`,
    Error: error,
  });
  const svc = (version: number, image: string, update?: ServiceInspect['UpdateStatus']): ServiceInspect => ({
    Spec: { Name: 'p_web', TaskTemplate: { ContainerSpec: { Image: image } } },
    Version: { Index: version },
    ...(update ? { UpdateStatus: update } : {}),
  });

  test('a new service is up once its task runs (swarm calls a task running only once it is healthy)', () => {
    const sight = { before: undefined, oldTasks: new Set<string>() };
    expect(
      serviceVerdict(plan, 'web', { ...sight, now: svc(1, 'a'), tasks: [task('t1', 'Starting')] }),
    ).toEqual({
      state: 'starting',
      detail: 'health: starting',
    });
    expect(
      serviceVerdict(plan, 'web', { ...sight, now: svc(1, 'a'), tasks: [task('t1', 'Running')] }),
    ).toEqual({
      state: 'healthy',
    });
  });

  test('a changed service waits for its update; an old rollback or an old failure is not news', () => {
    const before = svc(5, 'a', { State: 'rollback_completed', Message: 'old' });
    const oldTasks = new Set(['t1', 'f1']);
    const tasks = [task('t1', 'Running'), task('f1', 'Failed', 'Shutdown', 'old failure')];
    // Deployed with a new task template: until a new task runs, the old one does not count.
    expect(
      serviceVerdict(plan, 'web', {
        now: svc(6, 'b', before.UpdateStatus),
        before,
        tasks,
        oldTasks,
      }).state,
    ).toBe('starting');
    // The same spec deployed again: nothing to wait for, the old rollback is history.
    expect(
      serviceVerdict(plan, 'web', {
        now: svc(6, 'a', before.UpdateStatus),
        before,
        tasks,
        oldTasks,
      }),
    ).toEqual({
      state: 'healthy',
    });
    const rolledBack = svc(7, 'b', { State: 'rollback_completed', Message: 'rollback completed' });
    expect(
      serviceVerdict(plan, 'web', {
        now: rolledBack,
        before,
        tasks: [...tasks, task('n1', 'Rejected', 'Shutdown', '"No such image: x:nope"')],
        oldTasks,
      }),
    ).toEqual({
      state: 'failed',
      detail: 'its update failed ("No such image: x:nope") and swarm rolled it back to the previous version',
    });
    // Swarm deleted the rejected task before the rollback completed (five tasks per slot, the oldest status
    // first): the error an earlier poll saw is still the reason given.
    const rejected = [...tasks, task('n1', 'Rejected', 'Shutdown', 'No such image: x:nope')];
    const seenError = freshError(rejected, oldTasks);
    expect(seenError).toBe('No such image: x:nope');
    expect(freshError(tasks, oldTasks)).toBeUndefined();
    expect(
      serviceVerdict(plan, 'web', {
        now: rolledBack,
        before,
        tasks: [task('r1', 'Running')],
        oldTasks,
        seenError,
      }),
    ).toEqual({
      state: 'failed',
      detail: 'its update failed (No such image: x:nope) and swarm rolled it back to the previous version',
    });
  });

  test('a job counts only the run this deploy started', () => {
    const before = svc(2, 'a');
    const oldTasks = new Set(['old']);
    const done = { ...task('old', 'Complete', 'Complete'), Name: 'p_job.1' };
    expect(serviceVerdict(plan, 'job', { now: svc(3, 'b'), before, tasks: [done], oldTasks }).state).not.toBe(
      'completed',
    );
    expect(
      serviceVerdict(plan, 'job', {
        now: svc(3, 'b'),
        before,
        tasks: [done, { ...task('new', 'Failed', 'Complete', 'task: non-zero exit (1)'), Name: 'p_job.1' }],
        oldTasks,
      }),
    ).toEqual({ state: 'failed', detail: 'task: non-zero exit (1)' });
    expect(serviceVerdict(plan, 'job', { now: svc(2, 'a'), before, tasks: [done], oldTasks }).state).toBe(
      'completed',
    );
  });
});
