#!/usr/bin/env node
// berth's one entry and one exit: parse argv, run, map errors to exit codes. --version and --help answer
// before anything heavy is imported.
import { generalHelp } from './cli/help.js';
import { loadCore } from './core-loader.js';
import { berthVersion } from './version.js';

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
  let core: Awaited<ReturnType<typeof loadCore>>;
  try {
    core = await loadCore();
  } catch (error) {
    process.stderr.write(`✖ ${(error as Error).message}\n`);
    return 1;
  }
  const { run, reportError } = core;
  try {
    return await run(argv);
  } catch (error) {
    return reportError(error, process.stderr);
  }
}

process.exitCode = await main(process.argv.slice(2));
