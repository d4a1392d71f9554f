// The recipe × answers combinations the render tests share, rendered through the real pipeline
// (loadRecipe → resolveAnswers with flags/env as sources → renderRecipe) with fixed facts and fixed secrets,
// so the output depends on nothing but the recipe and the answers.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { resolveAnswers, type AnswerSources } from '../../src/answers/resolve.js';
import { isSecretQuestion } from '../../src/answers/names.js';
import { composeCli, composeEnv } from '../../src/compose/docker-compose.js';
import { detectDocker } from '../../src/detect/docker.js';
import { probeEnv } from '../../src/detect/probe.js';
import type { MachineFacts } from '../../src/detect/facts.js';
import type { Answers } from '../../src/recipes/condition.js';
import type { Recipe } from '../../src/recipes/load-recipe.js';
import { loadRecipe } from '../../src/recipes/registry.js';
import { parseDotenv } from '../../src/render/dotenv.js';
import { ENV_FILE, renderRecipe, type Rendering } from '../../src/render/render-recipe.js';
import { ensureSecrets } from '../../src/render/secrets.js';

/** A machine that exists nowhere: TEST-NET-1 address, no GPU. */
export const facts: MachineFacts = {
  os: { platform: 'linux', arch: 'x64', release: '6.1.0-golden' },
  cpus: 8,
  ramGb: 32,
  isRoot: true,
  uid: 0,
  gid: 0,
  hostname: 'golden',
  home: '/root',
  address: '192.0.2.10',
  gpu: { ready: false, count: 0, names: [] },
};

/** A fixed value for every generated secret of every shipped recipe (renderCase refuses a recipe with more). */
export const fixedSecrets: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  magec: {
    postgres_password: 'golden-postgres-password-0001',
    admin_password: 'golden-admin-password-0002',
    encryption_key: 'golden-encryption-key-0003',
    voice_client_token: 'golden-voice-client-token-0004',
  },
  django: {
    secret_key: 'golden-django-secret-key-0601',
    postgres_password: 'golden-postgres-password-0602',
    superuser_password: 'golden-superuser-password-0603',
  },
  frappe: {
    db_password: 'golden-db-root-password-0401',
    admin: 'golden-admin-password-0402',
  },
  lustores: {
    db_password: 'golden-db-password-0701',
    session_secret: 'golden-session-secret-0702-aaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    jwt_secret: 'golden-jwt-secret-0703-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
  },
  reflector: {
    postgres_password: 'golden-postgres-password-0101',
    secret_key: 'golden-secret-key-0102',
    nextauth_secret: 'golden-nextauth-secret-0103',
  },
};

/** Secret answers, given as a user would: through their environment variables. */
const apiKeys = {
  openai: { OPENAI_API_KEY: 'sk-proj-goldenOpenAiKey0000000000000001' },
  anthropic: { ANTHROPIC_API_KEY: 'sk-ant-api03-goldenAnthropicKey000000000002' },
  gemini: { GEMINI_API_KEY: 'AIzaGoldenGeminiKey00000000000000003' },
  local: {},
} as const;

export interface RenderCase {
  recipe: string;
  /** Folder name under test/golden/<recipe>/ (and the label in messages). */
  name: string;
  flags: Record<string, string | boolean>;
  env: Record<string, string>;
}

export interface RenderedCase extends RenderCase {
  loaded: Recipe;
  answers: Answers;
  secrets: Readonly<Record<string, string>>;
  rendering: Rendering;
}

/**
 * Renders as an install does, with the fixed secrets as the previous `.env` (or `previousEnv`, a replay): a
 * secret whose `from` question is answered takes the answer, one whose `when` does not hold is left out.
 */
