// Turns any thrown value into words on stderr and an exit code.
import { ExitCode, isBerthError } from './errors.js';
import type { Output } from './context.js';
import { terminalSafe } from './answers/shown.js';

export function reportError(error: unknown, stderr: Output): number {
  if (isBerthError(error)) {
    if (error.exitCode === ExitCode.cancelled) {
      stderr.write('\nCancelled. Nothing was changed after the last completed step.\n');
      return error.exitCode;
    }
    // Details that bring their own indentation (log lines under a heading) are not bulleted again.
    const lines = [
      `✖ ${error.message}`,
      ...error.details.map((d) => (/^\s/.test(d) ? `  ${d}` : `  • ${d}`)),
    ];
    if (error.hint) lines.push(`  → ${error.hint}`);
    // Messages carry values from argv, env vars and files: none of them gets to drive the terminal.
    stderr.write(`${lines.join('\n').split('\n').map(terminalSafe).join('\n')}\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  stderr.write(
    `✖ berth hit an unexpected error — this is a bug, please report it with the text below.\n${stack}\n`,
  );
  return ExitCode.failure;
}
