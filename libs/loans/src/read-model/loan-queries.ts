import type pg from 'pg';
import { compareDates, type BusinessDate } from '#kernel';
import type { DelinquencyStage } from '../domain/delinquency.js';
import type { ActiveLoan, PaidOffLoan, ReportedPosition, WrittenOffLoan } from '../domain/loan/events.js';
import { penaltyOwed, project, type LoanFacts, type PaymentFact, type RestructuringFact, type WaiverFact } from '../domain/position.js';
import { CALENDAR_ID } from '../application/streams.js';
import { STAGES, loanState, offBookBalance, type LoanStatus } from './loan-projection.js';
import { ALL_LOANS, loanScopeSql, type LoanScope } from './case-assignments.js';

/**
 * Queries on the Loans read model. It is eventually consistent: a command's effects appear once the
 * projection has applied them (usually within milliseconds; `GET /admin/projections` shows the lag).
 * Figures are valued on the read model's business date: the last date whose end of day completed
 * (or a loan's own evaluation date when that is later). DPD keeps counting between evaluations,
 * which the end of day guarantees change nothing else reportable.
 */

export interface LoanListFilter {
  readonly stage?: DelinquencyStage;
  readonly dpdMin?: number;
  readonly dpdMax?: number;
  readonly customerId?: string;
  readonly productCode?: string;
  readonly status?: LoanStatus;
  /** Cursor: the last loan id of the previous page. */
  readonly after?: string;
  readonly limit: number;
}

export interface LoanListItem {
  readonly loanId: string;
  readonly customerId: string;
  readonly productCode: string;
  readonly principal: number;
  readonly outstanding: number;
  readonly overdueAmount: number;
  readonly penaltyAccrued: number;
  readonly dpd: number;
  readonly stage: DelinquencyStage;
  readonly status: LoanStatus;
  readonly disbursementDate: BusinessDate;
  readonly registeredOn: BusinessDate;
  /** The last business date the end of day or a fact evaluated the loan on. */
  readonly evaluatedOn: BusinessDate;
  readonly nextDueDate: BusinessDate | null;
  /** Through this date nothing reportable changes unless a new fact arrives (null: never). */
  readonly quietThrough: BusinessDate | null;
  readonly revision: number;
}

