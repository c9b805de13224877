import { addDays, addMonths, compareDates, daysBetween, type BusinessDate, type Fen } from '#kernel';
import { PUBLISHED_LOAN_EVENTS, reportedDpdOn, type LoanEvent } from '#loans';

/**
 * What Grading knows about one loan, folded from the Loans context's published events (never from
 * its tables). Facts only, no rules: the scorecard and the classification rules interpret them.
 */
export interface LoanRecord {
  readonly loanId: string;
  readonly customerId: string;
  readonly principal: Fen;
  /** Principal repaid so far (payment allocations to principal, less reversed payments). */
  readonly principalPaid: Fen;
  readonly disbursementDate: BusinessDate;
  readonly paidOff: boolean;
  readonly delinquent: boolean;
  /** Days past due as last reported by Loans, on `dpdAsOf`. */
  readonly dpd: number;
  readonly dpdAsOf: BusinessDate;
  /** Overdue amount as last reported by Loans. */
  readonly overdueAmount: Fen;
  /** Delinquency episodes: from the first day past due to the day it was cured (null: still open). */
  readonly episodes: readonly DelinquencyEpisode[];
  /** Payments received while the loan was past due, and whether they left it past due (partial). */
  readonly overduePayments: readonly OverduePayment[];
  /** Restructured schedules, in the order Loans recorded them. */
  readonly restructurings: readonly LoanRestructuring[];
  /** Principal each payment reference paid, so a reversal can take it back. */
  readonly payments: Readonly<Record<string, Fen>>;
  /** Business date of the latest event folded in. */
  readonly lastEventDate: BusinessDate;
  /** Written off in Loans (off the books): DPD is frozen at the write-off and nothing is outstanding. */
  readonly writtenOffOn?: BusinessDate;
}

export interface DelinquencyEpisode {
  readonly start: BusinessDate;
  readonly end: BusinessDate | null;
  readonly maxDpd: number;
}

interface OverduePayment {
  readonly on: BusinessDate;
  readonly partial: boolean;
}

export interface LoanRestructuring {
  readonly restructuringId: string;
  readonly effectiveDate: BusinessDate;
  /** Due dates of the new schedule on or after the effective date, ascending. */
  readonly dueDates: readonly BusinessDate[];
  /** Days past due on the effective date, just before the new schedule replaced the old one. */
  readonly dpdBefore: number;
}

/** Outstanding principal. */
export function loanBalance(loan: LoanRecord): Fen {
  return loan.paidOff || loan.writtenOffOn ? 0 : Math.max(0, loan.principal - loan.principalPaid);
}

/** Whether the loan is on the books: registered, neither paid off nor written off. */
export const onBook = (loan: LoanRecord): boolean => !loan.paidOff && !loan.writtenOffOn;

/** Whole calendar months from `from` to `to` (0 when `to` is earlier). */
export function monthsBetween(from: BusinessDate, to: BusinessDate): number {
  if (compareDates(to, from) <= 0) return 0;
  const [fy, fm, fd] = from.split('-').map(Number);
  const [ty, tm, td] = to.split('-').map(Number);
  let months = (ty - fy) * 12 + (tm - fm);
  if (td < fd && addMonths(from, months) > to) months -= 1;
  return Math.max(0, months);
}

/** The start of the trailing twelve-month window ending on `asOf` (exclusive). */
export function twelveMonthsBefore(asOf: BusinessDate): BusinessDate {
  return addMonths(asOf, -12);
}

/** The highest DPD of an episode, counting an open one up to `asOf`. */
export function episodePeak(loan: LoanRecord, episode: DelinquencyEpisode, asOf: BusinessDate): number {
  return episode.end === null ? Math.max(episode.maxDpd, reportedDpdOn(loan, asOf)) : episode.maxDpd;
}

