// berth backup / restore on a real Docker engine with real PostgreSQL (test/fixtures/backup-stack: its data in a
// host folder that a dump stands for, a named volume and a host folder copied as they are, a cache left out).
// Rows written → backup → uninstall --purge → restore into a new folder → the rows, files and password are back;
// --verify passes and a damaged or altered archive is refused before anything changes; a backup killed with
// SIGKILL leaves no archive under its final name; a restore over an install that fails puts that install back.
// Without an engine or the images this test fails (never skips).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { berth, bundle, cleanEnv, fixtures, modeOf } from '../helpers.js';
import {
  docker,
  dotenvValue,
  fastHealthchecks,
  MAGEC_TEST_IMAGES,
  freePort,
  inService,
  requireEngine,
  serviceStates,
  text,
  useStacks,
} from './harness.js';

const IMAGES = ['berth-test/postgres:1', 'berth-test/busybox:1'];
const RECIPE = path.join(fixtures, 'backup-stack');
const { root, newStack } = useStacks('backup');

async function installAt(dir: string, dataDir: string) {
  const port = await freePort();
  const r = await berth([
    ...['install', '--recipe', RECIPE, '--dir', dir, '--yes'],
    ...['--data-dir', dataDir, '--web-port', String(port), '--wait-timeout', '120'],
  ]);
  expect(r.exitCode, text(r)).toBe(0);
}

const sql = (dir: string, query: string) =>
  inService(
    dir,
    'postgres',
    `PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U app -d app --no-psqlrc -tAc "${query}"`,
  );
const rows = async (dir: string) => Number(await sql(dir, 'select count(*) from notes'));
const archivesIn = (folder: string) => readdirSync(folder).filter((n) => n.endsWith('.tar.gz'));

/** Runs the backup and returns the one new archive in `out`. */
async function backup(dir: string, out: string, ...extra: string[]): Promise<string> {
  const before = existsSync(out) ? archivesIn(out) : [];
  const r = await berth(['backup', '--dir', dir, '--output', out, ...extra], {});
  expect(r.exitCode, text(r)).toBe(0);
  const added = archivesIn(out).filter((n) => !before.includes(n));
  expect(added).toHaveLength(1);
  return path.join(out, added[0]!);
}

