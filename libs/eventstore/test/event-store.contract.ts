import { randomUUID } from 'node:crypto';
import { RevisionConflictError, comparePositions, formatPosition, type NewEvent, type Position, type RecordedEvent } from '#kernel';
import type { EventStore, Subscription, SubscriptionBatch } from '#eventstore';

export interface ContractHarness {
  readonly store: EventStore;
  /**
   * Appends while holding the writing transaction (or request) open for `holdMs` before it
   * commits, so that later appends can become visible first.
   */
  readonly slowAppend?: (streamId: string, events: NewEvent[], holdMs: number) => Promise<void>;
  close(): Promise<void>;
}

export function event(type: string, data: unknown = {}, id = randomUUID()): NewEvent {
  return {
    eventId: id,
    type,
    schemaVersion: 1,
    data,
    metadata: {
      correlationId: id,
      causationId: id,
      actor: { id: 'contract-test', role: 'system' },
      command: 'ContractTest',
      occurredAt: '2026-11-29T00:00:00.000Z',
    },
  };
}

/** Collects batches from a subscription until `done` says enough, or the deadline passes. */
export async function collect(subscription: Subscription, done: (events: RecordedEvent[]) => boolean, timeoutMs = 30_000): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  const iterator = subscription[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  try {
    while (!done(seen)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`subscription delivered ${seen.length} events before the deadline`);
      let timer: NodeJS.Timeout | undefined;
      const next = await Promise.race([iterator.next(), new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), left)))]);
      clearTimeout(timer);
      if (next === 'timeout') continue;
      if (next.done) break;
      seen.push(...(next.value as SubscriptionBatch).events);
    }
  } finally {
    await subscription.close();
  }
  return seen;
}

/** The events of each batch a subscription delivers (empty batches left out) until `done` says enough. */
async function collectBatches(subscription: Subscription, done: (batches: RecordedEvent[][]) => boolean, timeoutMs = 30_000): Promise<RecordedEvent[][]> {
  const batches: RecordedEvent[][] = [];
  await collect(
    {
      [Symbol.asyncIterator]: () => {
        const inner = subscription[Symbol.asyncIterator]();
        return {
          next: async () => {
            const next = await inner.next();
            if (!next.done && next.value.events.length) batches.push(next.value.events);
            return next;
          },
        };
      },
      close: () => subscription.close(),
    },
    () => done(batches),
    timeoutMs,
  );
  return batches;
}

async function conflictOf(promise: Promise<unknown>): Promise<RevisionConflictError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof RevisionConflictError) return err;
    throw err;
  }
  throw new Error('expected a revision conflict, the append succeeded');
}

/**
 * The behaviour every EventStore adapter must show. Stream names carry a per-run prefix so that
 * the suite can run against a shared server.
 */
