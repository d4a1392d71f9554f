#!/usr/bin/env node
// berth's one entry and one exit: parse argv, run, map errors to exit codes. --version and --help answer
// before anything heavy is imported.
import { generalHelp } from './cli/help.js';
import { loadCore } from './core-loader.js';
import { berthVersion } from './version.js';
import { terminalKind } from './wizard/terminal.js';

async function main(argv: string[]): Promise<number> {
  const first = argv.find((a) => !a.startsWith('-'));
  if (argv.includes('--version') || argv.includes('-V')) {
    process.stdout.write(`${berthVersion()}\n`);
    return 0;
  }
  if (
    (argv.includes('--help') || argv.includes('-h') || first === 'help') &&
    (first === undefined || first === 'help')
  ) {
    process.stdout.write(generalHelp);
    return 0;
  }
  // NO_COLOR (no-color.org): Ink's colour library only reads FORCE_COLOR, and reads it when it loads.
  if (process.env.NO_COLOR && process.env.FORCE_COLOR === undefined) process.env.FORCE_COLOR = '0';
  // The wizard's first lines go up before the core loads (which takes a few hundred ms with Ink).
  const greeted = first !== undefined && first !== 'install' && first !== 'render' ? false : greet(argv);
  let core: Awaited<ReturnType<typeof loadCore>>;
  try {
    core = await loadCore();
  } catch (error) {
    process.stderr.write(`✖ ${(error as Error).message}\n`);
    return 1;
  }
  const { run, reportError } = core;
  try {
    return await run(argv, greeted ? { greeted } : {});
  } catch (error) {
    return reportError(error, process.stderr);
  }
}

/** Prints the wizard's heading at once when this run will be interactive (see wizard/terminal.ts). */
function greet(argv: string[]): boolean {
  if (argv.includes('--help') || argv.includes('-h') || argv.includes('--json')) return false;
  if (!terminalKind({ env: process.env, argv })) return false;
  const bold = (text: string) => (process.env.NO_COLOR ? text : `\x1b[1m${text}\x1b[22m`);
  const dim = (text: string) => (process.env.NO_COLOR ? text : `\x1b[2m${text}\x1b[22m`);
  process.stdout.write(
    `${bold(`berth ${berthVersion()} · guided installer for self-hosted stacks`)}\n` +
      `${dim('Checking this machine (system, Docker, GPU)…')}\n`,
  );
  return true;
}

process.exitCode = await main(process.argv.slice(2));
