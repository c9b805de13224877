import type { RecordedEvent } from '#kernel';
import type { AllFilter, CommandContext } from '#eventstore';
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
 * The context of a command run in reaction to an event: acted by `reactor:<name>` (system), at the
 * event's business time and in its correlation, caused by it and keyed by it.
 */
export function reactionContext(reactor: string, event: RecordedEvent, command: string): CommandContext {
  return {
    command,
    actor: { id: `reactor:${reactor}`, role: 'system' },
    occurredAt: event.metadata.occurredAt,
    correlationId: event.metadata.correlationId,
    causationId: event.eventId,
    idempotencyKey: reactionKey(reactor, event),
  };
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
