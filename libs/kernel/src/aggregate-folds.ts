/** An aggregate's fold, as a registry of past states needs it: its stream category, initial state and evolve. */
export interface AggregateFold {
  /** Stream category, e.g. `loans.loan` (the part of the stream id before the first dash). */
  readonly category: string;
  readonly initialState: () => unknown;
  /** The aggregate's own evolve; its state and event types are its own, so they are not named here. */
  readonly evolve: (state: never, event: never) => unknown;
}

/** A context's aggregates from a table of stream category → the decider (or any fold) whose initialState and evolve rebuild its streams. */
export function aggregateFolds(byCategory: Readonly<Record<string, Omit<AggregateFold, 'category'>>>): AggregateFold[] {
  return Object.entries(byCategory).map(([category, { initialState, evolve }]) => ({ category, initialState, evolve }));
}
