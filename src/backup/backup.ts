// `berth backup`: one archive of an install — its files and secrets, every named volume and data host folder
// (copied through a container that never starts), and a consistent dump of each database the recipe declares,
// taken in the running container so the app keeps running. Written 0600 under a temporary name, renamed whole.
import {
  closeSync,
  createReadStream,
  linkSync,
  unlinkSync,
  createWriteStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tar from 'tar-stream';
import type { Context } from '../context.js';
import { BerthError } from '../errors.js';
import { composePs } from '../compose/ps.js';
import type { OpenInstall } from '../steps/open-install.js';
import { berthVersion } from '../version.js';
import { ArchiveWriter, MANIFEST } from './archive.js';
import {
  carrierImage,
  composeConfig,
  composeExecOut,
  copyOut,
  createCarrier,
  engineArch,
  removeCarriers,
  type ComposeConfig,
  type Where,
} from './engine.js';
import { addFolder } from './folder.js';
import { BACKUP_FORMAT, BACKUP_KIND, type BackupManifest } from './manifest.js';
import { Meter } from './meter.js';
import { recordBackup } from './record.js';
import { pipeline } from 'node:stream/promises';

export interface BackupOptions {
  /** A folder (the archive gets a dated name in it) or a file name ending in .tar.gz. */
  output?: string | undefined;
  /** Keep only the newest N archives of this install in that folder. */
  keep?: number | undefined;
  quiet?: boolean | undefined;
}

export interface BackupResult {
  archive: string;
  bytes: number;
  /** Bytes of content before compression. */
  contentBytes: number;
  seconds: number;
}

/** Where archives go by default: outside the install folder, so `uninstall --purge` never takes them. */
export function defaultBackupDir(facts: { uid: number }, env: Record<string, string | undefined>): string {
  if (facts.uid === 0) return '/var/backups/berth';
  return path.join(env.XDG_DATA_HOME ?? path.join(env.HOME ?? os.homedir(), '.local/share'), 'berth/backups');
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
export const archivePattern = (project: string) =>
  new RegExp(`^${project.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{8}-\\d{6}(-\\d+)?\\.tar\\.gz$`);
/** Oldest first: by the time in the name, then the number a second archive of the same second got. */
const archiveOrder = (name: string) => {
  const m = /-(\d{8}-\d{6})(?:-(\d+))?\.tar\.gz$/.exec(name);
  return m ? `${m[1]}-${(m[2] ?? '1').padStart(6, '0')}` : name;
};

/**
 * The finished archive under its final name, never over another one: two backups within one second get
 * NAME.tar.gz and NAME-2.tar.gz. A name the user gave (--output FILE.tar.gz) is theirs to reuse.
 */
export function publish(partial: string, file: string, dated: boolean): string {
  if (!dated) {
    renameSync(partial, file);
    return file;
  }
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? file : file.replace(/\.tar\.gz$/, `-${i}.tar.gz`);
    try {
      linkSync(partial, candidate);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    unlinkSync(partial);
    return candidate;
  }
}

function targetFile(ctx: Context, install: OpenInstall, output: string | undefined): string {
  const chosen = output ? path.resolve(ctx.cwd, output) : defaultBackupDir(ctx.facts, ctx.env);
  if (chosen.endsWith('.tar.gz')) return chosen;
  return path.join(chosen, `${install.project}-${stamp(ctx.now())}.tar.gz`);
}

export async function createBackup(
  ctx: Context,
  install: OpenInstall,
  opts: BackupOptions = {},
): Promise<BackupResult> {
  const started = Date.now();
  const w: Where = { exec: ctx.exec, dir: install.dir, env: install.composeEnv };
  const target = targetFile(ctx, install, opts.output);
  const folder = path.dirname(target);
  ensureFolder(folder);
  const partial = path.join(folder, `.${path.basename(target)}.${process.pid}.partial`);
  removeStalePartials(folder);
  await removeCarriers(w, install.project);
  const [config, rows, arch] = await Promise.all([
    composeConfig(w),
    composePs(ctx.exec, install.dir, install.composeEnv),
    engineArch(w),
  ]);
  const plan = planBackup(install, config, rows);
  const writer = new ArchiveWriter(partial);
  const meter = new Meter(ctx.stderr, opts.quiet === true);
  try {
    const manifest: BackupManifest = {
      kind: BACKUP_KIND,
      format: BACKUP_FORMAT,
      berthVersion: berthVersion(),
      createdAt: ctx.now().toISOString(),
      recipe: install.state.recipe,
      recipeVersion: install.state.recipeVersion,
      project: install.project,
      dir: install.dir,
      arch,
      volumes: plan.volumes.map(({ key, name, archBound }) => ({ key, name, archBound })),
      hostPaths: plan.hostPaths.map((h, i) => ({
        path: h.path,
        description: h.description,
        member: `hostpaths/${i}`,
      })),
      dumps: plan.dumps.map((d) => ({
        id: d.id,
        service: d.service,
        description: d.description,
        covers: d.covers,
        member: `dumps/${d.id}`,
      })),
      emptyHostPaths: plan.emptyHostPaths,
      excluded: plan.excluded,
    };
    await writer.add({ name: MANIFEST, mode: 0o600 }, `${JSON.stringify(manifest, null, 2)}\n`);
    await meter.item('the install folder', writer, () =>
      addFolder(writer, install.dir, 'files', (rel) => skipInFolder(rel, install.dir, folder)),
    );
    for (const d of plan.dumps)
      await meter.item(`${d.description} (dump of ${d.service})`, writer, () =>
        addDump(w, writer, d, partial),
      );
    for (const v of plan.volumes)
      await meter.item(`volume ${v.name}`, writer, () =>
        addCarried(w, writer, install.project, v.name, v.image, `volumes/${v.key}`),
      );
    for (const [i, h] of plan.hostPaths.entries())
      await meter.item(`host folder ${h.path}`, writer, () =>
        addCarried(w, writer, install.project, h.path, h.image, `hostpaths/${i}`),
      );
    await writer.finish();
  } catch (error) {
    writer.abort();
    rmSync(partial, { force: true });
    await removeCarriers(w, install.project);
    throw error;
  }
  fsyncFile(partial);
  const file = publish(partial, target, !opts.output?.endsWith('.tar.gz'));
  const result: BackupResult = {
    archive: file,
    bytes: statSync(file).size,
    contentBytes: writer.bytesIn,
    seconds: (Date.now() - started) / 1000,
  };
  if (opts.keep !== undefined) pruneArchives(folder, install.project, opts.keep, file);
  recordBackup(install.dir, 'lastBackup', {
    archive: file,
    at: ctx.now().toISOString(),
    bytes: result.bytes,
  });
  return result;
}

interface PlannedDump {
  id: string;
  service: string;
  description: string;
  covers: string[];
  dump: string[];
}
interface BackupPlan {
  volumes: { key: string; name: string; image: string; archBound: boolean }[];
  hostPaths: { path: string; description: string; image: string }[];
  dumps: PlannedDump[];
  emptyHostPaths: BackupManifest['emptyHostPaths'];
  excluded: string[];
}

/**
 * What goes in: a dump for each declared database whose service is running (its volumes are then left out), a raw
 * copy of every other named volume and data host folder outside the install folder. A database that is stopped is
 * copied raw (its files are consistent then), and marked bound to this CPU architecture.
 */
export function planBackup(
  install: OpenInstall,
  config: ComposeConfig,
  rows: { Service: string; State: string }[],
): BackupPlan {
  const spec = install.state.backup ?? { dumps: [], exclude: [] };
  const running = new Set(rows.filter((r) => r.State === 'running').map((r) => r.Service));
  const dumps = spec.dumps.filter((d) => config.services[d.service] && running.has(d.service));
  const dumped = new Set(dumps.flatMap((d) => d.covers));
  const rawDb = new Set(spec.dumps.filter((d) => !dumps.includes(d)).flatMap((d) => d.covers));
  const excluded = Object.keys(config.volumes ?? {}).filter((k) => spec.exclude.includes(k));
  const volumes = Object.entries(config.volumes ?? {})
    .filter(([key, v]) => !v?.external && !dumped.has(key) && !excluded.includes(key))
    .map(([key, v]) => {
      const name = v?.name ?? `${install.project}_${key}`;
      const image = carrierImage(config, name, 'volume');
      if (!image)
        throw new BerthError(`No service of ${install.project} has an image to copy volume ${name} with.`);
      return { key, name, image, archBound: rawDb.has(key) };
    });
  const hostPaths = (install.state.hostPaths ?? [])
    .filter((h) => h.data && !h.path.startsWith(`${install.dir}/`) && !dumped.has(h.path))
    .map((h) => ({ path: h.path, description: h.description, image: carrierImage(config, h.path, 'bind')! }));
  const emptyHostPaths = (install.state.hostPaths ?? [])
    .filter((h) => dumped.has(h.path) && existsSync(h.path))
    .map((h) => {
      const st = statSync(h.path);
      return { path: h.path, uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
    });
  return {
    volumes,
    hostPaths,
    emptyHostPaths,
    dumps: dumps.map(({ id, service, description, covers, dump }) => ({
      id,
      service,
      description,
      covers,
      dump,
    })),
    excluded,
  };
}

/** The install folder's own backups of replaced files and unfinished archives are not part of a backup. */
function skipInFolder(rel: string, dir: string, outFolder: string): boolean {
  if (rel === '.berth/backups' || rel.endsWith('.partial') || rel.endsWith('.tmp')) return true;
  return path.join(dir, rel) === outFolder;
}

/** The dump is spooled to a 0600 file beside the archive first: a tar member needs its size before its bytes. */
async function addDump(w: Where, writer: ArchiveWriter, d: PlannedDump, partial: string): Promise<void> {
  const spool = `${partial}.${d.id}`;
  try {
    const run = composeExecOut(w, d.service, d.dump, `The dump of ${d.description}`);
    await pipeline(run.stream, createWriteStream(spool, { mode: 0o600 }));
    await run.done();
    const size = statSync(spool).size;
    await writer.addStream({ name: `dumps/${d.id}`, size, mode: 0o600 }, createReadStream(spool));
  } finally {
    rmSync(spool, { force: true });
  }
}

/** A volume or host folder: the carrier's tar stream, each member renamed under `prefix/`, hashed and added. */
async function addCarried(
  w: Where,
  writer: ArchiveWriter,
  project: string,
  mount: string,
  image: string,
  prefix: string,
): Promise<void> {
  const carrier = await createCarrier(w, project, mount, image, true);
  try {
    const out = copyOut(w, carrier, `Copying ${mount}`);
    const extract = tar.extract();
    extract.on('entry', (header, stream, next) => {
      const rename = (n: string) => `${prefix}${n.replace(/^berth-data/, '')}`;
      const h = { ...header, name: rename(header.name) };
      if (header.type === 'link' && header.linkname) h.linkname = rename(header.linkname);
      const add = h.type === 'file' ? writer.addStream(h, stream) : writer.add(h).then(() => stream.resume());
      add.then(
        () => next(),
        (e: Error) => extract.destroy(e),
      );
    });
    await Promise.all([pipeline(out.stream, extract), out.done()]);
  } finally {
    await w.exec('docker', ['rm', '-f', carrier], { env: w.env, timeoutMs: 60_000 });
  }
}

function ensureFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new BerthError(`Cannot create the backup folder ${folder} (${(error as Error).message}).`, {
      hint: 'Give a folder you can write to with --output DIR.',
    });
  }
}

/** Unfinished archives of backups whose process is gone. */
function removeStalePartials(folder: string): void {
  for (const name of readdirSync(folder)) {
    const m = /^\..*\.(\d+)\.partial(\..*)?$/.exec(name);
    if (!m) continue;
    let alive = true;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      alive = false;
    }
    if (!alive) rmSync(path.join(folder, name), { force: true });
  }
}

export function pruneArchives(folder: string, project: string, keep: number, current: string): void {
  const pattern = archivePattern(project);
  const archives = readdirSync(folder)
    .filter((n) => pattern.test(n))
    .sort((a, b) => archiveOrder(b).localeCompare(archiveOrder(a)));
  for (const name of archives.slice(keep)) {
    if (path.join(folder, name) !== current) rmSync(path.join(folder, name), { force: true });
  }
}

function fsyncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
