import { addDays, compareDates, daysBetween, mulRatio, type BusinessDate, type Fen } from '#kernel';
import { allocatePayment, type Allocation } from './allocation.js';
import {
  daysPastDue,
  oldestUnpaidDueDate,
  overdueAmount,
  stageFor,
  stageUpperBound,
  type DelinquencyStage,
  type DueBalance,
  type HoldPeriod,
} from './delinquency.js';
import type { ProductSettings } from './product.js';

/**
 * The raw facts of a loan account and `project`, which derives balances, days past due, stage and
 * penalty as of any business date by replaying them. Nothing derived is ever stored and patched:
 * a backdated payment or a reversal simply changes the facts, and the next projection tells the
 * new truth from the value date on.
 */

export interface ScheduledInstallment {
  readonly seq: number;
  readonly dueDate: BusinessDate;
  /** The date core banking sent, when the product rolled it to the next working day (`dueDate`). */
  readonly contractualDueDate?: BusinessDate;
  readonly principal: Fen;
  readonly interest: Fen;
}

/** The loan's contract terms as core banking booked them. No personal data: customerId only. */
export interface LoanTerms {
  readonly loanId: string;
  readonly customerId: string;
  readonly productCode: string;
  readonly principal: Fen;
  readonly annualRateBps: number;
  readonly termMonths: number;
  readonly disbursementDate: BusinessDate;
  readonly timeZone: string;
}

export interface PaymentFact {
  readonly kind: 'payment';
  readonly reference: string;
  readonly amount: Fen;
  readonly valueDate: BusinessDate;
  readonly recordedOn: BusinessDate;
  /** Set once the payment is reversed; a reversed payment counts as never made. */
  readonly reversal: { readonly reason: string; readonly recordedOn: BusinessDate } | null;
}

export interface RestructuringFact {
  readonly kind: 'restructuring';
  readonly restructuringId: string;
  readonly effectiveDate: BusinessDate;
  readonly recordedOn: BusinessDate;
  /** Installments the new schedule replaces from the effective date on. */
  readonly replacedSeqs: readonly number[];
  readonly newSchedule: readonly ScheduledInstallment[];
}

/**
 * A penalty waiver: `amount` of the penalty owed on installments due by `valueDate` (its business
 * date) is waived, oldest installment first. Principal and interest are untouched, so the waiver
 * moves days past due only as far as what remains is covered.
 */
export interface WaiverFact {
  readonly kind: 'waiver';
  readonly waiverId: string;
  readonly amount: Fen;
  readonly valueDate: BusinessDate;
  readonly recordedOn: BusinessDate;
}

/**
 * What a settlement forgave when it completed (LoanSettled): these amounts of principal, interest
 * and penalty are no longer owed from `valueDate` on, taken off the live installments oldest first.
 * Fixed amounts, so a later reversal of a payment that counted makes the loan owe that payment again.
 */
export interface ForgivenessFact {
  readonly kind: 'forgiveness';
  readonly settlementId: string;
  readonly principal: Fen;
  readonly interest: Fen;
  readonly penalty: Fen;
  readonly valueDate: BusinessDate;
  readonly recordedOn: BusinessDate;
}

/** Payments, restructurings, penalty waivers and settlement forgiveness, in the order they were recorded. */
export type LedgerFact = PaymentFact | RestructuringFact | WaiverFact | ForgivenessFact;

export interface CollectionHold extends HoldPeriod {
  readonly holdId: string;
  readonly reason: string;
}

export interface LoanFacts {
  readonly terms: LoanTerms;
  readonly product: ProductSettings;
  readonly schedule: readonly ScheduledInstallment[];
  readonly ledger: readonly LedgerFact[];
  readonly holds: readonly CollectionHold[];
  /** Write-off request, write-off and recoveries; absent on a loan never put up for write-off. */
  readonly writeOff?: WriteOffFacts;
  /** Settlement offers; absent on a loan never offered one. */
  readonly settlement?: SettlementFacts;
}

