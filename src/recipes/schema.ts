// The recipe manifest (templates/<name>/recipe.yaml): its zod schema is the single source of truth,
// for validation, for the TypeScript types and for the JSON Schema exported for editors.
import { questionOptions } from '../cli/args.js';
import { commandsTaking, reservedFlagNames } from '../cli/table.js';
import * as z from 'zod';
import { parseRange } from './versions.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
export type Scalar = z.infer<typeof scalar>;

const matcher = z.union(
  [
    scalar,
    z.array(scalar).min(1),
    z.strictObject({ not: z.union([scalar, z.array(scalar).min(1)]) }),
    z.strictObject({ set: z.boolean() }),
    z.strictObject({
      match: z
        .string()
        .min(1)
        .refine((p) => {
          try {
            new RegExp(p, 'u');
            return true;
          } catch {
            return false;
          }
        }, 'must be a valid regular expression'),
    }),
  ],
  { error: 'must be a value, a list of values, {not: value(s)}, {set: true|false} or {match: regex}' },
);
export type Matcher = z.infer<typeof matcher>;

/**
 * A condition over answers (by question id) and detected facts (`facts.<name>`). Every key must hold:
 * `{mode: local}`, `{mode: [anthropic, gemini]}`, `{domain: {set: true}}`, `{any: [..]}`, `{not: {..}}`.
 */
export interface Condition {
  [key: string]: Matcher | Condition | Condition[];
}
const conditionKey = /^(all|any|not|[a-z][a-z0-9_]*|facts\.[a-zA-Z][a-zA-Z0-9_.]*)$/;
export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .record(
      z.string().regex(conditionKey, 'must be a question id, facts.<name>, all, any or not'),
      z.unknown(),
    )
    .superRefine((value, ctx) => {
      for (const [key, inner] of Object.entries(value)) {
        const schema =
          key === 'all' || key === 'any'
            ? z.array(conditionSchema).min(1)
            : key === 'not'
              ? conditionSchema
              : matcher;
        const result = schema.safeParse(inner);
        if (!result.success) {
          for (const issue of result.error.issues) {
            ctx.addIssue({ ...issue, path: [key, ...issue.path] } as never);
          }
        }
      }
    }),
) as z.ZodType<Condition>;

export const questionTypes = [
  'select',
  'confirm',
  'text',
  'secret',
  'domain',
  'email',
  'image',
  'port',
  'number',
  'path',
  'list',
  'source',
] as const;
export type QuestionType = (typeof questionTypes)[number];
/** What a list question's items may be. */
export const listItemTypes = ['text', 'domain', 'email', 'path', 'image'] as const;

const id = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case: a letter, then letters, digits or _');
const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be UPPER_SNAKE_CASE');

const choice = z.strictObject({
  value: z.string().min(1),
  label: z.string().min(1),
  description: z.string().optional(),
});

/** A default: a value (strings may use {{answer}} / {{facts.x}}), or cases whose first matching `when` wins. */
const defaultCase = z.strictObject({ when: conditionSchema.optional(), value: scalar });
const defaultValue = z.union([scalar, z.array(defaultCase).min(1)], {
  error: 'must be a value or a list of {when, value} cases',
});

const validation = z.strictObject({
  pattern: z.string().optional(),
  message: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  minLength: z.number().int().nonnegative().optional(),
  maxLength: z.number().int().positive().optional(),
});

