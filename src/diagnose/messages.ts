// Every word berth says about a failed bring-up, in one place: the summary and hint for each cause, and the
// lines printed for a diagnosis.
import type { Finding } from './classify.js';
import type { Diagnosis } from './diagnose.js';
import type { PortHolder } from './port-holder.js';

export interface Surroundings {
  holder?: PortHolder;
  /** The stack's images the engine does not have (asked when the registry is out of reach). */
  missingImages?: string[];
  /** Free space where the engine keeps images and containers, when it could be measured. */
  dockerRoot?: { dir: string; freeBytes: number };
}

/** Why a process ended, from its exit code (128 + n is signal n). */
export function exitMeaning(code: number, oomKilled = false): string | undefined {
  if (oomKilled) return 'killed by the kernel: out of memory';
  if (code === 137) return 'killed with SIGKILL: often out of memory, or stopped by force';
  if (code === 143) return 'stopped with SIGTERM';
  if (code === 139) return 'crashed: segmentation fault';
  if (code === 126) return 'its command could not be run';
  if (code === 127) return 'its command was not found in the image';
  return undefined;
}

const withCode = (code: number | undefined, oom?: boolean): string => {
  if (code === undefined) return 'stopped';
  const meaning = exitMeaning(code, oom);
  return `exited with code ${code}${meaning ? ` (${meaning})` : ''}`;
};

