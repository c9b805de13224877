import { START, type AllStreamResolvedEvent, type AllStreamSubscription, type EventStoreDBClient } from '@eventstore/db-client';
import { comparePositions, startingAfter, type Position, type RecordedEvent } from '#kernel';
import type { AllFilter, Subscription, SubscriptionBatch } from '../event-store.js';
import { positionOf, splitFilter } from './mapping.js';

export interface EsdbSubscriptionOptions {
  readonly client: EventStoreDBClient;
  /** Exclusive start, as for the port. */
  readonly from?: Position | 'start';
  readonly filter?: AllFilter;
  readonly batchSize: number;
  readonly toRecorded: (event: NonNullable<AllStreamResolvedEvent['event']>, position: Position) => RecordedEvent;
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
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | { readonly kind: 'checkpoint'; readonly position: Position }
  | { readonly kind: 'caughtUp' }
  | { readonly kind: 'fellBehind' };

function isMarker(value: unknown): value is Marker {
  return typeof value === 'object' && value !== null && MARKER in value;
}

/**
 * Catch-up-then-live subscription to $all on top of the client's `subscribeToAll`, delivered as the
 * port's async iterator of batches:
 * - a batch takes whatever is already buffered, up to `batchSize` events;
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
    if (split.client(event)) enqueue({ kind: 'event', event: options.toRecorded(event, position) });
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
        while (queue.length > 0 && events.length < options.batchSize) {
          const item = queue.shift()!;
          if (item.kind === 'event') {
            events.push(item.event);
            position = item.event.globalPosition;
          } else if (item.kind === 'checkpoint') {
            position = item.position;
          } else if (item.kind === 'caughtUp') {
            live = true;
          } else {
            live = false;
            reportedLive = false;
          }
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
