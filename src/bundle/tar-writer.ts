// A plain POSIX tar written straight into a file, for the offline bundle. An entry whose size is known only at the
// end (the compressed images, streamed from `docker save`) gets its header written last, over a placeholder, so
// the images never pass through a temporary file (the bundle may be many gigabytes).
import type { FileHandle } from 'node:fs/promises';

const BLOCK = 512;

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

/** A ustar header; sizes from 8 GiB up in GNU tar's base-256 form (GNU tar, busybox and bsdtar read it). */
export function tarHeader(name: string, size: number, mode: number, mtime: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  if (Buffer.byteLength(base) > 100 || Buffer.byteLength(prefix) > 155 || !base)
    throw new Error(`path too long for the bundle's tar format: ${name}`);
  block.write(base, 0, 100, 'utf8');
  octal(block, 100, 8, mode);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  if (size < 8 ** 11) octal(block, 124, 12, size);
  else {
    block[124] = 0x80;
    block.writeBigUInt64BE(BigInt(size), 128);
  }
  octal(block, 136, 12, Math.floor(mtime / 1000));
  block.fill(' ', 148, 156);
  block.write('0', 156, 'ascii');
  block.write('ustar\u000000', 257, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

export class TarWriter {
  private position = 0;
  constructor(
    private readonly file: FileHandle,
    private readonly mtime: number,
  ) {}

  get bytes(): number {
    return this.position;
  }

  private async write(data: Buffer, at = this.position): Promise<void> {
    await this.file.write(data, 0, data.length, at);
    if (at === this.position) this.position += data.length;
  }

  async add(name: string, data: Buffer, mode = 0o644): Promise<void> {
    await this.write(tarHeader(name, data.length, mode, this.mtime));
    await this.write(data);
    await this.write(padding(data.length));
  }

  /** An entry whose bytes `fill` writes through `write`; its header goes in once their count is known. */
  async stream(
    name: string,
    fill: (write: (chunk: Buffer) => Promise<void>) => Promise<void>,
  ): Promise<number> {
    const at = this.position;
    await this.write(Buffer.alloc(BLOCK));
    const start = this.position;
    await fill((chunk) => this.write(chunk));
    const size = this.position - start;
    await this.write(padding(size));
    await this.write(tarHeader(name, size, 0o644, this.mtime), at);
    return size;
  }

  /** The two zero blocks that end a tar. */
  async end(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
  }
}
