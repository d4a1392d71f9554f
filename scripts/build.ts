// Builds dist/berth.mjs: one ESM file with the shipped recipes validated and their templates precompiled.
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import Handlebars from 'handlebars';
import { bundledRecipeNames, loadBundledRecipe } from '../src/recipes/bundled-source.js';
import { compileOptions } from '../src/render/handlebars.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

/** The generated replacement for src/recipes/bundled-source.ts. Loading a recipe validates it: a bad one fails the build. */
function bundledRecipesModule(): string {
  const entries = bundledRecipeNames().map((name) => {
    const recipe = loadBundledRecipe(name);
    const templates = [...recipe.templates].map(([file, source]) => {
      if (source.kind !== 'text') throw new Error(`${name}/${file}: expected template text`);
      return `[${JSON.stringify(file)}, ${Handlebars.precompile(source.text, compileOptions)}]`;
    });
    return `${JSON.stringify(name)}: { manifest: ${JSON.stringify(recipe.manifest)}, templates: [${templates.join(',\n')}] }`;
  });
  return `const recipes = {${entries.join(',\n')}};
export function bundledRecipeNames() { return Object.keys(recipes).sort(); }
export function loadBundledRecipe(name) {
  const r = recipes[name];
  return {
    manifest: r.manifest,
    source: 'templates/' + name + '/recipe.yaml',
    templates: new Map(r.templates.map(([file, spec]) => [file, { kind: 'precompiled', spec }])),
  };
}
`;
}

const stubs: esbuild.Plugin = {
  name: 'berth-stubs',
  setup(build) {
    // Ink's devtools integration needs react-devtools-core (and ws); berth never uses it.
    build.onResolve({ filter: /^react-devtools-core$|\/devtools\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}ink${path.sep}`) || args.path === 'react-devtools-core'
        ? { path: args.path, namespace: 'berth-stub' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'berth-stub' }, () => ({
      contents: 'export default {};',
      loader: 'js',
    }));
    build.onLoad({ filter: /src[\\/]recipes[\\/]bundled-source\.ts$/ }, () => ({
      contents: bundledRecipesModule(),
      loader: 'js',
    }));
  },
};

const outfile = path.join(root, 'dist/berth.mjs');
await esbuild.build({
  entryPoints: [path.join(root, 'src/cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'none',
  banner: {
    js: "import { createRequire as __berthCreateRequire } from 'node:module';\nconst require = __berthCreateRequire(import.meta.url);",
  },
  define: { __BERTH_VERSION__: JSON.stringify(pkg.version), 'process.env.DEV': '"false"' },
  plugins: [stubs],
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log(`built ${path.relative(root, outfile)} (${(readFileSync(outfile).length / 1024).toFixed(0)} KB)`);
