// The backup archive: one gzip'd tar whose first member is manifest.json and whose last is SHA256SUMS, the
// sha256 of every file member before it. Written to NAME.partial (0600) and renamed when complete, so an
// interrupted backup never looks complete; read twice on a restore: once to check every sum, then to put back.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { createGunzip, createGzip, constants as zlib } from 'node:zlib';
import tar from 'tar-stream';
import { BerthError, ExitCode } from '../errors.js';

export const MANIFEST = 'manifest.json';
export const SUMS = 'SHA256SUMS';

export type Header = tar.Headers;

/** Writes members in order, hashing each file's bytes; finish() appends SHA256SUMS and closes the file. */
export class ArchiveWriter {
  private readonly pack = tar.pack();
  private readonly sums: string[] = [];
  private readonly out: WriteStream;
  private readonly done: Promise<void>;
  /** Bytes of member content taken in (before compression). */
  bytesIn = 0;

  constructor(file: string) {
    this.out = createWriteStream(file, { mode: 0o600, flags: 'wx' });
    // Level 1: a backup is read once and kept; the disk and the engine, not the ratio, set its pace.
    this.done = pipeline(this.pack, createGzip({ level: zlib.Z_BEST_SPEED }), this.out);
    this.done.catch(() => undefined);
  }

  get bytesOut(): number {
    return this.out.bytesWritten;
  }

  /** A member whose content is in memory. */
  async add(header: Header, content: Buffer | string = ''): Promise<void> {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    if ((header.type ?? 'file') === 'file') this.record(header.name, createHash('sha256').update(data));
    this.bytesIn += data.length;
    await new Promise<void>((resolve, reject) =>
      this.pack.entry({ ...header, size: data.length }, data, (e) => (e ? reject(e) : resolve())),
    );
  }

  /** A file member streamed in; its size must be in the header. */
  async addStream(header: Header, stream: Readable): Promise<void> {
    const hash = createHash('sha256');
    const entry = this.pack.entry(header);
    stream.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      this.bytesIn += chunk.length;
    });
    await pipeline(stream, entry);
    this.record(header.name, hash);
  }

  private record(name: string, hash: ReturnType<typeof createHash>): void {
    this.sums.push(`${hash.digest('hex')}  ${name}`);
  }

  async finish(): Promise<void> {
    await this.add({ name: SUMS, mode: 0o600 }, `${this.sums.join('\n')}\n`);
    this.pack.finalize();
    await this.done;
  }

  /** Stops writing (an error): the partial file is the caller's to remove. */
  abort(): void {
    this.pack.destroy();
    this.out.destroy();
  }
}

export interface Member {
  header: Header;
  stream: Readable;
}

/**
 * Reads every member in order; `onMember` must consume (or drain) the stream before it resolves. Errors of the
 * format (not gzip, not tar, cut short) are BerthErrors that name the archive.
 */
export async function readArchive(file: string, onMember: (m: Member) => Promise<void>): Promise<void> {
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    // tar-stream's streams are streamx ones: no readableEnded, so the end is watched from the start.
    let ended = false;
    stream.once('end', () => (ended = true));
    onMember({ header, stream }).then(
      () => {
        if (ended) return next();
        stream.once('end', () => next());
        stream.resume();
      },
      (error: unknown) => extract.destroy(error as Error),
    );
  });
  try {
    await pipeline(createReadStream(file), createGunzip(), extract);
  } catch (error) {
    if (error instanceof BerthError) throw error;
    throw new BerthError(
      `${file} cannot be read: it is damaged, cut short or not a berth backup (${(error as Error).message}).`,
      {
        exitCode: ExitCode.usage,
        hint: 'Nothing was changed. Use another copy of the backup; a file still named .partial was never finished.',
      },
    );
  }
}

/** Drains a member, returning its sha256 and size. */
export async function hashStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
