// The command table: every command with its own options, value types and help lines, declared once. The parser
// (cli/args.ts), the general and per-command help, the unknown-option errors and the question ids a recipe may
// not use all come from here. Light on purpose: the entry loads it before the core.

export interface OptionDef {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in help (string options). */
  value?: string;
  help: string;
}

export const options = {
  recipe: {
    type: 'string',
    value: 'NAME|PATH',
    help: 'recipe to install (default magec; env BERTH_RECIPE); a folder path loads your own',
  },
  dir: {
    type: 'string',
    value: 'DIR',
    help: 'install folder (default /opt/<recipe> as root, else ~/<recipe>; env BERTH_DIR)',
  },
  answers: {
    type: 'string',
    value: 'FILE',
    help: 'answers file, e.g. the berth.yaml of another install (env BERTH_ANSWERS)',
  },
  yes: {
    type: 'boolean',
    short: 'y',
    help: 'never prompt: take previous answers and defaults for anything not given',
  },
  'dry-run': {
    type: 'boolean',
    help: 'render into a temporary folder, print the plan and the files, write nothing',
  },
  'no-start': { type: 'boolean', help: 'write the files but do not start the stack' },
  force: { type: 'boolean', help: 'overwrite generated files edited by hand (after backing them up)' },
  'wait-timeout': {
    type: 'string',
    value: 'SEC',
    help: 'how long to wait for services to become healthy (default 600)',
  },
  'no-rollback': {
    type: 'boolean',
    help: 'keep a reconfiguration that failed to start instead of restoring the previous one',
  },
  'skip-checks': { type: 'boolean', help: 'install even when berth doctor finds a blocking problem' },
  json: {
    type: 'boolean',
    help: 'install: one JSON progress event per line on stdout; status/doctor/plan/recipe test: a JSON document',
  },
  'no-compose': {
    type: 'boolean',
    help: 'recipe test: skip only `docker compose config` (for a machine without Docker Compose)',
  },
  'gpu-test': {
    type: 'boolean',
    help: 'also run a real `docker run --gpus all … nvidia-smi` (image: BERTH_GPU_TEST_IMAGE, default ubuntu:24.04; may pull it)',
  },
  follow: { type: 'boolean', short: 'f', help: 'keep printing new lines' },
  tail: { type: 'string', value: 'N', help: 'only the last N lines of each service ("all" for every line)' },
  purge: {
    type: 'boolean',
    help: 'also delete the volumes (your data) and the install folder, after listing them (asks, or --yes)',
  },
  output: {
    type: 'string',
    short: 'o',
    value: 'FILE',
    help: 'bundle: the archive to write; backup: a folder for the archive (or its .tar.gz name)',
  },
  keep: {
    type: 'string',
    value: 'N',
    help: 'backup: keep only the newest N archives of this install in that folder',
  },
  verify: {
    type: 'boolean',
    help: 'backup: also restore the new archive into a throwaway project and check it; restore: only that',
  },
  arch: {
    type: 'string',
    value: 'amd64|arm64',
    help: "bundle: the target machine's architecture, for its Node.js and images (default: this machine's)",
  },
  'all-modes': {
    type: 'boolean',
    help: 'bundle: the images of every combination of the recipe’s answers, not only of the answers given',
  },
  node: {
    type: 'string',
    value: 'FILE',
    help: 'bundle: a Node.js tarball (node-v20…-linux-ARCH.tar.gz) to put in, instead of downloading it',
  },
  'no-node': {
    type: 'boolean',
    help: 'bundle: no Node.js inside (the target machine has Node.js 20+ of its own)',
  },
  bundle: {
    type: 'string',
    value: 'FILE',
    help: 'upgrade: offline, from a bundle made by berth bundle: its recipe, its images loaded (no pull)',
  },
  pull: {
    type: 'string',
    value: 'never|missing|always',
    help: 'install: when compose pulls images (never: only images already here, e.g. loaded from a bundle)',
  },
  target: {
    type: 'string',
    value: 'compose|swarm',
    help: 'where the stack runs: docker compose here, or a Docker Swarm stack from this manager (env BERTH_TARGET; default: as installed, else compose)',
  },
  'data-node': {
    type: 'string',
    value: 'NODE',
    help: "swarm: the node (hostname or ID) that holds the stack's data: its volumes and host folders (env BERTH_DATA_NODE; default: the node that holds it already, else this manager)",
  },
  help: { type: 'boolean', short: 'h', help: 'this help' },
  version: { type: 'boolean', short: 'V', help: "berth's version" },
} as const satisfies Record<string, OptionDef>;

