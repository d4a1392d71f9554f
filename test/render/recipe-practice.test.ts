// The rules docs/recipes.md promises the shipped recipes follow, checked over every rendered combination
// (the golden cases plus a wider matrix of answers): pinned images from .env, healthchecks, depends_on
// conditions, no database port on the host, secrets only in 0600 files and only as ${VAR} in compose files,
// GPU only in compose.gpu.yaml, Caddy only in compose.https.yaml — and the real `docker compose config`
// accepts every combination. Each checker is also fed a broken rendering, so none of them can pass vacuously.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDotenv } from '../../src/render/dotenv.js';
import { ENV_FILE, type RenderedFile } from '../../src/render/render-recipe.js';
import { tempDir } from '../helpers.js';
import {
  allCases,
  composeConfig,
  renderCase,
  requireCompose,
  secretValues,
  writeRendering,
  type RenderedCase,
} from './cases.js';

type Doc = { services?: Record<string, Service | null> } & Record<string, unknown>;
type Service = Record<string, unknown> & {
  image?: unknown;
  healthcheck?: { test?: unknown; disable?: boolean };
  depends_on?: unknown;
  ports?: unknown[];
  restart?: unknown;
};
type Check = (r: RenderedCase) => string[];

const IMAGE_REF = /^\$\{([A-Z][A-Z0-9_]*):\?[^}]+\}$/;
const DATABASE_IMAGE = /(^|\/)(postgres|pgvector|redis|valkey|mysql|mariadb|mongo)[^/]*(:|@|$)/;

function composeDocs(r: RenderedCase): { path: string; doc: Doc }[] {
  return r.rendering.composeFiles.map((p) => ({
    path: p,
    doc: (parse(file(r, p).content, { merge: true }) ?? {}) as Doc,
  }));
}

function file(r: RenderedCase, p: string): RenderedFile {
  const found = r.rendering.files.find((f) => f.path === p);
  if (!found) throw new Error(`${r.name}: no ${p} in the rendering`);
  return found;
}

const dotenv = (r: RenderedCase) => parseDotenv(file(r, ENV_FILE).content);

/** Every service of every compose file, by name, in merge order. */
function services(r: RenderedCase): Map<string, { path: string; service: Service }[]> {
  const byName = new Map<string, { path: string; service: Service }[]>();
  for (const { path: p, doc } of composeDocs(r)) {
    for (const [name, service] of Object.entries(doc.services ?? {})) {
      byName.set(name, [...(byName.get(name) ?? []), { path: p, service: service ?? {} }]);
    }
  }
  return byName;
}

const oneshot = (r: RenderedCase, name: string) =>
  r.loaded.manifest.services.find((s) => s.name === name)?.oneshot === true;

/** A tag that names a version (not `latest`), or a sha256 digest. */
export function pinnedImageProblem(ref: string | undefined): string | undefined {
  if (!ref) return 'is not set in .env';
  if (ref.includes('@')) return /@sha256:[0-9a-f]{64}$/.test(ref) ? undefined : 'has a malformed digest';
  const lastSegment = ref.split('/').at(-1)!;
  const tag = lastSegment.includes(':') ? lastSegment.split(':').at(-1)! : undefined;
  if (!tag) return 'has no tag (that means :latest)';
  if (/latest/i.test(tag)) return `uses the floating tag ${tag}`;
  return undefined;
}

const checkImages: Check = (r) => {
  const env = dotenv(r);
  const problems: string[] = [];
  for (const [name, defs] of services(r)) {
    const images = defs.filter((d) => d.service.image !== undefined);
    if (images.length === 0) problems.push(`${name}: no image in any compose file`);
    for (const { path: p, service } of images) {
      const match = IMAGE_REF.exec(String(service.image));
      if (!match) {
        problems.push(`${p}: ${name}.image is ${String(service.image)}, not \${VAR:?message} from .env`);
        continue;
      }
      const variable = match[1]!;
      const problem = pinnedImageProblem(env[variable]);
      if (problem) problems.push(`${p}: ${name}.image ${variable}=${env[variable] ?? ''} ${problem}`);
      const question = r.loaded.manifest.questions.find((q) => q.env === variable);
      if (!question?.advanced)
        problems.push(`${p}: ${name}.image: ${variable} is not an advanced question's env`);
    }
  }
  return problems;
};

