// The recipe manifest (templates/<name>/recipe.yaml): its zod schema is the single source of truth,
// for validation, for the TypeScript types and for the JSON Schema exported for editors.
import { questionOptions } from '../cli/args.js';
import { commandsTaking, reservedFlagNames } from '../cli/table.js';
import * as z from 'zod';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
export type Scalar = z.infer<typeof scalar>;

const matcher = z.union(
  [
    scalar,
    z.array(scalar).min(1),
    z.strictObject({ not: z.union([scalar, z.array(scalar).min(1)]) }),
    z.strictObject({ set: z.boolean() }),
  ],
  { error: 'must be a value, a list of values, {not: value(s)} or {set: true|false}' },
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
    id,
    type: z.enum(questionTypes, {
      // `password` and `secret` once behaved the same; one name is left.
      error: (issue) =>
        issue.input === 'password' ? 'type password is now called secret: write `type: secret`' : undefined,
    }),
    prompt: z.string().min(1),
    help: z.string().optional(),
    default: defaultValue.optional(),
    when: conditionSchema.optional(),
    /** An empty answer is accepted (e.g. "no domain"). */
    optional: z.boolean().optional(),
    /** Not asked by the wizard unless the user opens advanced settings; still a flag, env var and answers key. */
    advanced: z.boolean().optional(),
    choices: z.array(choice).min(1).optional(),
    validate: validation.optional(),
    /** A list question: the type of each item (default text). */
    items: z.enum(listItemTypes).optional(),
    /** Once installed, the answer cannot change on a reconfigure (a database engine, a site name). */
    immutable: z.boolean().optional(),
    /** The variable this answer is written to in `.env`; secret answers are also read from it in the environment. */
    env: envName.optional(),
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
  /** Only generated and written to .env when this holds (a MariaDB password only for a MariaDB install). */
  when: conditionSchema.optional(),
  /** A secret question: its answer, when the user gives one, is used instead of a generated value. */
  from: id.optional(),
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
    /** A handlebars template in the recipe folder, rendered with the answers. */
    template: relativePath.refine((p) => p.endsWith('.hbs'), 'must end in .hbs').optional(),
    /** A static file in the recipe folder, copied byte for byte (use it to give a static file a `when` or a path). */
    source: relativePath
      .refine((p) => !p.endsWith('.hbs'), 'is a template (.hbs): write `template:` for it')
      .optional(),
    /** Output path; defaults to the template path minus `.hbs`, or the source's own path. */
    path: relativePath.optional(),
    /** Default: 0644 for a template, the static file's own mode for a source. */
    mode: fileMode.optional(),
    /** berth: regenerated on every run (edits are detected); user: written once, then never touched. */
    owner: z.enum(['berth', 'user']).default('berth'),
    /** The template may read `secrets`; the file is written 0600. */
    sensitive: z.boolean().default(false),
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
  /** Host TCP ports this override publishes (an HTTPS proxy: 80 and 443), checked like port answers. */
  ports: z.array(z.number().int().min(1).max(65535)).optional(),
});
export type OverrideSpec = z.infer<typeof overrideSchema>;

/** A folder on the host that a service bind-mounts: created before `up`, owned as declared, kept by uninstall. */
export const hostPathSchema = z.strictObject({
  /** Absolute (`/srv/app/db`) or inside the install folder (`./logs`); may be a template (`{{data_dir}}/db`). */
  path: z.string().min(1),
  description: z.string().min(1),
  /** Owner of a folder berth creates (a container's non-root user, e.g. 999 for postgres). Default: berth's user. */
  uid: z.number().int().nonnegative().optional(),
  gid: z.number().int().nonnegative().optional(),
  mode: fileMode.default(0o755),
  /** It holds the stack's data: `uninstall --purge` asks about it on its own, and backups include it. */
  data: z.boolean().default(true),
  /** Space it is expected to need, checked against the free space of its filesystem before `up`. */
  diskGb: z.number().positive().optional(),
  when: conditionSchema.optional(),
});
export type HostPathSpec = z.infer<typeof hostPathSchema>;

/** What the stack makes reachable from outside: the port preflight and the DNS check read only this. */
const exposedPort = z
  .strictObject({
    /** A fixed host port (80, 443) … */
    port: z.number().int().min(1).max(65535).optional(),
    /** … or the port question whose answer is the port. */
    question: id.optional(),
    description: z.string().optional(),
    when: conditionSchema.optional(),
  })
  .refine((p) => (p.port === undefined) !== (p.question === undefined), {
    message: 'give either port (a number) or question (a port question id)',
  });
