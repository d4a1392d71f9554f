// Practices about the install folder as seen from the containers: no image is built from the folder that holds
// .env (the build context is sent to the builder whole), and every relative bind mount names something the
// rendering writes or a host folder it declares (hostPaths) — else Docker creates an empty root-owned folder in
// its place and the service starts broken.
import path from 'node:path';
import { dotenv, problem, services, type Check, type Problem, type Rendered } from './rendered.js';

/** `${VAR}`, `${VAR:-default}`, `${VAR:?message}` as compose reads them from .env; `$$` is a literal `$`. */
export function composeValue(text: string, env: Record<string, string>): string {
  const variable = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}/g;
  const one = (part: string) =>
    part.replace(variable, (_, name: string, colon?: string, op?: string, rest?: string) => {
      const value = env[name];
      const unset = value === undefined || (colon === ':' && value === '');
      if (op === '-') return unset ? (rest ?? '') : value;
      if (op === '+') return unset ? '' : (rest ?? '');
      return value ?? '';
    });
  return text.split('$$').map(one).join('$');
}

/** A path relative to the install folder, normalised ('.', 'site/index.html', '../x'); undefined when absolute. */
function inInstallFolder(source: string): string | undefined {
  if (path.posix.isAbsolute(source) || source.startsWith('~')) return undefined;
  return path.posix.normalize(source).replace(/\/$/, '') || '.';
}

const outside = (rel: string) => rel === '..' || rel.startsWith('../');

export const checkBuildContext: Check = (r) => {
  const env = dotenv(r);
  const problems: Problem[] = [];
  for (const [name, defs] of services(r)) {
    for (const { path: p, service } of defs) {
      if (service.build === undefined || service.build === null) continue;
      const raw =
        typeof service.build === 'string' ? service.build : (service.build as { context?: unknown }).context;
      const context = raw === undefined ? '.' : composeValue(String(raw), env);
      // A remote context (a Git URL) sends nothing from this machine.
      if (/^([a-z][a-z0-9+.-]*:\/\/|git@)/i.test(context)) continue;
      const rel = inInstallFolder(context);
      if (rel === undefined) continue;
      if (rel === '.' || outside(rel))
        problems.push(
          problem(
            p,
            `${name}.build context ${context} holds the install folder and its .env (secrets): build from a subfolder`,
          ),
        );
    }
  }
  return problems;
};

/** Relative bind-mount sources of one service: short syntax `./x:/y[:ro]` and long syntax `{type: bind, source}`. */
function bindSources(volumes: unknown[] | undefined, env: Record<string, string>): string[] {
  return (volumes ?? []).flatMap((v) => {
    if (typeof v === 'string') {
      const parts = composeValue(v, env).split(':');
      return parts.length >= 2 && parts[0]!.startsWith('.') ? [parts[0]!] : [];
    }
    const spec = (v ?? {}) as { type?: unknown; source?: unknown };
    if (spec.type !== 'bind' || typeof spec.source !== 'string') return [];
    const source = composeValue(spec.source, env);
    return source.startsWith('.') ? [source] : [];
  });
}

/** Every path the rendering writes, every folder above one, and the host folders it declares (berth makes them). */
function producedPaths(r: Rendered): Set<string> {
  const produced = new Set<string>();
  const add = (rel: string) => {
    const parts = rel.split('/');
    parts.forEach((_, i) => produced.add(parts.slice(0, i + 1).join('/')));
  };
  for (const f of r.rendering.files) add(f.path);
  for (const h of r.rendering.hostPaths) {
    const rel = inInstallFolder(h.path);
    if (rel !== undefined && rel !== '.' && !outside(rel)) add(rel);
  }
  return produced;
}

export const checkBindMounts: Check = (r) => {
  const env = dotenv(r);
  const produced = producedPaths(r);
  const problems: Problem[] = [];
  for (const [name, defs] of services(r)) {
    for (const { path: p, service } of defs) {
      for (const source of bindSources(service.volumes, env)) {
        const rel = inInstallFolder(source)!;
        if (rel === '.')
          problems.push(problem(p, `${name} mounts the whole install folder, .env (secrets) included`));
        else if (outside(rel))
          problems.push(problem(p, `${name} mounts ${source}, outside the install folder`));
        else if (!produced.has(rel))
          problems.push(
            problem(
              p,
              `${name} mounts ${source}, which the recipe neither writes nor declares in hostPaths (no file or folder ${rel})`,
            ),
          );
      }
    }
  }
  return problems;
};
