import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { comparePositions, type NewEvent, type Position } from '#kernel';
import { PostgresEventStore } from '#eventstore';
import { ProjectionRunner, ReactorNotRebuildableError, reactor, rowProjection } from '#projections';
import { AggregateRepository } from '#eventstore';
import { tallyDecider } from '#test-support/tally/tally.js';
import { testDatabase, type TestDatabase } from '#test-support/database.js';
import { eventually } from '#test-support/app.js';
import { counterProjection } from '#test-support/counter-projection.js';
import { COUNTED_REACTOR, counted, countedReactor, openTallies, tallyOf } from '#test-support/counted-reactor.js';

const WORKER = join(process.cwd(), 'dist/test/support/projection-worker.js');
const REACTION_WORKER = join(process.cwd(), 'dist/test/support/reaction-worker.js');

async function checkpoint(db: TestDatabase): Promise<Position> {
  const { rows } = await db.pool.query(
    `SELECT c.commit_position, c.prepare_position FROM projection_checkpoints c
       JOIN projections p ON p.name = c.name AND p.active_generation = c.generation WHERE c.name = 'counters'`,
  );
  return rows.length ? { commit: BigInt(rows[0].commit_position), prepare: BigInt(rows[0].prepare_position) } : { commit: 0n, prepare: 0n };
}

/**
 * A read model of the Counted events with one number per stream in `column`, each event moving it
 * on by `next` (from 0): the projections these tests change or break.
 */
function perStreamProjection(name: string, version: number, column: string, sqlType: string, next: (value: number, n: number) => number) {
  return rowProjection<{ stream_id: string } & Record<string, unknown>>({
    name,
    version,
    table: `rm_${name}`,
    ddl: `CREATE TABLE {table} (stream_id text PRIMARY KEY, ${column} ${sqlType} NOT NULL)`,
    key: 'stream_id',
    filter: { eventTypes: ['Counted'] },
    keyOf: (e) => e.streamId,
    evolve: (row, e) => ({ stream_id: e.streamId, [column]: next(Number(row?.[column] ?? 0), (e.data as { n: number }).n) }),
  });
}

function startWorker(url: string): ChildProcess {
  return spawn(process.execPath, [WORKER, url], { stdio: ['ignore', 'pipe', 'inherit'] });
}

