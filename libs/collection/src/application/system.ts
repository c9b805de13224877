import type { Actor } from '#kernel';

/** The actor of what Collection does by itself (reactions, end of day, the dispatch gate). */
export const COLLECTION_SYSTEM: Actor = { id: 'collection', role: 'system' };

/** Runs `work` over the items with at most `concurrency` at a time. */
export async function forEachConcurrent<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(workers);
}
