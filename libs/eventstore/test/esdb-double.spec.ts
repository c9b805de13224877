import { randomUUID } from 'node:crypto';
import { Upcasters, comparePositions, formatPosition, type Position, type RecordedEvent } from '#kernel';
import { EventStoreDbEventStore, type Subscription, type SubscriptionBatch } from '#eventstore';
import { startEsdbDouble, type EsdbDouble } from '#test-support/esdb-double/index.js';
import { collect, event } from './event-store.contract.js';

/** EventStoreDB-specific behaviour of the adapter, against the in-memory double. */

async function open(startPosition?: bigint): Promise<{ double: EsdbDouble; store: EventStoreDbEventStore; close(): Promise<void> }> {
  const double = await startEsdbDouble({ startPosition });
  const store = new EventStoreDbEventStore(double.url, { resubscribeDelayMs: 20, maxResubscribeDelayMs: 200 });
  return {
    double,
    store,
    async close() {
      await store.close();
      await double.stop();
    },
  };
}

/** Reads batches until `done`, keeping every batch (not just the events). */
async function batchesUntil(subscription: Subscription, done: (batches: SubscriptionBatch[]) => boolean): Promise<SubscriptionBatch[]> {
  const seen: SubscriptionBatch[] = [];
  const deadline = Date.now() + 20_000;
  for await (const batch of subscription) {
    seen.push(batch);
    if (done(seen) || Date.now() > deadline) break;
  }
  await subscription.close();
  return seen;
}

const types = (events: RecordedEvent[]) => events.map((e) => e.type);

describe.each([
  ['just above 2^53', 2n ** 53n + 10n],
  ['at 2^62, where neighbouring positions collide as JS numbers', 2n ** 62n + 1n],
])('EventStoreDB adapter: 64-bit positions %s', (_label, startPosition) => {
  let h: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => {
    h = await open(startPosition);
  });
  afterAll(() => h.close());

  it('round-trip as bigint through append, reads, head and subscriptions', async () => {
    const prefix = `big${randomUUID().slice(0, 8)}`;
    const first = await h.store.appendToStream(`${prefix}.a-1`, [event('E0'), event('E1')], 'no_stream');
    const second = await h.store.appendToStream(`${prefix}.b-1`, [event('E2')], 'no_stream');
    const third = await h.store.appendToStream(`${prefix}.a-1`, [event('E3')], 1);

    const all = await h.store.readAll({ filter: { streamPrefixes: [`${prefix}.`] } });
    expect(types(all.events)).toEqual(['E0', 'E1', 'E2', 'E3']);
    for (const e of all.events) {
      expect(typeof e.globalPosition.commit).toBe('bigint');
      expect(typeof e.globalPosition.prepare).toBe('bigint');
      expect(e.globalPosition.commit).toBeGreaterThanOrEqual(startPosition);
    }
    expect(formatPosition(all.events[1].globalPosition)).toBe(formatPosition(first.position));
    expect(formatPosition(all.events[2].globalPosition)).toBe(formatPosition(second.position));
    expect(formatPosition(all.events[3].globalPosition)).toBe(formatPosition(third.position));
    expect(formatPosition((await h.store.headPosition())!)).toBe(formatPosition(third.position));
    const [e3] = await h.store.readStream(`${prefix}.a-1`, { fromRevision: 2 });
    expect(formatPosition(e3.globalPosition)).toBe(formatPosition(third.position));
    if (startPosition > 2n ** 60n) {
      // The test means something: as JS numbers some of these positions would be equal.
      const asNumbers = all.events.map((e) => Number(e.globalPosition.commit));
      expect(new Set(asNumbers).size).toBeLessThan(asNumbers.length);
    }

    // Exclusive starts at each 64-bit position: nothing skipped, nothing repeated.
    for (let i = 0; i < all.events.length; i++) {
      const from = all.events[i].globalPosition;
      const rest = await h.store.readAll({ from, filter: { streamPrefixes: [`${prefix}.`] } });
      expect(types(rest.events)).toEqual(types(all.events.slice(i + 1)));
      if (i < all.events.length - 1) {
        const live = await collect(
          h.store.subscribeToAll({ from, filter: { streamPrefixes: [`${prefix}.`] } }),
          (seen) => seen.length >= all.events.length - i - 1,
        );
        expect(types(live)).toEqual(types(all.events.slice(i + 1)));
      }
    }
  });
});

