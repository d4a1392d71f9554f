// Builds dist/berth.mjs: one ESM file with the shipped recipes validated and their templates precompiled.
import { appendFileSync, chmodSync, readFileSync, renameSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import Handlebars from 'handlebars';
import { bundledRecipeNames, loadBundledRecipe } from '../src/recipes/bundled-source.js';
import { unpackPayload } from '../src/core-cache.js';
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
    // The templates inside recipe.yaml, precompiled like the files (loading checked every name they read).
    const inline = [...(recipe.inline ?? [])].map(
      ([text]) => `[${JSON.stringify(text)}, ${Handlebars.precompile(text, compileOptions)}]`,
    );
    const statics = JSON.stringify([...(recipe.statics ?? [])]);
    return `${JSON.stringify(name)}: { manifest: ${JSON.stringify(recipe.manifest)}, templates: [${templates.join(',\n')}], inline: [${inline.join(',\n')}], statics: ${statics} }`;
  });
  return `const recipes = {${entries.join(',\n')}};
export function bundledRecipeNames() { return Object.keys(recipes).sort(); }
export function loadBundledRecipe(name) {
  const r = recipes[name];
  return {
    manifest: r.manifest,
    source: 'templates/' + name + '/recipe.yaml',
    templates: new Map(r.templates.map(([file, spec]) => [file, { kind: 'precompiled', spec }])),
    inline: new Map(r.inline.map(([text, spec]) => [text, { kind: 'precompiled', spec }])),
    statics: new Map(r.statics),
  };
}
`;
}

/**
 * The Compose validator (src/compose/compose-validator.generated.js) keeps the schema's parts as JSON literals, for
 * the `properties` keys and the `type`/`enum` values its errors quote. The schema's `description` texts are half of
 * those literals and nothing reads them: the bundle leaves them out. Throws when the generated code changed shape.
 */
function withoutDescriptions(code: string): string {
  if (/\bschema\d+[\w.$[\]"^-]*\.description\b/.test(code))
    throw new Error('compose-validator.generated.js reads a description: keep them');
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key, value]) => !(key === 'description' && typeof value === 'string'))
        // Values of these keywords are data, not schemas: kept as they are.
        .map(([key, value]) => [
          key,
          ['enum', 'const', 'default', 'examples'].includes(key) ? value : strip(value),
        ]),
    );
  };
  let out = '';
  let at = 0;
  let literals = 0;
  for (const match of code.matchAll(/\bconst schema\d+ = (?=\{)/g)) {
    const from = match.index + match[0].length;
    const to = jsonEnd(code, from);
    out += code.slice(at, from) + JSON.stringify(strip(JSON.parse(code.slice(from, to))));
    at = to;
    literals++;
  }
  if (literals === 0)
    throw new Error('compose-validator.generated.js: no schema literals (ajv output changed?)');
  return out + code.slice(at);
}

/** Where the JSON object starting at `from` ends. */
function jsonEnd(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return i + 1;
  }
  throw new Error('compose-validator.generated.js: a schema literal does not end');
}

/**
 * yaml's ESM build (browser/), so esbuild leaves out the parts berth never calls; the CommonJS build that the "node"
 * condition picks (dist/) comes whole. The two are the same code but for four Node-only spots the ESM build lacks:
 * put back here as dist/ has them (warnings through process.emitWarning, !!binary as a Buffer, LOG_STREAM and
 * LOG_TOKENS). Each must match once, else the build fails (yaml changed: check dist/ again).
 */
const yamlDir = path.join(root, 'node_modules/yaml/browser');
const yamlPatches: Record<string, [string, string][]> = {
  'dist/log.js': [
    [
      '        console.warn(warning);',
      "        if (typeof process.emitWarning === 'function')\n            process.emitWarning(warning);\n        else\n            console.warn(warning);",
    ],
  ],
  'dist/schema/yaml-1.1/binary.js': [
    [
      "        if (typeof atob === 'function') {",
      "        if (typeof Buffer === 'function') {\n            return Buffer.from(src, 'base64');\n        }\n        else if (typeof atob === 'function') {",
    ],
    [
      "        if (typeof btoa === 'function') {",
      "        if (typeof Buffer === 'function') {\n            str = buf instanceof Buffer ? buf.toString('base64') : Buffer.from(buf.buffer).toString('base64');\n        }\n        else if (typeof btoa === 'function') {",
    ],
  ],
  'dist/compose/composer.js': [
    [
      '    *next(token) {\n',
      '    *next(token) {\n        if (process.env.LOG_STREAM)\n            console.dir(token, { depth: null });\n',
    ],
  ],
  'dist/parse/parser.js': [
    ["import { tokenType } from './cst.js';", "import { prettyToken, tokenType } from './cst.js';"],
    [
      '        this.source = source;\n',
      "        this.source = source;\n        if (process.env.LOG_TOKENS)\n            console.log('|', prettyToken(source));\n",
    ],
  ],
};

