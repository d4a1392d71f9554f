// The pure parts of backup and restore: the archive's sums and refusals, what a backup takes (dumps instead of a
// running database's files, a stopped one copied raw and bound to its architecture, caches left out), the
// verification's override, and the ages berth status prints.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { ArchiveWriter } from '../../src/backup/archive.js';
import { planBackup, publish, pruneArchives } from '../../src/backup/backup.js';
import { checkArchive, type BackupManifest } from '../../src/backup/manifest.js';
import { refuseFullHostFolders, refuseMismatch, refuseNoSpace } from '../../src/backup/restore.js';
import { verifyOverride } from '../../src/backup/verify-override.js';
import { ageText, backupLines } from '../../src/commands/status.js';
import type { OpenInstall } from '../../src/steps/open-install.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'berth-backup-unit-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const manifest = (over: Partial<BackupManifest> = {}): BackupManifest => ({
  kind: 'berth-backup',
  format: 1,
  berthVersion: '0.1.0',
  createdAt: '2026-11-30T02:00:00.000Z',
  recipe: 'magec',
  recipeVersion: '1.0.0',
  project: 'magec',
  dir: '/opt/magec',
  arch: 'x86_64',
  volumes: [],
  hostPaths: [],
  dumps: [],
  emptyHostPaths: [],
  excluded: [],
  ...over,
});

async function writeArchive(members: [string, string][], first = manifest()): Promise<string> {
  const file = path.join(temp(), 'a.tar.gz');
  const w = new ArchiveWriter(file);
  await w.add({ name: 'manifest.json' }, JSON.stringify(first));
  for (const [name, content] of members) await w.add({ name }, content);
  await w.finish();
  return file;
}

describe('the archive', () => {
  test('round trip: every sum checked, sizes counted per part', async () => {
    const file = await writeArchive([
      ['files/.env', 'POSTGRES_PASSWORD=abc\n'],
      ['volumes/data/a', 'x'.repeat(1000)],
      ['dumps/postgres', 'dump'],
    ]);
    const checked = await checkArchive(file);
    expect(checked.manifest.recipe).toBe('magec');
    expect(checked.members).toBe(4);
    expect(Object.fromEntries(checked.sizes)).toEqual({ files: 22, 'volumes/data': 1000, dumps: 4 });
    expect((await import('node:fs')).statSync(file).mode & 0o777).toBe(0o600);
  });

  test('an altered member, a missing member, a cut-short archive and a foreign file are each refused by name', async () => {
    const file = await writeArchive([['files/.env', 'POSTGRES_PASSWORD=abc\n']]);
    const plain = gunzipSync(readFileSync(file));
    const rewrite = (buf: Buffer) => {
      const out = path.join(temp(), 'x.tar.gz');
      writeFileSync(out, gzipSync(buf));
      return out;
    };
    const altered = Buffer.from(plain);
    altered[altered.indexOf('abc')] = 0x78;
    await expect(checkArchive(rewrite(altered))).rejects.toThrow(
      'has been altered or damaged: files/.env does not match its SHA256 sum.',
    );
    await expect(checkArchive(rewrite(plain.subarray(0, 1024)))).rejects.toThrow(/cut short|cannot be read/);
    const foreign = path.join(temp(), 'f.tar.gz');
    writeFileSync(foreign, gzipSync(Buffer.from('not a tar at all')));
    await expect(checkArchive(foreign)).rejects.toThrow(/cannot be read|not a berth backup/);
    const other = await writeArchive([], { ...manifest(), kind: 'something-else' as 'berth-backup' });
    await expect(checkArchive(other)).rejects.toThrow('is not a berth backup.');
    const newer = await writeArchive([], manifest({ format: 9 }));
    await expect(checkArchive(newer)).rejects.toThrow('is a berth backup of format 9');
  });
});

const install = (state: Partial<OpenInstall['state']>): OpenInstall => ({
  dir: '/opt/app',
  project: 'app',
  composeEnv: {},
  state: { recipe: 'app', recipeVersion: '1.0.0', berthVersion: '0.1.0', files: {}, updatedAt: '', ...state },
});

