// Docker: the CLI, the engine (asked over its socket: ~5 ms instead of ~200 ms for `docker info`), and Compose.
// When the engine is not a local unix socket (tcp://, ssh://, a docker context), the CLI is asked instead.
import { engineProblem } from '../compose/engine-errors.js';
import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pluginDirs } from '../compose/plugin.js';
import { rooted, runCommand, which, type ProbeEnv } from './probe.js';
import { cachedVersion } from './version-cache.js';
import { swarmFacts, type ApiNode, type InfoSwarm, type SwarmFacts } from './swarm.js';

export type EngineProblem = 'not-installed' | 'not-running' | 'permission-denied' | 'timeout' | 'error';

export type EngineFacts =
  | {
      reachable: true;
      version: string;
      rootless: boolean;
      /** Registered OCI runtimes: `nvidia` means the NVIDIA container toolkit is configured. */
      runtimes: string[];
      /** CDI spec folders the engine reads (Docker 25+ with CDI enabled); empty when it reports none. */
      cdiSpecDirs: string[];
      rootDir: string;
      /** The engine's API version (the Api-Version header, or `docker version`); absent when not known. */
      apiVersion?: string;
    }
  | { reachable: false; problem: EngineProblem; detail: string };

export interface DockerFacts {
  /** The docker CLI on PATH. */
  cli: string | undefined;
  /** Where the engine was asked: unix socket path, DOCKER_HOST, or `docker context <name>`. */
  host: string;
  engine: EngineFacts;
  /** Docker Swarm: this engine's part in one (inactive, worker, manager) and, on a manager, the nodes. */
  swarm?: SwarmFacts;
  /** `docker compose` (the v2 plugin) version; a standalone `docker-compose` (v1, or a v2 binary not linked as a plugin). */
  compose: {
    plugin: string | undefined;
    standalone: string | undefined;
    /** The plugin binary where docker keeps it: berth runs it directly for `config` (no docker CLI start-up). */
    pluginPath?: string | undefined;
  };
}

export async function detectDocker(p: ProbeEnv): Promise<DockerFacts> {
  const cli = which(p, 'docker');
  const target = engineTarget(p);
  const [asked, compose] = await Promise.all([
    target.socket ? askSocket(target.socket, p, cli) : askCli(p, cli),
    detectCompose(p, cli),
  ]);
  const { engine, swarm } = asked;
  // Only a manager lists the nodes: one more call there, none elsewhere.
  const nodes = swarm?.ControlAvailable
    ? await (target.socket ? socketJson<ApiNode[]>(target.socket, '/nodes', p) : cliNodes(p, cli))
    : undefined;
  return {
    cli,
    host: target.label,
    engine,
    ...(engine.reachable ? { swarm: swarmFacts(swarm, nodes) } : {}),
    compose,
  };
}

interface Asked {
  engine: EngineFacts;
  swarm?: InfoSwarm | undefined;
}

function socketJson<T>(socket: string, at: string, p: ProbeEnv): Promise<T | undefined> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath: socket, path: at, timeout: p.timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (d: string) => (body += d));
      response.on('end', () => {
        try {
          resolve(response.statusCode === 200 ? (JSON.parse(body) as T) : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    request.on('timeout', () => {
      request.destroy();
      resolve(undefined);
    });
    request.on('error', () => resolve(undefined));
  });
}

async function cliNodes(p: ProbeEnv, cli: string | undefined): Promise<ApiNode[] | undefined> {
  if (!cli) return undefined;
  const ids = await runCommand(p, cli, ['node', 'ls', '-q']);
  const list = ids.stdout.split('\n').filter(Boolean);
  if (!ids.ok || list.length === 0) return undefined;
  const r = await runCommand(p, cli, ['node', 'inspect', ...list]);
  try {
    return r.ok ? (JSON.parse(r.stdout) as ApiNode[]) : undefined;
  } catch {
    return undefined;
  }
}

function engineTarget(p: ProbeEnv): { socket?: string; label: string } {
  const host = p.env.DOCKER_HOST;
  if (host) return host.startsWith('unix://') ? { socket: host.slice(7), label: host } : { label: host };
  const context = p.env.DOCKER_CONTEXT ?? currentContext(p);
  if (context && context !== 'default') return { label: `docker context ${context}` };
  const socket = rooted(p, '/var/run/docker.sock');
  return { socket, label: `unix://${socket}` };
}

function currentContext(p: ProbeEnv): string | undefined {
  const dir = p.env.DOCKER_CONFIG ?? path.join(p.env.HOME ?? '/', '.docker');
  try {
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
      currentContext?: string;
    };
    return config.currentContext;
  } catch {
    return undefined;
  }
}

interface InfoJson {
  ServerVersion?: string;
  SecurityOptions?: string[] | null;
  Runtimes?: Record<string, unknown> | null;
  CDISpecDirs?: string[] | null;
  DockerRootDir?: string;
  ServerErrors?: string[];
  Swarm?: InfoSwarm;
}

