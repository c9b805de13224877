import type { DomainEvent } from './envelope.js';
import type { DomainError } from './errors.js';

/**
 * An aggregate as two pure functions: `decide` turns a command and the current state into new
 * events (or a DomainError), `evolve` folds one event into the state. No I/O, no clock.
 */
export interface Decider<C, Event extends DomainEvent, State> {
  readonly initialState: () => State;
  readonly decide: (command: C, state: State) => readonly Event[] | DomainError;
  readonly evolve: (state: State, event: Event) => State;
}

/** What an actor asks an aggregate to do, as data: the one command shape every decider takes. */
export interface Command<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
}

export function fold<Event, State>(evolve: (s: State, e: Event) => State, initial: State, events: Iterable<Event>): State {
  let state = initial;
  for (const e of events) state = evolve(state, e);
  return state;
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
