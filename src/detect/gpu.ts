// NVIDIA GPU readiness, as a ladder: 1 a device on the PCI bus, 2 a working driver, 3 a way for containers to
// use it (the nvidia runtime or CDI specs), 4 optionally a real `docker run --gpus all`. Ready = rungs 1–3.
// The probes gather raw evidence; `gpuLadder` (pure) turns evidence into rungs and fixes.
import { existsSync } from 'node:fs';
import type { EngineFacts } from './docker.js';
import { driverFix, familyOf, nvidiaSmiFix, toolkitFix } from './fixes.js';
import { listDir, readText, rooted, runCommand, type ProbeEnv } from './probe.js';
import type { SystemFacts } from './system.js';

export interface GpuDevice {
  name: string;
  memoryMiB: number;
  driver: string;
}

export interface GpuEvidence {
  /** NVIDIA display/3D controllers seen on the PCI bus (addresses), and how. */
  pci: { devices: string[]; source: 'sys' | 'lspci' | 'none' };
  /** WSL2's paravirtual GPU device. */
  dxg: boolean;
  /** From /proc/driver/nvidia/version: the kernel module is loaded. */
  kernelDriver: string | undefined;
  smi:
    | { state: 'ok'; devices: GpuDevice[] }
    | { state: 'missing' }
    | { state: 'failed'; detail: string }
    | { state: 'timeout'; seconds: number };
  cdiSpecs: string[];
  /** The optional `docker run --gpus all … nvidia-smi` (--gpu-test). */
  containerTest?: { ok: boolean; detail: string };
}

export type RungId = 'device' | 'driver' | 'toolkit' | 'container';
export interface Rung {
  id: RungId;
  title: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
  fix?: string[];
}

export interface GpuFacts {
  ready: boolean;
  count: number;
  names: string[];
  devices: GpuDevice[];
  /** Total VRAM of the largest GPU, in GB. */
  vramGb: number;
  ladder: Rung[];
}

const NVIDIA = '0x10de';

export async function gatherGpuEvidence(p: ProbeEnv): Promise<GpuEvidence> {
  const [pci, smi] = await Promise.all([pciDevices(p), nvidiaSmi(p)]);
  return {
    pci,
    dxg: existsSync(rooted(p, '/dev/dxg')),
    kernelDriver:
      /Kernel Module\s+([\d.]+)/.exec(readText(p, '/proc/driver/nvidia/version') ?? '')?.[1] ??
      (readText(p, '/proc/driver/nvidia/version') ? 'unknown' : undefined),
    smi,
    cdiSpecs: cdiSpecs(p),
  };
}

async function pciDevices(p: ProbeEnv): Promise<GpuEvidence['pci']> {
  const base = '/sys/bus/pci/devices';
  const entries = listDir(p, base);
  if (entries && entries.length > 0) {
    // Display (0x03xxxx) functions only: an NVIDIA card's HDMI audio function has the same vendor id.
    const devices = entries.filter(
      (d) =>
        readText(p, `${base}/${d}/vendor`)?.trim() === NVIDIA &&
        (readText(p, `${base}/${d}/class`)?.trim() ?? '0x03').startsWith('0x03'),
    );
    return { devices, source: 'sys' };
  }
  const r = await runCommand(p, 'lspci', ['-n', '-d', '10de:'], Math.min(p.timeoutMs, 3_000));
  if (!r.ok) return { devices: [], source: 'none' };
  const devices = r.stdout
    .split('\n')
    .map((l) => /^(\S+)\s+(03[0-9a-f]{2}):/i.exec(l.trim()))
    .flatMap((m) => (m ? [m[1]!] : []));
  return { devices, source: 'lspci' };
}

async function nvidiaSmi(p: ProbeEnv): Promise<GpuEvidence['smi']> {
  const args = ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits'];
  let r = await runCommand(p, 'nvidia-smi', args);
  // WSL2 keeps nvidia-smi outside PATH for non-login shells.
  if (r.missing && existsSync(rooted(p, '/usr/lib/wsl/lib/nvidia-smi')))
    r = await runCommand(p, rooted(p, '/usr/lib/wsl/lib/nvidia-smi'), args);
  if (r.missing) return { state: 'missing' };
  if (r.timedOut) return { state: 'timeout', seconds: p.timeoutMs / 1000 };
  const devices = parseNvidiaSmi(r.stdout);
  if (!r.ok || devices.length === 0)
    return { state: 'failed', detail: (r.stderr || r.stdout).trim().split('\n')[0] || `exit ${r.exitCode}` };
  return { state: 'ok', devices };
}

export function parseNvidiaSmi(csv: string): GpuDevice[] {
  return csv
    .split('\n')
    .map((line) => line.split(',').map((f) => f.trim()))
    .filter((f) => f.length >= 3 && f[0] && Number.isFinite(Number(f[1])))
    .map(([name, memory, driver]) => ({ name: name!, memoryMiB: Number(memory), driver: driver! }));
}

function cdiSpecs(p: ProbeEnv): string[] {
  return ['/etc/cdi', '/var/run/cdi'].flatMap((dir) =>
    (listDir(p, dir) ?? [])
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .map((f) => `${dir}/${f}`)
      .filter((f) => /nvidia\.com\/gpu/.test(readText(p, f) ?? '')),
  );
}