/**
 * The Loans events Grading folds into its loan records: Loans' published contract, but for what
 * says nothing of the borrower's repayment behaviour (money recovered after a write-off, a
 * settlement's own events: the LoanPaidOff that follows one counts, a fee waiver, which is not a
 * cure). The daily penalty accruals are not published (Loans keeps them internal): a loan's days
 * past due move between its events by the calendar (`reportedDpdOn`), and the end-of-day
 * reclassification selects every loan whose days past due crossed a threshold on the closed date.
 */
const NOT_FOLDED: ReadonlySet<string> = new Set<LoanEvent['type']>(['RecoveryReceived', 'LoanSettled', 'SettlementLapsed', 'PenaltyWaived']);
export const LOAN_FACT_EVENTS = PUBLISHED_LOAN_EVENTS.filter((type) => !NOT_FOLDED.has(type));

/** The Loans events that regrade the loan's customer: all but holds and write-offs, which only update facts. */
const FACTS_ONLY: ReadonlySet<string> = new Set<LoanEvent['type']>(['CollectionHoldStarted', 'CollectionHoldEnded', 'LoanWrittenOff']);
export const REGRADE_LOAN_EVENTS: ReadonlySet<string> = new Set(LOAN_FACT_EVENTS.filter((type) => !FACTS_ONLY.has(type)));

/** How long folded history is kept (episodes, payments while overdue). */
const HISTORY_MONTHS = 36;

/** The business date a Loans event speaks about. */
export function loanEventDate(event: Pick<LoanEvent, 'type' | 'data'>): BusinessDate {
  const data = event.data as { asOf?: BusinessDate; businessDate?: BusinessDate; registeredOn?: BusinessDate; writtenOffOn?: BusinessDate };
  return data.asOf ?? data.businessDate ?? data.writtenOffOn ?? data.registeredOn ?? '1970-01-01';
}

function closeEpisode(record: LoanRecord, on: BusinessDate): DelinquencyEpisode[] {
  // The day before the cure was the last day past due.
  const peak = record.dpd + Math.max(0, daysBetween(record.dpdAsOf, on) - 1);
  return record.episodes.map((e) => (e.end === null ? { ...e, end: on, maxDpd: Math.max(e.maxDpd, peak) } : e));
}

function prune(record: LoanRecord): LoanRecord {
  const horizon = addMonths(record.lastEventDate, -HISTORY_MONTHS);
  return {
    ...record,
    episodes: record.episodes.filter((e) => e.end === null || compareDates(e.end, horizon) >= 0),
    overduePayments: record.overduePayments.filter((p) => compareDates(p.on, horizon) >= 0),
  };
}

/**
 * Folds one Loans event into the loan record (undefined before LoanRegistered). Events of a loan
 * Grading never saw registered are ignored (undefined stays undefined).
 */