export function render(recipe: Recipe, answers: Answers, previousEnv?: Record<string, string>): Rendering {
  const name = recipe.manifest.name;
  const fixed = fixedSecrets[name] ?? {};
  const missing = recipe.manifest.secrets.filter((s) => !fixed[s.id]).map((s) => s.id);
  if (missing.length > 0) {
    throw new Error(`test/render/cases.ts: give the ${name} secret(s) ${missing.join(', ')} a fixed value`);
  }
  const env = previousEnv ?? Object.fromEntries(recipe.manifest.secrets.map((s) => [s.env, fixed[s.id]!]));
  const { values, generated } = ensureSecrets(recipe.manifest.secrets, env, { answers, facts });
  if (generated.length > 0) throw new Error(`render: ${generated.join(', ')} would be generated`);
  return renderRecipe({ recipe, answers, secrets: values, facts, project: name });
}

export async function resolve(recipe: Recipe, c: Pick<RenderCase, 'flags' | 'env'>): Promise<Answers> {
  const sources: AnswerSources = { flags: c.flags, env: c.env };
  return (await resolveAnswers(recipe, sources, facts)).answers;
}

export async function renderCase(c: RenderCase): Promise<RenderedCase> {
  const loaded = await loadRecipe(c.recipe);
  const answers = await resolve(loaded, c);
  return { ...c, loaded, answers, secrets: fixedSecrets[c.recipe]!, rendering: render(loaded, answers) };
}

/** Every value a user could be harmed by seeing outside a 0600 file: generated secrets and secret answers. */
export function secretValues(r: RenderedCase): string[] {
  const answered = r.loaded.manifest.questions
    .filter((q) => isSecretQuestion(q) && typeof r.answers[q.id] === 'string' && r.answers[q.id] !== '')
    .map((q) => String(r.answers[q.id]));
  return [...Object.values(r.secrets), ...answered];
}

// --- The golden cases: every mode of every shipped recipe, reviewed file by file in test/golden/.

function magecCase(
  mode: keyof typeof apiKeys,
  gpu: boolean | undefined,
  https: boolean,
  adminDomain = false,
) {
  const flags: Record<string, string | boolean> = { mode };
  if (gpu !== undefined) flags.gpu = gpu;
  if (https) Object.assign(flags, { domain: 'magec.example.com', email: 'ops@example.com' });
  if (adminDomain) flags.admin_domain = 'admin.magec.example.com';
  const gpuPart = gpu === undefined ? '' : gpu ? '-gpu' : '-cpu';
  const name = `${mode}${gpuPart}-${https ? 'https' : 'http'}${adminDomain ? '-admin-domain' : ''}`;
  return { recipe: 'magec', name, flags, env: { ...apiKeys[mode] } };
}

const magecGolden: RenderCase[] = [
  ...(['local', 'openai', 'anthropic', 'gemini'] as const).flatMap((mode) =>
    // The gpu question is asked only where Ollama runs (not in the openai mode).
    (mode === 'openai' ? [undefined] : [false, true]).flatMap((gpu) =>
      [false, true].map((https) => magecCase(mode, gpu, https)),
    ),
  ),
  magecCase('local', false, true, true),
];

const modal = {
  transcript_url: 'https://golden--reflector-transcriber-parakeet-web.modal.run',
  diarization_url: 'https://golden--reflector-diarizer-web.modal.run',
  translate_url: 'https://golden--reflector-translator-web.modal.run',
};

