// The shipped recipes on a real Docker engine: `berth install` (the built bundle) renders the real magec and
// reflector files and brings them up with `docker compose up -d --wait`; plain `docker compose ps` in the install
// folder then shows every long-running service healthy and every one-shot exited 0.
//
// Nothing is pulled: each image is overridden through its recipe question (--<x>-image, written to .env) to a
// local image built by scripts/build-test-images.sh: real PostgreSQL and Redis from Debian packages, and busybox
// stand-ins for the application images (test/images/) that check their wiring (env, seeded files, database
// login with the generated password, Redis, backends) and fail loudly otherwise, then answer the recipes' own
// healthchecks. Without an engine or the images these tests fail (they never skip).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Result } from 'execa';
import { describe, expect, test } from 'vitest';
import { berth } from '../helpers.js';
import {
  docker,
  dotenvValue,
  fastHealthchecks,
  freePort,
  logsOf,
  MAGEC_TEST_IMAGES,
  requireEngine,
  serviceStates,
  text,
  useStacks,
} from './harness.js';

const IMAGES = [
  'busybox',
  'postgres',
  'redis',
  'magec',
  'ollama',
  'parakeet',
  'tts',
  'reflector-server',
  'reflector-web',
].map((name) => `berth-test/${name}:1`);
/** berth's own limit (test/helpers.ts) is 120 s; compose gives up first, so a failure shows compose's message. */
const WAIT_TIMEOUT = '100';
const TEST_TIMEOUT = 150_000;

const { root, newStack } = useStacks('stacks');
type Stack = Awaited<ReturnType<typeof newStack>>;

// --- reading the result --------------------------------------------------------------------------------------

/** Every service is there and in its expected end state; on failure the message carries the services' logs. */
async function expectStack(dir: string, healthy: string[], completed: string[]): Promise<void> {
  const state = await serviceStates(dir);
  const expected = Object.fromEntries([
    ...healthy.map((s) => [s, 'running healthy']),
    ...completed.map((s) => [s, 'exited 0']),
  ]);
  if (JSON.stringify(Object.entries(state).sort()) !== JSON.stringify(Object.entries(expected).sort())) {
    const logs = await docker(['compose', 'logs', '--no-color', '--tail', '15'], dir);
    expect(state, String(logs.stdout)).toEqual(expected);
  }
}

async function httpStatus(url: string): Promise<number> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  await response.text();
  return response.status;
}

// --- magec ---------------------------------------------------------------------------------------------------

async function installMagec(stack: Stack, ...extra: string[]): Promise<{ result: Result; port: number }> {
  const port = await freePort();
  const adminPort = await freePort();
  // The recipe's healthchecks every 2 s instead of 10–15 s (the user's compose.override.yaml).
  const local = extra.includes('local') ? ['ollama', 'parakeet', 'tts'] : [];
  fastHealthchecks(stack.dir, ['magec', 'postgres', 'redis', ...local]);
  const result = await berth([
    'install',
    '--recipe',
    'magec',
    '--dir',
    stack.dir,
    '--yes',
    '--wait-timeout',
    WAIT_TIMEOUT,
    '--magec-port',
    String(port),
    '--admin-port',
    String(adminPort),
    ...MAGEC_TEST_IMAGES,
    ...extra,
  ]);
  return { result, port };
}

