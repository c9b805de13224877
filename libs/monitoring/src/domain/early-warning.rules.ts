import { daysBetween, type BusinessDate, type Fen } from '#kernel';
import { stageRank, type LoanStage, type Observation, type PaymentPart, type Stage } from './observations.js';

/**
 * The early-warning rule set: pure functions from a customer's watched behaviour and one new
 * observation to the signals it shows. Rule sets are versioned values; every warning records the
 * version that raised it, and a new version is a new entry in RULE_SETS (old ones stay readable).
 */

export const SIGNAL_CODES = [
  'LATE_VS_PATTERN',
  'PARTIAL_PAYMENT',
  'PAYMENT_REVERSED',
  'PROMISE_BROKEN',
  'GRADE_DOWNGRADE',
  'DPD_RISING',
  'INCOME_DROP',
  'BUREAU_SCORE_DROP',
] as const;
export type SignalCode = (typeof SIGNAL_CODES)[number];

export type Severity = 'LOW' | 'MEDIUM' | 'HIGH';

export interface Signal {
  readonly code: SignalCode;
  /**
   * What de-duplication compares: the same key does not fire twice in one episode. It is the code,
   * except for DPD_RISING (code and the worst stage reached) and GRADE_DOWNGRADE (code and the new
   * grade), where a further step down is news.
   */
  readonly key: string;
  readonly weight: number;
  readonly loanId: string | null;
  /** Figures that made the rule fire (days, fen, stages, grades; never personal data). */
  readonly evidence: Readonly<Record<string, number | string | null>>;
  readonly sourceEventId: string;
}

export interface RuleSet {
  readonly version: string;
  readonly latePayment: {
    /** Completed installments needed before a customer has a "usual" timing. */
    readonly minHistory: number;
    /** How many recent completions the usual timing (their median) is taken over. */
    readonly lookback: number;
    /** Days later than usual that count as late. */
    readonly toleranceDays: number;
  };
  /** Income falling by at least this share (basis points) of the previous income. */
  readonly incomeDropBps: number;
  /** Bureau score falling by at least this many points. */
  readonly bureauScoreDropPoints: number;
  /** Grades from best to worst; a move to the right is a downgrade. */
  readonly gradeOrder: readonly string[];
  readonly weights: Readonly<Record<SignalCode, number>>;
  /** Severity of an episode from the summed weights of the signals fired in it. */
  readonly severity: { readonly medium: number; readonly high: number };
}

export const RULE_SET_V1: RuleSet = Object.freeze({
  version: 'EW-1',
  latePayment: { minHistory: 3, lookback: 6, toleranceDays: 3 },
  incomeDropBps: 2000,
  bureauScoreDropPoints: 30,
  gradeOrder: ['A', 'B', 'C', 'D', 'E'],
  weights: {
    LATE_VS_PATTERN: 1,
    PARTIAL_PAYMENT: 1,
    PAYMENT_REVERSED: 2,
    PROMISE_BROKEN: 2,
    GRADE_DOWNGRADE: 2,
    DPD_RISING: 2,
    INCOME_DROP: 1,
    BUREAU_SCORE_DROP: 1,
  },
  severity: { medium: 2, high: 4 },
} satisfies RuleSet) as RuleSet;

/** Every rule set ever published, by version. */
export const RULE_SETS: Readonly<Record<string, RuleSet>> = Object.freeze({ [RULE_SET_V1.version]: RULE_SET_V1 });
export const CURRENT_RULE_SET = RULE_SET_V1;

export function severityFor(score: number, thresholds: RuleSet['severity']): Severity {
  return score >= thresholds.high ? 'HIGH' : score >= thresholds.medium ? 'MEDIUM' : 'LOW';
}

// ---- what the rules remember about a customer ---------------------------------------------------

interface WatchedInstallment {
  readonly seq: number;
  readonly dueDate: BusinessDate;
  readonly owed: Fen;
  readonly paid: Fen;
}

interface WatchedLoan {
  readonly loanId: string;
  readonly stage: LoanStage;
  readonly dpd: number;
  readonly installments: readonly WatchedInstallment[];
  /** Principal-and-interest parts of the payments not reversed, by reference (to undo a reversal). */
  readonly payments: Readonly<Record<string, readonly PaymentPart[]>>;
}

export interface CustomerBehaviour {
  readonly customerId: string;
  readonly loans: Readonly<Record<string, WatchedLoan>>;
  /** Days from due date to the payment that completed an installment (negative: early), oldest first. */
  readonly completionOffsets: readonly number[];
  readonly grade: string | null;
  readonly bureauScore: number | null;
  readonly monthlyIncome: Fen | null;
}

export function emptyBehaviour(customerId: string): CustomerBehaviour {
  return { customerId, loans: {}, completionOffsets: [], grade: null, bureauScore: null, monthlyIncome: null };
}

