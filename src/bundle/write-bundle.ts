// Writes the offline bundle: one tar of install.sh, berth.mjs, Node.js, the recipe folder, the answers, the images
// (one `docker save` of them all, so shared layers are stored once, gzip'd on the way), a manifest and SHA256SUMS
// of every other file. Written beside the target as FILE.partial and renamed at the end: a stopped run leaves no
// bundle that looks whole.
import { createHash } from 'node:crypto';
import { open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { loadExeca } from '../compose/exec.js';
import type { Output } from '../context.js';
import { BerthError, ExitCode } from '../errors.js';
import type { LocalImage } from './images.js';
import type { NodeRuntime } from './node-runtime.js';
import { TarWriter } from './tar-writer.js';

export const ROOT = 'berth-bundle';
export const IMAGES_FILE = 'images.tar.gz';

export interface BundleContent {
  output: string;
  images: readonly LocalImage[];
  berthMjs: string;
  installSh: string;
  node: NodeRuntime | undefined;
  recipe: { name: string; version: string; folder?: string | undefined };
  /** answers.yaml (berth.yaml's format), or undefined when none were given. */
  answers: string | undefined;
  arch: string;
  berthVersion: string;
  now: Date;
  env: Record<string, string>;
}

export const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** Every file of a recipe folder, relative to it (not .git or node_modules). */
async function folderFiles(dir: string, under = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(path.join(dir, under), { withFileTypes: true })) {
    const rel = path.posix.join(under, entry.name);
    if (entry.isDirectory() && !['.git', 'node_modules'].includes(entry.name))
      found.push(...(await folderFiles(dir, rel)));
    else if (entry.isFile()) found.push(rel);
  }
  return found;
}

/** Reads `docker save` of every image once, gzip'd into the tar; progress at each tenth of the expected bytes. */
async function saveImages(
  tar: TarWriter,
  c: BundleContent,
  say: Output,
): Promise<{ sha: string; read: number; bytes: number }> {
  const { execa } = await loadExeca();
  const expected = c.images.reduce((sum, i) => sum + i.size, 0);
  say.write(
    `Saving ${c.images.length} image(s) (about ${megabytes(expected)} uncompressed) from the engine…\n`,
  );
  const child = execa('docker', ['save', ...c.images.map((i) => i.name)], {
    env: c.env,
    extendEnv: false,
    buffer: { stdout: false, stderr: true },
    reject: false,
  });
  const hash = createHash('sha256');
  let read = 0;
  let shown = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length;
      const tenth = Math.min(9, Math.floor((read / Math.max(expected, 1)) * 10));
      if (tenth > shown) {
        shown = tenth;
        say.write(
          `  ${megabytes(read)} of about ${megabytes(expected)} read, ${megabytes(tar.bytes)} written\n`,
        );
      }
      done(null, chunk);
    },
  });
  const bytes = await tar.stream(`${ROOT}/${IMAGES_FILE}`, (write) =>
    pipeline(child.stdout!, counter, createGzip({ level: 1, chunkSize: 1 << 20 }), async (source) => {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        hash.update(chunk);
        await write(chunk);
      }
    }),
  );
  const result = await child;
  if (result.exitCode !== 0)
    throw new BerthError(`docker save failed: ${String(result.stderr).trim()}`, {
      exitCode: ExitCode.compose,
    });
  return { sha: hash.digest('hex'), read, bytes };
}

export async function writeBundle(c: BundleContent, say: Output): Promise<{ bytes: number; read: number }> {
  const partial = `${c.output}.partial`;
  const file = await open(partial, 'w', 0o644);
  const sums: string[] = [];
  try {
    const tar = new TarWriter(file, c.now.getTime());
    const add = async (name: string, data: Buffer, mode?: number) => {
      await tar.add(`${ROOT}/${name}`, data, mode);
      sums.push(`${createHash('sha256').update(data).digest('hex')}  ${name}`);
    };
    await add('install.sh', await readFile(c.installSh), 0o755);
    await add('berth.mjs', await readFile(c.berthMjs), 0o755);
    if (c.node) await add(c.node.name, c.node.data);
    if (c.recipe.folder)
      for (const rel of await folderFiles(c.recipe.folder))
        await add(`recipe/${rel}`, await readFile(path.join(c.recipe.folder, rel)));
    if (c.answers !== undefined) await add('answers.yaml', Buffer.from(c.answers));
    const saved = await saveImages(tar, c, say);
    sums.push(`${saved.sha}  ${IMAGES_FILE}`);
    const manifest = {
      berth: c.berthVersion,
      created: c.now.toISOString(),
      arch: c.arch,
      recipe: { name: c.recipe.name, version: c.recipe.version, folder: c.recipe.folder ? 'recipe' : null },
      answers: c.answers === undefined ? null : 'answers.yaml',
      node: c.node ? { file: c.node.name, version: c.node.version } : null,
      images: c.images.map((i) => ({ name: i.name, id: i.id, digests: i.digests, size: i.size })),
      imagesFile: { name: IMAGES_FILE, bytes: saved.bytes, dockerSaveBytes: saved.read },
    };
    await add('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    await tar.add(`${ROOT}/SHA256SUMS`, Buffer.from(`${sums.join('\n')}\n`));
    await tar.end();
    await file.close();
    await rename(partial, c.output);
    return { bytes: tar.bytes, read: saved.read };
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}