export interface LoanPage {
  /** The date the figures are valued on. */
  readonly asOf: BusinessDate | null;
  readonly items: LoanListItem[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface CalendarView {
  readonly openBusinessDate: BusinessDate;
  readonly lastClosed: BusinessDate | null;
  readonly closing: BusinessDate | null;
  readonly lastCompleted: BusinessDate | null;
}

interface ListRow {
  loan_id: string;
  stage: DelinquencyStage;
  status: LoanStatus;
  registered_on: string;
  as_of: string;
  quiet_through: string | null;
  revision: number;
  reported: ReportedPosition;
  facts: LoanFacts;
}

const LIST_COLUMNS = `l.loan_id, l.stage, l.status, l.registered_on::text AS registered_on, l.as_of::text AS as_of, l.quiet_through::text AS quiet_through,
  l.revision, l.reported, f.facts`;

const later = (a: BusinessDate, b: BusinessDate | null): BusinessDate => (b !== null && compareDates(b, a) > 0 ? b : a);

function valued(state: ActiveLoan | PaidOffLoan | WrittenOffLoan, date: BusinessDate) {
  // A written-off loan's position is frozen on its write-off date.
  const position = project(state.facts, state.status === 'WrittenOff' ? state.reported.asOf : date);
  const next = position.installments
    .filter((i) => i.replacedBy === null && i.principal - i.paidPrincipal + i.interest - i.paidInterest > 0 && compareDates(i.dueDate, date) >= 0)
    .map((i) => i.dueDate)
    .sort(compareDates)[0];
  return { position, nextDueDate: next ?? null };
}

export class LoanQueries {
  constructor(private readonly pool: pg.Pool) {}

  async calendar(): Promise<CalendarView | null> {
    const { rows } = await this.pool.query<{ open_business_date: string; last_closed: string | null; closing: string | null; last_completed: string | null }>(
      `SELECT open_business_date::text AS open_business_date, last_closed::text AS last_closed, closing::text AS closing, last_completed::text AS last_completed
         FROM rm_loan_calendar WHERE calendar_id = $1`,
      [CALENDAR_ID],
    );
    const r = rows[0];
    return r ? { openBusinessDate: r.open_business_date, lastClosed: r.last_closed, closing: r.closing, lastCompleted: r.last_completed } : null;
  }

  /** The business date Loans wrote the loan off on, or null (not written off, or no such loan). */
  async writtenOffOn(loanId: string): Promise<BusinessDate | null> {
    const { rows } = await this.pool.query<{ on: string | null }>(
      `SELECT f.facts->'writeOff'->'writtenOff'->>'writtenOffOn' AS on FROM rm_loans l JOIN rm_loan_facts f ON f.loan_id = l.loan_id
        WHERE l.loan_id = $1 AND l.status = 'written_off'`,
      [loanId],
    );
    return rows[0]?.on ?? null;
  }

  /** Loans within the caller's scope (a collector: those of cases assigned to them). */
  async list(filter: LoanListFilter, scope: LoanScope = ALL_LOANS): Promise<LoanPage> {
    const asOf = (await this.calendar())?.lastCompleted ?? null;
    const values: unknown[] = [];
    const where: string[] = [];
    const param = (v: unknown) => {
      values.push(v);
      return `$${values.length}`;
    };
    const scoped = loanScopeSql(scope, param);
    if (scoped) where.push(scoped);
    if (filter.stage) where.push(`l.stage = ${param(filter.stage)}`);
    if (filter.status) where.push(`l.status = ${param(filter.status)}`);
    if (filter.customerId) where.push(`l.customer_id = ${param(filter.customerId)}`);
    if (filter.productCode) where.push(`l.product_code = ${param(filter.productCode)}`);
    if (filter.dpdMin !== undefined || filter.dpdMax !== undefined) {
      // DPD on the valuation date: it grows by a day a day while `dpd_since` is set.
      const dpd = `(CASE WHEN l.dpd_since IS NULL THEN l.dpd ELSE greatest(l.as_of, ${param(asOf)}::date) - l.dpd_since END)`;
      if (filter.dpdMin !== undefined) where.push(`${dpd} >= ${param(filter.dpdMin)}`);
      if (filter.dpdMax !== undefined) where.push(`${dpd} <= ${param(filter.dpdMax)}`);
    }
    if (filter.after) where.push(`l.loan_id > ${param(filter.after)}`);
    const { rows } = await this.pool.query<ListRow>(
      `SELECT ${LIST_COLUMNS}
         FROM rm_loans l JOIN rm_loan_facts f ON f.loan_id = l.loan_id ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY l.loan_id
        LIMIT ${param(filter.limit + 1)}`,
      values,
    );
    const page = rows.slice(0, filter.limit);
    const items = page.map((r): LoanListItem => {
      const { position, nextDueDate } = valued(loanState(r, r.facts), later(r.as_of, asOf));
      const terms = r.facts.terms;
      return {
        loanId: r.loan_id,
        customerId: terms.customerId,
        productCode: terms.productCode,
        principal: terms.principal,
        outstanding: r.status === 'written_off' ? offBookBalance(r.facts) : position.outstandingAmount,
        overdueAmount: position.overdueAmount,
        penaltyAccrued: r.reported.penaltyAccrued,
        dpd: position.dpd,
        stage: r.stage,
        status: r.status,
        disbursementDate: terms.disbursementDate,
        registeredOn: r.registered_on,
        evaluatedOn: r.as_of,
        nextDueDate,
        quietThrough: r.quiet_through,
        revision: r.revision,
      };
    });
    return { asOf, items, nextCursor: rows.length > filter.limit ? page[page.length - 1].loan_id : null };
  }

  /**
   * One loan: schedule with what was paid, payments with their allocations (reversed ones too),
   * holds, restructurings. Null when there is no such loan or it is outside the caller's scope.
   */
  async detail(loanId: string, scope: LoanScope = ALL_LOANS) {
    const values: unknown[] = [loanId];
    const scoped = loanScopeSql(scope, (v) => {
      values.push(v);
      return `$${values.length}`;
    });
    const { rows } = await this.pool.query<ListRow>(
      `SELECT ${LIST_COLUMNS} FROM rm_loans l JOIN rm_loan_facts f ON f.loan_id = l.loan_id WHERE l.loan_id = $1${scoped ? ` AND ${scoped}` : ''}`,
      values,
    );
    if (!rows.length) return null;
    const r = rows[0];
    const state = loanState(r, r.facts);
    const calendar = await this.calendar();
    const asOf = later(r.as_of, calendar?.lastCompleted ?? null);
    const { position, nextDueDate } = valued(state, asOf);
    const { terms, product, ledger, holds } = state.facts;
    const payments = ledger.filter((f): f is PaymentFact => f.kind === 'payment');
    const restructurings = ledger.filter((f): f is RestructuringFact => f.kind === 'restructuring');
    const waivers = ledger.filter((f): f is WaiverFact => f.kind === 'waiver');
    return {
      loanId: terms.loanId,
      customerId: terms.customerId,
      productCode: terms.productCode,
      principal: terms.principal,
      annualRateBps: terms.annualRateBps,
      termMonths: terms.termMonths,
      disbursementDate: terms.disbursementDate,
      timeZone: terms.timeZone,
      registeredOn: r.registered_on,
      product,
      status: r.status,
      stage: r.stage,
      delinquent: state.reported.delinquent,
      asOf,
      evaluatedOn: r.as_of,
      quietThrough: r.quiet_through,
      revision: r.revision,
      position: {
        dpd: position.dpd,
        stage: position.stage,
        oldestUnpaidDueDate: position.oldestUnpaidDueDate,
        overdueAmount: position.overdueAmount,
        outstandingAmount: position.outstandingAmount,
        penaltyAccrued: position.penaltyAccrued,
        penaltyWaived: position.penaltyWaived,
        paidOff: position.paidOff,
        paidOffOn: position.paidOffOn,
        nextDueDate,
      },
      schedule: position.installments.map((i) => {
        const owed = i.principal - i.paidPrincipal + i.interest - i.paidInterest + penaltyOwed(i);
        return {
          seq: i.seq,
          dueDate: i.dueDate,
          contractualDueDate: i.contractualDueDate ?? null,
          principal: i.principal,
          interest: i.interest,
          paidPrincipal: i.paidPrincipal,
          paidInterest: i.paidInterest,
          penaltyAccrued: i.penaltyAccrued,
          paidPenalty: i.paidPenalty,
          waivedPenalty: i.waivedPenalty,
          owed: i.replacedBy === null ? owed : 0,
          status: i.replacedBy !== null ? 'replaced' : owed <= 0 ? 'paid' : compareDates(i.dueDate, asOf) < 0 ? 'overdue' : 'not_due',
          replacedBy: i.replacedBy,
        };
      }),
      payments: payments.map((p) => {
        const applied = position.payments.get(p.reference);
        return {
          reference: p.reference,
          amount: p.amount,
          valueDate: p.valueDate,
          recordedOn: p.recordedOn,
          status: p.reversal ? 'reversed' : 'applied',
          reversal: p.reversal,
          // How the payment applies in today's replay of every fact (empty once reversed).
          allocations: applied?.allocations ?? [],
          unapplied: applied?.unapplied ?? 0,
        };
      }),
      holds: holds.map((h) => ({ holdId: h.holdId, reason: h.reason, from: h.from, to: h.to })),
      waivers: waivers.map((w) => ({ waiverId: w.waiverId, amount: w.amount, recordedOn: w.recordedOn })),
      writeOff: state.facts.writeOff
        ? {
            pending: state.facts.writeOff.pending,
            writtenOff: state.facts.writeOff.writtenOff,
            recoveries: state.facts.writeOff.recoveries,
            recovered: state.facts.writeOff.recoveries.reduce((s, x) => s + x.amount, 0),
            offBookBalance: offBookBalance(state.facts),
          }
        : null,
      // Settlement offers: the open one (proposed or approved) and those closed (settled, rejected or lapsed).
      settlement: state.facts.settlement ?? null,
      restructurings: restructurings.map((x) => ({
        restructuringId: x.restructuringId,
        effectiveDate: x.effectiveDate,
        recordedOn: x.recordedOn,
        replacedSeqs: x.replacedSeqs,
        newSchedule: x.newSchedule,
      })),
    };
  }

  /** Count and outstanding balance of active loans per stage, as each business date's end of day left them. */
  async aging(range: { from?: BusinessDate; to?: BusinessDate }) {
    const { rows } = await this.pool.query<{ business_date: string; stage: DelinquencyStage; loans: number; balance: number }>(
      `WITH dates AS (
         SELECT DISTINCT business_date FROM rm_loan_aging
          WHERE ($1::date IS NULL OR business_date >= $1::date) AND ($2::date IS NULL OR business_date <= $2::date)
          ORDER BY business_date DESC LIMIT 366
       )
       SELECT a.business_date::text AS business_date, a.stage, a.loans, a.balance
         FROM rm_loan_aging a JOIN dates d USING (business_date)
        ORDER BY a.business_date`,
      [range.from ?? null, range.to ?? null],
    );
    const byDate = new Map<string, Array<{ stage: DelinquencyStage; loans: number; balance: number }>>();
    for (const r of rows) {
      let list = byDate.get(r.business_date);
      if (!list) byDate.set(r.business_date, (list = []));
      list.push({ stage: r.stage, loans: r.loans, balance: r.balance });
    }
    return {
      dates: [...byDate].map(([businessDate, list]) => {
        const stages = STAGES.map((stage) => list.find((s) => s.stage === stage) ?? { stage, loans: 0, balance: 0 });
        return {
          businessDate,
          stages,
          total: { loans: stages.reduce((s, x) => s + x.loans, 0), balance: stages.reduce((s, x) => s + x.balance, 0) },
        };
      }),
    };
  }
}
