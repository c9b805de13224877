import { addDays, compareDates, streamEntityId, type BusinessDate, type RecordedEvent } from '#kernel';
import { bulkUpsert, type Projection, type ProjectionContext } from '#projections';
import type { CalendarEvent } from '../domain/calendar.js';
import { BOUNDED_STAGES, type DelinquencyStage } from '../domain/delinquency.js';
import {
  evolve,
  initialLoanState,
  type ActiveLoan,
  type LoanEvent,
  type LoanState,
  type PaidOffLoan,
  type ReportedPosition,
  type WrittenOffLoan,
} from '../domain/loan/events.js';
import { project, type LoanFacts } from '../domain/position.js';
import { CALENDAR_ID, LOANS_STREAM_PREFIXES } from '../application/streams.js';

/**
 * The Loans read model, one projection with five tables, written in the same transaction as its
 * checkpoint (eventually consistent with the store):
 *
 * - `rm_loans`: one row per loan with the columns queries and the end of day select on, and the
 *   aggregate's reported position (`reported`). `as_of` is the last business date the loan was
 *   evaluated on; `quiet_through` is the date through which nothing reportable can change without
 *   a new fact (null: never, e.g. paid off), so the end of day for D selects
 *   `status = 'active' AND quiet_through < D`. DPD grows by one a day between evaluations while
 *   `dpd_since` is set (DPD on date X = X - dpd_since). The end of day's own changes (penalty,
 *   stages) touch no indexed column but `stage`, so most of its updates are HOT (fillfactor 80).
 * - `rm_loan_facts`: the loan's facts (terms, product, schedule, payments, holds, restructurings),
 *   rewritten only when a fact arrives. With `rm_loans` it is exactly the decider's folded state.
 * - `rm_loan_stage_totals`: loans and outstanding balance per stage over active loans, right now.
 * - `rm_loan_aging`: the same totals frozen when each business date's end of day completes.
 * - `rm_loan_calendar`: the business calendar as the read model has seen it.
 */
export const LOANS_PROJECTION = 'loans';

export const STAGES: readonly DelinquencyStage[] = [...BOUNDED_STAGES, 'M6+'];

/** A written-off loan is off the books: not active, never selected by the end of day. */
export type LoanStatus = 'active' | 'paid_off' | 'written_off';

export interface LoanRow {
  readonly loan_id: string;
  readonly customer_id: string;
  readonly product_code: string;
  readonly principal: number;
  readonly outstanding: number;
  readonly overdue_amount: number;
  readonly penalty_accrued: number;
  readonly dpd: number;
  readonly dpd_since: BusinessDate | null;
  readonly stage: DelinquencyStage;
  readonly status: LoanStatus;
  readonly delinquent: boolean;
  readonly disbursement_date: BusinessDate;
  readonly registered_on: BusinessDate;
  readonly as_of: BusinessDate;
  readonly next_due_date: BusinessDate | null;
  readonly quiet_through: BusinessDate | null;
  readonly revision: number;
  readonly reported: ReportedPosition;
  [column: string]: unknown;
}

const LOANS_DDL = `
  CREATE TABLE {table} (
    loan_id           text PRIMARY KEY,
    customer_id       text NOT NULL,
    product_code      text NOT NULL,
    principal         bigint NOT NULL,
    outstanding       bigint NOT NULL,
    overdue_amount    bigint NOT NULL,
    penalty_accrued   bigint NOT NULL,
    dpd               integer NOT NULL,
    dpd_since         date,
    stage             text NOT NULL,
    status            text NOT NULL,
    delinquent        boolean NOT NULL,
    disbursement_date date NOT NULL,
    registered_on     date NOT NULL,
    as_of             date NOT NULL,
    next_due_date     date,
    quiet_through     date,
    revision          bigint NOT NULL,
    reported          jsonb NOT NULL
  ) WITH (fillfactor = 80);
  CREATE INDEX {table}_stage ON {table} (stage, loan_id);
  CREATE INDEX {table}_customer ON {table} (customer_id, loan_id);
  CREATE INDEX {table}_product ON {table} (product_code, loan_id)`;

const FACTS_DDL = `CREATE TABLE {table} (loan_id text PRIMARY KEY, facts jsonb NOT NULL)`;

const TOTALS_DDL = `CREATE TABLE {table} (stage text PRIMARY KEY, loans bigint NOT NULL, balance bigint NOT NULL)`;

const AGING_DDL = `
  CREATE TABLE {table} (
    business_date date NOT NULL,
    stage         text NOT NULL,
    loans         bigint NOT NULL,
    balance       bigint NOT NULL,
    PRIMARY KEY (business_date, stage)
  )`;

const CALENDAR_DDL = `
  CREATE TABLE {table} (
    calendar_id         text PRIMARY KEY,
    open_business_date  date NOT NULL,
    last_closed         date,
    closing             date,
    last_completed      date
  )`;

