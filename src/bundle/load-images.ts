// `docker load` of a verified bundle's images, straight from the bundle file (the gzip'd `docker save` is read in
// place; docker load takes it compressed), with the bytes loaded at each tenth. Then every image the manifest
// names must be in the engine.
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadExeca } from '../compose/exec.js';
import { BerthError, ExitCode } from '../errors.js';
import { IMAGES_FILE, megabytes } from './write-bundle.js';
import { memberStream, type Bundle } from './read-bundle.js';

export async function loadBundleImages(
  bundle: Bundle,
  env: Record<string, string>,
  say: (line: string) => void,
): Promise<string[]> {
  const { execa } = await loadExeca();
  const total = bundle.entries.get(IMAGES_FILE)!.size;
  const names = bundle.manifest.images.map((i) => i.name);
  say(
    `Loading ${names.length} image(s) from the bundle into the Docker engine (${megabytes(total)} compressed)…\n`,
  );
  const child = execa('docker', ['load'], {
    env,
    extendEnv: false,
    stdin: 'pipe',
    buffer: { stdout: true, stderr: true },
    reject: false,
  });
  let read = 0;
  let shown = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length;
      const tenth = Math.floor((read / Math.max(total, 1)) * 10);
      if (tenth > shown) {
        shown = tenth;
        say(`  ${megabytes(read)} of ${megabytes(total)} loaded\n`);
      }
      done(null, chunk);
    },
  });
  // A docker load that dies early closes its stdin: its exit status, below, says why.
  await pipeline(memberStream(bundle, IMAGES_FILE), counter, child.stdin!).catch(() => undefined);
  const result = await child;
  if (result.exitCode !== 0)
    throw new BerthError(`docker load of the bundle's images failed: ${String(result.stderr).trim()}`, {
      exitCode: ExitCode.compose,
      hint: 'Check the free disk space of the Docker engine (docker system df) and that it answers docker info.',
    });
  for (const line of String(result.stdout).split('\n').filter(Boolean)) say(`  ${line.trim()}\n`);
  return names;
}