describe('EventStoreDB adapter against the double', () => {
  let h: Awaited<ReturnType<typeof open>>;
  beforeAll(async () => {
    h = await open(1_000n);
  });
  afterAll(() => h.close());

  it('a subscription restarted from each stored checkpoint neither skips nor repeats, across filtered-out and system events', async () => {
    const prefix = `cp${randomUUID().slice(0, 8)}`;
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      await h.store.appendToStream(`${prefix}.in-${i % 3}`, [event(`E${i}`)], 'any');
      expected.push(`E${i}`);
      // Noise the filter drops, and system records the adapter never returns.
      await h.store.appendToStream(`other${prefix}.x-${i}`, [event('Noise'), event('Noise')], 'no_stream');
      if (i % 5 === 0) h.double.inject(`$$${prefix}.in-0`, '$metadata');
      if (i % 7 === 0) h.double.inject('$stats-127.0.0.1:2113', '$statsCollected');
    }

    // Consume in small batches, "crash" after every batch and resume from its checkpoint.
    const delivered: RecordedEvent[] = [];
    let checkpoint: Position | 'start' = 'start';
    let caughtUp = false;
    for (let round = 0; round < 100 && !caughtUp; round++) {
      const subscription = h.store.subscribeToAll({ from: checkpoint, filter: { streamPrefixes: [`${prefix}.`] }, batchSize: 3 });
      const iterator = subscription[Symbol.asyncIterator]();
      const next = await iterator.next();
      await subscription.close();
      if (next.done) continue;
      const batch = next.value;
      if (checkpoint !== 'start') expect(comparePositions(batch.position, checkpoint)).toBeGreaterThanOrEqual(0);
      delivered.push(...batch.events);
      checkpoint = batch.position;
      caughtUp = batch.caughtUp;
    }
    expect(caughtUp).toBe(true);
    expect(types(delivered)).toEqual(expected);
  });

  it('an empty batch carries the checkpoint past filtered-out events and reports being caught up', async () => {
    const prefix = `empty${randomUUID().slice(0, 8)}`;
    await h.store.appendToStream(`${prefix}.wanted-1`, [event('W')], 'no_stream');
    const afterWanted = (await h.store.headPosition())!;
    for (let i = 0; i < 80; i++) await h.store.appendToStream(`noise${prefix}-${i}`, [event('Noise')], 'no_stream');
    const head = (await h.store.headPosition())!;

    const batches = await batchesUntil(h.store.subscribeToAll({ from: afterWanted, filter: { streamPrefixes: [`${prefix}.`] } }), (seen) =>
      seen.some((b) => b.caughtUp),
    );
    expect(batches.flatMap((b) => b.events)).toEqual([]);
    const last = batches[batches.length - 1];
    expect(last.caughtUp).toBe(true);
    // The server's checkpoints (every 32 events scanned) moved the position over the noise.
    expect(comparePositions(last.position, afterWanted)).toBeGreaterThan(0);
    expect(comparePositions(last.position, head)).toBeLessThanOrEqual(0);
  });

  it('resubscribes after the server drops the subscription, without skipping or repeating', async () => {
    const prefix = `drop${randomUUID().slice(0, 8)}`;
    const drops: unknown[] = [];
    const store = new EventStoreDbEventStore(h.double.url, {
      resubscribeDelayMs: 10,
      maxResubscribeDelayMs: 50,
      onSubscriptionDrop: (err) => drops.push(err),
    });
    try {
      for (let i = 0; i < 10; i++) await store.appendToStream(`${prefix}.s-${i}`, [event(`E${i}`)], 'no_stream');
      const subscription = store.subscribeToAll({ filter: { streamPrefixes: [`${prefix}.`] }, batchSize: 4 });
      const received = collect(subscription, (seen) => seen.length >= 30);
      for (let i = 10; i < 30; i++) {
        if (i % 5 === 0) h.double.dropSubscriptions();
        await store.appendToStream(`${prefix}.s-${i}`, [event(`E${i}`)], 'no_stream');
        await new Promise((r) => setTimeout(r, 5));
      }
      const seen = await received;
      expect(types(seen)).toEqual(Array.from({ length: 30 }, (_, i) => `E${i}`));
      expect(drops.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('never returns system events from reads, and the head skips them', async () => {
    const prefix = `sys${randomUUID().slice(0, 8)}`;
    const appended = await h.store.appendToStream(`${prefix}.a-1`, [event('Real')], 'no_stream');
    h.double.inject(`$$${prefix}.a-1`, '$metadata');
    h.double.inject(`${prefix}.a-2`, '$>');
    expect(formatPosition((await h.store.headPosition())!)).toBe(formatPosition(appended.position));
    const page = await h.store.readAll({ from: appended.position });
    expect(page.events).toEqual([]);
    expect(page.isEnd).toBe(true);
    expect(comparePositions(page.position, appended.position)).toBeGreaterThan(0);
  });

  it('reads $all with only an event-type filter, and pages with maxCount', async () => {
    const prefix = `typ${randomUUID().slice(0, 8)}`;
    const wanted = `Wanted${prefix}`;
    for (let i = 0; i < 5; i++) await h.store.appendToStream(`${prefix}.s-${i}`, [event(wanted), event('Other')], 'no_stream');
    const got: RecordedEvent[] = [];
    let from: Position | 'start' = 'start';
    for (;;) {
      const page = await h.store.readAll({ from, maxCount: 2, filter: { eventTypes: [wanted] } });
      got.push(...page.events);
      from = page.position;
      if (page.isEnd) break;
    }
    expect(got.map((e) => e.streamId)).toEqual(Array.from({ length: 5 }, (_, i) => `${prefix}.s-${i}`));
    const live = await collect(h.store.subscribeToAll({ filter: { eventTypes: [wanted, 'a.b|c'] } }), (seen) => seen.length >= 5);
    expect(types(live)).toEqual(Array(5).fill(wanted));
  });

  it('keeps the schema version in the metadata and upcasts on read', async () => {
    const s = `up${randomUUID().slice(0, 8)}.loan-1`;
    const e = { ...event('LoanOpened', { amount: 100 }), schemaVersion: 1 };
    await h.store.appendToStream(s, [e, { ...event('LoanOpened', { amountFen: 300 }), schemaVersion: 2 }], 'no_stream');
    const upcasters = new Upcasters().register('LoanOpened', 1, (data: { amount: number }) => ({ amountFen: data.amount }));
    const store = new EventStoreDbEventStore(h.double.url, { upcasters });
    try {
      const [v1, v2] = await store.readStream(s);
      expect(v1).toMatchObject({ schemaVersion: 2, data: { amountFen: 100 } });
      expect(v2).toMatchObject({ schemaVersion: 2, data: { amountFen: 300 } });
      expect(v1.metadata).toEqual(e.metadata);
      expect(Object.keys(v1.metadata)).not.toContain('$schemaVersion');
    } finally {
      await store.close();
    }
    const [raw] = await h.store.readStream(s);
    expect(raw.schemaVersion).toBe(1);
  });

  it("reports a retry with 'any' as a duplicate, and an append without events only checks the expectation", async () => {
    const s = `dup${randomUUID().slice(0, 8)}.x-1`;
    const batch = [event('A'), event('B')];
    const first = await h.store.appendToStream(s, batch, 'any');
    await h.store.appendToStream(`dup-other-${randomUUID()}`, [event('Later')], 'no_stream');
    const again = await h.store.appendToStream(s, batch, 'any');
    expect(again).toEqual({ ...first, duplicate: true });
    expect(first.duplicate).toBe(false);
    expect(await h.store.readStream(s)).toHaveLength(2);

    await expect(h.store.appendToStream(s, [], 'no_stream')).rejects.toMatchObject({ code: 'REVISION_CONFLICT', currentRevision: 1 });
    await expect(h.store.appendToStream(`${s}-none`, [], 'exists')).rejects.toMatchObject({ currentRevision: -1 });
    expect(await h.store.appendToStream(s, [], 1)).toMatchObject({ nextExpectedRevision: 1, duplicate: false });
  });

  it('reports health, and fails the health check when the server is gone', async () => {
    await h.store.checkHealth();
    const gone = await startEsdbDouble();
    const store = new EventStoreDbEventStore(gone.url, { healthTimeoutMs: 2_000 });
    await store.checkHealth();
    await gone.stop();
    await expect(store.checkHealth()).rejects.toThrow();
    await store.close();
  });
});
