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
  /**
   * Told what became of the command (appended, a repeat, nothing to do, or refused). A reaction's
   * context carries it, so the projection runner records the outcome of every command a reaction
   * runs, however deep in a service it runs. Never part of the events' metadata.
   */
  readonly onOutcome?: (outcome: CommandResult | DomainError) => void;
  /**
   * The id of the command's `index`-th event on a stream, for a batch that needs its own scheme
   * (Loans' end of day leads its ids with the date). Defaults to an id derived from the
   * idempotency key, or a random one without a key. Never part of the events' metadata.
   */
  readonly eventIds?: (streamId: string, index: number) => string;
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
  /**
   * How many streams' folded state to keep in memory (0 disables). A cached stream is decided on
   * without reading it; the append's expected revision proves the state was current, and a
   * conflict (another writer or process) drops the entry and re-reads the stream.
   */
  readonly cacheStreams?: number;
  /** Gives the schemaVersion for new events of a type (defaults to 1). */
  readonly upcasters?: Upcasters;
}

/**
 * Load = read the stream and fold it with `evolve`; handle = load, `decide`, append with the loaded
 * revision. A concurrent writer makes the append conflict; the command is then re-decided on the
 * fresh state (commands are safe to re-run), a bounded number of times.
 */
interface Cached<S> {
  readonly state: S;
  readonly revision: number;
  /** `command idempotencyKey` pairs already in the stream, with the revision they reached. */
  readonly keys: ReadonlyMap<string, { revision: number; position: Position }>;
}

export class AggregateRepository<C, E extends DomainEvent, S> {
  private readonly maxRetries: number;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, Cached<S>>();

  constructor(
    private readonly store: EventStore,
    private readonly decider: Decider<C, E, S>,
    private readonly options: AggregateRepositoryOptions = {},
  ) {
    this.maxRetries = options.maxRetries ?? 5;
    this.cacheSize = options.cacheStreams ?? 10_000;
  }

  async load(streamId: string): Promise<Loaded<S>> {
    const events = await this.store.readStream(streamId);
    const state = fold(this.decider.evolve, this.decider.initialState(), events as unknown as E[]);
    return { state, revision: events.length ? events[events.length - 1].revision : -1, events };
  }

  /**
   * The stream's state as this repository last saw it: from its cache when it holds the stream,
   * else read (and remembered). `fresh` always reads. A cached state may be behind a writer this
   * repository did not see (another process, another repository, a batch path); it is good for a
   * pre-check whose refusal is confirmed on a fresh read and whose acceptance is decided again by
   * `handle` at the append's expected revision.
   */
  async read(streamId: string, options: { fresh?: boolean } = {}): Promise<{ readonly state: S; readonly revision: number; readonly fromCache: boolean }> {
    const { state, revision, fromCache } = await this.current(streamId, options.fresh ?? false);
    return { state, revision, fromCache };
  }

  private async current(streamId: string, fresh: boolean): Promise<Cached<S> & { fromCache: boolean }> {
    const cached = fresh ? undefined : this.cache.get(streamId);
    if (cached) return { ...cached, fromCache: true };
    const loaded = await this.load(streamId);
    const keys = new Map<string, { revision: number; position: Position }>();
    for (const e of loaded.events) {
      if (e.metadata.idempotencyKey) keys.set(keyOf(e.metadata.command, e.metadata.idempotencyKey), { revision: e.revision, position: e.globalPosition });
    }
    const entry = { state: loaded.state, revision: loaded.revision, keys };
    this.remember(streamId, entry);
    return { ...entry, fromCache: false };
  }

  private remember(streamId: string, entry: Cached<S>): void {
    // A stream that does not exist yet is remembered too: its first append expects no stream, so a
    // writer that created it meanwhile makes the append conflict and the entry is dropped.
    if (this.cacheSize <= 0) return;
    this.cache.delete(streamId);
    this.cache.set(streamId, entry);
    if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
  }

  async handle(streamId: string, command: C, ctx: CommandContext): Promise<CommandResult<E> | DomainError> {
    const outcome = await this.decideAndAppend(streamId, command, ctx);
    ctx.onOutcome?.(outcome);
    return outcome;
  }

