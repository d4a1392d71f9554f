// The compose install's meaning as a Docker Swarm stack file. `docker stack deploy` reads no .env, ignores
// depends_on conditions, profiles, build and restart:, and resolves file binds on whichever node runs the task; so
// berth starts from `docker compose config --format json` (every override merged, the user's last, .env
// interpolated) and translates what swarm would ignore or get wrong:
// - secrets: a value from .env is never written into the stack file. Where the recipe says the image reads
//   <VAR>_FILE, it becomes a Docker secret; otherwise the stack file says ${BERTH_…} and the value travels in the
//   deploying process's environment. A secret anywhere else in a service is refused.
// - files the stack mounts become Docker configs (a 0600 file: a Docker secret), named by a hash of their content
//   so a changed file rolls the service;
// - services that keep data (named volumes, host folders) are pinned to the node labelled for the stack's data;
// - depends_on becomes an order berth drives (layers), one-shots become `replicated-job`s, restart: becomes
//   deploy.restart_policy, and updates roll one task at a time with failure_action: rollback;
// - ports compose published on 127.0.0.1 only (plain HTTP behind the HTTPS proxy) are not published: swarm's
//   ingress cannot bind an address;
// - GPUs become a generic resource and a placement on nodes labelled berth.gpu=true.
// Pure: the caller reads the files (for their hashes and modes) and the .env.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { SwarmSpec } from '../recipes/schema.js';

/** What `docker compose config --format json` prints, as far as berth reads it. */
export interface ComposeJson {
  name?: string;
  services: Record<string, ComposeService>;
  networks?: Record<string, Record<string, unknown> | null>;
  volumes?: Record<string, Record<string, unknown> | null>;
  secrets?: Record<string, unknown>;
  configs?: Record<string, unknown>;
}
type ComposeService = Record<string, unknown> & {
  image?: string;
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition?: string }>;
  volumes?: ComposeMount[];
  ports?: ComposePort[];
  restart?: string;
  healthcheck?: Record<string, unknown>;
  deploy?: Record<string, unknown>;
  extra_hosts?: string[] | Record<string, string>;
};
interface ComposeMount {
  type: string;
  source?: string;
  target: string;
  read_only?: boolean;
  [key: string]: unknown;
}
interface ComposePort {
  mode?: string;
  host_ip?: string;
  target: number;
  published?: string | number;
  protocol?: string;
}

/** A file a service mounts, as the caller found it on disk. */
export interface MountedFile {
  content: Buffer;
  mode: number;
  uid: number;
  gid: number;
}

export interface StackInput {
  project: string;
  config: ComposeJson;
  /** The values that must not be seen, by their .env name (generated secrets, secret answers). */
  secrets: Readonly<Record<string, string>>;
  swarm: Pick<SwarmSpec, 'fileSecrets' | 'services'>;
  /** Reads a bind-mounted path: a file's content and mode, 'dir' for a folder, undefined when it is missing. */
  readMount: (source: string) => MountedFile | 'dir' | undefined;
  /**
   * The kernel has IPVS, which swarm's virtual IPs and ingress routing mesh are made of. Without it (a kernel
   * without the ip_vs module) services are found by DNS round robin and ports published on the task's node.
   */
  ipvs: boolean;
}

/** A Docker secret berth creates itself (value on stdin, labelled with the stack's namespace). */
export interface SwarmSecret {
  name: string;
  value: Buffer;
}

export type WaitFor = 'running' | 'healthy' | 'completed';

export interface StackPlan {
  /** The stack file: no secret value anywhere in it. */
  doc: { services: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  /** Deploy order: each layer's services wait for those of the layers before it. */
  layers: string[][];
  /** What "up" means for each service. */
  waitFor: Record<string, WaitFor>;
  replicas: Record<string, number>;
  /** Docker secrets to create before the deploy (each named by its content's hash). */
  secrets: SwarmSecret[];
  /** The values of the ${BERTH_…} variables the stack file names: the deploying process's environment. */
  env: Record<string, string>;
  /** Services pinned to the data node. */
  pinned: string[];
  /** What was translated in a way the user should know about. */
  notes: string[];
  /** What swarm cannot do here: refuse the deploy with these, before anything runs. */
  problems: string[];
}

/** The node label that marks where a stack's data lives. */
export const dataLabel = (project: string): string => `berth.${project}.data`;
export const GPU_LABEL = 'berth.gpu';

const hash8 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex').slice(0, 8);
/** Docker object names: letters, digits, `-_.`, at most 64 characters. */
const objectName = (...parts: string[]) =>
  parts
    .join('_')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 64);
