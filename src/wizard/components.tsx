// The wizard's screens, one per file under screens/: props in, callbacks out. What to ask and what it means lives
// in flow.ts and wizard.ts; ui.tsx turns them into promise-returning prompts.
export * from './screens/parts.js';
export * from './screens/welcome.js';
export * from './screens/select-prompt.js';
export * from './screens/confirm-prompt.js';
export * from './screens/text-prompt.js';
export * from './screens/review.js';
export * from './screens/final.js';
export * from './screens/diff-pager.js';