  private async decideAndAppend(streamId: string, command: C, ctx: CommandContext): Promise<CommandResult<E> | DomainError> {
    const commandId = ctx.idempotencyKey ?? newId();
    let fresh = false;
    for (let attempt = 0; ; attempt++) {
      const loaded = await this.current(streamId, fresh);
      if (ctx.idempotencyKey) {
        const earlier = loaded.keys.get(keyOf(ctx.command, ctx.idempotencyKey));
        if (earlier) return { streamId, events: [], revision: earlier.revision, position: earlier.position, duplicate: true };
      }
      if (ctx.expectedRevision !== undefined && ctx.expectedRevision !== loaded.revision) {
        if (loaded.fromCache) {
          fresh = true;
          continue;
        }
        throw new RevisionConflictError(streamId, String(ctx.expectedRevision), loaded.revision);
      }
      const decided = this.decider.decide(command, loaded.state);
      if (isDomainError(decided)) {
        if (loaded.fromCache) {
          // A rule refused on cached state: make sure the state was current before answering.
          fresh = true;
          continue;
        }
        return decided;
      }
      if (decided.length === 0) {
        return { streamId, events: [], revision: loaded.revision, position: null, duplicate: false };
      }
      const expected: ExpectedRevision = loaded.revision < 0 ? 'no_stream' : loaded.revision;
      try {
        const result = await this.store.appendToStream(streamId, newEvents(streamId, decided, ctx, commandId, this.options.upcasters), expected);
        if (result.duplicate) {
          this.cache.delete(streamId);
          return { streamId, events: [], revision: result.nextExpectedRevision, position: result.position, duplicate: true };
        }
        const keys = new Map(loaded.keys);
        if (ctx.idempotencyKey) keys.set(keyOf(ctx.command, ctx.idempotencyKey), { revision: result.nextExpectedRevision, position: result.position });
        this.remember(streamId, { state: decided.reduce(this.decider.evolve, loaded.state), revision: result.nextExpectedRevision, keys });
        return { streamId, events: decided, revision: result.nextExpectedRevision, position: result.position, duplicate: false };
      } catch (err) {
        this.cache.delete(streamId);
        if (!(err instanceof RevisionConflictError) || ctx.expectedRevision !== undefined || attempt >= this.maxRetries) {
          throw err;
        }
        fresh = true;
      }
    }
  }

  /**
   * The events of a decision as this repository appends them: metadata from the context, ids from
   * the idempotency key (or the context's `eventIds`), schema versions from its upcasters. A batch
   * path that decides on a read model's state and appends many streams at once builds its events
   * here, so an append it makes and a re-decision through `handle` store the same thing.
   */
  newEvents(streamId: string, events: readonly DomainEvent[], ctx: CommandContext): NewEvent[] {
    return newEvents(streamId, events, ctx, ctx.idempotencyKey ?? newId(), this.options.upcasters);
  }
}

/**
 * The metadata every event of a command records: the context's extra fields, correlation and
 * causation (the command's id when the context names none: its idempotency key, else a new id),
 * actor, command, business time, key and policy versions. The repository's own derivation, for a
 * writer that appends a command's events to two streams in a fixed order (Restructuring's filing).
 */
export function commandMetadata(ctx: CommandContext, commandId: string = ctx.idempotencyKey ?? newId()): EventMetadata {
  return {
    ...ctx.extra,
    correlationId: ctx.correlationId ?? commandId,
    causationId: ctx.causationId ?? commandId,
    actor: ctx.actor,
    command: ctx.command,
    occurredAt: ctx.occurredAt,
    ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey } : {}),
    ...(ctx.policyVersions ? { policyVersions: ctx.policyVersions } : {}),
  };
}

function newEvents(streamId: string, events: readonly DomainEvent[], ctx: CommandContext, commandId: string, upcasters?: Upcasters): NewEvent[] {
  const metadata = commandMetadata(ctx, commandId);
  const key = ctx.idempotencyKey;
  return events.map((e, i) => ({
    eventId: ctx.eventIds ? ctx.eventIds(streamId, i) : key ? deterministicId(key, ctx.command, streamId, i) : newId(),
    type: e.type,
    schemaVersion: upcasters?.currentVersion(e.type) ?? 1,
    data: e.data,
    metadata,
  }));
}

function keyOf(command: string, idempotencyKey: string): string {
  return `${command}\u0000${idempotencyKey}`;
}
