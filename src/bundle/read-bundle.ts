// Reads an offline bundle (write-bundle.ts) in TypeScript, as install.sh --bundle does in sh: an index of its tar
// members by offset (the bundle is a plain tar, so a member is read in place, never copied out whole), every
// SHA256 in SHA256SUMS checked before anything is used, then its manifest. Any problem is a refusal (exit 2) that
// names the file and the problem; nothing has been loaded or written by then.
import { createReadStream } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { hashStream } from '../backup/archive.js';
import { UsageError } from '../errors.js';
import { IMAGES_FILE, megabytes, ROOT } from './write-bundle.js';

const BLOCK = 512;
const SUMS = 'SHA256SUMS';
const REQUIRED = ['install.sh', 'berth.mjs', 'manifest.json', IMAGES_FILE];

export interface BundleManifest {
  berth: string;
  arch: string;
  recipe: { name: string; version: string; folder: string | null };
  images: { name: string; id: string; size: number }[];
  imagesFile: { name: string; bytes: number };
}

export interface Bundle {
  file: string;
  /** Members by name under berth-bundle/, each where its bytes start in the file and how many. */
  entries: Map<string, { offset: number; size: number }>;
  manifest: BundleManifest;
}

export const refused = (file: string, problem: string): UsageError =>
  new UsageError(`${file}: ${problem} Nothing was loaded or changed.`, {
    hint: 'Copy the bundle again from where it was made (compare its size), or make it again with berth bundle.',
  });

function octal(header: Buffer, at: number, length: number): number {
  if (header[at]! & 0x80) return Number(header.readBigUInt64BE(at + length - 8));
  return parseInt(header.toString('ascii', at, at + length).replace(/[\0 ]+$/, '') || '0', 8);
}

/** A ustar header's checksum holds: the bytes are a tar header at all. */
function headerIntact(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return sum === octal(header, 148, 8);
}

const cstring = (header: Buffer, at: number, length: number) =>
  header.toString('utf8', at, at + length).replace(/\0.*$/s, '');

/** Every member of the tar by name, after checking each header and that nothing is cut short or out of place. */
async function indexTar(file: string): Promise<Bundle['entries']> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--bundle ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`);
  });
  try {
    const length = (await handle.stat()).size;
    const entries: Bundle['entries'] = new Map();
    const header = Buffer.alloc(BLOCK);
    for (let at = 0; ;) {
      const { bytesRead } = await handle.read(header, 0, BLOCK, at);
      if (bytesRead < BLOCK) throw refused(file, 'it is cut short (the tar archive does not end).');
      if (header.every((b) => b === 0)) return entries;
      if (!headerIntact(header))
        throw refused(file, 'it is not a berth bundle (not a tar archive, or damaged).');
      const prefix = cstring(header, 345, 155);
      const name = prefix ? `${prefix}/${cstring(header, 0, 100)}` : cstring(header, 0, 100);
      const size = octal(header, 124, 12);
      const type = String.fromCharCode(header[156]!);
      const rel = name.startsWith(`${ROOT}/`) ? name.slice(ROOT.length + 1) : undefined;
      if (!rel || rel.split('/').some((part) => part === '..' || part === '') || !['0', '\0'].includes(type))
        throw refused(file, `it holds an unexpected member, ${name}: it is not a berth bundle.`);
      if (entries.has(rel)) throw refused(file, `it holds ${name} twice.`);
      if (at + BLOCK + size > length) throw refused(file, `it is cut short (in ${name}).`);
      entries.set(rel, { offset: at + BLOCK, size });
      at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    }
  } finally {
    await handle.close();
  }
}

/** A member's bytes as a stream, read in place from the bundle. */
export function memberStream(bundle: Pick<Bundle, 'file' | 'entries'>, name: string): Readable {
  const entry = bundle.entries.get(name)!;
  if (entry.size === 0) return createReadStream(bundle.file, { start: 1, end: 0 });
  return createReadStream(bundle.file, { start: entry.offset, end: entry.offset + entry.size - 1 });
}

async function memberBytes(bundle: Pick<Bundle, 'file' | 'entries'>, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of memberStream(bundle, name) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function parseSums(file: string, text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
    const m = /^([0-9a-f]{64}) {2}(\S.*)$/.exec(line);
    if (!m) throw refused(file, `its SHA256SUMS has a line that is not a sum: ${JSON.stringify(line)}.`);
    sums.set(m[2]!, m[1]!);
  }
  return sums;
}

function parseManifest(file: string, text: string): BundleManifest {
  try {
    const m = JSON.parse(text) as BundleManifest;
    if (typeof m.berth === 'string' && typeof m.recipe?.name === 'string' && Array.isArray(m.images))
      return m;
  } catch {
    // refused below
  }
  throw refused(file, 'its manifest.json is not a berth bundle manifest.');
}

/**
 * Opens a bundle and checks it whole: every member under berth-bundle/, listed in SHA256SUMS and matching its
 * sum, every listed file present. `say` gets one line before the long part (hashing the images).
 */
export async function openBundle(file: string, say: (line: string) => void): Promise<Bundle> {
  const entries = await indexTar(file);
  const bundle = { file, entries };
  if (!entries.has(SUMS)) throw refused(file, `it has no ${SUMS}: it is not a berth bundle, or cut short.`);
  const sums = parseSums(file, (await memberBytes(bundle, SUMS)).toString('utf8'));
  for (const need of REQUIRED) if (!sums.has(need)) throw refused(file, `its ${SUMS} lists no ${need}.`);
  for (const name of entries.keys())
    if (name !== SUMS && !sums.has(name)) throw refused(file, `${name} is not in its ${SUMS}.`);
  const total = [...entries.values()].reduce((n, e) => n + e.size, 0);
  say(`Checking every SHA256 sum in ${file} (${sums.size} files, ${megabytes(total)})…\n`);
  for (const [name, expected] of sums) {
    if (!entries.has(name)) throw refused(file, `${name}, listed in its ${SUMS}, is missing.`);
    const { sha256 } = await hashStream(counted(memberStream(bundle, name), entries.get(name)!.size, say));
    if (sha256 !== expected)
      throw refused(
        file,
        `SHA256 mismatch for ${name} (expected ${expected}, got ${sha256}): the bundle is damaged or was tampered with.`,
      );
  }
  const manifest = parseManifest(file, (await memberBytes(bundle, 'manifest.json')).toString('utf8'));
  return { ...bundle, manifest };
}

/** A big member (the images) says how far its check is, at each tenth; a small one says nothing. */
function counted(stream: Readable, size: number, say: (line: string) => void): Readable {
  if (size < 64e6) return stream;
  let read = 0;
  let shown = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length;
      const tenth = Math.floor((read / size) * 10);
      if (tenth > shown && tenth < 10) say(`  ${megabytes(read)} of ${megabytes(size)} checked\n`);
      shown = Math.max(shown, tenth);
      done(null, chunk);
    },
  });
  stream.on('error', (error) => counter.destroy(error));
  return stream.pipe(counter);
}

/** Writes the members under `under/` (e.g. the recipe folder) into `dest`, keeping their relative paths. */
export async function extractFolder(bundle: Bundle, under: string, dest: string): Promise<void> {
  for (const name of bundle.entries.keys()) {
    if (!name.startsWith(`${under}/`)) continue;
    const target = path.join(dest, name.slice(under.length + 1));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, await memberBytes(bundle, name));
  }
}

/** One member written to a file (berth.mjs, to run the bundle's own berth). */
export async function extractFile(bundle: Bundle, name: string, target: string, mode = 0o644): Promise<void> {
  await writeFile(target, await memberBytes(bundle, name), { mode });
}