const checkHealthchecks: Check = (r) => {
  const problems: string[] = [];
  for (const [name, defs] of services(r)) {
    if (!r.loaded.manifest.services.some((s) => s.name === name)) {
      problems.push(`${name}: not declared in the recipe's services: metadata`);
    }
    const restart = defs.map((d) => d.service.restart).findLast((v) => v !== undefined);
    if (oneshot(r, name)) {
      if (restart !== 'no')
        problems.push(`${name}: a one-shot service needs restart: "no" (has ${String(restart)})`);
      continue;
    }
    const health = defs.map((d) => d.service.healthcheck).findLast((h) => h !== undefined);
    const test = health?.test;
    if (!health || health.disable === true || !Array.isArray(test) || test.length < 2 || test[0] === 'NONE') {
      problems.push(`${name}: a long-running service without a healthcheck test`);
    }
    if (restart !== 'unless-stopped' && restart !== 'always') {
      problems.push(`${name}: a long-running service with restart ${String(restart)}`);
    }
  }
  return problems;
};

const checkDependsOn: Check = (r) => {
  const problems: string[] = [];
  const all = services(r);
  for (const [name, defs] of all) {
    for (const { path: p, service } of defs) {
      if (service.depends_on === undefined) continue;
      if (
        Array.isArray(service.depends_on) ||
        typeof service.depends_on !== 'object' ||
        !service.depends_on
      ) {
        problems.push(`${p}: ${name}.depends_on is a list; use a map with condition:`);
        continue;
      }
      for (const [target, spec] of Object.entries(service.depends_on as Record<string, unknown>)) {
        const condition = (spec as { condition?: unknown } | null)?.condition;
        const expected = oneshot(r, target) ? 'service_completed_successfully' : 'service_healthy';
        if (!all.has(target)) problems.push(`${p}: ${name} depends on ${target}, which is not in the stack`);
        if (condition !== expected) {
          problems.push(
            `${p}: ${name}.depends_on.${target}.condition is ${String(condition)}, not ${expected}`,
          );
        }
      }
    }
  }
  return problems;
};

const checkDatabasePorts: Check = (r) => {
  const env = dotenv(r);
  const problems: string[] = [];
  for (const [name, defs] of services(r)) {
    const image = defs.map((d) => d.service.image).findLast((i) => i !== undefined);
    const resolved = interpolate(String(image ?? ''), env);
    if (!DATABASE_IMAGE.test(resolved) && !/^(postgres|redis|db|database|cache)$/.test(name)) continue;
    for (const { path: p, service } of defs) {
      if (service.ports && service.ports.length > 0)
        problems.push(`${p}: ${name} (${resolved}) publishes ports`);
      if (service.network_mode === 'host') problems.push(`${p}: ${name} (${resolved}) uses the host network`);
    }
  }
  return problems;
};

/** A published port with no host address listens on every interface. */
const onAllInterfaces = (port: unknown): boolean => {
  const spec = typeof port === 'object' && port !== null ? (port as { host_ip?: string }) : undefined;
  if (spec) return !spec.host_ip || spec.host_ip === '0.0.0.0' || spec.host_ip === '::';
  const parts = String(port)
    .replace(/\$\{[^}]*\}/g, 'VAR')
    .split(':');
  return parts.length < 3 || parts[0] === '0.0.0.0' || parts[0] === '';
};

/**
 * When HTTPS fronts the stack (something publishes 443), no other TCP port is reachable from outside: it would
 * serve the same app over plain HTTP. UDP (WebRTC media) is not HTTP and stays public.
 */
const checkPlainHttpBehindTls: Check = (r) => {
  const all = [...services(r)].flatMap(([name, defs]) =>
    defs.flatMap(({ path: p, service }) => (service.ports ?? []).map((port) => ({ name, p, port }))),
  );
  const https = all.some(({ port }) => /(^|:)443(\/tcp)?$/.test(String(port)));
  if (!https) return [];
  return all
    .filter(({ port }) => !/(^|:)(80|443)(\/(tcp|udp))?$|\/udp$/.test(String(port)) && onAllInterfaces(port))
    .map(({ name, p, port }) => `${p}: ${name} publishes ${String(port)} on all interfaces next to HTTPS`);
};