export interface Assessment {
  readonly behaviour: CustomerBehaviour;
  readonly signals: readonly Signal[];
  /**
   * The observation is good news (a cure, a pay-off, a payment in full, a kept promise) and leaves
   * no loan of the customer past due: the customer is current again, which ends an episode.
   */
  readonly current: boolean;
}

const OFFSETS_KEPT = 24;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function isDelinquent(loan: WatchedLoan): boolean {
  return stageRank(loan.stage) > 0;
}

function noLoanPastDue(b: CustomerBehaviour): boolean {
  return Object.values(b.loans).every((l) => !isDelinquent(l));
}

function worstStage(b: CustomerBehaviour): Stage {
  let worst: Stage = 'M0';
  for (const loan of Object.values(b.loans)) if (stageRank(loan.stage) > stageRank(worst)) worst = loan.stage as Stage;
  return worst;
}

function withLoan(b: CustomerBehaviour, loan: WatchedLoan): CustomerBehaviour {
  return { ...b, loans: { ...b.loans, [loan.loanId]: loan } };
}

function signal(ruleSet: RuleSet, code: SignalCode, obs: Observation, loanId: string | null, evidence: Signal['evidence'], qualifier?: string): Signal {
  return { code, key: qualifier ? `${code}:${qualifier}` : code, weight: ruleSet.weights[code], loanId, evidence, sourceEventId: obs.sourceEventId };
}

/**
 * Folds one observation into a customer's behaviour and says which signals it shows. Pure: the
 * same behaviour and observation always give the same answer.
 */
