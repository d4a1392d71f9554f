// The review: every answer with where it came from, the secrets (never their values), every file and what will
// happen to it, the services; then what to do (install, change an answer, quit).
import { useState } from 'react';
import { Box, Text } from 'ink';
import { actionWord } from '../../install-dir/plan.js';
import type { ChangeSummary } from '../changes.js';
import type { ReviewModel } from '../flow.js';
import type { Choice } from './parts.js';
import { DiffPager } from './diff-pager.js';
import { SelectPrompt } from './select-prompt.js';

export function ReviewView({ model }: { model: ReviewModel }) {
  return (
    <Box flexDirection="column">
      <Text bold>
        Review: {model.title} in {model.dir}
        {model.reconfigure ? ' (reconfiguring)' : ' (new install)'}
      </Text>
      <Text bold>Answers</Text>
      {model.answers.map((a) => (
        <Text key={a.id}>
          {'  '}
          {a.label} <Text color="cyan">{a.value}</Text>
          {a.note ? <Text dimColor> ({a.note})</Text> : null}
        </Text>
      ))}
      {model.secrets.length > 0 ? <Text bold>Secrets (in .env, mode 0600; never shown)</Text> : null}
      {model.secrets.map((s) => (
        <Text key={s.id}>
          {'  '}
          {s.id} <Text dimColor>{s.state === 'generated' ? 'generated now' : 'kept from .env'}</Text>
        </Text>
      ))}
      {model.files.length > 0 ? <Text bold>Files</Text> : null}
      {model.files.map((f) => (
        <Text key={f.path}>
          {'  '}
          <Text {...(f.action === 'unchanged' || f.action === 'keep' ? { dimColor: true } : {})}>
            {actionWord[f.action]}
          </Text>{' '}
          {f.path}
          {f.conflict === 'edited' ? <Text color="yellow"> ← edited outside berth</Text> : null}
          {f.conflict === 'unmanaged' ? <Text color="yellow"> ← exists, not written by berth</Text> : null}
        </Text>
      ))}
      <Text>
        <Text bold>Services</Text> {model.services.join(', ')}
      </Text>
      {model.changes ? <ChangesView changes={model.changes} /> : null}
      {model.warnings.map((w, i) => (
        <Text key={i} color="yellow">
          ! {w}
        </Text>
      ))}
      {model.problems.map((p, i) => (
        <Text key={i} color="red">
          ✖ {p}
        </Text>
      ))}
    </Box>
  );
}

const NOTHING: Record<'new' | 'none', string> = {
  new: 'none to compare: a new install creates everything',
  none: 'none: the install already is what these answers make (nothing is written or restarted)',
};

/** The change plan's summary: one line per kind of change, labels aligned. */
function ChangesView({ changes }: { changes: ChangeSummary }) {
  if (changes.kind !== 'changes')
    return (
      <Text>
        <Text bold>Changes</Text> {NOTHING[changes.kind]}
      </Text>
    );
  return (
    <Box flexDirection="column">
      <Text bold>Changes</Text>
      {changes.lines.map((l) => (
        <Text key={l.label}>
          {'  '}
          {l.label.padEnd(10)}
          {l.text}
        </Text>
      ))}
    </Box>
  );
}

export type ReviewChoice =
  { action: 'confirm' } | { action: 'quit' } | { action: 'diff' } | { action: 'change'; id: string };

export function ReviewPrompt({
  model,
  onSubmit,
}: {
  model: ReviewModel;
  onSubmit: (c: ReviewChoice) => void;
}) {
  const [changing, setChanging] = useState(false);
  const [viewing, setViewing] = useState(false);
  const changeable = model.answers.filter((a) => a.changeable);
  const blocked = model.problems.length > 0;
  const actions: Choice[] = [
    ...(blocked ? [] : [{ value: 'confirm', label: model.confirmLabel }]),
    ...(model.changes?.diffs.length
      ? [{ value: 'diff', label: 'Show the changes (the diff of each file)' }]
      : []),
    ...(changeable.length > 0 ? [{ value: 'change', label: 'Change an answer' }] : []),
    { value: 'quit', label: 'Quit without writing anything' },
  ];
  if (viewing && model.changes)
    return <DiffPager diffs={model.changes.diffs} onBack={() => setViewing(false)} />;
  return (
    <Box flexDirection="column">
      <ReviewView model={model} />
      <Box marginTop={1}>
        {changing ? (
          <SelectPrompt
            key="answers"
            title="Which answer?"
            choices={changeable.map((a) => ({ value: a.id, label: `${a.label} (${a.value})` }))}
            onSubmit={(id) => onSubmit({ action: 'change', id })}
            onBack={() => setChanging(false)}
          />
        ) : (
          <SelectPrompt
            key="actions"
            title={blocked ? 'These problems block the install.' : 'Go ahead?'}
            choices={actions}
            onSubmit={(v) => {
              if (v === 'change') setChanging(true);
              else if (v === 'diff') setViewing(true);
              else onSubmit({ action: v as 'confirm' | 'quit' });
            }}
          />
        )}
      </Box>
    </Box>
  );
}