/** The row of a registered loan: its folded state plus what queries and the end of day select on. */
export function loanRow(state: ActiveLoan | PaidOffLoan | WrittenOffLoan, revision: number, registeredOn: BusinessDate): LoanRow {
  const { facts, reported } = state;
  const asOf = reported.asOf;
  const position = project(facts, asOf);
  const tomorrow = addDays(asOf, 1);
  const paused =
    !facts.product.holdDaysCountTowardDpd &&
    facts.holds.some((h) => compareDates(h.from, tomorrow) <= 0 && (h.to === null || compareDates(h.to, tomorrow) > 0));
  const next = position.installments
    .filter((i) => i.replacedBy === null && i.principal - i.paidPrincipal + i.interest - i.paidInterest > 0 && compareDates(i.dueDate, asOf) >= 0)
    .map((i) => i.dueDate)
    .sort(compareDates)[0];
  const writtenOff = state.status === 'WrittenOff';
  return {
    loan_id: facts.terms.loanId,
    customer_id: facts.terms.customerId,
    product_code: facts.terms.productCode,
    principal: facts.terms.principal,
    outstanding: writtenOff ? offBookBalance(facts) : position.outstandingAmount,
    overdue_amount: position.overdueAmount,
    penalty_accrued: reported.penaltyAccrued,
    dpd: position.dpd,
    dpd_since: position.dpd > 0 && !paused && !position.paidOff && !writtenOff ? addDays(asOf, -position.dpd) : null,
    stage: reported.stage,
    status: state.status === 'PaidOff' ? 'paid_off' : writtenOff ? 'written_off' : 'active',
    delinquent: reported.delinquent,
    disbursement_date: facts.terms.disbursementDate,
    registered_on: registeredOn,
    as_of: asOf,
    next_due_date: next ?? null,
    quiet_through: state.quietThrough !== undefined ? state.quietThrough : position.quietThrough,
    revision,
    reported,
  };
}

/** The folded aggregate state from its two read-model parts. */
export function loanState(
  row: { status: string; reported: ReportedPosition; quiet_through: BusinessDate | null },
  facts: LoanFacts,
): ActiveLoan | PaidOffLoan | WrittenOffLoan {
  const status = row.status === 'paid_off' ? 'PaidOff' : row.status === 'written_off' ? 'WrittenOff' : 'Active';
  return { status, facts, reported: row.reported, quietThrough: row.quiet_through };
}

/** What a written-off loan still owes off the books: the amount written off less what was recovered. */
export function offBookBalance(facts: LoanFacts): number {
  const w = facts.writeOff;
  if (!w?.writtenOff) return 0;
  return Math.max(0, w.writtenOff.amount - w.recoveries.reduce((s, r) => s + r.amount, 0));
}

interface Entry {
  state: LoanState;
  /** The facts as stored; rewritten only when a fact event replaced them. */
  storedFacts: LoanFacts | null;
  revision: number;
  registeredOn: BusinessDate | null;
  /** What this loan adds to the stage totals now (active loans only). */
  counted: { stage: DelinquencyStage; balance: number } | null;
  row?: LoanRow;
}

interface CalendarRow {
  calendar_id: string;
  open_business_date: BusinessDate;
  last_closed: BusinessDate | null;
  closing: BusinessDate | null;
  last_completed: BusinessDate | null;
  [column: string]: unknown;
}

const isLoanStream = (streamId: string) => streamId.startsWith('loans.loan-');

