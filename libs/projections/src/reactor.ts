import type { RecordedEvent } from '#kernel';
import type { AllFilter } from '#eventstore';
import type { Projection } from './projection.js';

export interface ReactorSpec {
  readonly name: string;
  readonly version?: number;
  /** The (published) events the reactor listens to, usually another context's. */
  readonly filter: AllFilter;
  /**
   * Reacts to one event, typically by running a command. It runs at least once per event: a crash
   * after the command but before the checkpoint runs it again, so the command must carry an
   * idempotency key derived from the event (see `reactionKey`).
   */
  handle(event: RecordedEvent): Promise<void>;
}

/** The idempotency key of a reaction: the same event always yields the same key. */
export function reactionKey(reactor: string, event: RecordedEvent): string {
  return `${reactor}:${event.eventId}`;
}

/**
 * A reactor is a projection without tables: the runner gives it checkpoints, batches, poison
 * handling and lag metrics; its effects are commands made idempotent by the triggering event.
 * This is how a context reacts to another context's published events in-process.
 */
export function reactor(spec: ReactorSpec): Projection {
  return {
    name: spec.name,
    version: spec.version ?? 1,
    filter: spec.filter,
    tables: {},
    async apply(_ctx, events) {
      for (const event of events) await spec.handle(event);
    },
  };
}