export const questionSchema = z
  .strictObject({
    id: id.describe('lower_snake_case; the flag is --id with - for _, the env var BERTH_ID.'),
    type: z
      .enum(questionTypes, {
        // `password` and `secret` once behaved the same; one name is left.
        error: (issue) =>
          issue.input === 'password' ? 'type password is now called secret: write `type: secret`' : undefined,
      })
      .describe(
        'select confirm text secret domain email image port number path list source: how it is asked and checked.',
      ),
    prompt: z.string().min(1).describe('The question as the wizard asks it.'),
    help: z
      .string()
      .optional()
      .describe('Longer text for --help and the wizard (shown dimmed under the question).'),
    default: defaultValue
      .optional()
      .describe(
        'A value (strings may be templates over earlier answers and facts), or {when, value} cases: the first that holds.',
      ),
    when: conditionSchema
      .optional()
      .describe(
        'Asked only when this holds (over earlier answers and facts); otherwise the answer does not exist.',
      ),
    optional: z.boolean().optional().describe('An empty answer is accepted (e.g. "no domain").'),
    advanced: z
      .boolean()
      .optional()
      .describe(
        'Not asked by the wizard unless the user opens advanced settings; still a flag, env var and answers key.',
      ),
    choices: z
      .array(choice)
      .min(1)
      .optional()
      .describe("A select question's choices: value, label, description."),
    validate: validation
      .optional()
      .describe('pattern (+ message), min/max for numbers, minLength/maxLength for text (items for a list).'),
    items: z
      .enum(listItemTypes)
      .optional()
      .describe('A list question: the type of each item (default text).'),
    immutable: z
      .boolean()
      .optional()
      .describe(
        'Once installed, the answer cannot change on a reconfigure (a database engine, a site name).',
      ),
    env: envName
      .optional()
      .describe(
        'The variable this answer is written to in `.env`; secret answers are also read from it in the environment.',
      ),
  })
  .superRefine((q, ctx) => {
    if (q.type === 'select' && !q.choices) {
      ctx.addIssue({ code: 'custom', path: ['choices'], message: 'a select question needs choices' });
    }
    if (q.type !== 'select' && q.choices) {
      ctx.addIssue({ code: 'custom', path: ['choices'], message: `only select questions have choices` });
    }
    if (q.items !== undefined && q.type !== 'list') {
      ctx.addIssue({ code: 'custom', path: ['items'], message: 'only list questions have items' });
    }
    if (q.type === 'secret' && q.default !== undefined && q.default !== '') {
      ctx.addIssue({ code: 'custom', path: ['default'], message: 'a secret question cannot have a default' });
    }
  });
export type Question = z.infer<typeof questionSchema>;

export const secretEncodings = ['hex', 'base64url', 'alnum'] as const;
export const secretSchema = z.strictObject({
  id,
  env: envName,
  description: z.string().optional(),
  length: z.number().int().min(16).max(256).default(32),
  encoding: z.enum(secretEncodings).default('alnum'),
  when: conditionSchema
    .optional()
    .describe(
      'Only generated and written to .env when this holds (a MariaDB password only for a MariaDB install).',
    ),
  from: id
    .optional()
    .describe(
      'A secret question: its answer, when the user gives one, is used instead of a generated value.',
    ),
});
export type SecretSpec = z.infer<typeof secretSchema>;

const fileMode = z
  .union([z.number().int(), z.string().regex(/^0?[0-7]{3}$/, 'must be an octal mode like "0644"')])
  .transform((m) => (typeof m === 'string' ? parseInt(m, 8) : m))
  .refine((m) => m >= 0 && m <= 0o777, 'must be a file mode between 0000 and 0777');

const relativePath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.split('/').includes('..') && !p.startsWith('.berth'),
    'must be a relative path inside the install directory (no "..", not under .berth/)',
  );

export const fileSchema = z
  .strictObject({
    template: relativePath
      .refine((p) => p.endsWith('.hbs'), 'must end in .hbs')
      .optional()
      .describe('A handlebars template in the recipe folder, rendered with the answers.'),
    /** A static file in the recipe folder, copied byte for byte (use it to give a static file a `when` or a path). */
    source: relativePath
      .refine((p) => !p.endsWith('.hbs'), 'is a template (.hbs): write `template:` for it')
      .optional(),
    path: relativePath
      .optional()
      .describe("Output path; defaults to the template path minus `.hbs`, or the source's own path."),
    mode: fileMode
      .optional()
      .describe("Default: 0644 for a template, the static file's own mode for a source."),
    owner: z
      .enum(['berth', 'user'])
      .default('berth')
      .describe(
        'berth: regenerated on every run (edits are detected); user: written once, then never touched.',
      ),
    sensitive: z
      .boolean()
      .default(false)
      .describe('The template may read `secrets`; the file is written 0600.'),
    when: conditionSchema.optional(),
  })
  .superRefine((f, ctx) => {
    if ((f.template === undefined) === (f.source === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['template'],
        message: 'give either template (a .hbs file) or source (a static file), not both or neither',
      });
  });
export type FileSpec = z.infer<typeof fileSchema>;

export const overrideSchema = z.strictObject({
  feature: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-kebab-case'),
  template: relativePath.optional(),
  when: conditionSchema,
  description: z.string().optional(),
  ports: z
    .array(z.number().int().min(1).max(65535))
    .optional()
    .describe(
      'Host TCP ports this override publishes (an HTTPS proxy: 80 and 443), checked like port answers.',
    ),
});
export type OverrideSpec = z.infer<typeof overrideSchema>;

