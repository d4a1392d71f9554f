// The subnet check before `up`, on the real engine: a stack whose network has a fixed subnet that another Docker
// network (made by this test) already uses is refused before anything is written, naming that network and a
// subnet that is free; with that subnet it comes up.
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { berth, fixtures } from '../helpers.js';
import { docker, requireEngine, serviceStates, text, useStacks } from './harness.js';

const { root, newStack } = useStacks('subnet');

describe('a fixed subnet that collides', () => {
  test('is refused before up (exit 6) with the network it overlaps and a free subnet; the free one comes up', async () => {
    await requireEngine();
    const stack = await newStack();
    const other = `berth-subnet-other-${process.pid}`;
    // The first of these subnets no other network on the engine holds (the suite's other files make networks
    // from Docker's default pools at the same time, one of which may cover 172.29.0.0/16).
    let taken: string | undefined;
    let last = '';
    for (const subnet of ['172.29.77.0/24', '10.213.77.0/24', '192.168.213.0/24']) {
      const made = await docker(['network', 'create', '--subnet', subnet, other], root);
      if (made.exitCode === 0) {
        taken = subnet;
        break;
      }
      last = text(made);
    }
    expect(taken, last).toBeDefined();
    const clash = taken!;
    try {
      const install = (answer: string) =>
        berth([
          'install',
          '--recipe',
          path.join(fixtures, 'subnet-stack'),
          '--dir',
          stack.dir,
          '--yes',
          '--subnet',
          answer,
        ]);
      const refused = await install(clash);
      expect(refused.exitCode, text(refused)).toBe(6);
      const message = String(refused.stderr);
      expect(message).toContain(
        `Network net: its subnet ${clash} overlaps Docker network ${other} (${clash})`,
      );
      const free = /answer --subnet (\S+) \(free here\)/.exec(message)?.[1];
      expect(free, message).toMatch(/^\d+\.\d+\.\d+\.0\/24$/);
      expect(String(refused.stdout)).not.toContain('Wrote');

      const ok = await install(free!);
      expect(ok.exitCode, text(ok)).toBe(0);
      expect(await serviceStates(stack.dir)).toEqual({ app: 'running healthy' });
      const subnet = await docker(
        [
          'network',
          'inspect',
          '--format',
          '{{range .IPAM.Config}}{{.Subnet}}{{end}}',
          `${stack.project}_net`,
        ],
        root,
      );
      expect(String(subnet.stdout).trim()).toBe(free);
      // A re-run: its own network is no clash.
      const again = await install(free!);
      expect(again.exitCode, text(again)).toBe(0);
    } finally {
      await docker(['network', 'rm', other], root);
    }
  }, 120_000);
});
