// Every check of a machine against a recipe and its answers, as data (doctor prints them, install refuses on
// them). Pure: facts in, checks out.
import { evaluate, type Answers } from '../recipes/condition.js';
import type { RecipeManifest } from '../recipes/schema.js';
import { budgetFor, modelAdvice } from './advice.js';
import type { MachineFacts } from './facts.js';
import { DOCKER_PROXY } from './ports.js';
import { composeFix, dockerGroupFix, dockerInstallFix, dockerStartFix, familyOf } from './fixes.js';
import { enabledFeatures, neededFor, portsNeeded, resourceChecks, type Check } from './requirements.js';

export function dockerChecks(facts: MachineFacts): Check[] {
  const d = facts.docker;
  if (!d) return [];
  const sys = facts.system;
  const family = sys ? familyOf(sys.distro) : 'other';
  const wsl = sys?.wsl ?? false;
  const checks: Check[] = [];
  const e = d.engine;
  if (e.reachable) {
    checks.push({
      id: 'docker',
      title: 'Docker engine',
      status: d.cli ? 'pass' : 'fail',
      detail: d.cli
        ? `${e.version}${e.rootless ? ' (rootless)' : ''} at ${d.host}`
        : `engine ${e.version} answers, but there is no docker command on PATH`,
      ...(d.cli ? {} : { fix: dockerInstallFix(family, wsl) }),
    });
  } else {
    const fix = {
      'not-installed': () => dockerInstallFix(family, wsl),
      'not-running': () =>
        dockerStartFix({
          wsl,
          systemd: sys?.systemd ?? true,
          rootless: false,
          customHost: d.host !== 'unix:///var/run/docker.sock' && !d.host.endsWith('/var/run/docker.sock'),
        }),
      'permission-denied': () =>
        facts.isRoot ? [`# the socket refuses even root: check ${d.host} and DOCKER_HOST`] : dockerGroupFix(),
      timeout: () => ['sudo systemctl restart docker   # the engine does not answer'],
      error: () => ['# see `docker info` and the engine log: journalctl -u docker'],
    }[e.problem]();
    const what = {
      'not-installed': 'Docker is not installed',
      'not-running': 'the engine is not running',
      'permission-denied': `permission denied on the engine socket${facts.isRoot ? '' : ': this user is not in the docker group'}`,
      timeout: 'the engine did not answer in time',
      error: 'the engine answered with an error',
    }[e.problem];
    checks.push({
      id: 'docker',
      title: 'Docker engine',
      status: 'fail',
      detail: `${what} (${e.detail})`,
      fix,
    });
  }
  const c = d.compose;
  if (c.plugin && Number(c.plugin.split('.')[0]) >= 2)
    checks.push({
      id: 'compose',
      title: 'Docker Compose',
      status: 'pass',
      detail: `v${c.plugin} (docker compose)`,
    });
  else
    checks.push({
      id: 'compose',
      title: 'Docker Compose',
      status: 'fail',
      detail: c.standalone
        ? c.standalone.startsWith('1.')
          ? `only Compose v1 (docker-compose ${c.standalone}) found; berth needs Compose v2 (\`docker compose\`)`
          : `docker-compose ${c.standalone} is installed, but not as the \`docker compose\` plugin`
        : 'Compose v2 (`docker compose`) not found',
      fix: composeFix(family, c.standalone),
    });
  return checks;
}

export function gpuCheck(
  facts: MachineFacts,
  need: 'none' | 'optional' | 'required' | undefined,
  chosen: boolean,
): Check | undefined {
  const gpu = facts.gpu;
  const failing = gpu.ladder?.find((r) => r.status === 'fail');
  const summary = gpu.ready
    ? `${gpu.names.join(', ') || `${gpu.count} GPU(s)`}${gpu.vramGb ? `, ${gpu.vramGb} GB VRAM` : ''}`
    : failing
      ? `${failing.title}: ${failing.detail}`
      : 'no NVIDIA GPU ready';
  if (gpu.ready) return { id: 'gpu', title: 'NVIDIA GPU', status: 'pass', detail: `ready: ${summary}` };
  if (chosen)
    return {
      id: 'gpu',
      title: 'NVIDIA GPU',
      status: 'fail',
      detail: `the GPU is chosen but not ready — ${summary}`,
      fix: [...(failing?.fix ?? []), '# or install without it: --no-gpu'],
    };
  if (need === 'required')
    return {
      id: 'gpu',
      title: 'NVIDIA GPU',
      status: 'fail',
      detail: `required, not ready — ${summary}`,
      ...(failing?.fix ? { fix: failing.fix } : {}),
    };
  if (need === 'optional')
    return {
      id: 'gpu',
      title: 'NVIDIA GPU',
      status: 'info',
      detail: `optional; not ready, so models run on the CPU — ${summary}`,
    };
  return undefined;
}