/** A folder on the host that a service bind-mounts: created before `up`, owned as declared, kept by uninstall. */
export const hostPathSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .describe(
      'Absolute (`/srv/app/db`) or inside the install folder (`./logs`); may be a template (`{{data_dir}}/db`).',
    ),
  description: z.string().min(1),
  uid: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe(
      "Owner of a folder berth creates (a container's non-root user, e.g. 999 for postgres). Default: berth's user.",
    ),
  gid: z.number().int().nonnegative().optional(),
  mode: fileMode.default(0o755),
  data: z
    .boolean()
    .default(true)
    .describe(
      "It holds the stack's data: `uninstall --purge` asks about it on its own, and backups include it.",
    ),
  diskGb: z
    .number()
    .positive()
    .optional()
    .describe('Space it is expected to need, checked against the free space of its filesystem before `up`.'),
  when: conditionSchema.optional(),
});
export type HostPathSpec = z.infer<typeof hostPathSchema>;

/** What the stack makes reachable from outside: the port preflight and the DNS check read only this. */
const exposedPort = z
  .strictObject({
    port: z.number().int().min(1).max(65535).optional().describe('A fixed host port (80, 443) …'),
    question: id.optional().describe('… or the port question whose answer is the port.'),
    description: z.string().optional(),
    when: conditionSchema.optional(),
  })
  .refine((p) => (p.port === undefined) !== (p.question === undefined), {
    message: 'give either port (a number) or question (a port question id)',
  });
export const exposesSchema = z.strictObject({
  ports: z
    .array(exposedPort)
    .optional()
    .describe(
      'Host TCP ports it publishes. Without this list: every port question, and the ports of enabled overrides.',
    ),
  domains: z
    .array(z.strictObject({ question: id, when: conditionSchema.optional() }))
    .default([])
    .describe(
      'Domain answers (or lists of domains) that must resolve to this machine (certificates over ports 80/443).',
    ),
});

/**
 * An image berth builds for a service: from a source the user gives (a folder on this machine or a Git URL), or
 * from a folder the recipe itself writes into the install folder (its Dockerfile and files rendered from answers).
 */
export const buildSchema = z
  .strictObject({
    service: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be a compose service name'),
    source: id
      .optional()
      .describe(
        'A question of type source: its answer is the build context. Never the install folder (it holds .env).',
      ),
    context: relativePath
      .refine(
        (p) => !['.', './'].includes(p),
        'must be a subfolder of the install folder (its root holds .env)',
      )
      .optional()
      .describe(
        'Instead of source: a folder the recipe writes inside the install folder (./image), built as it is rendered.',
      ),
    dockerfile: relativePath
      .optional()
      .describe('The Dockerfile, relative to the context (default Dockerfile).'),
    recipeDockerfile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A Dockerfile template of the recipe, sent inline: used when a local source has no Dockerfile, or when useRecipeDockerfile holds.',
      ),
    useRecipeDockerfile: conditionSchema
      .optional()
      .describe('When this holds, recipeDockerfile is used even if the source has its own Dockerfile.'),
    args: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a build argument name'), z.string())
      .optional()
      .describe(
        'Build arguments: templates over answers and facts ({{facts.uid}}), never secrets (image history keeps them).',
      ),
    when: conditionSchema.optional(),
  })
  .refine((b) => (b.source === undefined) !== (b.context === undefined), {
    message: 'give either source (a source question) or context (a folder of the recipe), not both',
  });
export type BuildSpec = z.infer<typeof buildSchema>;

/** A command run in a service's container once the stack is healthy: every run, or only after the first install. */
export const hookSchema = z
  .strictObject({
    id,
    description: z.string().min(1),
    service: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be a compose service name'),
    run: z
      .array(z.string())
      .min(1)
      .describe(
        'The command and its arguments, each a template over answers and facts (never secrets: argv is public).',
      ),
    in: z
      .enum(['exec', 'run'])
      .default('exec')
      .describe(
        "exec: in the service's running container (default); run: a new container of it (`compose run --rm`).",
      ),
    once: z
      .boolean()
      .default(false)
      .describe(
        'Only after the first install that succeeds (recorded in .berth/state.json); else after every start.',
      ),
    timeoutSeconds: z.number().int().positive().default(600),
    onFailure: z
      .enum(['stop', 'warn'])
      .default('stop')
      .describe(
        "stop: the install fails (exit 5; a reconfigure is rolled back). warn: the stack stays up and the final screen shows the hook's last lines and failureNote; a once hook runs again on the next install.",
      ),
    failureNote: z
      .string()
      .min(1)
      .optional()
      .describe('With onFailure: warn, what a failure leaves behind: a template over answers and facts.'),
    when: conditionSchema.optional(),
  })
  .refine((h) => h.failureNote === undefined || h.onFailure === 'warn', {
    message: 'failureNote is shown only for onFailure: warn',
  });
