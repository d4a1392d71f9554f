// The inputs `berth recipe test` renders with: a machine that exists nowhere, fixed secrets derived from each
// secret's id, and for every question the values worth trying — each choice of a select, yes and no, a domain
// and no domain, an optional list given and empty — or one sample value that its validation accepts.
import { createHash } from 'node:crypto';
import { coerce } from '../answers/coerce.js';
import type { MachineFacts } from '../detect/facts.js';
import type { AnswerValue } from '../recipes/condition.js';
import type { Recipe } from '../recipes/load-recipe.js';
import type { Question, SecretSpec } from '../recipes/schema.js';

/** A machine that exists nowhere: TEST-NET-1 address, no GPU, root. */
const machine = {
  os: { platform: 'linux', arch: 'x64', release: '6.1.0-recipe-test' },
  cpus: 8,
  ramGb: 32,
  isRoot: true,
  uid: 0,
  gid: 0,
  hostname: 'recipe-test',
  home: '/root',
  address: '192.0.2.10',
  gpu: { ready: false, count: 0, names: [] },
};
export const sampleFacts: MachineFacts = machine;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** As many bytes as asked, the same for the same id on every run. */
function bytesFor(id: string, count: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < count; i++) {
    blocks.push(createHash('sha256').update(`berth recipe test ${id} ${i}`).digest());
  }
  return Buffer.concat(blocks).subarray(0, count);
}

/** A generated secret's stand-in: its length and encoding, derived from its id. */
export function sampleSecret(spec: Pick<SecretSpec, 'id' | 'length' | 'encoding'>): string {
  const bytes = bytesFor(spec.id, spec.length);
  switch (spec.encoding) {
    case 'hex':
      return bytes.toString('hex').slice(0, spec.length);
    case 'base64url':
      return bytes.toString('base64url').slice(0, spec.length);
    case 'alnum':
      return [...bytes].map((b) => ALNUM[b % ALNUM.length]).join('');
  }
}

export const sampleSecrets = (recipe: Recipe): Record<string, string> =>
  Object.fromEntries(recipe.manifest.secrets.map((s) => [s.id, sampleSecret(s)]));

/** The literal start of a validation pattern (`^sk-ant-[…` → `sk-ant-`), for a sample it may accept. */
const literalPrefix = (pattern: string | undefined): string =>
  /^\^((?:[^\\^$.|?*+()[\]{}]|\\[-./:@])*)/.exec(pattern ?? '')?.[1]?.replace(/\\/g, '') ?? '';

function secretSamples(q: Question): string[] {
  const body = `test${bytesFor(q.id, 12).toString('hex')}`;
  return [
    `${literalPrefix(q.validate?.pattern)}${body}`,
    body,
    `postgresql://sample:${body}@db.example.test:5432/sample`,
    `https://sample:${body}@example.test/`,
    `${literalPrefix(q.validate?.pattern)}${body}${body}${body}`,
  ];
}

/** A domain for a domain question: the first is example.test, the others a name of their own under it. */
function sampleDomain(recipe: Recipe, q: Question): string {
  const first = recipe.manifest.questions.find((x) => x.type === 'domain');
  return first?.id === q.id ? 'example.test' : `${q.id.replaceAll('_', '-')}.example.test`;
}

function typeSamples(recipe: Recipe, q: Question): unknown[] {
  const min = q.validate?.min;
  switch (q.type) {
    case 'email':
      return ['admin@example.test'];
    case 'port':
      return [8080, 18080];
    case 'number':
      return [1, ...(min === undefined ? [] : [min])];
    case 'path':
      return ['/srv/sample'];
    case 'image':
      return ['example.test/sample:1.0.0'];
    case 'secret':
      return secretSamples(q);
    case 'domain':
      return [sampleDomain(recipe, q)];
    case 'source':
      return ['https://example.test/sample.git#main', '/srv/sample-source'];
    default:
      return [
        'sample',
        'https://sample.example.test',
        'sample.example.test',
        'sample-value-0001',
        'sample.example.test:6379',
        'https://example.test/sample/app.git#main',
      ];
  }
}

/** Whether each value of a question is its own combination (select, confirm, a source, an optional domain or list). */
export const isBranching = (q: Question): boolean =>
  q.type === 'select' ||
  q.type === 'confirm' ||
  q.type === 'source' ||
  ((q.type === 'domain' || q.type === 'list') && q.optional === true);

/**
 * The values to try for a question, given its default (`initial`): every choice, yes and no, a domain and
 * (when optional) none; else the default, or the first sample its validation accepts; none when nothing fits.
 */
export function sampleValues(recipe: Recipe, q: Question, initial: AnswerValue | undefined): AnswerValue[] {
  if (q.type === 'select') return (q.choices ?? []).map((c) => c.value);
  if (q.type === 'confirm') return [true, false];
  const preferDefault = q.type !== 'email' && initial !== undefined && initial !== '';
  const tries = [...(preferDefault ? [initial] : []), ...typeSamples(recipe, q)];
  const valid = tries.map((t) => coerce(q, t)).filter((c) => c.ok && c.value !== '');
  // A source is tried both as a Git URL and as a folder on this machine (recipes may treat them apart).
  const kept = q.type === 'source' ? valid : valid.slice(0, 1);
  const values: AnswerValue[] = kept.flatMap((c) => (c.ok ? [c.value] : []));
  if (q.optional && (isBranching(q) || values.length === 0)) values.push('');
  if (q.type === 'source')
    return values.filter((v, i) => values.findIndex((w) => String(w) === String(v)) === i);
  return values;
}
