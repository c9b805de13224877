/**
 * Runs `work` over `items` in order per key and concurrently across keys: items with the same key
 * run one after another in their order, items with different keys up to `concurrency` at a time.
 * An item whose key is null is a barrier: everything before it finishes first, it runs alone, and
 * nothing after it starts before it is done. This is how a batch of reactions is decided together
 * without changing what any one stream sees: each target stream's triggers keep their order, and
 * appends from different streams meet in the store's group commit.
 */
export async function forEachPartitioned<T>(
  items: readonly T[],
  keyOf: (item: T) => string | null,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let segment: T[] = [];
  const flush = async () => {
    if (!segment.length) return;
    const lanes = new Map<string, T[]>();
    for (const item of segment) {
      const key = keyOf(item)!;
      const lane = lanes.get(key);
      if (lane) lane.push(item);
      else lanes.set(key, [item]);
    }
    segment = [];
    const queue = [...lanes.values()];
    let next = 0;
    let failed = false;
    // Every lane settles before a failure is rethrown: the batch's transaction must not end while
    // another lane still uses it.
    const lanesDone = await Promise.allSettled(
      Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, async () => {
        for (let i = next++; i < queue.length && !failed; i = next++) {
          try {
            for (const item of queue[i]) await work(item);
          } catch (err) {
            failed = true;
            throw err;
          }
        }
      }),
    );
    const failure = lanesDone.find((r) => r.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
  };
  for (const item of items) {
    if (keyOf(item) === null) {
      await flush();
      await work(item);
    } else {
      segment.push(item);
    }
  }
  await flush();
}
