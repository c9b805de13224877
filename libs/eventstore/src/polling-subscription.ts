import type { EventEmitter } from 'node:events';
import { comparePositions, type Position } from '#kernel';
import type { RecordedEvent } from '#kernel';
import type { ReadAllResult, Subscription, SubscriptionBatch } from './event-store.js';

export interface PollingSubscriptionOptions {
  read(from: Position | 'start', maxCount: number): Promise<ReadAllResult>;
  from?: Position | 'start';
  batchSize: number;
  /** Longest wait at the live end before reading again without a wake-up. */
  pollIntervalMs: number;
  /** True when committed events wait behind an in-flight transaction: re-read soon. */
  heldBack?: () => Promise<boolean>;
  /** Emits 'append' when new events may be readable. */
  wake?: EventEmitter;
  /**
   * Whether two events were stored by one append (Postgres: one transaction). A full page is
   * extended to the end of its last event's append, so a batch never ends inside one.
   */
  sameAppend?: (a: RecordedEvent, b: RecordedEvent) => boolean;
}

const HELD_BACK_RETRY_MS = 5;

/**
 * Catch-up then live, as an async iterator of batches: reads pages until the end, then waits for
 * a wake-up (or the fallback poll) and reads again. Filtered-out stretches still advance the
 * position: an empty batch carries the new checkpoint. A batch holds whole appends (`sameAppend`):
 * it may exceed `batchSize` by the rest of its last append.
 */
export function pollingSubscription(options: PollingSubscriptionOptions): Subscription {
  let closed = false;
  let signalled = false;
  let release: (() => void) | undefined;
  const onWake = () => {
    signalled = true;
    release?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        release = undefined;
        resolve();
      }
      release = done;
    });

  async function* batches(): AsyncGenerator<SubscriptionBatch> {
    let from = options.from ?? 'start';
    options.wake?.on('append', onWake);
    try {
      while (!closed) {
        signalled = false;
        const result = await wholeAppends(await options.read(from, options.batchSize));
        if (closed) return;
        const moved = from === 'start' || comparePositions(result.position, from) > 0;
        if (result.events.length > 0 || moved) {
          from = result.position;
          yield { events: result.events, position: result.position, caughtUp: result.isEnd };
        }
        if (!result.isEnd || signalled || closed) continue;
        const wait = options.heldBack && (await options.heldBack()) ? HELD_BACK_RETRY_MS : options.pollIntervalMs;
        if (!signalled && !closed) await sleep(wait);
      }
    } finally {
      options.wake?.off('append', onWake);
    }
  }

  /**
   * A full page extended by the rest of its last event's append. The first look past the page reads
   * a single event: usually it belongs to the next append and the page stands as it is, so a
   * catch-up does not read every following page twice; only an append that does run on is read
   * further, page by page.
   */
  async function wholeAppends(page: ReadAllResult): Promise<ReadAllResult> {
    const same = options.sameAppend;
    if (!same || page.isEnd || page.events.length < options.batchSize) return page;
    const events = [...page.events];
    const last = events[events.length - 1];
    for (let limit = 1; ; limit = options.batchSize) {
      const next = await options.read(events[events.length - 1].globalPosition, limit);
      const taken = next.events.findIndex((e) => !same(last, e));
      if (taken >= 0) {
        events.push(...next.events.slice(0, taken));
        return { events, position: events[events.length - 1].globalPosition, isEnd: false };
      }
      events.push(...next.events);
      if (next.events.length === 0) return { events, position: events[events.length - 1].globalPosition, isEnd: false };
      if (next.isEnd || next.events.length < limit) return { events, position: next.position, isEnd: next.isEnd };
    }
  }

  const iterator = batches();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      closed = true;
      release?.();
      await iterator.return(undefined);
    },
  };
}