export type HookSpec = z.infer<typeof hookSchema>;

const command = z
  .array(z.string())
  .min(1)
  .describe(
    'A command and its arguments, each a template over answers and facts (never secrets: argv is public).',
  );

/**
 * A consistent dump of a database, taken in its running container (the app keeps running) and loaded back into an
 * empty one on a restore. Credentials come from the container's own environment (`$POSTGRES_PASSWORD`), never argv.
 */
export const dumpSchema = z.strictObject({
  id,
  description: z.string().min(1),
  service: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be a compose service name'),
  covers: z
    .array(z.string().min(1))
    .min(1)
    .describe(
      "The named volumes (as compose.yaml names them) or host paths (as hostPaths writes them) holding the database's files: the dump replaces their raw copy, and a restore starts them empty.",
    ),
  dump: command.describe(
    "Run in the service's running container (`compose exec -T`); its standard output is the dump.",
  ),
  restore: command.describe(
    'Run in the service once it is healthy on empty storage; the dump is its standard input.',
  ),
  check: command
    .optional()
    .describe(
      'Exits 0 when the database opens with the restored password (over TCP, so the password is really checked); run by --verify and after a restore.',
    ),
  when: conditionSchema.optional(),
});
export type DumpSpec = z.infer<typeof dumpSchema>;

export const backupSchema = z.strictObject({
  dumps: z
    .array(dumpSchema)
    .default([])
    .describe('Database dumps taken instead of a raw copy of their files.'),
  exclude: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Named volumes not backed up: caches the stack makes again by itself (downloaded models). A restore starts them empty.',
    ),
});
export type BackupSpec = z.infer<typeof backupSchema>;

const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

export const swarmSchema = z.strictObject({
  unsupported: z
    .array(z.strictObject({ reason: z.string().min(1), when: conditionSchema.optional() }))
    .default([])
    .describe(
      'Answers that cannot run on Docker Swarm (a service built from sources, a device): `--target swarm` refuses them with this reason before anything runs.',
    ),
  fileSecrets: z
    .record(z.string(), z.array(envVarName).min(1))
    .default({})
    .describe(
      "Per service, the secret variables its image also reads from a file (<VAR>_FILE): on swarm each becomes a Docker secret, so its value is not in the service's spec. Others are passed in the deploying process's environment.",
    ),
  services: z
    .record(
      z.string(),
      z.strictObject({
        replicas: z.number().int().min(1).max(100).optional().describe('How many copies run (default 1).'),
      }),
    )
    .default({})
    .describe('Swarm-only settings per service.'),
});
export type SwarmSpec = z.infer<typeof swarmSchema>;

const versionRange = z
  .string()
  .min(1)
  .refine((r) => parseRange(r) !== undefined, {
    message:
      'must be a version range like "<2.3.0", ">=1.0.0 <2.0.0", "1.x", "^1.2.0" or "~1.2.0" (|| for either)',
  });

/** A version gate: an upgrade from an installed recipe version in `from` (to one in `to`) is refused, naming the way. */
export const gateSchema = z.strictObject({
  from: versionRange.describe('The installed recipe versions this gate stops, e.g. "<2.3.0".'),
  to: versionRange
    .optional()
    .describe('The new recipe versions it applies to (default: any); the gate lives in the newer recipe.'),
  message: z
    .string()
    .min(1)
    .describe(
      'Why, and the way through, e.g. "Upgrade to 2.3 first (berth 0.9 ships it): its migration converts the data."',
    ),
});
export type GateSpec = z.infer<typeof gateSchema>;

/** A one-shot run by `berth upgrade` after the new images are pulled and the files written, before `up --wait`. */
export const migrationSchema = z.strictObject({
  id,
  description: z.string().min(1),
  service: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be a compose service name'),
  run: command,
  in: z
    .enum(['run', 'exec'])
    .default('run')
    .describe(
      "run: a new container of the service from the new files (`compose run --rm`; its dependencies start); exec: in the service's running container.",
    ),
  from: versionRange
    .optional()
    .describe('Only when the installed recipe version is in this range (default: every upgrade).'),
  timeoutSeconds: z.number().int().positive().default(1800),
  when: conditionSchema.optional(),
});
export type MigrationSpec = z.infer<typeof migrationSchema>;