const stubs: esbuild.Plugin = {
  name: 'berth-stubs',
  setup(build) {
    // Ink's devtools integration needs react-devtools-core (and ws); berth never uses it.
    build.onResolve({ filter: /^react-devtools-core$|\/devtools\.js$/ }, (args) =>
      args.importer.includes(`${path.sep}ink${path.sep}`) || args.path === 'react-devtools-core'
        ? { path: args.path, namespace: 'berth-stub' }
        : undefined,
    );
    // handlebars' compiler takes source-map's SourceNode only to build a source map, which it makes only when
    // given a srcName (berth never passes one); without the package it uses its own SourceNode, whose output
    // string is the same.
    build.onResolve({ filter: /^source-map$/ }, (args) =>
      args.importer.includes(`${path.sep}handlebars${path.sep}`)
        ? { path: args.path, namespace: 'berth-stub' }
        : undefined,
    );
    // handlebars' main module is dist/cjs/handlebars.js plus Handlebars.print (a template printer for debugging)
    // and a require() hook for .hbs files; berth uses neither.
    build.onResolve({ filter: /^handlebars$/ }, () => ({
      path: path.join(root, 'node_modules/handlebars/dist/cjs/handlebars.js'),
    }));
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: path.join(yamlDir, 'index.js') }));
    build.onLoad({ filter: /yaml[\\/]browser[\\/]dist[\\/].*\.js$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      for (const [from, to] of yamlPatches[path.relative(yamlDir, args.path).split(path.sep).join('/')] ??
        []) {
        if (source.split(from).length !== 2)
          throw new Error(`${args.path}: expected ${JSON.stringify(from)} once`);
        source = source.replace(from, to);
      }
      return { contents: source, loader: 'js' };
    });
    build.onLoad({ filter: /.*/, namespace: 'berth-stub' }, () => ({
      contents: 'export default {};',
      loader: 'js',
    }));
    // Ink, wrap-ansi, cli-truncate and widest-line measure text with src/wizard/string-width.ts (why: there).
    build.onResolve({ filter: /^string-width$/ }, () => ({
      path: path.join(root, 'src/wizard/string-width.ts'),
    }));
    // Ink's layout engine carries its wasm as a data: URL and decodes it with fetch() when fetch exists, which
    // makes Node load its whole HTTP client (undici, ~60 ms) at the wizard's start. The plain base64 path
    // beside it does the same in a few ms; the build takes that one.
    build.onLoad({ filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const patched = source.replaceAll('"function"!=typeof fetch', '!0');
      if (patched.split('!0').length - source.split('!0').length !== 2)
        throw new Error(`${args.path}: expected two fetch checks to replace (yoga-layout changed?)`);
      return { contents: patched, loader: 'js' };
    });
    build.onLoad({ filter: /src[\\/]compose[\\/]compose-validator\.generated\.js$/ }, (args) => ({
      contents: withoutDescriptions(readFileSync(args.path, 'utf8')),
      loader: 'js',
    }));
    build.onLoad({ filter: /src[\\/]recipes[\\/]bundled-source\.ts$/ }, () => ({
      contents: bundledRecipesModule(),
      loader: 'js',
    }));
  },
};

const outfile = path.join(root, 'dist/berth.mjs');
const common: esbuild.BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: process.env.BERTH_MINIFY !== '0',
  legalComments: 'none',
  // React and Ink in their production builds: smaller, and no development-only checks at run time.
  define: { __BERTH_VERSION__: JSON.stringify(pkg.version), 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
};

