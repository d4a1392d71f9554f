// A typed answer (masked for secrets), checked as it is submitted, with line editing that survives keys arriving
// together in one chunk.
import { useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { Heading, Keys, Problem, useLatest, type PromptProps } from './parts.js';

export type Validation = { ok: true } | { ok: false; message: string };

export function TextPrompt({
  title,
  help,
  initial,
  secret,
  keepHint,
  validate,
  check,
  onSubmit,
  onBack,
}: PromptProps & {
  initial: string;
  /** Typed characters show as •; a kept value is never shown. */
  secret?: boolean | undefined;
  /** Shown when the field is empty and Enter keeps the current value (a secret from the previous install). */
  keepHint?: string | undefined;
  validate: (text: string) => Validation;
  /** A warning that does not block, e.g. a port in use; Enter again accepts it. */
  check?: ((text: string) => Promise<string | undefined>) | undefined;
  onSubmit: (text: string) => void;
}) {
  const [latest, setValue] = useLatest(() => initial);
  const value = latest.current;
  const [error, setError] = useState<string | undefined>();
  const [warning, setWarning] = useState<{ for: string; text: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const edit = (next: string) => {
    setValue(next);
    setError(undefined);
  };
  const submit = (text: string) => {
    const result = validate(text);
    if (!result.ok) {
      setError(result.message);
      return;
    }
    if (!check || warning?.for === text) {
      onSubmit(text);
      return;
    }
    setBusy(true);
    void check(text).then((found) => {
      setBusy(false);
      if (found === undefined) onSubmit(text);
      else setWarning({ for: text, text: found });
    });
  };
  useInput((input, key) => {
    if (busy) return;
    if (key.escape) {
      if (onBack) onBack();
      return;
    }
    const edited = editLine(latest.current, input, key);
    if (edited.value !== latest.current) edit(edited.value);
    if (edited.submit) submit(edited.value);
  });
  const shown = secret ? '•'.repeat(value.length) : value;
  return (
    <Box flexDirection="column">
      <Heading title={title} help={help} />
      <Text>
        <Text color="cyan">{'❯ '}</Text>
        {shown}
        <Text inverse> </Text>
        {value === '' && keepHint ? <Text dimColor> {keepHint}</Text> : null}
      </Text>
      <Problem error={error} warning={warning?.for === value ? warning.text : undefined} />
      <Keys>
        {warning?.for === value
          ? 'Enter keeps it · type another value · Ctrl-C quit'
          : `Enter accept · Ctrl-U clear${onBack ? ' · Esc back' : ''} · Ctrl-C quit`}
      </Keys>
    </Box>
  );
}

type Key = Parameters<Parameters<typeof useInput>[0]>[1];

/**
 * Applies what the terminal sent to a line being typed. Keys can arrive together in one chunk (a paste ending
 * in a newline, or fast typing over a slow link), so the chunk is read character by character.
 */
export function editLine(
  value: string,
  input: string,
  key: Pick<Key, 'return' | 'backspace' | 'delete' | 'ctrl' | 'meta' | 'upArrow' | 'downArrow' | 'tab'>,
): { value: string; submit: boolean } {
  if (key.return) return { value, submit: true };
  if (key.backspace || key.delete) return { value: value.slice(0, -1), submit: false };
  if (key.ctrl && input === 'u') return { value: '', submit: false };
  if (key.ctrl && input === 'w') return { value: value.replace(/\S*\s*$/, ''), submit: false };
  if (key.ctrl || key.meta || key.upArrow || key.downArrow || key.tab) return { value, submit: false };
  let next = value;
  for (const ch of input) {
    if (ch === '\r' || ch === '\n') return { value: next, submit: true };
    if (ch === '\x7f' || ch === '\b') next = next.slice(0, -1);
    else if (ch === '\x15') next = '';
    else if (ch === '\x17') next = next.replace(/\S*\s*$/, '');
    else if (ch >= ' ') next += ch;
  }
  return { value: next, submit: false };
}