describe('what a backup takes', () => {
  const config = {
    services: {
      db: {
        image: 'postgres:16',
        volumes: [{ type: 'volume', source: 'app_pg', target: '/var/lib/postgresql/data' }],
      },
      web: {
        image: 'web:1',
        volumes: [
          { type: 'volume', source: 'app_uploads', target: '/up' },
          { type: 'bind', source: '/srv/files', target: '/files' },
        ],
      },
    },
    volumes: {
      pg: { name: 'app_pg' },
      uploads: { name: 'app_uploads' },
      models: { name: 'app_models' },
      ext: { name: 'shared', external: true },
    },
  };
  const state = {
    backup: {
      dumps: [{ id: 'pg', description: 'db', service: 'db', covers: ['pg'], dump: ['d'], restore: ['r'] }],
      exclude: ['models'],
    },
    hostPaths: [
      { path: '/srv/files', description: 'files', data: true },
      { path: '/opt/app/logs', description: 'logs', data: true },
      { path: '/srv/cache', description: 'cache', data: false },
    ],
  };

  test('a running database is dumped and its volume left out; caches, external volumes and the folder’s own paths too', () => {
    const plan = planBackup(install(state), config, [{ Service: 'db', State: 'running' }]);
    expect(plan.dumps.map((d) => d.id)).toEqual(['pg']);
    expect(plan.volumes).toEqual([{ key: 'uploads', name: 'app_uploads', image: 'web:1', archBound: false }]);
    expect(plan.hostPaths).toEqual([{ path: '/srv/files', description: 'files', image: 'web:1' }]);
    expect(plan.excluded).toEqual(['models']);
  });

  test('a stopped database is copied as its files, bound to the architecture', () => {
    const plan = planBackup(install(state), config, [{ Service: 'db', State: 'exited' }]);
    expect(plan.dumps).toEqual([]);
    expect(plan.volumes.find((v) => v.key === 'pg')).toEqual({
      key: 'pg',
      name: 'app_pg',
      image: 'postgres:16',
      archBound: true,
    });
  });

  test('the verification override: no ports, no fixed names or subnets, host folders redirected', () => {
    const text = verifyOverride(
      {
        services: {
          db: {
            image: 'p',
            container_name: 'db',
            volumes: [{ type: 'bind', source: '/db', target: '/data' }],
          },
          web: { image: 'w' },
        },
        networks: { net: { ipam: { config: [{ subnet: '172.20.0.0/16' }] } }, plain: {} },
      },
      manifest({ emptyHostPaths: [{ path: '/db', uid: 999, gid: 999, mode: 0o750 }] }),
      (p) => `/tmp/v${p}`,
    );
    expect(text).toBe(
      [
        'services:',
        '  db:',
        '    ports: !reset []',
        '    container_name: !reset null',
        '    volumes:',
        '      - type: bind',
        '        source: /tmp/v/db',
        '        target: /data',
        '  web:',
        '    ports: !reset []',
        'networks:',
        '  net:',
        '    ipam: !reset {}',
        '',
      ].join('\n'),
    );
  });
});

describe('berth status: backup ages', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  test('ages in the largest whole unit', () => {
    expect(ageText('2026-11-30T11:59:30Z', now)).toBe('30 s ago');
    expect(ageText('2026-11-30T11:00:00Z', now)).toBe('60 min ago');
    expect(ageText('2026-11-30T02:00:00Z', now)).toBe('10 h ago');
    expect(ageText('2026-11-20T12:00:00Z', now)).toBe('10 days ago');
  });
  test('no backup, a backup never verified, and both', () => {
    expect(backupLines({}, now, '/opt/app')).toEqual(['No backup yet: berth backup --dir /opt/app --verify']);
    const last = { archive: '/b/a.tar.gz', at: '2026-11-30T02:00:00Z' };
    expect(backupLines({ lastBackup: last }, now, '/opt/app')).toEqual([
      'Last backup: 10 h ago (/b/a.tar.gz)',
      'No backup verified yet: berth restore --verify /b/a.tar.gz',
    ]);
    expect(backupLines({ lastBackup: last, lastVerified: last }, now, '/opt/app')[1]).toBe(
      'Last verified backup: 10 h ago (/b/a.tar.gz)',
    );
  });
});

