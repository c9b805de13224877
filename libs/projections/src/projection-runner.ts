import type pg from 'pg';
import { comparePositions, formatPosition, START, type Position, type RecordedEvent } from '#kernel';
import type { EventStore, Subscription } from '#eventstore';
import { inTransaction } from '#platform';
import { physicalTable, type Projection, type ProjectionContext } from './projection.js';
import { Reaction } from './reactor.js';

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly generation: number;
  readonly status: 'running' | 'halted' | 'stopped' | 'rebuilding';
  readonly checkpoint: string;
  /** Approximate number of store positions between the checkpoint and the head. */
  readonly lagPositions: number;
  /**
   * About how long the oldest event the projection has still to apply has waited since it was
   * recorded (0 at the live end): how far behind the read model is, from the loop's own batches.
   */
  readonly lagSeconds: number;
  readonly caughtUp: boolean;
  readonly error?: string;
}

export interface ProjectionRunnerOptions {
  readonly batchSize?: number;
  /** Larger pages for rebuilds. */
  readonly rebuildBatchSize?: number;
  /** Commit batches synchronously (default: asynchronously, see `transaction`). */
  readonly synchronousCommit?: boolean;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export class ProjectionHaltedError extends Error {}

/**
 * A reactor without tables has nothing to rebuild, and replaying its triggers must not decide them
 * again: a rebuild is refused (`REACTOR_NOT_REBUILDABLE`). Verify checks its ledger instead.
 */
export class ReactorNotRebuildableError extends Error {
  readonly code = 'REACTOR_NOT_REBUILDABLE';
  constructor(readonly projection: string) {
    super(
      `${projection} is a reactor without tables: its triggers are decided once and recorded, so there is nothing to rebuild (verify checks its reaction ledger)`,
    );
  }
}

/** How a reacting projection's ledger compares with the store up to its checkpoint. */
export interface ReactionLedgerReport {
  /** Triggers in the projection's filter after the ledger's start and up to the checkpoint. */
  readonly triggers: number;
  readonly recorded: number;
  /** Triggers without an outcome. */
  readonly missing: number;
  /** Outcomes for events that are not such a trigger (or lie past the checkpoint). */
  readonly unexpected: number;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly sample: Array<{ kind: 'missing' | 'unexpected'; triggerId: string }>;
}

export interface VerifyReport {
  readonly projection: string;
  /** The position both sides were compared at. */
  readonly position: string;
  readonly ok: boolean;
  readonly tables: Array<{ table: string; liveRows: number; rebuiltRows: number; differences: number; sample: Array<{ side: string; row: unknown }> }>;
  /** For a projection that reacts: its reaction ledger against the store. */
  readonly reactions?: ReactionLedgerReport;
}

interface Live {
  generation: number;
  subscription?: Subscription;
  loop?: Promise<void>;
  status: ProjectionStatus['status'];
  checkpoint: Position;
  caughtUp: boolean;
  error?: string;
  /** The checkpoint as stored; the live one may be ahead over stretches without events. */
  stored: Position;
  /** Where the projection's reaction ledger begins (read with each batch's registry row). */
  reactionsFrom: Position;
  /**
   * Where the ledger begins for each trigger type, when later than `reactionsFrom`: a type a
   * reactor came to react to in a later version counts as decided up to the checkpoint it had then.
   */
  typeFloors: ReadonlyMap<string, Position>;
  /**
   * When the oldest event still to apply was recorded, as far as the loop knows: the first event of
   * the batch in hand, or after a batch that did not reach the live end, its last event (the next
   * one is younger). Undefined when the loop is at the live end.
   */
  oldestPendingAt?: number;
  storedAt: number;
}

/** How long an advance over events a projection does not handle may stay unwritten. */
const IDLE_CHECKPOINT_MS = 2000;

type Tx = pg.PoolClient;

const CONNECTION_ERROR = /^(08|57P)/;

function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (typeof e?.code === 'string' && CONNECTION_ERROR.test(e.code)) || /Connection terminated|ECONNREFUSED|ECONNRESET/.test(String(e?.message));
}

/**
 * Runs projections: each reads the store from its checkpoint and applies batches, writing its rows
 * and its checkpoint in one Postgres transaction, so a crash never applies an event twice or skips
 * one. A failing event is recorded as a dead letter and halts the projection just before it.
 */
const REGISTRY_LOCK = 'arrears.projection:';
const BATCH_LOCK = 'arrears.projection.batch:';

