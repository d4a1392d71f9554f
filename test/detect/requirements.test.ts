// Recipe requirements against facts: the 5% margin, combining requirements per mode, the ports the answers need.
import { describe, expect, it } from 'vitest';
import { compare, neededFor, portsNeeded, resourceChecks } from '../../src/detect/requirements.js';
import { facts as baseFacts } from '../render/cases.js';
import { loadRecipe } from '../../src/recipes/registry.js';

describe('compare: at or above passes, within 5% below warns, further below fails', () => {
  it.each([
    [16, 16, 'pass'],
    [17, 16, 'pass'],
    [15.6, 16, 'warn'],
    [15.2, 16, 'warn'],
    [15.1, 16, 'fail'],
    [8, 16, 'fail'],
    [2, 4, 'fail'],
  ] as const)('%s of %s → %s', (actual, minimum, expected) => {
    expect(compare(actual, minimum)).toBe(expected);
  });
});

describe('magec requirements per mode', async () => {
  const magec = (await loadRecipe('magec')).manifest;
  it.each([
    ['local', { ramGb: 16, diskGb: 30, cpus: 4, gpu: 'optional' }],
    ['openai', { ramGb: 4, diskGb: 10, cpus: 2, gpu: 'none' }],
    ['anthropic', { ramGb: 6, diskGb: 12, cpus: 2, gpu: 'none' }],
  ] as const)('mode %s needs %o', (mode, expected) => {
    expect(neededFor(magec.requirements, { mode }, baseFacts)).toMatchObject(expected);
  });

  it('ports: the port answers, plus 80/443 with a domain (magec declares them in exposes)', () => {
    expect(
      portsNeeded(magec, { mode: 'openai', magec_port: 8080, admin_port: 8081, domain: '' }, baseFacts),
    ).toEqual([8080, 8081]);
    expect(
      portsNeeded(magec, { magec_port: 9000, admin_port: 9001, domain: 'a.example.com' }, baseFacts).sort(),
    ).toEqual([443, 80, 9000, 9001].sort());
  });

  it('ports, without exposes: every port answer, plus the ports an enabled override declares', () => {
    const legacy = {
      ...magec,
      exposes: undefined,
      overrides: magec.overrides.map((o) => (o.feature === 'https' ? { ...o, ports: [80, 443] } : o)),
    };
    expect(
      portsNeeded(legacy, { magec_port: 9000, admin_port: 9001, domain: 'a.example.com' }, baseFacts),
    ).toEqual([80, 443, 9000, 9001]);
  });

  it('ports: a recipe without exposes or an override that declares them never needs 80/443 for a domain', () => {
    const plain = {
      ...magec,
      exposes: undefined,
      overrides: magec.overrides.map(({ ports: _ports, ...o }) => o),
    };
    expect(
      portsNeeded(plain, { magec_port: 9000, admin_port: 9001, domain: 'a.example.com' }, baseFacts),
    ).toEqual([9000, 9001]);
  });
});

describe('resourceChecks', () => {
  const facts = {
    ...baseFacts,
    cpus: 2,
    ramGb: 15.5,
    disk: [
      { path: '/opt/x', measuredAt: '/opt', freeGb: 100, device: 1 },
      { path: '/var/lib/docker', measuredAt: '/var/lib/docker', freeGb: 20, device: 2 },
    ],
  };
  it('warns, refuses and measures the tightest disk', () => {
    const checks = resourceChecks({ ramGb: 16, diskGb: 30, cpus: 4, notes: [] }, facts);
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['cpus', 'fail'],
      ['ram', 'warn'],
      ['disk', 'fail'],
    ]);
    expect(checks[2]!.detail).toBe('100 GB at /opt, 20 GB at /var/lib/docker (needs 30 GB)');
    expect(checks[0]!.fix).toEqual(['# or install anyway: berth install --skip-checks']);
  });
});
