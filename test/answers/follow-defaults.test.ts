// A reconfigure that changes what a default follows (magec's mode chooses its model): an answer left at its
// default follows the new default; one the user gave is kept. berth.yaml records only what was chosen, and the
// review shows what each changed answer was.
import { describe, expect, it } from 'vitest';
import { changedFrom, resolveAnswers, type Resolution } from '../../src/answers/resolve.js';
import { parseAnswersFile } from '../../src/install-dir/state.js';
import { loadRecipe } from '../../src/recipes/registry.js';
import { followsAnswers, renderAnswersFile } from '../../src/render/render-recipe.js';
import { facts } from '../render/cases.js';

const KEYS = {
  ANTHROPIC_API_KEY: 'sk-ant-api03-followDefaultsKey000000000001',
  OPENAI_API_KEY: 'sk-proj-followDefaultsKey0000000000000002',
};

/** Installs (resolves) magec with these flags on top of a previous install's berth.yaml, if any. */
async function resolve(flags: Record<string, string>, previousYaml?: string): Promise<Resolution> {
  const recipe = await loadRecipe('magec');
  const previous = previousYaml
    ? { answers: parseAnswersFile(previousYaml, 'berth.yaml').answers, env: KEYS }
    : undefined;
  return resolveAnswers(recipe, { flags, env: KEYS, previous }, facts);
}

const answersFile = async (r: Resolution) => renderAnswersFile(await loadRecipe('magec'), r.answers, facts);

describe('defaults that follow other answers', () => {
  it('knows which defaults follow answers: the model follows the mode; a port does not', async () => {
    const recipe = await loadRecipe('magec');
    const q = (id: string) => recipe.manifest.questions.find((x) => x.id === id)!;
    expect(followsAnswers(q('llm_model'), recipe)).toBe(true);
    expect(followsAnswers(q('magec_port'), recipe)).toBe(false);
    expect(followsAnswers(q('mode'), recipe)).toBe(false);
  });

  it('a model left at its default follows a mode switch, and the review shows what it was', async () => {
    const first = await resolve({ mode: 'anthropic' });
    expect(first.answers.llm_model).toBe('claude-sonnet-4-20250514');
    const yaml = await answersFile(first);
    expect(yaml).toContain('mode: anthropic');
    expect(yaml).not.toContain('llm_model');

    const switched = await resolve({ mode: 'openai' }, yaml);
    expect(switched.answers.llm_model).toBe('gpt-4.1-mini');
    expect(switched.origins.llm_model).toBe('default');
    expect(changedFrom(switched, 'llm_model')).toBe('claude-sonnet-4-20250514');
    expect(changedFrom(switched, 'mode')).toBe('anthropic');
    expect(changedFrom(switched, 'magec_port')).toBeUndefined();
  });

  it('a model the user chose is recorded and kept across the switch', async () => {
    const first = await resolve({ mode: 'anthropic', llm_model: 'claude-opus-4-20250514' });
    const yaml = await answersFile(first);
    expect(yaml).toContain('llm_model: claude-opus-4-20250514');
    const switched = await resolve({ mode: 'openai' }, yaml);
    expect([switched.answers.llm_model, switched.origins.llm_model]).toEqual([
      'claude-opus-4-20250514',
      'previous',
    ]);
    expect(changedFrom(switched, 'llm_model')).toBeUndefined();
  });

  it('a fresh install has nothing it changed from', async () => {
    const first = await resolve({ mode: 'openai' });
    expect(first.before).toBeUndefined();
    expect(changedFrom(first, 'mode')).toBeUndefined();
  });
});