export class ProjectionRunner {
  private readonly live = new Map<string, Live>();
  private readonly byName: Map<string, Projection>;
  private head: Position | null = null;
  private stopping = false;
  private readonly batchSize: number;
  private readonly rebuildBatchSize: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: EventStore,
    projections: readonly Projection[],
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    for (const p of projections) {
      if (!/^[a-z][a-z0-9_]*$/.test(p.name)) throw new Error(`projection name ${p.name} is not a plain identifier (a-z, 0-9, _)`);
    }
    this.byName = new Map(projections.map((p) => [p.name, p]));
    this.batchSize = options.batchSize ?? 500;
    this.rebuildBatchSize = options.rebuildBatchSize ?? 5000;
  }

  get projections(): Projection[] {
    return [...this.byName.values()];
  }

  /** Creates missing tables and views; does not start applying events. */
  async install(): Promise<void> {
    for (const projection of this.byName.values()) {
      await this.installOne(projection);
      if (projection.reacts) await this.recordTriggerTypes(projection);
    }
  }

  /**
   * Gives each trigger type of a reacting projection its ledger start, once: the active
   * generation's checkpoint when the type is first seen (0 for a new projection). A type a later
   * version reacts to is thereby decided only for events after the upgrade: the events before it
   * were applied under a version that did not react to them, and a replay must not decide them now.
   */
  private async recordTriggerTypes(projection: Projection): Promise<void> {
    await this.pool.query(
      `INSERT INTO projection_reaction_triggers (reactor, trigger_type, from_commit, from_prepare)
       SELECT $1, t.type, coalesce(c.commit_position, 0), coalesce(c.prepare_position, 0)
         FROM unnest($2::text[]) AS t(type)
         JOIN projections p ON p.name = $1
         LEFT JOIN projection_checkpoints c ON c.name = p.name AND c.generation = p.active_generation
       ON CONFLICT (reactor, trigger_type) DO NOTHING`,
      [projection.name, triggerTypes(projection)],
    );
  }

  private async typeFloors(db: Pick<pg.Pool, 'query'> | Tx, reactor: string): Promise<Map<string, Position>> {
    const { rows } = await db.query<{ trigger_type: string; commit: string; prepare: string }>(
      'SELECT trigger_type, from_commit AS commit, from_prepare AS prepare FROM projection_reaction_triggers WHERE reactor = $1',
      [reactor],
    );
    return new Map(rows.map((r) => [r.trigger_type, { commit: BigInt(r.commit), prepare: BigInt(r.prepare) }]));
  }

  /** Installs, then starts every projection's loop. A changed version is rebuilt first. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.install();
    for (const projection of this.byName.values()) {
      const row = await this.registry(projection.name);
      if (row.version !== projection.version && isPureReactor(projection)) {
        // Nothing to rebuild: the reactor goes on from its checkpoint under its new version.
        await this.pool.query('UPDATE projections SET version = $2, updated_at = now() WHERE name = $1', [projection.name, projection.version]);
      } else if (row.version !== projection.version) {
        this.log('info', 'projection version changed: rebuilding', { projection: projection.name, from: row.version, to: projection.version });
        const state = this.state(projection.name, row.active_generation);
        state.status = 'rebuilding';
        state.loop = this.rebuild(projection.name).then(
          () => this.startLoop(projection),
          (err) => this.log('error', 'rebuild failed', { projection: projection.name, error: String(err) }),
        );
        continue;
      }
      await this.startLoop(projection);
    }
  }

  /** Stops every loop after its current batch has committed. */
  async stop(): Promise<void> {
    this.stopping = true;
    const loops: Promise<void>[] = [];
    for (const state of this.live.values()) {
      if (state.subscription) await state.subscription.close();
      if (state.loop) loops.push(state.loop);
      if (state.status === 'running') state.status = 'stopped';
    }
    await Promise.allSettled(loops);
    for (const [name, state] of this.live) {
      await this.flushIdleCheckpoint(name, state).catch((err) =>
        this.log('warn', 'could not write an idle checkpoint at stop', { projection: name, error: String(err) }),
      );
    }
  }

  /** The halted projections, for readiness: one query for the whole registry. */
  async haltedProjections(): Promise<Array<{ name: string; error?: string }>> {
    const { rows } = await this.pool.query<{ name: string; error: string | null }>(
      `SELECT name, error FROM projections WHERE status = 'halted' AND name = ANY ($1::text[])`,
      [[...this.byName.keys()]],
    );
    return rows.map((r) => ({ name: r.name, ...(r.error ? { error: r.error } : {}) }));
  }

  async status(): Promise<ProjectionStatus[]> {
    this.head = await this.store.headPosition();
    // One query for every projection's registry row and stored checkpoint: readiness and the
    // metrics ask for the status every second.
    const { rows } = await this.pool.query<{
      name: string;
      active_generation: number;
      status: string;
      error: string | null;
      commit_position: string | null;
      prepare_position: string | null;
    }>(
      `SELECT p.name, p.active_generation, p.status, p.error, c.commit_position, c.prepare_position
         FROM projections p LEFT JOIN projection_checkpoints c ON c.name = p.name AND c.generation = p.active_generation
        WHERE p.name = ANY ($1::text[])`,
      [[...this.byName.keys()]],
    );
    const registered = new Map(rows.map((r) => [r.name, r]));
    const out: ProjectionStatus[] = [];
    for (const projection of this.byName.values()) {
      const row = registered.get(projection.name);
      if (!row) throw new Error(`projection ${projection.name} is not installed`);
      const state = this.live.get(projection.name);
      const stored = row.commit_position === null ? START : { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position!) };
      const checkpoint = state?.checkpoint ?? stored;
      const status: ProjectionStatus['status'] = row.status === 'halted' ? 'halted' : (state?.status ?? 'stopped');
      const lag = this.head && comparePositions(this.head, checkpoint) > 0 ? Number(this.head.prepare - checkpoint.prepare) : 0;
      const lagSeconds = lag > 0 && state?.oldestPendingAt ? Math.max(0, (Date.now() - state.oldestPendingAt) / 1000) : 0;
      out.push({
        name: projection.name,
        version: projection.version,
        generation: row.active_generation,
        status,
        checkpoint: formatPosition(checkpoint),
        lagPositions: Math.max(0, lag),
        lagSeconds,
        caughtUp: lag <= 0,
        ...(row.error ? { error: row.error } : {}),
      });
    }
    return out;
  }

  /**
   * Blue/green rebuild: replays every event from position 0 into a fresh generation of the tables
   * while the active generation keeps serving, then swaps the views in one transaction.
   */
  async rebuild(name: string): Promise<{ generation: number; events: number }> {
    const projection = this.require(name);
    if (isPureReactor(projection)) throw new ReactorNotRebuildableError(name);
    await this.installOne(projection);
    const generation = await this.newGeneration(projection);
    // Events an operator chose to skip stay skipped in every rebuild.
    const { rows: skippedRows } = await this.pool.query<{ event_id: string }>(
      `SELECT event_id FROM projection_dead_letters WHERE projection = $1 AND status = 'skipped'`,
      [name],
    );
    const skipped = new Set(skippedRows.map((r) => r.event_id));
    const keep = (events: readonly RecordedEvent[]) => (skipped.size ? events.filter((e) => !skipped.has(e.eventId)) : events);
    let applied = 0;
    let from: Position = START;
    // A projection that reacts is rebuilt up to its live checkpoint only: everything up to there was
    // decided by the live generation, so the rebuild replays tables and decides nothing; the live
    // loop goes on from the same checkpoint on the new generation.
    const limit = projection.reacts ? await this.readCheckpoint(this.pool, name, (await this.registry(name)).active_generation) : null;
    for (;;) {
      const raw = await this.store.readAll({ from, maxCount: this.rebuildBatchSize, filter: projection.filter });
      const page = limit ? clip(raw, limit) : raw;
      if (page.events.length > 0 || comparePositions(page.position, from) > 0) {
        await this.transaction(async (tx) => {
          await this.applyEvents(tx, projection, generation, keep(page.events));
          await this.writeCheckpoint(tx, name, generation, page.position);
        });
        applied += page.events.length;
        from = page.position;
      }
      if (page.isEnd) break;
    }
    // Swap: lock the registry row (live batches wait), apply what arrived meanwhile, swap views.
    await this.transaction(async (tx) => {
      await this.exclusive(tx, name);
      const { rows: current } = await tx.query<{ active_generation: number }>('SELECT active_generation FROM projections WHERE name = $1 FOR UPDATE', [name]);
      const upTo = projection.reacts ? await this.readCheckpoint(tx, name, current[0].active_generation) : null;
      for (;;) {
        if (upTo && comparePositions(from, upTo) >= 0) {
          from = upTo;
          break;
        }
        const raw = await this.store.readAll({ from, maxCount: this.rebuildBatchSize, filter: projection.filter });
        const page = upTo ? clip(raw, upTo) : raw;
        await this.applyEvents(tx, projection, generation, keep(page.events));
        applied += page.events.length;
        from = page.position;
        if (page.isEnd) break;
      }
      await this.writeCheckpoint(tx, name, generation, from);
      const { rows } = await tx.query<{ active_generation: number }>('SELECT active_generation FROM projections WHERE name = $1', [name]);
      const old = rows[0].active_generation;
      await this.createViews(tx, projection, generation);
      await tx.query(
        `UPDATE projections SET active_generation = $2, version = $3, status = 'running', halted_event_id = NULL, error = NULL, updated_at = now()
          WHERE name = $1`,
        [name, generation, projection.version],
      );
      for (const table of Object.keys(projection.tables)) await tx.query(`DROP TABLE IF EXISTS ${physicalTable(table, old)}`);
      await tx.query('DELETE FROM projection_checkpoints WHERE name = $1 AND generation <> $2', [name, generation]);
    });
    this.log('info', 'projection rebuilt', { projection: name, generation, events: applied });
    return { generation, events: applied };
  }

  /**
   * Rebuilds a projection into scratch tables up to the live checkpoint and diffs them row by row
   * against the live tables; nothing is swapped, the scratch tables are dropped afterwards. The
   * final catch-up and the comparison hold the projection's lock, so both sides stand at the same
   * position.
   */
  async verify(name: string): Promise<VerifyReport> {
    const projection = this.require(name);
    await this.installOne(projection);
    if (isPureReactor(projection)) {
      return this.transaction(async (tx) => {
        await this.exclusive(tx, name);
        const { rows } = await tx.query<{ active_generation: number }>('SELECT active_generation FROM projections WHERE name = $1', [name]);
        const position = await this.readCheckpoint(tx, name, rows[0].active_generation);
        const reactions = await this.verifyLedger(tx, projection, position);
        return { projection: name, position: formatPosition(position), ok: reactions.missing === 0 && reactions.unexpected === 0, tables: [], reactions };
      });
    }
    const scratch = await this.newGeneration(projection);
    try {
      const { rows: skippedRows } = await this.pool.query<{ event_id: string }>(
        `SELECT event_id FROM projection_dead_letters WHERE projection = $1 AND status = 'skipped'`,
        [name],
      );
      const skipped = new Set(skippedRows.map((r) => r.event_id));
      const upTo = async (db: pg.Pool | Tx, from: Position, limit: Position, apply: (events: RecordedEvent[]) => Promise<void>) => {
        let at = from;
        for (;;) {
          const page = await this.store.readAll({ from: at, maxCount: this.rebuildBatchSize, filter: projection.filter });
          const within = page.events.filter((e) => comparePositions(e.globalPosition, limit) <= 0 && !skipped.has(e.eventId));
          if (within.length) await apply(within);
          const last = page.events[page.events.length - 1];
          if (page.isEnd || (last && comparePositions(last.globalPosition, limit) >= 0)) return limit;
          at = page.position;
        }
      };
      const registry = await this.registry(name);
      const first = await this.readCheckpoint(this.pool, name, registry.active_generation);
      await upTo(this.pool, START, first, (events) => this.transaction((tx) => this.applyEvents(tx, projection, scratch, events)));
      return await this.transaction(async (tx) => {
        await this.exclusive(tx, name);
        const { rows } = await tx.query<{ active_generation: number }>('SELECT active_generation FROM projections WHERE name = $1 FOR UPDATE', [name]);
        const live = rows[0].active_generation;
        const position = await this.readCheckpoint(tx, name, live);
        await upTo(tx, first, position, (events) => this.applyEvents(tx, projection, scratch, events));
        const tables: VerifyReport['tables'] = [];
        for (const table of Object.keys(projection.tables)) {
          const a = physicalTable(table, live);
          const b = physicalTable(table, scratch);
          const { rows: diff } = await tx.query<{ side: string; row: unknown }>(
            `(SELECT 'live_only' AS side, to_jsonb(x) AS row FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}) x LIMIT 5)
             UNION ALL
             (SELECT 'rebuilt_only', to_jsonb(y) FROM (SELECT * FROM ${b} EXCEPT ALL SELECT * FROM ${a}) y LIMIT 5)`,
          );
          const { rows: counts } = await tx.query<{ live: number; rebuilt: number; differences: number }>(
            `SELECT (SELECT count(*) FROM ${a})::int AS live, (SELECT count(*) FROM ${b})::int AS rebuilt,
                    ((SELECT count(*) FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}) x)
                     + (SELECT count(*) FROM (SELECT * FROM ${b} EXCEPT ALL SELECT * FROM ${a}) y))::int AS differences`,
          );
          tables.push({ table, liveRows: counts[0].live, rebuiltRows: counts[0].rebuilt, differences: counts[0].differences, sample: diff });
        }
        const reactions = projection.reacts ? await this.verifyLedger(tx, projection, position) : undefined;
        const ok = tables.every((t) => t.differences === 0) && (!reactions || (reactions.missing === 0 && reactions.unexpected === 0));
        return { projection: name, position: formatPosition(position), ok, tables, ...(reactions ? { reactions } : {}) };
      });
    } finally {
      await this.transaction(async (tx) => {
        for (const table of Object.keys(projection.tables)) await tx.query(`DROP TABLE IF EXISTS ${physicalTable(table, scratch)}`);
        await tx.query('DELETE FROM projection_checkpoints WHERE name = $1 AND generation = $2', [name, scratch]);
      });
    }
  }

  /** Rebuilds (see `rebuild`) and makes sure the projection's loop runs afterwards. */
  async rebuildAndResume(name: string): Promise<{ generation: number; events: number }> {
    const result = await this.rebuild(name);
    const state = this.live.get(name);
    if (!this.stopping && state?.status !== 'running') await this.startLoop(this.require(name));
    return result;
  }

  /** Clears a halt and resumes from the same event. */
  async retry(name: string, by: string): Promise<void> {
    this.require(name);
    await this.pool.query(
      `UPDATE projection_dead_letters SET status = 'retried', resolved_at = now(), resolved_by = $2 WHERE projection = $1 AND status = 'open'`,
      [name, by],
    );
    await this.resume(name);
  }

  /** Moves the checkpoint past the poison event, then resumes. */
  async skip(name: string, by: string): Promise<void> {
    const projection = this.require(name);
    await this.transaction(async (tx) => {
      await this.exclusive(tx, name);
      const { rows } = await tx.query<{ active_generation: number; halted_event_id: string | null }>(
        'SELECT active_generation, halted_event_id FROM projections WHERE name = $1 FOR UPDATE',
        [name],
      );
      const halted = rows[0];
      if (!halted?.halted_event_id) return;
      const { rows: letters } = await tx.query<{ position: string }>(
        `UPDATE projection_dead_letters SET status = 'skipped', resolved_at = now(), resolved_by = $3
          WHERE projection = $1 AND event_id = $2 AND status = 'open' RETURNING position`,
        [name, halted.halted_event_id, by],
      );
      if (letters.length && projection.reacts) {
        const { rows: event } = await tx.query<{ event_type: string }>(
          `SELECT event_type FROM projection_dead_letters WHERE projection = $1 AND event_id = $2 LIMIT 1`,
          [name, halted.halted_event_id],
        );
        await tx.query(
          `INSERT INTO projection_reactions (reactor, trigger_id, trigger_type, trigger_position, outcome, code)
           VALUES ($1, $2, $3, $4, 'skipped', $5) ON CONFLICT (reactor, trigger_id) DO NOTHING`,
          [name, halted.halted_event_id, event[0]?.event_type ?? 'unknown', letters[0].position, `skipped by ${by}`],
        );
      }
      if (letters.length) {
        const [commit, prepare] = letters[0].position.split('/');
        await this.writeCheckpoint(tx, projection.name, halted.active_generation, { commit: BigInt(commit), prepare: BigInt(prepare) });
      }
    });
    await this.resume(name);
  }

  private async resume(name: string): Promise<void> {
    await this.pool.query(`UPDATE projections SET status = 'running', halted_event_id = NULL, error = NULL, updated_at = now() WHERE name = $1`, [name]);
    const state = this.live.get(name);
    if (state?.subscription) await state.subscription.close();
    if (state?.loop) await state.loop;
    if (!this.stopping) await this.startLoop(this.require(name));
  }

  private async startLoop(projection: Projection): Promise<void> {
    const row = await this.registry(projection.name);
    const state = this.state(projection.name, row.active_generation);
    if (projection.reacts) state.typeFloors = await this.typeFloors(this.pool, projection.name);
    if (row.status === 'halted') {
      state.status = 'halted';
      state.error = row.error ?? undefined;
      return;
    }
    state.checkpoint = await this.readCheckpoint(this.pool, projection.name, row.active_generation);
    state.stored = state.checkpoint;
    state.storedAt = Date.now();
    state.status = 'running';
    const subscription = this.store.subscribeToAll({ from: state.checkpoint, filter: projection.filter, batchSize: this.batchSize });
    state.subscription = subscription;
    state.loop = (async () => {
      let restart = false;
      try {
        for await (const batch of subscription) {
          if (batch.events.length) state.oldestPendingAt ??= Date.parse(batch.events[0].recordedAt);
          const outcome = await this.applyLiveBatch(projection, state, batch.events, batch.position);
          if (outcome === 'halted') break;
          if (outcome === 'generation_changed') {
            restart = true;
            break;
          }
          state.caughtUp = batch.caughtUp;
          const last = batch.events[batch.events.length - 1];
          state.oldestPendingAt = batch.caughtUp ? undefined : last ? Date.parse(last.recordedAt) : state.oldestPendingAt;
        }
      } catch (err) {
        if (!this.stopping) {
          this.log('error', 'projection loop failed; restarting', { projection: projection.name, error: String(err) });
          await subscription.close();
          await new Promise((r) => setTimeout(r, 1000));
          if (!this.stopping) void this.startLoop(projection);
          return;
        }
      }
      if (restart && !this.stopping) await this.startLoop(projection);
    })();
  }

  private async applyLiveBatch(
    projection: Projection,
    state: Live,
    events: readonly RecordedEvent[],
    position: Position,
  ): Promise<'ok' | 'halted' | 'generation_changed'> {
    if (events.length === 0) {
      // Nothing this projection handles: no transaction; the checkpoint moves in memory and is
      // written now and then (a checkpoint behind only means re-reading a stretch it ignores).
      if (comparePositions(position, state.checkpoint) > 0) state.checkpoint = position;
      if (Date.now() - state.storedAt >= IDLE_CHECKPOINT_MS) await this.flushIdleCheckpoint(projection.name, state);
      return 'ok';
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.liveTransaction(projection.name, async (tx, finish) => {
          const fresh = await this.lockLive(tx, projection.name, state);
          if (fresh === 'generation_changed' || fresh === 'halted') return fresh;
          const pending = events.filter((e) => comparePositions(e.globalPosition, fresh) > 0);
          await this.applyEvents(tx, projection, state.generation, pending, { from: state.reactionsFrom, byType: state.typeFloors });
          if (comparePositions(position, fresh) > 0) finish.checkpoint = { generation: state.generation, position };
          state.checkpoint = comparePositions(position, fresh) > 0 ? position : fresh;
          state.stored = state.checkpoint;
          state.storedAt = Date.now();
          return 'ok' as const;
        });
      } catch (err) {
        if (isConnectionError(err) && !this.stopping) {
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
          continue;
        }
        if (this.stopping) throw err;
        return this.isolatePoison(projection, state, events, position, err);
      }
    }
  }

  /** Re-applies the batch one event per transaction to find and record the failing event. */
  private async isolatePoison(
    projection: Projection,
    state: Live,
    events: readonly RecordedEvent[],
    position: Position,
    batchError: unknown,
  ): Promise<'ok' | 'halted' | 'generation_changed'> {
    for (const event of events) {
      try {
        const outcome = await this.liveTransaction(projection.name, async (tx, finish) => {
          const fresh = await this.lockLive(tx, projection.name, state);
          if (fresh === 'generation_changed' || fresh === 'halted') return fresh;
          if (comparePositions(event.globalPosition, fresh) <= 0) return 'ok' as const;
          await this.applyEvents(tx, projection, state.generation, [event], { from: state.reactionsFrom, byType: state.typeFloors });
          finish.checkpoint = { generation: state.generation, position: event.globalPosition };
          state.checkpoint = event.globalPosition;
          return 'ok' as const;
        });
        if (outcome !== 'ok') return outcome;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await this.transaction(async (tx) => {
          await tx.query(
            `INSERT INTO projection_dead_letters (projection, generation, event_id, stream_id, event_type, position, error)
             VALUES ($1, $2, $3, $4, $5, $6, $7)`,
            [projection.name, state.generation, event.eventId, event.streamId, event.type, formatPosition(event.globalPosition), message],
          );
          await tx.query(`UPDATE projections SET status = 'halted', halted_event_id = $2, error = $3, updated_at = now() WHERE name = $1`, [
            projection.name,
            event.eventId,
            `${event.type} ${event.eventId} at ${formatPosition(event.globalPosition)}: ${message}`,
          ]);
        });
        state.status = 'halted';
        state.error = message;
        this.log('error', 'projection halted on a poison event', { projection: projection.name, eventId: event.eventId, type: event.type, error: message });
        return 'halted';
      }
    }
    // Every event applied on its own: the batch failure was transient. Finish the batch position.
    this.log('warn', 'batch failed but its events applied one by one', { projection: projection.name, error: String(batchError) });
    await this.liveTransaction(projection.name, async (tx, finish) => {
      const fresh = await this.lockLive(tx, projection.name, state);
      if (typeof fresh === 'object' && comparePositions(position, fresh) > 0) {
        finish.checkpoint = { generation: state.generation, position };
        state.checkpoint = position;
      }
    });
    return 'ok';
  }

  /** Locks the registry row for the batch and returns the stored checkpoint of the generation. */
  /**
   * A live batch holds the projection's registry lock shared (a swap, verify or skip takes it
   * exclusively and waits for running batches) and its batch lock exclusively (one batch of a
   * projection at a time across processes). Both are advisory transaction locks, not row locks: a
   * row lock would give the batch a transaction id from its first statement, and the store's read
   * horizon (the oldest running transaction id) would stay behind it for the whole batch — while a
   * reactor runs its commands, every subscriber in the cluster would wait. This way the batch gets
   * an id only when it first writes (its rows, or the checkpoint at the end).
   */
  private async lockLive(tx: Tx, name: string, state: Live): Promise<Position | 'generation_changed' | 'halted'> {
    // The locks were taken when the transaction began (liveTransaction); this statement's snapshot
    // is taken after them, so it sees any swap that committed while the batch waited.
    const { rows } = await tx.query<{
      active_generation: number;
      status: string;
      from_commit: string;
      from_prepare: string;
      commit_position: string | null;
      prepare_position: string | null;
    }>(
      `SELECT p.active_generation, p.status, p.reactions_from_commit AS from_commit, p.reactions_from_prepare AS from_prepare, c.commit_position, c.prepare_position
         FROM projections p LEFT JOIN projection_checkpoints c ON c.name = p.name AND c.generation = $2
        WHERE p.name = $1`,
      [name, state.generation],
    );
    const row = rows[0];
    if (row.active_generation !== state.generation) {
      state.generation = row.active_generation;
      return 'generation_changed';
    }
    if (row.status === 'halted') return 'halted';
    state.reactionsFrom = { commit: BigInt(row.from_commit), prepare: BigInt(row.from_prepare) };
    return row.commit_position === null ? START : { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position!) };
  }

  /**
   * Writes an in-memory checkpoint that moved over events the projection does not handle. Only
   * forwards: another worker that applied further keeps its checkpoint.
   */
  private async flushIdleCheckpoint(name: string, state: Live): Promise<void> {
    if (comparePositions(state.checkpoint, state.stored) <= 0) {
      state.storedAt = Date.now();
      return;
    }
    const at = state.checkpoint;
    await this.pool.query(
      `UPDATE projection_checkpoints SET commit_position = $3, prepare_position = $4, updated_at = now()
        WHERE name = $1 AND generation = $2 AND (commit_position, prepare_position) < ($3::numeric, $4::numeric)`,
      [name, state.generation, String(at.commit), String(at.prepare)],
    );
    state.stored = at;
    state.storedAt = Date.now();
  }

  /** Excludes live batches of the projection until the transaction ends (see lockLive). */
  private async exclusive(tx: Tx, name: string): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${REGISTRY_LOCK}${name}`]);
  }

  /**
   * Applies events to a generation's tables. With `decideAfter` (the ledger's start), a projection that reacts gets a
   * reaction scope for each trigger its ledger has not recorded (and that lies after the ledger's
   * start), and every such trigger's outcome is recorded in the same transaction (`nothing` when the
   * handler ran no command for it). Without it (rebuild, verify) no scope is handed out at all.
   */
  private async applyEvents(tx: Tx, projection: Projection, generation: number, events: readonly RecordedEvent[], decideAfter?: LedgerFloor): Promise<void> {
    if (events.length === 0) return;
    const scopes = decideAfter && projection.reacts ? await this.undecided(tx, projection, events, decideAfter) : null;
    // A handler may query from concurrent lanes (forEachPartitioned): the transaction's one
    // connection takes them one after another, in the order they were asked.
    let last: Promise<unknown> = Promise.resolve();
    const ctx: ProjectionContext = {
      query: <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
        const next = last.then(
          () => tx.query<R>(text, values as unknown[]),
          () => tx.query<R>(text, values as unknown[]),
        );
        last = next.catch(() => undefined);
        return next;
      },
      table: (table) => {
        if (!(table in projection.tables)) throw new Error(`projection ${projection.name} has no table ${table}`);
        return physicalTable(table, generation);
      },
      reaction: (event) => scopes?.get(event.eventId) ?? null,
    };
    await projection.apply(ctx, events);
    if (scopes?.size) await this.recordReactions(tx, projection.name, [...scopes.values()]);
  }

  /** Reaction scopes for the batch's triggers that were never decided. */
  private async undecided(tx: Tx, projection: Projection, events: readonly RecordedEvent[], floor: LedgerFloor): Promise<Map<string, Reaction>> {
    const candidates = events.filter((e) => isTrigger(projection, e) && comparePositions(e.globalPosition, floorOf(floor, e.type)) > 0);
    const scopes = new Map<string, Reaction>();
    if (!candidates.length) return scopes;
    const { rows } = await tx.query<{ trigger_id: string }>(
      'SELECT trigger_id FROM projection_reactions WHERE reactor = $1 AND trigger_id = ANY ($2::uuid[])',
      [projection.name, candidates.map((e) => e.eventId)],
    );
    const decided = new Set(rows.map((r) => r.trigger_id));
    for (const e of candidates) if (!decided.has(e.eventId)) scopes.set(e.eventId, new Reaction(projection.name, e));
    return scopes;
  }

  private async recordReactions(tx: Tx, reactor: string, reactions: readonly Reaction[]): Promise<void> {
    const results = reactions.map((r) => r.result());
    await tx.query(
      `INSERT INTO projection_reactions (reactor, trigger_id, trigger_type, trigger_position, outcome, appended, refused, code, effects)
       SELECT $1, t.id, t.type, t.position, t.outcome, t.appended, t.refused, t.code, t.effects
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[], $8::text[], $9::jsonb[])
           AS t(id, type, position, outcome, appended, refused, code, effects)`,
      [
        reactor,
        reactions.map((r) => r.trigger.eventId),
        reactions.map((r) => r.trigger.type),
        reactions.map((r) => formatPosition(r.trigger.globalPosition)),
        results.map((r) => r.outcome),
        results.map((r) => r.appended),
        results.map((r) => r.refused),
        results.map((r) => r.code),
        results.map((r) => JSON.stringify(r.effects)),
      ],
    );
  }

  /** Every trigger in the filter after the ledger's start and up to `position` has one outcome, and no other outcome exists. */
  private async verifyLedger(tx: Tx, projection: Projection, position: Position): Promise<ReactionLedgerReport> {
    const { rows: floorRows } = await tx.query<{ commit: string; prepare: string }>(
      'SELECT reactions_from_commit AS commit, reactions_from_prepare AS prepare FROM projections WHERE name = $1',
      [projection.name],
    );
    const floor: Position = { commit: BigInt(floorRows[0].commit), prepare: BigInt(floorRows[0].prepare) };
    const floors: LedgerFloor = { from: floor, byType: await this.typeFloors(tx, projection.name) };
    const { rows: ledger } = await tx.query<{ trigger_id: string; outcome: string }>(
      'SELECT trigger_id, outcome FROM projection_reactions WHERE reactor = $1',
      [projection.name],
    );
    const recorded = new Map(ledger.map((r) => [r.trigger_id, r.outcome]));
    const outcomes: Record<string, number> = {};
    for (const o of recorded.values()) outcomes[o] = (outcomes[o] ?? 0) + 1;
    const sample: ReactionLedgerReport['sample'] = [];
    const seen = new Set<string>();
    let triggers = 0;
    let missing = 0;
    let from: Position = floor;
    for (;;) {
      const page = clip(await this.store.readAll({ from, maxCount: this.rebuildBatchSize, filter: projection.filter }), position);
      for (const e of page.events) {
        if (!isTrigger(projection, e) || comparePositions(e.globalPosition, floorOf(floors, e.type)) <= 0) continue;
        triggers++;
        seen.add(e.eventId);
        if (!recorded.has(e.eventId)) {
          missing++;
          if (sample.length < 10) sample.push({ kind: 'missing', triggerId: e.eventId });
        }
      }
      if (page.isEnd || comparePositions(page.position, from) <= 0) break;
      from = page.position;
    }
    let unexpected = 0;
    for (const id of recorded.keys()) {
      if (seen.has(id)) continue;
      unexpected++;
      if (sample.length < 10) sample.push({ kind: 'unexpected', triggerId: id });
    }
    return { triggers, recorded: recorded.size, missing, unexpected, outcomes, sample };
  }

  private async installOne(projection: Projection): Promise<void> {
    await this.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('arrears.projections.install'))`);
      const { rows } = await tx.query('SELECT 1 FROM projections WHERE name = $1', [projection.name]);
      if (rows.length) return;
      await this.createTables(tx, projection, 1);
      await this.createViews(tx, projection, 1);
      await tx.query('INSERT INTO projections (name, version, active_generation) VALUES ($1, $2, 1)', [projection.name, projection.version]);
      await tx.query('INSERT INTO projection_checkpoints (name, generation) VALUES ($1, 1)', [projection.name]);
    });
  }

  private async newGeneration(projection: Projection): Promise<number> {
    return this.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('arrears.projections.install'))`);
      const { rows } = await tx.query<{ next: number }>(
        `SELECT greatest(p.active_generation, coalesce(max(c.generation), 0)) + 1 AS next
           FROM projections p LEFT JOIN projection_checkpoints c ON c.name = p.name
          WHERE p.name = $1 GROUP BY p.active_generation`,
        [projection.name],
      );
      const generation = rows[0].next;
      for (const table of Object.keys(projection.tables)) await tx.query(`DROP TABLE IF EXISTS ${physicalTable(table, generation)}`);
      await this.createTables(tx, projection, generation);
      await tx.query(
        `INSERT INTO projection_checkpoints (name, generation) VALUES ($1, $2)
         ON CONFLICT (name, generation) DO UPDATE SET commit_position = 0, prepare_position = 0, updated_at = now()`,
        [projection.name, generation],
      );
      return generation;
    });
  }

  private async createTables(tx: Tx, projection: Projection, generation: number): Promise<void> {
    for (const [table, ddl] of Object.entries(projection.tables)) {
      await tx.query(ddl.replaceAll('{table}', physicalTable(table, generation)));
    }
  }

  private async createViews(tx: Tx, projection: Projection, generation: number): Promise<void> {
    for (const table of Object.keys(projection.tables)) {
      await tx.query(`DROP VIEW IF EXISTS ${table}`);
      await tx.query(`CREATE VIEW ${table} AS SELECT * FROM ${physicalTable(table, generation)}`);
    }
  }

  private async registry(name: string): Promise<{ version: number; active_generation: number; status: string; error: string | null }> {
    const { rows } = await this.pool.query('SELECT version, active_generation, status, error FROM projections WHERE name = $1', [name]);
    if (!rows.length) throw new Error(`projection ${name} is not installed`);
    return rows[0];
  }

  private async readCheckpoint(db: pg.Pool | Tx, name: string, generation: number): Promise<Position> {
    const { rows } = await db.query<{ commit_position: string; prepare_position: string }>(
      'SELECT commit_position, prepare_position FROM projection_checkpoints WHERE name = $1 AND generation = $2',
      [name, generation],
    );
    return rows.length ? { commit: BigInt(rows[0].commit_position), prepare: BigInt(rows[0].prepare_position) } : START;
  }

  private async writeCheckpoint(tx: Tx, name: string, generation: number, position: Position): Promise<void> {
    await tx.query(`UPDATE projection_checkpoints SET commit_position = $3, prepare_position = $4, updated_at = now() WHERE name = $1 AND generation = $2`, [
      name,
      generation,
      String(position.commit),
      String(position.prepare),
    ]);
  }

  /**
   * The runner's transactions commit asynchronously (`synchronous_commit = off`): they write only
   * derived data (rows, checkpoints, ledger rows, all in one transaction), and a crash can lose only
   * the last few hundred milliseconds of them, whole and in order, which the runner then applies
   * again from the older checkpoint. Events themselves are appended by the store with synchronous
   * commit. A reaction whose ledger row was lost is replayed and recognises its own effect by its
   * idempotency key. This keeps each batch from waiting for a WAL flush.
   */
  /**
   * A live batch's transaction in as few round trips as the work allows: BEGIN, the asynchronous
   * commit and both advisory locks (see lockLive) go in one message, and the checkpoint the work
   * leaves in `checkpoint` is written in the same message as COMMIT. Projection names are plain
   * identifiers (checked in the constructor), so they can stand in the text.
   */
  private async liveTransaction<T>(
    name: string,
    work: (tx: Tx, finish: { checkpoint?: { generation: number; position: Position } }) => Promise<T>,
  ): Promise<T> {
    const finish: { checkpoint?: { generation: number; position: Position } } = {};
    return this.transaction(
      (tx) => work(tx, finish),
      `${this.begin()};
       SELECT pg_advisory_xact_lock_shared(hashtext('${REGISTRY_LOCK}${name}'));
       SELECT pg_advisory_xact_lock(hashtext('${BATCH_LOCK}${name}'))`,
      () => {
        const cp = finish.checkpoint;
        return cp
          ? `UPDATE projection_checkpoints SET commit_position = ${BigInt(cp.position.commit)}, prepare_position = ${BigInt(cp.position.prepare)}, updated_at = now()
              WHERE name = '${name}' AND generation = ${Number(cp.generation)}; COMMIT`
          : 'COMMIT';
      },
    );
  }

  private begin(): string {
    return this.options.synchronousCommit ? 'BEGIN' : 'BEGIN; SET LOCAL synchronous_commit = off';
  }

  /** One transaction: `opening` and `closing` are sent as they are (a live batch adds to both). */
  private transaction<T>(work: (tx: Tx) => Promise<T>, opening = this.begin(), closing: () => string = () => 'COMMIT'): Promise<T> {
    return inTransaction(this.pool, work, { begin: opening, commit: closing });
  }

  private state(name: string, generation: number): Live {
    let state = this.live.get(name);
    if (!state) {
      state = {
        generation,
        status: 'stopped',
        checkpoint: START,
        caughtUp: false,
        stored: START,
        storedAt: Date.now(),
        reactionsFrom: START,
        typeFloors: new Map(),
      };
      this.live.set(name, state);
    }
    state.generation = generation;
    return state;
  }

  private require(name: string): Projection {
    const projection = this.byName.get(name);
    if (!projection) throw new Error(`unknown projection ${name}`);
    return projection;
  }

  private log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void {
    this.options.log?.(level, message, fields);
  }
}

/** Where a reacting projection's ledger begins, overall and for the trigger types added later. */
interface LedgerFloor {
  readonly from: Position;
  readonly byType: ReadonlyMap<string, Position>;
}

/** The ledger's start for an event of `type`: the later of the projection's and the type's. */
function floorOf(floor: LedgerFloor, type: string): Position {
  const typed = floor.byType.get(type) ?? floor.byType.get(ANY_TRIGGER);
  return typed && comparePositions(typed, floor.from) > 0 ? typed : floor.from;
}

/** Stands for every event type, for a projection whose triggers are its whole filter and that filter names no types. */
const ANY_TRIGGER = '*';

function triggerTypes(projection: Projection): string[] {
  return [...(projection.triggers ?? projection.filter?.eventTypes ?? [ANY_TRIGGER])];
}

function isTrigger(projection: Projection, event: RecordedEvent): boolean {
  return !projection.triggers || projection.triggers.includes(event.type);
}

/** A reactor with no tables of its own. */
function isPureReactor(projection: Projection): boolean {
  return projection.reacts === true && Object.keys(projection.tables).length === 0;
}

/** A page of `readAll` cut at `limit` (inclusive): what lies past it is left for later. */
function clip(
  page: { events: RecordedEvent[]; position: Position; isEnd: boolean },
  limit: Position,
): { events: RecordedEvent[]; position: Position; isEnd: boolean } {
  const events = page.events.filter((e) => comparePositions(e.globalPosition, limit) <= 0);
  if (events.length < page.events.length || comparePositions(page.position, limit) >= 0) return { events, position: limit, isEnd: true };
  return page;
}
