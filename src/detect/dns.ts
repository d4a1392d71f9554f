// The DNS check for the domains a recipe says must reach this machine (recipe.yaml `exposes.domains`): each is
// resolved through the system resolver (so /etc/hosts counts) and compared with this machine's own addresses.
// A mismatch is a warning, never a refusal: behind NAT or a proxy the public address is not one of ours.
import { promises as dns } from 'node:dns';
import { machineAddresses } from './facts.js';

export interface DnsFact {
  domain: string;
  /** What the domain resolves to; empty when it does not resolve. */
  addresses: string[];
  /** Why it did not resolve (ENOTFOUND, a timeout). */
  error?: string;
}

export type Lookup = (name: string) => Promise<string[]>;

const systemLookup: Lookup = async (name) =>
  (await dns.lookup(name, { all: true, verbatim: true })).map((a) => a.address);

/** Resolves every domain at once, each with its own deadline. */
export async function probeDomains(
  domains: readonly string[],
  lookup: Lookup = systemLookup,
): Promise<DnsFact[]> {
  return Promise.all(
    [...new Set(domains)].map(async (domain) => {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error('timed out'), { code: 'timed out after 5 s' })),
          5000,
        );
      });
      try {
        return { domain, addresses: await Promise.race([lookup(domain), deadline]) };
      } catch (error) {
        return { domain, addresses: [], error: String((error as NodeJS.ErrnoException).code ?? error) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

/** The DNS facts for these domains; undefined when there are none (the recipe exposes no domain). */
export async function dnsFacts(
  domains: readonly string[],
): Promise<{ domains: DnsFact[]; addresses: string[] } | undefined> {
  if (domains.length === 0) return undefined;
  return { domains: await probeDomains(domains), addresses: machineAddresses() };
}