/** A settlement offer: pay `amount` by `dueBy` and the rest of the balance is forgiven. */
export interface SettlementOffer {
  readonly settlementId: string;
  readonly amount: Fen;
  readonly dueBy: BusinessDate;
  readonly reason: string;
  readonly proposedBy: string;
  readonly proposedOn: BusinessDate;
  /**
   * Set by the four-eyes approval. Payments recorded after it (ledger entries from `ledgerFrom` on,
   * not reversed, valued by `dueBy`) count towards the amount.
   */
  readonly approval: { readonly approvedBy: string; readonly approverRole: string; readonly approvedOn: BusinessDate; readonly ledgerFrom: number } | null;
}

/** The open offer (proposed or approved) and the ids of every offer closed (settled, rejected or lapsed). */
export interface SettlementFacts {
  readonly open: SettlementOffer | null;
  readonly closed: readonly { readonly settlementId: string; readonly outcome: 'settled' | 'rejected' | 'lapsed'; readonly approvedBy: string | null }[];
}

/** The four-eyes write-off of a loan and what was recovered after it. The replay ignores them. */
export interface WriteOffFacts {
  readonly pending: { readonly requestId: string; readonly reason: string; readonly requestedBy: string; readonly requestedOn: BusinessDate } | null;
  readonly writtenOff: {
    readonly requestId: string;
    readonly writtenOffOn: BusinessDate;
    readonly amount: Fen;
    readonly requestedBy: string;
    readonly approvedBy: string;
  } | null;
  readonly recoveries: readonly { readonly reference: string; readonly amount: Fen; readonly valueDate: BusinessDate; readonly recordedOn: BusinessDate }[];
}

/** One installment as of the projection date. */
export interface InstallmentPosition extends ScheduledInstallment {
  readonly paidPrincipal: Fen;
  readonly paidInterest: Fen;
  readonly paidPenalty: Fen;
  /** Penalty waived (WaiverFact): no longer owed, never paid. */
  readonly waivedPenalty: Fen;
  readonly penaltyAccrued: Fen;
  /** The restructuring that replaced this installment, or null while it is live. */
  readonly replacedBy: string | null;
}

/** Penalty still owed on an installment: accrued, less paid, less waived. */
export const penaltyOwed = (i: Pick<InstallmentPosition, 'penaltyAccrued' | 'paidPenalty' | 'waivedPenalty'>): Fen =>
  i.penaltyAccrued - i.paidPenalty - (i.waivedPenalty ?? 0);

export interface PaymentApplication {
  readonly allocations: readonly Allocation[];
  readonly unapplied: Fen;
}

export interface LoanPosition {
  readonly asOf: BusinessDate;
  readonly installments: readonly InstallmentPosition[];
  readonly dpd: number;
  readonly stage: DelinquencyStage;
  readonly oldestUnpaidDueDate: BusinessDate | null;
  /** Principal, interest and penalty owed on installments past their due date. */
  readonly overdueAmount: Fen;
  /** Everything still owed on live installments, due or not. */
  readonly outstandingAmount: Fen;
  /** Penalty accrued since disbursement, paid or not (replaced installments included). */
  readonly penaltyAccrued: Fen;
  /** Of it, penalty waived (replaced installments included). */
  readonly penaltyWaived: Fen;
  readonly paidOff: boolean;
  /** The value date on which the balance reached zero, while it stays there. */
  readonly paidOffOn: BusinessDate | null;
  /** How each payment (not reversed, valued by `asOf`) was applied in this replay. */
  readonly payments: ReadonlyMap<string, PaymentApplication>;
  /**
   * The last date through which, without new facts, nothing reportable changes (stage, the 0/>0
   * DPD line, accrued penalty, paid-off). Never later than the truth; null means never.
   */
  readonly quietThrough: BusinessDate | null;
}

