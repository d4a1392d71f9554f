// Practices about what reaches the network and the disk: no plain HTTP on every interface next to HTTPS, secrets
// only in 0600 files and only as ${VAR:?} in compose files, and a .env that sets what the compose files require.
import { ENV_FILE } from '../render/render-recipe.js';
import {
  composeDocs,
  dotenv,
  fileOf,
  problem,
  secretValues,
  services,
  type Check,
  type Problem,
} from './rendered.js';

/** A published port with no host address listens on every interface. */
const onAllInterfaces = (port: unknown): boolean => {
  const spec = typeof port === 'object' && port !== null ? (port as { host_ip?: string }) : undefined;
  if (spec) return !spec.host_ip || spec.host_ip === '0.0.0.0' || spec.host_ip === '::';
  const parts = String(port)
    .replace(/\$\{[^}]*\}/g, 'VAR')
    .split(':');
  return parts.length < 3 || parts[0] === '0.0.0.0' || parts[0] === '';
};

/**
 * When HTTPS fronts the stack (something publishes 443), no other TCP port is reachable from outside: it would
 * serve the same app over plain HTTP. UDP (WebRTC media) is not HTTP and stays public.
 */
export const checkPlainHttpBehindTls: Check = (r) => {
  const all = [...services(r)].flatMap(([name, defs]) =>
    defs.flatMap(({ path: p, service }) => (service.ports ?? []).map((port) => ({ name, p, port }))),
  );
  const https = all.some(({ port }) => /(^|:)443(\/tcp)?$/.test(String(port)));
  if (!https) return [];
  return all
    .filter(({ port }) => !/(^|:)(80|443)(\/(tcp|udp))?$|\/udp$/.test(String(port)) && onAllInterfaces(port))
    .map(({ name, p, port }) =>
      problem(p, `${name} publishes ${String(port)} on all interfaces next to HTTPS`),
    );
};

export const checkSecretFiles: Check = (r) => {
  const problems: Problem[] = [];
  for (const f of r.rendering.files.filter((f) => f.mode !== 0o600)) {
    for (const secret of secretValues(r)) {
      if (f.content.includes(secret))
        problems.push(problem(f.path, `(mode ${f.mode.toString(8)}) holds a secret value`));
    }
  }
  return problems;
};

/** Secret variables appear in compose values only inside ${NAME:?message} (required, so never silently empty). */
export const checkSecretReferences: Check = (r) => {
  const m = r.recipe.manifest;
  const names = [
    ...m.secrets.map((s) => s.env),
    ...m.questions.filter((q) => q.type === 'secret' && q.env).map((q) => q.env!),
  ];
  const problems: Problem[] = [];
  const visit = (file: string, where: string, node: unknown): void => {
    if (typeof node === 'string') {
      const rest = node.replaceAll('$$', '').replace(/\$\{[A-Z_][A-Z0-9_]*:\?[^}]*\}/g, '');
      for (const name of names) {
        if (new RegExp(`\\b${name}\\b`).test(rest))
          problems.push(problem(file, `${where}: ${name} outside \${${name}:?…}: ${node}`));
      }
    } else if (Array.isArray(node)) node.forEach((v, i) => visit(file, `${where}[${i}]`, v));
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) visit(file, where ? `${where}.${k}` : k, v);
    }
  };
  for (const { path: p, doc } of composeDocs(r)) visit(p, '', doc);
  return problems;
};

export const checkEnvFile: Check = (r) => {
  const env = dotenv(r);
  const problems: Problem[] = [];
  if (env.COMPOSE_FILE !== r.rendering.composeFiles.join(':'))
    problems.push(problem(ENV_FILE, `COMPOSE_FILE is ${env.COMPOSE_FILE}`));
  if (fileOf(r, ENV_FILE).mode !== 0o600) problems.push(problem(ENV_FILE, '.env is not 0600'));
  for (const { path: p } of composeDocs(r)) {
    for (const [, name] of fileOf(r, p).content.matchAll(/(?<!\$)\$\{([A-Z_][A-Z0-9_]*):\?/g)) {
      if (!env[name!]) problems.push(problem(p, `requires ${name}, which .env leaves empty`));
    }
  }
  for (const f of r.rendering.files.filter((f) => f.path.endsWith('.json'))) {
    try {
      JSON.parse(f.content);
    } catch (error) {
      problems.push(problem(f.path, `not valid JSON (${(error as Error).message})`));
    }
  }
  return problems;
};
