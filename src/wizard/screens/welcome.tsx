// The first screen: what berth found on this machine, each problem with its fix.
import { Box, Text } from 'ink';
import { Mark, type Status } from './parts.js';

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
