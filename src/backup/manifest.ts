// What a backup holds (manifest.json, its first member), and the check of an archive before anything is put
// back: every member's sum against SHA256SUMS, the manifest's kind and format, nothing missing or extra.
import { BerthError, ExitCode } from '../errors.js';
import { sha256 } from '../install-dir/state.js';
import { hashStream, MANIFEST, readAll, readArchive, SUMS } from './archive.js';

export const BACKUP_KIND = 'berth-backup';
export const BACKUP_FORMAT = 1;

export interface BackupManifest {
  kind: typeof BACKUP_KIND;
  format: number;
  berthVersion: string;
  createdAt: string;
  recipe: string;
  recipeVersion: string;
  project: string;
  /** The install folder it was taken from. */
  dir: string;
  /** The engine's CPU architecture (docker info): raw database files are only portable to the same one. */
  arch: string;
  /** Named volumes copied as they are: compose's key, the engine's name, and whether its files are arch-bound. */
  volumes: { key: string; name: string; archBound: boolean }[];
  /** Data host folders outside the install folder, copied as they are. */
  hostPaths: { path: string; description: string; member: string }[];
  /** Database dumps, and the volumes / host folders they stand for (started empty on a restore). */
  dumps: { id: string; service: string; description: string; covers: string[]; member: string }[];
  /** Host folders a dump stands for: made again empty, with their owner and mode, before the database starts. */
  emptyHostPaths: { path: string; uid: number; gid: number; mode: number }[];
  /** Volumes left out (recipe backup.exclude): started empty on a restore. */
  excluded: string[];
}

export interface CheckedArchive {
  manifest: BackupManifest;
  /** Bytes of content by top folder (files, volumes/<key>, hostpaths/<n>, dumps). */
  sizes: Map<string, number>;
  totalBytes: number;
  members: number;
}

const refuse = (archive: string, why: string, hint: string) =>
  new BerthError(`${archive} ${why}`, { exitCode: ExitCode.usage, hint });

/** The top folder a member counts under for the disk check: volumes/<key>, hostpaths/<n>, files, dumps. */
export const groupOf = (name: string): string => {
  const parts = name.split('/');
  return parts[0] === 'volumes' || parts[0] === 'hostpaths' ? `${parts[0]}/${parts[1]}` : parts[0]!;
};

/** Reads the whole archive once: refuses a foreign, damaged or altered one before anything is changed. */
export async function checkArchive(archive: string): Promise<CheckedArchive> {
  const seen = new Map<string, string>();
  const sizes = new Map<string, number>();
  let manifestText: string | undefined;
  let sumsText: string | undefined;
  let first = true;
  await readArchive(archive, async ({ header, stream }) => {
    if (first && header.name !== MANIFEST)
      throw refuse(
        archive,
        'is not a berth backup (its first member is not manifest.json).',
        'Give an archive written by `berth backup`.',
      );
    first = false;
    if (header.name === SUMS) {
      sumsText = (await readAll(stream)).toString('utf8');
      return;
    }
    if ((header.type ?? 'file') !== 'file') return;
    if (header.name === MANIFEST) {
      const content = await readAll(stream);
      manifestText = content.toString('utf8');
      seen.set(header.name, sha256(content));
      return;
    }
    const hashed = await hashStream(stream);
    seen.set(header.name, hashed.sha256);
    const group = groupOf(header.name);
    sizes.set(group, (sizes.get(group) ?? 0) + hashed.size);
  });
  if (manifestText === undefined)
    throw refuse(archive, 'is empty or not a berth backup.', 'Give an archive written by `berth backup`.');
  if (sumsText === undefined)
    throw refuse(
      archive,
      'is cut short: it has no SHA256SUMS, so the backup never finished or the file was truncated.',
      'Use an earlier backup; `berth backup --verify` checks a new one by restoring it.',
    );
  const expected = new Map(
    sumsText
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(66), line.slice(0, 64)] as const),
  );
  for (const [name, sum] of seen) {
    const want = expected.get(name);
    if (want === undefined || want !== sum)
      throw refuse(
        archive,
        `has been altered or damaged: ${name} ${want === undefined ? 'is not listed in SHA256SUMS' : 'does not match its SHA256 sum'}.`,
        'Nothing was changed. Use another copy of the backup (or an earlier one).',
      );
  }
  for (const name of expected.keys())
    if (!seen.has(name))
      throw refuse(
        archive,
        `has been altered or damaged: ${name} is missing.`,
        'Nothing was changed. Use another copy of the backup (or an earlier one).',
      );
  const manifest = parseManifest(archive, manifestText);
  const totalBytes = [...sizes.values()].reduce((a, b) => a + b, 0);
  return { manifest, sizes, totalBytes, members: seen.size };
}

function parseManifest(archive: string, text: string): BackupManifest {
  let doc: Partial<BackupManifest>;
  try {
    doc = JSON.parse(text) as Partial<BackupManifest>;
  } catch {
    throw refuse(
      archive,
      'has a manifest.json that is not JSON.',
      'Give an archive written by `berth backup`.',
    );
  }
  if (doc.kind !== BACKUP_KIND)
    throw refuse(archive, 'is not a berth backup.', 'Give an archive written by `berth backup`.');
  if (doc.format !== BACKUP_FORMAT)
    throw refuse(
      archive,
      `is a berth backup of format ${doc.format}, which this berth does not read (it reads ${BACKUP_FORMAT}).`,
      'Restore it with the berth version that wrote it (see manifest.json: berthVersion).',
    );
  return doc as BackupManifest;
}
