// `berth plan`: what an install with these answers would change, before anything is written. The files (a
// unified diff of each, secrets masked), the services compose would create, recreate or remove (its own config
// hash per service against the running containers' labels), the images that change, the volumes and host
// folders that appear, the secrets generated now, and the hooks and builds that would run. An install whose plan
// is empty touches nothing.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { Exec } from '../compose/exec.js';
import { composeEnv } from '../compose/docker-compose.js';
import { parsePs } from '../diagnose/evidence.js';
import { unifiedDiff } from '../install-dir/diff.js';
import type { Conflict, FileAction } from '../install-dir/plan.js';
import { maskSecrets, serviceNames } from '../messages.js';
import { isSecretQuestion } from '../answers/names.js';
import { ENV_FILE } from '../render/render-recipe.js';
import { parseDotenv } from '../render/dotenv.js';
import { pendingHooks } from './hooks.js';
import type { Prepared } from './prepare.js';
import { stageFinalFiles } from './validate.js';

export type ServiceAction = 'create' | 'recreate' | 'start' | 'remove' | 'unchanged';

export interface ChangePlan {
  /** Anything at all would change (files, containers, volumes, host folders, hooks or builds to run). */
  changed: boolean;
  files: { path: string; action: FileAction; conflict?: Conflict; diff?: string[] }[];
  /** Per service; undefined when the engine could not be asked (no Compose, or it failed: see `unknown`). */
  services?: { name: string; action: ServiceAction; image?: { from: string; to: string } }[];
  /** Why the services could not be compared, when they could not. */
  unknown?: string;
  volumes: { added: string[]; removed: string[] };
  hostPaths: { path: string; description: string; exists: boolean }[];
  secretsAdded: string[];
  hooks: string[];
  builds: string[];
}

/** The plan of this install against the folder and the engine as they are now. */
export async function changePlan(p: Prepared, exec: Exec, compose: boolean): Promise<ChangePlan> {
  const files = p.plan.map((e) => {
    const entry: ChangePlan['files'][number] = { path: e.path, action: e.action };
    if (e.conflict) entry.conflict = e.conflict;
    if (e.action === 'update' && e.file) {
      const before = readFileSync(path.join(p.dir, e.path), 'utf8');
      entry.diff = unifiedDiff(maskBefore(before, p), maskSecrets(e.file.content, p));
    }
    return entry;
  });
  const hostPaths = p.rendering.hostPaths.map((h) => ({
    path: h.path,
    description: h.description,
    exists: existsSync(h.path),
  }));
  const hooks = pendingHooks(p.rendering.hooks, p.previous.state?.hooksDone).map((h) => h.id);
  const builds = p.rendering.builds.map((b) => b.service);
  const declared = declaredVolumes(p);
  const engine = compose ? await engineState(p, exec) : { unknown: 'Docker Compose is not available here' };
  const existing = engine.volumes ?? [];
  const volumes = {
    added: declared.filter((v) => !existing.includes(v)),
    removed: existing.filter((v) => !declared.includes(v)),
  };
  const plan: ChangePlan = {
    changed: false,
    files,
    ...(engine.services && { services: engine.services }),
    ...(engine.unknown !== undefined && { unknown: engine.unknown }),
    volumes,
    hostPaths,
    secretsAdded: [...p.secrets.generated],
    hooks,
    builds,
  };
  plan.changed =
    files.some((f) => f.action === 'create' || f.action === 'update' || f.action === 'remove') ||
    plan.services === undefined ||
    plan.services.some((s) => s.action !== 'unchanged') ||
    volumes.added.length > 0 ||
    hostPaths.some((h) => !h.exists) ||
    plan.secretsAdded.length > 0 ||
    hooks.length > 0 ||
    builds.length > 0;
  return plan;
}

/** The file as it is on disk, with the values of the secrets the previous install had masked too. */
function maskBefore(text: string, p: Prepared): string {
  const names = new Set([
    ...p.recipe.manifest.secrets.map((s) => s.env),
    ...p.recipe.manifest.questions.filter((q) => isSecretQuestion(q) && q.env).map((q) => q.env!),
  ]);
  const old = Object.entries(p.previous.env)
    .filter(([name, value]) => names.has(name) && value.length > 0)
    .sort((a, b) => b[1].length - a[1].length);
  return old.reduce((out, [name, value]) => out.split(value).join(`<secret:${name}>`), maskSecrets(text, p));
}

/** Named volumes of the rendered compose files, as compose names them (<project>_<key>, or their `name:`). */
function declaredVolumes(p: Prepared): string[] {
  const names = new Set<string>();
  for (const f of p.rendering.files.filter((x) => p.rendering.composeFiles.includes(x.path))) {
    const doc = parse(f.content) as {
      volumes?: Record<string, { name?: string; external?: boolean } | null>;
    };
    for (const [key, spec] of Object.entries(doc?.volumes ?? {})) {
      if (spec?.external) continue;
      names.add(spec?.name ?? `${p.project}_${key}`);
    }
  }
  return [...names].sort();
}

interface EngineState {
  services?: NonNullable<ChangePlan['services']>;
  volumes?: string[];
  unknown?: string;
}

/**
 * Asks compose for the new files' config hash per service (staged in a temporary folder, read with this install's
 * folder as the project directory so relative paths hash the same), and the engine for the containers and
 * volumes of the project.
 */