describe('projection runner', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeEach(async () => {
    db = await testDatabase();
    store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
  });
  afterEach(async () => {
    await store.close();
    await db.close();
  });

  it('after SIGKILLs mid-batch and a restart, its rows equal a from-scratch rebuild', async () => {
    const streams = 40;
    const perStream = 50;
    // The head is the newest appended position (headPosition() may trail while transactions of
    // other test files in the same cluster hold the read horizon back).
    let head: Position = { commit: 0n, prepare: 0n };
    for (let round = 0; round < perStream; round++) {
      const results = await Promise.all(Array.from({ length: streams }, (_, s) => store.appendToStream(`crash.s-${s}`, [counted(s + round)], 'any')));
      for (const r of results) if (comparePositions(r.position, head) > 0) head = r.position;
    }

    // Kill the worker three times while it is part-way through the events.
    for (let kill = 0; kill < 3; kill++) {
      const before = await checkpoint(db);
      const worker = startWorker(db.url);
      await eventually(async () => (comparePositions(await checkpoint(db), before) > 0 ? true : undefined), 20_000, 'progress');
      await new Promise((r) => setTimeout(r, 10 + Math.floor(Math.random() * 40)));
      worker.kill('SIGKILL');
      await once(worker, 'exit');
    }
    expect(comparePositions(await checkpoint(db), head)).toBeLessThan(0);

    const worker = startWorker(db.url);
    await eventually(async () => (comparePositions(await checkpoint(db), head) >= 0 ? true : undefined), 60_000, 'catch-up');
    worker.kill('SIGTERM');
    await once(worker, 'exit');

    const live = (await db.pool.query('SELECT * FROM rm_counters ORDER BY stream_id')).rows;
    expect(live).toHaveLength(streams);
    expect(live.reduce((sum, r) => sum + r.events, 0)).toBe(streams * perStream);

    const runner = new ProjectionRunner(db.pool, store, [counterProjection()]);
    const rebuilt = await runner.rebuild('counters');
    expect(rebuilt.events).toBe(streams * perStream);
    const fresh = (await db.pool.query('SELECT * FROM rm_counters ORDER BY stream_id')).rows;
    expect(live).toEqual(fresh);
  });

  it('rebuilds into a new generation when a projection version changes, the old one serving until the swap', async () => {
    for (let i = 0; i < 30; i++) await store.appendToStream(`ver.s-${i % 3}`, [counted(i)], 'any');
    const v1 = new ProjectionRunner(db.pool, store, [counterProjection()]);
    await v1.start();
    await eventually(async () => ((await v1.status())[0].caughtUp ? true : undefined));
    await v1.stop();
    expect((await db.pool.query('SELECT count(*)::int AS n FROM rm_counters')).rows[0].n).toBe(3);

    const v2Projection = perStreamProjection('counters', 2, 'doubled', 'bigint', (doubled, n) => doubled + 2 * n);
    const v2 = new ProjectionRunner(db.pool, store, [v2Projection]);
    await v2.start();
    await eventually(async () => {
      const [s] = await v2.status();
      return s.version === 2 && s.generation === 2 && s.status === 'running' ? s : undefined;
    });
    await store.appendToStream('ver.s-0', [counted(100)], 'any');
    const rows = await eventually(async () => {
      const r = (await db.pool.query('SELECT stream_id, doubled FROM rm_counters ORDER BY stream_id')).rows;
      return r.length === 3 && r[0].doubled === 2 * (0 + 3 + 6 + 9 + 12 + 15 + 18 + 21 + 24 + 27 + 100) ? r : undefined;
    });
    expect(rows.map((r) => r.stream_id)).toEqual(['ver.s-0', 'ver.s-1', 'ver.s-2']);
    const tables = (await db.pool.query(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'rm_counters__g%' ORDER BY 1`)).rows;
    expect(tables).toEqual([{ tablename: 'rm_counters__g2' }]);
    await v2.stop();
  });

  it('a halted projection applies nothing past the poison event until retried, and a retry resumes it', async () => {
    let failOn: number | null = 7;
    const fragile = perStreamProjection('fragile', 1, 'seen', 'integer', (seen, n) => {
      if (n === failOn) throw new Error('cannot apply 7 yet');
      return seen + 1;
    });
    for (let i = 0; i < 10; i++) await store.appendToStream('fragile.s-1', [counted(i)], 'any');
    const runner = new ProjectionRunner(db.pool, store, [fragile], { batchSize: 4 });
    await runner.start();
    const halted = await eventually(async () => {
      const [s] = await runner.status();
      return s.status === 'halted' ? s : undefined;
    });
    expect(halted.error).toContain('cannot apply 7 yet');
    expect((await db.pool.query('SELECT seen FROM rm_fragile')).rows).toEqual([{ seen: 7 }]);

    failOn = null;
    await runner.retry('fragile', 'operator-1');
    await eventually(async () => {
      const r = (await db.pool.query('SELECT seen FROM rm_fragile')).rows;
      return r[0]?.seen === 10 ? r : undefined;
    });
    const letters = (await db.pool.query(`SELECT status, resolved_by FROM projection_dead_letters WHERE projection = 'fragile'`)).rows;
    expect(letters).toEqual([{ status: 'retried', resolved_by: 'operator-1' }]);
    await runner.stop();
  });

  describe('reactions', () => {
    const storeSize = async () =>
      (await db.pool.query<{ n: number; last: string | null }>('SELECT count(*)::int AS n, max(global_position)::text AS last FROM es_events')).rows[0];
    const ledger = async () =>
      (
        await db.pool.query<{ trigger_id: string; outcome: string; code: string | null; appended: number }>(
          `SELECT trigger_id, outcome, code, appended FROM projection_reactions WHERE reactor = $1 ORDER BY trigger_position`,
          [COUNTED_REACTOR],
        )
      ).rows;
    const reactorCheckpoint = async () =>
      (await db.pool.query(`SELECT commit_position, prepare_position FROM projection_checkpoints WHERE name = $1`, [COUNTED_REACTOR])).rows[0];
    const added = async () =>
      (
        await db.pool.query<{ cause: string; amount: number }>(
          `SELECT metadata->>'causationId' AS cause, (data->>'amount')::int AS amount FROM es_events WHERE type = 'AmountAdded'`,
        )
      ).rows;
    async function runUntilCaughtUp(runner: ProjectionRunner): Promise<void> {
      await runner.start();
      try {
        await eventually(async () => ((await runner.status())[0].caughtUp ? true : undefined));
      } finally {
        await runner.stop();
      }
    }

    beforeEach(async () => {
      await openTallies(store);
      for (let i = 1; i <= 30; i++) await store.appendToStream(`react.s-${i}`, [counted(i)], 'no_stream');
    });

    it('records one outcome per trigger, whatever was decided: appended, nothing, or refused with its code', async () => {
      await runUntilCaughtUp(new ProjectionRunner(db.pool, store, [countedReactor(store)]));
      const rows = await ledger();
      expect(rows).toHaveLength(30);
      const byOutcome = (o: string) => rows.filter((r) => r.outcome === o).length;
      expect(byOutcome('nothing')).toBe(6); // 5, 10, 15, 20, 25, 30
      expect(byOutcome('refused')).toBe(4); // 7, 14, 21, 28
      expect(rows.filter((r) => r.outcome === 'refused').every((r) => r.code === 'TALLY_NOT_FOUND')).toBe(true);
      expect(byOutcome('appended')).toBe(20);
      expect((await added()).length).toBe(byOutcome('appended'));
    });

    it('a checkpoint reset to 0 replays the whole history and decides nothing again, even where the world changed', async () => {
      const calls = { n: 0 };
      await runUntilCaughtUp(new ProjectionRunner(db.pool, store, [countedReactor(store, { calls })]));
      expect(calls.n).toBe(30);
      // The refused reactions would now succeed: the missing tally exists.
      const tallies = new AggregateRepository(store, tallyDecider, { cacheStreams: 0 });
      await tallies.handle(
        'tally.tally-missing',
        { type: 'Open', tallyId: 'tally.tally-missing', limit: 1000 },
        { command: 'Open', actor: { id: 't', role: 'system' }, occurredAt: '2026-11-29T00:00:00Z' },
      );
      const before = await storeSize();
      const ledgerBefore = await ledger();

      await db.pool.query(`UPDATE projection_checkpoints SET commit_position = 0, prepare_position = 0 WHERE name = $1`, [COUNTED_REACTOR]);
      await runUntilCaughtUp(new ProjectionRunner(db.pool, store, [countedReactor(store, { calls })]));
      expect(calls.n).toBe(30);
      expect(await storeSize()).toEqual(before);
      expect(await ledger()).toEqual(ledgerBefore);
    });

    it('verify checks the ledger against the store and appends nothing; a rebuild of a reactor is refused', async () => {
      const runner = new ProjectionRunner(db.pool, store, [countedReactor(store)]);
      await runUntilCaughtUp(runner);
      const before = await storeSize();
      const report = await runner.verify(COUNTED_REACTOR);
      expect(report).toMatchObject({ ok: true, tables: [], reactions: { triggers: 30, recorded: 30, missing: 0, unexpected: 0 } });
      await expect(runner.rebuild(COUNTED_REACTOR)).rejects.toBeInstanceOf(ReactorNotRebuildableError);
      expect(await storeSize()).toEqual(before);

      // A lost record is caught.
      const [first] = await ledger();
      await db.pool.query(`DELETE FROM projection_reactions WHERE reactor = $1 AND trigger_id = $2`, [COUNTED_REACTOR, first.trigger_id]);
      const broken = await runner.verify(COUNTED_REACTOR);
      expect(broken).toMatchObject({ ok: false, reactions: { missing: 1, sample: [{ kind: 'missing', triggerId: first.trigger_id }] } });
    });

    it('a new reactor version goes on from its checkpoint without replaying', async () => {
      const calls = { n: 0 };
      await runUntilCaughtUp(new ProjectionRunner(db.pool, store, [countedReactor(store, { calls })]));
      const checkpointBefore = await reactorCheckpoint();
      const v2 = { ...countedReactor(store, { calls }), version: 2 };
      await runUntilCaughtUp(new ProjectionRunner(db.pool, store, [v2]));
      expect(calls.n).toBe(30);
      expect(await reactorCheckpoint()).toEqual(checkpointBefore);
      expect((await db.pool.query(`SELECT version FROM projections WHERE name = $1`, [COUNTED_REACTOR])).rows[0].version).toBe(2);
    });

    it('a trigger type a new version reacts to is decided only after the upgrade: verify finds nothing missing and a reset decides no earlier event', async () => {
      const recounted = (n: number): NewEvent => ({ ...counted(n), type: 'Recounted' });
      for (let i = 1; i <= 3; i++) await store.appendToStream(`react.r-${i}`, [recounted(100 + i)], 'no_stream');
      await runUntilCaughtUp(new ProjectionRunner(db.pool, store, [countedReactor(store)]));
      // Version 2 also reacts to Recounted, which version 1 ignored.
      const tallies = new AggregateRepository(store, tallyDecider, { cacheStreams: 0 });
      const recounts = { n: 0 };
      const v2 = {
        ...reactor({
          name: COUNTED_REACTOR,
          filter: { eventTypes: ['Counted', 'Recounted'] },
          async handle(event, reaction) {
            const n = (event.data as { n: number }).n;
            if (event.type === 'Recounted') recounts.n++;
            else if (n % 5 === 0) return;
            const streamId = event.type === 'Counted' && n % 7 === 0 ? 'tally.tally-missing' : tallyOf(n);
            await tallies.handle(
              streamId,
              { type: 'Add', tallyId: streamId, amount: n },
              reaction.context(event.type === 'Counted' ? 'AddCounted' : 'AddRecounted'),
            );
          },
        }),
        version: 2,
      };
      await runUntilCaughtUp(new ProjectionRunner(db.pool, store, [v2]));
      expect(recounts.n).toBe(0);
      for (let i = 4; i <= 5; i++) await store.appendToStream(`react.r-${i}`, [recounted(100 + i)], 'no_stream');
      await runUntilCaughtUp(new ProjectionRunner(db.pool, store, [v2]));
      expect(recounts.n).toBe(2);

      const runner = new ProjectionRunner(db.pool, store, [v2]);
      await runner.install();
      expect(await runner.verify(COUNTED_REACTOR)).toMatchObject({ ok: true, reactions: { triggers: 32, recorded: 32, missing: 0, unexpected: 0 } });

      const before = await storeSize();
      await db.pool.query(`UPDATE projection_checkpoints SET commit_position = 0, prepare_position = 0 WHERE name = $1`, [COUNTED_REACTOR]);
      await runUntilCaughtUp(new ProjectionRunner(db.pool, store, [v2]));
      expect(recounts.n).toBe(2);
      expect(await storeSize()).toEqual(before);
      expect((await ledger()).filter((r) => r.outcome === 'appended').length).toBe(22);
    });

    it('after SIGKILLs between reactions and their records, every trigger has exactly one outcome and one effect', async () => {
      // More triggers, so the worker is killed part-way through.
      for (let i = 31; i <= 230; i++) await store.appendToStream(`react.s-${i}`, [counted(i)], 'no_stream');
      for (let kill = 0; kill < 3; kill++) {
        const before = (await ledger()).length;
        const worker = spawn(process.execPath, [REACTION_WORKER, db.url], { stdio: ['ignore', 'pipe', 'inherit'] });
        await eventually(async () => ((await ledger()).length > before ? true : undefined), 20_000, 'progress');
        await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 30)));
        worker.kill('SIGKILL');
        await once(worker, 'exit');
      }
      expect((await ledger()).length).toBeLessThan(230);
      await runUntilCaughtUp(new ProjectionRunner(db.pool, store, [countedReactor(store)]));

      const rows = await ledger();
      expect(rows).toHaveLength(230);
      expect(new Set(rows.map((r) => r.trigger_id)).size).toBe(230);
      const effects = await added();
      const causes = effects.map((e) => e.cause);
      expect(new Set(causes).size).toBe(causes.length); // no trigger added twice
      const expected = Array.from({ length: 230 }, (_, k) => k + 1).filter((n) => n % 5 !== 0 && n % 7 !== 0);
      expect(effects.map((e) => e.amount).sort((a, b) => a - b)).toEqual(expected);
      expect(rows.filter((r) => r.outcome === 'appended')).toHaveLength(expected.length);
    });
  });
});
