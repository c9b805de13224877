import type { Fen } from '#kernel';

/**
 * The restructuring policy: eligibility, affordability, approval and monitoring rules as one
 * versioned value. The assessment copies the whole policy onto its event, and every later step of
 * that request (approval threshold, offer validity, grace, observation) follows the copy, so a new
 * version never changes a decision already taken.
 */

export type RestructuringType = 'DEFERRAL' | 'INSTALLMENT_PLAN' | 'FEE_WAIVER';
const RESTRUCTURING_TYPES: readonly RestructuringType[] = ['DEFERRAL', 'INSTALLMENT_PLAN', 'FEE_WAIVER'];

/** Customer grades, best first, as the grading context publishes them (HOLD: grading suspended). */
export const GRADES = ['A', 'B', 'C', 'D', 'E', 'HOLD'] as const;
export type Grade = (typeof GRADES)[number];

/** Delinquency stages as the loans context names them. */
export const STAGES = ['M0', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M6+'] as const;
export type Stage = (typeof STAGES)[number];

export interface RestructuringPolicy {
  readonly version: string;
  /** No restructuring of the loan or the customer activated within this many months. */
  readonly lookbackMonths: number;
  readonly eligibleGrades: Readonly<Record<RestructuringType, readonly Grade[]>>;
  readonly eligibleStages: Readonly<Record<RestructuringType, readonly Stage[]>>;
  readonly maxDeferralMonths: number;
  readonly minTenorMonths: number;
  readonly maxTenorMonths: number;
  /** Highest annual rate an installment plan may carry, in basis points. */
  readonly maxAnnualRateBps: number;
  /** Largest penalty waiver, in fen. */
  readonly maxFeeWaiver: Fen;
  /** Smallest principal+interest an installment of a plan may have, in fen. */
  readonly minInstallment: Fen;
  /** A plan's largest installment may take at most this share of monthly income (basis points). */
  readonly affordabilityShareBps: number;
  /** Above these amounts (fen) a second, different supervisor must approve. */
  readonly secondApprovalAbove: { readonly restructuredPrincipal: Fen; readonly feeWaiver: Fen };
  readonly offerValidityDays: number;
  /** A fee waiver's consolidated arrears fall due this many days after the effective date. */
  readonly feeWaiverSettlementDays: number;
  /** Days after an installment's due date before a missed payment breaks the plan. */
  readonly graceDays: number;
  /** The plan is observed this many months after activation (or to its last due date if sooner). */
  readonly observationMonths: number;
}

export const DEFAULT_RESTRUCTURING_POLICY: RestructuringPolicy = Object.freeze({
  version: '1',
  lookbackMonths: 12,
  eligibleGrades: Object.freeze({
    DEFERRAL: Object.freeze(['A', 'B', 'C'] as Grade[]),
    INSTALLMENT_PLAN: Object.freeze(['A', 'B', 'C', 'D'] as Grade[]),
    FEE_WAIVER: Object.freeze(['A', 'B', 'C', 'D', 'E'] as Grade[]),
  }),
  eligibleStages: Object.freeze({
    DEFERRAL: Object.freeze(['M0', 'M1'] as Stage[]),
    INSTALLMENT_PLAN: Object.freeze(['M1', 'M2', 'M3', 'M4'] as Stage[]),
    FEE_WAIVER: Object.freeze(['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M6+'] as Stage[]),
  }),
  maxDeferralMonths: 3,
  minTenorMonths: 2,
  maxTenorMonths: 36,
  maxAnnualRateBps: 2_400,
  maxFeeWaiver: 500_000,
  minInstallment: 10_000,
  affordabilityShareBps: 5_000,
  secondApprovalAbove: Object.freeze({ restructuredPrincipal: 5_000_000, feeWaiver: 100_000 }),
  offerValidityDays: 7,
  feeWaiverSettlementDays: 10,
  graceDays: 10,
  observationMonths: 6,
});

const isCount = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max;

/** Why a policy is unusable, or null when it is fine. */
export function policyProblem(p: RestructuringPolicy): string | null {
  if (typeof p.version !== 'string' || !/^[A-Za-z0-9._-]{1,32}$/.test(p.version)) return 'version must be 1-32 letters, digits, dots, dashes or underscores';
  if (!isCount(p.lookbackMonths, 0, 120)) return 'lookbackMonths must be 0 to 120';
  for (const t of RESTRUCTURING_TYPES) {
    if (!Array.isArray(p.eligibleGrades?.[t]) || p.eligibleGrades[t].some((g) => !GRADES.includes(g)))
      return `eligibleGrades.${t} must list grades ${GRADES.join(', ')}`;
    if (!Array.isArray(p.eligibleStages?.[t]) || p.eligibleStages[t].some((s) => !STAGES.includes(s)))
      return `eligibleStages.${t} must list stages ${STAGES.join(', ')}`;
  }
  if (!isCount(p.maxDeferralMonths, 1, 24)) return 'maxDeferralMonths must be 1 to 24';
  if (!isCount(p.minTenorMonths, 1, 120) || !isCount(p.maxTenorMonths, p.minTenorMonths, 120))
    return 'tenor limits must satisfy 1 <= minTenorMonths <= maxTenorMonths <= 120';
  if (!isCount(p.maxAnnualRateBps, 0, 10_000)) return 'maxAnnualRateBps must be 0 to 10000';
  if (!isCount(p.maxFeeWaiver, 0, Number.MAX_SAFE_INTEGER)) return 'maxFeeWaiver must be whole fen, not negative';
  if (!isCount(p.minInstallment, 1, Number.MAX_SAFE_INTEGER)) return 'minInstallment must be whole fen, at least 1';
  if (!isCount(p.affordabilityShareBps, 1, 10_000)) return 'affordabilityShareBps must be 1 to 10000';
  if (
    !isCount(p.secondApprovalAbove?.restructuredPrincipal, 0, Number.MAX_SAFE_INTEGER) ||
    !isCount(p.secondApprovalAbove?.feeWaiver, 0, Number.MAX_SAFE_INTEGER)
  ) {
    return 'secondApprovalAbove amounts must be whole fen, not negative';
  }
  if (!isCount(p.offerValidityDays, 1, 60)) return 'offerValidityDays must be 1 to 60';
  if (!isCount(p.feeWaiverSettlementDays, 1, 60)) return 'feeWaiverSettlementDays must be 1 to 60';
  if (!isCount(p.graceDays, 0, 60)) return 'graceDays must be 0 to 60';
  if (!isCount(p.observationMonths, 1, 60)) return 'observationMonths must be 1 to 60';
  return null;
}