export const upgradeSchema = z.strictObject({
  gates: z
    .array(gateSchema)
    .default([])
    .describe('Installed versions that cannot upgrade to this one directly, with the way through.'),
  migrations: z
    .array(migrationSchema)
    .default([])
    .describe(
      'One-shots run in order on an upgrade; a failure restores the files, images and data from the backup taken first.',
    ),
});

/** Sizing advice for a model the stack runs locally: the answer naming it, and a model per size as examples. */
const modelAdvice = z.strictObject({
  question: id,
  when: conditionSchema.optional(),
  examples: z.array(z.strictObject({ params: z.number().positive(), example: z.string().min(1) })).min(1),
});

const requirement = z.strictObject({
  when: conditionSchema.optional(),
  ramGb: z.number().positive().optional(),
  diskGb: z.number().positive().optional(),
  cpus: z.number().int().positive().optional(),
  gpu: z.enum(['none', 'optional', 'required']).optional(),
  note: z.string().optional(),
});
export type Requirement = z.infer<typeof requirement>;

export const serviceSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be a compose service name'),
  description: z.string().optional(),
  oneshot: z
    .boolean()
    .default(false)
    .describe('A job that runs to completion (migrations, model pulls) rather than staying up.'),
});

export const urlSchema = z.strictObject({
  label: z.string().min(1),
  url: z.string().min(1).describe('A template over answers and facts, e.g. `https://{{domain}}`.'),
  when: conditionSchema.optional(),
});

export const environmentSchema = z.strictObject({
  name: envName,
  value: z.string().describe('A template over answers, facts and features.'),
  when: conditionSchema.optional(),
});

