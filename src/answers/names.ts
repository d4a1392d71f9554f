// One declaration, every name: the flag, env var and answers-file key a question answers to.
import type { Question } from '../recipes/schema.js';

export const flagName = (id: string): string => `--${id.replaceAll('_', '-')}`;
export const berthEnvName = (id: string): string => `BERTH_${id.toUpperCase()}`;
export const isSecretQuestion = (q: Pick<Question, 'type'>): boolean => q.type === 'secret';

/** How a user supplies this answer without a prompt, for error messages and --help. */
export function sourcesOf(q: Question): string {
  if (isSecretQuestion(q)) {
    const envs = [berthEnvName(q.id), ...(q.env ? [q.env] : [])];
    return `${flagName(q.id)}-file PATH or env ${envs.join(' / ')}`;
  }
  if (q.type === 'confirm') return `${flagName(q.id)} / --no-${q.id.replaceAll('_', '-')}`;
  return `${flagName(q.id)} ${valueHint(q)}`;
}

export function valueHint(q: Question): string {
  switch (q.type) {
    case 'select':
      return (q.choices ?? []).map((c) => c.value).join('|');
    case 'port':
      return 'PORT';
    case 'number':
      return 'N';
    case 'domain':
      return 'DOMAIN';
    case 'email':
      return 'EMAIL';
    case 'path':
      return 'PATH';
    case 'source':
      return 'FOLDER|GIT-URL';
    case 'list':
      return 'A,B,… (or repeat the flag)';
    default:
      return 'VALUE';
  }
}
