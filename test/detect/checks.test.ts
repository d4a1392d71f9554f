// Checks and preflight, pure: Docker problems and their fixes, Compose v1, GPU chosen vs ready, ports, models.
import { describe, expect, it } from 'vitest';
import { dockerChecks, evaluateMachine, preflight } from '../../src/detect/checks.js';
import type { DockerFacts } from '../../src/detect/docker.js';
import { loadRecipe } from '../../src/recipes/registry.js';
import { readyGpu, sampleFacts, toolkitMissing } from './sample-facts.js';

const magec = await loadRecipe('magec');
const openai = { mode: 'openai', magec_port: 8080, admin_port: 8081, domain: '' };
const local = {
  mode: 'local',
  llm_model: 'qwen3:8b',
  gpu: false,
  magec_port: 8080,
  admin_port: 8081,
  domain: '',
};
const withDocker = (docker: Partial<DockerFacts>) =>
  sampleFacts({ docker: { ...sampleFacts().docker, ...docker } });

describe('dockerChecks: why the engine cannot be used, and the fix', () => {
  it.each([
    ['not-installed', false, /Docker is not installed/, /get\.docker\.com/],
    ['not-running', false, /the engine is not running/, /sudo systemctl enable --now docker/],
    ['permission-denied', false, /not in the docker group/, /sudo usermod -aG docker \$USER/],
    ['permission-denied', true, /permission denied on the engine socket \(/, /refuses even root/],
    ['timeout', false, /did not answer in time/, /restart docker/],
  ] as const)('%s (root: %s)', (problem, isRoot, detail, fix) => {
    const facts = { ...withDocker({ engine: { reachable: false, problem, detail: 'x' } }), isRoot };
    const [engine] = dockerChecks(facts);
    expect(engine).toMatchObject({ id: 'docker', status: 'fail', detail: expect.stringMatching(detail) });
    expect(engine!.fix!.join('\n')).toMatch(fix);
  });

  it.each([
    ['systemd', { systemd: true, wsl: false }, /^sudo systemctl enable --now docker$/],
    ['no systemd (a container)', { systemd: false, wsl: false }, /no systemd here[^]*sudo setsid -f dockerd/],
    ['WSL2 without systemd', { systemd: false, wsl: true }, /Docker Desktop[^]*sudo setsid -f dockerd/],
    ['WSL2 with systemd', { systemd: true, wsl: true }, /^sudo systemctl enable --now docker$/],
  ] as const)('a stopped engine, %s: the fix starts it the way this machine can', (_name, system, fix) => {
    const base = withDocker({ engine: { reachable: false, problem: 'not-running', detail: 'x' } });
    const facts = { ...base, system: { ...base.system!, ...system } };
    expect(dockerChecks(facts)[0]!.fix!.join('\n')).toMatch(fix);
  });

  it.each([
    [{ plugin: '2.29.1', standalone: undefined }, 'pass', /v2\.29\.1/, undefined],
    [
      { plugin: undefined, standalone: '1.29.2' },
      'fail',
      /only Compose v1 \(docker-compose 1\.29\.2\)/,
      /apt-get install -y docker-compose-plugin/,
    ],
    [{ plugin: undefined, standalone: '2.20.0' }, 'fail', /not as the `docker compose` plugin/, /ln -s/],
    [{ plugin: undefined, standalone: undefined }, 'fail', /not found/, /docker-compose-plugin/],
  ] as const)('compose %o → %s', (compose, status, detail, fix) => {
    const check = dockerChecks(withDocker({ compose: { ...compose } })).find((c) => c.id === 'compose')!;
    expect(check.status).toBe(status);
    expect(check.detail).toMatch(detail);
    if (fix) expect(check.fix!.join('\n')).toMatch(fix);
  });
});

describe('preflight', () => {
  it('nothing blocks openai mode on a good machine', () => {
    expect(preflight(sampleFacts(), magec, openai)).toEqual({ blocking: [], warnings: [] });
  });

  it('blocks on a stopped engine, below-minimum memory and a taken port; warns within 5%', () => {
    const facts = sampleFacts({
      ramGb: 3.9,
      cpus: 1,
      docker: {
        ...sampleFacts().docker,
        engine: { reachable: false, problem: 'not-running', detail: 'no socket' },
      },
      ports: [
        { port: 8080, free: false, holder: { pid: 42, name: 'nginx' } },
        { port: 8081, free: true },
      ],
    });
    const { blocking, warnings } = preflight(facts, magec, openai);
    expect(blocking.map((b) => b.split(':')[0])).toEqual(['Docker engine', 'CPU cores', 'Port 8080']);
    expect(blocking[2]).toMatch(/taken by nginx \(pid 42\)\n {4}# choose another port: --magec-port <port>/);
    expect(warnings).toEqual(['Memory: 3.9 GB (30 GB available) (needs 4 GB)']);
  });

  it('without a start (render, --dry-run) the engine and ports do not block', () => {
    const facts = sampleFacts({
      docker: { ...sampleFacts().docker, engine: { reachable: false, problem: 'not-running', detail: 'x' } },
      ports: [{ port: 8080, free: false }],
    });
    expect(preflight(facts, magec, openai, { start: false }).blocking).toEqual([]);
    expect(preflight(facts, magec, openai).blocking).toHaveLength(2);
  });

  it('a port held by docker-proxy (a container, maybe this install) only warns', () => {
    const facts = sampleFacts({
      ports: [{ port: 8080, free: false, holder: { pid: 7, name: 'docker-proxy' } }],
    });
    expect(preflight(facts, magec, openai)).toMatchObject({
      blocking: [],
      warnings: [expect.stringMatching(/^Port 8080: taken by a container/)],
    });
  });

  it("a port this install's own stack publishes is neither taken nor a warning", () => {
    const facts = sampleFacts({
      ports: [{ port: 8080, free: false, holder: { pid: 7, name: 'docker-proxy' }, ownStack: true }],
    });
    expect(preflight(facts, magec, openai)).toEqual({ blocking: [], warnings: [] });
  });

  it('GPU chosen but not ready blocks, with the failing rung fix; optional GPU not ready is fine', () => {
    const facts = sampleFacts({ gpu: toolkitMissing() });
    expect(preflight(facts, magec, { ...local, gpu: true }).blocking).toEqual([
      'NVIDIA GPU: the GPU is chosen but not ready — toolkit: toolkit fail\n    fix toolkit\n    # or install without it: --no-gpu',
    ]);
    expect(preflight(facts, magec, local).blocking).toEqual([]);
  });

  it('only checks what the answers use: no ports in facts, no port checks', () => {
    const checks = evaluateMachine(sampleFacts(), magec.manifest, openai);
    expect(checks.map((c) => c.id)).toEqual(['docker', 'compose', 'cpus', 'ram', 'disk']);
  });
});

describe('local AI advice sized to VRAM or RAM', () => {
  it.each([
    [
      { gpu: readyGpu(8192) },
      true,
      'qwen3:8b',
      'pass',
      /qwen3:8b \(~5\.8 GB\) fits in 8 GB of VRAM; models up to ~8B parameters fit/,
    ],
    [
      { gpu: readyGpu(8192) },
      true,
      'qwen3:14b',
      'warn',
      /qwen3:14b needs ~9\.4 GB but there is 8 GB of VRAM: it will be slow \(spills to the CPU\)/,
    ],
    [{ ramGb: 16 }, false, 'qwen3:8b', 'pass', /~12 GB of RAM for models \(CPU\); models up to ~14B/],
    [{ ramGb: 8 }, false, 'qwen3:8b', 'warn', /needs ~5\.8 GB but there is ~4 GB of RAM/],
  ] as const)('%o gpu=%s %s → %s', (over, gpu, model, status, detail) => {
    const checks = evaluateMachine(sampleFacts(over), magec.manifest, { ...local, gpu, llm_model: model });
    expect(checks.find((c) => c.id === 'model')).toMatchObject({
      status,
      detail: expect.stringMatching(detail),
    });
  });
});