const envKey = (...parts: string[]) =>
  parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, '_');

// Keys a stack service may carry as they are.
const KEEP = new Set([
  'image',
  'command',
  'entrypoint',
  'environment',
  'healthcheck',
  'networks',
  'user',
  'working_dir',
  'hostname',
  'labels',
  'logging',
  'stop_grace_period',
  'stop_signal',
  'init',
  'cap_add',
  'cap_drop',
  'sysctls',
  'ulimits',
  'read_only',
  'dns',
  'dns_search',
  'tty',
  'stdin_open',
  'domainname',
  'isolation',
]);
// Keys that only concern compose, or that berth translates: dropped from the service itself.
const TRANSLATED = new Set([
  'depends_on',
  'restart',
  'container_name',
  'profiles',
  'pull_policy',
  'expose',
  'platform',
  'volumes',
  'ports',
  'deploy',
  'extra_hosts',
  'mem_limit',
  'cpus',
  'env_file',
]);
// Keys whose meaning swarm cannot keep: refused, naming the service.
const REFUSED: Record<string, string> = {
  build:
    'is built from sources, and swarm cannot build: build and push the image to a registry the nodes reach, then answer with that image',
  privileged: 'runs privileged, which swarm services cannot',
  network_mode: 'uses network_mode, which swarm services cannot',
  pid: 'shares a pid namespace, which swarm services cannot',
  ipc: 'sets ipc, which swarm services cannot',
  devices: 'maps host devices, which swarm services cannot',
  volumes_from: 'uses volumes_from, which swarm services cannot',
  links: 'uses links, which swarm services cannot',
  cgroup_parent: 'sets cgroup_parent, which swarm services cannot',
};
// Keys swarm ignores but whose loss changes little: dropped with a note.
const DROPPED_WITH_NOTE: Record<string, string> = {
  shm_size: 'shm_size (swarm services get the default /dev/shm)',
  security_opt: 'security_opt (swarm services cannot set it)',
  tmpfs: 'tmpfs (swarm services mount tmpfs only as a volume of type tmpfs)',
  oom_score_adj: 'oom_score_adj',
  mem_reservation: 'mem_reservation',
  memswap_limit: 'memswap_limit',
  cpu_shares: 'cpu_shares',
  userns_mode: 'userns_mode',
};

const RESTART: Record<string, Record<string, unknown>> = {
  no: { condition: 'none' },
  always: { condition: 'any' },
  'unless-stopped': { condition: 'any' },
};