describe('restore refuses before anything changes', () => {
  const checked = (over: Partial<BackupManifest>, totalBytes = 1000) => ({
    manifest: manifest(over),
    sizes: new Map(),
    totalBytes,
    members: 3,
  });
  const engineOn = (arch: string) => ({
    exec: async () => ({ exitCode: 0, stdout: `${arch}\n`, stderr: '' }),
    dir: '/',
    env: {},
  });

  test('raw database files from another CPU architecture; a dump travels', async () => {
    const bound = checked({ arch: 'x86_64', volumes: [{ key: 'pg', name: 'app_pg', archBound: true }] });
    await expect(refuseMismatch(engineOn('aarch64'), 'a.tar.gz', bound)).rejects.toThrow(
      'a.tar.gz holds raw database files (pg) written on x86_64; this engine is aarch64, which cannot read them.',
    );
    await expect(refuseMismatch(engineOn('x86_64'), 'a.tar.gz', bound)).resolves.toBeUndefined();
    const portable = checked({
      arch: 'x86_64',
      volumes: [{ key: 'uploads', name: 'app_uploads', archBound: false }],
    });
    await expect(refuseMismatch(engineOn('aarch64'), 'a.tar.gz', portable)).resolves.toBeUndefined();
  });

  test('too little disk names what is needed and what is free', () => {
    expect(() => refuseNoSpace(path.join(temp(), 'new/folder'), checked({}, 1e18))).toThrow(
      /^Not enough disk space to restore: 1100000.0 TB needed near \/tmp\/berth-backup-unit-\w+, .* free\.$/,
    );
    expect(() => refuseNoSpace(temp(), checked({}, 1000))).not.toThrow();
  });

  test('a host folder that already holds files', () => {
    const full = temp();
    writeFileSync(path.join(full, 'PG_VERSION'), '15');
    const empty = temp();
    expect(() =>
      refuseFullHostFolders(manifest({ emptyHostPaths: [{ path: full, uid: 999, gid: 999, mode: 0o750 }] })),
    ).toThrow(`${full} already holds files; the backup would be mixed with them.`);
    expect(() =>
      refuseFullHostFolders(
        manifest({ hostPaths: [{ path: empty, description: 'files', member: 'hostpaths/0' }] }),
      ),
    ).not.toThrow();
  });
});

describe('archive names', () => {
  test('two backups within one second keep both (NAME, NAME-2); --keep counts the second as the newer', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-names-'));
    try {
      const dated = path.join(dir, 'shop-20261130-101010.tar.gz');
      const put = (content: string, name: string, isDated = true) => {
        const partial = path.join(dir, `.${content}.partial`);
        writeFileSync(partial, content);
        return publish(partial, name, isDated);
      };
      expect(put('first', dated)).toBe(dated);
      expect(put('second', dated)).toBe(path.join(dir, 'shop-20261130-101010-2.tar.gz'));
      expect(readFileSync(dated, 'utf8')).toBe('first');
      put('older', path.join(dir, 'shop-20261130-090000.tar.gz'));
      pruneArchives(dir, 'shop', 2, '');
      expect(readdirSync(dir).sort()).toEqual([
        'shop-20261130-101010-2.tar.gz',
        'shop-20261130-101010.tar.gz',
      ]);
      // A name the user gave is theirs: written over.
      const mine = path.join(dir, 'mine.tar.gz');
      put('a', mine, false);
      expect(put('b', mine, false)).toBe(mine);
      expect(readFileSync(mine, 'utf8')).toBe('b');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
