import {
  RevisionConflictError,
  deterministicId,
  fold,
  isDomainError,
  newId,
  type Actor,
  type Decider,
  type DomainError,
  type DomainEvent,
  type EventMetadata,
  type NewEvent,
  type Position,
  type RecordedEvent,
  type Upcasters,
} from '#kernel';
import type { EventStore, ExpectedRevision } from './event-store.js';

/** Who asked for a command, when (business time), why, and under which key. */
export interface CommandContext {
  /** Command name recorded on every event it produces, e.g. `RegisterLoan`. */
  readonly command: string;
  readonly actor: Actor;
  /** Business time of the command (ISO-8601). */
  readonly occurredAt: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  /** Same key twice: the second call appends nothing and returns the first result. */
  readonly idempotencyKey?: string;
  /** The caller's expectation (If-Match): a mismatch is reported, not retried. */
  readonly expectedRevision?: number;
  readonly policyVersions?: Readonly<Record<string, string>>;
  /** Further metadata (reasons, source system). No personal data. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface CommandResult<E extends DomainEvent = DomainEvent> {
  readonly streamId: string;
  /** The events this call appended (empty for a repeated idempotency key or a no-op). */
  readonly events: readonly E[];
  /** Stream revision after the command; -1 when the stream still does not exist. */
  readonly revision: number;
  readonly position: Position | null;
  /** True when an earlier call with the same idempotency key already did the work. */
  readonly duplicate: boolean;
}

export interface Loaded<S> {
  readonly state: S;
  /** Revision of the last event; -1 for a stream that does not exist. */
  readonly revision: number;
  readonly events: readonly RecordedEvent[];
}

export interface AggregateRepositoryOptions {
  /** How often a conflicting append is re-loaded and re-decided before giving up. */
  readonly maxRetries?: number;
  /** Gives the schemaVersion for new events of a type (defaults to 1). */
  readonly upcasters?: Upcasters;
}

/**
 * Load = read the stream and fold it with `evolve`; handle = load, `decide`, append with the loaded
 * revision. A concurrent writer makes the append conflict; the command is then re-decided on the
 * fresh state (commands are safe to re-run), a bounded number of times.
 */
export class AggregateRepository<C, E extends DomainEvent, S> {
  private readonly maxRetries: number;

  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<C, E, S>,
    private readonly options: AggregateRepositoryOptions = {},
  ) {
    this.maxRetries = options.maxRetries ?? 5;
  }

  async load(streamId: string): Promise<Loaded<S>> {
    const events = await this.store.readStream(streamId);
    const state = fold(this.decider.evolve, this.decider.initialState(), events as unknown as E[]);
    return { state, revision: events.length ? events[events.length - 1].revision : -1, events };
  }

  async handle(streamId: string, command: C, ctx: CommandContext): Promise<CommandResult<E> | DomainError> {
    const commandId = ctx.idempotencyKey ?? newId();
    for (let attempt = 0; ; attempt++) {
      const loaded = await this.load(streamId);
      if (ctx.idempotencyKey) {
        const earlier = loaded.events.filter(
          (e) => e.metadata.idempotencyKey === ctx.idempotencyKey && e.metadata.command === ctx.command,
        );
        if (earlier.length) {
          const last = earlier[earlier.length - 1];
          return { streamId, events: [], revision: last.revision, position: last.globalPosition, duplicate: true };
        }
      }
      if (ctx.expectedRevision !== undefined && ctx.expectedRevision !== loaded.revision) {
        throw new RevisionConflictError(streamId, String(ctx.expectedRevision), loaded.revision);
      }
      const decided = this.decider.decide(command, loaded.state);
      if (isDomainError(decided)) return decided;
      if (decided.length === 0) {
        return { streamId, events: [], revision: loaded.revision, position: null, duplicate: false };
      }
      const expected: ExpectedRevision = loaded.revision < 0 ? 'no_stream' : loaded.revision;
      try {
        const result = await this.store.appendToStream(streamId, this.toNewEvents(decided, ctx, commandId, streamId), expected);
        return {
          streamId,
          events: result.duplicate ? [] : decided,
          revision: result.nextExpectedRevision,
          position: result.position,
          duplicate: result.duplicate,
        };
      } catch (err) {
        if (!(err instanceof RevisionConflictError) || ctx.expectedRevision !== undefined || attempt >= this.maxRetries) {
          throw err;
        }
      }
    }
  }

  private toNewEvents(events: readonly E[], ctx: CommandContext, commandId: string, streamId: string): NewEvent[] {
    const correlationId = ctx.correlationId ?? commandId;
    const metadata: EventMetadata = {
      ...ctx.extra,
      correlationId,
      causationId: ctx.causationId ?? commandId,
      actor: ctx.actor,
      command: ctx.command,
      occurredAt: ctx.occurredAt,
      ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}),
      ...(ctx.policyVersions ? { policyVersions: ctx.policyVersions } : {}),
    };
    return events.map((e, i) => ({
      eventId: ctx.idempotencyKey ? deterministicId(ctx.idempotencyKey, ctx.command, streamId, i) : newId(),
      type: e.type,
      schemaVersion: this.options.upcasters?.currentVersion(e.type) ?? 1,
      data: e.data,
      metadata,
    }));
  }
}
