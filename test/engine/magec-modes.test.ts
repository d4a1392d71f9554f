// Every magec mode switch on a real Docker engine (the magec, ollama, parakeet and tts stand-ins; real PostgreSQL
// and Redis): openai → anthropic → gemini → local → openai, each a reconfigure of the same install that comes up
// healthy. The store berth seeded follows the new answers (it was not changed in the Admin UI), and the model,
// left at its default, follows the mode; the review says what each changed answer was. A store changed in the
// Admin UI is kept and the job says so. Without an engine or the images this test fails (never skips).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { berth } from '../helpers.js';
import {
  fastHealthchecks,
  freePort,
  inService,
  logsOf,
  MAGEC_TEST_IMAGES,
  requireEngine,
  serviceStates,
  text,
  useStacks,
} from './harness.js';

const IMAGES = ['magec', 'postgres', 'redis', 'ollama', 'parakeet', 'tts'].map((n) => `berth-test/${n}:1`);
const LOCAL_IMAGES = [
  ...['--ollama-image', 'berth-test/ollama:1', '--parakeet-image', 'berth-test/parakeet:1'],
  ...['--tts-image', 'berth-test/tts:1'],
];
const KEYS: Record<string, [string, string]> = {
  openai: ['--openai-api-key-file', `sk-proj-${'m0de'.repeat(8)}`],
  anthropic: ['--anthropic-api-key-file', `sk-ant-api03-${'m0de'.repeat(8)}`],
  gemini: ['--gemini-api-key-file', `AIza${'m0de'.repeat(8)}`],
};

const { root, newStack } = useStacks('magec-modes');

describe('magec mode switches on a real Docker engine', () => {
  test('openai → anthropic → gemini → local → openai: each comes up healthy with the store and model of its mode', async () => {
    await requireEngine(IMAGES);
    const stack = await newStack();
    const ports = ['--magec-port', String(await freePort()), '--admin-port', String(await freePort())];
    const keyArgs = (mode: string): string[] => {
      if (!KEYS[mode]) return [];
      const [flag, key] = KEYS[mode];
      const file = path.join(root, `${stack.project}-${mode}-key`);
      writeFileSync(file, `${key}\n`, { mode: 0o600 });
      return [flag, file];
    };
    // The recipe's healthchecks every 2 s instead of 10–15 s (the user's own file, rewritten for the services of
    // the mode it switches to): no start waits out the intervals.
    const switchTo = (mode: string, ...extra: string[]) => {
      const local = mode === 'openai' ? [] : ['ollama', 'parakeet', 'tts'];
      fastHealthchecks(stack.dir, ['magec', 'postgres', 'redis', ...local]);
      return berth([
        ...['install', '--recipe', 'magec', '--dir', stack.dir, '--yes', '--wait-timeout', '150'],
        ...['--mode', mode, ...keyArgs(mode), ...ports, ...MAGEC_TEST_IMAGES, ...LOCAL_IMAGES, ...extra],
      ]);
    };
    const storeModels = async () =>
      (await inService(stack.dir, 'magec', 'grep -o \'"model": "[^"]*"\' /app/data/store.json')).split('\n');

    const first = await switchTo('openai');
    expect(first.exitCode, text(first)).toBe(0);
    expect(await storeModels()).toContain('"model": "gpt-4.1-mini"');

    for (const [mode, model, was] of [
      ['anthropic', 'claude-sonnet-4-20250514', 'gpt-4.1-mini'],
      ['gemini', 'gemini-2.5-flash', 'claude-sonnet-4-20250514'],
      // Local needs 4 cores and 16 GB for real models; the stand-ins need neither.
      ['local', 'qwen3:8b', 'gemini-2.5-flash'],
      ['openai', 'gpt-4.1-mini', 'qwen3:8b'],
    ] as const) {
      const result = await switchTo(mode, ...(mode === 'local' ? ['--no-gpu', '--skip-checks'] : []));
      expect(result.exitCode, `to ${mode}: ${text(result)}`).toBe(0);
      const out = String(result.stdout);
      expect(out).toMatch(new RegExp(`llm_model +"${model}" +\\[default; was "${was}"\\]`));
      expect(await logsOf(stack.dir, 'magec-seed')).toContain('store.json re-seeded for the new answers');
      expect(await storeModels(), mode).toContain(`"model": "${model}"`);
      const states = await serviceStates(stack.dir);
      expect(states.magec, `${mode}: ${JSON.stringify(states)}`).toBe('running healthy');
    }

    // A store changed in the Admin UI is Magec's: a switch keeps it and the seeding job says so (the old
    // store then names a key this mode does not pass, so magec does not come up: exit 5).
    await inService(stack.dir, 'magec', 'echo " " >> /app/data/store.json');
    const kept = await switchTo('anthropic', '--no-rollback');
    expect(kept.exitCode, text(kept)).toBe(5);
    expect(await logsOf(stack.dir, 'magec-seed')).toContain('store.json is not the one berth seeded last');
  }, 360_000);
});
