// Reads `docker compose --progress plain --ansi never up` stderr, one line at a time, into progress events.
// Compose 2.26 prints ` Container <project>-<service>-<n>  <Status>`, ` <service> Pulling`, ` <layer> Downloading
// [==>  ]  1.2MB/30MB`, and on failure a bare last line (`container X is unhealthy`, …). Samples of each are in
// test/progress/samples/.
import { serviceFromContainer } from '../compose/container-names.js';
import type { ProgressEvent, ServiceState } from './model.js';

export interface Known {
  project: string;
  services: readonly string[];
}

const containerStates: Record<string, ServiceState | null> = {
  Creating: 'creating',
  Created: 'creating',
  Recreate: 'creating',
  Recreated: 'creating',
  Starting: 'starting',
  Started: 'starting',
  Running: 'running',
  Healthy: 'healthy',
  // Under `up`, "Exited" is only printed for a container that exited 0 (anything else is an error line).
  Exited: 'completed',
  Waiting: null,
};

/** The service a container name belongs to: `<project>-<service>-<n>`, as compose names them. */
export function serviceOfContainer(name: string, known: Known): string | undefined {
  const bare = name.replace(/^\//, '');
  if (bare.startsWith(`${known.project}-`)) {
    const service = serviceFromContainer(bare, known.project);
    if (known.services.includes(service)) return service;
  }
  return known.services.find((s) => new RegExp(`[-_]${escape(s)}[-_]\\d+$`).test(bare));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function parseComposeLine(raw: string, known: Known, at: number): ProgressEvent[] {
  const line = raw.replace(/\s+$/, '');
  if (line.trim() === '') return [];
  const failed = failureLine(line, known, at);
  if (failed) return failed;
  const container = /^ Container (\S+) {2}(.*)$/.exec(line);
  if (container) return containerLine(container[1]!, container[2]!, known, at);
  if (/^ (Network|Volume) /.test(line)) return [];
  const word = /^ (\S+) (\S+)(?: (.*))?$/.exec(line);
  if (word) {
    const [, id, status, rest = ''] = word;
    if (known.services.includes(id!)) return serviceLine(id!, status!, rest, at);
    if (/^[0-9a-f]{12}$/.test(id!)) return layerLine(id!, `${status} ${rest}`, at);
  }
  return [{ type: 'message', at, text: line.trim() }];
}

function containerLine(name: string, text: string, known: Known, at: number): ProgressEvent[] {
  const service = serviceOfContainer(name, known);
  // Containers of no current service: orphans being removed.
  if (!service) return [];
  const notDone = /^service "[^"]+" didn't complete successfully: (.*)$/.exec(text);
  if (notDone) return [{ type: 'service', at, service, state: 'failed', detail: notDone[1]! }];
  const [status = '', ...rest] = text.split(' ');
  const state = containerStates[status];
  if (state === null) return [];
  if (state) return [{ type: 'service', at, service, state }];
  if (status === 'Error')
    return [{ type: 'service', at, service, state: 'failed', detail: rest.join(' ') || 'error' }];
  return [];
}

function serviceLine(service: string, status: string, rest: string, at: number): ProgressEvent[] {
  if (status === 'Pulling') return [{ type: 'service', at, service, state: 'pulling' }];
  if (status === 'Pulled') return [{ type: 'service', at, service, state: 'pulling', detail: 'pulled' }];
  if (status === 'Error')
    return [{ type: 'service', at, service, state: 'failed', detail: rest.trim() || 'error' }];
  return [];
}

const units: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };
const size = (n: string, unit: string) => Math.round(Number(n) * (units[unit] ?? 1));

function layerLine(layer: string, text: string, at: number): ProgressEvent[] {
  const bytes = /^Downloading .*?([\d.]+)([kKMGT]?B)\/([\d.]+)([kKMGT]?B)$/.exec(text);
  if (bytes) {
    const [, cur, cu, tot, tu] = bytes;
    return [{ type: 'layer', at, layer, current: size(cur!, cu!), total: size(tot!, tu!) }];
  }
  if (/^(Download complete|Verifying Checksum|Extracting|Pull complete)/.test(text))
    return [{ type: 'layer', at, layer, done: true }];
  return [];
}

function failureLine(line: string, known: Known, at: number): ProgressEvent[] | undefined {
  const patterns: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^container (\S+) is unhealthy$/, () => 'unhealthy'],
    [/^container (\S+) exited \((\d+)\)$/, (m) => `exit ${m[2]}`],
    [
      /^dependency failed to start: container (\S+) (.*)$/,
      (m) => m[2]!.replace(/^exited \((\d+)\)$/, 'exit $1'),
    ],
  ];
  for (const [pattern, detail] of patterns) {
    const m = pattern.exec(line);
    const service = m && serviceOfContainer(m[1]!, known);
    if (m && service)
      return [
        { type: 'service', at, service, state: 'failed', detail: detail(m) },
        { type: 'message', at, text: line },
      ];
  }
  const notDone = /^service "([^"]+)" didn't complete successfully: (.*)$/.exec(line);
  if (notDone && known.services.includes(notDone[1]!))
    return [
      { type: 'service', at, service: notDone[1]!, state: 'failed', detail: notDone[2]! },
      { type: 'message', at, text: line },
    ];
  return undefined;
}