export const recipeSchema = z
  .strictObject({
    $schema: z.string().optional().describe('The JSON Schema for editors: schema/recipe.schema.json.'),
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'must be lower-kebab-case')
      .describe(
        'The recipe name (lower-kebab-case): --recipe NAME, and the default install folder /opt/<name> or ~/<name>.',
      ),
    title: z
      .string()
      .min(1)
      .describe('The name shown to people (the wizard, berth recipes, the end of an install).'),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, 'must be a semantic version like 1.2.0')
      .describe("The recipe's own version (semver), recorded in berth.yaml and state.json."),
    description: z
      .string()
      .min(1)
      .describe("One line shown by berth recipes and in the wizard's list of stacks."),
    homepage: z.string().url().optional().describe('Where people read more about the software.'),
    requirements: z
      .array(requirement)
      .default([])
      .describe(
        'Minimum CPU, memory, disk and GPU; every entry whose when holds applies, the largest of each wins.',
      ),
    questions: z
      .array(questionSchema)
      .default([])
      .describe('Asked in order; each is also a flag (--id), an env var (BERTH_ID) and an answers-file key.'),
    secrets: z
      .array(secretSchema)
      .default([])
      .describe(
        'Generated once with node:crypto (or taken from a secret question), kept in the 0600 .env forever.',
      ),
    environment: z
      .array(environmentSchema)
      .default([])
      .describe('Extra `.env` entries derived from answers (ports, URLs, flags for compose interpolation).'),
    compose: z
      .strictObject({ template: relativePath })
      .default({ template: 'compose.yaml.hbs' })
      .describe('The base compose template (default compose.yaml.hbs), written as compose.yaml.'),
    overrides: z
      .array(overrideSchema)
      .default([])
      .describe(
        'Features: compose.<feature>.yaml written and listed in COMPOSE_FILE only when its when holds.',
      ),
    modelAdvice: modelAdvice
      .optional()
      .describe(
        'Sizing advice for a locally run model: the answer naming it, and an example model per size.',
      ),
    files: z
      .array(fileSchema)
      .default([])
      .describe('Other files: templates (.hbs) rendered, or static files with a when, path or mode.'),
    hostPaths: z
      .array(hostPathSchema)
      .default([])
      .describe('Host folders created before up with an owner and mode, kept by uninstall unless confirmed.'),
    hooks: z
      .array(hookSchema)
      .default([])
      .describe(
        "Commands run in a service's container once the stack is healthy, after every start or once.",
      ),
    builds: z
      .array(buildSchema)
      .default([])
      .describe('Images built from a source the user gives (a folder or a Git URL) before up.'),
    backup: backupSchema
      .default({ dumps: [], exclude: [] })
      .describe(
        '`berth backup`: database dumps to take instead of raw copies, and volumes to leave out. Every other named volume and data host path is copied as it is.',
      ),
    upgrade: upgradeSchema
      .default({ gates: [], migrations: [] })
      .describe(
        '`berth upgrade`: version gates, and migrations (one-shots) run after the new images are pulled, before the stack starts.',
      ),
    swarm: swarmSchema
      .default({ unsupported: [], fileSecrets: {}, services: {} })
      .describe('`--target swarm`: what cannot run on Docker Swarm, secrets read from files, replicas.'),
    exposes: exposesSchema
      .optional()
      .describe(
        'The ports the stack publishes and the domains that must reach this machine (port and DNS checks).',
      ),
    ignore: z
      .array(relativePath)
      .default([])
      .describe(
        'Files of the recipe folder that are not copied into the install folder (a path, or a folder ending in /).',
      ),
    services: z
      .array(serviceSchema)
      .default([])
      .describe(
        'Metadata for the progress view and the final screen: descriptions, and which services are one-shot jobs.',
      ),
    urls: z
      .array(urlSchema)
      .default([])
      .describe('Where to go next, printed at the end of an install and by berth status.'),
    notes: z
      .array(z.union([z.string(), z.strictObject({ text: z.string(), when: conditionSchema })]))
      .default([])
      .describe('Shown at the end of an install (templates); a note with when only when it holds.'),
  })
  .superRefine((r, ctx) => {
    const seen = new Map<string, { where: string; when: boolean }>();
    // An env name may be set by several entries only when each has a `when` (rendering refuses two at once).
    const claim = (key: string, where: string, path: (string | number)[], when?: unknown) => {
      const prior = seen.get(key);
      if (prior && !(prior.when && when !== undefined))
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${key} is already used by ${prior.where}${key.startsWith('env ') ? ' (questions and entries of environment and secrets may share a name only when each has a `when`)' : ''}`,
        });
      else if (!prior) seen.set(key, { where, when: when !== undefined });
    };
    r.questions.forEach((q, i) => {
      if (reservedIds.has(q.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['questions', i, 'id'],
          message: `"${q.id}" is reserved by berth`,
        });
      }
      // Every flag a question gives must be its own: never one of berth's options, which would swallow it.
      for (const flag of Object.keys(questionOptions([q]))) {
        if (!reservedFlags.has(flag)) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['questions', i, 'id'],
          message: `"${q.id}" would be the flag --${flag}, which is berth's own option of ${commandsTaking(flag).join(', ')}: choose another id`,
        });
      }
      claim(`id ${q.id}`, `questions[${i}]`, ['questions', i, 'id']);
      if (q.env) claim(`env ${q.env}`, `questions[${i}]`, ['questions', i, 'env'], q.when);
    });
    r.secrets.forEach((s, i) => {
      claim(`id ${s.id}`, `secrets[${i}]`, ['secrets', i, 'id']);
      claim(`env ${s.env}`, `secrets[${i}]`, ['secrets', i, 'env'], s.when);
    });
    r.environment.forEach((e, i) =>
      claim(`env ${e.name}`, `environment[${i}]`, ['environment', i, 'name'], e.when),
    );
    r.hooks.forEach((h, i) => claim(`hook ${h.id}`, `hooks[${i}]`, ['hooks', i, 'id']));
    r.upgrade.migrations.forEach((m, i) =>
      claim(`migration ${m.id}`, `upgrade.migrations[${i}]`, ['upgrade', 'migrations', i, 'id']),
    );
    r.overrides.forEach((o, i) =>
      claim(`feature ${o.feature}`, `overrides[${i}]`, ['overrides', i, 'feature']),
    );
  });

/** Names berth itself puts in the template context or gives a meaning in conditions. Question ids that would
 * collide with a command-line option are refused from the command table (cli/table.ts), not from a list. */
export const reservedIds = new Set([
  'features',
  'facts',
  'secrets',
  'recipe',
  'project',
  'all',
  'any',
  'not',
]);
const reservedFlags = reservedFlagNames();

export type RecipeManifest = z.infer<typeof recipeSchema>;
export type RecipeInput = z.input<typeof recipeSchema>;
