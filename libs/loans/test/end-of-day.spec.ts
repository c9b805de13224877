import { comparePositions, fold, isDomainError, type BusinessDate } from '#kernel';
import { PostgresEventStore, type EventStore } from '#eventstore';
import { ProjectionRunner } from '#projections';
import {
  BusinessCalendar,
  CALENDAR_ID,
  DEFAULT_PRODUCT_SETTINGS,
  EndOfDay,
  LOANS_PROJECTION,
  LoanCommandHandlers,
  loanDecider,
  loansProjection,
  type Intake,
  type LoanEvent,
} from '#loans';
import { testDatabase, type TestDatabase } from '#test-support/database.js';
import { quietThroughOf, type ActiveLoan } from '../src/domain/loan/events.js';
import { onCalendar, startBusinessCalendar, twoMonthLoan } from './fixtures.js';

/**
 * The end of day against a real Postgres: set-based selection from the read model, batched
 * appends, resumption after a crash without emitting twice, loans that moved on since the read
 * model saw them, and the path for stores without a batched append.
 */
const intake: Intake = { actor: { id: 'core-banking', role: 'service' }, receivedAt: '2024-02-14T09:00:00.000Z' };
const schedule = (first: string, second: string) => [
  { seq: 1, dueDate: first, principal: 100_000, interest: 3_000 },
  { seq: 2, dueDate: second, principal: 100_000, interest: 2_000 },
];

interface World {
  db: TestDatabase;
  store: PostgresEventStore;
  runner: ProjectionRunner;
  calendar: BusinessCalendar;
  handlers: LoanCommandHandlers;
  endOfDay(options?: { store?: EventStore; batchSize?: number }): EndOfDay;
  caughtUp(): Promise<void>;
  eodTypes(loanId: string, date: BusinessDate): Promise<string[]>;
  close(): Promise<void>;
}

