// Glue between `berth install` and the wizard: mounts the UI on the terminal, watches for a closed terminal,
// runs the conversation and always lets go of the terminal before the bring-up takes the screen.
import type { Terminal } from './terminal.js';
import { watchHangup } from './terminal.js';
import { FinalView } from './components.js';
import { finalModel } from './flow.js';
import { printOnce, WizardUI } from './ui.js';
import { runWizard, type WizardInput, type WizardResult } from './wizard.js';
import type { Prepared } from '../steps/prepare.js';

export async function interview(
  input: Omit<WizardInput, 'ui'> & { terminal: Pick<Terminal, 'stdin' | 'stdout'> & Partial<Terminal> },
): Promise<WizardResult> {
  const { terminal } = input;
  const stopWatching = watchHangup({ release: () => {}, ...terminal });
  const ui = await WizardUI.open(terminal);
  try {
    return await runWizard({ ...input, ui });
  } finally {
    await ui.close();
    stopWatching();
  }
}

export async function finalScreen(
  p: Prepared,
  started: boolean,
  backupDir: string | undefined,
  terminal: Pick<Terminal, 'stdout'>,
): Promise<void> {
  const model = finalModel({
    title: p.recipe.manifest.title,
    dir: p.dir,
    started,
    urls: p.rendering.urls,
    notes: p.rendering.notes,
    backupDir,
  });
  await printOnce(<FinalView model={model} />, terminal.stdout);
}