export function toStack(input: StackInput): StackPlan {
  const { project, config } = input;
  const notes: string[] = [];
  const problems: string[] = [];
  const secrets = new Map<string, SwarmSecret>();
  const env: Record<string, string> = {};
  const configs: Record<string, { file?: string; name: string; external?: boolean }> = {};
  const secretRefs: Record<string, { name: string; external: true }> = {};
  const pinned: string[] = [];
  const waitFor: Record<string, WaitFor> = {};
  const replicas: Record<string, number> = {};
  const jobs = oneShots(config);
  const secretValues = Object.entries(input.secrets).filter(([, v]) => v.length >= 8);
  if (!input.ipvs)
    notes.push(
      "This kernel has no IPVS (the ip_vs module), which swarm's virtual IPs and ingress routing mesh need: services find each other by DNS round robin (endpoint_mode dnsrr) and ports are published on the node that runs the task (mode host).",
    );

  const services: Record<string, Record<string, unknown>> = {};
  for (const [name, svc] of Object.entries(config.services)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(svc)) {
      if (value === null || value === undefined) continue;
      if (key in REFUSED) problems.push(`Service ${name} ${REFUSED[key]}.`);
      else if (key in DROPPED_WITH_NOTE)
        notes.push(`${name}: ${DROPPED_WITH_NOTE[key]} is left out on swarm.`);
      else if (KEEP.has(key)) out[key] = value;
      else if (!TRANSLATED.has(key) && !key.startsWith('x-'))
        problems.push(`Service ${name} sets ${key}, which berth cannot carry over to swarm.`);
    }
    if (out.healthcheck && typeof out.healthcheck === 'object') {
      // start_interval needs API 1.44; swarm on older engines refuses the stack.
      const { start_interval: _s, ...health } = out.healthcheck as Record<string, unknown>;
      out.healthcheck = health;
    }

    // Environment: secret values leave the stack file.
    const environment: Record<string, string> = {};
    const serviceSecrets: Record<string, unknown>[] = [];
    const fileSecrets = new Set(input.swarm.fileSecrets[name] ?? []);
    for (const [key, raw] of Object.entries(svc.environment ?? {})) {
      if (raw === null) continue;
      const value = unescapeDollars(raw);
      if (!secretValues.some(([, s]) => value.includes(s))) {
        environment[key] = raw;
        continue;
      }
      if (fileSecrets.has(key)) {
        const secretName = objectName(project, name, key.toLowerCase(), hash8(value));
        secrets.set(secretName, { name: secretName, value: Buffer.from(value) });
        secretRefs[secretName] = { name: secretName, external: true };
        serviceSecrets.push({ source: secretName, target: key.toLowerCase(), mode: 0o444 });
        environment[`${key}_FILE`] = `/run/secrets/${key.toLowerCase()}`;
      } else {
        const variable = envKey('BERTH', name, key);
        env[variable] = value;
        environment[key] = `\${${variable}}`;
      }
    }
    if (Object.keys(environment).length > 0) out.environment = environment;

    // Mounts: volumes pin the service; files become configs (or secrets); folders stay binds, pinned.
    const volumes: Record<string, unknown>[] = [];
    const serviceConfigs: Record<string, unknown>[] = [];
    let keepsData = false;
    for (const mount of svc.volumes ?? []) {
      if (mount.type === 'volume') {
        keepsData ||= mount.source !== undefined;
        volumes.push(plainMount(mount));
      } else if (mount.type === 'bind' && mount.source) {
        const found = input.readMount(mount.source);
        if (found === undefined) {
          problems.push(`Service ${name} mounts ${mount.source}, which does not exist.`);
        } else if (found === 'dir') {
          keepsData = true;
          volumes.push(plainMount(mount));
        } else {
          const key = objectName(project, path.basename(mount.source), hash8(found.content));
          const ref = { source: key, target: mount.target, uid: String(found.uid), gid: String(found.gid) };
          if ((found.mode & 0o077) === 0) {
            secrets.set(key, { name: key, value: found.content });
            secretRefs[key] = { name: key, external: true };
            serviceSecrets.push({ ...ref, mode: found.mode & 0o777 });
          } else {
            configs[key] = { file: mount.source, name: key };
            serviceConfigs.push({ ...ref, mode: found.mode & 0o777 });
          }
        }
      } else {
        volumes.push(plainMount(mount));
      }
    }
    if (volumes.length > 0) out.volumes = volumes;
    if (serviceConfigs.length > 0) out.configs = serviceConfigs;
    if (serviceSecrets.length > 0) out.secrets = serviceSecrets;

    const ports = translatePorts(name, svc.ports ?? [], notes, input.ipvs);
    if (ports.length > 0) out.ports = ports;
    const hosts = extraHosts(name, svc.extra_hosts, notes);
    if (hosts.length > 0) out.extra_hosts = hosts;

    const job = jobs.has(name);
    // deploy.replicas in the compose files (the user's override included) wins over the recipe's swarm default.
    const given = (svc.deploy as { replicas?: number } | undefined)?.replicas;
    const count = job ? 1 : (given ?? input.swarm.services[name]?.replicas ?? 1);
    if (keepsData) pinned.push(name);
    out.deploy = deployFor(svc, {
      job,
      replicas: count,
      pinned: keepsData,
      project,
      name,
      notes,
      problems,
      ipvs: input.ipvs,
      hostPorts: !input.ipvs && ports.length > 0,
    });
    waitFor[name] = job ? 'completed' : svc.healthcheck && !svc.healthcheck.disable ? 'healthy' : 'running';
    replicas[name] = count;
    services[name] = out;
  }

  const doc: StackPlan['doc'] = { services };
  const networks = translateNetworks(config.networks ?? {});
  if (Object.keys(networks).length > 0) doc.networks = networks;
  if (config.volumes && Object.keys(config.volumes).length > 0) doc.volumes = stripNulls(config.volumes);
  if (Object.keys(configs).length > 0) doc.configs = configs;
  if (Object.keys(secretRefs).length > 0) doc.secrets = secretRefs;
  if (config.secrets || config.configs)
    problems.push(
      'The compose files declare secrets: or configs: of their own; berth cannot carry them to swarm yet.',
    );

  // The last word: no secret value anywhere in what is written or shown.
  const text = JSON.stringify(doc);
  for (const [key, value] of secretValues) {
    if (text.includes(value) || text.includes(value.replaceAll('$', '$$')))
      problems.push(
        `The value of ${key} appears in a service's settings outside its environment; swarm would show it to anyone who can inspect the service.`,
      );
  }
  return {
    doc,
    layers: layersOf(config),
    waitFor,
    replicas,
    secrets: [...secrets.values()],
    env,
    pinned,
    notes,
    problems,
  };
}

