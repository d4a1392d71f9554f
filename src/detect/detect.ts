// Gathers every fact in parallel, each probe with its own time limit: the slowest probe sets the wall time.
import { detectDocker } from './docker.js';
import { basicFacts, type DetectedFacts, type MachineFacts } from './facts.js';
import { containerGpuTest, gatherGpuEvidence, gpuLadder } from './gpu.js';
import { probePorts } from './ports.js';
import { probeEnv, type ProbeEnv } from './probe.js';
import { freeDisk, memory } from './resources.js';
import { detectSystem } from './system.js';

export interface DetectOptions {
  /** The install folder: free disk is measured there. */
  dir: string;
  /** TCP ports the chosen answers publish. */
  ports?: readonly number[];
  /** Also run a real `docker run --gpus all` (rung 4) when rungs 1–3 pass. */
  gpuTest?: { image: string };
  /** Fixture trees, PATH and time limits for tests. */
  probe?: Partial<ProbeEnv>;
  base?: MachineFacts;
}

export async function detectFacts(options: DetectOptions): Promise<DetectedFacts> {
  const p = probeEnv(options.probe);
  const base = options.base ?? basicFacts();
  const system = detectSystem(p);
  const mem = memory(p);
  const [docker, evidence, ports] = await Promise.all([
    detectDocker(p),
    gatherGpuEvidence(p),
    probePorts(options.ports ?? [], p),
  ]);
  let gpu = gpuLadder(evidence, system, docker.engine);
  if (options.gpuTest && gpu.ready) {
    evidence.containerTest = await containerGpuTest(p, options.gpuTest.image);
    gpu = gpuLadder(evidence, system, docker.engine);
  }
  const disks = [freeDisk(options.dir)];
  if (docker.engine.reachable && docker.host.startsWith('unix://'))
    disks.push(freeDisk(docker.engine.rootDir));
  const disk = disks.filter((d) => d !== undefined);
  return {
    ...base,
    ramGb: mem.totalGb,
    ramAvailableGb: mem.availableGb,
    system,
    // Two paths on one filesystem are one budget: keep the first.
    disk: disk.filter((d, i) => disk.findIndex((o) => o.device === d.device) === i),
    docker,
    gpu,
    ports,
  };
}