/** A forgiveness takes its amounts off the live installments, oldest first, component by component. */
function forgive(lines: readonly Line[], fact: ForgivenessFact): void {
  const live = lines.filter((l) => l.replacedBy === null).sort((a, b) => compareDates(a.dueDate, b.dueDate) || a.seq - b.seq);
  let principal = fact.principal;
  let interest = fact.interest;
  let penalty = fact.penalty;
  for (const l of live) {
    const p = Math.min(principal, Math.max(0, owedPrincipal(l)));
    const i = Math.min(interest, Math.max(0, owedInterest(l)));
    const n = Math.min(penalty, Math.max(0, owedPenalty(l)));
    l.principal -= p;
    l.interest -= i;
    l.waivedPenalty += n;
    principal -= p;
    interest -= i;
    penalty -= n;
  }
}

/**
 * Penalty accrued on one day for an installment's overdue principal: principal x rate / 10000 / 365,
 * rounded half up to whole fen in exact integer arithmetic. A 365-day year is used in leap years
 * too. Every day of a run with the same overdue principal accrues the same amount, so a run of n days
 * accrues n times the daily amount, exactly as a day-by-day loop would.
 */
export function dailyPenalty(overduePrincipal: Fen, annualRateBps: number): Fen {
  return mulRatio(overduePrincipal, annualRateBps, 3_650_000);
}

interface Line {
  seq: number;
  dueDate: BusinessDate;
  principal: Fen;
  interest: Fen;
  paidPrincipal: Fen;
  paidInterest: Fen;
  paidPenalty: Fen;
  waivedPenalty: Fen;
  penaltyAccrued: Fen;
  replacedBy: string | null;
}

const owedPrincipal = (l: Line) => l.principal - l.paidPrincipal;
const owedInterest = (l: Line) => l.interest - l.paidInterest;
const owedPenalty = (l: Line) => penaltyOwed(l);
const owedTotal = (l: Line) => owedPrincipal(l) + owedInterest(l) + owedPenalty(l);
const balance = (l: Line): DueBalance => ({ dueDate: l.dueDate, principal: owedPrincipal(l), interest: owedInterest(l), penalty: owedPenalty(l) });

function newLine(i: ScheduledInstallment): Line {
  return { ...i, paidPrincipal: 0, paidInterest: 0, paidPenalty: 0, waivedPenalty: 0, penaltyAccrued: 0, replacedBy: null };
}

export function factDate(fact: LedgerFact): BusinessDate {
  return fact.kind === 'restructuring' ? fact.effectiveDate : fact.valueDate;
}

/**
 * Penalty for the days d with `after` < d <= `through`. Day d accrues on the principal overdue at the
 * start of d (installments due before d, after the payments valued before d), so the run has a
 * constant base: the caller splits runs at every payment and restructuring.
 */
function accrue(lines: readonly Line[], after: BusinessDate, through: BusinessDate, rateBps: number | null): void {
  if (!rateBps) return;
  for (const l of lines) {
    if (l.replacedBy !== null) continue;
    const principal = owedPrincipal(l);
    if (principal <= 0) continue;
    const start = compareDates(l.dueDate, after) > 0 ? l.dueDate : after;
    const days = daysBetween(start, through);
    if (days > 0) l.penaltyAccrued += days * dailyPenalty(principal, rateBps);
  }
}

/** A waiver takes penalty off the live installments due by its date, oldest first, never below zero. */
function waive(lines: readonly Line[], fact: WaiverFact): void {
  let left = fact.amount;
  const due = lines
    .filter((l) => l.replacedBy === null && compareDates(l.dueDate, fact.valueDate) <= 0)
    .sort((a, b) => compareDates(a.dueDate, b.dueDate) || a.seq - b.seq);
  for (const l of due) {
    if (left <= 0) break;
    const take = Math.min(left, owedPenalty(l));
    if (take <= 0) continue;
    l.waivedPenalty += take;
    left -= take;
  }
}

