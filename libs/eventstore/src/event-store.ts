import type { NewEvent, Position, RecordedEvent } from '#kernel';

/**
 * Expected revision of an append:
 * - 'no_stream': the stream must not exist yet;
 * - 'exists': it must exist;
 * - 'any': no check;
 * - n: the stream's last event must be at revision n (0-based).
 */
export type ExpectedRevision = 'no_stream' | 'any' | 'exists' | number;

export interface AppendResult {
  /** Revision of the stream's last event after the append. */
  readonly nextExpectedRevision: number;
  /** Global position of the last appended event. */
  readonly position: Position;
  /** True when every event id was already stored: nothing new was appended. */
  readonly duplicate: boolean;
}

/** One stream's part of a batched append (see `EventStore.appendMany`). */
export interface BatchAppendItem {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
}

/**
 * What became of one item of a batched append: appended (or recognised as a repeat of stored
 * events, `result.duplicate`), or refused on its own (a `RevisionConflictError`, or an error for
 * event ids stored elsewhere) while the other items went ahead.
 */
export type BatchAppendOutcome = { readonly ok: true; readonly result: AppendResult } | { readonly ok: false; readonly error: Error };

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive start; defaults to the first (forwards) or last (backwards) event. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

/** Filters on $all; when both are given an event must match both. */
export interface AllFilter {
  /** Stream-name prefixes, e.g. `collection.case-` or a whole context `collection.`. */
  readonly streamPrefixes?: readonly string[];
  /** Exact event types. */
  readonly eventTypes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive start; 'start' reads from the beginning. */
  readonly from?: Position | 'start';
  readonly maxCount?: number;
  readonly filter?: AllFilter;
}

export interface ReadAllResult {
  readonly events: RecordedEvent[];
  /**
   * Where the next read continues (exclusive). When the read reached the end of what is safe to
   * read, this may lie past the last returned event (filtered-out events were scanned), so
   * checkpoints advance over them.
   */
  readonly position: Position;
  /** True when nothing more is readable right now. */
  readonly isEnd: boolean;
}

export interface SubscribeOptions {
  /** Exclusive start. */
  readonly from?: Position | 'start';
  readonly filter?: AllFilter;
  /** Upper bound of events per delivered batch. */
  readonly batchSize?: number;
}

export interface SubscriptionBatch {
  readonly events: RecordedEvent[];
  /** Position to store as the checkpoint once the batch is handled. */
  readonly position: Position;
  /** True when the batch brought the subscriber to the live end. */
  readonly caughtUp: boolean;
}

/** A catch-up-then-live subscription to $all, consumed as an async iterator of batches. */
export interface Subscription extends AsyncIterable<SubscriptionBatch> {
  close(): Promise<void>;
}

export interface EventStore {
  readonly kind: 'postgres' | 'eventstoredb';
  appendToStream(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /**
   * Optional batched append for bulk work (end of day): many streams at once, each item checked
   * against its own expected revision and applied all-or-nothing on its own, so one item's conflict
   * leaves the others appended. Outcomes come back in the items' order. A stream may appear only
   * once per call. Adapters without it leave it undefined and callers use `appendToStream`.
   */
  appendMany?(items: readonly BatchAppendItem[]): Promise<BatchAppendOutcome[]>;
  /** Events of one stream; an empty array when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<ReadAllResult>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** Position of the newest readable event, or null for an empty store. */
  headPosition(): Promise<Position | null>;
  /** Throws when the store cannot be reached. */
  checkHealth(): Promise<void>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');
