// The rules docs/recipes.md promises the shipped recipes follow, checked over every rendered combination
// (the golden cases plus a wider matrix of answers): the practices `berth recipe test` checks
// (src/recipe-test/practices.ts: pinned images from .env, healthchecks, depends_on conditions, no database port on
// the host, secrets only in 0600 files and only as ${VAR} in compose files, build contexts, bind mounts), plus the
// shipped recipes' own rule (GPU only in compose.gpu.yaml, Caddy only in compose.https.yaml) — and the real
// `docker compose config` accepts every combination. Each checker is also fed a broken rendering, so none of them
// can pass vacuously.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV_FILE } from '../../src/render/render-recipe.js';
import { practices } from '../../src/recipe-test/practices.js';
import {
  checkEnvFile,
  checkPlainHttpBehindTls,
  checkSecretFiles,
  checkSecretReferences,
} from '../../src/recipe-test/practices-exposure.js';
import { checkBackupDumps } from '../../src/recipe-test/practices-backup.js';
import { checkBindMounts, checkBuildContext } from '../../src/recipe-test/practices-mounts.js';
import {
  checkDatabasePorts,
  checkDependsOn,
  checkHealthchecks,
  checkImages,
  onLoopback,
} from '../../src/recipe-test/practices-services.js';
import {
  dotenv,
  hostPort,
  problem,
  problemText,
  services,
  type Check,
  type Problem,
  type Rendered,
  type Service,
} from '../../src/recipe-test/rendered.js';
import { tempDir } from '../helpers.js';
import {
  allCases,
  composeConfig,
  renderCase,
  requireCompose,
  writeRendering,
  type RenderedCase,
} from './cases.js';

const input = (r: RenderedCase): Rendered => ({
  recipe: r.loaded,
  answers: r.answers,
  secrets: r.secrets,
  rendering: r.rendering,
});

/** A checker of src/recipe-test over a test case, its problems as text. */
const over =
  (check: Check) =>
  (r: RenderedCase): string[] =>
    check(input(r)).map(problemText);

/**
 * Specific to the shipped recipes: GPU only in compose.gpu.yaml, Caddy only in compose.https.yaml, ports 80/443
 * only in compose.https.yaml or compose.proxy.yaml.
 */
const checkFeatureFiles: Check = (r) => {
  const env = dotenv(r);
  const problems: Problem[] = [];
  const gpuKeys = (s: Service) =>
    s.runtime === 'nvidia' ||
    s.gpus !== undefined ||
    (s.deploy as { resources?: { reservations?: { devices?: unknown } } } | undefined)?.resources
      ?.reservations?.devices !== undefined;
  for (const [name, defs] of services(r)) {
    for (const { path: p, service } of defs) {
      if (gpuKeys(service) && p !== 'compose.gpu.yaml')
        problems.push(problem(p, `${name} reserves a GPU outside compose.gpu.yaml`));
      const caddy = name === 'caddy' || String(service.image ?? '').includes('CADDY_IMAGE');
      if (caddy && p !== 'compose.https.yaml')
        problems.push(problem(p, `${name} (Caddy) outside compose.https.yaml`));
      const web = (service.ports ?? [])
        .map((port) => hostPort(String(port), env))
        .filter((h) => h === '80' || h === '443');
      // A recipe's proxy (HTTPS, or frappe's plain-HTTP Traefik) is the one thing on the web ports; lustores's
      // nginx is in its base file (it fronts the app in every mode).
      if (web.length > 0 && p !== 'compose.https.yaml' && p !== 'compose.proxy.yaml' && name !== 'nginx')
        problems.push(problem(p, `${name} publishes ${web.join(', ')}`));
    }
  }
  const gpu = r.rendering.features.includes('gpu');
  const gpuFile = r.rendering.composeFiles.includes('compose.gpu.yaml');
  if (gpu !== gpuFile)
    problems.push(problem(undefined, `features gpu=${gpu} but compose.gpu.yaml listed=${gpuFile}`));
  if (gpuFile && ![...services(r).values()].flat().some((d) => gpuKeys(d.service))) {
    problems.push(problem(undefined, 'compose.gpu.yaml reserves no GPU'));
  }
  return problems;
};

/** Every practice `berth recipe test` checks, plus the shipped recipes' own feature-file rule. */
const checks: Record<string, Check> = {
  ...Object.fromEntries(practices.map((p) => [p.title, p.check])),
  'GPU only in compose.gpu.yaml, Caddy only in compose.https.yaml, ports 80/443 only in the proxy overrides':
    checkFeatureFiles,
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
    const problems = rendered.flatMap((r) => over(check)(r).map((p) => `${r.recipe} ${r.name}: ${p}`));
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

describe('a database port bound to the loopback address', () => {
  it('is an admin port for this machine only, not a published database', () => {
    expect(onLoopback('127.0.0.1:5432:5432')).toBe(true);
    expect(onLoopback('127.0.0.1:${DB_ADMIN_PORT:?x}:5432')).toBe(true);
    expect(onLoopback('[::1]:6379:6379')).toBe(true);
    expect(onLoopback({ target: 5432, published: '5432', host_ip: '127.0.0.1' })).toBe(true);
    expect(onLoopback('5432:5432')).toBe(false);
    expect(onLoopback('0.0.0.0:5432:5432')).toBe(false);
    expect(onLoopback({ target: 5432, published: '5432' })).toBe(false);
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
    [
      'build context: the install folder',
      checkBuildContext,
      'local-cpu-http',
      'compose.yaml',
      (s: string) =>
        s.replace(
          '    image: ${MAGEC_IMAGE:?set MAGEC_IMAGE in .env}',
          '    image: ${MAGEC_IMAGE:?set MAGEC_IMAGE in .env}\n    build: .',
        ),
    ],
    [
      'bind mount of a file the recipe does not write',
      checkBindMounts,
      'local-cpu-http',
      'compose.yaml',
      (s: string) => s.replace('./config.yaml:/app/config.yaml:ro', './config.yml:/app/config.yaml:ro'),
    ],
    [
      "backup dump: the database's volume is not what its service mounts",
      checkBackupDumps,
      'openai-http',
      'compose.yaml',
      (s: string) =>
        s.replace('- postgres_data:/var/lib/postgresql/data', '- pg_files:/var/lib/postgresql/data'),
    ],
  ] as const)('%s', (_title, check, name, filePath, edit) => {
    expect(over(check)(rendered.find((r) => r.name === name)!)).toEqual([]);
    expect(over(check)(broken(name, filePath, edit)).length).toBeGreaterThan(0);
  });
});
