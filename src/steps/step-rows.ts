// Steps berth runs itself around `docker compose up` (image builds before it, hooks after it): each is a row of
// the progress view, and its output goes to the bring-up's log.
import type { ProgressEvent } from '../progress/model.js';

export interface StepReport {
  dispatch(events: ProgressEvent[]): void;
  log(line: string): void;
  clock(): number;
}

export type StepState = 'waiting' | 'starting' | 'completed' | 'failed';

/** Sets the row `name` to a state, with an optional detail (the build step, the exit status). */
export const stepRow =
  (report: StepReport, name: string) =>
  (state: StepState, detail?: string): void =>
    report.dispatch([
      { type: 'service', at: report.clock(), service: name, state, ...(detail ? { detail } : {}) },
    ]);
