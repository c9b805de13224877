/**
 * The in-memory state behind the EventStoreDB double: one ordered log ($all) and an index of the
 * events of each stream. Everything here is synchronous, so an append is atomic with respect to
 * reads and subscriptions (Node runs one handler at a time).
 */

export interface StoredEvent {
  readonly id: string;
  readonly streamId: string;
  readonly revision: bigint;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
  /** .NET ticks (100 ns) since the Unix epoch, as the server reports `created`. */
  readonly created: bigint;
  readonly commit: bigint;
  readonly prepare: bigint;
  /** Set by `tamper` on an event removed from the log: reads and subscriptions pass over it. */
  readonly deleted?: true;
}

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

/** The expected-revision options of an Append request. */
export type Expected = { kind: 'any' } | { kind: 'no_stream' } | { kind: 'stream_exists' } | { kind: 'revision'; revision: bigint };

export type AppendOutcome =
  | { readonly ok: true; readonly currentRevision: bigint; readonly commit: bigint; readonly prepare: bigint }
  | { readonly ok: false; readonly currentRevision: bigint | null; readonly expected: Expected };

export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export function comparePos(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** Bytes a record occupies in the double's pretend transaction file (keeps positions realistic). */
const RECORD_OVERHEAD = 96n;

export class EventLog {
  readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private nextPosition: bigint;
  private readonly listeners = new Set<() => void>();

  constructor(startPosition = 0n) {
    this.nextPosition = startPosition;
  }

  stream(streamId: string): readonly StoredEvent[] | undefined {
    return this.streams.get(streamId);
  }

  /** Called after every append that stored events. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * EventStoreDB's append: an idempotent retry (the same event ids at the place the expectation
   * points to) stores nothing and answers with the original outcome; otherwise the expectation is
   * checked and the events are written with strictly increasing positions.
   */
  append(streamId: string, expected: Expected, events: readonly ProposedEvent[]): AppendOutcome {
    const existing = this.streams.get(streamId) ?? [];
    const current = existing.length ? existing[existing.length - 1].revision : null;

    const idempotent = this.idempotentMatch(existing, expected, events);
    if (idempotent) return { ok: true, currentRevision: idempotent.revision, commit: idempotent.commit, prepare: idempotent.prepare };

    const matches =
      expected.kind === 'any' ||
      (expected.kind === 'no_stream' && current === null) ||
      (expected.kind === 'stream_exists' && current !== null) ||
      (expected.kind === 'revision' && current === expected.revision);
    if (!matches) return { ok: false, currentRevision: current, expected };

    if (events.length === 0) {
      // The server reports the revision and no position when nothing was written.
      return { ok: true, currentRevision: current ?? -1n, commit: -1n, prepare: -1n };
    }
    const stored = existing;
    if (!this.streams.has(streamId)) this.streams.set(streamId, stored);
    const created = BigInt(Date.now()) * 10_000n;
    let revision = current ?? -1n;
    let last: StoredEvent | undefined;
    for (const e of events) {
      revision += 1n;
      const position = this.nextPosition;
      this.nextPosition += RECORD_OVERHEAD + BigInt(e.data.length + e.customMetadata.length + e.type.length + streamId.length);
      last = { ...e, streamId, revision, created, commit: position, prepare: position };
      stored.push(last);
      this.all.push(last);
    }
    for (const listener of [...this.listeners]) listener();
    return { ok: true, currentRevision: revision, commit: last!.commit, prepare: last!.prepare };
  }

  /**
   * Changes a stored event behind the server's back, as someone with access to the node's files
   * could: new data in place (same id, revision and position), or the event removed altogether.
   * For tamper-evidence tests; a real server offers no such operation.
   */
  tamper(streamId: string, revision: bigint, change: { readonly data: Uint8Array } | 'delete'): boolean {
    const events = this.streams.get(streamId);
    const i = events?.findIndex((e) => e.revision === revision) ?? -1;
    if (!events || i < 0) return false;
    const target = events[i];
    const j = this.all.indexOf(target);
    if (change === 'delete') {
      // $all keeps a marker in its place, so readers' and subscriptions' places in it stay valid.
      events.splice(i, 1);
      this.all[j] = { ...target, deleted: true };
    } else {
      const edited = { ...target, data: change.data };
      events[i] = edited;
      this.all[j] = edited;
    }
    return true;
  }

  /** Index in `all` of the first event at or after (inclusive) / after (exclusive) a position. */
  indexFrom(position: LogPosition, inclusive: boolean): number {
    let lo = 0;
    let hi = this.all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = comparePos(this.all[mid], position);
      if (c < 0 || (c === 0 && !inclusive)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private idempotentMatch(existing: readonly StoredEvent[], expected: Expected, events: readonly ProposedEvent[]): StoredEvent | undefined {
    if (events.length === 0 || existing.length === 0) return undefined;
    let start: number;
    if (expected.kind === 'no_stream') start = 0;
    else if (expected.kind === 'revision') start = Number(expected.revision) + 1;
    else start = existing.findIndex((e) => e.id === events[0].id);
    if (start < 0 || start + events.length > existing.length) return undefined;
    for (let i = 0; i < events.length; i++) if (existing[start + i].id !== events[i].id) return undefined;
    return existing[start + events.length - 1];
  }
}