async function engineState(p: Prepared, exec: Exec): Promise<EngineState> {
  const stage = stageFinalFiles(p);
  try {
    const envText = p.rendering.files.find((f) => f.path === ENV_FILE)!.content;
    const dotenv = parseDotenv(envText);
    const env = composeEnv({ cwd: p.dir, envNames: Object.keys(dotenv) });
    const files = p.rendering.composeFiles.flatMap((f) => ['-f', path.join(stage, f)]);
    const base = ['compose', '--project-directory', p.dir, '--env-file', path.join(stage, ENV_FILE)];
    const withProject = [...base, '-p', p.project, ...files];
    const [hashes, config, ps, volumes] = await Promise.all([
      exec('docker', [...withProject, 'config', '--hash', '*'], { cwd: stage, env, timeoutMs: 60_000 }),
      exec('docker', [...withProject, 'config', '--format', 'json'], { cwd: stage, env, timeoutMs: 60_000 }),
      exec('docker', ['compose', '-p', p.project, 'ps', '-a', '--format', 'json'], {
        cwd: stage,
        env,
        timeoutMs: 30_000,
      }),
      exec('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${p.project}`], {
        cwd: stage,
        env,
        timeoutMs: 30_000,
      }),
    ]);
    const failed = [hashes, config, ps, volumes].find((r) => r.exitCode !== 0);
    if (failed)
      return { unknown: (failed.stderr || failed.stdout).trim().split('\n').at(-1) ?? 'docker failed' };
    const wanted = new Map(
      hashes.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.trim().split(/\s+/) as [string, string]),
    );
    const images = imagesOf(config.stdout);
    const starting = new Set(serviceNames(p));
    const running = new Map(parsePs(ps.stdout).map((row) => [row.Service, row]));
    const services: NonNullable<ChangePlan['services']> = [];
    for (const name of [...wanted.keys()].filter((n) => starting.has(n)).sort()) {
      const row = running.get(name) as (ReturnType<typeof parsePs>[number] & { Image?: string }) | undefined;
      const to = images[name] ?? '';
      if (!row) {
        services.push({ name, action: 'create', ...(to && { image: { from: '', to } }) });
        continue;
      }
      const hash = labelOf(row.Labels, 'com.docker.compose.config-hash');
      const from = row.Image ?? '';
      const image = to && from && from !== to ? { image: { from, to } } : {};
      const oneshot = p.recipe.manifest.services.some((s) => s.name === name && s.oneshot);
      const action: ServiceAction =
        hash !== wanted.get(name)
          ? 'recreate'
          : row.State === 'running' || (oneshot && row.State === 'exited' && row.ExitCode === 0)
            ? 'unchanged'
            : 'start';
      services.push({ name, action, ...image });
    }
    for (const name of [...running.keys()].filter((n) => !starting.has(n) || !wanted.has(n)).sort())
      services.push({ name, action: 'remove' });
    return { services, volumes: volumes.stdout.split('\n').filter(Boolean).sort() };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function imagesOf(json: string): Record<string, string> {
  try {
    const doc = JSON.parse(json) as { services?: Record<string, { image?: string }> };
    return Object.fromEntries(
      Object.entries(doc.services ?? {}).map(([name, s]) => [
        name,
        typeof s.image === 'string' ? s.image : '',
      ]),
    );
  } catch {
    return {};
  }
}

function labelOf(labels: string | undefined, key: string): string | undefined {
  for (const pair of (labels ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at) === key) return pair.slice(at + 1);
  }
  return undefined;
}

const serviceWord: Record<ServiceAction, string> = {
  create: 'create  ',
  recreate: 'recreate',
  start: 'start   ',
  remove: 'remove  ',
  unchanged: 'same    ',
};

/** The plan as lines for a person. */
export function changePlanText(plan: ChangePlan): string {
  const out: string[] = [];
  if (!plan.changed)
    return 'No change: the install is already what these answers make (nothing to write or restart).\n';
  const changedFiles = plan.files.filter((f) => f.action !== 'unchanged' && f.action !== 'keep');
  out.push(changedFiles.length > 0 ? 'Files:' : 'Files: no change');
  for (const f of changedFiles) {
    const note = f.conflict === 'edited' ? '  ← edited outside berth' : '';
    out.push(`  ${f.action.padEnd(8)} ${f.path}${note}`);
    for (const line of f.diff ?? []) out.push(`    ${line}`);
  }
  if (plan.services) {
    const moving = plan.services.filter((s) => s.action !== 'unchanged');
    out.push(moving.length > 0 ? 'Services:' : 'Services: no change');
    for (const s of moving) {
      const image = s.image?.from ? `   image ${s.image.from} → ${s.image.to}` : '';
      out.push(`  ${serviceWord[s.action]} ${s.name}${image}`);
    }
  } else out.push(`Services: not compared (${plan.unknown ?? 'unknown'})`);
  if (plan.volumes.added.length > 0) out.push(`Volumes created: ${plan.volumes.added.join(', ')}`);
  if (plan.volumes.removed.length > 0)
    out.push(`Volumes no longer used (kept, with their data): ${plan.volumes.removed.join(', ')}`);
  for (const h of plan.hostPaths.filter((x) => !x.exists))
    out.push(`Host folder created: ${h.path} (${h.description})`);
  if (plan.secretsAdded.length > 0) out.push(`Secrets generated: ${plan.secretsAdded.join(', ')}`);
  if (plan.builds.length > 0) out.push(`Images built from your source: ${plan.builds.join(', ')}`);
  if (plan.hooks.length > 0) out.push(`Hooks that run: ${plan.hooks.join(', ')}`);
  return `${out.join('\n')}\n`;
}