/** compose writes `$` in values as `$$`; the deploying process's environment must carry the value itself. */
const unescapeDollars = (value: string) => value.replaceAll('$$', '$');

function plainMount(mount: ComposeMount): Record<string, unknown> {
  const { bind: _bind, volume, ...rest } = mount;
  const out: Record<string, unknown> = { ...rest };
  if (volume && typeof volume === 'object' && Object.keys(volume).length > 0) out.volume = volume;
  return out;
}

/** Services others wait on to complete, and services compose never restarts: one-shot jobs. */
function oneShots(config: ComposeJson): Set<string> {
  const jobs = new Set<string>();
  for (const svc of Object.values(config.services))
    for (const [dep, c] of Object.entries(svc.depends_on ?? {}))
      if (c.condition === 'service_completed_successfully') jobs.add(dep);
  for (const [name, svc] of Object.entries(config.services)) if (svc.restart === 'no') jobs.add(name);
  return jobs;
}

/** Deploy order from depends_on: a service comes in the layer after the last of those it waits for. */
export function layersOf(config: ComposeJson): string[][] {
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const levelOf = (name: string): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) throw new Error(`depends_on has a cycle through ${name}`);
    visiting.add(name);
    const deps = Object.keys(config.services[name]?.depends_on ?? {}).filter((d) => d in config.services);
    const value = deps.length === 0 ? 0 : Math.max(...deps.map(levelOf)) + 1;
    visiting.delete(name);
    level.set(name, value);
    return value;
  };
  const layers: string[][] = [];
  for (const name of Object.keys(config.services).sort()) (layers[levelOf(name)] ??= []).push(name);
  return layers.filter(Boolean);
}

function translatePorts(
  service: string,
  ports: ComposePort[],
  notes: string[],
  ipvs: boolean,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const p of ports) {
    const host = p.host_ip;
    if (host && host !== '0.0.0.0' && host !== '::') {
      notes.push(
        `${service}: port ${p.published ?? p.target} was published on ${host} only; swarm's ingress cannot bind an address, so it is not published (the HTTPS proxy reaches the service over the stack's network).`,
      );
      continue;
    }
    if (p.published === undefined || p.published === '') continue;
    const published = Number(p.published);
    out.push({
      target: p.target,
      published: Number.isInteger(published) ? published : p.published,
      protocol: p.protocol ?? 'tcp',
      mode: ipvs ? 'ingress' : 'host',
    });
  }
  return out;
}

function extraHosts(service: string, hosts: ComposeService['extra_hosts'], notes: string[]): string[] {
  const list = Array.isArray(hosts)
    ? hosts
    : Object.entries(hosts ?? {}).map(([name, address]) => `${name}=${address}`);
  return list
    .map((entry) => entry.replace('=', ':'))
    .filter((entry) => {
      if (!entry.endsWith(':host-gateway')) return true;
      notes.push(
        `${service}: ${entry.split(':')[0]} (the host's gateway) is not defined on swarm: tasks run on any node; use the node's address instead.`,
      );
      return false;
    });
}

interface DeployContext {
  job: boolean;
  replicas: number;
  pinned: boolean;
  project: string;
  name: string;
  notes: string[];
  problems: string[];
  ipvs: boolean;
  /** Ports published on the task's node: two tasks of it cannot share a node, nor overlap in an update. */
  hostPorts: boolean;
}

