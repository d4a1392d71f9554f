// The fixed subnets a stack's compose files give their networks (`ipam.config[].subnet`), checked before `up`
// against Docker's other networks and this machine's own routes. compose would stop half-way with "Pool overlaps
// with other one on this address space" (another network) or start a network that hides part of the LAN (a
// route); berth names the owner and a subnet that is free here instead.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { flagName } from '../answers/names.js';
import type { Exec } from '../compose/exec.js';
import type { Answers } from '../recipes/condition.js';
import type { Question } from '../recipes/schema.js';
import type { Rendering } from '../render/render-recipe.js';
import type { ProbeEnv } from './probe.js';

export interface Cidr {
  base: number;
  bits: number;
  text: string;
}

/** An IPv4 CIDR (`172.20.0.0/16`), or undefined for anything else (IPv6 is not checked). */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { base: masked(base, bits), bits, text: text.trim() };
}

const masked = (address: number, bits: number): number =>
  bits === 0 ? 0 : Number((BigInt(address) >> BigInt(32 - bits)) << BigInt(32 - bits));

/** Whether two networks share an address: the shorter prefix contains the other's base. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.bits, b.bits);
  return masked(a.base, bits) === masked(b.base, bits);
}

const dotted = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

/**
 * A subnet of the same size as `wanted` that overlaps none of `taken`, the first in `ranges` (by default the private
 * ones: 172.16-31, then 10, then 192.168).
 */
export function freeSubnet(
  wanted: Cidr,
  taken: readonly Cidr[],
  ranges: readonly string[] = ['172.16.0.0/12', '10.0.0.0/8', '192.168.0.0/16'],
): string | undefined {
  const size = 2 ** (32 - wanted.bits);
  for (const range of ranges.map((r) => parseCidr(r)!)) {
    if (wanted.bits < range.bits) continue;
    const end = range.base + 2 ** (32 - range.bits);
    for (let base = range.base; base < end; base += size) {
      const candidate = { base, bits: wanted.bits, text: `${dotted(base)}/${wanted.bits}` };
      if (!taken.some((t) => overlaps(t, candidate))) return candidate.text;
    }
  }
  return undefined;
}

export interface DeclaredSubnet {
  /** The network's key in the compose files. */
  network: string;
  /** Its name on the engine: `name:` when set, else <project>_<key>. */
  engineName: string;
  subnet: Cidr;
}

type NetworkSpec = { name?: unknown; ipam?: { config?: { subnet?: unknown }[] | null } | null } | null;

/** The IPv4 subnets the compose files (in order, later files win per network) give their networks. */
export function declaredSubnets(contents: readonly string[], project: string): DeclaredSubnet[] {
  const networks = new Map<string, NetworkSpec>();
  for (const content of contents) {
    const doc = parse(content) as { networks?: Record<string, NetworkSpec> } | null;
    for (const [key, spec] of Object.entries(doc?.networks ?? {})) {
      const prior = networks.get(key);
      networks.set(key, { ...(prior ?? {}), ...(spec ?? {}) });
    }
  }
  return [...networks].flatMap(([key, spec]) =>
    (spec?.ipam?.config ?? []).flatMap((c) => {
      const subnet = typeof c?.subnet === 'string' ? parseCidr(c.subnet) : undefined;
      if (!subnet) return [];
      const engineName = typeof spec?.name === 'string' ? spec.name : `${project}_${key}`;
      return [{ network: key, engineName, subnet }];
    }),
  );
}

export interface TakenSubnet {
  owner: string;
  subnet: Cidr;
}

/** The IPv4 subnets of Docker's networks (every one, the caller leaves out its own). */
export async function engineSubnets(exec: Exec, env: NodeJS.ProcessEnv): Promise<TakenSubnet[]> {
  const ids = await exec('docker', ['network', 'ls', '-q'], { env, timeoutMs: 15_000 });
  const list = String(ids.stdout).split('\n').filter(Boolean);
  if (ids.exitCode !== 0 || list.length === 0) return [];
  const format = '{{.Name}}{{range .IPAM.Config}} {{.Subnet}}{{end}}';
  const inspected = await exec('docker', ['network', 'inspect', '--format', format, ...list], {
    env,
    timeoutMs: 15_000,
  });
  return String(inspected.stdout)
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      const [name = '', ...subnets] = line.trim().split(/\s+/);
      return subnets.flatMap((s) => {
        const subnet = parseCidr(s);
        return subnet ? [{ owner: `Docker network ${name}`, subnet }] : [];
      });
    });
}