describe('berth backup and restore on a real engine', () => {
  test('rows → backup → uninstall --purge → restore into a new folder: rows, files, owner and password are back', async () => {
    await requireEngine(IMAGES);
    const stack = await newStack();
    const data = path.join(root, `${stack.project}-data`);
    await installAt(stack.dir, data);
    await sql(
      stack.dir,
      'create table notes(id int, body text); insert into notes select g, md5(g::text) from generate_series(1,5000) g',
    );
    await inService(
      stack.dir,
      'web',
      'echo uploaded >/www/page.html; echo kept >/files/a.txt; echo cached >/cache/c',
    );
    const password = dotenvValue(stack.dir, 'POSTGRES_PASSWORD');
    const out = path.join(root, `${stack.project}-backups`);

    const archive = await backup(stack.dir, out);
    expect(path.basename(archive)).toMatch(new RegExp(`^${stack.project}-\\d{8}-\\d{6}\\.tar\\.gz$`));
    expect(modeOf(archive)).toBe('0600');
    expect(readdirSync(out).filter((n) => n.includes('partial'))).toEqual([]);
    const members = tarNames(archive);
    expect(members[0]).toBe('manifest.json');
    expect(members.at(-1)).toBe('SHA256SUMS');
    expect(members).toContain('dumps/postgres');
    expect(members).toContain('files/.env');
    // The dump stands for the database's host folder; the cache is left out.
    expect(members.some((m) => m.startsWith('hostpaths/0/'))).toBe(true);
    expect(members.filter((m) => m.includes('pgdata') || m.startsWith('volumes/cache'))).toEqual([]);
    const manifest = JSON.parse(tarMember(archive, 'manifest.json').toString()) as Record<string, unknown>;
    expect(JSON.stringify(manifest)).not.toContain(password);
    expect(manifest.excluded).toEqual(['cache']);
    const status = await berth(['status', '--dir', stack.dir]);
    expect(text(status)).toMatch(/Last backup: \d+ s ago/);
    expect(text(status)).toContain('No backup verified yet');

    const purge = await berth(['uninstall', '--dir', stack.dir, '--purge', '--yes']);
    expect(purge.exitCode, text(purge)).toBe(0);
    expect(existsSync(stack.dir)).toBe(false);
    // The data folders the uninstall kept would be mixed with the backup: refused, nothing changed.
    const target = path.join(root, `${stack.project}-restored`);
    const mixed = await berth(['restore', archive, '--dir', target]);
    expect(mixed.exitCode, text(mixed)).toBe(2);
    expect(text(mixed)).toContain(`${path.join(data, 'files')}, ${path.join(data, 'db')} already hold files`);
    expect(existsSync(target)).toBe(false);
    await docker(
      ['run', '--rm', '-v', `${data}:/d`, 'berth-test/busybox:1', 'rm', '-rf', '/d/db', '/d/files'],
      root,
    );

    const restored = await berth(['restore', archive, '--dir', target, '--wait-timeout', '120']);
    expect(restored.exitCode, text(restored)).toBe(0);
    expect(text(restored)).toContain('every SHA256 sum matches');
    expect(Object.values(await serviceStates(target))).toEqual(['running healthy', 'running healthy']);
    expect(await rows(target)).toBe(5000);
    expect(dotenvValue(target, 'POSTGRES_PASSWORD')).toBe(password);
    expect(modeOf(path.join(target, '.env'))).toBe('0600');
    // The password opens the database over TCP (scram), from the restored .env.
    expect(
      await inService(
        target,
        'postgres',
        'PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U app -d app -tAc "select 1"',
      ),
    ).toBe('1');
    expect(await inService(target, 'web', 'cat /www/page.html /files/a.txt; ls /cache | wc -l')).toBe(
      'uploaded\nkept\n0',
    );
    const db = statSync(path.join(data, 'db'));
    expect([db.uid, (db.mode & 0o777).toString(8)]).toEqual([999, '750']);
    expect(text(await berth(['status', '--dir', target]))).toMatch(/Last backup: \d+ (s|min) ago/);
  }, 300_000);

  test('--verify restores into a throwaway project; a damaged or altered archive is refused with nothing changed', async () => {
    await requireEngine(IMAGES);
    const stack = await newStack();
    await installAt(stack.dir, path.join(root, `${stack.project}-data`));
    await sql(stack.dir, 'create table notes(id int); insert into notes select generate_series(1,300)');
    const out = path.join(root, `${stack.project}-backups`);
    const archive = await backup(stack.dir, out, '--verify', '--keep', '1');
    const status = await berth(['status', '--dir', stack.dir]);
    expect(text(status)).toMatch(/Last verified backup: \d+ s ago/);
    // The throwaway project is gone, and the install was not touched.
    const verifyLeft = await docker(
      ['ps', '-aq', '--filter', `label=com.docker.compose.project=${stack.project}-verify`],
      root,
    );
    expect(String(verifyLeft.stdout).trim()).toBe('');
    expect(await rows(stack.dir)).toBe(300);

    // One changed byte inside a member (the gzip itself still sound): its sum no longer matches.
    const plain = gunzipSync(readFileSync(archive));
    const at = plain.indexOf(Buffer.from('POSTGRES_PASSWORD='));
    expect(at).toBeGreaterThan(0);
    plain[at + 20] = plain[at + 20] === 0x41 ? 0x42 : 0x41;
    const altered = path.join(out, 'altered.tar.gz');
    writeFileSync(altered, gzipSync(plain), { mode: 0o600 });
    const refused = await berth(['restore', altered, '--dir', stack.dir]);
    expect(refused.exitCode, text(refused)).toBe(2);
    expect(text(refused)).toContain('has been altered or damaged: files/.env does not match its SHA256 sum');
    // One flipped byte of the compressed file: it does not even read.
    const raw = readFileSync(archive);
    const middle = Math.floor(raw.length / 2);
    raw[middle] = raw[middle]! ^ 0xff;
    const damaged = path.join(out, 'damaged.tar.gz');
    writeFileSync(damaged, raw, { mode: 0o600 });
    const refusedToo = await berth(['restore', '--verify', damaged]);
    expect(refusedToo.exitCode, text(refusedToo)).toBe(2);
    expect(text(refusedToo)).toMatch(/damaged|altered/);
    // Cut short: no SHA256SUMS.
    const cut = path.join(out, 'cut.tar.gz');
    writeFileSync(cut, gzipSync(plain.subarray(0, Math.floor(plain.length / 2))), { mode: 0o600 });
    expect(text(await berth(['restore', '--verify', cut]))).toMatch(/cut short|not a complete berth backup/);
    expect(Object.values(await serviceStates(stack.dir))).toEqual(['running healthy', 'running healthy']);
    expect(await rows(stack.dir)).toBe(300);
    // --keep 1: a second backup leaves only itself.
    await backup(stack.dir, out, '--keep', '1');
    expect(archivesIn(out).filter((n) => n.startsWith(stack.project))).toHaveLength(1);
  }, 300_000);

  test('a backup killed with SIGKILL leaves no archive under its final name; the next one cleans up and completes', async () => {
    await requireEngine(IMAGES);
    const stack = await newStack();
    await installAt(stack.dir, path.join(root, `${stack.project}-data`));
    // Enough data that the copy is still running when the kill comes.
    await inService(stack.dir, 'web', 'dd if=/dev/urandom of=/www/big bs=1M count=150 2>/dev/null');
    const out = path.join(root, `${stack.project}-backups`);
    const child = spawn(process.execPath, [bundle, 'backup', '--dir', stack.dir, '--output', out], {
      env: cleanEnv(),
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 60_000;
    // Killed once the archive is being written and the volume copy has begun.
    while (Date.now() < deadline) {
      const partial = existsSync(out) ? readdirSync(out).find((n) => n.endsWith('.partial')) : undefined;
      if (partial && statSync(path.join(out, partial)).size > 1_000_000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await exited;
    expect(archivesIn(out)).toEqual([]);
    expect(readdirSync(out).some((n) => n.endsWith('.partial'))).toBe(true);

    const archive = await backup(stack.dir, out);
    expect(readdirSync(out)).toEqual([path.basename(archive)]);
    const carriers = await docker(['ps', '-aq', '--filter', `label=berth.backup=${stack.project}`], root);
    expect(String(carriers.stdout).trim()).toBe('');
    expect(tarNames(archive)).toContain('volumes/uploads/big');
  }, 300_000);

  test('a restore over an install that fails puts that install back; one that succeeds replaces it', async () => {
    await requireEngine(IMAGES);
    const stack = await newStack();
    await installAt(stack.dir, path.join(root, `${stack.project}-data`));
    await sql(stack.dir, 'create table notes(id int); insert into notes select generate_series(1,100)');
    const archive = await backup(stack.dir, path.join(root, `${stack.project}-backups`));
    await sql(stack.dir, 'insert into notes select generate_series(101,250)');

    // PostgreSQL cannot start on empty storage within one second: the restore fails after it has begun.
    const failed = await berth(['restore', archive, '--dir', stack.dir, '--wait-timeout', '1']);
    expect(failed.exitCode, text(failed)).not.toBe(0);
    expect(text(failed)).toContain('The install that was there before is back, as it was.');
    expect(Object.values(await serviceStates(stack.dir))).toEqual(['running healthy', 'running healthy']);
    expect(await rows(stack.dir)).toBe(250);

    const done = await berth(['restore', archive, '--dir', stack.dir, '--wait-timeout', '120']);
    expect(done.exitCode, text(done)).toBe(0);
    expect(await rows(stack.dir)).toBe(100);
    expect(text(done)).not.toContain('pre-restore');
  }, 300_000);

  test("magec (openai): the recipe's own dump, restore and check pass --verify, rows included", async () => {
    await requireEngine(['berth-test/magec:1', 'berth-test/postgres:1', 'berth-test/redis:1']);
    const stack = await newStack();
    fastHealthchecks(stack.dir, ['magec', 'postgres', 'redis']);
    const key = path.join(root, `${stack.project}-key`);
    writeFileSync(key, `sk-proj-${'b4ck'.repeat(8)}\n`, { mode: 0o600 });
    const installed = await berth([
      ...['install', '--recipe', 'magec', '--dir', stack.dir, '--yes', '--mode', 'openai'],
      ...['--openai-api-key-file', key, '--magec-port', String(await freePort())],
      ...['--admin-port', String(await freePort()), '--wait-timeout', '150', ...MAGEC_TEST_IMAGES],
    ]);
    expect(installed.exitCode, text(installed)).toBe(0);
    const psql = (q: string) =>
      inService(
        stack.dir,
        'postgres',
        `PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U magec -d magec -tAc "${q}"`,
      );
    await psql('create table notes(id int); insert into notes select generate_series(1,42)');
    const out = path.join(root, `${stack.project}-backups`);
    const archive = await backup(stack.dir, out, '--verify', '--wait-timeout', '150');
    const members = tarNames(archive);
    expect(members).toContain('dumps/postgres');
    expect(members).toContain('volumes/magec_data');
    expect(members.some((m) => m.startsWith('volumes/postgres_data'))).toBe(false);
    expect(await psql('select count(*) from notes')).toBe('42');
    expect(text(await berth(['status', '--dir', stack.dir]))).toMatch(
      /Last verified backup: \d+ (s|min) ago/,
    );
  }, 420_000);
});

/** The member names of a .tar.gz, in order (tar's own listing). */
function tarNames(archive: string): string[] {
  return listTar(gunzipSync(readFileSync(archive)));
}

function tarMember(archive: string, name: string): Buffer {
  const data = gunzipSync(readFileSync(archive));
  for (const m of walkTar(data)) if (m.name === name) return m.content;
  throw new Error(`${name} is not in ${archive}`);
}

function listTar(data: Buffer): string[] {
  return [...walkTar(data)].filter((m) => !m.meta).map((m) => m.name);
}

/** A small reader of ustar/pax headers: enough to list what berth wrote, independent of berth's own reader. */
function* walkTar(data: Buffer): Generator<{ name: string; content: Buffer; meta: boolean }> {
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= data.length) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const prefix = field(345, 155);
    const content = data.subarray(offset + 512, offset + 512 + size);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    if (type === 'x') {
      const path = /\d+ path=([^\n]*)\n/.exec(content.toString('utf8'));
      if (path) longName = path[1];
      yield { name, content, meta: true };
    } else yield { name: name.replace(/\/$/, ''), content, meta: false };
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}
