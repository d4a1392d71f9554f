import { describe, expect, it } from 'vitest';
import { parseCli, scanArgs } from '../../src/cli/args.js';
import { UsageError } from '../../src/errors.js';
import type { Question } from '../../src/recipes/schema.js';

const questions: Question[] = [
  { id: 'mode', type: 'select', prompt: 'm', choices: [{ value: 'a', label: 'A' }] },
  { id: 'gpu', type: 'confirm', prompt: 'g' },
  { id: 'magec_port', type: 'port', prompt: 'p' },
  { id: 'openai_api_key', type: 'secret', prompt: 'k', env: 'OPENAI_API_KEY' },
];

const usage = (argv: string[]) => {
  try {
    parseCli(argv, questions);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return `${(error as UsageError).message} ${(error as UsageError).hint ?? ''}`.trim();
  }
  throw new Error('expected a usage error');
};

describe('parseCli', () => {
  it('maps question flags to answers by id', () => {
    const { global, answers } = parseCli(
      [
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
      ],
      questions,
    );
    expect(answers).toEqual({ mode: 'a', gpu: false, magec_port: '9000', openai_api_key: '/k' });
    expect(global).toMatchObject({ command: 'install', yes: true, dir: '/d', start: true, dryRun: false });
  });

  it('defaults to install and reads --no-start, --dry-run, --force', () => {
    expect(parseCli(['--no-start', '--dry-run', '--force'], questions).global).toMatchObject({
      command: 'install',
      start: false,
      dryRun: true,
      force: true,
      waitTimeout: 600,
    });
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
    [
      ['deploy'],
      'Unknown command "deploy". Commands: install, render, recipes, doctor, status, logs, down, uninstall, help. See berth --help.',
    ],
    [['install', 'extra'], 'Unexpected argument "extra". See berth --help.'],
    [['--wait-timeout', 'soon'], '--wait-timeout soon: must be a whole number of seconds.'],
  ])('%j → %s', (argv, message) => {
    expect(usage(argv)).toContain(message);
  });

  it('never puts a secret given as a plain flag into the error', () => {
    expect(usage(['--openai-api-key', 'sk-very-secret'])).not.toContain('sk-very-secret');
  });
});

describe('scanArgs', () => {
  it('finds the command and the options that choose the recipe, in any order', () => {
    expect(scanArgs(['--dir', '/x', 'render', '--recipe=./r', '--answers', 'a.yaml'])).toEqual({
      command: 'render',
      dir: '/x',
      recipe: './r',
      answers: 'a.yaml',
    });
  });
});
