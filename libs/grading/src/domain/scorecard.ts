import { compareDates, type BusinessDate, type Fen } from '#kernel';
import { reportedDpdOn } from '#loans';
import { THRESHOLD_GRADES, type Grade, type ScoreGrade, type ThresholdGrade } from './grades.js';
import { episodePeak, monthsBetween, twelveMonthsBefore, type LoanRecord } from './loan-facts.js';

/**
 * The scorecard: each factor's value falls into one bin, which gives points; the score is the base
 * points plus every factor's points; thresholds turn the score into a grade. Overrides (dispute,
 * deceased, fraud) are checked first and, when one applies, decide the grade without a score.
 * All values and points are integers: no floating point anywhere in a grade.
 */
export const FACTORS = [
  'bureauScore',
  'debtToIncomeBps',
  'monthsOnBook',
  'currentDpd',
  'worstDpd12m',
  'delinquentEpisodes12m',
  'brokenPromises12m',
  'partialPaymentRatioBps',
  'activeRestructuring',
] as const;
export type FactorName = (typeof FACTORS)[number];

/** A factor's value; null when it is unknown (no bureau score, no income reported, no loans...). */
export type FactorValues = Readonly<Record<FactorName, number | null>>;

/** A half-open range [from, to) of factor values; null bounds are open. */
interface Bin {
  readonly from: number | null;
  readonly to: number | null;
  readonly points: number;
}

export interface FactorRule {
  readonly bins: readonly Bin[];
  /** Points when the value is unknown. */
  readonly missingPoints: number;
}

export const OVERRIDE_FLAGS = ['activeDispute', 'deceased', 'suspectedFraud'] as const;
export type OverrideFlag = (typeof OVERRIDE_FLAGS)[number];
export type OverrideFlags = Readonly<Record<OverrideFlag, boolean>>;
export const NO_FLAGS: OverrideFlags = Object.freeze({ activeDispute: false, deceased: false, suspectedFraud: false });

/** `hold`: the HOLD grade (no score-based treatment); `fixed`: a set grade. */
type OverrideRule =
  { readonly flag: OverrideFlag; readonly action: 'hold' } | { readonly flag: OverrideFlag; readonly action: 'fixed'; readonly grade: ScoreGrade };

export interface PolicyDocument {
  readonly basePoints: number;
  readonly factors: Readonly<Record<FactorName, FactorRule>>;
  /** Minimum score of each grade; a score below the D threshold is E. */
  readonly thresholds: Readonly<Record<ThresholdGrade, number>>;
  /** Checked in order before the score; the first whose flag is set decides. */
  readonly overrides: readonly OverrideRule[];
}

export interface FactorContribution {
  readonly factor: FactorName;
  readonly value: number | null;
  readonly points: number;
}

export type Evaluation =
  | { readonly kind: 'override'; readonly grade: Grade; readonly override: OverrideRule; readonly score: null; readonly factors: readonly FactorContribution[] }
  | { readonly kind: 'score'; readonly grade: ScoreGrade; readonly override: null; readonly score: number; readonly factors: readonly FactorContribution[] };

const POINTS_LIMIT = 100_000;

/** Why a policy document is unusable, or null when it is fine. */
export function policyProblem(doc: PolicyDocument): string | null {
  const int = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && Math.abs(n) <= POINTS_LIMIT;
  if (!int(doc.basePoints)) return `basePoints must be a whole number within ±${POINTS_LIMIT}`;
  for (const factor of FACTORS) {
    const rule = doc.factors[factor];
    if (!rule) return `factor ${factor} has no rule`;
    if (!int(rule.missingPoints)) return `factor ${factor}: missingPoints must be a whole number within ±${POINTS_LIMIT}`;
    if (rule.bins.length === 0) return `factor ${factor}: at least one bin is needed`;
    if (rule.bins[0].from !== null && rule.bins[0].from > 0) return `factor ${factor}: the first bin must start at 0 or be open below`;
    if (rule.bins[rule.bins.length - 1].to !== null) return `factor ${factor}: the last bin must be open above (to: null)`;
    for (let i = 0; i < rule.bins.length; i++) {
      const bin = rule.bins[i];
      if (!int(bin.points)) return `factor ${factor}: bin ${i} points must be a whole number within ±${POINTS_LIMIT}`;
      if (bin.from !== null && !Number.isSafeInteger(bin.from)) return `factor ${factor}: bin ${i} bounds must be whole numbers`;
      if (bin.to !== null && !Number.isSafeInteger(bin.to)) return `factor ${factor}: bin ${i} bounds must be whole numbers`;
      if (bin.from !== null && bin.to !== null && bin.from >= bin.to) return `factor ${factor}: bin ${i} is empty (from ${bin.from} >= to ${bin.to})`;
      if (i > 0 && (bin.from === null || bin.from !== rule.bins[i - 1].to)) {
        return `factor ${factor}: bins must be contiguous (bin ${i} starts at ${bin.from}, bin ${i - 1} ends at ${rule.bins[i - 1].to})`;
      }
    }
  }
  for (const extra of Object.keys(doc.factors)) if (!(FACTORS as readonly string[]).includes(extra)) return `unknown factor ${extra}`;
  let previous = Number.POSITIVE_INFINITY;
  for (const grade of THRESHOLD_GRADES) {
    const t = doc.thresholds[grade];
    if (!int(t)) return `threshold ${grade} must be a whole number within ±${POINTS_LIMIT}`;
    if (t >= previous) return `thresholds must strictly decrease from A to D (${grade}: ${t})`;
    previous = t;
  }
  const seen = new Set<string>();
  for (const o of doc.overrides) {
    if (seen.has(o.flag)) return `override ${o.flag} is listed twice`;
    seen.add(o.flag);
  }
  return null;
}

