// The last screen: whether the stack is up, where to go, and what to run next.
import { Box, Text } from 'ink';
import type { FinalModel } from '../../messages.js';
import { Para } from './parts.js';

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
      {model.warnings.map((l, i) => (
        <Text key={`w${i}`} color={l.startsWith('!') ? 'yellow' : undefined}>
          {l}
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
