import { addDays, compareDates, daysBetween, type BusinessDate } from '#kernel';
import { BOUNDED_STAGES, daysPastDue, stageFor, type DelinquencyStage } from './delinquency.js';
import { factDate, project, type LoanFacts, type PaymentFact } from './position.js';

/**
 * The delinquency history of a loan as its facts show it, day by day from the disbursement, and
 * the restatement a correction publishes when it changes that history.
 *
 * A correction is a fact that reaches into days already closed: a payment valued before the day it
 * is recorded (backdated), the reversal of a payment (a bounce, a chargeback), a schedule
 * restructured from an earlier effective date, a hold started or ended on an earlier day. Loans
 * replays the facts, so its own figures are right at once; the other contexts folded the days as
 * they were reported and need to be told what the corrected history is. `DelinquencyRestated`
 * carries the history before and after the correction, so each reader can replace what it derived
 * and an auditor sees both.
 */

/** One delinquency episode: the first day past due, the day it was cured (null: still open), its peak DPD. */
export interface RestatedEpisode {
  readonly start: BusinessDate;
  readonly end: BusinessDate | null;
  readonly maxDpd: number;
}

/** A run of days in one stage, half open: the stage at the end of each day d with from <= d < to (to null: still running). */
export interface StageSpell {
  readonly stage: DelinquencyStage;
  readonly from: BusinessDate;
  readonly to: BusinessDate | null;
}

/** A payment valued while the loan was past due, and whether it left the loan past due (partial). */
export interface RestatedOverduePayment {
  readonly reference: string;
  readonly valueDate: BusinessDate;
  readonly partial: boolean;
}

export interface DelinquencyHistory {
  /** The last day the history covers (the day it was evaluated for). */
  readonly through: BusinessDate;
  readonly episodes: readonly RestatedEpisode[];
  readonly stages: readonly StageSpell[];
  readonly overduePayments: readonly RestatedOverduePayment[];
}

/** The fact that corrected the history, by its own identifiers (no personal data). */
export interface CorrectionRef {
  readonly type: 'PaymentReceived' | 'PaymentReversed' | 'ScheduleRestructured' | 'PenaltyWaived' | 'CollectionHoldStarted' | 'CollectionHoldEnded';
  /** The payment's reference, the restructuring's or the hold's id. */
  readonly ref: string;
  /** The first day the fact speaks about: value date, effective date, hold start or end. */
  readonly effectiveFrom: BusinessDate;
  /** The business date the correction was recorded on. */
  readonly recordedOn: BusinessDate;
}

/** A stretch of days [from, to] on which the oldest unpaid due date is constant: DPD is constant or rises by one a day. */
interface Segment {
  readonly from: BusinessDate;
  readonly to: BusinessDate;
  readonly dpdFrom: number;
  readonly rising: boolean;
}

const later = (a: BusinessDate, b: BusinessDate): BusinessDate => (compareDates(a, b) >= 0 ? a : b);

/**
 * The days on which the oldest unpaid due date can change: a payment or restructuring date, the day
 * after a due date, the start and end of a hold. Between two of them DPD is either constant (a hold
 * pauses it) or rises by one a day, so one replay per stretch is enough.
 */
function segments(facts: LoanFacts, through: BusinessDate): Segment[] {
  const start = facts.terms.disbursementDate;
  const points = new Set<BusinessDate>([start]);
  const add = (d: BusinessDate) => {
    if (compareDates(d, start) > 0 && compareDates(d, through) <= 0) points.add(d);
  };
  for (const i of facts.schedule) add(addDays(i.dueDate, 1));
  for (const f of facts.ledger) {
    add(factDate(f));
    if (f.kind === 'restructuring') for (const i of f.newSchedule) add(addDays(i.dueDate, 1));
  }
  for (const h of facts.holds) {
    add(h.from);
    if (h.to) add(h.to);
  }
  const sorted = [...points].sort(compareDates);
  const { holds, product } = facts;
  return sorted.map((from, n) => {
    const to = n + 1 < sorted.length ? addDays(sorted[n + 1], -1) : through;
    const oldest = project(facts, from).oldestUnpaidDueDate;
    const dpdFrom = daysPastDue(oldest, from, holds, product.holdDaysCountTowardDpd);
    const dpdTo = daysPastDue(oldest, to, holds, product.holdDaysCountTowardDpd);
    return { from, to, dpdFrom, rising: dpdTo > dpdFrom };
  });
}

function dpdIn(s: Segment, d: BusinessDate): number {
  return s.rising ? s.dpdFrom + daysBetween(s.from, d) : s.dpdFrom;
}

function dpdOnDay(segs: readonly Segment[], d: BusinessDate): number {
  for (const s of segs) if (compareDates(s.from, d) <= 0 && compareDates(d, s.to) <= 0) return dpdIn(s, d);
  return 0;
}

