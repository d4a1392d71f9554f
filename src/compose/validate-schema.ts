// Validates a rendered compose file against the Compose Specification JSON Schema (compiled ahead of time).
import { parse } from 'yaml';
import { validate } from './compose-validator.generated.js';

interface AjvError {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Problems in one compose file, as `services.magec.ports[0]: …` lines; empty when it is valid. */
export function composeSchemaProblems(content: string): string[] {
  let doc: unknown;
  try {
    doc = parse(content, { merge: true });
  } catch (error) {
    return [`not valid YAML: ${(error as Error).message.split('\n')[0]}`];
  }
  if (doc === null || typeof doc !== 'object') return ['is empty or not a mapping'];
  if (validate(doc)) return [];
  const errors = ((validate as unknown as { errors?: AjvError[] }).errors ?? []).slice(0, 10);
  return errors.map((e) => {
    const where =
      e.instancePath
        .slice(1)
        .replaceAll('/', '.')
        .replace(/\.(\d+)(?=\.|$)/g, '[$1]') || '(top level)';
    const extra = e.params.additionalProperty ? ` (${String(e.params.additionalProperty)})` : '';
    return `${where}: ${e.message ?? 'is invalid'}${extra}`;
  });
}
