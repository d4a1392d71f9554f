// The exact fix for each problem, per distro family. Pure: a table of commands, tested as a table.
// berth never runs these (it never installs drivers or packages); it prints them.
import type { Distro } from './system.js';

export type Family = 'debian' | 'fedora' | 'rhel' | 'suse' | 'arch' | 'alpine' | 'other';

export function familyOf(distro: Pick<Distro, 'id' | 'like'>): Family {
  const ids = [distro.id, ...distro.like];
  if (ids.some((i) => ['debian', 'ubuntu', 'raspbian', 'linuxmint', 'pop'].includes(i))) return 'debian';
  if (distro.id === 'fedora') return 'fedora';
  if (ids.some((i) => ['rhel', 'centos', 'rocky', 'almalinux', 'ol', 'amzn'].includes(i))) return 'rhel';
  if (ids.some((i) => i.startsWith('opensuse') || i === 'suse' || i === 'sles')) return 'suse';
  if (ids.some((i) => ['arch', 'manjaro', 'endeavouros'].includes(i))) return 'arch';
  if (distro.id === 'alpine') return 'alpine';
  if (ids.includes('fedora')) return 'fedora';
  return 'other';
}

const toolkitRepo = 'https://nvidia.github.io/libnvidia-container';
const toolkitInstall: Record<Family, string[]> = {
  debian: [
    `curl -fsSL ${toolkitRepo}/gpgkey | sudo gpg --dearmor -o /usr/share/keyrings/nvidia-container-toolkit-keyring.gpg`,
    `curl -fsSL ${toolkitRepo}/stable/deb/nvidia-container-toolkit.list | sed 's#deb https://#deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] https://#g' | sudo tee /etc/apt/sources.list.d/nvidia-container-toolkit.list`,
    'sudo apt-get update && sudo apt-get install -y nvidia-container-toolkit',
  ],
  fedora: [
    `curl -fsSL ${toolkitRepo}/stable/rpm/nvidia-container-toolkit.repo | sudo tee /etc/yum.repos.d/nvidia-container-toolkit.repo`,
    'sudo dnf install -y nvidia-container-toolkit',
  ],
  rhel: [
    `curl -fsSL ${toolkitRepo}/stable/rpm/nvidia-container-toolkit.repo | sudo tee /etc/yum.repos.d/nvidia-container-toolkit.repo`,
    'sudo dnf install -y nvidia-container-toolkit',
  ],
  suse: [
    `sudo zypper ar ${toolkitRepo}/stable/rpm/nvidia-container-toolkit.repo`,
    'sudo zypper --gpg-auto-import-keys install -y nvidia-container-toolkit',
  ],
  arch: ['sudo pacman -S --needed nvidia-container-toolkit'],
  alpine: ['# The NVIDIA Container Toolkit has no Alpine package; see the guide below.'],
  other: ['# Install the NVIDIA Container Toolkit for your distribution (guide below).'],
};

/** Install the NVIDIA Container Toolkit and register its runtime with Docker (rootful or rootless). */
export function toolkitFix(family: Family, rootless: boolean): string[] {
  const configure = rootless
    ? [
        'nvidia-ctk runtime configure --runtime=docker --config=$HOME/.config/docker/daemon.json',
        'systemctl --user restart docker',
        'sudo nvidia-ctk config --set nvidia-container-cli.no-cgroups --in-place',
      ]
    : ['sudo nvidia-ctk runtime configure --runtime=docker', 'sudo systemctl restart docker'];
  return [
    ...toolkitInstall[family],
    ...configure,
    '# Guide: https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html',
  ];
}

const driverInstall: Record<Family, string[]> = {
  debian: [
    'sudo ubuntu-drivers install   # Ubuntu; on Debian: enable non-free-firmware and run sudo apt install nvidia-driver',
  ],
  fedora: [
    'sudo dnf install -y https://mirrors.rpmfusion.org/nonfree/fedora/rpmfusion-nonfree-release-$(rpm -E %fedora).noarch.rpm',
    'sudo dnf install -y akmod-nvidia xorg-x11-drv-nvidia-cuda',
  ],
  rhel: [
    'sudo dnf config-manager --add-repo https://developer.download.nvidia.com/compute/cuda/repos/rhel$(rpm -E %rhel)/$(uname -m)/cuda-rhel$(rpm -E %rhel).repo',
    'sudo dnf module install -y nvidia-driver:latest-dkms',
  ],
  suse: [
    'sudo zypper install -y openSUSE-repos-NVIDIA && sudo zypper install -y nvidia-video-G06 nvidia-compute-utils-G06',
  ],
  arch: ['sudo pacman -S --needed nvidia nvidia-utils'],
  alpine: ['# NVIDIA publishes no Alpine driver; use a glibc distribution for GPU workloads.'],
  other: ['# Install the NVIDIA driver from your distribution, or from https://www.nvidia.com/drivers'],
};

