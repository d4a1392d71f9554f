// Which packages install.sh asks apt-get for, per distribution, from what `apt-cache policy` offers: install.sh's
// functions are loaded without its last line (the one that runs main) and `apt-cache` is a stand-in.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { cleanEnv, repoRoot, tempDir } from '../helpers.js';

const source = readFileSync(path.join(repoRoot, 'install.sh'), 'utf8').trimEnd();
const lastLine = source.lastIndexOf('\n') + 1;
const functionsOnly = source.slice(0, lastLine);

const debian13 = {
  'docker.io': '26.1.5+dfsg1-9+deb13u1+b1',
  'docker-cli': '26.1.5+dfsg1-9+deb13u1+b1',
  'docker-compose': '2.26.1-4',
};
const debian12 = { 'docker.io': '20.10.24+dfsg1-1+deb12u1', 'docker-compose': '1.29.2-3' };
const ubuntu2404 = {
  'docker.io': '24.0.7-0ubuntu4',
  'docker-compose-v2': '2.24.6+ds1-0ubuntu2',
  'docker-compose': '1.29.2-6',
};
const dockerRepo = {
  ...debian12,
  'docker-ce': '5:27.3.1-1~debian.12~bookworm',
  'docker-ce-cli': '5:27.3.1-1~debian.12~bookworm',
  'docker-compose-plugin': '2.29.7-1~debian.12~bookworm',
};

async function packagesFor(candidates: Record<string, string>, missing: string): Promise<string> {
  const bin = path.join(tempDir(), 'bin');
  mkdirSync(bin);
  const cases = Object.entries(candidates)
    .map(
      ([pkg, version]) =>
        `  ${pkg}) printf '%s:\\n  Installed: (none)\\n  Candidate: %s\\n' "$2" '${version}' ;;`,
    )
    .join('\n');
  // Like apt-cache: nothing on stdout for a package the lists do not know.
  writeFileSync(
    path.join(bin, 'apt-cache'),
    `#!/bin/sh\n[ "$1" = policy ] || exit 1\ncase "$2" in\n${cases}\nesac\n`,
  );
  chmodSync(path.join(bin, 'apt-cache'), 0o755);
  const flags = ['engine', 'cli', 'compose']
    .map((part) => `MISSING_${part.toUpperCase()}=${missing.includes(part) ? '1' : ''}`)
    .join(' ');
  const result = await execa(
    'sh',
    ['-c', `${functionsOnly}\n${flags}\ndocker_packages || echo 'no Compose v2 package'`],
    {
      env: cleanEnv({ PATH: `${bin}:${process.env.PATH ?? ''}` }),
      extendEnv: false,
    },
  );
  return String(result.stdout);
}

describe('the packages install.sh installs Docker with', () => {
  test('loading install.sh without its last line runs nothing', () => {
    expect(source.slice(lastLine)).toBe('main "$@" || exit 1');
  });

  test.each([
    ['Debian 13, engine on the socket, no CLI', debian13, 'cli compose', 'docker-cli docker-compose'],
    ['Debian 13, nothing', debian13, 'engine cli compose', 'docker.io docker-cli docker-compose'],
    ['Debian 13, only Compose missing', debian13, 'compose', 'docker-compose'],
    ['Ubuntu 24.04, nothing', ubuntu2404, 'engine cli compose', 'docker.io docker-compose-v2'],
    ['Ubuntu 24.04, engine on the socket, no CLI', ubuntu2404, 'cli compose', 'docker.io docker-compose-v2'],
    ['Debian 12, nothing: its docker-compose is v1', debian12, 'engine cli compose', 'no Compose v2 package'],
    ['Debian 12, only Compose missing', debian12, 'compose', 'no Compose v2 package'],
    [
      "Docker's own apt repository configured",
      dockerRepo,
      'engine cli compose',
      'docker-ce docker-ce-cli docker-compose-plugin',
    ],
  ])('%s', async (_name, candidates, missing, expected) => {
    expect(await packagesFor(candidates, missing)).toBe(expected);
  });
});
