// The Node.js a bundle carries for its target: a tarball given with --node, or nodejs.org's for --arch (the same
// version and the same SHA256 check as install.sh), or none with --no-node (the target has Node.js 20+).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BerthError, UsageError } from '../errors.js';

/** install.sh's DEFAULT_NODE_VERSION (a unit test keeps them equal). */
export const NODE_VERSION = 'v20.20.2';

export type Arch = 'amd64' | 'arm64';

export interface NodeRuntime {
  /** The file name in the bundle: node-vX-linux-ARCH.tar.gz, as install.sh unpacks it. */
  name: string;
  data: Buffer;
  version: string;
}

export const nodeArch = (arch: Arch): string => (arch === 'amd64' ? 'x64' : 'arm64');

export const hostArch = (): Arch | undefined =>
  process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : undefined;

/** A tarball named node-vX-linux-ARCH.tar.gz: its version and arch must be what the target needs. */
function fromFile(file: string, arch: Arch): NodeRuntime {
  const name = path.basename(file);
  const m = /^node-(v(\d+)\.\d+\.\d+)-linux-(x64|arm64)\.tar\.gz$/.exec(name);
  if (!existsSync(file)) throw new UsageError(`--node ${file}: no such file.`);
  if (!m)
    throw new UsageError(`--node ${file}: expected a file named node-vX.Y.Z-linux-x64|arm64.tar.gz.`, {
      hint: `Give nodejs.org's tarball for the target, e.g. node-${NODE_VERSION}-linux-${nodeArch(arch)}.tar.gz.`,
    });
  if (Number(m[2]) < 20) throw new UsageError(`--node ${name}: berth needs Node.js 20 or newer.`);
  if (m[3] !== nodeArch(arch))
    throw new UsageError(`--node ${name} is for ${m[3]}, but the bundle is for ${arch}.`, {
      hint: `Give the linux-${nodeArch(arch)} tarball, or --arch for the machine this one fits.`,
    });
  return { name, data: readFileSync(file), version: m[1]! };
}

async function download(url: string): Promise<Buffer> {
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new BerthError(`Could not download ${url}: ${(error as Error).message}.`, {
      hint: 'Give a Node.js tarball with --node FILE, or make a bundle without one (--no-node) for a target that has Node.js 20+.',
    });
  }
}

/** nodejs.org's tarball (or BERTH_NODE_BASE_URL's, same layout), checked against its SHASUMS256.txt. */
async function fromNodejsOrg(
  arch: Arch,
  env: Readonly<Record<string, string | undefined>>,
): Promise<NodeRuntime> {
  const version = env.BERTH_NODE_VERSION ?? NODE_VERSION;
  const name = `node-${version}-linux-${nodeArch(arch)}.tar.gz`;
  const base = `${(env.BERTH_NODE_BASE_URL ?? 'https://nodejs.org/dist').replace(/\/+$/, '')}/${version}`;
  const sums = (await download(`${base}/SHASUMS256.txt`)).toString('utf8');
  const expected = sums
    .split('\n')
    .find((l) => l.trim().endsWith(`  ${name}`))
    ?.split(/\s+/)[0];
  const data = await download(`${base}/${name}`);
  const actual = createHash('sha256').update(data).digest('hex');
  if (!expected || expected !== actual)
    throw new BerthError(
      `SHA256 mismatch for ${name} from ${base}: the download is damaged or was tampered with.`,
    );
  return { name, data, version };
}

export async function nodeRuntime(
  option: string | false | undefined,
  arch: Arch,
  env: Readonly<Record<string, string | undefined>>,
): Promise<NodeRuntime | undefined> {
  if (option === false) return undefined;
  if (option !== undefined) return fromFile(option, arch);
  return fromNodejsOrg(arch, env);
}
