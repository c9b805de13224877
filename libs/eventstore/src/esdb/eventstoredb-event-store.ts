import { randomUUID } from 'node:crypto';
import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type Direction,
  type ReadPosition,
  type ReadRevision,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import { RevisionConflictError, comparePositions, startingAfter, type NewEvent, type Position, type RecordedEvent, type Upcasters } from '#kernel';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  ReadAllOptions,
  ReadAllResult,
  ReadStreamOptions,
  SubscribeOptions,
  Subscription,
} from '../event-store.js';
import { esdbSubscription } from './esdb-subscription.js';
import { appendAttemptOf, isSystemEvent, matchesFilter, positionOf, toEventData, toRecorded } from './mapping.js';

export interface EventStoreDbEventStoreOptions {
  /** Applied to every event read back. */
  readonly upcasters?: Upcasters;
  /**
   * Report `duplicate: true` for an append the server treated as an idempotent retry. Costs one
   * stream read after each append (see `appendToStream`). Default true.
   */
  readonly detectDuplicates?: boolean;
  /** Default upper bound of events per subscription batch (default 500). */
  readonly subscriptionBatchSize?: number;
  /** First delay before a dropped subscription resubscribes; doubles per failed attempt (default 250 ms). */
  readonly resubscribeDelayMs?: number;
  /** Longest delay between resubscription attempts (default 30 s). */
  readonly maxResubscribeDelayMs?: number;
  /** Called whenever a subscription drops (it resubscribes by itself), e.g. to log the error. */
  readonly onSubscriptionDrop?: (error: unknown, attempt: number) => void;
  /** Most $all events one `readAll` call looks at before it returns what it has (default 10 000). */
  readonly maxScanPerRead?: number;
  /** How long `checkHealth` waits for the server (default 5 s). */
  readonly healthTimeoutMs?: number;
}

const ZERO: Position = Object.freeze({ commit: 0n, prepare: 0n });
/** How long a subscription's tail probe waits for others to share its read, and that read's size. */
const TAIL_COALESCE_MS = 50;
const TAIL_PAGE = 256;

/**
 * The EventStore port on EventStoreDB (gRPC client `@eventstore/db-client`; every use of the client
 * lives in this folder).
 *
 * - Events are JSON; the EventMetadata is the event's custom metadata, with the schemaVersion under
 *   `$schemaVersion`. Our eventId is the EventStoreDB event id, so the server's idempotency applies.
 * - Positions are the server's 64-bit commit/prepare positions, always bigint.
 * - System records (`$`-prefixed types or streams) are never returned.
 * - Needs a server that reports event positions on stream reads and sends CaughtUp on
 *   subscriptions (EventStoreDB 23.10 and later).
 */