export function foldLoanEvent(record: LoanRecord | undefined, loanId: string, event: LoanEvent): LoanRecord | undefined {
  if (event.type === 'LoanRegistered') {
    const d = event.data;
    return {
      loanId: d.loanId,
      customerId: d.customerId,
      principal: d.principal,
      principalPaid: 0,
      disbursementDate: d.disbursementDate,
      paidOff: false,
      delinquent: false,
      dpd: 0,
      dpdAsOf: d.disbursementDate,
      overdueAmount: 0,
      episodes: [],
      overduePayments: [],
      restructurings: [],
      payments: {},
      lastEventDate: d.registeredOn,
    };
  }
  if (!record || record.loanId !== loanId) return record;
  const on = loanEventDate(event);
  const base: LoanRecord = { ...record, lastEventDate: compareDates(on, record.lastEventDate) > 0 ? on : record.lastEventDate };
  switch (event.type) {
    case 'PaymentReceived': {
      const principal = event.data.allocations.filter((a) => a.component === 'principal').reduce((s, a) => s + a.amount, 0);
      const overduePayments = record.delinquent
        ? [...record.overduePayments, { on: event.data.businessDate, partial: event.data.amount < record.overdueAmount }]
        : record.overduePayments;
      return prune({
        ...base,
        principalPaid: record.principalPaid + principal,
        payments: { ...record.payments, [event.data.reference]: (record.payments[event.data.reference] ?? 0) + principal },
        overduePayments,
      });
    }
    case 'PaymentReversed': {
      const { [event.data.reference]: reversed = 0, ...payments } = record.payments;
      return { ...base, principalPaid: Math.max(0, record.principalPaid - reversed), payments };
    }
    case 'ScheduleRestructured': {
      const d = event.data;
      const dueDates = d.newSchedule
        .map((i) => i.dueDate)
        .filter((due) => compareDates(due, d.effectiveDate) >= 0)
        .sort(compareDates);
      const restructuring: LoanRestructuring = {
        restructuringId: d.restructuringId,
        effectiveDate: d.effectiveDate,
        dueDates,
        dpdBefore: reportedDpdOn(record, d.effectiveDate),
      };
      return { ...base, restructurings: [...record.restructurings, restructuring] };
    }
    case 'LoanBecameDelinquent': {
      const d = event.data;
      const start = addDays(d.asOf, 1 - Math.max(1, d.dpd));
      const last = record.episodes.at(-1);
      // Past due since a day on or before the last cure (a payment reversed the same day it was
      // valued): the episode that cure closed never ended.
      const continues = last !== undefined && last.end !== null && compareDates(start, last.end) <= 0;
      const episodes = record.episodes.some((e) => e.end === null)
        ? record.episodes
        : continues
          ? [...record.episodes.slice(0, -1), { ...last!, end: null, maxDpd: Math.max(last!.maxDpd, d.dpd) }]
          : [...record.episodes, { start, end: null, maxDpd: d.dpd }];
      return prune({ ...base, delinquent: true, dpd: d.dpd, dpdAsOf: d.asOf, overdueAmount: d.overdueAmount, episodes });
    }
    case 'DelinquencyStageChanged': {
      const d = event.data;
      if (d.dpd === 0)
        return prune({ ...base, episodes: closeEpisode(record, d.asOf), delinquent: false, dpd: 0, dpdAsOf: d.asOf, overdueAmount: d.overdueAmount });
      const episodes = record.episodes.some((e) => e.end === null)
        ? record.episodes.map((e) => (e.end === null ? { ...e, maxDpd: Math.max(e.maxDpd, d.dpd) } : e))
        : [...record.episodes, { start: addDays(d.asOf, 1 - d.dpd), end: null, maxDpd: d.dpd }];
      return { ...base, delinquent: true, dpd: d.dpd, dpdAsOf: d.asOf, overdueAmount: d.overdueAmount, episodes };
    }
    case 'LoanCured':
      return prune({
        ...base,
        episodes: record.delinquent ? closeEpisode(record, event.data.asOf) : record.episodes,
        delinquent: false,
        dpd: 0,
        dpdAsOf: event.data.asOf,
        overdueAmount: 0,
      });
    case 'LoanPaidOff':
      return prune({
        ...base,
        episodes: record.delinquent ? closeEpisode(record, event.data.asOf) : record.episodes,
        paidOff: true,
        delinquent: false,
        dpd: 0,
        dpdAsOf: event.data.asOf,
        overdueAmount: 0,
      });
    case 'LoanReopened':
      return { ...base, paidOff: false };
    case 'LoanWrittenOff': {
      const d = event.data;
      return { ...base, dpd: d.dpd, dpdAsOf: d.writtenOffOn, writtenOffOn: d.writtenOffOn };
    }
    case 'DelinquencyRestated': {
      // A correction changed the history: what Grading folded from the first reports is replaced by
      // the corrected episodes and payments while past due (the position events before it in the
      // same append already set the current DPD).
      const { after } = event.data;
      return prune({
        ...base,
        episodes: after.episodes.map((e) => ({ start: e.start, end: e.end, maxDpd: e.maxDpd })),
        overduePayments: after.overduePayments.map((p) => ({ on: p.valueDate, partial: p.partial })),
      });
    }
    default:
      return base;
  }
}
