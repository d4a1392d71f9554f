// Holds the live progress state: the driver dispatches events, reporters subscribe to changes.
import { initialState, reduce, type ProgressEvent, type ProgressState } from './model.js';
import type { Reporter } from './plain.js';

export interface ProgressStore {
  get(): ProgressState;
  dispatch(events: readonly ProgressEvent[]): void;
  subscribe(reporter: Reporter): () => void;
}

export function createProgressStore(started: number): ProgressStore {
  let state = initialState(started);
  const reporters = new Set<Reporter>();
  return {
    get: () => state,
    dispatch(events) {
      for (const event of events) {
        const prev = state;
        state = reduce(state, event);
        for (const r of reporters) r(prev, state, event);
      }
    },
    subscribe(reporter) {
      reporters.add(reporter);
      return () => reporters.delete(reporter);
    },
  };
}