const reflectorGolden: RenderCase[] = [
  {
    recipe: 'reflector',
    name: 'http-bundled-modal',
    flags: { ...modal },
    env: { TRANSCRIPT_MODAL_API_KEY: 'golden-model-api-key-0201', LLM_API_KEY: 'sk-golden-llm-api-key-0202' },
  },
  {
    recipe: 'reflector',
    name: 'https-external-whisper',
    flags: {
      frontend_domain: 'reflector.example.com',
      acme_email: 'ops@example.com',
      transcription: 'whisper',
      llm_url: 'http://192.0.2.20:11434/v1',
      postgres: 'external',
      redis: 'external',
      redis_host: 'redis.internal.example.com',
      redis_port: '6380',
    },
    env: {
      DATABASE_URL:
        'postgresql+asyncpg://reflector:golden-db-password-0203@db.internal.example.com:5432/reflector',
    },
  },
  {
    recipe: 'reflector',
    name: 'https-one-domain-s3-gpu-server',
    flags: {
      frontend_domain: 'reflector.example.org',
      api_domain: 'reflector.example.org',
      transcription: 'gpu_server',
      transcript_url: 'https://gpu.example.org',
      storage: 's3',
      s3_access_key_id: 'AKIAGOLDEN0000000204',
      s3_endpoint_url: 'https://s3.example.org',
    },
    env: {
      TRANSCRIPT_MODAL_API_KEY: 'golden-model-api-key-0205',
      TRANSCRIPT_STORAGE_AWS_SECRET_ACCESS_KEY: 'golden-s3-secret-access-key-0206',
      LLM_API_KEY: 'sk-golden-llm-api-key-0207',
    },
  },
];

const frappeGolden: RenderCase[] = [
  { recipe: 'frappe', name: 'mariadb-noproxy', flags: {}, env: {} },
  {
    recipe: 'frappe',
    name: 'postgres-traefik',
    flags: { db_engine: 'postgres', proxy: 'traefik', domains: 'erp.example.com,www.erp.example.com' },
    env: {},
  },
  {
    recipe: 'frappe',
    name: 'external-mariadb-redis-https',
    flags: {
      db_server: 'external',
      db_host: 'mariadb.internal.example.com',
      redis: 'external',
      redis_cache: 'redis-cache.internal.example.com:6379',
      redis_queue: 'redis-queue.internal.example.com:6380',
      proxy: 'traefik-https',
      domains: 'erp.example.com',
      letsencrypt_email: 'ops@example.com',
    },
    env: { BERTH_DB_ROOT_PASSWORD: 'golden-external-root-password-0403' },
  },
  {
    recipe: 'frappe',
    name: 'custom-apps',
    flags: {
      custom_apps: 'https://github.com/frappe/erpnext#version-16,https://github.com/frappe/hrms#version-16',
      install_apps: 'erpnext,hrms',
    },
    env: { BERTH_ADMIN_PASSWORD: 'golden-chosen-admin-password-0404' },
  },
];

const djangoGolden: RenderCase[] = [
  {
    recipe: 'django',
    name: 'git-http',
    flags: { source: 'https://git.example.com/acme/site.git#v1.2.0' },
    env: {},
  },
  {
    recipe: 'django',
    name: 'git-https-recipe-dockerfile',
    flags: {
      source: 'https://git.example.com/acme/site.git#main',
      recipe_dockerfile: true,
      domain: 'site.example.com',
      acme_email: 'ops@example.com',
      wsgi_module: 'site_config.wsgi',
      extra_env: 'SENTRY_DSN=https://key@sentry.example.com/1,EMAIL_HOST=smtp.example.com',
    },
    env: { BERTH_ADMIN_PASSWORD: 'golden-chosen-superuser-password-0604' },
  },
  {
    // A folder that does not exist here: without its own Dockerfile, berth's is sent inline.
    recipe: 'django',
    name: 'folder-development',
    flags: { source: '/nonexistent/berth-golden/site', mode: 'development' },
    env: {},
  },
];

const lustoresGolden: RenderCase[] = [
  {
    recipe: 'lustores',
    name: 'letsencrypt',
    flags: { domain: 'stores.example.ac.uk', email: 'stores@example.ac.uk' },
    env: {},
  },
  {
    recipe: 'lustores',
    name: 'self-signed-admin-ports-watchtower',
    flags: {
      domain: 'stores.intranet.example',
      email: 'it@example.ac.uk',
      tls: 'self-signed',
      https_port: '8443',
      data_dir: '/srv/lustores/db',
      subnet: '10.77.0.0/24',
      admin_ports: true,
      watchtower: true,
    },
    env: {},
  },
  {
    recipe: 'lustores',
    name: 'http-behind-proxy',
    flags: { domain: 'stores.example.ac.uk', email: 'stores@example.ac.uk', tls: 'none', http_port: '8080' },
    env: {},
  },
];