async function world(): Promise<World> {
  const db = await testDatabase();
  const store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
  const runner = new ProjectionRunner(db.pool, store, [loansProjection]);
  const calendar = new BusinessCalendar(store);
  const handlers = new LoanCommandHandlers(store, calendar);
  await startBusinessCalendar(calendar, '2024-02-14', intake.actor, intake.receivedAt);
  return {
    db,
    store,
    runner,
    calendar,
    handlers,
    endOfDay: (options = {}) => new EndOfDay(db.pool, options.store ?? store, calendar, handlers.repository, { batchSize: options.batchSize ?? 2, pollMs: 10 }),
    async caughtUp() {
      // The newest committed event, read directly: `headPosition` stops at the cluster-wide read
      // horizon, which another database's open transaction can hold back.
      const { rows: last } = await db.pool.query(
        `SELECT tx_id::text AS c, global_position::text AS p FROM es_events ORDER BY tx_id DESC, global_position DESC LIMIT 1`,
      );
      const head = { commit: BigInt(last[0].c), prepare: BigInt(last[0].p) };
      for (;;) {
        const { rows } = await db.pool.query(`SELECT commit_position::text AS c, prepare_position::text AS p FROM projection_checkpoints WHERE name = $1`, [
          LOANS_PROJECTION,
        ]);
        if (comparePositions({ commit: BigInt(rows[0].c), prepare: BigInt(rows[0].p) }, head) >= 0) return;
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async eodTypes(loanId, date) {
      return (await store.readStream(`loans.loan-${loanId}`)).filter((e) => e.metadata.idempotencyKey === `eod:${date}`).map((e) => e.type);
    },
    async close() {
      await runner.stop();
      await store.close();
      await db.close();
    },
  };
}

async function register(w: World, loanId: string, first: string, second: string, penalty = false) {
  const result = await w.handlers.dispatch(
    await w.handlers.registerLoan(
      {
        ...twoMonthLoan(loanId, '2024-01-10'),
        schedule: schedule(first, second),
        ...(penalty ? { product: { ...DEFAULT_PRODUCT_SETTINGS, penaltyAnnualRateBps: 1825 } } : {}),
      },
      intake,
    ),
  );
  if (isDomainError(result)) throw new Error(result.code);
}

/** Closes the business day on the calendar only, without running its end of day. */
const closeCalendarDay = (w: World, businessDate: BusinessDate) =>
  onCalendar(w.calendar, { type: 'CloseDay', data: { calendarId: CALENDAR_ID, businessDate } }, 'CloseBusinessDay', intake.actor, intake.receivedAt);

async function closeDay(w: World, date: BusinessDate, endOfDay = w.endOfDay()) {
  const result = await endOfDay.closeAndRun(date, intake);
  if (isDomainError(result)) throw new Error(`${date}: ${result.code}`);
  return result;
}

/** Six loans; on Feb 15 (closing the 14th first) loans due on the 14th turn delinquent. */
async function portfolio(w: World) {
  for (const id of ['a', 'b', 'c', 'd']) await register(w, id, '2024-02-14', '2024-03-14');
  await register(w, 'pen', '2024-02-14', '2024-03-14', true);
  await register(w, 'quiet', '2024-02-20', '2024-03-20');
}

describe('end of day', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(async () => {
    await w.close();
  });

  it('selects only the loans that can change, emits their events once each, and opens the next day', async () => {
    await portfolio(w);
    await w.runner.start();
    const feb14 = await closeDay(w, '2024-02-14');
    expect(feb14).toMatchObject({ status: 'completed', candidates: 0, loansChanged: 0 });
    await w.caughtUp();
    const feb15 = await closeDay(w, '2024-02-15');
    // `quiet` is not due before Feb 20: never selected, never read.
    expect(feb15).toMatchObject({ status: 'completed', candidates: 5, processed: 5, loansChanged: 5, events: 11, conflicts: 0, duplicates: 0 });
    for (const id of ['a', 'b', 'c', 'd']) expect(await w.eodTypes(id, '2024-02-15')).toEqual(['LoanBecameDelinquent', 'DelinquencyStageChanged']);
    expect(await w.eodTypes('pen', '2024-02-15')).toEqual(['PenaltyAccrued', 'LoanBecameDelinquent', 'DelinquencyStageChanged']);
    expect(await w.eodTypes('quiet', '2024-02-15')).toEqual([]);
    expect(await w.calendar.state()).toEqual({ status: 'Open', openBusinessDate: '2024-02-16', lastClosed: '2024-02-15' });

    // The next day only the penalty loan changes, and only it is selected.
    await w.caughtUp();
    expect(await closeDay(w, '2024-02-16')).toMatchObject({ candidates: 1, loansChanged: 1, events: 1 });
    // Running a completed day again does nothing.
    expect(await w.endOfDay().run('2024-02-16')).toMatchObject({ status: 'completed', events: 1 });
    expect(await w.eodTypes('pen', '2024-02-16')).toEqual(['PenaltyAccrued']);
  });

  it('resumes after a crash between the append and the recorded progress, emitting nothing twice', async () => {
    await portfolio(w);
    await w.runner.start();
    await closeDay(w, '2024-02-14');
    await w.caughtUp();
    // Close the 15th, let the read model reach the close, then stop it: the resumed run sees stale state.
    const closed = await closeCalendarDay(w, '2024-02-15');
    expect(isDomainError(closed)).toBe(false);
    await w.caughtUp();
    await w.runner.stop();

    let appends = 0;
    const crashing = Object.create(w.store) as PostgresEventStore;
    crashing.appendMany = async (items) => {
      const outcomes = await w.store.appendMany(items);
      if (++appends === 2) throw new Error('process killed after the append committed');
      return outcomes;
    };
    await expect(w.endOfDay({ store: crashing }).run('2024-02-15')).rejects.toThrow('process killed');
    expect(await w.endOfDay().status('2024-02-15')).toMatchObject({ status: 'failed', processed: 2 });
    // Four loans' events are in the store (two batches of two), the resume point is after the first two.
    expect((await Promise.all(['a', 'b', 'c', 'd', 'pen'].map((id) => w.eodTypes(id, '2024-02-15')))).filter((t) => t.length).length).toBe(4);

    const resumed = await w.endOfDay().run('2024-02-15');
    expect(resumed).toMatchObject({ status: 'completed', attempts: 2, processed: 5, duplicates: 2 });
    for (const id of ['a', 'b', 'c', 'd']) expect(await w.eodTypes(id, '2024-02-15')).toEqual(['LoanBecameDelinquent', 'DelinquencyStageChanged']);
    expect(await w.eodTypes('pen', '2024-02-15')).toEqual(['PenaltyAccrued', 'LoanBecameDelinquent', 'DelinquencyStageChanged']);
    // Every stream folds to the same state as deciding the close once.
    const folded = fold(loanDecider.evolve, loanDecider.initialState(), (await w.store.readStream('loans.loan-a')) as unknown as LoanEvent[]);
    expect(folded).toMatchObject({ reported: { asOf: '2024-02-15', stage: 'M1', delinquent: true } });
  });

  it('decides a loan whose stream moved on since the read model saw it on its stream', async () => {
    await portfolio(w);
    await w.runner.start();
    await closeDay(w, '2024-02-14');
    const closed = await closeCalendarDay(w, '2024-02-15');
    expect(isDomainError(closed)).toBe(false);
    await w.caughtUp();
    await w.runner.stop();
    // Late fact of the 15th, after the fence: `b` pays its installment in full, valued on the due date.
    const paid = await w.handlers.dispatch(await w.handlers.postPayment('b', { reference: 'TX-B', amount: 103_000, valueDate: '2024-02-14' }, intake));
    expect(isDomainError(paid) ? paid.code : paid.events.map((e) => e.type)).toEqual(['PaymentReceived']);

    const run = await w.endOfDay().run('2024-02-15');
    expect(run).toMatchObject({ status: 'completed', candidates: 5, conflicts: 1, loansChanged: 4 });
    expect(await w.eodTypes('b', '2024-02-15')).toEqual([]);
    expect(await w.eodTypes('a', '2024-02-15')).toEqual(['LoanBecameDelinquent', 'DelinquencyStageChanged']);
  });

  it('appends one stream at a time where the store has no batched append', async () => {
    await portfolio(w);
    await w.runner.start();
    const single = Object.create(w.store) as PostgresEventStore;
    Object.defineProperty(single, 'appendMany', { value: undefined });
    await closeDay(w, '2024-02-14', w.endOfDay({ store: single }));
    await w.caughtUp();
    expect(await closeDay(w, '2024-02-15', w.endOfDay({ store: single }))).toMatchObject({ candidates: 5, loansChanged: 5, events: 11 });
    expect(await w.eodTypes('pen', '2024-02-15')).toEqual(['PenaltyAccrued', 'LoanBecameDelinquent', 'DelinquencyStageChanged']);
  });

  it('keeps the read model equal to the decider’s fold of each stream, and a rebuild to the live rows', async () => {
    await portfolio(w);
    await w.runner.start();
    await closeDay(w, '2024-02-14');
    await w.caughtUp();
    await closeDay(w, '2024-02-15');
    const paid = await w.handlers.dispatch(await w.handlers.postPayment('c', { reference: 'TX-C', amount: 50_000, valueDate: '2024-02-16' }, intake));
    expect(isDomainError(paid)).toBe(false);
    await w.caughtUp();
    await closeDay(w, '2024-02-16');
    await w.caughtUp();

    const rows = async () =>
      (
        await w.db.pool.query(
          `SELECT l.*, l.as_of::text AS as_of, l.quiet_through::text AS quiet_through, l.dpd_since::text AS dpd_since, l.next_due_date::text AS next_due_date,
                  l.registered_on::text AS registered_on, l.disbursement_date::text AS disbursement_date, f.facts
             FROM rm_loans l JOIN rm_loan_facts f USING (loan_id) ORDER BY loan_id`,
        )
      ).rows;
    const live = await rows();
    expect(live.map((r) => r.loan_id)).toEqual(['a', 'b', 'c', 'd', 'pen', 'quiet']);
    for (const row of live) {
      const events = (await w.store.readStream(`loans.loan-${row.loan_id}`)) as unknown as LoanEvent[];
      const folded = fold(loanDecider.evolve, loanDecider.initialState(), events) as ActiveLoan;
      // The fold leaves the quiet date to be derived when asked for; the row stores it derived.
      const state = { ...folded, quietThrough: quietThroughOf(folded) };
      expect({
        loan: row.loan_id,
        state: { status: row.status === 'paid_off' ? 'PaidOff' : 'Active', facts: row.facts, reported: row.reported, quietThrough: row.quiet_through },
      }).toEqual({
        loan: row.loan_id,
        state: JSON.parse(JSON.stringify(state)),
      });
      expect(Number(row.revision)).toBe(events.length - 1);
    }
    const c = live.find((r) => r.loan_id === 'c');
    expect(c).toMatchObject({ stage: 'M1', as_of: '2024-02-16', outstanding: 205_000 - 50_000, overdue_amount: 103_000 - 50_000 });

    const aging = async () => (await w.db.pool.query(`SELECT business_date::text, stage, loans, balance FROM rm_loan_aging ORDER BY 1, 2`)).rows;
    const before = await aging();
    expect(before.filter((r) => r.business_date === '2024-02-16' && r.loans > 0)).toEqual([
      { business_date: '2024-02-16', stage: 'M0', loans: 1, balance: 205_000 },
      { business_date: '2024-02-16', stage: 'M1', loans: 5, balance: 5 * 205_000 - 50_000 + 100 },
    ]);
    await w.runner.rebuild(LOANS_PROJECTION);
    expect(await rows()).toEqual(live);
    expect(await aging()).toEqual(before);
  });
});
