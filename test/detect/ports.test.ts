// Ports: a real listener on this machine is seen as taken, with its process; the /proc/net table is parsed.
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { probePorts } from '../../src/detect/ports.js';
import { probeEnv, rooted } from '../../src/detect/probe.js';
import { listenersIn } from '../../src/diagnose/port-holder.js';
import { fixtures } from '../helpers.js';

describe('probePorts', () => {
  it('reports a real listener and the process holding it (this test process)', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const [taken] = await probePorts([port], probeEnv());
      expect(taken).toMatchObject({ port, free: false, holder: { pid: process.pid } });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const [free] = await probePorts([port], probeEnv());
    expect(free).toEqual({ port, free: true });
  });

  it('reads listening sockets from a FIXTURE /proc/net/tcp; a holder it cannot see is left out', async () => {
    const p = probeEnv({ root: path.join(fixtures, 'machines/no-gpu/root') });
    expect(listenersIn(rooted(p, '/proc'))?.map((l) => [l.port, l.inode])).toEqual([[80, 4242]]);
    expect(await probePorts([443, 80, 80], p)).toEqual([
      { port: 80, free: false },
      { port: 443, free: true },
    ]);
  });
});