function fromInfo(info: InfoJson, apiVersion: string | undefined): Asked {
  const engine: EngineFacts = {
    reachable: true,
    version: info.ServerVersion ?? 'unknown',
    rootless: (info.SecurityOptions ?? []).some((o) => o.includes('name=rootless')),
    runtimes: Object.keys(info.Runtimes ?? {}),
    cdiSpecDirs: info.CDISpecDirs ?? [],
    rootDir: info.DockerRootDir ?? '/var/lib/docker',
    ...(apiVersion ? { apiVersion } : {}),
  };
  return { engine, swarm: info.Swarm };
}

function askSocket(socket: string, p: ProbeEnv, cli: string | undefined): Promise<Asked> {
  const fail = (problem: EngineProblem, detail: string): Asked => ({
    engine: { reachable: false, problem, detail },
  });
  return new Promise((resolve) => {
    const request = http.get({ socketPath: socket, path: '/info', timeout: p.timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (d: string) => (body += d));
      response.on('end', () => {
        try {
          if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${body.trim()}`);
          const api = response.headers['api-version'];
          resolve(fromInfo(JSON.parse(body) as InfoJson, typeof api === 'string' ? api : undefined));
        } catch (error) {
          resolve(fail('error', (error as Error).message));
        }
      });
    });
    request.on('timeout', () => {
      request.destroy();
      resolve(fail('timeout', `no answer on ${socket} in ${p.timeoutMs} ms`));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? '';
      if (code === 'EACCES' || code === 'EPERM')
        resolve(fail('permission-denied', `permission denied on ${socket}`));
      else if (code === 'ENOENT' && !cli && !existsSync(socket))
        resolve(fail('not-installed', 'no docker command and no engine socket'));
      else if (code === 'ENOENT' || code === 'ECONNREFUSED')
        resolve(fail('not-running', `nothing answers on ${socket} (${code})`));
      else resolve(fail('error', `${socket}: ${error.message}`));
    });
  });
}

async function askCli(p: ProbeEnv, cli: string | undefined): Promise<Asked> {
  const fail = (problem: EngineProblem, detail: string): Asked => ({
    engine: { reachable: false, problem, detail },
  });
  if (!cli) return fail('not-installed', 'no docker command on PATH');
  const limit = Math.max(p.timeoutMs, 10_000);
  const [r, version] = await Promise.all([
    runCommand(p, cli, ['info', '--format', '{{json .}}'], limit),
    runCommand(p, cli, ['version', '--format', '{{.Server.APIVersion}}'], limit),
  ]);
  if (r.timedOut) return fail('timeout', '`docker info` did not answer');
  let info: InfoJson = {};
  try {
    info = JSON.parse(r.stdout) as InfoJson;
  } catch {
    // an old CLI or an error before any output: the message below says why
  }
  const message = [...(info.ServerErrors ?? []), r.stderr].join('\n').trim();
  if (r.ok && info.ServerVersion && !info.ServerErrors?.length)
    return fromInfo(info, version.ok ? version.stdout.trim() || undefined : undefined);
  return fail(engineProblem(message) ?? 'error', message.split('\n')[0] || `exit ${r.exitCode}`);
}

/**
 * The one place berth looks for Compose. v2 from the plugin's own metadata (not the docker CLI), remembered per
 * binary between runs (version-cache.ts); v1 only if no v2.
 */
async function detectCompose(p: ProbeEnv, cli: string | undefined): Promise<DockerFacts['compose']> {
  const [user, ...system] = pluginDirs(p.env);
  const plugin = [user!, ...system.map((d) => rooted(p, d))]
    .map((d) => path.join(d, 'docker-compose'))
    .find((f) => existsSync(f));
  let v2: string | undefined;
  if (plugin) {
    v2 = await cachedVersion(p.cacheDir, plugin, async () => {
      const r = await runCommand(p, plugin, ['docker-cli-plugin-metadata']);
      try {
        return r.ok ? (JSON.parse(r.stdout) as { Version?: string }).Version : undefined;
      } catch {
        return undefined;
      }
    });
  } else if (cli) {
    const r = await runCommand(p, cli, ['compose', 'version', '--short']);
    if (r.ok && r.stdout.trim()) v2 = r.stdout.trim();
  }
  if (v2) return { plugin: v2.replace(/^v/, ''), standalone: undefined, pluginPath: plugin };
  const standalone = await runCommand(p, 'docker-compose', ['version', '--short']);
  const version = standalone.ok ? standalone.stdout.trim().replace(/^v/, '') : undefined;
  // A standalone docker-compose 2.x is v2, but `docker compose` (what berth runs) still needs the plugin.
  return { plugin: undefined, standalone: version };
}