/** The last non-empty line of a health check's output, shortened for a one-line summary. */
export function firstWords(output: string | undefined, max = 160): string | undefined {
  const line = output
    ?.split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  if (!line) return undefined;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function unhealthyWords(f: Finding): string {
  const times = f.failingStreak ? ` ${f.failingStreak} time${f.failingStreak === 1 ? '' : 's'}` : '';
  const out = firstWords(f.healthOutput);
  if (!f.turnedUnhealthy) return `is unhealthy: its health check failed${times}${out ? `: ${out}` : ''}`;
  const deps = f.dependents?.length
    ? ` ${f.dependents.join(', ')} depend${f.dependents.length === 1 ? 's' : ''} on it.`
    : '';
  return `turned unhealthy after it had passed its health check: it has failed${times} since${out ? `: ${out}` : ''}.${deps}`;
}

function portHolderWords(h: PortHolder | undefined): string {
  switch (h?.kind) {
    case 'container':
    case 'process':
      return ` by ${h.holder}`;
    case 'hidden':
      return ' by another program (berth cannot see which: run as root to find out)';
    default:
      return '';
  }
}

const gb = (bytes: number): string =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;

/** Images missing and no registry in reach: name them all, and the way to install without a network. */
function offlineWords(f: Finding, missing: string[] | undefined): { summary: string; hint: string } {
  const images = missing?.length ? missing : f.image ? [f.image] : [];
  const list = images.length ? `: ${images.join(', ')}` : '';
  return {
    summary: `${images.length || 'Some'} image${images.length === 1 ? ' is' : 's are'} not on this machine, and the registry cannot be reached to pull ${images.length === 1 ? 'it' : 'them'}${list}. (The engine said: ${f.evidence ?? 'no answer'}.)`,
    hint:
      'To install without a network: on a machine that has these images or can pull them, run `berth bundle` with the ' +
      'same --recipe and answers and -o FILE, copy FILE here, and install from it: ' +
      'tar -xOf FILE berth-bundle/install.sh | sh -s -- --bundle FILE. Or give this machine access to the registry, then install again.',
  };
}

export function describe(f: Finding, s: Surroundings = {}): { summary: string; hint: string } {
  const svc = f.service ?? 'A service';
  switch (f.cause) {
    case 'unhealthy':
      return {
        summary: `${svc} ${unhealthyWords(f)}`,
        hint: f.turnedUnhealthy
          ? `It started fine and then stopped answering: its log above usually says why. The check itself is services.${f.service ?? '<service>'}.healthcheck in compose.yaml.`
          : `Its log above usually says why. The check itself is services.${f.service ?? '<service>'}.healthcheck in compose.yaml.`,
      };
    case 'exited':
      return {
        summary: `${svc} ${withCode(f.exitCode, f.oomKilled)}.`,
        hint: f.oomKilled
          ? 'Give the machine more memory (or swap), or lower the service’s memory settings, then install again.'
          : 'Its log above says why it stopped. Fix that, then install again.',
      };
    case 'port-in-use': {
      const where = f.address ?? `port ${f.port ?? '?'}`;
      return {
        summary: `${svc} cannot publish port ${f.port ?? '?'}: ${where} is already in use${portHolderWords(s.holder)}.`,
        hint: 'Stop what holds the port, or install again with another port.',
      };
    }
    case 'image-missing': {
      const image = f.image ? `The image ${f.image}` : 'An image';
      const forSvc = f.service ? ` for ${f.service}` : '';
      if (f.registryUnreachable) return offlineWords(f, s.missingImages);
      return f.pullFailed
        ? {
            summary: `${image}${forSvc} could not be pulled: ${f.evidence ?? 'the registry did not answer'}.`,
            hint: 'Check the network, the image name and tag, and `docker login` for private registries, then install again.',
          }
        : {
            summary: `${image}${forSvc} is not on this machine, and it was not pulled.`,
            hint: `Pull it (docker pull ${f.image ?? '<image>'}) or build it, then install again.`,
          };
    }
    case 'daemon-unreachable':
      return {
        summary: `The Docker engine ${f.engineStopped ? 'stopped answering while the stack was starting' : 'cannot be reached'}${f.evidence ? `: ${f.evidence}` : '.'}`,
        hint: 'Start it (sudo systemctl start docker; where systemd does not run: sudo setsid -f dockerd >>/var/log/dockerd.log 2>&1) and check DOCKER_HOST and `docker context ls`, then install again.',
      };
    case 'disk-full': {
      const root = s.dockerRoot;
      const space = root
        ? ` ${root.dir} has ${gb(root.freeBytes)} free${root.freeBytes > 1e9 ? ', so a volume or mount of its own is full' : ''}.`
        : '';
      return {
        summary: `${svc} ran out of disk space: ${f.evidence ?? 'no space left on device'}.${space}`,
        hint: 'Free some space (`docker system prune` removes unused images and containers; check the size of any volume with a size limit), then install again.',
      };
    }
    case 'dependency-failed': {
      const waiting = f.dependents?.length ? f.dependents.join(', ') : 'The stack';
      const how =
        f.dependency === 'unhealthy'
          ? unhealthyWords(f)
          : f.dependency === 'incomplete'
            ? `did not complete successfully (${withCode(f.exitCode, f.oomKilled)})`
            : f.dependency === 'running'
              ? `was still running after ${f.waitSeconds ?? '?'} s: it is a job that must finish first, and it did not`
              : withCode(f.exitCode, f.oomKilled);
      return {
        summary: `${waiting} could not start: ${f.service ?? 'a service it depends on'}, which it depends on, ${how}.`,
        hint: `Fix ${f.service ?? 'that service'} first: its log is above.`,
      };
    }
    case 'timeout': {
      const out = firstWords(f.healthOutput);
      const when =
        f.waitSeconds === undefined ? 'when docker compose stopped waiting' : `after ${f.waitSeconds}s`;
      return {
        summary: `${svc} was not healthy ${when}${out ? `: its health check says ${out}` : '.'}`,
        hint: 'It may only be slow to start: install again with a longer --wait-timeout, or read its log above.',
      };
    }
    default:
      return {
        summary: `docker compose failed and berth cannot tell why${f.evidence ? `: ${f.evidence}` : '.'}`,
        hint: 'Run `docker compose ps -a` and `docker compose logs` in the install folder to see more.',
      };
  }
}

/** The lines to print for a diagnosis: summary, health output, hint, full-log path, then the log tail. */
export function formatDiagnosis(d: Diagnosis): string[] {
  const lines = [d.summary];
  const health = d.healthOutput?.split('\n').filter((l) => l.trim());
  if (health?.length) lines.push('Last health check output:', ...health.map((l) => `    ${l}`));
  lines.push(`Hint: ${d.hint}`);
  if (d.logFile) lines.push(`Full log: ${d.logFile}`);
  if (d.logTail.length > 0) {
    lines.push(
      `Last ${d.logTail.length} log line${d.logTail.length === 1 ? '' : 's'} of ${d.service ?? 'the service'}:`,
    );
    lines.push(...d.logTail.map((l) => `    ${l}`));
  }
  return lines;
}
