import type { EventEmitter } from 'node:events';
import { comparePositions, type Position } from '#kernel';
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
}

const HELD_BACK_RETRY_MS = 5;

/**
 * Catch-up then live, as an async iterator of batches: reads pages until the end, then waits for
 * a wake-up (or the fallback poll) and reads again. Filtered-out stretches still advance the
 * position: an empty batch carries the new checkpoint.
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
        const result = await options.read(from, options.batchSize);
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
