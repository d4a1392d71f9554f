// A choice from a list: arrows move, the highlighted choice's description says what it installs and needs.
import { Box, Text, useInput } from 'ink';
import { Heading, Keys, Para, useLatest, type Choice, type PromptProps } from './parts.js';

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
