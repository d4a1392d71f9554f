// A fake Docker engine for fixture machines: answers GET /info on a unix socket with a fixture's JSON.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export async function fakeEngine(
  infoFile: string,
  socketDir: string,
): Promise<{ host: string; close: () => Promise<void> }> {
  const socket = path.join(socketDir, 'docker.sock');
  const info = existsSync(infoFile) ? readFileSync(infoFile, 'utf8') : undefined;
  const server = http.createServer((req, res) => {
    if (req.url === '/info' && info) res.writeHead(200, { 'content-type': 'application/json' }).end(info);
    else res.writeHead(404).end('{"message":"page not found"}');
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return {
    host: `unix://${socket}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
