// The subnet check before `up`: CIDR arithmetic, the networks compose files declare, the routes of
// /proc/net/route, and the message that names the owner of a clash and a free subnet.
import { describe, expect, it } from 'vitest';
import {
  declaredSubnets,
  freeSubnet,
  hostRoutes,
  overlaps,
  parseCidr,
  subnetProblems,
} from '../../src/detect/subnets.js';

const cidr = (text: string) => parseCidr(text)!;

describe('subnets', () => {
  it('parses IPv4 CIDRs to their network base and refuses anything else', () => {
    expect(parseCidr('172.20.1.5/16')).toEqual({
      base: cidr('172.20.0.0/16').base,
      bits: 16,
      text: '172.20.1.5/16',
    });
    for (const bad of ['fd00::/64', '172.20.0.0', '300.1.1.1/8', '10.0.0.0/33', 'x'])
      expect(parseCidr(bad)).toBeUndefined();
  });

  it('overlaps when the shorter prefix contains the other', () => {
    expect(overlaps(cidr('172.20.0.0/16'), cidr('172.20.5.0/24'))).toBe(true);
    expect(overlaps(cidr('10.0.0.0/8'), cidr('10.200.0.0/16'))).toBe(true);
    expect(overlaps(cidr('172.20.0.0/16'), cidr('172.21.0.0/16'))).toBe(false);
    expect(overlaps(cidr('192.168.1.0/24'), cidr('192.168.2.0/24'))).toBe(false);
  });

  it('finds a free subnet of the same size, private ranges first', () => {
    expect(freeSubnet(cidr('172.20.0.0/16'), [cidr('172.16.0.0/14'), cidr('172.20.0.0/16')])).toBe(
      '172.21.0.0/16',
    );
    expect(freeSubnet(cidr('10.1.2.0/24'), [cidr('172.16.0.0/12'), cidr('10.0.0.0/24')])).toBe('10.0.1.0/24');
    // Ranges of the caller's, in order: the next range when the first is full.
    const ranges = ['198.18.0.0/23', '100.64.0.0/10'];
    expect(freeSubnet(cidr('0.0.0.0/24'), [cidr('198.18.0.0/24')], ranges)).toBe('198.18.1.0/24');
    expect(freeSubnet(cidr('0.0.0.0/24'), [cidr('198.18.0.0/23')], ranges)).toBe('100.64.0.0/24');
    expect(freeSubnet(cidr('0.0.0.0/24'), [cidr('0.0.0.0/0')], ranges)).toBeUndefined();
  });

  it('reads the routes of /proc/net/route, less the default route and Docker bridges', () => {
    const table = [
      'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
      'eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
      'br-0123456789ab\t000014AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
      'wg0\t0000140A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
    ].join('\n');
    expect(hostRoutes(table).map((r) => `${r.owner} ${r.subnet.text}`)).toEqual([
      "this machine's route on eth0 192.168.1.0/24",
      "this machine's route on wg0 10.20.0.0/16",
    ]);
  });

  it('reads the subnets compose files declare, a later file winning, with their engine names', () => {
    const base =
      'networks:\n  net:\n    ipam:\n      config:\n        - subnet: 172.20.0.0/16\n  plain: {}\n';
    const override = 'networks:\n  net:\n    name: lustores_network\n';
    expect(declaredSubnets([base], 'demo')).toEqual([
      { network: 'net', engineName: 'demo_net', subnet: cidr('172.20.0.0/16') },
    ]);
    expect(declaredSubnets([base, override], 'demo')[0]?.engineName).toBe('lustores_network');
  });

  it('names the network it overlaps and a free subnet, as the answer that sets it when there is one', () => {
    const declared = declaredSubnets(
      ['networks:\n  net:\n    ipam:\n      config:\n        - subnet: 172.20.0.0/16\n'],
      'demo',
    );
    const taken = [
      { owner: 'Docker network other_default', subnet: cidr('172.20.0.0/16') },
      { owner: 'Docker network demo_net', subnet: cidr('172.20.0.0/16') },
    ];
    expect(subnetProblems(declared, taken, () => '--subnet')).toEqual([
      'Network net: its subnet 172.20.0.0/16 overlaps Docker network other_default (172.20.0.0/16); answer --subnet 172.16.0.0/16 (free here).',
    ]);
    // Its own network (a re-run) is no clash.
    expect(subnetProblems(declared, taken.slice(1), () => undefined)).toEqual([]);
    expect(subnetProblems(declared, taken.slice(0, 1), () => undefined)[0]).toContain(
      'use 172.16.0.0/16 (free here) in compose.override.yaml',
    );
  });
});
