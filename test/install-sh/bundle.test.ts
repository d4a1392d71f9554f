// Offline installs on the real engine: `berth bundle` of magec (openai) from the local test images, re-tagged under a
// repository name of this run alone (other tests use the berth-test/* tags at the same time, so only these private
// tags are ever removed); `install.sh --bundle` in a fresh VM with no network at all (`--network none`, only the
// host's Docker socket) installs berth and brings the stack up healthy on images loaded from the bundle; a bundle
// with one byte changed is refused before anything is loaded; and without a bundle, a missing image whose registry
// cannot be reached gets berth's message, not compose's.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { hostArch } from '../../src/bundle/node-runtime.js';
import { bundleForArch, tamperedCopy } from '../bundle-file.js';
import { berth, bundle as berthMjs } from '../helpers.js';
import { composePs, docker, freePort, text, useStacks } from '../engine/harness.js';
import { removeVm, requireFreshVm, runVm, shellQuote, type VmOptions } from './fresh-vm.js';

const { root, newStack } = useStacks('bundle');
const repo = `berth-bundle-test-${process.pid}`;
const images = ['magec', 'postgres', 'redis'].map((name) => `${repo}/${name}:1`);
const bundleFile = path.join(root, 'magec.berth');
const names: string[] = [];
let vms = 0;

/** nodejs.org's layout for the running Node.js (bin/node only): the runtime the bundle carries. */
async function nodeTarball(): Promise<string> {
  const name = `node-${process.version}-linux-${process.arch}`;
  mkdirSync(path.join(root, name, 'bin'), { recursive: true });
  copyFileSync(realpathSync(process.execPath), path.join(root, name, 'bin/node'));
  const file = path.join(root, `${name}.tar.gz`);
  await execa('sh', ['-c', 'tar -C "$1" -c "$2" | gzip -1 >"$3"', 'sh', root, name, file]);
  return file;
}

const imagePresent = async (image: string) =>
  (await docker(['image', 'inspect', '--format', '{{.Id}}', image], os.tmpdir())).exitCode === 0;

async function removePrivateTags(): Promise<void> {
  for (const image of images) if (await imagePresent(image)) await docker(['rmi', image], os.tmpdir());
}

beforeAll(async () => {
  await requireFreshVm();
  for (const [i, image] of images.entries()) {
    const source = ['berth-test/magec:1', 'berth-test/postgres:1', 'berth-test/redis:1'][i]!;
    const tagged = await docker(['tag', source, image], os.tmpdir());
    expect(tagged.exitCode, text(tagged)).toBe(0);
  }
  const made = await berth(
    [
      'bundle',
      '--recipe',
      'magec',
      '--mode',
      'openai',
      '--magec-image',
      images[0]!,
      '--postgres-image',
      images[1]!,
      '--redis-image',
      images[2]!,
      '--node',
      await nodeTarball(),
      '-o',
      bundleFile,
    ],
    { env: { OPENAI_API_KEY: 'sk-never-in-a-bundle-0123456789' } },
  );
  expect(made.exitCode, text(made)).toBe(0);
  expect(String(made.stdout)).toContain(`✔ Wrote ${bundleFile}`);
  // Loaded from the bundle, not found in the engine: the private tags go before any install.
  await removePrivateTags();
}, 240_000);
afterAll(removePrivateTags, 60_000);
afterEach(async () => {
  for (const name of names.splice(0)) await removeVm(name);
});

/** A fresh VM with no network, the host's Docker CLI and socket, its own empty home. */
function offlineVm(script: string): VmOptions & { home: string } {
  const name = `berth-bundle-${process.pid}-${++vms}`;
  names.push(name);
  const home = path.join(root, `home-${vms}`);
  mkdirSync(home);
  return { name, script, shared: root, home, withDocker: true, network: 'none' };
}

/** The bundle's own install.sh, as its README says to run it. */
const fromBundle = (file: string, args: string[]) =>
  `tar -xOf ${shellQuote(file)} berth-bundle/install.sh | bash -s -- --bundle ${shellQuote(file)} ${args.map(shellQuote).join(' ')}`;

/**
 * install.sh --bundle of `file` in an offline VM, refused: exit 1, nothing loaded, no berth command, nothing in the
 * VM's home, none of the bundle's images in the engine. Returns what it printed, for the reason.
 */
async function refusedInVm(file: string): Promise<string> {
  const stack = await newStack(false);
  const options = offlineVm(
    `${fromBundle(file, ['--yes', '--dir', stack.dir])}\necho "EXIT=$?"\necho "BERTH_COMMAND=$(ls /usr/local/bin/berth 2>/dev/null)"`,
  );
  const { output } = await runVm(options);
  expect(output).toContain('EXIT=1');
  expect(output).toContain('Nothing was installed.');
  expect(output).not.toContain('Loaded image');
  expect(output).toMatch(/^BERTH_COMMAND=$/m);
  expect(readdirSync(options.home)).toEqual([]);
  for (const image of images) expect(await imagePresent(image), image).toBe(false);
  return output;
}