export const exposesSchema = z.strictObject({
  /** Host TCP ports it publishes. Without this list: every port question, and the ports of enabled overrides. */
  ports: z.array(exposedPort).optional(),
  /** Domain answers that must resolve to this machine (a certificate is issued for them over ports 80/443). */
  domains: z.array(z.strictObject({ question: id, when: conditionSchema.optional() })).default([]),
});

/** An image berth builds for a service from a source the user gives (a folder on this machine or a Git URL). */
export const buildSchema = z.strictObject({
  service: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be a compose service name'),
  /** A question of type source: its answer is the build context. Never the install folder (it holds .env). */
  source: id,
  /** The Dockerfile, relative to the source (default Dockerfile). */
  dockerfile: relativePath.optional(),
  when: conditionSchema.optional(),
});
export type BuildSpec = z.infer<typeof buildSchema>;

/** A command run in a service's container once the stack is healthy: every run, or only after the first install. */
export const hookSchema = z.strictObject({
  id,
  description: z.string().min(1),
  service: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'must be a compose service name'),
  /** The command and its arguments, each a template over answers and facts (never secrets: argv is public). */
  run: z.array(z.string()).min(1),
  /** exec: in the service's running container (default); run: a new container of it (`compose run --rm`). */
  in: z.enum(['exec', 'run']).default('exec'),
  /** Only after the first install that succeeds (recorded in .berth/state.json); else after every start. */
  once: z.boolean().default(false),
  timeoutSeconds: z.number().int().positive().default(600),
  when: conditionSchema.optional(),
});
export type HookSpec = z.infer<typeof hookSchema>;

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
  /** A job that runs to completion (migrations, model pulls) rather than staying up. */
  oneshot: z.boolean().default(false),
});

export const urlSchema = z.strictObject({
  label: z.string().min(1),
  /** A template over answers and facts, e.g. `https://{{domain}}`. */
  url: z.string().min(1),
  when: conditionSchema.optional(),
});

export const environmentSchema = z.strictObject({
  name: envName,
  /** A template over answers, facts and features. */
  value: z.string(),
  when: conditionSchema.optional(),
});

export const recipeSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-kebab-case'),
    title: z.string().min(1),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, 'must be a semantic version like 1.2.0'),
    description: z.string().min(1),
    homepage: z.string().url().optional(),
    requirements: z.array(requirement).default([]),
    questions: z.array(questionSchema).default([]),
    secrets: z.array(secretSchema).default([]),
    /** Extra `.env` entries derived from answers (ports, URLs, flags for compose interpolation). */
    environment: z.array(environmentSchema).default([]),
    compose: z.strictObject({ template: relativePath }).default({ template: 'compose.yaml.hbs' }),
    overrides: z.array(overrideSchema).default([]),
    modelAdvice: modelAdvice.optional(),
    files: z.array(fileSchema).default([]),
    hostPaths: z.array(hostPathSchema).default([]),
    hooks: z.array(hookSchema).default([]),
    builds: z.array(buildSchema).default([]),
    exposes: exposesSchema.optional(),
    /** Files of the recipe folder that are not copied into the install folder (a path, or a folder ending in /). */
    ignore: z.array(relativePath).default([]),
    services: z.array(serviceSchema).default([]),
    urls: z.array(urlSchema).default([]),
    /** Shown at the end of an install; a note with `when` only when it holds. */
    notes: z
      .array(z.union([z.string(), z.strictObject({ text: z.string(), when: conditionSchema })]))
      .default([]),
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
          message: `${key} is already used by ${prior.where}${key.startsWith('env ') ? ' (entries of environment and secrets may share a name only when each has a `when`)' : ''}`,
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
      if (q.env) claim(`env ${q.env}`, `questions[${i}]`, ['questions', i, 'env']);
    });
    r.secrets.forEach((s, i) => {
      claim(`id ${s.id}`, `secrets[${i}]`, ['secrets', i, 'id']);
      claim(`env ${s.env}`, `secrets[${i}]`, ['secrets', i, 'env'], s.when);
    });
    r.environment.forEach((e, i) =>
      claim(`env ${e.name}`, `environment[${i}]`, ['environment', i, 'name'], e.when),
    );
    r.hooks.forEach((h, i) => claim(`hook ${h.id}`, `hooks[${i}]`, ['hooks', i, 'id']));
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
