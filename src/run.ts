// Dispatches a command line to its command, with the real I/O wired in.
import { basicFacts } from './detect/facts.js';
import type { Context } from './context.js';
import { installCommand } from './commands/install.js';
import { recipesCommand } from './commands/recipes.js';
import { scanArgs } from './cli/args.js';
import { openTerminal } from './wizard/terminal.js';

export async function run(argv: readonly string[], overrides: Partial<Context> = {}): Promise<number> {
  const env = overrides.env ?? process.env;
  const terminal = 'prompter' in overrides ? undefined : openTerminal({ env, argv });
  try {
    return await dispatch({
      argv,
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
      now: () => new Date(),
      ...overrides,
    });
  } finally {
    terminal?.release();
  }
}

async function dispatch(ctx: Context): Promise<number> {
  const { command } = scanArgs(ctx.argv);
  if (command === 'recipes') return recipesCommand(ctx);
  if (command === 'doctor') return (await import('./commands/doctor.js')).doctorCommand(ctx);
  if (command === 'status') return (await import('./commands/status.js')).statusCommand(ctx);
  if (command === 'logs') return (await import('./commands/logs.js')).logsCommand(ctx);
  if (command === 'down') return (await import('./commands/down.js')).downCommand(ctx);
  if (command === 'uninstall') return (await import('./commands/uninstall.js')).uninstallCommand(ctx);
  return installCommand(ctx);
}