/** berth never installs drivers: this is what to run, then reboot. */
export function driverFix(family: Family, wsl: boolean): string[] {
  if (wsl)
    return [
      '# On WSL2 the driver is installed on Windows, not inside Linux: install the current NVIDIA driver for Windows',
      '# (https://www.nvidia.com/drivers), then run `wsl --shutdown` in PowerShell and reopen this shell.',
    ];
  return [...driverInstall[family], 'sudo reboot'];
}

export function nvidiaSmiFix(family: Family): string[] {
  const pkg: Record<Family, string> = {
    debian: 'sudo apt install nvidia-smi   # Ubuntu: sudo apt install nvidia-utils-<driver major>',
    fedora: 'sudo dnf install -y xorg-x11-drv-nvidia-cuda',
    rhel: 'sudo dnf install -y nvidia-driver-cuda',
    suse: 'sudo zypper install -y nvidia-compute-utils-G06',
    arch: 'sudo pacman -S --needed nvidia-utils',
    alpine: '# no package: see your driver vendor',
    other: '# install the nvidia-smi that matches your driver',
  };
  return [pkg[family]];
}

export function dockerInstallFix(family: Family, wsl: boolean): string[] {
  if (wsl)
    return [
      '# Install Docker Desktop for Windows and enable WSL integration for this distribution,',
      '# or install Docker Engine inside WSL: curl -fsSL https://get.docker.com | sudo sh',
    ];
  const guide: Partial<Record<Family, string>> = {
    debian: 'https://docs.docker.com/engine/install/debian/ (Ubuntu: /engine/install/ubuntu/)',
    fedora: 'https://docs.docker.com/engine/install/fedora/',
    rhel: 'https://docs.docker.com/engine/install/rhel/',
    arch: 'sudo pacman -S --needed docker docker-compose && sudo systemctl enable --now docker',
  };
  return [
    family === 'arch' ? guide.arch! : 'curl -fsSL https://get.docker.com | sudo sh',
    ...(guide[family] && family !== 'arch' ? [`# or follow ${guide[family]}`] : []),
  ];
}

export function dockerStartFix(opts: {
  wsl: boolean;
  rootless: boolean;
  customHost: boolean;
  systemd: boolean;
}): string[] {
  if (opts.customHost)
    return ['# DOCKER_HOST points at an engine that does not answer: start it, or unset DOCKER_HOST'];
  if (opts.wsl && !opts.systemd)
    return [
      '# Start Docker Desktop on Windows (WSL integration on), or start the engine in the background:',
      'sudo setsid -f dockerd >>/var/log/dockerd.log 2>&1',
    ];
  if (opts.rootless) return ['systemctl --user start docker'];
  if (!opts.systemd)
    return [
      '# no systemd here to start it: start the engine in the background',
      'sudo setsid -f dockerd >>/var/log/dockerd.log 2>&1',
    ];
  return ['sudo systemctl enable --now docker'];
}

export function dockerGroupFix(): string[] {
  return [
    'sudo usermod -aG docker $USER',
    '# then log out and back in (or run `newgrp docker`) so the new group applies',
    '# note: members of the docker group have root-equivalent access to this machine',
  ];
}

export function composeFix(family: Family, standalone: string | undefined): string[] {
  if (standalone && !standalone.startsWith('1.'))
    return [
      '# docker-compose is a v2 binary but not installed as a docker plugin; link it:',
      'sudo mkdir -p /usr/local/lib/docker/cli-plugins',
      'sudo ln -s "$(command -v docker-compose)" /usr/local/lib/docker/cli-plugins/docker-compose',
    ];
  const pkg: Record<Family, string> = {
    debian:
      "sudo apt-get install -y docker-compose-plugin   # from Docker's apt repository (docs.docker.com/engine/install)",
    fedora: 'sudo dnf install -y docker-compose-plugin',
    rhel: 'sudo dnf install -y docker-compose-plugin',
    suse: 'sudo zypper install -y docker-compose',
    arch: 'sudo pacman -S --needed docker-compose',
    alpine: 'sudo apk add docker-cli-compose',
    other: '# install the Docker Compose v2 plugin: https://docs.docker.com/compose/install/linux/',
  };
  return [
    ...(standalone
      ? ["# docker-compose 1.x (Python) is end-of-life and cannot run berth's files; install Compose v2:"]
      : []),
    pkg[family],
  ];
}
