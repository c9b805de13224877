import {
  START,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type EventStoreDBClient,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import { comparePositions, startingAfter, type Position, type RecordedEvent } from '#kernel';
import type { AllFilter, Subscription, SubscriptionBatch } from '../event-store.js';
import { appendRestOf, matchesFilter, positionOf, splitFilter } from './mapping.js';

export interface EsdbSubscriptionOptions {
  readonly client: EventStoreDBClient;
  /** Exclusive start, as for the port. */
  readonly from?: Position | 'start';
  readonly filter?: AllFilter;
  readonly batchSize: number;
  readonly toRecorded: (event: EsdbRecordedEvent, position: Position) => RecordedEvent;
  /** First delay before resubscribing after a drop; doubles up to `maxRetryDelayMs`. */
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  /** Told about every drop (e.g. for logging); the subscription resubscribes on its own. */
  readonly onDrop?: (error: unknown, attempt: number) => void;
  /**
   * Once live and idle (`idleProbeMs`, default 500 ms, then less often), the subscription asks how far past its last position
   * $all holds nothing the filter lets through (the furthest position before the next matching
   * event, or undefined when nothing lies past it), and moves its position there. The server's
   * filtered checkpoints come only every so many events scanned, so without this a quiet
   * subscriber's position would stay behind the events its filter skipped at the end of $all.
   */
  readonly probe?: (after: Position) => Promise<Position | undefined>;
  readonly idleProbeMs?: number;
}

/**
 * Markers travel through the client's own subscription stream, pushed from its `caughtUp` event and
 * `checkpointReached` callback. Both fire while the client transforms that very message, so pushing
 * keeps them in order with the events around them (a separate queue could overtake events still
 * buffered in the stream).
 */
const MARKER = Symbol('arrears.esdb.subscription-marker');
type Marker = { readonly [MARKER]: 'checkpoint'; readonly position: Position } | { readonly [MARKER]: 'caughtUp' | 'fellBehind' };

type Item =
  | { readonly kind: 'event'; readonly event: RecordedEvent; readonly rest: number }
  | { readonly kind: 'checkpoint'; readonly position: Position }
  | { readonly kind: 'caughtUp' }
  | { readonly kind: 'fellBehind' };

interface OpenAppend {
  readonly streamId: string;
  /** The revision of the batch's last event and of its append's last event. */
  readonly revision: number;
  readonly last: number;
}

function isMarker(value: unknown): value is Marker {
  return typeof value === 'object' && value !== null && MARKER in value;
}

/**
 * Catch-up-then-live subscription to $all on top of the client's `subscribeToAll`, delivered as the
 * port's async iterator of batches:
 * - a batch takes whatever is already buffered, up to `batchSize` events, but never ends inside an
 *   append: when its last event has more of its append after it (`$appendRest`) that the filter
 *   lets through, the batch waits for them, or reads them from the stream when they are not
 *   buffered yet (see `completeAppend`), so a projection never decides on a state halfway
 *   through one append, however the client's buffer happens to split it;
 * - events the client-side part of the filter (or the system-event rule) drops, and the server's
 *   checkpoints, advance the position, so an empty batch can carry a new checkpoint;
 * - `caughtUp` is true once the server reported the subscription live and nothing more is buffered;
 * - after a drop it resubscribes from the last position it received (exclusive), with exponential
 *   backoff, and ignores anything at or before that position, so nothing is skipped or repeated.
 */
export function esdbSubscription(options: EsdbSubscriptionOptions): Subscription {
  const split = splitFilter(options.filter);
  const highWater = Math.max(options.batchSize * 4, 256);
  const queue: Item[] = [];
  let current: AllStreamSubscription | undefined;
  /** Last position taken from the server: resubscriptions continue after it. */
  let received: Position | undefined = startingAfter(options.from);
  let live = false;
  let closed = false;
  let started = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  /** Set when resubscribing itself fails (e.g. the client rejects the options): ends the iteration. */
  let failure: unknown;
  let wake: (() => void) | undefined;
  let probeTimer: NodeJS.Timeout | undefined;
  let probing = false;

  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  /**
   * While live and idle, probe the skipped tail of $all now and then: first `idleProbeMs` after a
   * batch, then at doubling intervals (up to 16 times that) while nothing arrives, since events
   * the server filters out send nothing at all.
   */
  let probeDelay = options.idleProbeMs ?? 500;
  const scheduleProbe = (reset: boolean) => {
    if (reset) probeDelay = options.idleProbeMs ?? 500;
    if (!options.probe || closed || probeTimer || probing) return;
    probeTimer = setTimeout(() => {
      probeTimer = undefined;
      // Nothing received yet: from the start of $all (no record sits at 0/0).
      const after = received ?? { commit: 0n, prepare: 0n };
      if (closed || !live || queue.length > 0) return;
      probing = true;
      options.probe!(after)
        .then((position) => {
          // Anything the server delivered meanwhile lies past the probe's reach or is skipped by the filter.
          if (position && !closed && accept(position)) enqueue({ kind: 'checkpoint', position });
          else probeDelay = Math.min(probeDelay * 2, (options.idleProbeMs ?? 500) * 16);
        })
        .catch(() => undefined)
        .finally(() => {
          probing = false;
          if (live && queue.length === 0) scheduleProbe(false);
        });
    }, probeDelay);
  };

  const enqueue = (item: Item) => {
    queue.push(item);
    if (queue.length >= highWater) current?.pause();
    notify();
  };

  const accept = (position: Position): boolean => {
    if (received && comparePositions(position, received) <= 0) return false;
    received = position;
    return true;
  };

  const onData = (chunk: AllStreamResolvedEvent | Marker) => {
    attempt = 0;
    if (isMarker(chunk)) {
      if (chunk[MARKER] === 'checkpoint') {
        if (accept(chunk.position)) enqueue({ kind: 'checkpoint', position: chunk.position });
      } else {
        enqueue({ kind: chunk[MARKER] });
      }
      return;
    }
    const event = chunk.event;
    const position = positionOf(chunk);
    if (!event || !position || !accept(position)) return;
    if (split.client(event)) enqueue({ kind: 'event', event: options.toRecorded(event, position), rest: appendRestOf(event) });
    else enqueue({ kind: 'checkpoint', position });
  };

  const open = () => {
    if (closed) return;
    live = false;
    const sub = options.client.subscribeToAll({
      fromPosition: received ?? START,
      filter: split.server((s, position) => {
        pushMarker(s, { [MARKER]: 'checkpoint', position: { commit: position.commit, prepare: position.prepare } });
      }),
    });
    current = sub;
    sub.on('caughtUp', () => pushMarker(sub, { [MARKER]: 'caughtUp' }));
    sub.on('fellBehind', () => pushMarker(sub, { [MARKER]: 'fellBehind' }));
    sub.on('data', onData);
    sub.on('error', (err: unknown) => dropped(sub, err));
    sub.on('end', () => dropped(sub, new Error('subscription ended by the server')));
    sub.on('close', () => dropped(sub, new Error('subscription closed')));
  };

  const pushMarker = (sub: AllStreamSubscription, marker: Marker) => {
    if (sub === current && !sub.destroyed && !sub.readableEnded) sub.push(marker);
  };

  const dropped = (sub: AllStreamSubscription, err: unknown) => {
    if (sub !== current || closed) return;
    current = undefined;
    sub.removeAllListeners('data');
    void sub.unsubscribe().catch(() => undefined);
    sub.destroy();
    attempt += 1;
    try {
      options.onDrop?.(err, attempt);
    } catch {
      // A failing observer must not stop the resubscription.
    }
    const delay = Math.min(options.maxRetryDelayMs, options.retryDelayMs * 2 ** (attempt - 1));
    retryTimer = setTimeout(
      () => {
        retryTimer = undefined;
        try {
          open();
        } catch (error) {
          failure = error;
          notify();
        }
      },
      delay * (0.75 + Math.random() * 0.5),
    );
  };

  const shutdown = async () => {
    closed = true;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = undefined;
    if (probeTimer) clearTimeout(probeTimer);
    probeTimer = undefined;
    const sub = current;
    current = undefined;
    notify();
    if (sub) {
      sub.removeAllListeners('data');
      await sub.unsubscribe().catch(() => undefined);
      sub.destroy();
    }
  };

  const matchesAll = matchesFilter(options.filter);
  /**
   * Reads the rest of an open append from its stream (the events of one append lie next to each
   * other in $all, so nothing of another stream lies between them), takes the ones the filter lets
   * through, and moves the subscription past the append's last event, so the copies the server
   * still sends are dropped. Retries with backoff while the server cannot be read; undefined once
   * closed.
   */
  async function completeAppend(open: OpenAppend): Promise<{ events: RecordedEvent[]; position?: Position } | undefined> {
    for (let attempt = 0; !closed; attempt++) {
      try {
        const events: RecordedEvent[] = [];
        let last: Position | undefined;
        // Everything received up to now is in the batch (the queue was empty); what arrives during
        // the read is dropped from the queue below and taken from the read instead.
        const before = received;
        const read = options.client.readStream(open.streamId, { fromRevision: BigInt(open.revision + 1), maxCount: open.last - open.revision });
        for await (const resolved of read) {
          const position = positionOf(resolved);
          const event = resolved.event;
          if (!event || !position) continue;
          last = position;
          if ((!before || comparePositions(position, before) > 0) && matchesAll(event)) events.push(options.toRecorded(event, position));
        }
        if (!last) return { events };
        if (!received || comparePositions(last, received) > 0) received = last;
        // What the server delivered meanwhile up to the append's end is in `events` already.
        for (let i = queue.length - 1; i >= 0; i--) {
          const item = queue[i];
          const at = item.kind === 'event' ? item.event.globalPosition : item.kind === 'checkpoint' ? item.position : undefined;
          if (at && comparePositions(at, last) <= 0) queue.splice(i, 1);
        }
        return { events, position: last };
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(options.maxRetryDelayMs, options.retryDelayMs * 2 ** attempt)));
      }
    }
    return undefined;
  }

  async function* batches(): AsyncGenerator<SubscriptionBatch> {
    let delivered: Position | undefined = startingAfter(options.from);
    let reportedLive = false;
    try {
      if (!started) {
        started = true;
        open();
      }
      while (!closed) {
        if (queue.length === 0 && failure === undefined) await new Promise<void>((resolve) => (wake = resolve));
        if (closed) return;
        if (queue.length === 0 && failure !== undefined) throw failure;
        const events: RecordedEvent[] = [];
        let position: Position | undefined;
        /** The append the batch's last event belongs to, while more of it may follow. */
        let open: OpenAppend | undefined;
        for (let waited = false; ; waited = true) {
          while (queue.length > 0) {
            const item = queue[0];
            const inOpen = open !== undefined && (item.kind !== 'event' || (item.event.streamId === open.streamId && item.event.revision <= open.last));
            // Another append's event after an open one: the open append's rest was filtered out.
            if (!inOpen) open = undefined;
            if (events.length >= options.batchSize && !inOpen) break;
            queue.shift();
            if (item.kind === 'event') {
              events.push(item.event);
              position = item.event.globalPosition;
              open = item.rest > 0 ? { streamId: item.event.streamId, revision: item.event.revision, last: item.event.revision + item.rest } : undefined;
            } else if (item.kind === 'checkpoint') {
              position = item.position;
            } else if (item.kind === 'caughtUp') {
              live = true;
            } else {
              live = false;
              reportedLive = false;
            }
          }
          if (!open || closed) break;
          // The rest of the append is usually on its way in the same burst: let it arrive first.
          if (!waited) {
            await new Promise<void>((resolve) => setImmediate(resolve));
            continue;
          }
          const rest = await completeAppend(open);
          if (rest === undefined) return;
          events.push(...rest.events);
          position = rest.position ?? position;
          open = undefined;
          break;
        }
        if (current?.isPaused() && queue.length < highWater / 2) current.resume();
        const moved = position !== undefined && (delivered === undefined || comparePositions(position, delivered) > 0);
        const caughtUp = live && queue.length === 0;
        if (caughtUp) scheduleProbe(events.length > 0 || moved);
        if (events.length > 0 || moved || (caughtUp && !reportedLive)) {
          if (moved) delivered = position;
          reportedLive = caughtUp;
          yield { events, position: delivered ?? { commit: 0n, prepare: 0n }, caughtUp };
        }
      }
    } finally {
      await shutdown();
    }
  }

  const iterator = batches();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      await shutdown();
      await iterator.return(undefined);
    },
  };
}
