// The bring-up's progress as plain data: events from compose's output, a reducer, and the derived numbers
// (overall percent, elapsed) that every reporter shows. No I/O, no clock: times come in on the events.

export const serviceStates = [
  'waiting',
  'pulling',
  'creating',
  'starting',
  'running',
  'healthy',
  'completed',
  'failed',
] as const;
export type ServiceState = (typeof serviceStates)[number];

/** States a service ends in: compose has nothing more to do for it. */
export const finalStates: ReadonlySet<ServiceState> = new Set(['running', 'healthy', 'completed', 'failed']);

export interface ServiceRow {
  name: string;
  oneshot: boolean;
  state: ServiceState;
  /** Why it failed, how it exited, or what it is doing ("exit 1", "unhealthy"). */
  detail?: string;
  /** When it left `waiting` (ms since the epoch), and when it reached a final state. */
  since?: number;
  until?: number;
}

export interface LayerProgress {
  current: number;
  total: number;
}

export interface ProgressState {
  started: number;
  services: ServiceRow[];
  /** Image layers being pulled, by layer id. Plain output does not say which service a layer is for. */
  layers: Record<string, LayerProgress>;
  /** Lines compose printed that concern no one service (the final error, mostly). */
  messages: string[];
  logs?: { service: string; lines: string[] };
  done?: { at: number; ok: boolean };
}

export type ProgressEvent =
  | { type: 'services'; at: number; services: { name: string; oneshot: boolean }[] }
  | { type: 'service'; at: number; service: string; state: ServiceState; detail?: string }
  /** Bytes of one layer; `done` once compose says its download finished (sizes are not repeated then). */
  | { type: 'layer'; at: number; layer: string; current?: number; total?: number; done?: boolean }
  | { type: 'message'; at: number; text: string }
  /** The failing service's last log lines, fetched once the bring-up failed. */
  | { type: 'logs'; at: number; service: string; lines: string[] }
  | { type: 'done'; at: number; ok: boolean };

export function initialState(started: number): ProgressState {
  return { started, services: [], layers: {}, messages: [] };
}

export function reduce(state: ProgressState, event: ProgressEvent): ProgressState {
  switch (event.type) {
    case 'services': {
      const known = new Map(state.services.map((s) => [s.name, s]));
      const rows = event.services.map(
        (s) => known.get(s.name) ?? { name: s.name, oneshot: s.oneshot, state: 'waiting' as const },
      );
      const extra = state.services.filter((s) => !event.services.some((e) => e.name === s.name));
      return { ...state, services: [...rows, ...extra] };
    }
    case 'service':
      return { ...state, services: upsert(state.services, event) };
    case 'layer': {
      const old = state.layers[event.layer] ?? { current: 0, total: 0 };
      const total = event.total ?? old.total;
      const current = event.done ? total : (event.current ?? old.current);
      return { ...state, layers: { ...state.layers, [event.layer]: { current, total } } };
    }
    case 'message':
      return { ...state, messages: [...state.messages, event.text] };
    case 'logs':
      return { ...state, logs: { service: event.service, lines: event.lines } };
    case 'done':
      return { ...state, done: { at: event.at, ok: event.ok } };
  }
}

function upsert(rows: ServiceRow[], e: Extract<ProgressEvent, { type: 'service' }>): ServiceRow[] {
  const index = rows.findIndex((r) => r.name === e.service);
  const old = rows[index] ?? { name: e.service, oneshot: false, state: 'waiting' as const };
  // A failure is final: compose's later lines for the same container ("Exited") must not hide it.
  if (old.state === 'failed' && e.state !== 'failed') return rows;
  const row: ServiceRow = { ...old, state: e.state };
  if (e.detail !== undefined) row.detail = e.detail;
  else if (e.state !== old.state) delete row.detail;
  if (e.state !== 'waiting') row.since ??= e.at;
  if (finalStates.has(e.state))
    row.until = old.until !== undefined && old.state === e.state ? old.until : e.at;
  else delete row.until;
  return index < 0 ? [...rows, row] : rows.map((r, i) => (i === index ? row : r));
}

/** Bytes pulled so far over bytes known, or undefined while no layer size is known. */
export function pullProgress(state: ProgressState): LayerProgress | undefined {
  const layers = Object.values(state.layers).filter((l) => l.total > 0);
  if (layers.length === 0) return undefined;
  return {
    current: layers.reduce((n, l) => n + Math.min(l.current, l.total), 0),
    total: layers.reduce((n, l) => n + l.total, 0),
  };
}

const weight: Record<ServiceState, number> = {
  waiting: 0,
  pulling: 0.1,
  creating: 0.5,
  starting: 0.7,
  running: 1,
  healthy: 1,
  completed: 1,
  failed: 1,
};

/** 0–100: each service counts equally; a pulling service moves with the bytes pulled. */
export function overallPercent(state: ProgressState): number {
  if (state.services.length === 0) return state.done ? 100 : 0;
  const pull = pullProgress(state);
  const pulled = pull ? pull.current / pull.total : 0;
  const sum = state.services.reduce(
    (n, s) => n + (s.state === 'pulling' ? weight.pulling + 0.4 * pulled : weight[s.state]),
    0,
  );
  return Math.floor((100 * sum) / state.services.length);
}

/** Seconds a service has been (or was) on its way: from leaving `waiting` to its final state. */
export function serviceElapsed(row: ServiceRow, now: number): number | undefined {
  if (row.since === undefined) return undefined;
  return ((row.until ?? now) - row.since) / 1000;
}

/** Seconds since the bring-up started (frozen once it is done). */
export function totalElapsed(state: ProgressState, now: number): number {
  return ((state.done?.at ?? now) - state.started) / 1000;
}

/** The service to blame when the bring-up failed: the first marked failed, else the first not finished. */
export function failedService(state: ProgressState): string | undefined {
  return (
    state.services.find((s) => s.state === 'failed')?.name ??
    (state.done && !state.done.ok ? state.services.find((s) => !finalStates.has(s.state))?.name : undefined)
  );
}
