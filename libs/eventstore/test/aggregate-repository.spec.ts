import { isDomainError } from '#kernel';
import { AggregateRepository, PostgresEventStore, type CommandContext } from '#eventstore';
import { testDatabase, type TestDatabase } from '#test-support/database.js';
import { tallyDecider } from '#test-support/tally/tally.js';

const ctx = (command: string, extra: Partial<CommandContext> = {}): CommandContext => ({
  command,
  actor: { id: 'tester', role: 'system' },
  occurredAt: '2026-11-29T10:00:00Z',
  ...extra,
});

describe('AggregateRepository on Postgres', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await testDatabase();
    store = new PostgresEventStore(db.pool, { notify: false });
  });
  afterAll(async () => {
    await store.close();
    await db.close();
  });

  it('two writers with warm caches lose no update: a stale cache conflicts, re-reads and re-decides', async () => {
    const a = new AggregateRepository(store, tallyDecider);
    const b = new AggregateRepository(store, tallyDecider);
    await a.handle('tally.tally-two', { type: 'Open', tallyId: 'two', limit: 1_000 }, ctx('Open'));
    for (let i = 0; i < 10; i++) {
      const writer = i % 2 === 0 ? a : b;
      const r = await writer.handle('tally.tally-two', { type: 'Add', tallyId: 'two', amount: 10 }, ctx('Add'));
      expect(isDomainError(r)).toBe(false);
    }
    const loaded = await a.load('tally.tally-two');
    expect(loaded.state).toEqual({ status: 'open', limit: 1_000, total: 100 });
    expect(loaded.revision).toBe(10);
  });

  it('concurrent commands on one stream all land exactly once', async () => {
    const repo = new AggregateRepository(store, tallyDecider, { maxRetries: 50 });
    await repo.handle('tally.tally-race', { type: 'Open', tallyId: 'race', limit: 1_000_000 }, ctx('Open'));
    const others = Array.from({ length: 4 }, () => new AggregateRepository(store, tallyDecider, { maxRetries: 50 }));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 5 === 0 ? repo : others[i % 4]).handle('tally.tally-race', { type: 'Add', tallyId: 'race', amount: 1 }, ctx('Add')),
      ),
    );
    const loaded = await repo.load('tally.tally-race');
    expect(loaded.state).toMatchObject({ total: 20 });
    expect(loaded.events.map((e) => e.revision)).toEqual(Array.from({ length: 21 }, (_, i) => i));
  });

  it('a rule refused on cached state is checked again on fresh state before it is answered', async () => {
    const a = new AggregateRepository(store, tallyDecider);
    const b = new AggregateRepository(store, tallyDecider);
    await a.handle('tally.tally-stale', { type: 'Open', tallyId: 'stale', limit: 100 }, ctx('Open'));
    // b knows nothing yet; a's cache says "open"; the stream is then changed behind a's back by b.
    await b.handle('tally.tally-stale', { type: 'Add', tallyId: 'stale', amount: 60 }, ctx('Add'));
    const refused = await a.handle('tally.tally-stale', { type: 'Add', tallyId: 'stale', amount: 50 }, ctx('Add'));
    expect(isDomainError(refused) && refused.code).toBe('TALLY_LIMIT_EXCEEDED');
    expect(isDomainError(refused) && refused.details).toEqual({ total: 60, limit: 100 });
  });

  it('remembers a stream that does not exist yet; a writer that created it meanwhile makes the first append re-decide', async () => {
    const reads: string[] = [];
    const counting = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'readStream') return (id: string, o?: object) => (reads.push(id), target.readStream(id, o));
        return Reflect.get(target, prop, receiver);
      },
    });
    const a = new AggregateRepository(counting, tallyDecider);
    const b = new AggregateRepository(store, tallyDecider);
    expect(await a.read('tally.tally-new')).toMatchObject({ revision: -1, fromCache: false });
    expect(await a.read('tally.tally-new')).toMatchObject({ revision: -1, fromCache: true });
    expect(reads).toEqual(['tally.tally-new']);
    // Created behind a's back: a's cached "no stream" conflicts at the append; a re-reads and re-decides.
    await b.handle('tally.tally-new', { type: 'Open', tallyId: 'new', limit: 100 }, ctx('Open'));
    const again = await a.handle('tally.tally-new', { type: 'Open', tallyId: 'new', limit: 100 }, ctx('Open'));
    expect(isDomainError(again) && again.code).toBe('TALLY_ALREADY_OPEN');
    const added = await a.handle('tally.tally-new', { type: 'Add', tallyId: 'new', amount: 5 }, ctx('Add'));
    expect(isDomainError(added)).toBe(false);
    expect((await a.load('tally.tally-new')).state).toEqual({ status: 'open', limit: 100, total: 5 });
  });

  it('read() answers from the cache the commands keep, and fresh: true reads the stream', async () => {
    const a = new AggregateRepository(store, tallyDecider);
    const b = new AggregateRepository(store, tallyDecider);
    await a.handle('tally.tally-seen', { type: 'Open', tallyId: 'seen', limit: 100 }, ctx('Open'));
    await b.handle('tally.tally-seen', { type: 'Add', tallyId: 'seen', amount: 7 }, ctx('Add'));
    expect(await a.read('tally.tally-seen')).toEqual({ state: { status: 'open', limit: 100, total: 0 }, revision: 0, fromCache: true });
    expect(await a.read('tally.tally-seen', { fresh: true })).toEqual({ state: { status: 'open', limit: 100, total: 7 }, revision: 1, fromCache: false });
    expect(await a.read('tally.tally-seen')).toEqual({ state: { status: 'open', limit: 100, total: 7 }, revision: 1, fromCache: true });
  });

  it('an idempotency key is honoured by a cold and a warm repository alike', async () => {
    const warm = new AggregateRepository(store, tallyDecider);
    await warm.handle('tally.tally-key', { type: 'Open', tallyId: 'key', limit: 100 }, ctx('Open'));
    const first = await warm.handle('tally.tally-key', { type: 'Add', tallyId: 'key', amount: 5 }, ctx('Add', { idempotencyKey: 'k-1' }));
    const cold = new AggregateRepository(store, tallyDecider, { cacheStreams: 0 });
    const again = await cold.handle('tally.tally-key', { type: 'Add', tallyId: 'key', amount: 5 }, ctx('Add', { idempotencyKey: 'k-1' }));
    const warmAgain = await warm.handle('tally.tally-key', { type: 'Add', tallyId: 'key', amount: 5 }, ctx('Add', { idempotencyKey: 'k-1' }));
    expect(isDomainError(first)).toBe(false);
    for (const r of [again, warmAgain]) {
      expect(r).toMatchObject({ duplicate: true, events: [], revision: (first as { revision: number }).revision });
    }
    expect((await store.readStream('tally.tally-key')).map((e) => e.type)).toEqual(['TallyOpened', 'AmountAdded']);
  });

  it('records who, which command, when and the correlation on every event', async () => {
    const repo = new AggregateRepository(store, tallyDecider);
    await repo.handle(
      'tally.tally-meta',
      { type: 'Open', tallyId: 'meta', limit: 9 },
      ctx('OpenTally', { correlationId: 'corr-9', policyVersions: { tallyPolicy: '3' }, extra: { reason: 'audit me' } }),
    );
    const [e] = await store.readStream('tally.tally-meta');
    expect(e.metadata).toMatchObject({
      actor: { id: 'tester', role: 'system' },
      command: 'OpenTally',
      occurredAt: '2026-11-29T10:00:00Z',
      correlationId: 'corr-9',
      policyVersions: { tallyPolicy: '3' },
      reason: 'audit me',
    });
  });

  it('newEvents builds the events handle appends: a batch append and a re-decision through handle store the same thing', async () => {
    const repo = new AggregateRepository(store, tallyDecider);
    const keyed = ctx('OpenTally', { idempotencyKey: 'batch-1', correlationId: 'corr-b', extra: { businessDate: '2026-11-29' } });
    const decided = tallyDecider.decide({ type: 'Open', tallyId: 'batch', limit: 9 }, tallyDecider.initialState());
    if (isDomainError(decided)) throw new Error(decided.message);
    const built = repo.newEvents('tally.tally-batch', decided, keyed);
    await repo.handle('tally.tally-batch', { type: 'Open', tallyId: 'batch', limit: 9 }, keyed);
    const stored = await store.readStream('tally.tally-batch');
    expect(stored.map(({ eventId, type, schemaVersion, data, metadata }) => ({ eventId, type, schemaVersion, data, metadata }))).toEqual(built);
    // A batch's own id scheme (the context's eventIds) is used by both paths alike.
    const dated = {
      ...keyed,
      idempotencyKey: 'batch-2',
      eventIds: (streamId: string, i: number) => `0000000${i}-0000-8000-8000-${streamId.length.toString().padStart(12, '0')}`,
    };
    expect(repo.newEvents('tally.tally-dated', decided, dated).map((e) => e.eventId)).toEqual(['00000000-0000-8000-8000-000000000017']);
    await repo.handle('tally.tally-dated', { type: 'Open', tallyId: 'dated', limit: 9 }, dated);
    expect((await store.readStream('tally.tally-dated')).map((e) => e.eventId)).toEqual(['00000000-0000-8000-8000-000000000017']);
  });
});