export type OptionName = keyof typeof options;

export const commandNames = [
  'install',
  'render',
  'plan',
  'upgrade',
  'recipes',
  'recipe',
  'doctor',
  'status',
  'logs',
  'down',
  'uninstall',
  'bundle',
  'backup',
  'restore',
  'help',
] as const;
export type Command = (typeof commandNames)[number];

export interface CommandDef {
  name: Command;
  /** The usage line's arguments after `berth <name>`. */
  usage: string;
  summary: string;
  /** Options besides --help and --version, which every command takes. */
  options: readonly OptionName[];
  /** The recipe's questions are flags of this command too. */
  questions?: boolean;
  /** Positional arguments after the command: their placeholder in help. */
  positionals?: string;
  /** More help, after the options. */
  details?: string;
}

const installOptions = [
  'recipe',
  'dir',
  'answers',
  'yes',
  'dry-run',
  'no-start',
  'force',
  'wait-timeout',
  'no-rollback',
  'skip-checks',
  'json',
  'pull',
  'target',
  'data-node',
] as const satisfies readonly OptionName[];

export const commandTable: readonly CommandDef[] = [
  {
    name: 'install',
    usage: '[options]',
    summary: 'ask, render, write and start a stack (the default command)',
    options: installOptions,
    questions: true,
  },
  {
    name: 'render',
    usage: '--dir DIR',
    summary: 'write the files only, start nothing',
    options: ['recipe', 'dir', 'answers', 'yes', 'dry-run', 'force', 'json', 'target'],
    questions: true,
  },
  {
    name: 'plan',
    usage: '--dir DIR [answers…]',
    summary: 'what an install with these answers would change, before anything is written',
    options: ['recipe', 'dir', 'answers', 'json'],
    questions: true,
    details:
      'Resolves the answers as an unattended install does (flags, environment, answers file, the previous\n' +
      'install, defaults; it never asks) and validates the files with `docker compose config`, then shows, writing\n' +
      'nothing: a unified diff of each file that changes (secret values masked), the services compose would\n' +
      'create, recreate, start or remove (its config hash per service against the running containers), images\n' +
      'that change, volumes and host folders created, secrets generated, and the builds and hooks that run.\n' +
      '--json prints the same as one JSON document ("changed": false when there is nothing to do). An install\n' +
      'whose plan is empty writes and restarts nothing.',
  },
  {
    name: 'upgrade',
    usage: '--dir DIR [--bundle FILE] [answers…]',
    summary: 'move an install to this berth’s recipe version or new image tags, with a backup and rollback',
    options: ['recipe', 'dir', 'answers', 'yes', 'wait-timeout', 'no-rollback', 'json', 'bundle'],
    questions: true,
    details:
      'Shows the plan (file diffs, services recreated, images that change, migrations), refuses a downgrade or\n' +
      "a step the recipe's version gates forbid (exit 2, naming the version to pass through), pulls every image\n" +
      'while the old stack runs (a failed pull changes nothing), takes a full backup (berth backup), writes the\n' +
      "files, runs the recipe's migrations, then `up --wait`. Image answers left at the recipe's default move to\n" +
      'the new default; typed ones stay (--<id>-image X gives a new tag). On a failure the previous files and\n' +
      'images come back, and the data from the backup once a migration has run; the error names the step and\n' +
      'the log. Prints the downtime (first container stopped → every service healthy); --json: JSON events.\n\n' +
      '--bundle FILE upgrades offline from a bundle made by berth bundle (of the newer version): every SHA256\n' +
      'in it is checked before anything else (a damaged or altered bundle is refused, exit 2, nothing loaded);\n' +
      "the install's recipe must be the bundle's, and its version is the one upgraded to; the images are\n" +
      '`docker load`ed from the bundle (bytes shown) instead of pulled, and compose never pulls. A bundle whose\n' +
      'berth is newer than this one runs with its own berth.mjs (said first), so the two are never mixed.',
  },
  { name: 'recipes', usage: '', summary: 'list the recipes berth ships', options: [] },
  {
    name: 'recipe',
    usage: 'test DIR|NAME · new NAME',
    summary: 'check every combination of a recipe’s answers; start a new recipe',
    options: ['json', 'no-compose', 'dir'],
    positionals: 'test|new DIR|NAME',
    details:
      'berth recipe test DIR|NAME [--json] [--no-compose]\n' +
      '  Renders every combination of select choices, yes/no answers and optional domains (sample values for the\n' +
      '  rest; at most 256, spread evenly) and checks each: the Compose JSON Schema, `docker compose config -q`,\n' +
      '  and the practices of docs/recipes.md (pinned images, healthchecks, depends_on conditions, no database\n' +
      '  port published, secrets only in .env, build contexts, bind mounts). Needs Docker Compose v2 unless\n' +
      '  --no-compose. Exit status: 0 when every check passes, 1 naming each failure, 3 when the recipe does not load.\n\n' +
      'berth recipe new NAME [--dir DIR]\n' +
      '  Writes a minimal working recipe (one web service, a port question, a healthcheck, a generated secret)\n' +
      '  into DIR (default ./NAME), which must be empty or absent; `berth recipe test` passes on it.',
  },
  {
    name: 'doctor',
    usage: '[--mode M]',
    summary: 'check this machine for the recipe: Docker, resources, ports, GPU',
    options: ['recipe', 'dir', 'answers', 'json', 'gpu-test'],
    questions: true,
    details:
      "Checks the OS, CPU, memory and free disk against the recipe's requirements for the given answers (every\n" +
      'recipe question is a flag here too, e.g. --mode local), Docker and Compose v2, the ports the answers\n' +
      'publish, and NVIDIA GPU readiness (device, driver, container toolkit), with the fix for each problem.\n\n' +
      'Exit status: 0 when nothing blocks the recipe, 1 otherwise.',
  },
  {
    name: 'status',
    usage: '[--json]',
    summary: "each service's state and health, and the URLs",
    options: ['dir', 'recipe', 'json'],
    details: 'Exit status: 0 when every service is up, 1 otherwise.',
  },
  {
    name: 'logs',
    usage: '[SERVICE…] [-f]',
    summary: "the stack's logs (--tail N, --follow)",
    options: ['dir', 'recipe', 'follow', 'tail'],
    positionals: 'SERVICE…',
  },
  {
    name: 'down',
    usage: '',
    summary: 'stop the stack; data and files stay',
    options: ['dir', 'recipe'],
  },
  {
    name: 'uninstall',
    usage: '[--purge]',
    summary: 'remove the containers; --purge also deletes volumes and the folder (asks)',
    options: ['dir', 'recipe', 'purge', 'yes'],
  },
  {
    name: 'bundle',
    usage: '[--recipe R] [answers…] -o FILE',
    summary: 'one file for an offline install: the images, berth, Node.js, install.sh',
    options: ['recipe', 'dir', 'answers', 'output', 'arch', 'all-modes', 'node', 'no-node', 'dry-run'],
    questions: true,
    details:
      "Renders the stack for the answers given (as `berth plan` does, never asking; --dir D: that install's\n" +
      'answers), lists its images (every compose file the answers enable; --all-modes: every combination),\n' +
      'takes them from the local engine (pulling only what is missing, for --arch; an image here for another\n' +
      'architecture is refused) and writes one archive: the images\n' +
      '(`docker save`, compressed), berth.mjs, Node.js for --arch, install.sh, the recipe when it is a folder,\n' +
      'the answers (never secrets), a manifest and SHA256SUMS. --dry-run lists the images and writes nothing.\n' +
      'On the machine without network:\n' +
      '  tar -xOf FILE berth-bundle/install.sh | sh -s -- --bundle FILE [--yes and install options]\n' +
      'checks every sum before anything else, loads the images and installs with --pull never.\n' +
      "A bundle of a newer version (made with the install's answers, e.g. --answers its berth.yaml) upgrades it\n" +
      'offline: berth upgrade --bundle FILE --dir DIR (see berth upgrade --help).',
  },
  {
    name: 'backup',
    usage: '[--output DIR|FILE] [--keep N] [--verify]',
    summary: 'one archive of an install: files, secrets, volumes, host folders, database dumps',
    options: ['dir', 'recipe', 'output', 'keep', 'verify', 'wait-timeout', 'json'],
    details:
      'Writes one .tar.gz (0600: it holds the secrets in .env; keep it safe, off this machine too): a manifest,\n' +
      'the install folder, a consistent dump of each database the recipe declares (taken in its running\n' +
      'container, so the stack keeps running), every other named volume and data host folder, and SHA256SUMS.\n' +
      'It is written under a temporary name and renamed when complete. Default folder: /var/backups/berth as\n' +
      'root, else ~/.local/share/berth/backups (never inside the install folder). --verify restores the archive\n' +
      'into a throwaway project (no published ports), waits for health, checks each database opens with the\n' +
      'restored password and removes it; berth status shows the age of the last backup and the last verified one.',
  },
  {
    name: 'restore',
    usage: 'ARCHIVE [--dir DIR] [--verify]',
    summary: 'put an install back from a backup, here or on a new machine',
    options: ['dir', 'verify', 'yes', 'wait-timeout', 'json'],
    positionals: 'ARCHIVE',
    details:
      'Checks every SHA256 sum first and refuses a foreign, altered or cut-short archive, raw database files of\n' +
      'another CPU architecture, a project that runs from another folder, and too little disk: nothing is changed\n' +
      'then. Restores into the folder the backup was taken from (or --dir DIR, empty or that same install): over\n' +
      'an install it first backs that up, stops it and empties its volumes; then puts back the files and secrets,\n' +
      'volumes and host folders, loads each database dump, brings the stack up healthy and checks each database.\n' +
      'If that fails, what was there before is put back. --verify only verifies (see berth backup --help).',
  },
  { name: 'help', usage: '', summary: 'this help', options: [] },
];