const checkSecretFiles: Check = (r) => {
  const problems: string[] = [];
  for (const f of r.rendering.files.filter((f) => f.mode !== 0o600)) {
    for (const secret of secretValues(r)) {
      if (f.content.includes(secret))
        problems.push(`${f.path} (mode ${f.mode.toString(8)}) holds a secret value`);
    }
  }
  return problems;
};

/** Secret variables appear in compose values only inside ${NAME:?message} (required, so never silently empty). */
const checkSecretReferences: Check = (r) => {
  const m = r.loaded.manifest;
  const names = [
    ...m.secrets.map((s) => s.env),
    ...m.questions.filter((q) => q.type === 'secret').map((q) => q.env!),
  ];
  const problems: string[] = [];
  const visit = (where: string, node: unknown): void => {
    if (typeof node === 'string') {
      const rest = node.replaceAll('$$', '').replace(/\$\{[A-Z_][A-Z0-9_]*:\?[^}]*\}/g, '');
      for (const name of names) {
        if (new RegExp(`\\b${name}\\b`).test(rest))
          problems.push(`${where}: ${name} outside \${${name}:?…}: ${node}`);
      }
    } else if (Array.isArray(node)) node.forEach((v, i) => visit(`${where}[${i}]`, v));
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) visit(`${where}.${k}`, v);
    }
  };
  for (const { path: p, doc } of composeDocs(r)) visit(p, doc);
  return problems;
};

/** The host side of a short-syntax port ("80:80", "0.0.0.0:443:443/udp", "${WEB_PORT:?…}:3000"). */
function hostPort(spec: string, env: Record<string, string>): string | undefined {
  const parts = interpolate(spec, env)
    .replace(/\/\w+$/, '')
    .split(':');
  return parts.length >= 2 ? parts.at(-2) : undefined;
}

const interpolate = (text: string, env: Record<string, string>) =>
  text.replace(/\$\{([A-Z0-9_]+)[^}]*\}/g, (_, v: string) => env[v] ?? '');

const checkFeatureFiles: Check = (r) => {
  const env = dotenv(r);
  const problems: string[] = [];
  const gpuKeys = (s: Service) =>
    s.runtime === 'nvidia' ||
    s.gpus !== undefined ||
    (s.deploy as { resources?: { reservations?: { devices?: unknown } } } | undefined)?.resources
      ?.reservations?.devices !== undefined;
  for (const [name, defs] of services(r)) {
    for (const { path: p, service } of defs) {
      if (gpuKeys(service) && p !== 'compose.gpu.yaml')
        problems.push(`${p}: ${name} reserves a GPU outside compose.gpu.yaml`);
      const caddy = name === 'caddy' || String(service.image ?? '').includes('CADDY_IMAGE');
      if (caddy && p !== 'compose.https.yaml')
        problems.push(`${p}: ${name} (Caddy) outside compose.https.yaml`);
      const web = (service.ports ?? [])
        .map((port) => hostPort(String(port), env))
        .filter((h) => h === '80' || h === '443');
      if (web.length > 0 && p !== 'compose.https.yaml')
        problems.push(`${p}: ${name} publishes ${web.join(', ')}`);
    }
  }
  const gpu = r.rendering.features.includes('gpu');
  const gpuFile = r.rendering.composeFiles.includes('compose.gpu.yaml');
  if (gpu !== gpuFile) problems.push(`features gpu=${gpu} but compose.gpu.yaml listed=${gpuFile}`);
  if (gpuFile && ![...services(r).values()].flat().some((d) => gpuKeys(d.service))) {
    problems.push('compose.gpu.yaml reserves no GPU');
  }
  return problems;
};

