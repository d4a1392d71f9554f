// GPU and machine detection against FIXTURE machines (test/fixtures/machines: fake /proc, /sys, nvidia-smi,
// lspci, docker and a fake engine socket), because the test machines have no GPU.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectFacts } from '../../src/detect/detect.js';
import { fixtures, tempDir } from '../helpers.js';
import { fakeEngine } from './fake-engine.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function detectOn(machine: string, options: { timeoutMs?: number; gpuTest?: boolean } = {}) {
  const dir = path.join(fixtures, 'machines', machine);
  const tmp = tempDir('berth-machine-');
  const engine = await fakeEngine(path.join(dir, 'engine-info.json'), tmp);
  closers.push(engine.close);
  return detectFacts({
    dir: tmp,
    probe: {
      root: path.join(dir, 'root'),
      env: {
        PATH: path.join(dir, 'bin'),
        HOME: tmp,
        DOCKER_HOST: engine.host,
        DOCKER_CONFIG: path.join(tmp, 'no-config'),
      },
      timeoutMs: options.timeoutMs ?? 5_000,
    },
    ...(options.gpuTest ? { gpuTest: { image: 'ubuntu:24.04' } } : {}),
  });
}

const cases: {
  machine: string;
  ladder: string[];
  ready: boolean;
  count: number;
  distro: string;
  detail?: RegExp;
  fix?: RegExp;
}[] = [
  { machine: 'no-gpu', ladder: ['fail', 'skip', 'skip', 'skip'], ready: false, count: 0, distro: 'debian' },
  {
    machine: 'gpu-driver-toolkit',
    ladder: ['pass', 'pass', 'pass', 'skip'],
    ready: true,
    count: 1,
    distro: 'ubuntu',
    detail: /nvidia runtime registered/,
  },
  {
    machine: 'gpu-driver-no-toolkit',
    ladder: ['pass', 'pass', 'fail', 'skip'],
    ready: false,
    count: 1,
    distro: 'fedora',
    detail: /no nvidia runtime/,
    fix: /sudo dnf install -y nvidia-container-toolkit[\s\S]*nvidia-ctk runtime configure --runtime=docker/,
  },
  {
    machine: 'cdi-only',
    ladder: ['pass', 'pass', 'pass', 'skip'],
    ready: true,
    count: 1,
    distro: 'arch',
    detail: /CDI spec \/etc\/cdi\/nvidia.yaml/,
  },
  {
    machine: 'driver-broken',
    ladder: ['pass', 'fail', 'skip', 'skip'],
    ready: false,
    count: 1,
    distro: 'ubuntu',
    detail: /nvidia-smi failed: NVIDIA-SMI has failed because it couldn't communicate/,
    fix: /ubuntu-drivers install/,
  },
  { machine: 'two-gpus', ladder: ['pass', 'pass', 'pass', 'skip'], ready: true, count: 2, distro: 'ubuntu' },
  {
    machine: 'wsl2',
    ladder: ['pass', 'pass', 'pass', 'skip'],
    ready: true,
    count: 1,
    distro: 'ubuntu',
    detail: /nvidia runtime/,
  },
];

describe('fixture machines: GPU readiness ladder', () => {
  it.each(cases)('$machine', async (c) => {
    const facts = await detectOn(c.machine);
    expect(facts.gpu.ladder.map((r) => r.status)).toEqual(c.ladder);
    expect(facts.gpu.ready).toBe(c.ready);
    expect(facts.gpu.count).toBe(c.count);
    expect(facts.system.distro.id).toBe(c.distro);
    const decisive = facts.gpu.ladder.find((r) => r.status === 'fail') ?? facts.gpu.ladder[2]!;
    if (c.detail) expect(decisive.detail).toMatch(c.detail);
    if (c.fix) expect((decisive.fix ?? []).join('\n')).toMatch(c.fix);
    expect(facts.docker.engine.reachable).toBe(true);
    expect(facts.ramGb).toBe(31.3);
  });

  it('reads model, VRAM and driver of every GPU', async () => {
    const one = await detectOn('gpu-driver-toolkit');
    expect(one.gpu.devices).toEqual([
      { name: 'NVIDIA GeForce RTX 4090', memoryMiB: 24564, driver: '550.54.14' },
    ]);
    expect(one.gpu.vramGb).toBe(24);
    // The card's HDMI audio function (class 0x0403) has NVIDIA's vendor id too, and is not a GPU.
    expect(one.gpu.ladder[0]!.detail).toBe('1 on the PCI bus (0000:01:00.0)');
    const two = await detectOn('two-gpus');
    expect(two.gpu.names).toEqual(['NVIDIA A100-SXM4-80GB', 'NVIDIA A100-SXM4-80GB']);
    expect(two.gpu.ladder[0]!.detail).toBe('2 on the PCI bus (01:00.0, 41:00.0)');
  });

  it('gives up on an nvidia-smi that hangs, within the time limit', async () => {
    const started = Date.now();
    const facts = await detectOn('driver-hang', { timeoutMs: 400 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(facts.gpu.ladder.map((r) => r.status)).toEqual(['pass', 'fail', 'skip', 'skip']);
    expect(facts.gpu.ladder[1]!.detail).toMatch(/did not answer within 0.4 s/);
    expect(facts.gpu.ladder[1]!.fix!.join('\n')).toMatch(/sudo reboot[\s\S]*cuda-rhel/);
    expect(facts.system.distro.like).toContain('rhel');
  });

  it('sees WSL2 and the paravirtual GPU; the driver fix points at Windows', async () => {
    const facts = await detectOn('wsl2');
    expect(facts.system.wsl).toBe(true);
    expect(facts.gpu.ladder[0]!.detail).toMatch(/\/dev\/dxg/);
  });

  it('--gpu-test runs a real-looking docker run --gpus all as rung 4', async () => {
    const facts = await detectOn('gpu-driver-toolkit', { gpuTest: true });
    expect(facts.gpu.ladder[3]).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/^GPU 0: NVIDIA GeForce RTX 4090/),
    });
  });
});
