// A one-question prompter for commands outside the install wizard (the uninstall --purge confirmation).
import { confirm, input, password, select } from '@inquirer/prompts';
import type { TerminalStreams } from '../context.js';
import { CancelledError } from '../errors.js';
import type { AnswerValue } from '../recipes/condition.js';
import { coerce } from './coerce.js';
import { isSecretQuestion } from './names.js';
import type { Prompter, PromptRequest } from './resolve.js';

export function inquirerPrompter(terminal?: TerminalStreams): Prompter {
  const context = terminal ? { input: terminal.stdin, output: terminal.stdout } : undefined;
  return async (request) => {
    try {
      return await ask(request, context);
    } catch (error) {
      if ((error as Error).name === 'ExitPromptError') throw new CancelledError();
      throw error;
    }
  };
}

type Streams = { input: NodeJS.ReadStream; output: NodeJS.WriteStream } | undefined;

async function ask(
  { question: q, initial, initialOrigin }: PromptRequest,
  context: Streams,
): Promise<AnswerValue> {
  const message = q.prompt;
  const validate = (text: string) => {
    const result = coerce(q, text);
    return result.ok ? true : result.message;
  };
  if (q.type === 'select') {
    return select(
      {
        message,
        choices: (q.choices ?? []).map((c) => ({
          value: c.value,
          name: c.label,
          description: c.description,
        })),
        ...(initial !== undefined ? { default: String(initial) } : {}),
      },
      context,
    );
  }
  if (q.type === 'confirm') return confirm({ message, default: initial === true }, context);
  if (isSecretQuestion(q)) {
    const keep = initialOrigin === 'previous' && initial !== undefined;
    const text = await password(
      {
        message: keep ? `${message} (Enter keeps the current one)` : message,
        mask: '*',
        validate: (t) => (keep && t === '' ? true : validate(t)),
      },
      context,
    );
    return keep && text === '' ? initial : text;
  }
  const text = await input(
    {
      message,
      ...(initial !== undefined ? { default: String(initial) } : {}),
      validate,
    },
    context,
  );
  const result = coerce(q, text);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}
