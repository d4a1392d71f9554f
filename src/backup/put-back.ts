// Puts an archive's contents back in one pass over it (restore and verify alike): the install folder, then each
// volume and host folder through a carrier container, dumps spooled to a private folder; then the databases
// started on empty storage and their dumps loaded, the whole stack up and healthy, and each database's check.
import {
  chownSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  chmodSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Context } from '../context.js';
import { BerthError } from '../errors.js';
import { installIn } from '../steps/open-install.js';
import { parseDotenv } from '../render/dotenv.js';
import { readArchive, type Header } from './archive.js';
import {
  composeConfig,
  composeExecIn,
  copyIn,
  createCarrier,
  type ComposeConfig,
  type Where,
} from './engine.js';
import type { BackupManifest } from './manifest.js';
import { Meter } from './meter.js';
import { VERIFY_FILE } from './verify-override.js';

export interface Target {
  dir: string;
  project: string;
  /** Where a host folder of the backup goes (itself on a restore, a temporary folder on a verify). */
  hostPath: (p: string) => string;
  quiet?: boolean | undefined;
  waitTimeout?: number | undefined;
  /** A verification writes its override once the files are there (it needs their compose config). */
  beforeStart?: (w: Where) => Promise<void>;
}

/** One open carrier: a volume or host folder being filled from the archive. */
interface Filling {
  group: string;
  pack: tar.Pack;
  finished: Promise<void>;
  carrier: string;
}

export async function putBack(ctx: Context, archive: string, m: BackupManifest, t: Target): Promise<void> {
  mkdirSync(t.dir, { recursive: true, mode: 0o755 });
  const spool = mkdtempSync(path.join(os.tmpdir(), 'berth-restore-'));
  const meter = new Meter(ctx.stderr, t.quiet === true);
  let w: Where | undefined;
  let config: ComposeConfig | undefined;
  let filling: Filling | undefined;
  const counter = { bytesIn: 0 };
  const close = async () => {
    if (!filling) return;
    const f = filling;
    filling = undefined;
    f.pack.finalize();
    try {
      await f.finished;
    } finally {
      await w!.exec('docker', ['rm', '-f', f.carrier], { env: w!.env, timeoutMs: 60_000 });
    }
  };
  try {
    await meter.item('put back the files, volumes and host folders', counter, () =>
      readArchive(archive, async ({ header, stream }) => {
        const [top] = header.name.split('/');
        if (top === 'files') {
          await writeMember(t.dir, header, stream, counter);
          return;
        }
        if (top !== 'dumps' && top !== 'volumes' && top !== 'hostpaths') return;
        if (!w) {
          w = await prepareFolder(ctx, t, m);
          config = await composeConfig(w);
        }
        if (top === 'dumps') {
          const id = header.name.slice('dumps/'.length);
          await pipeline(stream, createWriteStream(path.join(spool, id), { mode: 0o600 }));
          return;
        }
        const group = header.name.split('/').slice(0, 2).join('/');
        if (filling?.group !== group) {
          await close();
          filling = await openFilling(w, config!, t, m, group);
        }
        const rest = header.name.slice(group.length);
        const h: Header = { ...header, name: `berth-data${rest}` };
        if (header.type === 'link' && header.linkname)
          h.linkname = `berth-data${header.linkname.slice(group.length)}`;
        stream.on('data', (c: Buffer) => (counter.bytesIn += c.length));
        await pipeline(stream, filling!.pack.entry(h));
      }),
    );
    await close();
    w ??= await prepareFolder(ctx, t, m);
    for (const d of m.dumps)
      await meter.item(`load ${d.description}`, counter, () => loadDump(w!, d, spool, t, counter));
    await up(w, [], t);
    for (const d of m.dumps) await runCheck(w, d);
  } finally {
    await close().catch(() => undefined);
    rmSync(spool, { recursive: true, force: true });
  }
}

/** The install folder's .env names the project (a verification's own), and empty host folders are made again. */
async function prepareFolder(ctx: Context, t: Target, m: BackupManifest): Promise<Where> {
  const envFile = path.join(t.dir, '.env');
  if (t.project !== m.project) setEnv(envFile, 'COMPOSE_PROJECT_NAME', t.project);
  for (const h of m.emptyHostPaths) {
    const p = t.hostPath(h.path);
    mkdirSync(p, { recursive: true });
    chmodSync(p, h.mode);
    if (process.getuid?.() === 0) chownSync(p, h.uid, h.gid);
  }
  const w = whereFor(ctx, t.dir);
  if (t.beforeStart) {
    await t.beforeStart(w);
    const files = parseDotenv(readFileSync(envFile, 'utf8')).COMPOSE_FILE;
    setEnv(envFile, 'COMPOSE_FILE', `${files ?? 'compose.yaml'}:${VERIFY_FILE}`);
    return whereFor(ctx, t.dir);
  }
  return w;
}

const whereFor = (ctx: Context, dir: string): Where => {
  const install = installIn(dir, ctx.env);
  if (!install) throw new BerthError(`The archive holds no berth install (no .berth/state.json in ${dir}).`);
  return { exec: ctx.exec, dir, env: install.composeEnv };
};

