// Glue between `berth install` and the wizard: mounts the UI on the terminal first thing (the first frame comes
// before the recipe is loaded or the machine detected), watches for a closed terminal, runs the conversation,
// and lets go of the terminal before the bring-up takes the screen.
import type { Terminal } from './terminal.js';
import { watchHangup } from './terminal.js';
import { finalOf } from '../messages.js';
import { printFinal, WizardUI } from './ui.js';
import { runWizard, type WizardInput, type WizardResult } from './wizard.js';
import type { TerminalStreams } from '../context.js';
import type { Prepared } from '../steps/prepare.js';
import { berthVersion } from '../version.js';

export interface WizardSession {
  ui: WizardUI;
  /** Unmounts the UI and stops watching for a hang-up; safe to call twice. */
  close(): Promise<void>;
}

export async function openWizard(terminal: TerminalStreams, greeted = false): Promise<WizardSession> {
  // The caller (run) releases /dev/tty; here a hang-up only has to end the run.
  const stopWatching = watchHangup({ stdin: terminal.stdin, release: () => {} });
  const ui = await WizardUI.open(terminal);
  ui.greet(`berth ${berthVersion()} · guided installer`, greeted);
  let closed: Promise<void> | undefined;
  return {
    ui,
    close: () =>
      (closed ??= (async () => {
        await ui.close();
        stopWatching();
      })()),
  };
}

export async function interview(
  session: WizardSession,
  input: Omit<WizardInput, 'ui'>,
): Promise<WizardResult> {
  try {
    return await runWizard({ ...input, ui: session.ui });
  } finally {
    await session.close();
  }
}

export async function finalScreen(
  p: Prepared,
  started: boolean,
  backupDir: string | undefined,
  terminal: Pick<Terminal, 'stdout'>,
  warnings: string[] = [],
): Promise<void> {
  await printFinal(finalOf(p, started, backupDir, warnings), terminal.stdout);
}