export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  private readonly client: EventStoreDBClient;
  private readonly ownsClient: boolean;
  private readonly subscriptions = new Set<Subscription>();
  private tailWaiters: Array<{ after: Position; resolve: (page: AllStreamResolvedEvent[]) => void; reject: (err: unknown) => void }> = [];
  private tailTimer?: NodeJS.Timeout;

  /** Takes a client (which the caller keeps and disposes) or an `esdb://` connection string. */
  constructor(
    client: EventStoreDBClient | string,
    private readonly options: EventStoreDbEventStoreOptions = {},
  ) {
    this.ownsClient = typeof client === 'string';
    this.client = typeof client === 'string' ? EventStoreDBClient.connectionString(client) : client;
  }

  /**
   * Appends with the server's expected-revision check. A retry with the same event ids is a no-op
   * on the server, which answers with the original result and keeps the original events. The
   * answer itself does not say that it was a retry, so the first event carries a fresh random
   * token in its metadata (APPEND_ATTEMPT_KEY, never returned by reads), and the adapter reads that
   * event back: another token means an earlier append stored these events and this one is a repeat,
   * however close together the two were sent (one stream read per append).
   */
  async appendToStream(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return this.checkExpectation(streamId, expected);
    const attempt = this.options.detectDuplicates === false ? undefined : randomUUID();
    let result;
    try {
      result = await this.client.appendToStream(
        streamId,
        events.map((e, i) => toEventData(e, i === 0 ? attempt : undefined, events.length - 1 - i)),
        { expectedRevision: toEsdbExpected(expected) },
      );
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) {
        const actual = err.actualVersion;
        throw new RevisionConflictError(streamId, String(expected), typeof actual === 'bigint' ? Number(actual) : -1);
      }
      throw err;
    }
    const nextExpectedRevision = Number(result.nextExpectedRevision);
    if (!result.success) throw new RevisionConflictError(streamId, String(expected), nextExpectedRevision);
    if (!result.position) {
      // Some server versions report no position for an idempotent write: the events were stored
      // before, so take the position of the last one.
      const [last] = await this.readStream(streamId, { fromRevision: nextExpectedRevision, maxCount: 1 });
      return { nextExpectedRevision, position: last?.globalPosition ?? ZERO, duplicate: true };
    }
    const position = { commit: result.position.commit, prepare: result.position.prepare };
    const duplicate = attempt !== undefined && (await this.storedAttempt(streamId, nextExpectedRevision - events.length + 1)) !== attempt;
    return { nextExpectedRevision, position, duplicate };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    let fromRevision: ReadRevision;
    if (options.fromRevision === undefined) fromRevision = backwards ? END : START;
    else if (options.fromRevision < 0) {
      if (backwards) return [];
      fromRevision = START;
    } else fromRevision = BigInt(options.fromRevision);
    const out: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision,
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
      });
      for await (const resolved of read) {
        if (resolved.event) out.push(this.recorded(resolved.event, positionOf(resolved)));
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw err;
    }
    return out;
  }

  /**
   * The client's `readAll` has no server-side filter, so the filter is applied here while reading
   * $all forwards page by page. EventStoreDB reads start at their position (inclusive); the port's
   * `from` is exclusive, so whatever is at or before it is dropped. When the read reaches the end of
   * $all, the returned position is the last record looked at, so checkpoints move past events the
   * filter skipped. One call looks at `maxScanPerRead` events at most and then returns what it has
   * (isEnd false).
   */
  async readAll(options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const limit = options.maxCount ?? 1000;
    const from = startingAfter(options.from);
    const matches = matchesFilter(options.filter);
    const pageSize = Math.min(Math.max(limit + 1, 256), 4096);
    const maxScan = this.options.maxScanPerRead ?? 10_000;
    const events: RecordedEvent[] = [];
    let seen: Position | undefined = from;
    let scanned = 0;
    for (;;) {
      const page = await this.readAllRaw(seen ?? START, pageSize, FORWARDS);
      for (const resolved of page) {
        const position = positionOf(resolved);
        const event = resolved.event;
        if (!event || !position || (seen && comparePositions(position, seen) <= 0)) continue;
        seen = position;
        scanned += 1;
        if (!matches(event)) continue;
        events.push(this.recorded(event, position));
        if (events.length >= limit) return { events, position, isEnd: false };
      }
      if (page.length < pageSize) return { events, position: seen ?? ZERO, isEnd: true };
      if (scanned >= maxScan) return { events, position: seen ?? ZERO, isEnd: false };
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    const inner = esdbSubscription({
      client: this.client,
      from: options.from,
      filter: options.filter,
      batchSize: options.batchSize ?? this.options.subscriptionBatchSize ?? 500,
      toRecorded: (event, position) => this.recorded(event, position),
      retryDelayMs: this.options.resubscribeDelayMs ?? 250,
      maxRetryDelayMs: this.options.maxResubscribeDelayMs ?? 30_000,
      onDrop: this.options.onSubscriptionDrop,
      probe: (after) => this.skippedTail(after, options.filter),
    });
    const subscription: Subscription = {
      [Symbol.asyncIterator]: () => inner[Symbol.asyncIterator](),
      close: async () => {
        this.subscriptions.delete(subscription);
        await inner.close();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /**
   * Newest non-system event of $all, found by reading backwards from the end: a small page first
   * (the head is rarely a system record), then larger ones.
   */
  async headPosition(): Promise<Position | null> {
    let pageSize = 8;
    let cursor: ReadPosition = END;
    for (; ; pageSize = Math.min(pageSize * 4, 512)) {
      const page = await this.readAllRaw(cursor, pageSize, BACKWARDS);
      let last: Position | undefined;
      for (const resolved of page) {
        const position = positionOf(resolved);
        const event = resolved.event;
        if (!event || !position) continue;
        if (cursor !== END && comparePositions(position, cursor as Position) >= 0) continue;
        if (!isSystemEvent(event)) return position;
        last = position;
      }
      if (page.length < pageSize || !last) return null;
      cursor = last;
    }
  }

  async checkHealth(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.options.healthTimeoutMs ?? 5_000;
    try {
      await Promise.race([
        this.readAllRaw(END, 1, BACKWARDS),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`EventStoreDB did not answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    if (this.tailTimer) clearTimeout(this.tailTimer);
    this.tailTimer = undefined;
    for (const w of this.tailWaiters.splice(0)) w.resolve([]);
    if (this.ownsClient) await this.client.dispose();
  }

  /**
   * The furthest position after `after` up to which $all holds nothing the filter lets through:
   * the last record before the first matching one (or the last record read). Looks at one page,
   * read once for all the subscriptions probing at about the same time (`readTail`).
   */
  private async skippedTail(after: Position, filter: SubscribeOptions['filter']): Promise<Position | undefined> {
    const matches = matchesFilter(filter);
    let furthest: Position | undefined;
    for (const resolved of await this.readTail(after)) {
      const position = positionOf(resolved);
      const event = resolved.event;
      if (!event || !position || comparePositions(position, after) <= 0) continue;
      if (matches(event)) break;
      furthest = position;
    }
    return furthest;
  }

  /**
   * A page of $all from `after` (inclusive), shared: every idle subscription of the store probes its
   * skipped tail (see esdbSubscription), mostly at about the same moments, so the probes of the
   * next TAIL_COALESCE_MS are answered by one read from the earliest of their positions. A probe
   * whose position lies past a full shared page reads on its own.
   */
  private readTail(after: Position): Promise<AllStreamResolvedEvent[]> {
    return new Promise((resolve, reject) => {
      this.tailWaiters.push({ after, resolve, reject });
      if (!this.tailTimer) {
        this.tailTimer = setTimeout(() => void this.flushTail(), TAIL_COALESCE_MS);
        this.tailTimer.unref();
      }
    });
  }

  private async flushTail(): Promise<void> {
    const waiters = this.tailWaiters;
    this.tailWaiters = [];
    this.tailTimer = undefined;
    if (waiters.length === 0) return;
    const from = waiters.reduce((min, w) => (comparePositions(w.after, min) < 0 ? w.after : min), waiters[0].after);
    try {
      const page = await this.readAllRaw(from, TAIL_PAGE, FORWARDS);
      const last = page.length ? positionOf(page[page.length - 1]) : undefined;
      for (const w of waiters) {
        const beyond = page.length >= TAIL_PAGE && (!last || comparePositions(w.after, last) >= 0);
        if (beyond) this.readAllRaw(w.after, TAIL_PAGE, FORWARDS).then(w.resolve, w.reject);
        else w.resolve(page);
      }
    } catch (err) {
      for (const w of waiters) w.reject(err);
    }
  }

  /** The append token of the event at a revision of a stream (see APPEND_ATTEMPT_KEY). */
  private async storedAttempt(streamId: string, revision: number): Promise<unknown> {
    // Read to the end (one event) rather than leaving the loop early, which would leave the call open.
    let attempt: unknown;
    for await (const resolved of this.client.readStream(streamId, { fromRevision: BigInt(revision), maxCount: 1 })) {
      if (resolved.event) attempt = appendAttemptOf(resolved.event);
    }
    return attempt;
  }

  private async readAllRaw(fromPosition: ReadPosition, maxCount: number, direction: Direction): Promise<AllStreamResolvedEvent[]> {
    const out: AllStreamResolvedEvent[] = [];
    for await (const resolved of this.client.readAll({ fromPosition, maxCount, direction })) out.push(resolved);
    return out;
  }

  /** An append without events appends nothing; it only checks the expectation. */
  private async checkExpectation(streamId: string, expected: ExpectedRevision): Promise<AppendResult> {
    const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    const current = last ? last.revision : -1;
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' && current < 0) ||
      (expected === 'exists' && current >= 0) ||
      (typeof expected === 'number' && current === expected);
    if (!ok) throw new RevisionConflictError(streamId, String(expected), current);
    return { nextExpectedRevision: current, position: ZERO, duplicate: false };
  }

  private recorded(event: EsdbRecordedEvent, position: Position | undefined): RecordedEvent {
    return toRecorded(event, position, this.options.upcasters);
  }
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'any':
      return ANY;
    case 'exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}