export const goldenCases: RenderCase[] = [
  ...magecGolden,
  ...djangoGolden,
  ...frappeGolden,
  ...lustoresGolden,
  ...reflectorGolden,
];

// --- A wider matrix for the property tests: every branch of every template, no golden files.

function product<T extends Record<string, readonly unknown[]>>(axes: T): { [K in keyof T]: T[K][number] }[] {
  return Object.entries(axes).reduce<Record<string, unknown>[]>(
    (acc, [key, values]) => acc.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v }))),
    [{}],
  ) as { [K in keyof T]: T[K][number] }[];
}

const magecMatrix: RenderCase[] = product({
  mode: ['local', 'openai', 'anthropic', 'gemini'],
  gpu: [false, true],
  domain: ['', 'magec.example.com'],
  email: ['', 'ops@example.com'],
  admin: ['', 'admin.magec.example.com'],
})
  .filter((a) => a.domain !== '' || (a.email === '' && a.admin === ''))
  .filter((a) => a.mode !== 'openai' || !a.gpu)
  .map((a) => ({
    recipe: 'magec',
    name: `matrix ${JSON.stringify(a)}`,
    flags: {
      mode: a.mode,
      domain: a.domain,
      ...(a.mode === 'openai' ? {} : { gpu: a.gpu }),
      ...(a.domain ? { email: a.email, admin_domain: a.admin } : {}),
    },
    env: { ...apiKeys[a.mode as keyof typeof apiKeys] },
  }));

const reflectorMatrix: RenderCase[] = product({
  domains: ['none', 'two', 'one'],
  transcription: ['modal', 'gpu_server', 'whisper'],
  storage: ['local', 's3'],
  postgres: ['bundled', 'external'],
  redis: ['bundled', 'external'],
}).map((a) => {
  const flags: Record<string, string | boolean> = {
    transcription: a.transcription,
    storage: a.storage,
    postgres: a.postgres,
    redis: a.redis,
  };
  const env: Record<string, string> = {};
  if (a.domains !== 'none') flags.frontend_domain = 'reflector.example.com';
  if (a.domains === 'one') flags.api_domain = 'reflector.example.com';
  if (a.transcription === 'modal') Object.assign(flags, modal);
  if (a.transcription === 'gpu_server') Object.assign(flags, { transcript_url: 'https://gpu.example.org' });
  if (a.transcription === 'gpu_server') flags.diarization = false;
  if (a.transcription !== 'whisper') env.TRANSCRIPT_MODAL_API_KEY = 'matrix-model-api-key-0301';
  if (a.storage === 's3') {
    flags.s3_access_key_id = 'AKIAMATRIX0000000302';
    env.TRANSCRIPT_STORAGE_AWS_SECRET_ACCESS_KEY = 'matrix-s3-secret-access-key-0303';
  }
  if (a.postgres === 'external') {
    env.DATABASE_URL = 'postgresql+asyncpg://reflector:matrix-db-password-0304@db.example.net:5432/reflector';
  }
  if (a.redis === 'external') flags.redis_host = 'redis.example.net';
  return { recipe: 'reflector', name: `matrix ${JSON.stringify(a)}`, flags, env };
});

