// The two practices about the install folder, each fed a rendering that breaks it: no build context that holds
// .env (`.`, `./`, a folder above), and no relative bind mount of something the recipe does not write.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readRecipeDir } from '../../src/recipes/read-recipe-dir.js';
import { scaffoldFiles } from '../../src/recipes/scaffold.js';
import { renderRecipe } from '../../src/render/render-recipe.js';
import { checkBindMounts, checkBuildContext, composeValue } from '../../src/recipe-test/practices-mounts.js';
import { problemText, type Check, type Rendered } from '../../src/recipe-test/rendered.js';
import { sampleFacts, sampleSecrets } from '../../src/recipe-test/samples.js';
import { tempDir } from '../helpers.js';

/** The rendering of a new recipe (`berth recipe new`), which follows every practice. */
let base: Rendered;
beforeAll(() => {
  const dir = path.join(tempDir('berth-mounts-'), 'demo');
  for (const [file, content] of Object.entries(scaffoldFiles('demo'))) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  const recipe = readRecipeDir(dir);
  const answers = { web_port: 8080, web_image: 'caddy:2.8-alpine' };
  const secrets = sampleSecrets(recipe);
  const rendering = renderRecipe({ recipe, answers, secrets, facts: sampleFacts, project: 'demo' });
  base = { recipe, answers, secrets, rendering };
});

/** The base rendering with the web service's `volumes:` (or another key) replaced. */
function withWeb(lines: string): Rendered {
  const files = base.rendering.files.map((f) =>
    f.path === 'compose.yaml'
      ? { ...f, content: f.content.replace(/ {4}volumes:\n( {6}- .*\n)+/, () => lines) }
      : f,
  );
  expect(files.find((f) => f.path === 'compose.yaml')!.content).toContain(lines);
  return { ...base, rendering: { ...base.rendering, files } };
}

const run = (check: Check, r: Rendered) => check(r).map(problemText);

describe('checkBuildContext', () => {
  it('passes the rendering of a new recipe', () => {
    expect(run(checkBuildContext, base)).toEqual([]);
  });

  it.each([
    ['    build: .\n', 'web.build context . holds the install folder'],
    ['    build: ./\n', 'web.build context ./ holds the install folder'],
    ['    build:\n      context: .\n', 'web.build context . holds'],
    ['    build:\n      dockerfile: Dockerfile\n', 'web.build context . holds'],
    ['    build: ..\n', 'web.build context .. holds'],
    ['    build: ${CONTEXT:-.}\n', 'web.build context . holds'],
  ])('fails %j', (lines, message) => {
    const problems = run(checkBuildContext, withWeb(lines));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`compose.yaml: ${message}`);
  });

  it.each([['    build: ./web\n'], ['    build: https://github.com/example/web.git\n']])(
    'passes %j',
    (lines) => {
      expect(run(checkBuildContext, withWeb(lines))).toEqual([]);
    },
  );
});

describe('checkBindMounts', () => {
  it('passes the rendering of a new recipe (./site is a folder it writes)', () => {
    expect(run(checkBindMounts, base)).toEqual([]);
  });

  it.each([
    [
      '      - ./nginx.conf:/etc/nginx.conf:ro\n',
      'web mounts ./nginx.conf, which the recipe neither writes nor declares in hostPaths (no file or folder nginx.conf)',
    ],
    [
      '      - ./data:/data\n',
      'web mounts ./data, which the recipe neither writes nor declares in hostPaths',
    ],
    [
      '      - type: bind\n        source: ./certs\n        target: /certs\n',
      'web mounts ./certs, which the recipe neither writes nor declares in hostPaths',
    ],
    [
      '      - ${SITE:-./public}:/srv\n',
      'web mounts ./public, which the recipe neither writes nor declares in hostPaths',
    ],
    ['      - ../shared:/shared\n', 'web mounts ../shared, outside the install folder'],
    ['      - .:/app\n', 'web mounts the whole install folder, .env (secrets) included'],
  ])('fails %j', (line, message) => {
    const problems = run(checkBindMounts, withWeb(`    volumes:\n${line}`));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.startsWith(`compose.yaml: ${message}`), problems[0]).toBe(true);
  });

  it.each([
    ['      - ./site/index.html:/srv/index.html:ro\n'],
    ['      - ./site/:/srv:ro\n'],
    ['      - ./compose.yaml:/compose.yaml:ro\n'],
    ['      - data:/data\n'],
    ['      - /var/run/docker.sock:/var/run/docker.sock\n'],
    ['      - type: volume\n        source: data\n        target: /data\n'],
    ['      - /cache\n'],
  ])('passes %j', (line) => {
    expect(run(checkBindMounts, withWeb(`    volumes:\n${line}`))).toEqual([]);
  });
});

describe('checkBindMounts and hostPaths', () => {
  it('a folder the recipe declares in hostPaths counts as written (berth creates it before up)', () => {
    const r = withWeb('    volumes:\n      - ./data/db:/var/lib/db\n');
    expect(run(checkBindMounts, r)).toHaveLength(1);
    const hostPath = { path: './data', description: 'data', uid: 0, gid: 0, mode: 0o755, data: true };
    const declared = { ...r, rendering: { ...r.rendering, hostPaths: [hostPath] } };
    expect(run(checkBindMounts, declared)).toHaveLength(1);
    const exact = { ...r, rendering: { ...r.rendering, hostPaths: [{ ...hostPath, path: './data/db/' }] } };
    expect(run(checkBindMounts, exact)).toEqual([]);
  });
});

describe('composeValue', () => {
  it.each([
    ['${A}', 'a'],
    ['${A:-x}', 'a'],
    ['${E:-x}', 'x'],
    ['${E-x}', ''],
    ['${U-x}', 'x'],
    ['${A:+y}', 'y'],
    ['${A:?m}/b', 'a/b'],
    ['$${A}', '${A}'],
  ])('%s → %s', (text, value) => {
    expect(composeValue(text, { A: 'a', E: '' })).toBe(value);
  });
});
