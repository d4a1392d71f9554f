import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Ink drops intermediate frames when CI=true; UI tests need every frame.
    env: { CI: 'false' },
    // A test that asserts nothing cannot fail: make it fail instead.
    expect: { requireAssertions: true },
    // Room for a slow or busy machine (three files at a time): a time limit here is a hang guard, never a speed goal.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Three files at a time even on a 2-core machine: most of the suite waits on the engine and its containers,
    // not on the CPU. Every engine test has its own compose project, port and folders, so files do not collide.
    // On 2 cores the whole suite took 698 s with two (the CPUs 39% idle) and 563 s with three (24% idle).
    maxWorkers: 3,
    globalSetup: ['test/global-setup.ts'],
  },
});
