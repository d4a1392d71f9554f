// Dispatches a parsed command line to its command, with the real I/O wired in.
import { basicFacts } from './detect/facts.js';
import type { Context } from './context.js';
import { installCommand } from './commands/install.js';
import { recipesCommand } from './commands/recipes.js';
import { isUnattended, type Command, type Invocation } from './cli/args.js';
import { openTerminal } from './wizard/terminal.js';
import { execaExec } from './compose/exec.js';

export async function run(cli: Invocation, overrides: Partial<Context> = {}): Promise<number> {
  const env = overrides.env ?? process.env;
  const terminal = 'prompter' in overrides ? undefined : openTerminal({ env, unattended: isUnattended(cli) });
  try {
    return await dispatch({
      cli,
      cwd: process.cwd(),
      env,
      stdout: process.stdout,
      stderr: process.stderr,
      // inquirer loads only when a command outside the wizard asks something (uninstall --purge).
      prompter: terminal
        ? async (request) => (await import('./answers/prompt.js')).inquirerPrompter(terminal)(request)
        : undefined,
      terminal,
      facts: basicFacts(),
      exec: execaExec,
      now: () => new Date(),
      ...overrides,
    });
  } finally {
    terminal?.release();
  }
}

const commands: Record<Exclude<Command, 'help'>, (ctx: Context) => Promise<number> | number> = {
  install: installCommand,
  render: installCommand,
  plan: installCommand,
  upgrade: async (ctx) => (await import('./commands/upgrade.js')).upgradeCommand(ctx),
  recipes: recipesCommand,
  recipe: async (ctx) => (await import('./commands/recipe.js')).recipeCommand(ctx),
  doctor: async (ctx) => (await import('./commands/doctor.js')).doctorCommand(ctx),
  status: async (ctx) => (await import('./commands/status.js')).statusCommand(ctx),
  logs: async (ctx) => (await import('./commands/logs.js')).logsCommand(ctx),
  down: async (ctx) => (await import('./commands/down.js')).downCommand(ctx),
  uninstall: async (ctx) => (await import('./commands/uninstall.js')).uninstallCommand(ctx),
  backup: async (ctx) => (await import('./commands/backup.js')).backupCommand(ctx),
  restore: async (ctx) => (await import('./commands/backup.js')).restoreCommand(ctx),
  bundle: async (ctx) => (await import('./commands/bundle.js')).bundleCommand(ctx),
};

function dispatch(ctx: Context): Promise<number> | number {
  // `help` is answered by the entry before the core loads.
  return commands[ctx.cli.command as Exclude<Command, 'help'>](ctx);
}