/** Replaces (or adds) one plain variable of a dotenv file, keeping everything else byte for byte. */
function setEnv(file: string, name: string, value: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${name}=`));
  const line = `${name}=${value}`;
  if (at >= 0) lines[at] = line;
  else lines.splice(lines.length - 1, 0, line);
  writeFileSync(file, lines.join('\n'), { mode: 0o600 });
}

async function openFilling(
  w: Where,
  config: ComposeConfig,
  t: Target,
  m: BackupManifest,
  group: string,
): Promise<Filling> {
  const [kind, key] = group.split('/') as ['volumes' | 'hostpaths', string];
  let mount: string;
  let image: string | undefined;
  if (kind === 'volumes') {
    mount = config.volumes?.[key]?.name ?? `${t.project}_${key}`;
    await createVolume(w, mount, t.project, key);
    image = await carrier(w, config, mount, 'volume');
  } else {
    const original = m.hostPaths[Number(key)]!.path;
    mount = t.hostPath(original);
    mkdirSync(mount, { recursive: true });
    image = await carrier(w, config, original, 'bind');
  }
  const id = await createCarrier(w, t.project, mount, image, false);
  const pack = tar.pack();
  const target = copyIn(w, id, `Restoring ${mount}`);
  const finished = Promise.all([pipeline(pack, target.stream), target.done()]).then(() => undefined);
  finished.catch(() => undefined);
  return { group, pack, finished, carrier: id };
}

/** A volume compose will take as its own (its project and volume labels), so `up` and `uninstall` know it. */
async function createVolume(w: Where, name: string, project: string, key: string): Promise<void> {
  const r = await w.exec(
    'docker',
    [
      'volume',
      'create',
      '--label',
      `com.docker.compose.project=${project}`,
      '--label',
      `com.docker.compose.volume=${key}`,
      name,
    ],
    { env: w.env, timeoutMs: 60_000 },
  );
  if (r.exitCode !== 0) throw new BerthError(`Could not create the volume ${name}: ${r.stderr.trim()}`);
}

/** The image to carry a mount with: one already on this engine if possible (a new machine may be offline). */
async function carrier(
  w: Where,
  config: ComposeConfig,
  source: string,
  type: 'volume' | 'bind',
): Promise<string> {
  const services = Object.values(config.services).filter((s) => s.image);
  const users = services.filter((s) => s.volumes?.some((v) => v.type === type && v.source === source));
  const candidates = [...new Set([...users, ...services].map((s) => s.image!))];
  for (const image of candidates) {
    const r = await w.exec('docker', ['image', 'inspect', '--format', '{{.Id}}', image], {
      env: w.env,
      timeoutMs: 30_000,
    });
    if (r.exitCode === 0) return image;
  }
  return candidates[0]!;
}

async function writeMember(
  dir: string,
  header: Header,
  stream: NodeJS.ReadableStream,
  counter: { bytesIn: number },
) {
  const rel = header.name.slice('files'.length).replace(/^\//, '');
  const target = rel ? path.join(dir, rel) : dir;
  if (!target.startsWith(dir))
    throw new BerthError(`The archive names a path outside the folder: ${header.name}`);
  const mode = (header.mode ?? 0o644) & 0o7777;
  if (header.type === 'directory') mkdirSync(target, { recursive: true, mode });
  else if (header.type === 'symlink') {
    rmSync(target, { force: true });
    symlinkSync(header.linkname!, target);
  } else if (header.type === 'file') {
    stream.on('data', (c: Buffer) => (counter.bytesIn += c.length));
    await pipeline(stream, createWriteStream(target, { mode }));
  }
  if (header.type !== 'symlink') {
    chmodSync(target, mode);
    if (process.getuid?.() === 0 && header.uid !== undefined)
      chownSync(target, header.uid, header.gid ?? header.uid);
  }
}

/** The database alone first, on empty storage; then its dump as the restore command's standard input. */
async function loadDump(
  w: Where,
  d: BackupManifest['dumps'][number],
  spool: string,
  t: Target,
  counter: { bytesIn: number },
): Promise<void> {
  const spec = dumpSpec(w, d.id);
  await up(w, [d.service], t);
  const run = composeExecIn(w, d.service, spec.restore, `Loading the dump of ${d.description}`);
  const dump = createReadStream(path.join(spool, d.id));
  dump.on('data', (c) => (counter.bytesIn += c.length));
  await Promise.all([pipeline(dump, run.stream), run.done()]);
}

/** The dump's restore and check commands, as the restored install recorded them. */
function dumpSpec(w: Where, id: string) {
  const state = JSON.parse(readFileSync(path.join(w.dir, '.berth/state.json'), 'utf8')) as {
    backup?: { dumps: { id: string; restore: string[]; check?: string[] }[] };
  };
  const spec = state.backup?.dumps.find((d) => d.id === id);
  if (!spec) throw new BerthError(`The restored install does not say how to load the dump ${id}.`);
  return spec;
}

async function up(w: Where, services: string[], t: Target): Promise<void> {
  const timeout = String(t.waitTimeout ?? 600);
  const r = await w.exec(
    'docker',
    ['compose', 'up', '--detach', '--wait', '--wait-timeout', timeout, ...services],
    {
      cwd: w.dir,
      env: w.env,
      timeoutMs: (Number(timeout) + 600) * 1000,
    },
  );
  if (r.exitCode !== 0)
    throw new BerthError(
      `The restored stack did not come up healthy${services.length ? ` (${services.join(', ')})` : ''}: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`,
      { hint: `See why with: docker compose --project-directory ${w.dir} logs` },
    );
}

async function runCheck(w: Where, d: BackupManifest['dumps'][number]): Promise<void> {
  const spec = dumpSpec(w, d.id);
  if (!spec.check) return;
  const r = await w.exec('docker', ['compose', 'exec', '-T', d.service, ...spec.check], {
    cwd: w.dir,
    env: w.env,
    timeoutMs: 120_000,
  });
  if (r.exitCode !== 0)
    throw new BerthError(
      `${d.description} does not open with the restored password: ${r.stderr.trim().split('\n').slice(-2).join(' ')}`,
      { hint: 'The backup and its .env do not belong together; use another backup.' },
    );
}