export function eventStoreContract(adapter: string, open: () => Promise<ContractHarness>): void {
  describe(`EventStore contract: ${adapter}`, () => {
    let h: ContractHarness;
    const run = randomUUID().slice(0, 8);
    const stream = (name: string) => `contract${run}.${name}-${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      h = await open();
    });
    afterAll(async () => {
      await h?.close();
    });

    describe('expected revision', () => {
      it("'no_stream' creates a stream and refuses an existing one, reporting its revision", async () => {
        const s = stream('a');
        const first = await h.store.appendToStream(s, [event('A'), event('B')], 'no_stream');
        expect(first.nextExpectedRevision).toBe(1);
        expect(first.duplicate).toBe(false);
        const conflict = await conflictOf(h.store.appendToStream(s, [event('C')], 'no_stream'));
        expect(conflict.currentRevision).toBe(1);
        expect(await h.store.readStream(s)).toHaveLength(2);
      });

      it("'exists' refuses a missing stream (current revision -1) and appends to an existing one", async () => {
        const s = stream('b');
        const conflict = await conflictOf(h.store.appendToStream(s, [event('A')], 'exists'));
        expect(conflict.currentRevision).toBe(-1);
        expect(await h.store.readStream(s)).toEqual([]);
        await h.store.appendToStream(s, [event('A')], 'no_stream');
        const next = await h.store.appendToStream(s, [event('B')], 'exists');
        expect(next.nextExpectedRevision).toBe(1);
      });

      it("'any' appends to missing and existing streams alike", async () => {
        const s = stream('c');
        expect((await h.store.appendToStream(s, [event('A')], 'any')).nextExpectedRevision).toBe(0);
        expect((await h.store.appendToStream(s, [event('B'), event('C')], 'any')).nextExpectedRevision).toBe(2);
      });

      it('an exact revision must match the last event; a mismatch carries the current revision', async () => {
        const s = stream('d');
        await h.store.appendToStream(s, [event('A'), event('B'), event('C')], 'no_stream');
        const conflict = await conflictOf(h.store.appendToStream(s, [event('X')], 1));
        expect(conflict.currentRevision).toBe(2);
        const missing = await conflictOf(h.store.appendToStream(stream('none'), [event('X')], 0));
        expect(missing.currentRevision).toBe(-1);
        const ok = await h.store.appendToStream(s, [event('D')], 2);
        expect(ok.nextExpectedRevision).toBe(3);
        const types = (await h.store.readStream(s)).map((e) => e.type);
        expect(types).toEqual(['A', 'B', 'C', 'D']);
      });
    });

    it('of concurrent appends at the same expected revision exactly one succeeds', async () => {
      const s = stream('race');
      await h.store.appendToStream(s, [event('A')], 'no_stream');
      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => h.store.appendToStream(s, [event('B')], 0)));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(refused).toHaveLength(5);
      for (const r of refused) expect(r.reason).toBeInstanceOf(RevisionConflictError);
      expect((await h.store.readStream(s)).map((e) => e.type)).toEqual(['A', 'B']);
      const any = await Promise.all(Array.from({ length: 6 }, () => h.store.appendToStream(s, [event('C')], 'any')));
      expect(any.map((r) => r.nextExpectedRevision).sort()).toEqual([2, 3, 4, 5, 6, 7]);
    });

    it('re-appending the same event ids appends nothing and returns the earlier result', async () => {
      const s = stream('idem');
      const batch = [event('A'), event('B')];
      const first = await h.store.appendToStream(s, batch, 'no_stream');
      const again = await h.store.appendToStream(s, batch, 'no_stream');
      expect(again.duplicate).toBe(true);
      expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
      expect(formatPosition(again.position)).toBe(formatPosition(first.position));
      const stored = await h.store.readStream(s);
      expect(stored.map((e) => e.eventId)).toEqual(batch.map((e) => e.eventId));
    });

    it('of concurrent repeats of one append, exactly one is reported as new and the events are stored once', async () => {
      for (const expected of ['no_stream', 'any'] as const) {
        const s = stream(`idem-race-${expected}`);
        const batch = [event('A'), event('B')];
        const results = await Promise.all(Array.from({ length: 8 }, () => h.store.appendToStream(s, batch, expected)));
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
        for (const r of results) {
          expect(r.nextExpectedRevision).toBe(1);
          expect(formatPosition(r.position)).toBe(formatPosition(results[0].position));
        }
        const stored = await h.store.readStream(s);
        expect(stored.map((e) => e.eventId)).toEqual(batch.map((e) => e.eventId));
        expect(stored[0].metadata).toEqual(batch[0].metadata);
      }
    });

    describe('appendMany (optional batched append)', () => {
      it('appends to many streams at once, each checked against its own expected revision', async () => {
        const appendMany = h.store.appendMany?.bind(h.store);
        if (!appendMany) return;
        const [fresh, existing, stale, missing] = ['m-fresh', 'm-existing', 'm-stale', 'm-missing'].map(stream);
        await h.store.appendToStream(existing, [event('A')], 'no_stream');
        await h.store.appendToStream(stale, [event('A'), event('B')], 'no_stream');
        const outcomes = await appendMany([
          { streamId: fresh, events: [event('X'), event('Y')], expected: 'no_stream' },
          { streamId: stale, events: [event('X')], expected: 0 },
          { streamId: existing, events: [event('X')], expected: 0 },
          { streamId: missing, events: [event('X')], expected: 'exists' },
        ]);
        expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, false]);
        const [a, b, c, d] = outcomes;
        expect(a.ok && a.result).toMatchObject({ nextExpectedRevision: 1, duplicate: false });
        expect(c.ok && c.result).toMatchObject({ nextExpectedRevision: 1, duplicate: false });
        expect(!b.ok && b.error).toBeInstanceOf(RevisionConflictError);
        expect(!b.ok && (b.error as RevisionConflictError).currentRevision).toBe(1);
        expect(!d.ok && (d.error as RevisionConflictError).currentRevision).toBe(-1);
        const types = async (s: string) => (await h.store.readStream(s)).map((e) => e.type);
        expect(await types(fresh)).toEqual(['X', 'Y']);
        expect(await types(existing)).toEqual(['A', 'X']);
        expect(await types(stale)).toEqual(['A', 'B']);
        expect(await types(missing)).toEqual([]);
        // The appended positions are real places in $all.
        const [stored] = await h.store.readStream(fresh, { direction: 'backwards', maxCount: 1 });
        expect(a.ok && formatPosition(a.result.position)).toBe(formatPosition(stored.globalPosition));
      });

      it('a repeated batch appends nothing and answers each item with its first result', async () => {
        const appendMany = h.store.appendMany?.bind(h.store);
        if (!appendMany) return;
        const streams = [stream('r1'), stream('r2')];
        const items = streams.map((s) => ({ streamId: s, events: [event('A'), event('B')], expected: 'no_stream' as const }));
        const first = await appendMany(items);
        const again = await appendMany(items);
        for (const [i, o] of again.entries()) {
          const f = first[i];
          expect(o.ok && f.ok).toBe(true);
          if (!o.ok || !f.ok) continue;
          expect(o.result.duplicate).toBe(true);
          expect(o.result.nextExpectedRevision).toBe(f.result.nextExpectedRevision);
          expect(formatPosition(o.result.position)).toBe(formatPosition(f.result.position));
        }
        for (const s of streams) expect(await h.store.readStream(s)).toHaveLength(2);
      });

      it('racing single appends: every item is either wholly appended or refused, never half', async () => {
        const appendMany = h.store.appendMany?.bind(h.store);
        if (!appendMany) return;
        const streams = Array.from({ length: 40 }, (_, i) => stream(`race${i}`));
        for (const s of streams) await h.store.appendToStream(s, [event('E0')], 'no_stream');
        const singles = streams.map((s, i) => (i % 2 === 0 ? h.store.appendToStream(s, [event('Single')], 0).catch((e) => e) : null));
        const outcomes = await appendMany(streams.map((s) => ({ streamId: s, events: [event('B1'), event('B2')], expected: 0 })));
        await Promise.all(singles);
        for (const [i, s] of streams.entries()) {
          const types = (await h.store.readStream(s)).map((e) => e.type);
          expect([
            ['E0', 'Single'],
            ['E0', 'B1', 'B2'],
          ]).toContainEqual(types);
          expect(outcomes[i].ok).toBe(types.length === 3);
          if (i % 2 === 1) expect(types).toEqual(['E0', 'B1', 'B2']);
        }
      });

      it('delivers batched events to subscribers in global order', async () => {
        const appendMany = h.store.appendMany?.bind(h.store);
        if (!appendMany) return;
        const prefix = `contract${run}.many${randomUUID().slice(0, 6)}`;
        const subscription = h.store.subscribeToAll({ filter: { streamPrefixes: [`${prefix}.`] } });
        const received = collect(subscription, (seen) => seen.length >= 6);
        await appendMany([1, 2, 3].map((n) => ({ streamId: `${prefix}.s-${n}`, events: [event(`A${n}`), event(`B${n}`)], expected: 'no_stream' as const })));
        const seen = await received;
        expect(seen.map((e) => e.type).sort()).toEqual(['A1', 'A2', 'A3', 'B1', 'B2', 'B3']);
        for (let i = 1; i < seen.length; i++) expect(comparePositions(seen[i - 1].globalPosition, seen[i].globalPosition)).toBeLessThan(0);
        for (const n of [1, 2, 3]) expect((await h.store.readStream(`${prefix}.s-${n}`)).map((e) => e.revision)).toEqual([0, 1]);
      });
    });

    it('stores what was appended: ids, types, data, metadata, revisions', async () => {
      const s = stream('shape');
      const e = event('LoanRegistered', { principal: 1_000_000, nested: { list: [1, 2] } });
      await h.store.appendToStream(s, [e], 'no_stream');
      const [stored] = await h.store.readStream(s);
      expect(stored.eventId).toBe(e.eventId);
      expect(stored.streamId).toBe(s);
      expect(stored.revision).toBe(0);
      expect(stored.schemaVersion).toBe(1);
      expect(stored.data).toEqual(e.data);
      expect(stored.metadata).toEqual(e.metadata);
      expect(typeof stored.globalPosition.commit).toBe('bigint');
      expect(Number.isNaN(Date.parse(stored.recordedAt))).toBe(false);
    });

    it('reads a stream forwards and backwards, from a revision, with a max count', async () => {
      const s = stream('read');
      await h.store.appendToStream(
        s,
        ['E0', 'E1', 'E2', 'E3', 'E4'].map((t) => event(t)),
        'no_stream',
      );
      const types = (events: RecordedEvent[]) => events.map((e) => e.type);
      expect(types(await h.store.readStream(s))).toEqual(['E0', 'E1', 'E2', 'E3', 'E4']);
      expect(types(await h.store.readStream(s, { fromRevision: 2, maxCount: 2 }))).toEqual(['E2', 'E3']);
      expect(types(await h.store.readStream(s, { direction: 'backwards' }))).toEqual(['E4', 'E3', 'E2', 'E1', 'E0']);
      expect(types(await h.store.readStream(s, { direction: 'backwards', fromRevision: 3, maxCount: 2 }))).toEqual(['E3', 'E2']);
      expect(await h.store.readStream(stream('missing'))).toEqual([]);
    });

    it('reads $all in global order with stream-prefix and event-type filters, from an exclusive position', async () => {
      const prefix = `contract${run}.all${randomUUID().slice(0, 6)}`;
      await h.store.appendToStream(`${prefix}.loan-1`, [event('Opened'), event('Paid')], 'no_stream');
      await h.store.appendToStream(`${prefix}.case-1`, [event('Opened'), event('Closed')], 'no_stream');
      await h.store.appendToStream(`${prefix}.loan-2`, [event('Opened')], 'no_stream');

      const all = await h.store.readAll({ filter: { streamPrefixes: [`${prefix}.`] } });
      expect(all.events.map((e) => `${e.streamId.slice(prefix.length + 1)}:${e.type}`)).toEqual([
        'loan-1:Opened',
        'loan-1:Paid',
        'case-1:Opened',
        'case-1:Closed',
        'loan-2:Opened',
      ]);
      for (let i = 1; i < all.events.length; i++) {
        expect(comparePositions(all.events[i - 1].globalPosition, all.events[i].globalPosition)).toBeLessThan(0);
      }

      const loans = await h.store.readAll({ filter: { streamPrefixes: [`${prefix}.loan-`] } });
      expect(loans.events.map((e) => e.type)).toEqual(['Opened', 'Paid', 'Opened']);

      const typed = await h.store.readAll({ filter: { streamPrefixes: [`${prefix}.`], eventTypes: ['Opened'] } });
      expect(typed.events.map((e) => e.streamId.slice(prefix.length + 1))).toEqual(['loan-1', 'case-1', 'loan-2']);

      const after = await h.store.readAll({ from: all.events[1].globalPosition, filter: { streamPrefixes: [`${prefix}.`] } });
      expect(after.events.map((e) => e.eventId)).toEqual(all.events.slice(2).map((e) => e.eventId));

      const page = await h.store.readAll({ filter: { streamPrefixes: [`${prefix}.`] }, maxCount: 2 });
      expect(page.events).toHaveLength(2);
      expect(page.isEnd).toBe(false);
      const rest = await h.store.readAll({ from: page.position, filter: { streamPrefixes: [`${prefix}.`] } });
      expect(rest.events.map((e) => e.eventId)).toEqual(all.events.slice(2).map((e) => e.eventId));
    });

    it('a subscription starts after its checkpoint, catches up, then delivers live events', async () => {
      const prefix = `contract${run}.sub${randomUUID().slice(0, 6)}`;
      const s = `${prefix}.x-1`;
      await h.store.appendToStream(s, [event('E0'), event('E1'), event('E2')], 'no_stream');
      const existing = await h.store.readStream(s);
      const subscription = h.store.subscribeToAll({ from: existing[0].globalPosition, filter: { streamPrefixes: [`${prefix}.`] } });
      const received = collect(subscription, (seen) => seen.length >= 4);
      await h.store.appendToStream(s, [event('E3')], 2);
      await h.store.appendToStream(`${prefix}.y-1`, [event('E4')], 'no_stream');
      const types = (await received).map((e) => e.type);
      expect(types).toEqual(['E1', 'E2', 'E3', 'E4']);
    });

    it('a subscription restarted from a stored checkpoint neither skips nor repeats', async () => {
      const prefix = `contract${run}.restart${randomUUID().slice(0, 6)}`;
      for (let i = 0; i < 6; i++) await h.store.appendToStream(`${prefix}.s-${i}`, [event(`E${i}`)], 'no_stream');
      let checkpoint: Position | undefined;
      const first: RecordedEvent[] = [];
      const sub1 = h.store.subscribeToAll({ filter: { streamPrefixes: [`${prefix}.`] }, batchSize: 2 });
      for await (const batch of sub1) {
        for (const e of batch.events) {
          if (first.length === 3) break;
          first.push(e);
          checkpoint = e.globalPosition;
        }
        if (first.length === 3) break;
      }
      await sub1.close();
      const rest = await collect(h.store.subscribeToAll({ from: checkpoint, filter: { streamPrefixes: [`${prefix}.`] } }), (seen) => seen.length >= 3);
      expect([...first, ...rest].map((e) => e.type)).toEqual(['E0', 'E1', 'E2', 'E3', 'E4', 'E5']);
    });

    it('a subscription batch never ends inside an append, whatever its batch size or filter', async () => {
      const prefix = `contract${run}.whole${randomUUID().slice(0, 6)}`;
      const filter = { streamPrefixes: [`${prefix}.`], eventTypes: ['A', 'C', 'Z'] };
      const untilZ = (batches: RecordedEvent[][]) => batches.some((b) => b.some((e) => e.type === 'Z'));
      // One subscription live before the appends, one catching up after them.
      const live = collectBatches(h.store.subscribeToAll({ filter, batchSize: 1 }), untilZ);
      await h.store.appendToStream(`${prefix}.x-1`, [event('A'), event('B'), event('C'), event('A'), event('D')], 'no_stream');
      // The rest of this append is filtered out: its batch ends after the one event let through.
      await h.store.appendToStream(`${prefix}.y-1`, [event('A'), event('B')], 'no_stream');
      await h.store.appendToStream(`${prefix}.y-1`, [event('Z')], 1);
      const caughtUp = collectBatches(h.store.subscribeToAll({ filter, batchSize: 1 }), untilZ);
      const expected = [['A', 'C', 'A'], ['A'], ['Z']];
      expect((await live).map((b) => b.map((e) => e.type))).toEqual(expected);
      expect((await caughtUp).map((b) => b.map((e) => e.type))).toEqual(expected);
    });

    it('concurrent writers with slow commits: a subscriber gets every event once, in global order', async () => {
      const prefix = `contract${run}.conc${randomUUID().slice(0, 6)}`;
      const writers = 8;
      const appendsPerWriter = 150;
      const perAppend = 2;
      const total = writers * appendsPerWriter * perAppend;
      const subscription = h.store.subscribeToAll({ filter: { streamPrefixes: [`${prefix}.`] }, batchSize: 200 });
      const received = collect(subscription, (seen) => seen.length >= total, 120_000);

      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = 0; i < appendsPerWriter; i++) {
            const s = `${prefix}.w${w}-${i % 10}`;
            const events = Array.from({ length: perAppend }, () => event('Tick', { w, i }));
            const hold = Math.floor(Math.random() * 4);
            if (h.slowAppend && i % 3 === 0) await h.slowAppend(s, events, hold);
            else await h.store.appendToStream(s, events, 'any');
          }
        }),
      );

      const seen = await received;
      const ids = seen.map((e) => e.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(total);
      for (let i = 1; i < seen.length; i++) {
        expect(comparePositions(seen[i - 1].globalPosition, seen[i].globalPosition)).toBeLessThan(0);
      }
      // The subscriber's order is the store's $all order.
      const stored: RecordedEvent[] = [];
      let from: Position | 'start' = 'start';
      for (;;) {
        const page = await h.store.readAll({ from, filter: { streamPrefixes: [`${prefix}.`] }, maxCount: 1000 });
        stored.push(...page.events);
        from = page.position;
        if (page.isEnd) break;
      }
      expect(ids).toEqual(stored.map((e) => e.eventId));
      // Every stream's revisions are contiguous.
      const byStream = new Map<string, number[]>();
      for (const e of seen) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.revision]);
      for (const revisions of byStream.values()) expect(revisions).toEqual(revisions.map((_, i) => i));
    });
  });
}
