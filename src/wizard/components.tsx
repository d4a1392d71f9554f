// The wizard's screens. Props in, callbacks out: what to ask and what it means lives in flow.ts and wizard.ts.
// One look for every prompt: a "?" heading, the help text dimmed, the input, an inline error or warning, and a
// line of keys.
import { useRef, useState, type ReactNode } from 'react';
import { Box, Text, useInput, useStdout } from 'ink';
import { actionWord } from '../install-dir/plan.js';
import type { ReviewModel } from './flow.js';

export type Status = 'pass' | 'warn' | 'fail' | 'info' | 'skip';
const MARK: Record<Status, { mark: string; color: string | undefined }> = {
  pass: { mark: '✔', color: 'green' },
  warn: { mark: '!', color: 'yellow' },
  fail: { mark: '✖', color: 'red' },
  info: { mark: 'i', color: 'blue' },
  skip: { mark: '·', color: 'gray' },
};

export function Mark({ status }: { status: Status }) {
  return <Text color={MARK[status].color}>{MARK[status].mark}</Text>;
}

/** Wraps at word boundaries to the terminal's width, so no wrapped line starts with a stray space. */
export function wrapWords(text: string, width: number): string {
  const out: string[] = [];
  for (const paragraph of text.trim().split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** A paragraph of prose, indented and wrapped to the terminal. */
export function Para({
  children,
  indent = 2,
  dim = true,
  color,
}: {
  children: string;
  indent?: number;
  dim?: boolean;
  color?: string;
}) {
  const { stdout } = useStdout();
  const width = Math.max(20, (stdout.columns || 80) - indent - 1);
  return (
    <Box paddingLeft={indent}>
      <Text dimColor={dim} {...(color ? { color } : {})}>
        {wrapWords(children, width)}
      </Text>
    </Box>
  );
}

function Keys({ children }: { children: string }) {
  return <Text dimColor>{children}</Text>;
}

function Heading({ title, help }: { title: string; help?: string | undefined }) {
  return (
    <Box flexDirection="column">
      <Text>
        <Text color="cyan">?</Text> <Text bold>{title}</Text>
      </Text>
      {help ? <Para>{help}</Para> : null}
    </Box>
  );
}

function Problem({ error, warning }: { error?: string | undefined; warning?: string | undefined }) {
  if (error)
    return (
      <Box paddingLeft={2}>
        <Text color="red">✖ {error}</Text>
      </Box>
    );
  if (warning)
    return (
      <Box paddingLeft={2}>
        <Text color="yellow">! {warning}</Text>
      </Box>
    );
  return null;
}

// --- what was detected ---------------------------------------------------------------------------------------

export interface CheckRow {
  status: Status;
  title: string;
  detail: string;
  fix?: string[] | undefined;
}

export function WelcomeView({
  heading,
  rows,
  quiet = false,
}: {
  heading?: string | undefined;
  /** undefined while detection runs. */
  rows: CheckRow[] | undefined;
  /** The heading and "Checking…" were printed already (before the UI loaded): show only the results. */
  quiet?: boolean;
}) {
  const titleWidth = Math.max(0, ...(rows ?? []).map((r) => r.title.length));
  if (rows === undefined && quiet) return null;
  return (
    <Box flexDirection="column" marginBottom={1}>
      {heading ? <Text bold>{heading}</Text> : null}
      {rows === undefined ? (
        <Text dimColor>Checking this machine (system, Docker, GPU)…</Text>
      ) : (
        rows.map((r) => (
          <Box key={r.title} flexDirection="column">
            <Text>
              {'  '}
              <Mark status={r.status} /> <Text bold>{r.title.padEnd(titleWidth)}</Text> {r.detail}
            </Text>
            {(r.fix ?? []).map((f, i) => (
              <Box key={i} paddingLeft={6}>
                <Text color="yellow">{f}</Text>
              </Box>
            ))}
          </Box>
        ))
      )}
    </Box>
  );
}

// --- prompts -------------------------------------------------------------------------------------------------

export interface Choice {
  value: string;
  label: string;
  description?: string | undefined;
}

interface PromptProps {
  title: string;
  help?: string | undefined;
  /** Esc goes back; absent on the first question. */
  onBack?: (() => void) | undefined;
}

export function SelectPrompt({
  title,
  help,
  choices,
  initial,
  onSubmit,
  onBack,
}: PromptProps & { choices: Choice[]; initial?: string | undefined; onSubmit: (value: string) => void }) {
  const [index, setIndex] = useLatest(() =>
    Math.max(
      0,
      choices.findIndex((c) => c.value === initial),
    ),
  );
  useInput((input, key) => {
    const i = index.current;
    if (key.upArrow || input === 'k') setIndex((i + choices.length - 1) % choices.length);
    else if (key.downArrow || input === 'j') setIndex((i + 1) % choices.length);
    else if (/^[1-9]$/.test(input) && Number(input) <= choices.length) setIndex(Number(input) - 1);
    else if (key.return || input.includes('\r')) onSubmit(choices[i]!.value);
    else if (key.escape && onBack) onBack();
  });
  const description = choices[index.current]?.description;
  return (
    <Box flexDirection="column">
      <Heading title={title} help={help} />
      {choices.map((c, i) => (
        <Text key={c.value} {...(i === index.current ? { color: 'cyan' } : {})}>
          {i === index.current ? '❯ ' : '  '}
          {c.label}
        </Text>
      ))}
      {description ? <Para>{description}</Para> : null}
      <Keys>{`↑↓ choose · Enter select${onBack ? ' · Esc back' : ''} · Ctrl-C quit`}</Keys>
    </Box>
  );
}

export function ConfirmPrompt({
  title,
  help,
  initial,
  onSubmit,
  onBack,
}: PromptProps & { initial: boolean; onSubmit: (value: boolean) => void }) {
  const [latest, setValue] = useLatest(() => initial);
  const value = latest.current;
  useInput((input, key) => {
    if (input === 'y' || input === 'Y') onSubmit(true);
    else if (input === 'n' || input === 'N') onSubmit(false);
    else if (key.leftArrow || key.rightArrow || key.upArrow || key.downArrow || key.tab)
      setValue(!latest.current);
    else if (key.return || input.includes('\r')) onSubmit(latest.current);
    else if (key.escape && onBack) onBack();
  });
  const option = (label: string, on: boolean) =>
    on ? (
      <Text color="cyan" bold>
        {`❯ ${label}`}
      </Text>
    ) : (
      <Text>{`  ${label}`}</Text>
    );
  return (
    <Box flexDirection="column">
      <Heading title={title} help={help} />
      <Text>
        {option('Yes', value)} {option('No', !value)}
      </Text>
      <Keys>{`y/n or ←→ then Enter${onBack ? ' · Esc back' : ''} · Ctrl-C quit`}</Keys>
    </Box>
  );
}

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

/**
 * State whose latest value the input handler can read at once: two keys read in one chunk are handled before
 * React re-renders, and the second must see what the first did.
 */
function useLatest<T>(initial: () => T): [{ readonly current: T }, (value: T) => void] {
  const ref = useRef<T | undefined>(undefined);
  if (ref.current === undefined) ref.current = initial();
  const [, render] = useState(0);
  return [
    ref as { readonly current: T },
    (value: T) => {
      ref.current = value;
      render((n) => n + 1);
    },
  ];
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

/** What stays on the screen once a question is answered. */
export function AnsweredLine({ title, value }: { title: string; value: string }) {
  return (
    <Text>
      <Text color="green">✔</Text> {title} <Text color="cyan">{value}</Text>
    </Text>
  );
}

export function NoteLine({ children }: { children: ReactNode }) {
  return (
    <Box marginY={1}>
      <Text color="yellow">{children}</Text>
    </Box>
  );
}

// --- review --------------------------------------------------------------------------------------------------

export function ReviewView({ model }: { model: ReviewModel }) {
  return (
    <Box flexDirection="column">
      <Text bold>
        Review: {model.title} in {model.dir}
        {model.reconfigure ? ' (reconfiguring)' : ' (new install)'}
      </Text>
      <Text bold>Answers</Text>
      {model.answers.map((a) => (
        <Text key={a.id}>
          {'  '}
          {a.label} <Text color="cyan">{a.value}</Text>
          {a.note ? <Text dimColor> ({a.note})</Text> : null}
        </Text>
      ))}
      {model.secrets.length > 0 ? <Text bold>Secrets (in .env, mode 0600; never shown)</Text> : null}
      {model.secrets.map((s) => (
        <Text key={s.id}>
          {'  '}
          {s.id} <Text dimColor>{s.state === 'generated' ? 'generated now' : 'kept from .env'}</Text>
        </Text>
      ))}
      <Text bold>Files</Text>
      {model.files.map((f) => (
        <Text key={f.path}>
          {'  '}
          <Text {...(f.action === 'unchanged' || f.action === 'keep' ? { dimColor: true } : {})}>
            {actionWord[f.action]}
          </Text>{' '}
          {f.path}
          {f.conflict === 'edited' ? <Text color="yellow"> ← edited outside berth</Text> : null}
          {f.conflict === 'unmanaged' ? <Text color="yellow"> ← exists, not written by berth</Text> : null}
        </Text>
      ))}
      <Text>
        <Text bold>Services</Text> {model.services.join(', ')}
      </Text>
      {model.warnings.map((w, i) => (
        <Text key={i} color="yellow">
          ! {w}
        </Text>
      ))}
      {model.problems.map((p, i) => (
        <Text key={i} color="red">
          ✖ {p}
        </Text>
      ))}
    </Box>
  );
}

export type ReviewChoice = { action: 'confirm' } | { action: 'quit' } | { action: 'change'; id: string };

export function ReviewPrompt({
  model,
  onSubmit,
}: {
  model: ReviewModel;
  onSubmit: (c: ReviewChoice) => void;
}) {
  const [changing, setChanging] = useState(false);
  const changeable = model.answers.filter((a) => a.changeable);
  const blocked = model.problems.length > 0;
  const actions: Choice[] = [
    ...(blocked ? [] : [{ value: 'confirm', label: model.confirmLabel }]),
    ...(changeable.length > 0 ? [{ value: 'change', label: 'Change an answer' }] : []),
    { value: 'quit', label: 'Quit without writing anything' },
  ];
  return (
    <Box flexDirection="column">
      <ReviewView model={model} />
      <Box marginTop={1}>
        {changing ? (
          <SelectPrompt
            key="answers"
            title="Which answer?"
            choices={changeable.map((a) => ({ value: a.id, label: `${a.label} (${a.value})` }))}
            onSubmit={(id) => onSubmit({ action: 'change', id })}
            onBack={() => setChanging(false)}
          />
        ) : (
          <SelectPrompt
            key="actions"
            title={blocked ? 'These problems block the install.' : 'Go ahead?'}
            choices={actions}
            onSubmit={(v) => {
              if (v === 'change') setChanging(true);
              else onSubmit({ action: v as 'confirm' | 'quit' });
            }}
          />
        )}
      </Box>
    </Box>
  );
}

// --- the end -------------------------------------------------------------------------------------------------

export interface FinalModel {
  headline: string;
  ok: boolean;
  urls: { label: string; url: string }[];
  lines: string[];
  next: string[];
  notes: string[];
}

export function FinalView({ model }: { model: FinalModel }) {
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={model.ok ? 'green' : 'yellow'}>
        {model.headline}
      </Text>
      {model.urls.map((u) => (
        <Text key={u.url}>
          {'  '}
          {u.label}: <Text color="cyan">{u.url}</Text>
        </Text>
      ))}
      {model.lines.map((l, i) => (
        <Text key={i}>{l}</Text>
      ))}
      <Text bold>Next</Text>
      {model.next.map((n, i) => (
        <Text key={i}>
          {'  '}
          {n}
        </Text>
      ))}
      {model.notes.map((n, i) => (
        <Para key={i} indent={0} dim={false} color="yellow">{`Note: ${n}`}</Para>
      ))}
    </Box>
  );
}
