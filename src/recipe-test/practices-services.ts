// Practices about each service: pinned images from .env, healthchecks and restart policies, depends_on
// conditions, and no database or cache port on the host.
import { BUILD_FILE } from '../render/render-recipe.js';
import { dotenv, interpolate, oneshot, problem, services, type Check, type Problem } from './rendered.js';

const IMAGE_REF = /^\$\{([A-Z][A-Z0-9_]*):\?[^}]+\}$/;
const DATABASE_IMAGE = /(^|\/)(postgres|pgvector|redis|valkey|mysql|mariadb|mongo)[^/]*(:|@|$)/;

/** A tag that names a version (not `latest`), or a sha256 digest. */
export function pinnedImageProblem(ref: string | undefined): string | undefined {
  if (!ref) return 'is not set in .env';
  if (ref.includes('@')) return /@sha256:[0-9a-f]{64}$/.test(ref) ? undefined : 'has a malformed digest';
  const lastSegment = ref.split('/').at(-1)!;
  const tag = lastSegment.includes(':') ? lastSegment.split(':').at(-1)! : undefined;
  if (!tag) return 'has no tag (that means :latest)';
  if (/latest/i.test(tag)) return `uses the floating tag ${tag}`;
  return undefined;
}

export const checkImages: Check = (r) => {
  const env = dotenv(r);
  const problems: Problem[] = [];
  for (const [name, defs] of services(r)) {
    const images = defs.filter((d) => d.service.image !== undefined);
    if (images.length === 0) problems.push(problem(undefined, `${name}: no image in any compose file`));
    for (const { path: p, service } of images) {
      // An image berth builds from the user's source is tagged with the recipe's version in compose.build.yaml.
      if (p === BUILD_FILE && r.rendering.builds.some((b) => b.service === name && b.image === service.image))
        continue;
      const match = IMAGE_REF.exec(String(service.image));
      if (!match) {
        problems.push(
          problem(p, `${name}.image is ${String(service.image)}, not \${VAR:?message} from .env`),
        );
        continue;
      }
      const variable = match[1]!;
      const pinned = pinnedImageProblem(env[variable]);
      if (pinned) problems.push(problem(p, `${name}.image ${variable}=${env[variable] ?? ''} ${pinned}`));
      const question = r.recipe.manifest.questions.find((q) => q.env === variable);
      if (!question?.advanced)
        problems.push(problem(p, `${name}.image: ${variable} is not an advanced question's env`));
    }
  }
  return problems;
};

export const checkHealthchecks: Check = (r) => {
  const problems: Problem[] = [];
  const say = (message: string) => problems.push(problem(undefined, message));
  for (const [name, defs] of services(r)) {
    if (!r.recipe.manifest.services.some((s) => s.name === name)) {
      say(`${name}: not declared in the recipe's services: metadata`);
    }
    const restart = defs.map((d) => d.service.restart).findLast((v) => v !== undefined);
    if (oneshot(r, name)) {
      if (restart !== 'no') say(`${name}: a one-shot service needs restart: "no" (has ${String(restart)})`);
      continue;
    }
    const health = defs.map((d) => d.service.healthcheck).findLast((h) => h !== undefined);
    const test = health?.test;
    if (!health || health.disable === true || !Array.isArray(test) || test.length < 2 || test[0] === 'NONE') {
      say(`${name}: a long-running service without a healthcheck test`);
    }
    if (restart !== 'unless-stopped' && restart !== 'always') {
      say(`${name}: a long-running service with restart ${String(restart)}`);
    }
  }
  return problems;
};

export const checkDependsOn: Check = (r) => {
  const problems: Problem[] = [];
  const all = services(r);
  for (const [name, defs] of all) {
    for (const { path: p, service } of defs) {
      const dependsOn = service.depends_on;
      if (dependsOn === undefined) continue;
      if (Array.isArray(dependsOn) || typeof dependsOn !== 'object' || !dependsOn) {
        problems.push(problem(p, `${name}.depends_on is a list; use a map with condition:`));
        continue;
      }
      for (const [target, spec] of Object.entries(dependsOn as Record<string, unknown>)) {
        const condition = (spec as { condition?: unknown } | null)?.condition;
        const expected = oneshot(r, target) ? 'service_completed_successfully' : 'service_healthy';
        if (!all.has(target))
          problems.push(problem(p, `${name} depends on ${target}, which is not in the stack`));
        if (condition !== expected) {
          problems.push(
            problem(p, `${name}.depends_on.${target}.condition is ${String(condition)}, not ${expected}`),
          );
        }
      }
    }
  }
  return problems;
};

/** A published port bound to 127.0.0.1 or ::1 only (`127.0.0.1:5432:5432`, or host_ip in the long form). */
export const onLoopback = (port: unknown): boolean => {
  if (typeof port === 'object' && port !== null) {
    const ip = (port as { host_ip?: string }).host_ip;
    return ip === '127.0.0.1' || ip === '::1';
  }
  return /^(127\.0\.0\.1|\[::1\]):/.test(String(port));
};

export const checkDatabasePorts: Check = (r) => {
  const env = dotenv(r);
  const problems: Problem[] = [];
  for (const [name, defs] of services(r)) {
    const image = defs.map((d) => d.service.image).findLast((i) => i !== undefined);
    const resolved = interpolate(String(image ?? ''), env);
    if (!DATABASE_IMAGE.test(resolved) && !/^(postgres|redis|db|database|cache)$/.test(name)) continue;
    for (const { path: p, service } of defs) {
      // A port bound to the loopback address (an opt-in admin port) reaches only this machine.
      const open = (service.ports ?? []).filter((port) => !onLoopback(port));
      if (open.length > 0)
        problems.push(problem(p, `${name} (${resolved}) publishes ${open.map(String).join(', ')}`));
      if (service.network_mode === 'host')
        problems.push(problem(p, `${name} (${resolved}) uses the host network`));
    }
  }
  return problems;
};
