// The install folder in and out of an archive: every file, folder and link with its mode (and owner, as root),
// so a restore on another machine gets back .env at 0600 and the files the stack mounts as they were.
import { createReadStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { ArchiveWriter } from './archive.js';

/** Adds `dir` under `prefix/`, depth first in name order; `skip(rel)` leaves a path (and what is below it) out. */
export async function addFolder(
  writer: ArchiveWriter,
  dir: string,
  prefix: string,
  skip: (rel: string) => boolean,
): Promise<void> {
  const walk = async (rel: string): Promise<void> => {
    const abs = rel ? path.join(dir, rel) : dir;
    const st = lstatSync(abs);
    const name = rel ? `${prefix}/${rel}` : prefix;
    const common = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
    if (st.isDirectory()) {
      await writer.add({ ...common, type: 'directory' });
      for (const child of readdirSync(abs).sort()) {
        const next = rel ? `${rel}/${child}` : child;
        if (!skip(next)) await walk(next);
      }
    } else if (st.isSymbolicLink()) {
      await writer.add({ ...common, type: 'symlink', linkname: readlinkSync(abs) });
    } else if (st.isFile()) {
      await writer.addStream({ ...common, type: 'file', size: st.size }, createReadStream(abs));
    }
    // Sockets and FIFOs are the running stack's, not data.
  };
  await walk('');
}