/**
 * Replays the facts up to `asOf`: payments (not reversed), restructurings and waivers in value-date order,
 * ties in recording order, penalty accruing between them; then measures delinquency at the end of
 * `asOf`.
 */
export function project(facts: LoanFacts, asOf: BusinessDate): LoanPosition {
  const { product } = facts;
  const rate = product.penaltyAnnualRateBps;
  const lines: Line[] = facts.schedule.map(newLine);
  const payments = new Map<string, PaymentApplication>();
  const entries = facts.ledger
    .map((fact, index) => ({ fact, index, date: factDate(fact) }))
    .filter(({ fact, date }) => compareDates(date, asOf) <= 0 && !(fact.kind === 'payment' && fact.reversal !== null))
    .sort((a, b) => compareDates(a.date, b.date) || a.index - b.index);

  let cursor = facts.terms.disbursementDate;
  let paidOffOn: BusinessDate | null = null;
  for (const { fact, date } of entries) {
    if (compareDates(date, cursor) > 0) {
      accrue(lines, cursor, date, rate);
      cursor = date;
    }
    if (fact.kind === 'payment') {
      const live = lines.filter((l) => l.replacedBy === null);
      const result = allocatePayment(
        fact.amount,
        live.map((l) => ({ seq: l.seq, dueDate: l.dueDate, penalty: owedPenalty(l), interest: owedInterest(l), principal: owedPrincipal(l) })),
        fact.valueDate,
        product.waterfall,
      );
      for (const a of result.allocations) {
        const line = live.find((l) => l.seq === a.seq)!;
        if (a.component === 'principal') line.paidPrincipal += a.amount;
        else if (a.component === 'interest') line.paidInterest += a.amount;
        else line.paidPenalty += a.amount;
      }
      payments.set(fact.reference, result);
    } else if (fact.kind === 'waiver') {
      waive(lines, fact);
    } else if (fact.kind === 'forgiveness') {
      forgive(lines, fact);
    } else {
      for (const l of lines) if (fact.replacedSeqs.includes(l.seq) && l.replacedBy === null) l.replacedBy = fact.restructuringId;
      for (const i of fact.newSchedule) lines.push(newLine(i));
    }
    const settled = lines.every((l) => l.replacedBy !== null || owedTotal(l) <= 0);
    paidOffOn = settled ? (paidOffOn ?? date) : null;
  }
  if (compareDates(asOf, cursor) > 0) accrue(lines, cursor, asOf, rate);

  const live = lines.filter((l) => l.replacedBy === null);
  const balances = live.map(balance);
  const { oldest, dpd, graceEnds } = delinquency(facts, balances, asOf);
  const stage = stageFor(dpd, product.stageBoundaries);
  const outstandingAmount = live.reduce((s, l) => s + owedTotal(l), 0);
  const paidOff = outstandingAmount <= 0;

  return {
    asOf,
    installments: lines.map((l) => ({ ...l })),
    dpd,
    stage,
    oldestUnpaidDueDate: oldest,
    overdueAmount: overdueAmount(balances, asOf),
    outstandingAmount,
    penaltyAccrued: lines.reduce((s, l) => s + l.penaltyAccrued, 0),
    penaltyWaived: lines.reduce((s, l) => s + l.waivedPenalty, 0),
    paidOff,
    paidOffOn: paidOff ? (paidOffOn ?? asOf) : null,
    payments,
    quietThrough: paidOff ? null : quietThrough(facts, live, asOf, oldest, dpd, stage, graceEnds),
  };
}

/**
 * Days past due after the product's tolerance and grace: a shortfall of principal and interest past
 * due no larger than `shortfallToleranceFen` is not past due at all; an installment unpaid for no
 * more than `graceDays` days is not past due yet, and once the grace has run out DPD counts from its
 * due date. `graceEnds` is the last day of a grace still running (null when none runs).
 */
