// The fix per distro: family detection and the commands printed for each family.
import { describe, expect, it } from 'vitest';
import { composeFix, driverFix, familyOf, toolkitFix } from '../../src/detect/fixes.js';
import { parseOsRelease } from '../../src/detect/system.js';

describe('familyOf', () => {
  it.each([
    [{ id: 'debian', like: [] }, 'debian'],
    [{ id: 'ubuntu', like: ['debian'] }, 'debian'],
    [{ id: 'pop', like: ['ubuntu', 'debian'] }, 'debian'],
    [{ id: 'fedora', like: [] }, 'fedora'],
    [{ id: 'rocky', like: ['rhel', 'centos', 'fedora'] }, 'rhel'],
    [{ id: 'almalinux', like: ['rhel', 'centos', 'fedora'] }, 'rhel'],
    [{ id: 'amzn', like: ['centos', 'rhel', 'fedora'] }, 'rhel'],
    [{ id: 'opensuse-tumbleweed', like: ['opensuse', 'suse'] }, 'suse'],
    [{ id: 'arch', like: [] }, 'arch'],
    [{ id: 'manjaro', like: ['arch'] }, 'arch'],
    [{ id: 'alpine', like: [] }, 'alpine'],
    [{ id: 'nixos', like: [] }, 'other'],
  ] as const)('%o → %s', (distro, family) => {
    expect(familyOf({ id: distro.id, like: [...distro.like] })).toBe(family);
  });
});

describe('toolkitFix', () => {
  it.each([
    ['debian', /apt-get install -y nvidia-container-toolkit/],
    ['fedora', /dnf install -y nvidia-container-toolkit/],
    ['rhel', /dnf install -y nvidia-container-toolkit/],
    ['suse', /zypper --gpg-auto-import-keys install -y nvidia-container-toolkit/],
    ['arch', /pacman -S --needed nvidia-container-toolkit/],
  ] as const)('%s', (family, install) => {
    const rootful = toolkitFix(family, false).join('\n');
    expect(rootful).toMatch(install);
    expect(rootful).toMatch(
      /sudo nvidia-ctk runtime configure --runtime=docker\nsudo systemctl restart docker/,
    );
    expect(toolkitFix(family, true).join('\n')).toMatch(
      /--config=\$HOME\/.config\/docker\/daemon.json\nsystemctl --user restart docker/,
    );
  });
});

it('driverFix: never installs, WSL2 points at the Windows driver', () => {
  expect(driverFix('arch', false)).toEqual(['sudo pacman -S --needed nvidia nvidia-utils', 'sudo reboot']);
  expect(driverFix('debian', true).join('\n')).toMatch(/installed on Windows/);
});

it('composeFix per family', () => {
  expect(composeFix('fedora', undefined)).toEqual(['sudo dnf install -y docker-compose-plugin']);
  expect(composeFix('arch', '1.29.2')[0]).toMatch(/end-of-life/);
});

describe('parseOsRelease', () => {
  it('reads quoted and unquoted fields', () => {
    expect(
      parseOsRelease(
        'ID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\nPRETTY_NAME="Rocky Linux 9.4"\n',
      ),
    ).toEqual({
      id: 'rocky',
      like: ['rhel', 'centos', 'fedora'],
      name: 'Rocky Linux 9.4',
      version: '9.4',
      codename: '',
    });
  });
});