describe.sequential('the shipped recipes on a real Docker engine (local test images)', () => {
  test(
    'magec, openai mode: magec, postgres and redis healthy, the store seeded, the key and password wired',
    async () => {
      await requireEngine(IMAGES);
      const stack = await newStack();
      const keyFile = path.join(root, `openai-key-${stack.project}`);
      const key = `sk-test-${'a1B2'.repeat(8)}`;
      writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });

      const { result, port } = await installMagec(
        stack,
        '--mode',
        'openai',
        '--openai-api-key-file',
        keyFile,
      );
      expect(result.exitCode, text(result)).toBe(0);
      await expectStack(stack.dir, ['magec', 'postgres', 'redis'], ['magec-seed']);

      expect(dotenvValue(stack.dir, 'OPENAI_API_KEY')).toBe(key);
      expect(dotenvValue(stack.dir, 'MAGEC_IMAGE')).toBe('berth-test/magec:1');
      const logs = await logsOf(stack.dir, 'magec');
      expect(logs).toContain('environment has: OPENAI_API_KEY POSTGRES_PASSWORD');
      expect(logs).toContain('logged in to PostgreSQL as the store says');
      expect(logs).toContain('Redis at redis:6379 answers PING');
      expect(await logsOf(stack.dir, 'magec-seed')).toContain('store.json seeded.');
      expect(await httpStatus(`http://127.0.0.1:${port}/api/v1/health`)).toBe(200);
      for (const output of [result.stdout, result.stderr, logs]) expect(String(output)).not.toContain(key);
    },
    TEST_TIMEOUT,
  );

  test(
    'magec, local mode without GPU: ollama pulls both models, parakeet and tts healthy, magec reaches them',
    async () => {
      await requireEngine(IMAGES);
      const stack = await newStack();
      const { result, port } = await installMagec(
        stack,
        '--mode',
        'local',
        '--no-gpu',
        // The local mode asks for 4 cores and 16 GB (real models); the stand-ins need neither.
        '--skip-checks',
        '--llm-model',
        'qwen3:0.6b',
        '--ollama-image',
        'berth-test/ollama:1',
        '--parakeet-image',
        'berth-test/parakeet:1',
        '--tts-image',
        'berth-test/tts:1',
      );
      expect(result.exitCode, text(result)).toBe(0);
      expect(dotenvValue(stack.dir, 'COMPOSE_FILE')).not.toContain('compose.gpu.yaml');
      await expectStack(
        stack.dir,
        ['magec', 'postgres', 'redis', 'ollama', 'parakeet', 'tts'],
        ['magec-seed', 'ollama-setup'],
      );

      const setup = await logsOf(stack.dir, 'ollama-setup');
      expect(setup).toContain('Pulling qwen3:0.6b ...');
      expect(setup).toContain('Pulling nomic-embed-text ...');
      expect(setup).toContain('Models ready.');
      const list = await docker(['compose', 'exec', '-T', 'ollama', 'ollama', 'list'], stack.dir);
      expect(String(list.stdout).split('\n')).toEqual(['NAME', 'qwen3:0.6b', 'nomic-embed-text']);
      const logs = await logsOf(stack.dir, 'magec');
      for (const backend of ['http://ollama:11434/v1', 'http://parakeet:5092', 'http://tts:5050'])
        expect(logs).toContain(`backend ${backend} answers`);
      expect(logs).toContain('ollama has the models the agent uses');
      expect(await httpStatus(`http://127.0.0.1:${port}/api/v1/health`)).toBe(200);
    },
    TEST_TIMEOUT,
  );

  // --- reflector -------------------------------------------------------------------------------------------

  test(
    'reflector with bundled PostgreSQL and Redis: migrate completes, server, worker, beat and web healthy',
    async () => {
      await requireEngine(IMAGES);
      const stack = await newStack();
      const webPort = await freePort();
      const serverPort = await freePort();
      const udpBase = 40_000 + Math.floor(Math.random() * 9_000);
      // The recipe's healthchecks every 2 s instead of 10–30 s (the user's compose.override.yaml).
      fastHealthchecks(stack.dir, ['server', 'worker', 'beat', 'web', 'postgres', 'redis']);
      const result = await berth([
        'install',
        '--recipe',
        'reflector',
        '--dir',
        stack.dir,
        '--yes',
        '--wait-timeout',
        WAIT_TIMEOUT,
        '--public-host',
        '127.0.0.1',
        '--web-port',
        String(webPort),
        '--server-port',
        String(serverPort),
        '--transcription',
        'gpu_server',
        '--transcript-url',
        'http://gpu.example.invalid:8000',
        // Three UDP ports instead of 101: each published port costs the engine a docker-proxy process.
        '--webrtc-port-range',
        `${udpBase}-${udpBase + 2}`,
        '--server-image',
        'berth-test/reflector-server:1',
        '--web-image',
        'berth-test/reflector-web:1',
        '--postgres-image',
        'berth-test/postgres:1',
        '--redis-image',
        'berth-test/redis:1',
      ]);
      expect(result.exitCode, text(result)).toBe(0);
      await expectStack(stack.dir, ['server', 'worker', 'beat', 'web', 'postgres', 'redis'], ['migrate']);

      expect(await logsOf(stack.dir, 'migrate')).toContain('Running upgrade -> berth_test_head');
      expect(await logsOf(stack.dir, 'server')).toContain('PostgreSQL: logged in, migrations applied');
      expect(await logsOf(stack.dir, 'worker')).toContain('celery -A reflector.worker.app worker');
      expect(await logsOf(stack.dir, 'beat')).toContain('celery -A reflector.worker.app beat');
      expect(await logsOf(stack.dir, 'web')).toContain('API at http://server:1250 answers /health');
      expect(await httpStatus(`http://127.0.0.1:${serverPort}/health`)).toBe(200);
      expect(await httpStatus(`http://127.0.0.1:${webPort}/api/health`)).toBe(200);
    },
    TEST_TIMEOUT,
  );
});
