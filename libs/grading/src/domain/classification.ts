import { addMonths, compareDates, type BusinessDate } from '#kernel';
import { reportedDpdOn } from '#loans';
import { categoryRank, type Category } from './grades.js';
import { type LoanRecord, type LoanRestructuring } from './loan-facts.js';

/**
 * Five-category loan risk classification. The defaults follow the 2023 PRC measures on the risk
 * classification of financial assets (商业银行金融资产风险分类办法):
 * - principal or interest overdue (DPD >= 1): at least special mention;
 * - overdue more than 90 days: at least substandard; more than 270: doubtful; more than 360: loss;
 * - a restructured loan is at least special mention through its observation period, which runs from
 *   the first repayment date after the restructuring for at least two repayment periods and at
 *   least one year; a loan that misses a payment in observation, or is restructured again during
 *   it, is at least substandard; one that was substandard or worse when restructured is not
 *   upgraded during observation.
 * A rules version may be stricter than the measures, never laxer (see `rulesProblem`).
 */
export interface ClassificationRules {
  /** DPD from which a loan is at least special mention (1: any principal or interest overdue). */
  readonly specialMentionFromDpd: number;
  /** More than this many days past due: at least substandard / doubtful / loss. */
  readonly substandardOverDpd: number;
  readonly doubtfulOverDpd: number;
  readonly lossOverDpd: number;
  readonly restructuring: {
    /** Observation lasts at least this many months from the first repayment date... */
    readonly observationMonths: number;
    /** ...and at least this many repayment periods. */
    readonly observationPeriods: number;
    /** The floor for a loan that misses a payment during observation. */
    readonly missedPaymentCategory: Category;
    /** The floor for a loan restructured again during observation. */
    readonly restructuredAgainCategory: Category;
    /** A loan substandard or worse when restructured keeps that category through observation. */
    readonly keepCategoryBefore: boolean;
  };
}

export const DEFAULT_RULES: ClassificationRules = Object.freeze({
  specialMentionFromDpd: 1,
  substandardOverDpd: 90,
  doubtfulOverDpd: 270,
  lossOverDpd: 360,
  restructuring: Object.freeze({
    observationMonths: 12,
    observationPeriods: 2,
    missedPaymentCategory: 'substandard' as const,
    restructuredAgainCategory: 'substandard' as const,
    keepCategoryBefore: true,
  }),
});

/** The version applied while no rules version has been activated. */
export const BUILTIN_RULES_VERSION = 'builtin-2023';

export type ClassificationRule =
  | 'performing'
  | 'overdue'
  | 'overdue.over-substandard-days'
  | 'overdue.over-doubtful-days'
  | 'overdue.over-loss-days'
  | 'restructured.observation'
  | 'restructured.missed-payment'
  | 'restructured.again'
  | 'restructured.no-upgrade';

export interface Classification {
  readonly category: Category;
  /** The rule that decided the category. */
  readonly rule: ClassificationRule;
  readonly dpd: number;
  /** The observation period of the latest restructuring in force on the date, if any. */
  readonly observation: { readonly restructuringId: string; readonly from: BusinessDate; readonly to: BusinessDate } | null;
}

/** Why a rules version is unusable (or laxer than the measures), or null when it is fine. */
export function rulesProblem(rules: ClassificationRules): string | null {
  const whole = (n: number) => Number.isSafeInteger(n) && n >= 0;
  const { specialMentionFromDpd: sm, substandardOverDpd: sub, doubtfulOverDpd: dbt, lossOverDpd: loss, restructuring: r } = rules;
  if (![sm, sub, dbt, loss, r.observationMonths, r.observationPeriods].every(whole)) return 'day counts, months and periods must be whole non-negative numbers';
  if (sm < 1 || sm > 1) return 'specialMentionFromDpd must be 1: any principal or interest overdue is at least special mention';
  if (!(sub < dbt && dbt < loss)) return 'substandardOverDpd < doubtfulOverDpd < lossOverDpd is required';
  if (sub > DEFAULT_RULES.substandardOverDpd || dbt > DEFAULT_RULES.doubtfulOverDpd || loss > DEFAULT_RULES.lossOverDpd) {
    return `the day thresholds may not be laxer than the measures (${DEFAULT_RULES.substandardOverDpd}/${DEFAULT_RULES.doubtfulOverDpd}/${DEFAULT_RULES.lossOverDpd})`;
  }
  if (r.observationMonths < 12 || r.observationPeriods < 2) return 'the observation period must last at least 12 months and 2 repayment periods';
  if (categoryRank(r.missedPaymentCategory) < categoryRank('substandard') || categoryRank(r.restructuredAgainCategory) < categoryRank('substandard')) {
    return 'a missed payment or a second restructuring during observation must give at least substandard';
  }
  return null;
}

