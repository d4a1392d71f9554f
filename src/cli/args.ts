// Parses argv against the command table (cli/table.ts): which command, its own options (typed), and — for the
// commands that take them — the recipe's question flags, read with the same parser once the recipe is known.
// Nothing else reads argv.
import { shown } from '../answers/shown.js';
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import {
  commandDef,
  commandNames,
  commandsTaking,
  DEFAULT_COMMAND,
  longName,
  options as tableOptions,
  optionsOf,
  type Command,
  type CommandDef,
} from './table.js';
import { flagName, isSecretQuestion } from '../answers/names.js';
import type { Question } from '../recipes/schema.js';

export type { Command } from './table.js';

export interface CliOptions {
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
  /** Machine-readable output: one JSON document (status, doctor) or one JSON event per line (install). */
  json: boolean;
  skipChecks: boolean;
  gpuTest: boolean;
  /** recipe test: run `docker compose config` (--no-compose turns it off). */
  compose: boolean;
  follow: boolean;
  tail?: string;
  /** bundle: the archive to write, the target's architecture, Node.js (a tarball, or false for none). */
  output?: string;
  arch?: 'amd64' | 'arm64';
  allModes: boolean;
  node?: string | false;
  /** backup: how many archives to keep; backup/restore: verify by restoring into a throwaway project. */
  keep?: number;
  verify: boolean;
  /** upgrade: the offline bundle to upgrade from. */
  bundle?: string;
  /** install: compose's --pull (never: only images already on the machine). */
  pull?: 'never' | 'missing' | 'always';
  /** install/render: compose on this engine, or a Docker Swarm stack (src/swarm/). */
  target?: 'compose' | 'swarm';
  /** install --target swarm: the node that holds the stack's data. */
  dataNode?: string;
  help: boolean;
  version: boolean;
}

export interface Invocation {
  command: Command;
  /** The command was named (`berth install --help` is the recipe's help; `berth --help` the general one). */
  explicit: boolean;
  options: CliOptions;
  /** Positional arguments after the command (`berth logs SERVICE…`). */
  positionals: string[];
  /** The command line as given, for the recipe's question flags (questionFlags). */
  argv: readonly string[];
}

/** --yes and --json promise a run without questions. */
export const isUnattended = (cli: Pick<Invocation, 'options'>): boolean =>
  cli.options.yes || cli.options.json;

interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The question (id) a flag answers, whether it is the negated --no- form, whether it may repeat (a list). */
  question?: { id: string; negate?: boolean; list?: boolean };
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];
type OptionToken = Extract<Token, { kind: 'option' }>;

const tableSpecs = (names: readonly string[]): Record<string, OptionSpec> =>
  Object.fromEntries(names.map((n) => [n, tableOptions[n as keyof typeof tableOptions] as OptionSpec]));

function tokenize(argv: readonly string[], specs: Record<string, OptionSpec>): Token[] {
  const config = Object.entries(specs).map(([k, s]) => [
    k,
    { type: s.type, ...(s.short ? { short: s.short } : {}) },
  ]);
  return (
    parseArgs({
      args: [...argv],
      options: Object.fromEntries(config),
      strict: false,
      allowPositionals: true,
      tokens: true,
    }).tokens ?? []
  );
}

/**
 * The command: the first positional that names one. A positional right after an option the table does not know
 * (a recipe question flag such as `--mode openai`) is taken as that option's value; any other word is an error.
 */
function findCommand(tokens: Token[]): Command | undefined {
  const all = tableOptions as Record<string, unknown>;
  for (const [i, t] of tokens.entries()) {
    if (t.kind !== 'positional') continue;
    if ((commandNames as readonly string[]).includes(t.value)) return t.value as Command;
    const prev = tokens[i - 1];
    if (prev?.kind === 'option' && !(longName(prev.name) in all) && prev.value === undefined) continue;
    throw new UsageError(`Unknown command "${t.value}".`, {
      hint: `Commands: ${commandNames.join(', ')}. See berth --help.`,
    });
  }
  return undefined;
}

/**
 * Parses the command line once against the table. Commands that take the recipe's questions leave options the
 * table does not give them to questionFlags, which knows the recipe; every other command refuses them here.
 */
export function parseCommandLine(argv: readonly string[]): Invocation {
  const named = findCommand(tokenize(argv, tableSpecs(Object.keys(tableOptions))));
  const command = named ?? DEFAULT_COMMAND;
  const { values, positionals } = readTokens(argv, commandDef(command), {});
  return { command, explicit: named !== undefined, options: toOptions(values), positionals, argv };
}

/** The recipe's question flags on the command line, by question id (secret questions: the --<id>-file path). */
export function questionFlags(
  cli: Invocation,
  questions: readonly Question[],
): Record<string, string | boolean> {
  return readTokens(cli.argv, commandDef(cli.command), questionOptions(questions), questions).flags;
}

