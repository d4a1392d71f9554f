// Model sizing rules.
import { describe, expect, it } from 'vitest';
import { budgetFor, gbForParams, largestFitting, paramsOf } from '../../src/detect/advice.js';
import { loadRecipe } from '../../src/recipes/registry.js';

/** The model sizes magec declares (recipe.yaml modelAdvice.examples). */
const examples = (await loadRecipe('magec')).manifest.modelAdvice!.examples;

describe('paramsOf', () => {
  it.each([
    ['qwen3:8b', 8],
    ['llama3.1:70b-instruct-q4_K_M', 70],
    ['qwen3:1.7b', 1.7],
    ['gemma3:270m', 0.27],
    ['nomic-embed-text', undefined],
    ['gpt-4.1-mini', undefined],
  ])('%s → %s', (model, params) => expect(paramsOf(model)).toBe(params));
});

describe('largestFitting', () => {
  it.each([
    [24, 'gpu', 'qwen3:32b'],
    [8, 'gpu', 'qwen3:8b'],
    [6, 'gpu', 'qwen3:8b'],
    [4, 'gpu', 'qwen3:4b'],
    [1, 'cpu', undefined],
  ] as const)('%s GB (%s) → %s', (gb, on, example) =>
    expect(largestFitting({ gb, on }, examples)?.example).toBe(example),
  );
});

it('budget: VRAM when the GPU is used, else RAM less what the rest of the stack needs', () => {
  expect(budgetFor({ ramGb: 32, gpu: { vramGb: 12 } }, true)).toEqual({ gb: 12, on: 'gpu' });
  expect(budgetFor({ ramGb: 32, gpu: { vramGb: 12 } }, false)).toEqual({ gb: 28, on: 'cpu' });
  expect(gbForParams(8)).toBe(5.8);
});
