#!/usr/bin/env node
// berth's one entry and one exit: parse argv (once, against the command table), run, map errors to exit codes.
// --version and --help answer before anything heavy is imported.
import { isUnattended, parseCommandLine, type Invocation } from './cli/args.js';
import { commandHelp, generalHelp } from './cli/table.js';
import { loadCore } from './core-loader.js';
import { reportError } from './report-error.js';
import { berthVersion } from './version.js';
import { terminalKind } from './wizard/terminal.js';

async function main(argv: string[]): Promise<number> {
  let cli: Invocation;
  try {
    cli = parseCommandLine(argv);
  } catch (error) {
    return reportError(error, process.stderr);
  }
  if (cli.options.version) {
    process.stdout.write(`${berthVersion()}\n`);
    return 0;
  }
  if (cli.command === 'help' || (cli.options.help && !cli.explicit)) {
    process.stdout.write(generalHelp());
    return 0;
  }
  // install and render list the recipe's questions too, so their help needs the recipe (the core).
  if (cli.options.help && !['install', 'render', 'plan'].includes(cli.command)) {
    process.stdout.write(commandHelp(cli.command));
    return 0;
  }
  // NO_COLOR (no-color.org): Ink's colour library only reads FORCE_COLOR, and reads it when it loads.
  if (process.env.NO_COLOR && process.env.FORCE_COLOR === undefined) process.env.FORCE_COLOR = '0';
  // The wizard's first lines go up before the core loads (which takes a few hundred ms with Ink).
  const greeted = greet(cli);
  let core: Awaited<ReturnType<typeof loadCore>>;
  try {
    core = await loadCore();
  } catch (error) {
    process.stderr.write(`✖ ${(error as Error).message}\n`);
    return 1;
  }
  try {
    return await core.run(cli, greeted ? { greeted } : {});
  } catch (error) {
    // The core's own reportError: its errors are instances of the core's classes, not of the entry's copies.
    return core.reportError(error, process.stderr);
  }
}

/** Prints the wizard's heading at once when this run will be interactive (see wizard/terminal.ts). */
function greet(cli: Invocation): boolean {
  if (cli.command !== 'install' && cli.command !== 'render') return false;
  if (cli.options.help || !terminalKind({ env: process.env, unattended: isUnattended(cli) })) return false;
  const bold = (text: string) => (process.env.NO_COLOR ? text : `\x1b[1m${text}\x1b[22m`);
  const dim = (text: string) => (process.env.NO_COLOR ? text : `\x1b[2m${text}\x1b[22m`);
  process.stdout.write(
    `${bold(`berth ${berthVersion()} · guided installer for self-hosted stacks`)}\n` +
      `${dim('Checking this machine (system, Docker, GPU)…')}\n`,
  );
  return true;
}

process.exitCode = await main(process.argv.slice(2));