export function assess(ruleSet: RuleSet, behaviour: CustomerBehaviour, obs: Observation): Assessment {
  const none = (b: CustomerBehaviour, current = false): Assessment => ({ behaviour: b, signals: [], current });
  switch (obs.kind) {
    case 'LoanOpened': {
      const loan: WatchedLoan = {
        loanId: obs.loanId,
        stage: 'M0',
        dpd: 0,
        installments: obs.installments.map((i) => ({ ...i, paid: 0 })),
        payments: {},
      };
      return none(withLoan(behaviour, loan));
    }
    case 'ScheduleReplaced': {
      const loan = behaviour.loans[obs.loanId];
      if (!loan) return none(behaviour);
      const kept = loan.installments.filter((i) => !obs.replacedSeqs.includes(i.seq));
      return none(withLoan(behaviour, { ...loan, installments: [...kept, ...obs.installments.map((i) => ({ ...i, paid: 0 }))] }));
    }
    case 'PaymentMade': {
      const loan = behaviour.loans[obs.loanId];
      // A recovery on a written-off loan says nothing about how the customer pays installments.
      if (!loan || obs.recovery) return none(behaviour);
      const paidBySeq = new Map<number, number>();
      for (const p of obs.parts) paidBySeq.set(p.seq, (paidBySeq.get(p.seq) ?? 0) + p.paid);
      const installments = loan.installments.map((i) => (paidBySeq.has(i.seq) ? { ...i, paid: i.paid + paidBySeq.get(i.seq)! } : i));
      const updatedLoan: WatchedLoan = { ...loan, installments, payments: { ...loan.payments, [obs.reference]: obs.parts } };
      let next = withLoan(behaviour, updatedLoan);
      const signals: Signal[] = [];

      // Partial: something due by the value date is still not fully paid after this payment.
      const shortfall = installments.filter((i) => i.dueDate <= obs.valueDate && i.paid < i.owed).reduce((sum, i) => sum + (i.owed - i.paid), 0);
      if (shortfall > 0) {
        signals.push(signal(ruleSet, 'PARTIAL_PAYMENT', obs, obs.loanId, { amount: obs.amount, shortfall, valueDate: obs.valueDate }));
      }

      // Timing: the installments this payment completed, against the customer's usual timing.
      const completed = installments.filter((i) => paidBySeq.has(i.seq) && i.paid >= i.owed && i.paid - paidBySeq.get(i.seq)! < i.owed);
      const offsets = [...next.completionOffsets];
      for (const inst of completed.sort((a, b) => a.seq - b.seq)) {
        const offset = daysBetween(inst.dueDate, obs.valueDate);
        const history = offsets.slice(-ruleSet.latePayment.lookback);
        if (history.length >= ruleSet.latePayment.minHistory) {
          const usual = median(history);
          if (offset - usual >= ruleSet.latePayment.toleranceDays && !signals.some((s) => s.code === 'LATE_VS_PATTERN')) {
            signals.push(signal(ruleSet, 'LATE_VS_PATTERN', obs, obs.loanId, { seq: inst.seq, offsetDays: offset, usualOffsetDays: usual }));
          }
        }
        offsets.push(offset);
      }
      next = { ...next, completionOffsets: offsets.slice(-OFFSETS_KEPT) };
      return { behaviour: next, signals, current: signals.length === 0 && noLoanPastDue(next) };
    }
    case 'PaymentReversed': {
      const loan = behaviour.loans[obs.loanId];
      const sig = signal(ruleSet, 'PAYMENT_REVERSED', obs, obs.loanId, { amount: obs.amount });
      if (!loan) return { behaviour, signals: [sig], current: false };
      const parts = loan.payments[obs.reference] ?? [];
      const undo = new Map<number, number>();
      for (const p of parts) undo.set(p.seq, (undo.get(p.seq) ?? 0) + p.paid);
      const { [obs.reference]: _gone, ...payments } = loan.payments;
      const installments = loan.installments.map((i) => (undo.has(i.seq) ? { ...i, paid: Math.max(0, i.paid - undo.get(i.seq)!) } : i));
      return { behaviour: withLoan(behaviour, { ...loan, installments, payments }), signals: [sig], current: false };
    }
    case 'LoanStageChanged': {
      const loan = behaviour.loans[obs.loanId];
      const before: LoanStage = obs.from ?? loan?.stage ?? 'M0';
      const base: WatchedLoan = loan ?? { loanId: obs.loanId, stage: 'M0', dpd: 0, installments: [], payments: {} };
      const next = withLoan(behaviour, { ...base, stage: obs.to, dpd: obs.dpd });
      if (stageRank(obs.to) > stageRank(before)) {
        const delinquent = Object.values(next.loans).filter(isDelinquent);
        const worst = worstStage(next);
        const evidence = {
          stage: obs.to,
          dpd: obs.dpd,
          worstStage: worst,
          loansPastDue: delinquent.length,
          totalDpd: delinquent.reduce((s, l) => s + l.dpd, 0),
        };
        return { behaviour: next, signals: [signal(ruleSet, 'DPD_RISING', obs, obs.loanId, evidence, worst)], current: false };
      }
      return none(next, obs.to === 'M0' && noLoanPastDue(next));
    }
    case 'LoanPaidOff': {
      const loan = behaviour.loans[obs.loanId];
      if (!loan) return none(behaviour);
      const next = withLoan(behaviour, { ...loan, stage: 'PAID_OFF', dpd: 0 });
      return none(next, noLoanPastDue(next));
    }
    case 'LoanReopened': {
      const loan = behaviour.loans[obs.loanId];
      return loan ? none(withLoan(behaviour, { ...loan, stage: 'M0' })) : none(behaviour);
    }
    case 'PromiseResolved': {
      if (obs.kept) return none(behaviour, noLoanPastDue(behaviour));
      return { behaviour, signals: [signal(ruleSet, 'PROMISE_BROKEN', obs, null, { promiseId: obs.promiseId })], current: false };
    }
    case 'CustomerGraded': {
      const previous = obs.previousGrade ?? behaviour.grade;
      const next = { ...behaviour, grade: obs.grade };
      const from = previous === null ? -1 : ruleSet.gradeOrder.indexOf(previous);
      const to = ruleSet.gradeOrder.indexOf(obs.grade);
      if (from >= 0 && to > from) {
        return { behaviour: next, signals: [signal(ruleSet, 'GRADE_DOWNGRADE', obs, null, { from: previous, to: obs.grade }, obs.grade)], current: false };
      }
      return none(next);
    }
    case 'ProfileUpdated': {
      const signals: Signal[] = [];
      const oldIncome = behaviour.monthlyIncome;
      if (obs.monthlyIncome !== null && oldIncome !== null && oldIncome > 0) {
        const dropBps = Math.floor(((oldIncome - obs.monthlyIncome) * 10_000) / oldIncome);
        if (dropBps >= ruleSet.incomeDropBps) {
          signals.push(signal(ruleSet, 'INCOME_DROP', obs, null, { previousIncome: oldIncome, income: obs.monthlyIncome, dropBps }));
        }
      }
      const oldScore = behaviour.bureauScore;
      if (obs.bureauScore !== null && oldScore !== null && oldScore - obs.bureauScore >= ruleSet.bureauScoreDropPoints) {
        signals.push(signal(ruleSet, 'BUREAU_SCORE_DROP', obs, null, { previousScore: oldScore, score: obs.bureauScore, drop: oldScore - obs.bureauScore }));
      }
      const next: CustomerBehaviour = {
        ...behaviour,
        monthlyIncome: obs.monthlyIncome ?? behaviour.monthlyIncome,
        bureauScore: obs.bureauScore ?? behaviour.bureauScore,
      };
      return { behaviour: next, signals, current: false };
    }
    default:
      return none(behaviour);
  }
}

/** The observations the rules read (the others are of no interest to early warning). */
export const WATCHED_KINDS: ReadonlySet<Observation['kind']> = new Set([
  'LoanOpened',
  'ScheduleReplaced',
  'PaymentMade',
  'PaymentReversed',
  'LoanStageChanged',
  'LoanPaidOff',
  'LoanReopened',
  'PromiseResolved',
  'CustomerGraded',
  'ProfileUpdated',
]);
