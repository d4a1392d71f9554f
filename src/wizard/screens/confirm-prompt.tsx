// A yes/no question.
import { Box, Text, useInput } from 'ink';
import { Heading, Keys, useLatest, type PromptProps } from './parts.js';

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