const frappeMatrix: RenderCase[] = product({
  db_engine: ['mariadb', 'postgres'],
  db_server: ['here', 'external'],
  redis: ['here', 'external'],
  proxy: ['none', 'traefik', 'traefik-https'],
  custom: [false, true],
}).map((a) => {
  const flags: Record<string, string | boolean> = {
    db_engine: a.db_engine,
    db_server: a.db_server,
    redis: a.redis,
    proxy: a.proxy,
  };
  const env: Record<string, string> = {};
  if (a.db_server === 'external') {
    flags.db_host = 'db.example.net';
    env.BERTH_DB_ROOT_PASSWORD = 'matrix-db-root-password-0501';
  }
  if (a.redis === 'external') flags.redis_cache = 'redis.example.net:6379';
  if (a.proxy !== 'none') flags.domains = 'erp.example.net';
  if (a.proxy === 'traefik-https') flags.letsencrypt_email = 'ops@example.net';
  if (a.custom) flags.custom_apps = 'https://git.example.net/org/app#main';
  return { recipe: 'frappe', name: `matrix ${JSON.stringify(a)}`, flags, env };
});

const djangoMatrix: RenderCase[] = product({
  source: ['https://git.example.net/org/app.git#main', '/nonexistent/berth-matrix/app'],
  recipe_dockerfile: [false, true],
  domain: ['', 'app.example.net'],
  mode: ['production', 'development'],
})
  .filter((a) => a.source.startsWith('/') || a.mode === 'production')
  .map((a) => ({
    recipe: 'django',
    name: `matrix ${JSON.stringify(a)}`,
    flags: {
      source: a.source,
      recipe_dockerfile: a.recipe_dockerfile,
      domain: a.domain,
      ...(a.source.startsWith('/') ? { mode: a.mode } : {}),
    },
    env: {},
  }));

const lustoresMatrix: RenderCase[] = product({
  tls: ['letsencrypt', 'letsencrypt-staging', 'self-signed', 'none'],
  admin_ports: [false, true],
  watchtower: [false, true],
}).map((a) => ({
  recipe: 'lustores',
  name: `matrix ${JSON.stringify(a)}`,
  flags: { domain: 'stores.example.net', email: 'ops@example.net', ...a },
  env: {},
}));

/** The golden cases plus the matrix: what the recipe-practice tests check. */
export const allCases: RenderCase[] = [
  ...goldenCases,
  ...magecMatrix,
  ...djangoMatrix,
  ...frappeMatrix,
  ...lustoresMatrix,
  ...reflectorMatrix,
];

// --- Writing a rendering to a folder and asking the real `docker compose` about it.

export function writeRendering(dir: string, rendering: Rendering): void {
  for (const file of rendering.files) {
    const target = path.join(dir, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    chmodSync(target, file.mode);
  }
}

export const INSTALL_COMPOSE =
  'docker compose (Compose v2) is not available: run scripts/install-compose.sh as root. ' +
  'These tests need the real compose parser and are never skipped.';

let composeCommand: [string, string[]] | undefined;

/**
 * Fails (never skips) when `docker compose` is missing. Then runs the Compose v2 plugin binary directly where
 * docker keeps it (the same program `docker compose` runs, without the docker CLI's start-up), else `docker compose`.
 */
export async function requireCompose(): Promise<void> {
  if (composeCommand) return;
  const compose = composeCli(await detectDocker(probeEnv({ timeoutMs: 30_000 })));
  if (!compose) throw new Error(INSTALL_COMPOSE);
  if (!/^2\./.test(compose.version))
    throw new Error(`docker compose ${compose.version} is not Compose v2. ${INSTALL_COMPOSE}`);
  composeCommand = compose.plugin ? [compose.plugin, []] : ['docker', ['compose']];
}

/**
 * `docker compose config --format json` in a folder holding a rendering, with the environment berth gives compose:
 * the caller's, minus COMPOSE_* and minus every name the folder's .env sets.
 */
export async function composeConfig(
  dir: string,
): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  await requireCompose();
  const [file, prefix] = composeCommand!;
  const envNames = Object.keys(parseDotenv(readFileSync(path.join(dir, ENV_FILE), 'utf8')));
  const result = await execa(file, [...prefix, 'config', '--format', 'json'], {
    cwd: dir,
    env: composeEnv({ cwd: dir, envNames }),
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}
