// Reading and editing members of a berth bundle (a plain tar) in place, for the tests that hand berth and
// install.sh a damaged or foreign bundle.
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, openSync, readSync, writeSync } from 'node:fs';
import { expect } from 'vitest';

/** Where a member's bytes start in the tar and how many, walking its headers. */
export function tarMember(file: string, wanted: string): { offset: number; size: number } {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(512);
    for (let at = 0; readSync(fd, header, 0, 512, at) === 512 && header[0] !== 0;) {
      const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      const size = parseInt(header.toString('ascii', 124, 136).replace(/\0.*$/s, ''), 8);
      if (name === wanted) return { offset: at + 512, size };
      at += 512 + Math.ceil(size / 512) * 512;
    }
  } finally {
    closeSync(fd);
  }
  throw new Error(`${wanted} is not in ${file}`);
}

/** A copy of the bundle with one byte of its images changed, half-way through. */
export function tamperedCopy(file: string, copy: string): string {
  copyFileSync(file, copy);
  const { offset, size } = tarMember(copy, 'berth-bundle/images.tar.gz');
  const at = offset + Math.floor(size / 2);
  const fd = openSync(copy, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    writeSync(fd, byte, 0, 1, at);
  } finally {
    closeSync(fd);
  }
  return copy;
}

/** Rewrites a text member in place; the edit must keep its length, so the tar stays as it is. */
function rewriteMember(file: string, name: string, edit: (text: string) => string): void {
  const { offset, size } = tarMember(file, `berth-bundle/${name}`);
  const fd = openSync(file, 'r+');
  try {
    const bytes = Buffer.alloc(size);
    readSync(fd, bytes, 0, size, offset);
    const edited = Buffer.from(edit(bytes.toString('utf8')));
    expect(edited.length).toBe(size);
    writeSync(fd, edited, 0, size, offset);
  } finally {
    closeSync(fd);
  }
}

/**
 * An intact copy of the bundle as if made for another architecture: its manifest says `other` and SHA256SUMS holds
 * the manifest's new sum.
 */
export function bundleForArch(file: string, copy: string, here: string, other: string): string {
  copyFileSync(file, copy);
  const sums = { old: '', new: '' };
  rewriteMember(copy, 'manifest.json', (manifest) => {
    const edited = manifest.replace(`  "arch": "${here}",`, `  "arch": "${other}",`);
    expect(edited).not.toBe(manifest);
    sums.old = createHash('sha256').update(manifest).digest('hex');
    sums.new = createHash('sha256').update(edited).digest('hex');
    return edited;
  });
  rewriteMember(copy, 'SHA256SUMS', (text) => {
    expect(text).toContain(`${sums.old}  manifest.json`);
    return text.replace(`${sums.old}  manifest.json`, `${sums.new}  manifest.json`);
  });
  return copy;
}
