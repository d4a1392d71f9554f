// The pieces every wizard screen is made of: the status marks, prose wrapped to the terminal, a question's heading,
// an inline error or warning, a line of keys, and what stays on screen once a question is answered.
import { useRef, useState, type ReactNode } from 'react';
import { Box, Text, useStdout } from 'ink';

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

export function Keys({ children }: { children: string }) {
  return <Text dimColor>{children}</Text>;
}

export function Heading({ title, help }: { title: string; help?: string | undefined }) {
  return (
    <Box flexDirection="column">
      <Text>
        <Text color="cyan">?</Text> <Text bold>{title}</Text>
      </Text>
      {help ? <Para>{help}</Para> : null}
    </Box>
  );
}

export function Problem({ error, warning }: { error?: string | undefined; warning?: string | undefined }) {
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

export interface Choice {
  value: string;
  label: string;
  description?: string | undefined;
}

export interface PromptProps {
  title: string;
  help?: string | undefined;
  /** Esc goes back; absent on the first question. */
  onBack?: (() => void) | undefined;
}

/**
 * State whose latest value the input handler can read at once: two keys read in one chunk are handled before
 * React re-renders, and the second must see what the first did.
 */
export function useLatest<T>(initial: () => T): [{ readonly current: T }, (value: T) => void] {
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
