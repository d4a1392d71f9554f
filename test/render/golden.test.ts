// Golden files: the exact bytes berth writes for every mode of every shipped recipe, under
// test/golden/<recipe>/<case>/<path>, plus <case>.json with each file's mode, owner and kind, COMPOSE_FILE,
// the enabled features and the final URLs. They are reviewed like code: a template change shows up as a diff.
//
// To accept an intended change, regenerate them and review the diff:
//   UPDATE_GOLDEN=1 npx vitest run test/render/golden.test.ts && git diff test/golden
// With UPDATE_GOLDEN=1 this test REWRITES the goldens instead of comparing (and cannot fail on a difference).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledRecipeNames } from '../../src/recipes/bundled-source.js';
import type { Rendering } from '../../src/render/render-recipe.js';
import { repoRoot } from '../helpers.js';
import { goldenCases, renderCase, type RenderCase } from './cases.js';

const goldenRoot = path.join(repoRoot, 'test/golden');
const update = process.env.UPDATE_GOLDEN === '1';

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.isDirectory() ? listFiles(dir, rel) : [rel];
    })
    .sort();
}

function summary(rendering: Rendering): string {
  // One line per file: path, mode, owner (berth: regenerated; user: written once) and kind.
  const files = rendering.files.map(
    (f) => `${f.path} ${f.mode.toString(8).padStart(4, '0')} ${f.owner} ${f.kind}`,
  );
  const { composeFiles, features, urls } = rendering;
  return `${JSON.stringify({ files, composeFiles, features, urls }, null, 2)}\n`;
}

function writeGolden(c: RenderCase, rendering: Rendering): void {
  const dir = path.join(goldenRoot, c.recipe, c.name);
  rmSync(dir, { recursive: true, force: true });
  for (const file of rendering.files) {
    mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
    writeFileSync(path.join(dir, file.path), file.content);
  }
  writeFileSync(`${dir}.json`, summary(rendering));
}

describe('golden files', () => {
  describe.each(goldenCases.map((c) => [`${c.recipe}/${c.name}`, c] as const))('%s', (_label, c) => {
    it('renders byte for byte as test/golden/' + `${c.recipe}/${c.name}`, async () => {
      const { rendering } = await renderCase(c);
      if (update) writeGolden(c, rendering);
      const dir = path.join(goldenRoot, c.recipe, c.name);
      expect(existsSync(dir), `${dir} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(listFiles(dir)).toEqual(rendering.files.map((f) => f.path).sort());
      for (const file of rendering.files) {
        const golden = readFileSync(path.join(dir, file.path));
        expect(file.content, `${c.recipe}/${c.name}/${file.path}`).toBe(golden.toString('utf8'));
        expect(Buffer.from(file.content, 'utf8').equals(golden), `${file.path}: bytes differ`).toBe(true);
      }
      expect(summary(rendering)).toBe(readFileSync(`${dir}.json`, 'utf8'));
    });
  });

  // After the cases, so that with UPDATE_GOLDEN=1 the folders exist by now.
  it('covers every shipped recipe', () => {
    expect([...new Set(goldenCases.map((c) => c.recipe))].sort()).toEqual(bundledRecipeNames());
  });

  it('has no golden folder without a case (a renamed or removed case leaves none behind)', () => {
    if (update) {
      for (const recipe of bundledRecipeNames()) {
        const dir = path.join(goldenRoot, recipe);
        if (!existsSync(dir)) continue;
        const known = new Set(goldenCases.filter((c) => c.recipe === recipe).map((c) => c.name));
        for (const entry of readdirSync(dir)) {
          if (!known.has(entry.replace(/\.json$/, ''))) rmSync(path.join(dir, entry), { recursive: true });
        }
      }
    }
    const expected = goldenCases
      .flatMap((c) => [`${c.recipe}/${c.name}`, `${c.recipe}/${c.name}.json`])
      .sort();
    const actual = readdirSync(goldenRoot)
      .filter((recipe) => statSync(path.join(goldenRoot, recipe)).isDirectory())
      .flatMap((recipe) => readdirSync(path.join(goldenRoot, recipe)).map((entry) => `${recipe}/${entry}`))
      .sort();
    expect(actual).toEqual(expected);
  });
});
