import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  comparePositions,
  daysBetween,
  formatPosition,
  isDomainError,
  parsePosition,
  RevisionConflictError,
  streamEntityId,
  type Actor,
  type BusinessDate,
  type DomainError,
  type Position,
  type RecordedEvent,
} from '#kernel';
import type { BatchAppendItem, BatchAppendOutcome, CommandContext, CommandResult, EventStore } from '#eventstore';
import { runCommand, type Metrics } from '#platform';
import { loanDecider, type CloseBusinessDay } from '../domain/loan/decide.js';
import type { LoanState, ReportedPosition } from '../domain/loan/events.js';
import type { LoanFacts } from '../domain/position.js';
import type { CalendarCommand, CalendarEvent } from '../domain/calendar.js';
import { LOANS_PROJECTION, loanState } from '../read-model/loan-projection.js';
import type { BusinessCalendar } from './business-calendar.js';
import { contextOf, type Intake, type LoanRepository } from './loan-commands.js';
import { CALENDAR_ID, CALENDAR_STREAM, loanStream } from './streams.js';

export interface EndOfDayOptions {
  /** Loans decided and appended per batch. */
  readonly batchSize?: number;
  /** Single appends in flight when the store has no batched append (EventStoreDB). */
  readonly concurrency?: number;
  /** How long to wait for the read model to reach the close before giving up (the run resumes later). */
  readonly readModelTimeoutMs?: number;
  readonly pollMs?: number;
  /**
   * The command pipeline's metrics, for the calendar's commands and the loans re-decided on their
   * streams; the batched appends count their events in `arrears_events_appended_total` too.
   */
  readonly metrics?: Metrics;
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

type RunStatus = 'waiting' | 'processing' | 'completed' | 'interrupted' | 'failed';

export interface EndOfDayRun {
  readonly businessDate: BusinessDate;
  readonly status: RunStatus;
  readonly candidates: number | null;
  readonly processed: number;
  readonly loansChanged: number;
  readonly events: number;
  readonly conflicts: number;
  readonly duplicates: number;
  readonly errors: number;
  readonly attempts: number;
  readonly lastError: string | null;
  /** Milliseconds per phase of the last attempt: waitMs, selectMs, processMs, completeMs, totalMs. */
  readonly timings: Record<string, number>;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

/** Who the end of day's loan events are recorded as. */
export const END_OF_DAY_ACTOR: Actor = { id: 'loans.end-of-day', role: 'system' };

/** The idempotency key of a date's close on every loan stream (recorded in each event's metadata). */
export const endOfDayKey = (date: BusinessDate) => `eod:${date}`;

/**
 * The id of the `index`-th event a date's end of day appends to a stream: deterministic, so a
 * repeat produces the same ids and the store refuses to hold them twice, and led by the date, so
 * one day's ids sit next to each other in the event-id index instead of all over it (a UUID of
 * version 8: 24 bits of epoch day, then 98 bits of SHA-1 of the date, stream and index).
 */
function endOfDayEventId(date: BusinessDate, streamId: string, index: number): string {
  const hash = createHash('sha1').update(`arrears:end-of-day\u0000${date}\u0000${streamId}\u0000${index}`).digest();
  const day = daysBetween('1970-01-01', date);
  const b = Buffer.alloc(16);
  b[0] = (day >>> 16) & 0xff;
  b[1] = (day >>> 8) & 0xff;
  b[2] = day & 0xff;
  hash.copy(b, 3, 0, 13);
  b[6] = (b[6] & 0x0f) | 0x80;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

interface RunRow {
  business_date: string;
  status: RunStatus;
  fence: string;
  correlation_id: string;
  causation_id: string;
  candidates: number | null;
  cursor_loan_id: string | null;
  processed: number;
  loans_changed: number;
  events: number;
  conflicts: number;
  duplicates: number;
  errors: number;
  attempts: number;
  last_error: string | null;
  timings: Record<string, number>;
  started_at: Date;
  finished_at: Date | null;
}

interface Tally {
  processed: number;
  loansChanged: number;
  events: number;
  conflicts: number;
  duplicates: number;
  errors: number;
}

const RUN_COLUMNS = `business_date::text AS business_date, status, fence, correlation_id, causation_id, candidates, cursor_loan_id, processed,
  loans_changed, events, conflicts, duplicates, errors, attempts, last_error, timings, started_at, finished_at`;

class Interrupted extends Error {}

interface Candidate {
  readonly loan_id: string;
  readonly revision: number;
  readonly state: LoanState;
}

/**
 * The end of day. Closing business date D appends `BusinessDayClosed` on the calendar, then a run
 * evaluates every loan that can change on D:
 *
 * 1. **Fence**: wait until the loans read model has applied everything up to the close event. A
 *    fact recorded after it is dated D and evaluated as of D by its own command.
 * 2. **Select**, set-based, once: active loans whose `quiet_through` is before D (and not yet
 *    evaluated on D) go into `loans_eod_candidates`.
 * 3. **Decide and append** in batches, in loan-id order: the folded state comes from the read model,
 *    the decider's `CloseBusinessDay` decides, and one batched append writes every loan's events
 *    with the read model's revision as the expected revision. A loan whose stream moved on is
 *    re-decided from its stream. Event ids derive from (date, loan, index): a repeat can only be
 *    recognised as a duplicate, never stored twice. After each batch the run records the last loan
 *    done, so a crashed or stopped run resumes after it.
 * 4. **Complete**: `EndOfDayCompleted` opens D + 1.
 */
export class EndOfDay {
  private readonly running = new Map<BusinessDate, Promise<EndOfDayRun | null>>();
  private stopping = false;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly readModelTimeoutMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly store: EventStore,
    private readonly calendar: BusinessCalendar,
    private readonly loans: LoanRepository,
    private readonly options: EndOfDayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 2000;
    this.concurrency = options.concurrency ?? 16;
    this.readModelTimeoutMs = options.readModelTimeoutMs ?? 10 * 60_000;
    this.pollMs = options.pollMs ?? 50;
  }

  /** The calendar command that closes `date`; run it, then `start(date)`. */
  closeCommand(date: BusinessDate, intake: Intake): { streamId: string; command: CalendarCommand; ctx: CommandContext } {
    return {
      streamId: CALENDAR_STREAM,
      command: { type: 'CloseDay', data: { calendarId: CALENDAR_ID, businessDate: date } },
      ctx: contextOf('CloseBusinessDay', intake, date),
    };
  }

  /** Closes `date` on the calendar through the command pipeline (the Kafka intake); then `start(date)`. */
  close(date: BusinessDate, intake: Intake): Promise<CommandResult<CalendarEvent> | DomainError> {
    const { streamId, command, ctx } = this.closeCommand(date, intake);
    return runCommand(this.options.metrics, this.calendar.repository, streamId, command, ctx);
  }

  /** Closes `date` on the calendar and runs its end of day to the end (used by jobs and benchmarks). */
  async closeAndRun(date: BusinessDate, intake: Intake): Promise<EndOfDayRun | DomainError> {
    const closed = await this.close(date, intake);
    if (isDomainError(closed)) return closed;
    const run = await this.run(date);
    if (!run) throw new Error(`the end of day for ${date} is running in another process`);
    return run;
  }

  /** Records the run of a closed date (so its status can be read at once), then launches it. */
  async start(date: BusinessDate): Promise<EndOfDayRun | null> {
    const closed = await this.calendar.closedEvent(date);
    if (closed) await this.insertRun(date, closed);
    this.launch(date);
    return this.status(date);
  }

  /** Starts the run of `date` in the background (a no-op when it already runs here). */
  launch(date: BusinessDate): void {
    if (this.stopping || this.running.has(date)) return;
    void this.run(date).catch((err) => this.log('error', 'end of day failed', { businessDate: date, error: String(err) }));
  }

  /** After a restart: resumes the run of a date that was closed but not completed. */
  async resume(): Promise<BusinessDate | null> {
    const state = await this.calendar.state();
    if (state.status === 'Open' && state.lastClosed) {
      await this.pool.query(
        `UPDATE loans_eod_runs SET status = 'completed', finished_at = coalesce(finished_at, now()), updated_at = now()
          WHERE business_date <= $1 AND status <> 'completed'`,
        [state.lastClosed],
      );
    }
    if (state.status !== 'Closing') return null;
    this.launch(state.closing);
    return state.closing;
  }

  /** Lets the current batch finish, then leaves every run resumable. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running.values()]);
  }

  async status(date: BusinessDate): Promise<EndOfDayRun | null> {
    const { rows } = await this.pool.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM loans_eod_runs WHERE business_date = $1`, [date]);
    return rows.length ? toRun(rows[0]) : null;
  }

  /**
   * Runs (or resumes) the end of day of a closed date to completion. Null when another process holds
   * the run. Safe to call again at any point: nothing is emitted twice.
   */
  run(date: BusinessDate): Promise<EndOfDayRun | null> {
    const existing = this.running.get(date);
    if (existing) return existing;
    const promise = this.runLocked(date).finally(() => this.running.delete(date));
    this.running.set(date, promise);
    return promise;
  }

  private async runLocked(date: BusinessDate): Promise<EndOfDayRun | null> {
    const lock = await this.pool.connect();
    let locked = false;
    try {
      const { rows } = await lock.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(hashtext('loans.end-of-day'), hashtext($1)) AS ok`, [date]);
      locked = rows[0].ok;
      if (!locked) return null;
      return await this.runDay(date);
    } catch (err) {
      const interrupted = err instanceof Interrupted;
      await this.pool
        .query(`UPDATE loans_eod_runs SET status = $2, last_error = $3, updated_at = now() WHERE business_date = $1 AND status <> 'completed'`, [
          date,
          interrupted ? 'interrupted' : 'failed',
          interrupted ? null : String(err instanceof Error ? err.message : err),
        ])
        .catch(() => undefined);
      if (interrupted) return this.status(date);
      throw err;
    } finally {
      if (locked) await lock.query(`SELECT pg_advisory_unlock(hashtext('loans.end-of-day'), hashtext($1))`, [date]).catch(() => undefined);
      lock.release();
    }
  }

  private async runDay(date: BusinessDate): Promise<EndOfDayRun> {
    const started = Date.now();
    const timings: Record<string, number> = {};
    const state = await this.calendar.state();
    if (!(state.status === 'Closing' && state.closing === date)) {
      const done = await this.status(date);
      if (done && state.status !== 'NotStarted' && state.lastClosed && state.lastClosed >= date) {
        if (done.status !== 'completed')
          await this.pool.query(`UPDATE loans_eod_runs SET status = 'completed', finished_at = now() WHERE business_date = $1`, [date]);
        return (await this.status(date))!;
      }
      throw new Error(`${date} is not being closed (calendar: ${JSON.stringify(state)})`);
    }
    let run = await this.openRun(date);

    // 1. Fence: the read model has applied every event up to the close.
    let t = Date.now();
    await this.waitForReadModel(parsePosition(run.fence));
    timings.waitMs = Date.now() - t;

    // 2. Select the loans that can change on the date, once.
    t = Date.now();
    if (run.candidates === null) run = await this.select(date);
    timings.selectMs = Date.now() - t;

    // 3. Decide and append, batch by batch, from where the last attempt stopped.
    t = Date.now();
    const tally: Tally = {
      processed: run.processed,
      loansChanged: run.loans_changed,
      events: run.events,
      conflicts: run.conflicts,
      duplicates: run.duplicates,
      errors: run.errors,
    };
    // Every loan's close, appended in a batch or re-decided through the pipeline: one context, so
    // the same metadata and (date-led) event ids either way.
    const ctx: CommandContext = {
      command: 'CloseBusinessDay',
      actor: END_OF_DAY_ACTOR,
      occurredAt: date,
      correlationId: run.correlation_id,
      causationId: run.causation_id,
      idempotencyKey: endOfDayKey(date),
      extra: { businessDate: date },
      eventIds: (streamId, index) => endOfDayEventId(date, streamId, index),
    };
    const cursor = run.cursor_loan_id ?? '';
    const stages = { fetchWaitMs: 0, decideMs: 0, appendWaitMs: 0 };
    // A three-stage pipeline: the database reads batch k+1 and appends batch k-1 while batch k is
    // decided here. Appends (and the resume point after each) stay strictly in order.
    let next = this.fetch(date, cursor);
    next.catch(() => undefined); // awaited below; a failure there is handled there
    let appending: Promise<void> | null = null;
    try {
      for (;;) {
        let s0 = Date.now();
        const rows = await next;
        stages.fetchWaitMs += Date.now() - s0;
        if (rows.length === 0) break;
        if (this.stopping) throw new Interrupted(`stopped before loan ${rows[0].loan_id}`);
        const last = rows[rows.length - 1].loan_id;
        next = this.fetch(date, last);
        next.catch(() => undefined);
        s0 = Date.now();
        const items = this.decideBatch(date, rows, ctx, tally);
        stages.decideMs += Date.now() - s0;
        s0 = Date.now();
        if (appending) await appending;
        stages.appendWaitMs += Date.now() - s0;
        appending = this.appendBatch(date, items, ctx, tally).then(() => {
          tally.processed += rows.length;
          return this.checkpoint(date, last, tally);
        });
        appending.catch(() => undefined);
      }
      const s0 = Date.now();
      if (appending) await appending;
      stages.appendWaitMs += Date.now() - s0;
    } finally {
      // Never leave an append running behind a stopped or failed run: the next run starts clean.
      if (appending) await appending.catch(() => undefined);
    }
    Object.assign(timings, stages);
    timings.processMs = Date.now() - t;

    // 4. Complete: the calendar opens the next day.
    t = Date.now();
    const completed = await runCommand(
      this.options.metrics,
      this.calendar.repository,
      CALENDAR_STREAM,
      {
        type: 'CompleteEndOfDay',
        data: { calendarId: CALENDAR_ID, businessDate: date, candidates: run.candidates ?? 0, loansChanged: tally.loansChanged, events: tally.events },
      },
      {
        command: 'CompleteEndOfDay',
        actor: END_OF_DAY_ACTOR,
        occurredAt: date,
        correlationId: run.correlation_id,
        causationId: run.causation_id,
        idempotencyKey: `eod-completed:${date}`,
        extra: { businessDate: date },
      },
    );
    if (isDomainError(completed)) throw new Error(`completing ${date}: ${completed.code} ${completed.message}`);
    timings.completeMs = Date.now() - t;
    timings.totalMs = Date.now() - started;
    await this.pool.query(
      `UPDATE loans_eod_runs SET status = 'completed', timings = $2, finished_at = now(), updated_at = now(), last_error = NULL WHERE business_date = $1`,
      [date, JSON.stringify(timings)],
    );
    await this.pool.query('DELETE FROM loans_eod_candidates WHERE business_date = $1', [date]);
    this.log('info', 'end of day completed', { businessDate: date, ...tally, candidates: run.candidates, ...timings });
    return (await this.status(date))!;
  }

  /** The run's row, created from the calendar's close event on the first attempt. */
  private async openRun(date: BusinessDate): Promise<RunRow> {
    const { rows: existing } = await this.pool.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM loans_eod_runs WHERE business_date = $1`, [date]);
    if (!existing.length) {
      const closed = await this.calendar.closedEvent(date);
      if (!closed) throw new Error(`no BusinessDayClosed event for ${date}`);
      await this.insertRun(date, closed);
    }
    const { rows } = await this.pool.query<RunRow>(
      `UPDATE loans_eod_runs SET attempts = attempts + 1, status = CASE WHEN candidates IS NULL THEN 'waiting' ELSE 'processing' END,
              last_error = NULL, updated_at = now()
        WHERE business_date = $1 RETURNING ${RUN_COLUMNS}`,
      [date],
    );
    return rows[0];
  }

  private async insertRun(date: BusinessDate, closed: RecordedEvent): Promise<void> {
    await this.pool.query(
      `INSERT INTO loans_eod_runs (business_date, status, fence, correlation_id, causation_id) VALUES ($1, 'waiting', $2, $3, $4)
       ON CONFLICT (business_date) DO NOTHING`,
      [date, formatPosition(closed.globalPosition), closed.metadata.correlationId, closed.eventId],
    );
  }

  private async waitForReadModel(fence: Position): Promise<void> {
    const deadline = Date.now() + this.readModelTimeoutMs;
    for (;;) {
      const { rows } = await this.pool.query<{ status: string; commit_position: string; prepare_position: string }>(
        `SELECT p.status, c.commit_position::text AS commit_position, c.prepare_position::text AS prepare_position
           FROM projections p JOIN projection_checkpoints c ON c.name = p.name AND c.generation = p.active_generation
          WHERE p.name = $1`,
        [LOANS_PROJECTION],
      );
      const row = rows[0];
      if (row?.status === 'halted') throw new Error(`the ${LOANS_PROJECTION} read model is halted; the end of day resumes after it is fixed`);
      if (row && comparePositions({ commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) }, fence) >= 0) return;
      if (this.stopping) throw new Interrupted('stopped while waiting for the read model');
      if (Date.now() > deadline) throw new Error(`the ${LOANS_PROJECTION} read model did not reach ${formatPosition(fence)} in time`);
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  private async select(date: BusinessDate): Promise<RunRow> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO loans_eod_candidates (business_date, loan_id)
         SELECT $1::date, loan_id FROM rm_loans WHERE status = 'active' AND quiet_through < $1::date AND as_of < $1::date
         ON CONFLICT DO NOTHING`,
        [date],
      );
      const { rows } = await client.query<RunRow>(
        `UPDATE loans_eod_runs SET candidates = (SELECT count(*) FROM loans_eod_candidates WHERE business_date = $1), status = 'processing',
                updated_at = now()
          WHERE business_date = $1 RETURNING ${RUN_COLUMNS}`,
        [date],
      );
      await client.query('COMMIT');
      return rows[0];
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** The next batch of candidates with their folded state, read from the read model. */
  private async fetch(date: BusinessDate, after: string): Promise<Candidate[]> {
    const { rows } = await this.pool.query<{
      loan_id: string;
      revision: number;
      status: string;
      reported: ReportedPosition;
      quiet_through: string | null;
      facts: LoanFacts;
    }>(
      `SELECT c.loan_id, l.revision, l.status, l.reported, l.quiet_through::text AS quiet_through, f.facts
         FROM loans_eod_candidates c
         JOIN rm_loans l ON l.loan_id = c.loan_id
         JOIN rm_loan_facts f ON f.loan_id = c.loan_id
        WHERE c.business_date = $1 AND c.loan_id > $2
        ORDER BY c.loan_id
        LIMIT $3`,
      [date, after, this.batchSize],
    );
    return rows.map((r) => ({ loan_id: r.loan_id, revision: r.revision, state: loanState(r, r.facts) }));
  }

  /** Decides the close of `date` for each candidate on its folded state; the loans with something to report. */
  private decideBatch(date: BusinessDate, rows: readonly Candidate[], ctx: CommandContext, tally: Tally): BatchAppendItem[] {
    const items: BatchAppendItem[] = [];
    for (const row of rows) {
      const command: CloseBusinessDay = { type: 'CloseBusinessDay', data: { loanId: row.loan_id, businessDate: date } };
      const decided = loanDecider.decide(command, row.state);
      if (isDomainError(decided)) {
        tally.errors += 1;
        this.log('warn', 'end of day refused for a loan', { businessDate: date, loanId: row.loan_id, code: decided.code });
        continue;
      }
      if (decided.length === 0) continue;
      const streamId = loanStream(row.loan_id);
      items.push({ streamId, events: this.loans.newEvents(streamId, decided, ctx), expected: row.revision });
    }
    return items;
  }

  /** Appends a batch; a loan whose stream moved on since the read model saw it is decided again on its stream. */
  private async appendBatch(date: BusinessDate, items: readonly BatchAppendItem[], ctx: CommandContext, tally: Tally): Promise<void> {
    if (items.length === 0) return;
    const outcomes = await this.append(items);
    let appended = 0;
    for (const [i, outcome] of outcomes.entries()) {
      const item = items[i];
      if (outcome.ok) {
        if (outcome.result.duplicate) tally.duplicates += 1;
        else {
          tally.loansChanged += 1;
          tally.events += item.events.length;
          appended += item.events.length;
        }
        continue;
      }
      if (!(outcome.error instanceof RevisionConflictError)) {
        tally.errors += 1;
        this.log('error', 'end of day append failed for a loan', { businessDate: date, streamId: item.streamId, error: outcome.error.message });
        continue;
      }
      tally.conflicts += 1;
      // The pipeline counts what the re-decision appends.
      const retried = await runCommand(
        this.options.metrics,
        this.loans,
        item.streamId,
        { type: 'CloseBusinessDay', data: { loanId: streamEntityId(item.streamId), businessDate: date } },
        ctx,
      );
      if (isDomainError(retried)) tally.errors += 1;
      else if (retried.duplicate) tally.duplicates += 1;
      else if (retried.events.length) {
        tally.loansChanged += 1;
        tally.events += retried.events.length;
      }
    }
    if (appended) this.options.metrics?.appendedEvents.inc({ category: 'loans.loan' }, appended);
  }

  /** The resume point: every candidate up to `cursor` is done. */
  private async checkpoint(date: BusinessDate, cursor: string, tally: Tally): Promise<void> {
    await this.pool.query(
      `UPDATE loans_eod_runs SET cursor_loan_id = $2, processed = $3, loans_changed = $4, events = $5, conflicts = $6, duplicates = $7, errors = $8,
              updated_at = now()
        WHERE business_date = $1`,
      [date, cursor, tally.processed, tally.loansChanged, tally.events, tally.conflicts, tally.duplicates, tally.errors],
    );
  }

  /** One batched append where the store has it; otherwise single appends, a few in flight. */
  private async append(items: readonly BatchAppendItem[]): Promise<BatchAppendOutcome[]> {
    if (this.store.appendMany) return this.store.appendMany(items);
    const outcomes: BatchAppendOutcome[] = new Array(items.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(this.concurrency, items.length) }, async () => {
        for (let i = next++; i < items.length; i = next++) {
          const { streamId, events, expected } = items[i];
          try {
            outcomes[i] = { ok: true, result: await this.store.appendToStream(streamId, events, expected) };
          } catch (err) {
            if (!(err instanceof Error) || !('code' in err)) throw err;
            outcomes[i] = { ok: false, error: err };
          }
        }
      }),
    );
    return outcomes;
  }

  private log(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void {
    this.options.log?.(level, message, fields);
  }
}

function toRun(r: RunRow): EndOfDayRun {
  return {
    businessDate: r.business_date,
    status: r.status,
    candidates: r.candidates,
    processed: r.processed,
    loansChanged: r.loans_changed,
    events: r.events,
    conflicts: r.conflicts,
    duplicates: r.duplicates,
    errors: r.errors,
    attempts: r.attempts,
    lastError: r.last_error,
    timings: r.timings,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
  };
}
