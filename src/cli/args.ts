// Parses argv in two passes: global options first (they pick the recipe), then the recipe's question flags,
// so every question is a flag without a second list of flags to keep in sync.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import { flagName, isSecretQuestion } from '../answers/names.js';
import type { Question } from '../recipes/schema.js';

export const commands = [
  'install',
  'render',
  'recipes',
  'doctor',
  'status',
  'logs',
  'down',
  'uninstall',
  'help',
] as const;
export type Command = (typeof commands)[number];

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The question (id) a flag answers, and whether it is the negated --no- form. */
  question?: { id: string; negate?: boolean };
}

export const globalOptions: Record<string, OptionSpec> = {
  recipe: { type: 'string' },
  dir: { type: 'string' },
  answers: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  'dry-run': { type: 'boolean' },
  'no-start': { type: 'boolean' },
  force: { type: 'boolean' },
  'wait-timeout': { type: 'string' },
  'no-rollback': { type: 'boolean' },
  purge: { type: 'boolean' },
  json: { type: 'boolean' },
  'skip-checks': { type: 'boolean' },
  'gpu-test': { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  tail: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};

export interface GlobalArgs {
  command: Command;
  recipe?: string;
  dir?: string;
  answers?: string;
  yes: boolean;
  dryRun: boolean;
  start: boolean;
  force: boolean;
  waitTimeout: number;
  rollback: boolean;
  purge: boolean;
  /** Machine-readable output: one JSON document (status) or one JSON event per line (install). */
  json: boolean;
  skipChecks: boolean;
  gpuTest: boolean;
  follow: boolean;
  tail?: string;
  /** `berth logs SERVICE…` */
  services: string[];
  help: boolean;
  version: boolean;
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

export interface ParsedArgs {
  global: GlobalArgs;
  /** Question answers from flags, by question id (for secret questions: the --<id>-file path). */
  answers: Record<string, string | boolean>;
}

/**
 * A first look at argv, before the recipe is known: the command and the options that choose the recipe.
 * Nothing is rejected here; `parseCli` does that once the recipe's flags are known.
 */
export function scanArgs(argv: readonly string[]): {
  command: string;
  recipe?: string;
  dir?: string;
  answers?: string;
} {
  const found: Record<string, string> = {};
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--(recipe|dir|answers)(?:=(.*))?$/.exec(arg);
    if (match) {
      const value = match[2] ?? argv[++i];
      if (value !== undefined) found[match[1]!] = value;
    } else if (!arg.startsWith('-') && command === undefined) command = arg;
  }
  return { command: command ?? 'install', ...found };
}

/** Parses argv against the global options plus the recipe's question flags; rejects anything else. */
export function parseCli(argv: readonly string[], questions: readonly Question[]): ParsedArgs {
  const specs: Record<string, OptionSpec> = { ...questionOptions(questions), ...globalOptions };
  const { tokens = [] } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(
      Object.entries(specs).map(([k, s]) => [k, { type: s.type, ...(s.short ? { short: s.short } : {}) }]),
    ),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const secretIds = new Set(questions.filter(isSecretQuestion).map((q) => q.id));
  const values: Record<string, string | boolean> = {};
  const answers: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') positionals.push(t.value);
    if (t.kind !== 'option') continue;
    const name = resolveShort(t.name);
    const spec = specs[name];
    if (!spec) throw unknownOption(t.rawName, name, secretIds, Object.keys(specs));
    const value = readValue(t, spec);
    if (spec.question) answers[spec.question.id] = spec.question.negate ? false : value;
    else values[name] = value;
  }
  return { global: toGlobal(values, positionals), answers };
}

function unknownOption(raw: string, name: string, secretIds: Set<string>, known: string[]): UsageError {
  if (secretIds.has(name.replaceAll('-', '_'))) {
    return new UsageError(
      `--${name} cannot be given on the command line: other users could read it in \`ps\`.`,
      {
        hint: `Use --${name}-file PATH, or the environment variable named in berth install --help.`,
      },
    );
  }
  return new UsageError(`Unknown option ${raw}.`, { hint: suggest(name, known) });
}

function toGlobal(values: Record<string, string | boolean>, positionals: string[]): GlobalArgs {
  const [commandName = 'install', ...extra] = positionals;
  if (!(commands as readonly string[]).includes(commandName)) {
    throw new UsageError(`Unknown command "${commandName}".`, {
      hint: `Commands: ${commands.join(', ')}. See berth --help.`,
    });
  }
  if (extra.length > 0 && commandName !== 'logs')
    throw new UsageError(`Unexpected argument "${extra[0]}".`, { hint: 'See berth --help.' });
  if (values.tail !== undefined && !/^(\d+|all)$/.test(String(values.tail))) {
    throw new UsageError(`--tail ${String(values.tail)}: must be a number of lines or "all".`);
  }
  const waitTimeout = values['wait-timeout'] === undefined ? 600 : Number(values['wait-timeout']);
  if (!Number.isInteger(waitTimeout) || waitTimeout <= 0) {
    throw new UsageError(
      `--wait-timeout ${String(values['wait-timeout'])}: must be a whole number of seconds.`,
    );
  }
  const str = (k: string) => (values[k] === undefined ? {} : { [k]: String(values[k]) });
  return {
    command: commandName as Command,
    ...str('recipe'),
    ...str('dir'),
    ...str('answers'),
    yes: values.yes === true,
    dryRun: values['dry-run'] === true,
    start: values['no-start'] !== true,
    force: values.force === true,
    waitTimeout,
    rollback: values['no-rollback'] !== true,
    purge: values.purge === true,
    json: values.json === true,
    skipChecks: values['skip-checks'] === true,
    gpuTest: values['gpu-test'] === true,
    follow: values.follow === true,
    ...str('tail'),
    services: commandName === 'logs' ? extra : [],
    help: values.help === true,
    version: values.version === true,
  };
}

const resolveShort = (name: string) =>
  Object.entries(globalOptions).find(([, s]) => s.short === name)?.[0] ?? name;

function readValue(t: Extract<Token, { kind: 'option' }>, spec: OptionSpec): string | boolean {
  const flag = t.rawName;
  if (spec.type === 'boolean') {
    if (t.value !== undefined) throw new UsageError(`${flag} takes no value (got "${t.value}").`);
    return true;
  }
  if (t.value === undefined || (t.inlineValue === false && t.value.startsWith('--'))) {
    throw new UsageError(`${flag} needs a value.`, { hint: `Write ${flag} VALUE or ${flag}=VALUE.` });
  }
  return t.value;
}

export function questionOptions(questions: readonly Question[]): Record<string, OptionSpec> {
  const specs: Record<string, OptionSpec> = {};
  for (const q of questions) {
    const name = flagName(q.id).slice(2);
    if (isSecretQuestion(q)) specs[`${name}-file`] = { type: 'string', question: { id: q.id } };
    else if (q.type === 'confirm') {
      specs[name] = { type: 'boolean', question: { id: q.id } };
      specs[`no-${name}`] = { type: 'boolean', question: { id: q.id, negate: true } };
    } else specs[name] = { type: 'string', question: { id: q.id } };
  }
  return specs;
}

function suggest(name: string, known: string[]): string {
  const best = known.map((k) => ({ k, d: distance(name, k) })).sort((a, b) => a.d - b.d)[0];
  const close =
    best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? `Did you mean --${best.k}? ` : '';
  return `${close}See berth install --help for every option.`;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
