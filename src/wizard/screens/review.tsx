// The review: every answer with where it came from, the secrets (never their values), every file and what will
// happen to it, the services; then what to do (install, change an answer, quit).
import { useState } from 'react';
import { Box, Text } from 'ink';
import { actionWord } from '../../install-dir/plan.js';
import type { ReviewModel } from '../flow.js';
import type { Choice } from './parts.js';
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
      <Text bold>Files</Text>
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

export type ReviewChoice = { action: 'confirm' } | { action: 'quit' } | { action: 'change'; id: string };

export function ReviewPrompt({
  model,
  onSubmit,
}: {
  model: ReviewModel;
  onSubmit: (c: ReviewChoice) => void;
}) {
  const [changing, setChanging] = useState(false);
  const changeable = model.answers.filter((a) => a.changeable);
  const blocked = model.problems.length > 0;
  const actions: Choice[] = [
    ...(blocked ? [] : [{ value: 'confirm', label: model.confirmLabel }]),
    ...(changeable.length > 0 ? [{ value: 'change', label: 'Change an answer' }] : []),
    { value: 'quit', label: 'Quit without writing anything' },
  ];
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
              else onSubmit({ action: v as 'confirm' | 'quit' });
            }}
          />
        )}
      </Box>
    </Box>
  );
}