// Stage 1, the core: everything a command needs, split into chunks so a run loads only what it uses (zod and
// the handlebars compiler only for recipe folders, inquirer only on a terminal). CommonJS dependencies get a
// `require` rooted at the bundle file.
const core = await esbuild.build({
  ...common,
  entryPoints: { main: path.join(root, 'src/main.ts') },
  write: false,
  outdir: 'core',
  splitting: true,
  chunkNames: 'chunk-[hash]',
  outExtension: { '.js': '.mjs' },
  banner: {
    js: "import { createRequire as __berthCreateRequire } from 'node:module';\nconst require = __berthCreateRequire(globalThis.__berthEntryUrl);",
  },
  plugins: [stubs],
});
// Largest first: brotli packs the payload about 1 KB smaller in this order than in esbuild's.
const coreFiles = Object.fromEntries(
  core.outputFiles
    .map((f) => [path.basename(f.path), f.text] as const)
    .sort(([, a], [, b]) => b.length - a.length),
);
const coreText = JSON.stringify(coreFiles);

/**
 * The core's payload, compressed as one: a 4-byte length, the JSON {files: [[name, byte length]], blobs: [byte
 * length]}, then each chunk's UTF-8 bytes as they are (not JSON-escaped: minified code is full of quotes), then
 * each blob. A blob is a base64 string literal of a dependency, or a data: URL (Ink's layout engine carries its
 * WebAssembly so), stored as its bytes, which compress to about 70% of what its base64 text does; the chunk keeps
 * \u0000BLOB<n>\u0000 in its place. Unpacking puts the text back (core-cache.ts), so the chunks on disk are
 * exactly esbuild's (checked below).
 */
function corePayload(files: Record<string, string>): Buffer {
  const blobs: Buffer[] = [];
  const texts: Buffer[] = [];
  const names: [string, number][] = [];
  for (const [name, text] of Object.entries(files)) {
    const out = text.replace(
      /(["'`])(data:[\w./+-]+;base64,)?([A-Za-z0-9+/]{4096,}={0,2})\1/g,
      (literal, quote: string, prefix: string | undefined, b64: string) => {
        const bytes = Buffer.from(b64, 'base64');
        if (bytes.toString('base64') !== b64) return literal; // not canonical base64: keep the text
        blobs.push(bytes);
        return `${quote}${prefix ?? ''}\u0000BLOB${blobs.length - 1}\u0000${quote}`;
      },
    );
    const bytes = Buffer.from(out, 'utf8');
    texts.push(bytes);
    names.push([name, bytes.length]);
  }
  const json = Buffer.from(JSON.stringify({ files: names, blobs: blobs.map((b) => b.length) }), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(json.length);
  return Buffer.concat([head, json, ...texts, ...blobs]);
}

// Stage 2, the entry: answers --version and --help at once, and carries the core brotli-compressed as base64 text
// in a trailing comment. Node compiles a megabyte of code in ~70 ms but skims a 400 KB comment in ~1 ms (a string
// literal of that size costs ~10 ms), so --version never pays for the core. The first command unpacks it once into a per-user cache folder (like a compile cache) and every
// command imports it from there.
const compress = (data: Buffer) =>
  brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  });
const coreHash = createHash('sha256').update(coreText).digest('hex').slice(0, 16);
const coreLoader: esbuild.Plugin = {
  name: 'berth-core-loader',
  setup(build) {
    build.onLoad({ filter: /src[\\/]core-loader\.ts$/ }, () => ({
      loader: 'ts',
      contents: readFileSync(path.join(root, 'src/core-cache.ts'), 'utf8').replace(
        "'__BERTH_CORE_NAME__'",
        JSON.stringify(`core-${pkg.version}-${coreHash}`),
      ),
      resolveDir: path.join(root, 'src'),
    }));
  },
};
// Written under a temporary name and renamed when complete: a berth running from dist/ (a test, a second build)
// never reads a half-written bundle.
const partial = `${outfile}.${process.pid}.partial`;
await esbuild.build({
  ...common,
  entryPoints: [path.join(root, 'src/cli.ts')],
  outfile: partial,
  plugins: [coreLoader],
});
// The core as a trailing comment (base64 has no '*', so nothing inside can close it); core-cache.ts reads it.
const payload = corePayload(coreFiles);
if (JSON.stringify(unpackPayload(payload)) !== coreText)
  throw new Error('the core payload does not unpack to the core');
appendFileSync(partial, `/*BERTH-CORE:${compress(payload).toString('base64')}*/\n`);
chmodSync(partial, 0o755);
renameSync(partial, outfile);
const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
console.log(
  `built ${path.relative(root, outfile)} (${kb(readFileSync(outfile).length)}; core ${kb(coreText.length)})`,
);