/**
 * This machine's IPv4 routes from /proc/net/route (hex, little-endian), less the default route and the routes
 * of Docker's own bridges (docker0, br-…: those networks are listed by the engine already).
 */
export function hostRoutes(table: string): TakenSubnet[] {
  const hex = (h: string) => {
    const n = parseInt(h, 16);
    return [0, 8, 16, 24].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
  };
  return table
    .split('\n')
    .slice(1)
    .flatMap((line) => {
      const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
      if (!iface || !destination || !mask || /^(docker\d*|br-[0-9a-f]+)$/.test(iface)) return [];
      const bits = hex(mask)
        .split('.')
        .reduce((acc, o) => acc + Number(o).toString(2).replaceAll('0', '').length, 0);
      if (bits === 0) return [];
      const subnet = parseCidr(`${hex(destination)}/${bits}`);
      return subnet ? [{ owner: `this machine's route on ${iface}`, subnet }] : [];
    });
}

function readRouteTable(root = '/'): string {
  try {
    return readFileSync(path.join(root, 'proc/net/route'), 'utf8');
  } catch {
    return '';
  }
}

/**
 * The check for an install: the subnets of its compose files (in COMPOSE_FILE order; the user's
 * compose.override.yaml as it is on disk), against the engine's networks and the routes. Nothing is run for a
 * stack that fixes no subnet.
 */
export async function stackSubnetProblems(
  input: {
    dir: string;
    project: string;
    rendering: Pick<Rendering, 'files' | 'composeFiles'>;
    answers: Answers;
    questions: readonly Pick<Question, 'id' | 'type'>[];
  },
  probe: Pick<ProbeEnv, 'exec' | 'env' | 'root'>,
): Promise<string[]> {
  const contents = input.rendering.composeFiles.flatMap((file) => {
    const onDisk = path.join(input.dir, file);
    const rendered = input.rendering.files.find((f) => f.path === file);
    if (rendered?.owner === 'user' && existsSync(onDisk)) return [readFileSync(onDisk, 'utf8')];
    return rendered ? [rendered.content] : [];
  });
  let declared: DeclaredSubnet[];
  try {
    declared = declaredSubnets(contents, input.project);
  } catch {
    return []; // a compose file that does not parse is reported by the validation
  }
  if (declared.length === 0) return [];
  const env = { ...probe.env } as NodeJS.ProcessEnv;
  const taken = [...(await engineSubnets(probe.exec, env)), ...hostRoutes(readRouteTable(probe.root))];
  const flagFor = (subnet: string) => {
    const q = input.questions.find((x) => x.type !== 'secret' && String(input.answers[x.id]) === subnet);
    return q ? flagName(q.id) : undefined;
  };
  return subnetProblems(declared, taken, flagFor);
}

/** One line per declared subnet that overlaps another network or a route, with a free one to use instead. */
export function subnetProblems(
  declared: readonly DeclaredSubnet[],
  taken: readonly TakenSubnet[],
  flagFor: (subnet: string) => string | undefined,
): string[] {
  return declared.flatMap((d) => {
    const others = taken.filter((t) => t.owner !== `Docker network ${d.engineName}`);
    const clash = others.find((t) => overlaps(t.subnet, d.subnet));
    if (!clash) return [];
    const free = freeSubnet(d.subnet, [...others.map((t) => t.subnet), ...declared.map((x) => x.subnet)]);
    const flag = flagFor(d.subnet.text);
    const instead = free
      ? flag
        ? `answer ${flag} ${free} (free here)`
        : `use ${free} (free here) in compose.override.yaml`
      : 'choose a subnet no other network or route uses';
    return [
      `Network ${d.network}: its subnet ${d.subnet.text} overlaps ${clash.owner} (${clash.subnet.text}); ${instead}.`,
    ];
  });
}
