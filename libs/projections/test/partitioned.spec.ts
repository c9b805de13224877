import { forEachPartitioned } from '#projections';

const tick = () => new Promise((r) => setTimeout(r, Math.random() * 3));

describe('forEachPartitioned', () => {
  it('keeps each key in order, runs keys concurrently, and lets a barrier run alone between them', async () => {
    const items = [
      ...Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, n: i })),
      { key: null, n: 100 },
      ...Array.from({ length: 8 }, (_, i) => ({ key: `k${i % 2}`, n: 200 + i })),
    ];
    const seen: Array<{ key: string | null; n: number }> = [];
    let running = 0;
    let maxRunning = 0;
    let barrierRanAlone = false;
    await forEachPartitioned(
      items,
      (i) => i.key,
      3,
      async (item) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        if (item.key === null) barrierRanAlone = running === 1;
        await tick();
        seen.push(item);
        running--;
      },
    );
    expect(seen).toHaveLength(items.length);
    for (const key of ['k0', 'k1', 'k2', 'k3']) {
      const order = seen.filter((s) => s.key === key).map((s) => s.n);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    const barrier = seen.findIndex((s) => s.n === 100);
    expect(seen.slice(0, barrier).every((s) => s.n < 100)).toBe(true);
    expect(seen.slice(barrier + 1).every((s) => s.n >= 200)).toBe(true);
    expect(barrierRanAlone).toBe(true);
    expect(maxRunning).toBe(3);
  });

  it('waits for every lane to settle before it rethrows the first failure', async () => {
    let settled = 0;
    const run = forEachPartitioned(
      [1, 2, 3, 4],
      (n) => `k${n}`,
      4,
      async (n) => {
        await new Promise((r) => setTimeout(r, n * 5));
        settled++;
        if (n === 1) throw new Error('poison');
      },
    );
    await expect(run).rejects.toThrow('poison');
    expect(settled).toBe(4);
  });
});