export const DEFAULT_COMMAND: Command = 'install';

export function commandDef(name: Command): CommandDef {
  return commandTable.find((c) => c.name === name)!;
}

/** --help and --version: every command takes them. */
export const commonOptions = ['help', 'version'] as const satisfies readonly OptionName[];

export const optionsOf = (c: CommandDef): OptionName[] => [...c.options, ...commonOptions];

/** The commands that take an option, for "--purge is an option of uninstall". */
export const commandsTaking = (name: string): Command[] =>
  commandTable.filter((c) => (optionsOf(c) as string[]).includes(name)).map((c) => c.name);

/** The option a short flag stands for (-y → yes). */
export const longName = (short: string): string =>
  Object.entries(options).find(([, o]) => 'short' in o && o.short === short)?.[0] ?? short;

/**
 * Flag names (without --) a recipe question may not produce: the options of every command whose flags include the
 * recipe's questions. The schema checks every flag a question gives (`--x`, `--no-x`, `--x-file`) against these, so
 * no question's flag is ever swallowed.
 */
export function reservedFlagNames(): Set<string> {
  const names = new Set<string>();
  for (const c of commandTable.filter((x) => x.questions)) {
    for (const name of optionsOf(c)) names.add(name);
  }
  return names;
}

function optionRow(name: OptionName): [string, string] {
  const o: OptionDef = options[name];
  const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`;
  return [flag, o.help];
}

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 3;
  return rows.map(([flag, help]) => `  ${flag.padEnd(width)}${help}`).join('\n');
}

const usageLine = (c: CommandDef) =>
  c.name === 'install'
    ? `berth [install] ${c.usage}`.trimEnd()
    : c.name === 'help'
      ? 'berth install --help'
      : `berth ${c.name} ${c.usage}`.trimEnd();

const ANSWERS = `Answers come from, in order: --flags, BERTH_<ID> environment variables, --answers file, the previous
install's berth.yaml, then the prompt (on a terminal) or the default. Secrets (API keys) are never flag
values: use --<id>-file PATH or the environment.`;

const EXIT_CODES = `Exit codes:
  0 done · 1 failed · 2 usage: bad flag or value, missing answers · 3 recipe or rendered file invalid
  4 generated files were edited by hand (see --force) · 5 Docker Compose missing or the stack failed to start
  6 this machine cannot run the stack (see berth doctor, --skip-checks) · 130 cancelled
  status: 1 when a service is not up · doctor: 1 when something blocks`;

/** `berth --help`: every command, install's options, where answers come from, the exit codes. */
export function generalHelp(): string {
  const commands = commandTable.map((c): [string, string] => [
    usageLine(c),
    c.name === 'help' ? 'every option, including the chosen recipe’s questions' : c.summary,
  ]);
  return `berth — a guided installer for self-hosted Docker Compose stacks

Usage:
${table(commands)}

Options of install (berth <command> --help for each command's own):
${table(optionsOf(commandDef('install')).map(optionRow))}

${ANSWERS}

${EXIT_CODES}
`;
}

/** `berth <command> --help` (install and render add the recipe's questions after this). */
export function commandHelp(name: Command): string {
  const c = commandDef(name);
  const questions = c.questions ? ['  --<question> VALUE   each question of the recipe (see below)'] : [];
  return [
    `berth ${c.name} — ${c.summary}`,
    '',
    'Usage:',
    `  ${usageLine(c)}`,
    '',
    'Options:',
    table(optionsOf(c).map(optionRow)),
    ...questions,
    ...(c.questions ? ['', ANSWERS] : []),
    ...(c.details ? ['', c.details] : []),
    '',
  ].join('\n');
}