const checkEnvFile: Check = (r) => {
  const env = dotenv(r);
  const problems: string[] = [];
  if (env.COMPOSE_FILE !== r.rendering.composeFiles.join(':'))
    problems.push(`COMPOSE_FILE is ${env.COMPOSE_FILE}`);
  if (file(r, ENV_FILE).mode !== 0o600) problems.push('.env is not 0600');
  for (const { path: p } of composeDocs(r)) {
    for (const [, name] of file(r, p).content.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*):\?/g)) {
      if (!env[name!]) problems.push(`${p} requires ${name}, which .env leaves empty`);
    }
  }
  for (const f of r.rendering.files.filter((f) => f.path.endsWith('.json'))) {
    try {
      JSON.parse(f.content);
    } catch (error) {
      problems.push(`${f.path}: not valid JSON (${(error as Error).message})`);
    }
  }
  return problems;
};

const checks: Record<string, Check> = {
  'every image is ${VAR:?} from .env with a pinned tag or digest, never latest': checkImages,
  'every long-running service has a healthcheck; one-shot services do not restart': checkHealthchecks,
  'every depends_on uses condition: healthy / completed successfully': checkDependsOn,
  'no database or cache publishes a port': checkDatabasePorts,
  'behind HTTPS, no plain-HTTP port listens on all interfaces': checkPlainHttpBehindTls,
  'no secret value appears in a file that is not 0600': checkSecretFiles,
  'compose files reference secrets only as ${VAR:?}': checkSecretReferences,
  'GPU only in compose.gpu.yaml, Caddy and ports 80/443 only in compose.https.yaml': checkFeatureFiles,
  '.env lists the compose files and sets every required variable; JSON files parse': checkEnvFile,
};

let rendered: RenderedCase[] = [];
beforeAll(async () => {
  rendered = await Promise.all(allCases.map(renderCase));
});