function dpdCategory(rules: ClassificationRules, dpd: number): { category: Category; rule: ClassificationRule } {
  if (dpd > rules.lossOverDpd) return { category: 'loss', rule: 'overdue.over-loss-days' };
  if (dpd > rules.doubtfulOverDpd) return { category: 'doubtful', rule: 'overdue.over-doubtful-days' };
  if (dpd > rules.substandardOverDpd) return { category: 'substandard', rule: 'overdue.over-substandard-days' };
  if (dpd >= rules.specialMentionFromDpd) return { category: 'special_mention', rule: 'overdue' };
  return { category: 'normal', rule: 'performing' };
}

/**
 * The observation period of a restructuring: from its effective date (the loan is restructured from
 * then on) through the later of one year (observationMonths) after the first repayment date and the
 * due date `observationPeriods` periods after the first repayment date (the last due date when the
 * new schedule is shorter).
 */
export function observationPeriod(rules: ClassificationRules, r: LoanRestructuring): { from: BusinessDate; firstRepayment: BusinessDate; to: BusinessDate } {
  const firstRepayment = r.dueDates[0] ?? r.effectiveDate;
  const byMonths = addMonths(firstRepayment, rules.restructuring.observationMonths);
  const byPeriods = r.dueDates[rules.restructuring.observationPeriods] ?? r.dueDates[r.dueDates.length - 1] ?? firstRepayment;
  return { from: r.effectiveDate, firstRepayment, to: compareDates(byMonths, byPeriods) >= 0 ? byMonths : byPeriods };
}

const within = (d: BusinessDate, from: BusinessDate, to: BusinessDate) => compareDates(d, from) >= 0 && compareDates(d, to) <= 0;

/** Classifies a loan on `asOf`: the worst of the overdue rule and any restructuring floor. */
export function classifyLoan(rules: ClassificationRules, loan: LoanRecord, asOf: BusinessDate): Classification {
  const dpd = reportedDpdOn(loan, asOf);
  const candidates: Array<{ category: Category; rule: ClassificationRule }> = [dpdCategory(rules, dpd)];
  let observation: Classification['observation'] = null;
  if (!loan.paidOff) {
    loan.restructurings.forEach((r, i) => {
      const period = observationPeriod(rules, r);
      if (!within(asOf, period.from, period.to)) return;
      observation = { restructuringId: r.restructuringId, from: period.from, to: period.to };
      candidates.push({ category: 'special_mention', rule: 'restructured.observation' });
      const previous = i > 0 ? loan.restructurings[i - 1] : undefined;
      if (previous && within(r.effectiveDate, previous.effectiveDate, observationPeriod(rules, previous).to)) {
        candidates.push({ category: rules.restructuring.restructuredAgainCategory, rule: 'restructured.again' });
      }
      const until = compareDates(asOf, period.to) < 0 ? asOf : period.to;
      // A new delinquency after the effective date is a missed payment; one already running then
      // counts only if it was still running after the first repayment date of the new schedule.
      const missed = loan.episodes.some((e) => {
        if (compareDates(e.start, until) > 0) return false;
        if (compareDates(e.start, r.effectiveDate) > 0) return true;
        return compareDates(until, period.firstRepayment) > 0 && (e.end === null || compareDates(e.end, period.firstRepayment) > 0);
      });
      if (missed) candidates.push({ category: rules.restructuring.missedPaymentCategory, rule: 'restructured.missed-payment' });
      if (rules.restructuring.keepCategoryBefore) {
        const before = dpdCategory(rules, r.dpdBefore).category;
        if (categoryRank(before) >= categoryRank('substandard')) candidates.push({ category: before, rule: 'restructured.no-upgrade' });
      }
    });
  }
  let decided = candidates[0];
  for (const c of candidates) if (categoryRank(c.category) > categoryRank(decided.category)) decided = c;
  return { category: decided.category, rule: decided.rule, dpd, observation };
}