function pointsFor(rule: FactorRule, value: number | null): number {
  if (value === null) return rule.missingPoints;
  for (const bin of rule.bins) {
    if ((bin.from === null || value >= bin.from) && (bin.to === null || value < bin.to)) return bin.points;
  }
  return rule.missingPoints;
}

export function gradeForScore(score: number, thresholds: PolicyDocument['thresholds']): ScoreGrade {
  for (const grade of THRESHOLD_GRADES) if (score >= thresholds[grade]) return grade;
  return 'E';
}

/** Overrides first, then the scorecard. */
export function evaluate(policy: PolicyDocument, flags: OverrideFlags, values: FactorValues): Evaluation {
  for (const override of policy.overrides) {
    if (flags[override.flag]) {
      return { kind: 'override', grade: override.action === 'hold' ? 'HOLD' : override.grade, override, score: null, factors: [] };
    }
  }
  const factors = FACTORS.map((factor) => ({ factor, value: values[factor], points: pointsFor(policy.factors[factor], values[factor]) }));
  const score = factors.reduce((s, f) => s + f.points, policy.basePoints);
  return { kind: 'score', grade: gradeForScore(score, policy.thresholds), override: null, score, factors };
}

/** Facts reported by core banking and the credit bureau. No personal data. */
export interface ProfileFacts {
  readonly bureauScore: number | null;
  readonly monthlyIncome: Fen | null;
  readonly monthlyObligations: Fen | null;
  readonly flags: OverrideFlags;
}

export interface PromiseOutcome {
  readonly promiseId: string;
  readonly outcome: 'kept' | 'broken';
  readonly on: BusinessDate;
}

export type RestructuringStatus = 'activated' | 'broken' | 'completed';

/** What the customer's own stream knows besides loans. */
export interface CustomerFacts {
  readonly profile: ProfileFacts | null;
  readonly promises: readonly PromiseOutcome[];
  readonly restructurings: Readonly<Record<string, { readonly status: RestructuringStatus; readonly on: BusinessDate }>>;
}

/** Debt-to-income in basis points (obligations / income × 10,000, rounded down), in exact integers. */
export function debtToIncomeBps(income: Fen | null, obligations: Fen | null): number | null {
  if (income === null || obligations === null || income <= 0) return null;
  return Number((BigInt(obligations) * 10_000n) / BigInt(income));
}

/** Every factor's value for a customer on `asOf`, from the customer's facts and loan records. */
export function factorValues(facts: CustomerFacts, loans: readonly LoanRecord[], asOf: BusinessDate): FactorValues {
  const windowStart = twelveMonthsBefore(asOf);
  const inWindow = (d: BusinessDate) => compareDates(d, windowStart) > 0 && compareDates(d, asOf) <= 0;
  const known = loans.filter((l) => compareDates(l.disbursementDate, asOf) <= 0);
  const open = known.filter((l) => !l.paidOff);
  const firstDisbursed = known.reduce<BusinessDate | null>((m, l) => (m === null || compareDates(l.disbursementDate, m) < 0 ? l.disbursementDate : m), null);
  let worst = 0;
  let episodes = 0;
  for (const loan of known) {
    for (const e of loan.episodes) {
      if (compareDates(e.start, asOf) > 0) continue;
      if (e.end === null || compareDates(e.end, windowStart) > 0) worst = Math.max(worst, episodePeak(loan, e, asOf));
      if (inWindow(e.start)) episodes += 1;
    }
  }
  const payments = known.flatMap((l) => l.overduePayments.filter((p) => inWindow(p.on)));
  const profile = facts.profile;
  return {
    bureauScore: profile?.bureauScore ?? null,
    debtToIncomeBps: debtToIncomeBps(profile?.monthlyIncome ?? null, profile?.monthlyObligations ?? null),
    monthsOnBook: firstDisbursed === null ? null : monthsBetween(firstDisbursed, asOf),
    currentDpd: known.length === 0 ? null : open.reduce((m, l) => Math.max(m, reportedDpdOn(l, asOf)), 0),
    worstDpd12m: known.length === 0 ? null : worst,
    delinquentEpisodes12m: known.length === 0 ? null : episodes,
    brokenPromises12m: facts.promises.filter((p) => p.outcome === 'broken' && inWindow(p.on)).length,
    partialPaymentRatioBps: payments.length === 0 ? null : Math.floor((payments.filter((p) => p.partial).length * 10_000) / payments.length),
    activeRestructuring: Object.values(facts.restructurings).some((r) => r.status === 'activated') ? 1 : 0,
  };
}
