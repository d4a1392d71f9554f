// The terminal view of the bring-up: one row per service, an overall bar, and the failing service's last log
// lines. Props only: what to show comes from the progress state, the time from `now`.
import { Box, Text, useInput, useStdin } from 'ink';
import type { ProgressState, ServiceRow } from './model.js';
import { overallPercent, pullProgress, serviceElapsed, totalElapsed, finalStates } from './model.js';
import { doneText, logsHeading, megabytes, stateText } from './messages.js';

const BAR = 30;

const icon = (row: ServiceRow): string =>
  row.state === 'failed' ? '✖' : finalStates.has(row.state) ? '✔' : row.state === 'waiting' ? '·' : '›';
const color = (row: ServiceRow): string | undefined =>
  row.state === 'failed'
    ? 'red'
    : finalStates.has(row.state)
      ? 'green'
      : row.state === 'waiting'
        ? 'gray'
        : 'cyan';

function rowText(row: ServiceRow, state: ProgressState): string {
  const pull = row.state === 'pulling' && row.detail !== 'pulled' ? pullProgress(state) : undefined;
  if (!pull) return stateText(row);
  const percent = Math.floor((100 * pull.current) / pull.total);
  return `pulling ${megabytes(pull.current)}/${megabytes(pull.total)} MB ${percent}%`;
}

export function ProgressView({ state, now }: { state: ProgressState; now: number }) {
  const width = Math.max(...state.services.map((s) => s.name.length), 4);
  const percent = overallPercent(state);
  const filled = Math.round((BAR * percent) / 100);
  const up = state.services.filter((s) => finalStates.has(s.state) && s.state !== 'failed').length;
  return (
    <Box flexDirection="column">
      {state.services.map((row) => {
        const elapsed = serviceElapsed(row, now);
        return (
          <Text key={row.name}>
            <Text color={color(row)}>{icon(row)}</Text> {row.name.padEnd(width)}{' '}
            {rowText(row, state).padEnd(28)}
            {elapsed === undefined ? '' : ` ${Math.floor(elapsed)}s`}
          </Text>
        );
      })}
      <Text>
        {'█'.repeat(filled)}
        <Text color="gray">{'░'.repeat(BAR - filled)}</Text> {String(percent).padStart(3)}% {up}/
        {state.services.length} up · {Math.floor(totalElapsed(state, now))}s
      </Text>
      {state.done ? <Text color={state.done.ok ? 'green' : 'red'}>{doneText(state)}</Text> : null}
      {state.logs ? (
        <Box flexDirection="column">
          <Text>{logsHeading(state.logs.service)}</Text>
          {state.logs.lines.map((line, i) => (
            <Text key={i} color="gray">
              {'  '}
              {line}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}

/**
 * Swallows typed keys, which would otherwise echo into the frame; only where raw mode is possible. Raw mode
 * also swallows Ctrl-C, so it is passed on as the SIGINT the terminal would have sent.
 */
export function IgnoreKeys({ onInterrupt }: { onInterrupt: () => void }) {
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') onInterrupt();
    },
    { isActive: isRawModeSupported === true },
  );
  return null;
}
