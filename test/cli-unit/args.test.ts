// The command table and its one parser: commands, their own options, the recipe's question flags, and the errors
// (unknown option, an option of another command, a value where none is taken), all from cli/table.ts.
import { describe, expect, it } from 'vitest';
import { parseCommandLine, questionFlags } from '../../src/cli/args.js';
import { commandHelp, commandTable, generalHelp, options } from '../../src/cli/table.js';
import { UsageError } from '../../src/errors.js';
import type { Question } from '../../src/recipes/schema.js';

const questions: Question[] = [
  { id: 'mode', type: 'select', prompt: 'm', choices: [{ value: 'a', label: 'A' }] },
  { id: 'gpu', type: 'confirm', prompt: 'g' },
  { id: 'magec_port', type: 'port', prompt: 'p' },
  { id: 'openai_api_key', type: 'secret', prompt: 'k', env: 'OPENAI_API_KEY' },
];

/** Both steps, as a command that takes questions runs them: the table first, the recipe's flags once known. */
const parse = (argv: string[], qs: Question[] = questions) => {
  const cli = parseCommandLine(argv);
  const def = commandTable.find((c) => c.name === cli.command)!;
  return { cli, flags: def.questions ? questionFlags(cli, qs) : {} };
};

const usage = (argv: string[]) => {
  try {
    parse(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return `${(error as UsageError).message} ${(error as UsageError).hint ?? ''}`.trim();
  }
  throw new Error('expected a usage error');
};

describe('parseCommandLine and questionFlags', () => {
  it('maps question flags to answers by id', () => {
    const { cli, flags } = parse([
      'install',
      '--mode',
      'a',
      '--no-gpu',
      '--magec-port=9000',
      '--openai-api-key-file',
      '/k',
      '-y',
      '--dir',
      '/d',
    ]);
    expect(flags).toEqual({ mode: 'a', gpu: false, magec_port: '9000', openai_api_key: '/k' });
    expect(cli.command).toBe('install');
    expect(cli.options).toMatchObject({ yes: true, dir: '/d', start: true, dryRun: false });
  });

  it('defaults to install and reads --no-start, --dry-run, --force', () => {
    const { cli } = parse(['--no-start', '--dry-run', '--force']);
    expect(cli).toMatchObject({ command: 'install', explicit: false });
    expect(cli.options).toMatchObject({ start: false, dryRun: true, force: true, waitTimeout: 600 });
  });

  it('finds the command and the options that choose the recipe, in any order', () => {
    const { cli } = parse(['--dir', '/x', 'render', '--recipe=./r', '--answers', 'a.yaml']);
    expect(cli.command).toBe('render');
    expect(cli.options).toMatchObject({ dir: '/x', recipe: './r', answers: 'a.yaml' });
  });

  it('knows which options take a value: `berth --tail 5 logs` runs logs', () => {
    const { cli } = parse(['--tail', '5', 'logs', 'web', 'db', '-f']);
    expect(cli.command).toBe('logs');
    expect(cli.options).toMatchObject({ tail: '5', follow: true });
    expect(cli.positionals).toEqual(['web', 'db']);
  });

  it('recipe takes its subcommand and argument as positionals, in any order with its options', () => {
    const { cli } = parse(['recipe', '--no-compose', 'test', './my-recipe', '--json']);
    expect(cli.command).toBe('recipe');
    expect(cli.positionals).toEqual(['test', './my-recipe']);
    expect(cli.options).toMatchObject({ compose: false, json: true });
    expect(parse(['recipe', 'new', 'recipe', '--dir', '/d']).cli.positionals).toEqual(['new', 'recipe']);
    expect(parse(['recipes']).cli.command).toBe('recipes');
    expect(parse(['status']).cli.options.compose).toBe(true);
  });

  it('upgrade --bundle FILE: the file, also when it is named like a command', () => {
    expect(parse(['upgrade', '--bundle', 'v2.berth', '--dir', '/d']).cli.options).toMatchObject({
      bundle: 'v2.berth',
      dir: '/d',
    });
    const named = parse(['--bundle', 'bundle', 'upgrade']).cli;
    expect(named.command).toBe('upgrade');
    expect(named.options.bundle).toBe('bundle');
  });

  it('a question flag before the command keeps its value: `berth --mode a render`', () => {
    const { cli, flags } = parse(['--mode', 'a', 'render', '--gpu']);
    expect(cli.command).toBe('render');
    expect(flags).toEqual({ mode: 'a', gpu: true });
    expect(parse(['--mode', 'a']).flags).toEqual({ mode: 'a' });
  });

  it('a recipe question may use an option name of another command: --tail answers it on install', () => {
    const tail: Question[] = [{ id: 'tail', type: 'text', prompt: 't' }];
    expect(parse(['install', '--tail', 'x'], tail).flags).toEqual({ tail: 'x' });
  });

  it.each([
    [['--prot', '1'], 'Unknown option --prot. See berth install --help for every option.'],
    [
      ['--magec-prot', '1'],
      'Unknown option --magec-prot. Did you mean --magec-port? See berth install --help for every option.',
    ],
    [
      ['--openai-api-key', 'sk-1'],
      '--openai-api-key cannot be given on the command line: other users could read it in `ps`.',
    ],
    [['--gpu=yes'], '--gpu takes no value (got "yes").'],
    [['--mode'], '--mode needs a value. Write --mode VALUE or --mode=VALUE.'],
    [['--mode', '--yes'], '--mode needs a value. Write --mode VALUE or --mode=VALUE.'],
    [['--mode', '---'], '--mode "---": a value that starts with -- must be attached. Write --mode=---.'],
    [['--mode', '--'], '--mode "--": a value that starts with -- must be attached. Write --mode=--.'],
    [
      ['deploy'],
      'Unknown command "deploy". Commands: install, render, plan, upgrade, recipes, recipe, doctor, status, logs, down, uninstall, bundle, backup, restore, help. See berth --help.',
    ],
    [['bundle', '--arch', 'x86'], '--arch "x86": must be amd64 or arm64.'],
    [['install', '--pull', 'sometimes'], '--pull "sometimes": must be never or missing or always.'],
    [['bundle', '--node', 'n.tar.gz', '--no-node'], '--node and --no-node cannot both be given.'],
    [['install', '--arch', 'amd64'], '--arch is an option of bundle, not of install.'],
    [['install', '--bundle', 'f.berth'], '--bundle is an option of upgrade, not of install.'],
    [['install', 'extra'], 'Unexpected argument "extra". See berth --help.'],
    [['status', 'extra'], 'Unexpected argument "extra". See berth --help.'],
    [['--wait-timeout', 'soon'], '--wait-timeout soon: must be a whole number of seconds.'],
    [['logs', '--tail', 'many'], '--tail many: must be a number of lines or "all".'],
    [['install', '--purge'], '--purge is an option of uninstall, not of install. See berth install --help'],
    [['install', '--purge', '--follow'], '--purge is an option of uninstall, not of install.'],
    [['status', '--follow'], '--follow is an option of logs, not of status. See berth status --help'],
    [['render', '--no-start'], '--no-start is an option of install, not of render.'],
    [
      ['down', '--json'],
      '--json is an option of install, render, plan, upgrade, recipe, doctor, status, backup, restore, not of down.',
    ],
    [['status', '--no-compose'], '--no-compose is an option of recipe, not of status.'],
    [['status', '--mode', 'a'], 'Unknown option --mode. See berth status --help for every option.'],
    [
      ['recipes', '--dir', '/x'],
      '--dir is an option of install, render, plan, upgrade, recipe, doctor, status, logs, down, uninstall',
    ],
  ])('%j → %s', (argv, message) => {
    expect(usage(argv)).toContain(message);
  });

  it('never puts a secret given as a plain flag into the error', () => {
    expect(usage(['--openai-api-key', 'sk-very-secret'])).not.toContain('sk-very-secret');
  });
});

describe('help from the table', () => {
  it('the general help lists every command and every option of install', () => {
    const text = generalHelp();
    for (const c of commandTable)
      expect(text).toContain(
        c.name === 'install' ? 'berth [install]' : `berth ${c.name === 'help' ? 'install --help' : c.name}`,
      );
    for (const name of commandTable.find((c) => c.name === 'install')!.options)
      expect(text).toContain(`--${name}`);
  });

  it('each command lists exactly its own options', () => {
    for (const c of commandTable) {
      const text = commandHelp(c.name);
      expect(text.startsWith(`berth ${c.name} — ${c.summary}\n`)).toBe(true);
      for (const name of Object.keys(options)) {
        const listed = new RegExp(`--${name}\\b(?!-)`).test(text.split('\nOptions:\n')[1]!.split('\n\n')[0]!);
        expect(listed, `${c.name} --${name}`).toBe([...c.options, 'help', 'version'].includes(name as never));
      }
    }
  });
});
