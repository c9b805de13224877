import { addDays, compareDates, daysBetween, type BusinessDate, type Fen } from '#kernel';

/**
 * Delinquency stages by days past due (DPD): M0 is current, M1 is 1-30 days, ... M6 is 151-180
 * days and M6+ is anything beyond.
 */
export type DelinquencyStage = 'M0' | 'M1' | 'M2' | 'M3' | 'M4' | 'M5' | 'M6' | 'M6+';

/** The bounded stages, in order; every DPD above the last bound is M6+. */
export const BOUNDED_STAGES = ['M0', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6'] as const;

/**
 * The highest DPD that still belongs to each stage (inclusive). The default puts DPD 0 in M0, 1-30
 * in M1, 31-60 in M2 and so on; a product may, for example, give M0 a few days of grace.
 */
export type StageBoundaries = { readonly [S in (typeof BOUNDED_STAGES)[number]]: number };

export const DEFAULT_STAGE_BOUNDARIES: StageBoundaries = Object.freeze({
  M0: 0,
  M1: 30,
  M2: 60,
  M3: 90,
  M4: 120,
  M5: 150,
  M6: 180,
});

/** Why a set of boundaries is unusable, or null when it is fine. */
export function stageBoundariesProblem(boundaries: StageBoundaries): string | null {
  let previous = -1;
  for (const stage of BOUNDED_STAGES) {
    const bound = boundaries[stage];
    if (!Number.isSafeInteger(bound) || bound <= previous) {
      return `stage boundaries must be non-negative whole days, strictly increasing (${stage}: ${bound})`;
    }
    previous = bound;
  }
  return null;
}

export function stageFor(dpd: number, boundaries: StageBoundaries = DEFAULT_STAGE_BOUNDARIES): DelinquencyStage {
  for (const stage of BOUNDED_STAGES) if (dpd <= boundaries[stage]) return stage;
  return 'M6+';
}

/** The highest DPD of a stage, or null for M6+ which has no upper end. */
export function stageUpperBound(stage: DelinquencyStage, boundaries: StageBoundaries = DEFAULT_STAGE_BOUNDARIES): number | null {
  return stage === 'M6+' ? null : boundaries[stage];
}

/**
 * A collection hold pauses the DPD clock from `from` (the first paused day) until `to` (the day the
 * hold ended, which counts again); an open hold has `to` null. Paused days are the half-open range
 * [from, to).
 */
export interface HoldPeriod {
  readonly from: BusinessDate;
  readonly to: BusinessDate | null;
}

/** Number of days d with `after` < d <= `through` that fall inside at least one hold. */
export function pausedDays(holds: readonly HoldPeriod[], after: BusinessDate, through: BusinessDate): number {
  const windowStart = addDays(after, 1);
  const windowEnd = addDays(through, 1); // exclusive
  if (compareDates(windowStart, windowEnd) >= 0) return 0;
  const ranges = holds
    .map((h) => ({
      from: compareDates(h.from, windowStart) > 0 ? h.from : windowStart,
      to: h.to === null || compareDates(h.to, windowEnd) > 0 ? windowEnd : h.to,
    }))
    .filter((r) => compareDates(r.from, r.to) < 0)
    .sort((a, b) => compareDates(a.from, b.from));
  let total = 0;
  let coveredUntil: BusinessDate | null = null; // exclusive end of the merged ranges so far
  for (const r of ranges) {
    const start = coveredUntil !== null && compareDates(coveredUntil, r.from) > 0 ? coveredUntil : r.from;
    if (compareDates(start, r.to) < 0) total += daysBetween(start, r.to);
    if (coveredUntil === null || compareDates(r.to, coveredUntil) > 0) coveredUntil = r.to;
  }
  return total;
}

/**
 * Days past due as of a business date: the calendar days since the due date of the oldest
 * installment not fully paid (0 on the due date itself), less the days paused by collection holds
 * when the product does not count them.
 */
export function daysPastDue(oldestUnpaidDueDate: BusinessDate | null, asOf: BusinessDate, holds: readonly HoldPeriod[], holdDaysCount: boolean): number {
  if (oldestUnpaidDueDate === null || compareDates(oldestUnpaidDueDate, asOf) >= 0) return 0;
  const elapsed = daysBetween(oldestUnpaidDueDate, asOf);
  return holdDaysCount ? elapsed : elapsed - pausedDays(holds, oldestUnpaidDueDate, asOf);
}

/**
 * Loans' DPD clock as other contexts read it, part of Loans' published contract. Loans reports a
 * loan's days past due when its stage changes, when it is cured and when it is restated
 * (`LoanBecameDelinquent`, `DelinquencyStageChanged`, `LoanCured`, `DelinquencyRestated`); between two reports a loan
 * still past due is one day later each calendar day. A payment that clears the oldest installment
 * without changing the stage is not seen until the next report, and a hold that pauses the clock
 * is not extrapolated: the next report corrects both. A loan paid off or not past due is at 0; one
 * written off stays at the DPD it was written off with.
 */
export function reportedDpdOn(
  report: {
    readonly delinquent: boolean;
    readonly dpd: number;
    readonly dpdAsOf: BusinessDate | null;
    readonly paidOff?: boolean;
    readonly writtenOffOn?: BusinessDate | null;
  },
  date: BusinessDate,
): number {
  if (report.paidOff || !report.delinquent || report.dpdAsOf === null) return 0;
  if (report.writtenOffOn) return report.dpd;
  return report.dpd + Math.max(0, daysBetween(report.dpdAsOf, date));
}

/** What is still owed on one installment. */
export interface DueBalance {
  readonly dueDate: BusinessDate;
  readonly principal: Fen;
  readonly interest: Fen;
  readonly penalty: Fen;
}

/**
 * The due date of the oldest installment past its due date (due before `asOf`) whose scheduled
 * principal or interest is not fully paid. Unpaid penalty alone does not keep a loan past due; it
 * still counts in the overdue amount.
 */
export function oldestUnpaidDueDate(balances: readonly DueBalance[], asOf: BusinessDate): BusinessDate | null {
  let oldest: BusinessDate | null = null;
  for (const b of balances) {
    if (compareDates(b.dueDate, asOf) >= 0 || b.principal + b.interest <= 0) continue;
    if (oldest === null || compareDates(b.dueDate, oldest) < 0) oldest = b.dueDate;
  }
  return oldest;
}

/** Everything still owed on installments whose due date has passed: principal, interest and penalty. */
export function overdueAmount(balances: readonly DueBalance[], asOf: BusinessDate): Fen {
  let total = 0;
  for (const b of balances) if (compareDates(b.dueDate, asOf) < 0) total += b.principal + b.interest + b.penalty;
  return total;
}
