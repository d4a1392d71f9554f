// The exposure a recipe declares and the DNS check over it: ports and domains read only from `exposes`, each
// domain resolved through the system resolver (/etc/hosts included) and compared with this machine's addresses.
// The end-to-end case runs `berth doctor` in a private mount namespace whose /etc/hosts is the test's own file,
// so the real resolver answers for names the test controls and the machine's /etc/hosts is never touched.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { dnsChecks } from '../../src/detect/checks.js';
import { probeDomains } from '../../src/detect/dns.js';
import { machineAddresses } from '../../src/detect/facts.js';
import { domainsNeeded, portsNeeded } from '../../src/detect/requirements.js';
import { loadRecipe } from '../../src/recipes/registry.js';
import { bundle, cleanEnv, tempDir } from '../helpers.js';
import { sampleFacts } from './sample-facts.js';

describe('exposure', () => {
  it('magec: its two ports, and 80/443 only with a domain; the domains that need certificates', async () => {
    const { manifest } = await loadRecipe('magec');
    const plain = { mode: 'openai', magec_port: 8080, admin_port: 8081, domain: '' };
    expect(portsNeeded(manifest, plain, sampleFacts())).toEqual([8080, 8081]);
    const https = { ...plain, domain: 'voice.example.com', admin_domain: 'admin.example.com' };
    expect(portsNeeded(manifest, https, sampleFacts())).toEqual([8080, 8081, 80, 443]);
    expect(domainsNeeded(manifest, https, sampleFacts())).toEqual(['voice.example.com', 'admin.example.com']);
    expect(domainsNeeded(manifest, plain, sampleFacts())).toEqual([]);
  });

  it('reflector: the port of an external Redis is not published here, so it is not checked', async () => {
    const { manifest } = await loadRecipe('reflector');
    const answers = {
      frontend_domain: '',
      web_port: 3000,
      server_port: 1250,
      redis: 'external',
      redis_port: 6379,
    };
    expect(portsNeeded(manifest, answers, sampleFacts())).toEqual([3000, 1250]);
  });
});

describe('the DNS check', () => {
  const facts = (domains: { domain: string; addresses: string[]; error?: string }[]) =>
    sampleFacts({ dns: { domains, addresses: ['192.0.2.10', '2001:db8::10'] } });

  it('passes a domain that resolves to this machine; warns, naming both sides, for one that does not', () => {
    const checks = dnsChecks(
      facts([
        { domain: 'here.example.com', addresses: ['192.0.2.10'] },
        { domain: 'there.example.com', addresses: ['203.0.113.7'] },
        { domain: 'nowhere.example.com', addresses: [], error: 'ENOTFOUND' },
      ]),
    );
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['dns-here.example.com', 'pass'],
      ['dns-there.example.com', 'warn'],
      ['dns-nowhere.example.com', 'warn'],
    ]);
    expect(checks[1]!.detail).toContain(
      'resolves to 203.0.113.7, not to an address of this machine (192.0.2.10, 2001:db8::10)',
    );
    expect(checks[2]!.detail).toContain('does not resolve (ENOTFOUND)');
  });

  it('resolves through the system resolver: localhost is loopback, .invalid never resolves', async () => {
    const [local, invalid] = await probeDomains(['localhost', 'berth-test.invalid']);
    expect(local!.addresses).toContain('127.0.0.1');
    expect(invalid).toMatchObject({ addresses: [], error: expect.stringMatching(/ENOTFOUND|EAI_AGAIN/) });
    expect(machineAddresses()).not.toContain('127.0.0.1');
  });

  it(
    'berth doctor names each exposed domain against this machine, through /etc/hosts',
    { timeout: 60_000 },
    async () => {
      const [ours] = machineAddresses();
      expect(ours, 'this machine has a non-loopback address').toBeDefined();
      const dir = tempDir();
      const hosts = path.join(dir, 'hosts');
      writeFileSync(
        hosts,
        `127.0.0.1 localhost\n${ours} voice.example.test\n203.0.113.7 admin.example.test\n`,
      );
      const doctor = `exec ${process.execPath} ${bundle} doctor --json --mode openai --dir ${dir}/install --domain voice.example.test --admin-domain admin.example.test`;
      // A private mount namespace: /etc/hosts is the test's file for this process alone.
      const r = await execa('unshare', ['-m', 'sh', '-c', `mount --bind ${hosts} /etc/hosts && ${doctor}`], {
        env: cleanEnv(),
        extendEnv: false,
        reject: false,
      });
      const report = JSON.parse(String(r.stdout)) as {
        checks: { id: string; status: string; detail: string }[];
      };
      const byId = new Map(report.checks.map((c) => [c.id, c]));
      expect(byId.get('dns-voice.example.test'), String(r.stderr)).toMatchObject({
        status: 'pass',
        detail: expect.stringContaining(ours!),
      });
      expect(byId.get('dns-admin.example.test')).toMatchObject({
        status: 'warn',
        detail: expect.stringContaining(
          `resolves to 203.0.113.7, not to an address of this machine (${ours}`,
        ),
      });
    },
  );
});
