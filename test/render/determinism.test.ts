// Rendering is pure: the same answers give the same bytes — rendered twice, from a freshly loaded recipe,
// after a JSON round trip of the answers, and when the answers are replayed from the berth.yaml and .env it wrote.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { resolveAnswers } from '../../src/answers/resolve.js';
import { loadRecipe } from '../../src/recipes/registry.js';
import { parseDotenv } from '../../src/render/dotenv.js';
import type { Rendering } from '../../src/render/render-recipe.js';
import { facts, goldenCases, render, renderCase } from './cases.js';

const bytes = (r: Rendering) => r.files.map((f) => ({ path: f.path, mode: f.mode, content: f.content }));

describe.each(goldenCases.map((c) => [`${c.recipe}/${c.name}`, c] as const))('%s', (_label, c) => {
  it('renders the same bytes twice, and from a freshly loaded recipe', async () => {
    const first = await renderCase(c);
    expect(bytes(render(first.loaded, first.answers))).toEqual(bytes(first.rendering));
    expect(bytes((await renderCase(c)).rendering)).toEqual(bytes(first.rendering));
  });

  it('renders the same bytes after a JSON round trip of the answers', async () => {
    const first = await renderCase(c);
    const answers = JSON.parse(JSON.stringify(first.answers)) as typeof first.answers;
    expect(bytes(render(await loadRecipe(c.recipe), answers))).toEqual(bytes(first.rendering));
  });

  it('renders the same bytes when replayed from its own berth.yaml and .env', async () => {
    const first = await renderCase(c);
    const file = (p: string) => first.rendering.files.find((f) => f.path === p)!.content;
    const answersFile = parse(file('berth.yaml')) as { answers: Record<string, unknown> };
    const recipe = await loadRecipe(c.recipe);
    const { answers } = await resolveAnswers(
      recipe,
      { flags: {}, env: {}, previous: { answers: answersFile.answers, env: parseDotenv(file('.env')) } },
      facts,
    );
    // A secret question that a secret takes its value `from` is not recorded anywhere: on a replay it is empty
    // ("keep"), and the secret comes back from .env.
    const fromIds = new Set(recipe.manifest.secrets.flatMap((s) => (s.from ? [s.from] : [])));
    const kept = Object.fromEntries(
      Object.entries(first.answers).map(([k, v]) => [k, fromIds.has(k) ? '' : v]),
    );
    expect(answers).toEqual(kept);
    expect(bytes(render(recipe, answers, parseDotenv(file('.env'))))).toEqual(bytes(first.rendering));
  });
});
