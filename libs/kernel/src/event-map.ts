import type { DomainEvent } from './envelope.js';

/**
 * An aggregate's events from one map of event type → its data: `EventsOf<{ Opened: {...}; Closed: {...} }>`
 * is `DomainEvent<'Opened', {...}> | DomainEvent<'Closed', {...}>`. One entry per event, instead of
 * a `DomainEvent<…>` declaration for each and a union that names them all again.
 */
export type EventsOf<M> = { [T in keyof M & string]: DomainEvent<T, M[T]> }[keyof M & string];

/** One event of such a map: `EventOf<M, 'Opened'>`. */
export type EventOf<M, T extends keyof M & string> = DomainEvent<T, M[T]>;