export function portChecks(
  facts: MachineFacts,
  wanted: readonly number[],
  flagFor: (port: number) => string | undefined,
): Check[] {
  return (facts.ports ?? [])
    .filter((p) => wanted.includes(p.port))
    .map((p) => {
      if (p.free)
        return { id: `port-${p.port}`, title: `Port ${p.port}`, status: 'pass', detail: 'free' } as Check;
      const who = p.holder
        ? `${p.holder.name} (pid ${p.holder.pid})`
        : 'a process berth cannot see (run as root to see which)';
      const flag = flagFor(p.port);
      if (p.ownStack)
        return {
          id: `port-${p.port}`,
          title: `Port ${p.port}`,
          status: 'pass',
          detail: "published by this install's own stack",
        } as Check;
      if (p.holder && DOCKER_PROXY.test(p.holder.name))
        return {
          id: `port-${p.port}`,
          title: `Port ${p.port}`,
          status: 'warn',
          detail: `taken by a container (${who}): fine if it is this install's own stack, else stop that container`,
        } as Check;
      return {
        id: `port-${p.port}`,
        title: `Port ${p.port}`,
        status: 'fail',
        detail: `taken by ${who}`,
        fix: [
          flag
            ? `# choose another port: ${flag} <port>`
            : `# free port ${p.port} (stop ${p.holder?.name ?? 'that service'})`,
        ],
      } as Check;
    });
}

/** Every check for this recipe and these answers, in display order. */
export function evaluateMachine(facts: MachineFacts, manifest: RecipeManifest, answers: Answers): Check[] {
  const need = neededFor(manifest.requirements, answers, facts);
  const features = enabledFeatures(manifest, answers, facts);
  const gpuChosen = features.includes('gpu');
  const ports = portsNeeded(manifest, answers, facts);
  const flagFor = (port: number) => {
    const q = manifest.questions.find((x) => x.type === 'port' && Number(answers[x.id]) === port);
    return q ? `--${q.id.replaceAll('_', '-')}` : undefined;
  };
  const checks = [...dockerChecks(facts), ...resourceChecks(need, facts)];
  const gpu = gpuCheck(facts, need.gpu, gpuChosen);
  if (gpu) checks.push(gpu);
  // Sizing advice only where the recipe declares a locally run model (recipe.yaml `modelAdvice`).
  const sizing = manifest.modelAdvice;
  if (sizing && evaluate(sizing.when, { answers, facts })) {
    const chosen = answers[sizing.question];
    const budget = budgetFor(facts, gpuChosen && facts.gpu.ready);
    const advice = modelAdvice(budget, typeof chosen === 'string' ? chosen : undefined, sizing.examples);
    checks.push({ id: 'model', title: 'Local models', ...advice });
  }
  checks.push(...portChecks(facts, ports, flagFor), ...dnsChecks(facts));
  return checks;
}

/** Each exposed domain: resolves to this machine (pass), elsewhere or nowhere (a warning naming both sides). */
export function dnsChecks(facts: MachineFacts): Check[] {
  const dns = facts.dns;
  if (!dns) return [];
  const ours = dns.addresses.join(', ') || 'none found';
  return dns.domains.map((d): Check => {
    const base = { id: `dns-${d.domain}`, title: `DNS ${d.domain}` };
    if (d.addresses.length === 0)
      return {
        ...base,
        status: 'warn',
        detail: `does not resolve (${d.error ?? 'no address'}): a certificate cannot be issued for it`,
        fix: [`# add a DNS A record: ${d.domain} → this machine's public address (here: ${ours})`],
      };
    if (d.addresses.some((a) => dns.addresses.includes(a)))
      return { ...base, status: 'pass', detail: `resolves to this machine (${d.addresses.join(', ')})` };
    return {
      ...base,
      status: 'warn',
      detail:
        `resolves to ${d.addresses.join(', ')}, not to an address of this machine (${ours}): ` +
        'fine if that address forwards ports 80 and 443 here, else the certificate cannot be issued',
      fix: [`# point ${d.domain} at this machine, or forward ports 80 and 443 from ${d.addresses[0]}`],
    };
  });
}

export interface Preflight {
  /** Problems that stop an install (--skip-checks overrides). */
  blocking: string[];
  warnings: string[];
}

/**
 * For `berth install`: the checks, reduced to what blocks and what to warn about. With `start: false`
 * (render, --dry-run, --no-start) the engine and the ports do not matter.
 */
export function preflight(
  facts: MachineFacts,
  recipe: { manifest: RecipeManifest },
  answers: Answers,
  options: { start?: boolean } = {},
): Preflight {
  const startOnly = new Set(['docker']);
  const checks = evaluateMachine(facts, recipe.manifest, answers).filter(
    (c) =>
      options.start !== false ||
      !(startOnly.has(c.id) || c.id.startsWith('port-') || c.id.startsWith('dns-')),
  );
  const line = (c: Check) => `${c.title}: ${c.detail}${c.fix ? `\n    ${c.fix.join('\n    ')}` : ''}`;
  return {
    blocking: checks.filter((c) => c.status === 'fail').map(line),
    warnings: checks.filter((c) => c.status === 'warn').map(line),
  };
}