function deployFor(svc: ComposeService, c: DeployContext): Record<string, unknown> {
  const given = (svc.deploy ?? {}) as Record<string, unknown>;
  const resources = structuredClone((given.resources ?? {}) as Record<string, Record<string, unknown>>);
  const constraints: string[] = [];
  if (c.pinned) constraints.push(`node.labels.${dataLabel(c.project)} == true`);
  const reservations = resources.reservations;
  const devices = reservations?.devices as
    { capabilities?: string[][] | string[]; count?: number | string }[] | undefined;
  if (devices && reservations) {
    delete reservations.devices;
    const gpus = devices.filter((d) => JSON.stringify(d.capabilities ?? []).includes('gpu'));
    if (gpus.length < devices.length)
      c.problems.push(`Service ${c.name} reserves a device swarm cannot give it.`);
    if (gpus.length > 0) {
      const count = gpus[0]!.count === 'all' || gpus[0]!.count === undefined ? 1 : Number(gpus[0]!.count);
      reservations.generic_resources = [{ discrete_resource_spec: { kind: 'NVIDIA-GPU', value: count } }];
      constraints.push(`node.labels.${GPU_LABEL} == true`);
      c.notes.push(
        `${c.name}: runs on a node labelled ${GPU_LABEL}=true whose engine advertises NVIDIA-GPU (docs/scale-out.md says how).`,
      );
    }
    if (Object.keys(reservations).length === 0) delete resources.reservations;
  }
  if (svc.mem_limit !== undefined) (resources.limits ??= {}).memory = svc.mem_limit;
  if (svc.cpus !== undefined) (resources.limits ??= {}).cpus = String(svc.cpus);
  const restart = c.job ? { condition: 'none' } : restartPolicy(svc.restart);
  // Stateful services stop before their replacement starts (two servers on one data folder corrupt it);
  // stateless ones start the new task first, so an update costs no downtime.
  const order = c.pinned || c.hostPorts ? 'stop-first' : 'start-first';
  const deploy: Record<string, unknown> = {
    mode: c.job ? 'replicated-job' : 'replicated',
    ...(c.job ? {} : { replicas: c.replicas }),
    restart_policy: restart,
    ...(c.job
      ? {}
      : {
          update_config: { parallelism: 1, order, failure_action: 'rollback', monitor: '10s' },
          rollback_config: { parallelism: 1, order },
        }),
  };
  if (Object.keys(resources).length > 0) deploy.resources = resources;
  if (!c.ipvs) deploy.endpoint_mode = 'dnsrr';
  const placement: Record<string, unknown> = {};
  if (constraints.length > 0) placement.constraints = constraints;
  if (c.hostPorts && c.replicas > 1) placement.max_replicas_per_node = 1;
  if (Object.keys(placement).length > 0) deploy.placement = placement;
  if (given.labels) deploy.labels = given.labels;
  return deploy;
}

function restartPolicy(restart: string | undefined): Record<string, unknown> {
  if (!restart) return { condition: 'any' };
  const known = RESTART[restart];
  if (known) return known;
  const failure = /^on-failure(?::(\d+))?$/.exec(restart);
  if (failure)
    return { condition: 'on-failure', ...(failure[1] ? { max_attempts: Number(failure[1]) } : {}) };
  return { condition: 'any' };
}

function translateNetworks(networks: NonNullable<ComposeJson['networks']>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(networks)) {
    const net = { ...(raw ?? {}) };
    if (net.external) {
      out[key] = net;
      continue;
    }
    const ipam = net.ipam as { config?: unknown[] } | undefined;
    out[key] = {
      ...(typeof net.name === 'string' ? { name: net.name } : {}),
      driver: 'overlay',
      attachable: true,
      ...(ipam?.config && ipam.config.length > 0 ? { ipam: { config: ipam.config } } : {}),
      ...(net.labels ? { labels: net.labels } : {}),
    };
  }
  return out;
}

function stripNulls(record: Record<string, Record<string, unknown> | null>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v ?? {}]));
}

/**
 * The stack file for one step of the deploy: the services named (a layer, or on an update one service), with every
 * network, volume, config and secret. `docker stack deploy` leaves the stack's other services as they are; naming a
 * deployed one-shot again would run it again (swarm starts a new run of a job on every update, even to the same spec).
 */
export function stepDoc(plan: StackPlan, services: readonly string[]): StackPlan['doc'] {
  const names = new Set(services);
  return {
    ...plan.doc,
    services: Object.fromEntries(Object.entries(plan.doc.services).filter(([n]) => names.has(n))),
  };
}