/** The loan's delinquency history from its disbursement through `through`, replayed from its facts. */
export function delinquencyHistory(facts: LoanFacts, through: BusinessDate): DelinquencyHistory {
  const boundaries = facts.product.stageBoundaries;
  const segs = segments(facts, later(through, facts.terms.disbursementDate));
  const episodes: RestatedEpisode[] = [];
  const stages: StageSpell[] = [];
  const stage = (s: DelinquencyStage, from: BusinessDate) => {
    const last = stages.at(-1);
    if (last && last.stage === s) return;
    if (last) stages[stages.length - 1] = { ...last, to: from };
    stages.push({ stage: s, from, to: null });
  };
  let open = null as { start: BusinessDate; maxDpd: number } | null;
  for (const s of segs) {
    const dpdTo = dpdIn(s, s.to);
    if (s.dpdFrom > 0) {
      open = open ? { ...open, maxDpd: Math.max(open.maxDpd, dpdTo) } : { start: s.from, maxDpd: dpdTo };
    } else if (open) {
      episodes.push({ start: open.start, end: s.from, maxDpd: open.maxDpd });
      open = null;
    }
    stage(stageFor(s.dpdFrom, boundaries), s.from);
    if (s.rising) {
      // The days inside the stretch on which DPD passes a stage's upper bound.
      for (const bounded of BOUNDED_STAGES) {
        const day = addDays(s.from, boundaries[bounded] + 1 - s.dpdFrom);
        if (compareDates(day, s.from) > 0 && compareDates(day, s.to) <= 0) stage(stageFor(dpdIn(s, day), boundaries), day);
      }
    }
  }
  if (open) episodes.push({ start: open.start, end: null, maxDpd: open.maxDpd });

  const overduePayments = facts.ledger
    .filter((f): f is PaymentFact => f.kind === 'payment' && f.reversal === null && compareDates(f.valueDate, through) <= 0)
    .filter((p) => compareDates(p.valueDate, facts.terms.disbursementDate) > 0 && dpdOnDay(segs, addDays(p.valueDate, -1)) > 0)
    .sort((a, b) => compareDates(a.valueDate, b.valueDate))
    .map((p) => ({ reference: p.reference, valueDate: p.valueDate, partial: dpdOnDay(segs, p.valueDate) > 0 }));
  return { through, episodes, stages, overduePayments };
}

const sameHistory = (a: DelinquencyHistory, b: DelinquencyHistory): boolean =>
  JSON.stringify([a.episodes, a.stages, a.overduePayments]) === JSON.stringify([b.episodes, b.stages, b.overduePayments]);

/** What a fact says about the past, or null when it speaks only about the day it is recorded on. */
export function correctionOf(
  fact:
    | { readonly type: 'PaymentReceived'; readonly data: { readonly reference: string; readonly valueDate: BusinessDate; readonly businessDate: BusinessDate } }
    | { readonly type: 'PaymentReversed'; readonly data: { readonly reference: string; readonly valueDate: BusinessDate; readonly businessDate: BusinessDate } }
    | {
        readonly type: 'ScheduleRestructured';
        readonly data: { readonly restructuringId: string; readonly effectiveDate: BusinessDate; readonly businessDate: BusinessDate };
      }
    | { readonly type: 'PenaltyWaived'; readonly data: { readonly waiverId: string; readonly businessDate: BusinessDate } }
    | { readonly type: 'LoanSettled'; readonly data: { readonly settlementId: string; readonly settledOn: BusinessDate; readonly businessDate: BusinessDate } }
    | { readonly type: 'CollectionHoldStarted'; readonly data: { readonly holdId: string; readonly from: BusinessDate; readonly businessDate: BusinessDate } }
    | { readonly type: 'CollectionHoldEnded'; readonly data: { readonly holdId: string; readonly to: BusinessDate; readonly businessDate: BusinessDate } },
  asOf: BusinessDate,
): CorrectionRef | null {
  // A settlement is valued on the business date it completes on: it never speaks about the past.
  if (fact.type === 'LoanSettled') return null;
  const recordedOn = fact.data.businessDate;
  // The fact's own id and the day it takes effect from.
  const [ref, effectiveFrom]: [string, BusinessDate] =
    fact.type === 'PaymentReceived' || fact.type === 'PaymentReversed'
      ? [fact.data.reference, fact.data.valueDate]
      : fact.type === 'ScheduleRestructured'
        ? [fact.data.restructuringId, fact.data.effectiveDate]
        : fact.type === 'PenaltyWaived'
          ? [fact.data.waiverId, fact.data.businessDate]
          : fact.type === 'CollectionHoldStarted'
            ? [fact.data.holdId, fact.data.from]
            : [fact.data.holdId, fact.data.to];
  // A reversal always takes back a fact already reported (even one valued today: the cure it
  // brought was published); any other fact corrects the past only when it is dated before today.
  if (fact.type !== 'PaymentReversed' && compareDates(effectiveFrom, asOf) >= 0) return null;
  return { type: fact.type, ref, effectiveFrom, recordedOn };
}

export interface Restatement {
  readonly asOf: BusinessDate;
  readonly correction: CorrectionRef;
  readonly before: DelinquencyHistory;
  readonly after: DelinquencyHistory;
}

/**
 * The restatement a correction makes: the history through `asOf` on the facts before it and on the
 * facts after it, or null when the correction changes nothing of the history already reported: a
 * backdated payment that only pays early, or one whose difference falls on a day not closed yet.
 * Reported are the days closed before the correction's business date, and the loan's last
 * evaluated date (`lastEvaluated`: a cure reported earlier the same day counts).
 */
export function restatementOf(
  before: LoanFacts,
  after: LoanFacts,
  correction: CorrectionRef | null,
  asOf: BusinessDate,
  lastEvaluated: BusinessDate = asOf,
): Restatement | null {
  if (!correction) return null;
  const closed = later(addDays(correction.recordedOn, -1), lastEvaluated);
  const reported = compareDates(closed, asOf) < 0 ? closed : asOf;
  if (compareDates(reported, asOf) < 0 && sameHistory(delinquencyHistory(before, reported), delinquencyHistory(after, reported))) return null;
  const was = delinquencyHistory(before, asOf);
  const is = delinquencyHistory(after, asOf);
  return sameHistory(was, is) ? null : { asOf, correction, before: was, after: is };
}