function delinquency(
  facts: LoanFacts,
  balances: readonly DueBalance[],
  asOf: BusinessDate,
): { oldest: BusinessDate | null; dpd: number; graceEnds: BusinessDate | null } {
  const { product } = facts;
  const tolerance = product.shortfallToleranceFen ?? 0;
  if (tolerance > 0) {
    const shortfall = balances.filter((b) => compareDates(b.dueDate, asOf) < 0).reduce((s, b) => s + b.principal + b.interest, 0);
    if (shortfall <= tolerance) return { oldest: null, dpd: 0, graceEnds: null };
  }
  const oldest = oldestUnpaidDueDate(balances, asOf);
  const dpd = daysPastDue(oldest, asOf, facts.holds, product.holdDaysCountTowardDpd);
  const grace = product.graceDays ?? 0;
  if (oldest !== null && grace > 0 && daysBetween(oldest, asOf) <= grace) return { oldest: null, dpd: 0, graceEnds: addDays(oldest, grace) };
  return { oldest, dpd, graceEnds: null };
}

/**
 * The last date on which a close of business is sure to report nothing, so the end-of-day for a
 * loan can skip the replay: earlier candidates win, and when unsure the answer is earlier, never
 * later (an early answer only costs a replay that finds nothing).
 */
function quietThrough(
  facts: LoanFacts,
  live: readonly Line[],
  asOf: BusinessDate,
  oldest: BusinessDate | null,
  dpd: number,
  stage: DelinquencyStage,
  graceEnds: BusinessDate | null,
): BusinessDate | null {
  const { product } = facts;
  const candidates: BusinessDate[] = [];
  // In grace: the loan turns past due the day after the grace ends.
  if (graceEnds !== null) candidates.push(graceEnds);
  // An open settlement offer lapses at the first close of business after its `dueBy`.
  if (facts.settlement?.open) candidates.push(facts.settlement.open.dueBy);
  const rate = product.penaltyAnnualRateBps;
  if (rate) {
    // Tomorrow accrues on principal already past due; a later installment starts the day after its due date.
    const withPrincipal = live.filter((l) => owedPrincipal(l) > 0);
    if (withPrincipal.some((l) => compareDates(l.dueDate, asOf) <= 0)) candidates.push(asOf);
    const next = withPrincipal.filter((l) => compareDates(l.dueDate, asOf) > 0).sort((a, b) => compareDates(a.dueDate, b.dueDate))[0];
    if (next) candidates.push(next.dueDate);
  }
  if (oldest === null) {
    // Current: the next unpaid installment turns past due the day after its due date.
    // (Installments already past due here are within the tolerance or the grace, handled above.)
    const unpaid = live.filter((l) => owedPrincipal(l) + owedInterest(l) > 0);
    const tolerated = (product.shortfallToleranceFen ?? 0) > 0 || (product.graceDays ?? 0) > 0;
    const next = (tolerated ? unpaid.filter((l) => compareDates(l.dueDate, asOf) >= 0) : unpaid).sort((a, b) => compareDates(a.dueDate, b.dueDate))[0];
    if (next) candidates.push(addDays(next.dueDate, product.graceDays ?? 0));
  } else {
    const upper = stageUpperBound(stage, product.stageBoundaries);
    if (upper !== null) {
      const pausing = product.holdDaysCountTowardDpd
        ? []
        : facts.holds.filter((h) => compareDates(h.from, addDays(asOf, 1)) <= 0 && (h.to === null || compareDates(h.to, addDays(asOf, 1)) > 0));
      if (pausing.length === 0) {
        candidates.push(addDays(asOf, upper - dpd));
      } else {
        // The clock is stopped; the earliest known end of a pause is when it may restart.
        const ends = pausing.filter((h) => h.to !== null).map((h) => addDays(h.to!, -1));
        candidates.push(...ends);
      }
    }
  }
  if (candidates.length === 0) return null;
  return candidates.reduce((a, b) => (compareDates(a, b) <= 0 ? a : b));
}