export const loansProjection: Projection = {
  name: LOANS_PROJECTION,
  version: 1,
  filter: { streamPrefixes: [...LOANS_STREAM_PREFIXES] },
  tables: { rm_loans: LOANS_DDL, rm_loan_facts: FACTS_DDL, rm_loan_stage_totals: TOTALS_DDL, rm_loan_aging: AGING_DDL, rm_loan_calendar: CALENDAR_DDL },

  async apply(ctx: ProjectionContext, events: readonly RecordedEvent[]): Promise<void> {
    const loansTable = ctx.table('rm_loans');
    const factsTable = ctx.table('rm_loan_facts');
    const totalsTable = ctx.table('rm_loan_stage_totals');
    const ids = [...new Set(events.filter((e) => isLoanStream(e.streamId)).map((e) => streamEntityId(e.streamId)))];
    const entries = new Map<string, Entry>();
    if (ids.length) {
      const { rows } = await ctx.query<{
        loan_id: string;
        revision: number;
        registered_on: string;
        stage: DelinquencyStage;
        status: string;
        outstanding: number;
        reported: ReportedPosition;
        quiet_through: string | null;
        facts: LoanFacts;
      }>(
        `SELECT l.loan_id, l.revision, l.registered_on::text AS registered_on, l.stage, l.status, l.outstanding, l.reported,
                l.quiet_through::text AS quiet_through, f.facts
           FROM ${loansTable} l JOIN ${factsTable} f ON f.loan_id = l.loan_id
          WHERE l.loan_id = ANY ($1::text[])`,
        [ids],
      );
      for (const r of rows) {
        entries.set(r.loan_id, {
          state: loanState(r, r.facts),
          storedFacts: r.facts,
          revision: r.revision,
          registeredOn: r.registered_on,
          counted: r.status === 'active' ? { stage: r.stage, balance: r.outstanding } : null,
        });
      }
    }
    const hasCalendarEvents = events.some((e) => !isLoanStream(e.streamId));
    const totals = new Map<DelinquencyStage, { loans: number; balance: number }>(STAGES.map((s) => [s, { loans: 0, balance: 0 }]));
    if (ids.length || hasCalendarEvents) {
      const { rows } = await ctx.query<{ stage: DelinquencyStage; loans: number; balance: number }>(`SELECT stage, loans, balance FROM ${totalsTable}`);
      for (const r of rows) totals.set(r.stage, { loans: r.loans, balance: r.balance });
    }
    let calendar: CalendarRow | null = null;
    if (hasCalendarEvents) {
      const { rows } = await ctx.query<CalendarRow>(
        `SELECT calendar_id, open_business_date::text AS open_business_date, last_closed::text AS last_closed, closing::text AS closing,
                last_completed::text AS last_completed
           FROM ${ctx.table('rm_loan_calendar')} WHERE calendar_id = $1`,
        [CALENDAR_ID],
      );
      calendar = rows[0] ?? null;
    }

    const dirty = new Set<string>();
    const touched = new Set<string>();
    const aging: Array<{ business_date: string; stage: string; loans: number; balance: number }> = [];
    const flush = () => {
      for (const id of dirty) {
        const entry = entries.get(id)!;
        if (entry.state.status === 'Unregistered') continue;
        entry.row = loanRow(entry.state, entry.revision, entry.registeredOn ?? entry.state.facts.terms.disbursementDate);
        const now = entry.row.status === 'active' ? { stage: entry.row.stage, balance: entry.row.outstanding } : null;
        if (entry.counted) {
          const t = totals.get(entry.counted.stage)!;
          t.loans -= 1;
          t.balance -= entry.counted.balance;
        }
        if (now) {
          const t = totals.get(now.stage)!;
          t.loans += 1;
          t.balance += now.balance;
        }
        entry.counted = now;
        touched.add(id);
      }
      dirty.clear();
    };

    for (const event of events) {
      if (isLoanStream(event.streamId)) {
        const id = streamEntityId(event.streamId);
        let entry = entries.get(id);
        if (!entry) entries.set(id, (entry = { state: initialLoanState(), storedFacts: null, revision: -1, registeredOn: null, counted: null }));
        entry.state = evolve(entry.state, event as unknown as LoanEvent);
        entry.revision = event.revision;
        if (event.type === 'LoanRegistered') entry.registeredOn = (event.data as { registeredOn: BusinessDate }).registeredOn;
        dirty.add(id);
        continue;
      }
      const e = event as unknown as CalendarEvent;
      switch (e.type) {
        case 'BusinessCalendarStarted':
          calendar = { calendar_id: e.data.calendarId, open_business_date: e.data.openBusinessDate, last_closed: null, closing: null, last_completed: null };
          break;
        case 'BusinessDayClosed':
          if (calendar) calendar = { ...calendar, closing: e.data.businessDate, last_closed: e.data.businessDate };
          break;
        case 'EndOfDayCompleted':
          flush();
          if (calendar) calendar = { ...calendar, closing: null, open_business_date: e.data.openBusinessDate, last_completed: e.data.businessDate };
          for (const [stage, t] of totals) aging.push({ business_date: e.data.businessDate, stage, loans: t.loans, balance: t.balance });
          break;
        default:
          break;
      }
    }
    flush();

    const rows = [...touched].map((id) => entries.get(id)!.row!).filter(Boolean);
    await bulkUpsert(ctx, loansTable, rows, ['loan_id']);
    const facts: Array<{ loan_id: string; facts: LoanFacts }> = [];
    for (const id of touched) {
      const entry = entries.get(id)!;
      if (entry.state.status !== 'Unregistered' && entry.state.facts !== entry.storedFacts) facts.push({ loan_id: id, facts: entry.state.facts });
    }
    await bulkUpsert(ctx, factsTable, facts, ['loan_id']);
    if (ids.length || hasCalendarEvents) {
      await bulkUpsert(
        ctx,
        totalsTable,
        [...totals].map(([stage, t]) => ({ stage, loans: t.loans, balance: t.balance })),
        ['stage'],
      );
    }
    if (aging.length) await bulkUpsert(ctx, ctx.table('rm_loan_aging'), aging, ['business_date', 'stage']);
    if (calendar) await bulkUpsert(ctx, ctx.table('rm_loan_calendar'), [calendar], ['calendar_id']);
  },
};