function readTokens(
  argv: readonly string[],
  def: CommandDef,
  questionSpecs: Record<string, OptionSpec>,
  questions?: readonly Question[],
) {
  const specs: Record<string, OptionSpec> = { ...questionSpecs, ...tableSpecs(optionsOf(def)) };
  // Before the recipe is known, a command that takes questions leaves what it cannot place to questionFlags.
  const deferred = def.questions === true && questions === undefined;
  const values: Record<string, string | boolean> = {};
  const flags: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  let commandSeen = false;
  for (const t of tokenize(argv, specs)) {
    if (t.kind === 'positional') {
      if (!commandSeen && t.value === def.name) commandSeen = true;
      else positionals.push(t.value);
      continue;
    }
    if (t.kind !== 'option') continue;
    const name = longName(t.name);
    const spec = specs[name];
    if (!spec) {
      if (deferred) continue;
      throw unknownOption(t.rawName, name, def, questions ?? [], Object.keys(specs));
    }
    const value = readValue(t, spec);
    const id = spec.question?.id;
    // A list question's flag may be repeated: its values join as comma-separated items.
    if (id !== undefined && spec.question?.list && flags[id] !== undefined)
      flags[id] = `${flags[id]},${value}`;
    else if (id !== undefined) flags[id] = spec.question!.negate ? false : value;
    else values[name] = value;
  }
  // A bare word after a question flag may be its value, which only questionFlags can tell apart.
  if (!deferred && positionals.length > 0 && !def.positionals)
    throw new UsageError(`Unexpected argument "${positionals[0]}".`, { hint: 'See berth --help.' });
  return { values, flags, positionals: def.positionals ? positionals : [] };
}

function unknownOption(
  raw: string,
  name: string,
  def: CommandDef,
  questions: readonly Question[],
  known: string[],
): UsageError {
  if (questions.some((q) => isSecretQuestion(q) && q.id === name.replaceAll('-', '_'))) {
    return new UsageError(
      `--${name} cannot be given on the command line: other users could read it in \`ps\`.`,
      { hint: `Use --${name}-file PATH, or the environment variable named in berth install --help.` },
    );
  }
  const elsewhere = commandsTaking(name);
  if (elsewhere.length > 0)
    return new UsageError(`${raw} is an option of ${elsewhere.join(', ')}, not of ${def.name}.`, {
      hint: `See berth ${def.name} --help for its options.`,
    });
  return new UsageError(`Unknown option ${raw}.`, { hint: suggest(name, known, def.name) });
}

function toOptions(values: Record<string, string | boolean>): CliOptions {
  if (values.tail !== undefined && !/^(\d+|all)$/.test(String(values.tail))) {
    throw new UsageError(`--tail ${String(values.tail)}: must be a number of lines or "all".`);
  }
  const waitTimeout = values['wait-timeout'] === undefined ? 600 : Number(values['wait-timeout']);
  if (!Number.isInteger(waitTimeout) || waitTimeout <= 0) {
    throw new UsageError(
      `--wait-timeout ${String(values['wait-timeout'])}: must be a whole number of seconds.`,
    );
  }
  const keep = values.keep === undefined ? undefined : Number(values.keep);
  if (keep !== undefined && (!Number.isInteger(keep) || keep < 1))
    throw new UsageError(
      `--keep ${shown(String(values.keep))}: must be a whole number of archives, 1 or more.`,
    );
  oneOf(values, 'arch', ['amd64', 'arm64']);
  oneOf(values, 'pull', ['never', 'missing', 'always']);
  oneOf(values, 'target', ['compose', 'swarm']);
  if (values.node !== undefined && values['no-node'] === true)
    throw new UsageError('--node and --no-node cannot both be given.');
  const str = (k: string) => (values[k] === undefined ? {} : { [k]: String(values[k]) });
  return {
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
    compose: values['no-compose'] !== true,
    follow: values.follow === true,
    ...str('tail'),
    ...str('output'),
    ...(str('arch') as { arch?: 'amd64' | 'arm64' }),
    allModes: values['all-modes'] === true,
    ...(keep !== undefined ? { keep } : {}),
    verify: values.verify === true,
    ...(values['no-node'] === true ? { node: false as const } : str('node')),
    ...str('bundle'),
    ...(str('pull') as { pull?: 'never' | 'missing' | 'always' }),
    ...(str('target') as { target?: 'compose' | 'swarm' }),
    ...(values['data-node'] === undefined ? {} : { dataNode: String(values['data-node']) }),
    help: values.help === true,
    version: values.version === true,
  };
}

function oneOf(values: Record<string, string | boolean>, name: string, allowed: string[]): void {
  const value = values[name];
  if (value !== undefined && !allowed.includes(String(value)))
    throw new UsageError(`--${name} ${shown(String(value))}: must be ${allowed.join(' or ')}.`);
}

function readValue(t: OptionToken, spec: OptionSpec): string | boolean {
  const flag = t.rawName;
  if (spec.type === 'boolean') {
    if (t.value !== undefined) throw new UsageError(`${flag} takes no value (got ${shown(t.value)}).`);
    return true;
  }
  if (t.value === undefined || (t.inlineValue === false && t.value.startsWith('--'))) {
    // `--x --y` is a forgotten value; `--x ---` may be a value that starts with dashes, which must be attached.
    const dashed = t.value !== undefined && !/^--[a-z]/i.test(t.value);
    throw new UsageError(
      dashed
        ? `${flag} ${shown(t.value!)}: a value that starts with -- must be attached.`
        : `${flag} needs a value.`,
      { hint: dashed ? `Write ${flag}=${t.value}.` : `Write ${flag} VALUE or ${flag}=VALUE.` },
    );
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
    } else specs[name] = { type: 'string', question: { id: q.id, list: q.type === 'list' } };
  }
  return specs;
}

function suggest(name: string, known: string[], command: Command): string {
  const best = known.map((k) => ({ k, d: distance(name, k) })).sort((a, b) => a.d - b.d)[0];
  const close =
    best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? `Did you mean --${best.k}? ` : '';
  return `${close}See berth ${command} --help for every option.`;
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
