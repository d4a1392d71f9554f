// Builds dist/berth.mjs once before the suite, so end-to-end tests run the bundle a user runs. Afterwards, a swarm
// the swarm tests made on the engine is left again (test/engine/swarm-harness.ts).
import { execFileSync } from 'node:child_process';
import { leaveTestSwarm } from './engine/swarm-harness.js';

export default function setup(): () => Promise<void> {
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { stdio: 'inherit' });
  return leaveTestSwarm;
}
