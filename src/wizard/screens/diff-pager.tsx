// The review's "Show the changes": each changed file's diff (secret values masked) in place of the review, one
// screenful at a time, so it reads on an 80×24 terminal; Enter, Esc or q goes back to the review.
import { Box, Text, useInput, useStdout } from 'ink';
import { diffPage, type ChangeSummary } from '../changes.js';
import { Keys, useLatest } from './parts.js';

const STYLE: Record<string, object> = {
  '+': { color: 'green' },
  '-': { color: 'red' },
  '@': { color: 'cyan' },
  '─': { bold: true },
};

export function DiffPager({ diffs, onBack }: { diffs: ChangeSummary['diffs']; onBack: () => void }) {
  const { stdout } = useStdout();
  // The heading and the keys line, and one row spare: Ink redraws the whole screen once a frame fills it.
  const height = Math.max(5, (stdout.rows || 24) - 3);
  const [offset, setOffset] = useLatest(() => 0);
  const page = diffPage(diffs, offset.current, height);
  useInput((input, key) => {
    const at = diffPage(diffs, offset.current, height).offset;
    if (key.upArrow || input === 'k') setOffset(at - 1);
    else if (key.downArrow || input === 'j') setOffset(at + 1);
    else if (key.pageUp || input === 'b') setOffset(at - height);
    else if (key.pageDown || input === ' ') setOffset(at + height);
    else if (key.return || key.escape || input === 'q' || input.includes('\r')) onBack();
  });
  const last = page.offset + page.lines.length;
  return (
    <Box flexDirection="column">
      <Text bold>Changes, file by file (secret values masked)</Text>
      {page.lines.map((line, i) => (
        <Text key={page.offset + i} {...(STYLE[line[0] ?? ''] ?? { dimColor: true })}>
          {line || ' '}
        </Text>
      ))}
      <Keys>
        {`lines ${page.offset + 1}–${last} of ${page.total}${page.total > height ? ' · ↑↓ Space scroll' : ''} · Enter back to the review`}
      </Keys>
    </Box>
  );
}