/** The real thing: a container asks for all GPUs and runs nvidia-smi. Slow (may pull an image). */
export async function containerGpuTest(p: ProbeEnv, image: string): Promise<{ ok: boolean; detail: string }> {
  const r = await runCommand(
    p,
    'docker',
    ['run', '--rm', '--gpus', 'all', image, 'nvidia-smi', '-L'],
    120_000,
  );
  if (r.ok) return { ok: true, detail: r.stdout.trim().split('\n')[0] ?? 'nvidia-smi ran in a container' };
  const why = r.timedOut ? 'timed out after 120 s' : (r.stderr || r.stdout).trim().split('\n').pop();
  return { ok: false, detail: `docker run --gpus all ${image} nvidia-smi: ${why ?? 'failed'}` };
}

export function gpuLadder(e: GpuEvidence, system: SystemFacts, engine: EngineFacts | undefined): GpuFacts {
  const family = familyOf(system.distro);
  const devices = e.smi.state === 'ok' ? e.smi.devices : [];
  const device = deviceRung(e, system, devices.length);
  const driver = device.status === 'pass' ? driverRung(e, system) : skipped('driver', 'NVIDIA driver');
  const toolkit =
    driver.status === 'pass'
      ? toolkitRung(e, engine, family)
      : skipped('toolkit', 'Containers can use the GPU');
  const ready = [device, driver, toolkit].every((r) => r.status === 'pass');
  const container: Rung = e.containerTest
    ? {
        id: 'container',
        title: 'docker run --gpus all',
        status: e.containerTest.ok ? 'pass' : 'fail',
        detail: e.containerTest.detail,
      }
    : {
        ...skipped('container', 'docker run --gpus all'),
        detail: ready ? 'not run (add --gpu-test)' : 'not run',
      };
  return {
    ready,
    count: devices.length || e.pci.devices.length,
    names: devices.map((d) => d.name),
    devices,
    vramGb: Math.round((Math.max(0, ...devices.map((d) => d.memoryMiB)) / 1024) * 10) / 10,
    ladder: [device, driver, toolkit, container],
  };
}

const skipped = (id: RungId, title: string): Rung => ({
  id,
  title,
  status: 'skip',
  detail: 'needs the rung above',
});

function deviceRung(e: GpuEvidence, system: SystemFacts, smiCount: number): Rung {
  const title = 'NVIDIA GPU present';
  if (e.pci.devices.length > 0)
    return {
      id: 'device',
      title,
      status: 'pass',
      detail: `${e.pci.devices.length} on the PCI bus (${e.pci.devices.join(', ')})`,
    };
  if (system.wsl && (e.dxg || smiCount > 0))
    return { id: 'device', title, status: 'pass', detail: 'WSL2 GPU paravirtualization (/dev/dxg)' };
  const how = e.pci.source === 'none' ? 'PCI bus not readable and no lspci' : 'none on the PCI bus';
  return { id: 'device', title, status: 'fail', detail: `${how}: no NVIDIA GPU found` };
}

function driverRung(e: GpuEvidence, system: SystemFacts): Rung {
  const title = 'NVIDIA driver';
  const family = familyOf(system.distro);
  switch (e.smi.state) {
    case 'ok': {
      const d = e.smi.devices;
      return {
        id: 'driver',
        title,
        status: 'pass',
        detail: `driver ${d[0]!.driver}, nvidia-smi sees ${d.length} GPU(s)`,
      };
    }
    case 'timeout':
      return {
        id: 'driver',
        title,
        status: 'fail',
        detail: `nvidia-smi did not answer within ${e.smi.seconds} s (driver hung or GPU in a bad state)`,
        fix: [
          'sudo reboot   # then check `nvidia-smi`; if it still hangs, reinstall the driver:',
          ...driverFix(family, system.wsl),
        ],
      };
    case 'failed':
      return {
        id: 'driver',
        title,
        status: 'fail',
        detail: `nvidia-smi failed: ${e.smi.detail}`,
        fix: [
          '# usually a driver/kernel module mismatch after an update: reboot; if that does not help, reinstall:',
          ...driverFix(family, system.wsl),
        ],
      };
    case 'missing':
      return e.kernelDriver
        ? {
            id: 'driver',
            title,
            status: 'fail',
            detail: `kernel module ${e.kernelDriver} loaded, but nvidia-smi is not installed`,
            fix: nvidiaSmiFix(family),
          }
        : {
            id: 'driver',
            title,
            status: 'fail',
            detail: 'no NVIDIA driver loaded',
            fix: driverFix(family, system.wsl),
          };
  }
}

function toolkitRung(
  e: GpuEvidence,
  engine: EngineFacts | undefined,
  family: ReturnType<typeof familyOf>,
): Rung {
  const title = 'Containers can use the GPU';
  const runtimes = engine?.reachable ? engine.runtimes : [];
  if (runtimes.includes('nvidia'))
    return { id: 'toolkit', title, status: 'pass', detail: 'nvidia runtime registered in Docker' };
  if (e.cdiSpecs.length > 0)
    return { id: 'toolkit', title, status: 'pass', detail: `CDI spec ${e.cdiSpecs.join(', ')}` };
  const detail = engine?.reachable
    ? 'Docker has no nvidia runtime and there are no CDI specs in /etc/cdi or /var/run/cdi'
    : 'no CDI specs in /etc/cdi or /var/run/cdi (and Docker could not be asked for its runtimes)';
  return {
    id: 'toolkit',
    title,
    status: 'fail',
    detail,
    fix: toolkitFix(family, engine?.reachable === true && engine.rootless),
  };
}
