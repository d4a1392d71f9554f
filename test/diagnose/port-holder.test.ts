// Who holds a port: /proc parsing over a FIXTURE /proc tree (test/diagnose/fixtures/proc, see its README),
// and docker ps's Ports column.
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  containerOnPort,
  parseProcNetTcp,
  processOnPort,
  publishedPorts,
  type PortHolder,
} from '../../src/diagnose/port-holder.js';

const FIXTURE_PROC = path.join(import.meta.dirname, 'fixtures/proc');

describe('processOnPort over a fixture /proc tree', () => {
  test.each<[number, PortHolder]>([
    [8080, { kind: 'process', pid: 123, name: 'nginx', holder: 'nginx (pid 123)' }],
    [9000, { kind: 'process', pid: 300, name: 'node', holder: 'node (pid 300)' }],
    // no comm file: the process is still named by pid
    [9001, { kind: 'process', pid: 301, name: 'a process', holder: 'a process (pid 301)' }],
    // listening, but no process here has the socket open (another user's, seen without root)
    [5432, { kind: 'hidden', inode: 5555 }],
    [7000, { kind: 'none' }],
  ])('port %i', (port, holder) => {
    expect(processOnPort(FIXTURE_PROC, port)).toEqual(holder);
  });

  test('a /proc that is not there: none, no exception', () => {
    expect(processOnPort('/nonexistent/proc', 8080)).toEqual({ kind: 'none' });
  });
});

describe('parseProcNetTcp', () => {
  test('LISTEN sockets only, addresses decoded (IPv4 and IPv6), malformed lines skipped', () => {
    const header =
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
    const line = (local: string, st: string, inode: number) =>
      `   0: ${local} 00000000:0000 ${st} 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0 100 0 0 10 0`;
    const text = [
      header,
      line('0100007F:1F90', '0A', 1),
      line('0100007F:1F90', '01', 2),
      line('00000000:0050', '0A', 3),
      line('00000000000000000000000001000000:2329', '0A', 4),
      line('000080FE00000000FF005450B6AD1DFE:01BB', '0A', 5),
      'garbage',
      '',
    ].join('\n');
    expect(parseProcNetTcp(text)).toEqual([
      { address: '127.0.0.1', port: 8080, inode: 1 },
      { address: '0.0.0.0', port: 80, inode: 3 },
      { address: '::1', port: 9001, inode: 4 },
      { address: 'fe80::5054:ff:fe1d:adb6', port: 443, inode: 5 },
    ]);
  });
});

describe('docker ps Ports', () => {
  test.each<[string, number[]]>([
    ['127.0.0.1:18556->80/tcp', [18556]],
    ['0.0.0.0:8080->80/tcp, :::8080->80/tcp', [8080, 8080]],
    ['0.0.0.0:8000-8002->8000-8002/tcp', [8000, 8001, 8002]],
    ['5432/tcp', []],
    ['', []],
  ])('%j', (ports, expected) => {
    expect(publishedPorts(ports)).toEqual(expected);
  });

  test('containerOnPort: the container publishing it; other lines and bad JSON ignored', () => {
    const stdout = [
      JSON.stringify({ Names: 'pgt-db', Ports: '5432/tcp' }),
      'not json',
      JSON.stringify({ Names: 'shop-web-1', Ports: '0.0.0.0:8080->80/tcp, :::8080->80/tcp' }),
    ].join('\n');
    expect(containerOnPort(stdout, 8080)).toBe('shop-web-1');
    expect(containerOnPort(stdout, 5432)).toBeUndefined();
    expect(containerOnPort('', 80)).toBeUndefined();
  });
});