describe.sequential('offline installs', () => {
  test('the bundle: images, berth, Node.js, install.sh, answers without secrets, manifest, sums', async () => {
    const listed = await execa('tar', ['-tf', bundleFile]);
    expect(String(listed.stdout).split('\n').sort()).toEqual(
      [
        'SHA256SUMS',
        'answers.yaml',
        'berth.mjs',
        'images.tar.gz',
        'install.sh',
        'manifest.json',
        `node-${process.version}-linux-${process.arch}.tar.gz`,
      ].map((f) => `berth-bundle/${f}`),
    );
    const read = async (f: string) =>
      String(
        (await execa('tar', ['-xOf', bundleFile, `berth-bundle/${f}`], { stripFinalNewline: false })).stdout,
      );
    const manifest = JSON.parse(await read('manifest.json')) as {
      images: { name: string; id: string; size: number }[];
      berth: string;
    };
    expect(manifest.images.map((i) => i.name)).toEqual([...images].sort());
    expect(manifest.images.every((i) => i.id.startsWith('sha256:') && i.size > 0)).toBe(true);
    const answers = await read('answers.yaml');
    expect(answers).toContain('mode: openai');
    expect(answers).not.toContain('sk-never');
    expect(await read('berth.mjs')).toEqual(readFileSync(berthMjs, 'utf8'));
    // Every file but SHA256SUMS itself is summed.
    expect((await read('SHA256SUMS')).trim().split('\n')).toHaveLength(6);
  });

  test('one byte changed in the images: refused before anything is loaded or installed', async () => {
    const output = await refusedInVm(tamperedCopy(bundleFile, path.join(root, 'tampered.berth')));
    expect(output).toContain('SHA256 mismatch for images.tar.gz');
  });

  test('a bundle for another architecture: refused before anything is loaded or installed', async () => {
    // An intact bundle made for another machine: its manifest and its sums say the other architecture.
    const here = hostArch()!;
    const other = here === 'amd64' ? 'arm64' : 'amd64';
    const output = await refusedInVm(
      bundleForArch(bundleFile, path.join(root, 'foreign.berth'), here, other),
    );
    expect(output).toContain('the bundle is intact');
    expect(output).toContain(
      `it is for ${other} machines and this one is ${here}: its images would not run here. Make the bundle for this machine with berth bundle --arch ${here}.`,
    );
  });

  test('no network: install.sh --bundle loads the images, installs berth, magec (openai) comes up healthy', async () => {
    const stack = await newStack();
    const keyFile = path.join(root, `openai-key-${stack.project}`);
    writeFileSync(keyFile, `sk-test-${'c3D4'.repeat(8)}\n`, { mode: 0o600 });
    const install = fromBundle(bundleFile, [
      '--yes',
      '--openai-api-key-file',
      keyFile,
      '--dir',
      stack.dir,
      '--wait-timeout',
      '100',
      '--magec-port',
      String(stack.port),
      '--admin-port',
      String(await freePort()),
    ]);
    const script = [
      'echo "NET=$(ls /sys/class/net | tr "\\n" " ")"',
      install,
      'echo "EXIT=$?"',
      `berth status --dir '${stack.dir}'`,
      'echo "STATUS_EXIT=$?"',
    ].join('\n');
    const options = offlineVm(script);
    const { output } = await runVm(options, 200_000);

    expect(output).toMatch(/^NET=lo $/m);
    expect(output, output).toContain('EXIT=0');
    expect(output).toContain('the bundle is intact');
    expect(output).toContain(`from the bundle, berth's own copy`);
    for (const image of images) {
      expect(output).toContain(`Loaded image: ${image}`);
      expect(await imagePresent(image), image).toBe(true);
    }
    const ps = await composePs(stack.dir);
    const states = Object.fromEntries(
      Object.values(ps).map((e) => [e.Service, e.State === 'exited' ? `exited ${e.ExitCode}` : e.Health]),
    );
    expect(states, output).toEqual({
      magec: 'healthy',
      postgres: 'healthy',
      redis: 'healthy',
      'magec-seed': 'exited 0',
    });
    expect(output).toContain('STATUS_EXIT=0');
    // The bundle's answers were the install's: its images are the private ones.
    expect(readFileSync(path.join(stack.dir, 'berth.yaml'), 'utf8')).toContain(images[0]);
    const berthHome = path.join(options.home, '.local/share/berth');
    expect(readdirSync(berthHome).sort()).toEqual(['berth.mjs', 'bundle', 'install.sh', 'node']);
  }, 240_000);

  test('no bundle, an image missing and its registry out of reach: berth names the images and berth bundle', async () => {
    const stack = await newStack();
    const unreachable = `127.0.0.1:${await freePort()}/berth-offline/magec:1`;
    const result = await berth(
      [
        'install',
        '--recipe',
        'magec',
        '--mode',
        'openai',
        '--dir',
        stack.dir,
        '--yes',
        '--magec-image',
        unreachable,
        '--postgres-image',
        'berth-test/postgres:1',
        '--redis-image',
        'berth-test/redis:1',
        '--magec-port',
        String(stack.port),
        '--admin-port',
        String(await freePort()),
      ],
      { env: { OPENAI_API_KEY: `sk-test-${'c3D4'.repeat(8)}` } },
    );
    const out = `${String(result.stdout)}\n${String(result.stderr)}`;
    expect(result.exitCode, out).toBe(5);
    expect(out).toContain(
      `1 image is not on this machine, and the registry cannot be reached to pull it: ${unreachable}.`,
    );
    expect(out).toContain('run `berth bundle` with the same --recipe and answers');
    expect(out).toContain('sh -s -- --bundle FILE');
  });
});
