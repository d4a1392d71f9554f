// compose.verify.yaml: what makes a verification's throwaway project harmless next to the real one — no published
// ports, no fixed container names or subnets, and host folders redirected into the temporary folder.
import { stringify } from 'yaml';
import type { ComposeConfig } from './engine.js';
import type { BackupManifest } from './manifest.js';

export const VERIFY_FILE = 'compose.verify.yaml';

const reset = (value: unknown) => ({ __reset: value });

export function verifyOverride(
  config: ComposeConfig,
  m: Pick<BackupManifest, 'hostPaths' | 'emptyHostPaths'>,
  redirect: (hostPath: string) => string,
): string {
  const moved = new Set([...m.hostPaths.map((h) => h.path), ...m.emptyHostPaths.map((h) => h.path)]);
  const services: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(config.services)) {
    const binds = (s.volumes ?? []).filter((v) => v.type === 'bind' && v.source && moved.has(v.source));
    services[name] = {
      ports: reset([]),
      ...(s.container_name ? { container_name: reset(null) } : {}),
      ...(binds.length > 0
        ? { volumes: binds.map((v) => ({ type: 'bind', source: redirect(v.source!), target: v.target })) }
        : {}),
    };
  }
  const networks = Object.fromEntries(
    Object.entries(config.networks ?? {})
      .filter(([, n]) => (n as { ipam?: unknown } | null)?.ipam)
      .map(([k]) => [k, { ipam: reset({}) }]),
  );
  const doc = { services, ...(Object.keys(networks).length > 0 ? { networks } : {}) };
  // `!reset` is compose's tag for "drop what the other files say"; yaml writes the marker, the tag replaces it.
  return stringify(doc)
    .replace(/__reset: (.*)$/gm, (_m, v: string) => `!reset ${v}`)
    .replace(/:\n(\s+)!reset/g, ': !reset');
}