describe('shipped recipes follow the rules of docs/recipes.md', () => {
  it('renders a wide matrix of combinations', () => {
    expect(rendered.length).toBe(allCases.length);
    expect(rendered.filter((r) => r.recipe === 'magec').length).toBeGreaterThanOrEqual(30);
    expect(rendered.filter((r) => r.recipe === 'reflector').length).toBeGreaterThanOrEqual(70);
  });

  it.each(Object.entries(checks))('%s', (_title, check) => {
    const problems = rendered.flatMap((r) => check(r).map((p) => `${r.recipe} ${r.name}: ${p}`));
    expect([...new Set(problems)]).toEqual([]);
  });

  it('docker compose config accepts every combination', { timeout: 180_000 }, async () => {
    await requireCompose();
    const root = tempDir('berth-practice-');
    const failures: string[] = [];
    // Compose reads the compose files, .env and the env_files; one run per distinct set keeps this quick.
    const seen = new Set<string>();
    const distinct = rendered.filter((r) => {
      const key = JSON.stringify(r.rendering.files.filter((f) => f.path !== 'berth.yaml'));
      return !seen.has(key) && seen.add(key);
    });
    const queue = distinct.map((r, i) => ({ r, dir: path.join(root, String(i)) }));
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        mkdirSync(job.dir);
        writeRendering(job.dir, job.r.rendering);
        const result = await composeConfig(job.dir);
        if (result.exitCode !== 0) failures.push(`${job.r.recipe} ${job.r.name}: ${result.stderr.trim()}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(failures).toEqual([]);
  });
});

describe('each rule catches a broken rendering', () => {
  /** A copy of a golden rendering with one file's content changed. */
  const broken = (name: string, filePath: string, edit: (content: string) => string): RenderedCase => {
    const base = rendered.find((r) => r.name === name)!;
    const files = base.rendering.files.map((f) => {
      if (f.path !== filePath) return f;
      const content = edit(f.content);
      if (content === f.content) throw new Error(`the edit of ${filePath} changed nothing`);
      return { ...f, content };
    });
    return { ...base, rendering: { ...base.rendering, files } };
  };

  it.each([
    [
      'latest tag',
      checkImages,
      'local-cpu-http',
      ENV_FILE,
      (s: string) => s.replace('redis:7.4-alpine', 'redis:latest'),
    ],
    [
      'no tag',
      checkImages,
      'local-cpu-http',
      ENV_FILE,
      (s: string) => s.replace('redis:7.4-alpine', 'redis'),
    ],
    [
      'literal image',
      checkImages,
      'local-cpu-http',
      'compose.yaml',
      (s: string) => s.replace('${REDIS_IMAGE:?set REDIS_IMAGE in .env}', 'redis:7.4'),
    ],
    [
      'no healthcheck',
      checkHealthchecks,
      'local-cpu-http',
      'compose.yaml',
      (s: string) => s.replace('test: ["CMD", "redis-cli", "ping"]', 'disable: true'),
    ],
    [
      'one-shot restarting',
      checkHealthchecks,
      'http-bundled-modal',
      'compose.yaml',
      (s: string) => s.replace('restart: "no"', 'restart: on-failure'),
    ],
    [
      'undeclared service',
      checkHealthchecks,
      'openai-http',
      'compose.override.yaml',
      (s: string) => s.replace('services: {}', 'services:\n  extra:\n    image: x'),
    ],
    [
      'depends_on list',
      checkDependsOn,
      'local-cpu-http',
      'compose.yaml',
      (s: string) =>
        s.replace(/depends_on:\n {6}ollama:\n {8}condition: service_healthy/, 'depends_on: [ollama]'),
    ],
    [
      'service_started',
      checkDependsOn,
      'http-bundled-modal',
      'compose.yaml',
      (s: string) =>
        s.replace(/server:\n {8}condition: service_healthy/, 'server:\n        condition: service_started'),
    ],
    [
      'postgres port',
      checkDatabasePorts,
      'http-bundled-modal',
      'compose.yaml',
      (s: string) =>
        s.replace(
          '    restart: unless-stopped\n    environment:\n      POSTGRES_USER',
          '    ports: ["5432:5432"]\n    restart: unless-stopped\n    environment:\n      POSTGRES_USER',
        ),
    ],
    [
      'plain HTTP on all interfaces next to Caddy',
      checkPlainHttpBehindTls,
      'openai-https',
      'compose.yaml',
      (s: string) => s.replace('"127.0.0.1:${MAGEC_PORT', '"${MAGEC_PORT'),
    ],
    [
      'secret in config.yaml',
      checkSecretFiles,
      'local-cpu-http',
      'config.yaml',
      (s: string) => s.replace("'${MAGEC_ADMIN_PASSWORD}'", 'golden-admin-password-0002'),
    ],
    [
      'secret answer in berth.yaml',
      checkSecretFiles,
      'openai-http',
      'berth.yaml',
      (s: string) => `${s}# sk-proj-goldenOpenAiKey0000000000000001\n`,
    ],
    [
      'bare $VAR',
      checkSecretReferences,
      'local-cpu-http',
      'compose.yaml',
      (s: string) =>
        s.replace(
          'POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}',
          'POSTGRES_PASSWORD: $POSTGRES_PASSWORD',
        ),
    ],
    [
      'optional ${VAR}',
      checkSecretReferences,
      'openai-http',
      'compose.yaml',
      (s: string) => s.replace('${OPENAI_API_KEY:?set OPENAI_API_KEY in .env}', '${OPENAI_API_KEY}'),
    ],
    [
      'GPU in compose.yaml',
      checkFeatureFiles,
      'local-cpu-http',
      'compose.yaml',
      (s: string) => s.replace('  ollama:\n    image:', '  ollama:\n    gpus: all\n    image:'),
    ],
    [
      'port 443 in compose.yaml',
      checkFeatureFiles,
      'local-cpu-http',
      'compose.yaml',
      (s: string) => s.replace('"${MAGEC_PORT:?set MAGEC_PORT in .env}:8080"', '"443:8080"'),
    ],
    [
      'empty required variable',
      checkEnvFile,
      'local-cpu-http',
      ENV_FILE,
      (s: string) => s.replace('MAGEC_PORT=8080', 'MAGEC_PORT='),
    ],
    [
      'broken JSON',
      checkEnvFile,
      'local-cpu-http',
      'magec/store.seed.json',
      (s: string) => s.replace('"flows": [],', '"flows": [],,'),
    ],
  ] as const)('%s', (_title, check, name, filePath, edit) => {
    expect(check(rendered.find((r) => r.name === name)!)).toEqual([]);
    expect(check(broken(name, filePath, edit)).length).toBeGreaterThan(0);
  });
});
