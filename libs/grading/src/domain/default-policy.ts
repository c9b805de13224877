import type { FactorRule, PolicyDocument } from './scorecard.js';

/**
 * The scorecard Arrears proposes as a starting point (GET /grading/policies/template). It is not in
 * force until a risk manager proposes it, another approves it and it is activated. See
 * docs/grading.md for the reasoning behind each bin.
 *
 * Score range: base 500; best case 500 + 240 = 740, worst case 500 - 590 = -90.
 */
/**
 * A factor's rule from its cut points and each bin's points: the first bin is open below the first
 * cut, each next one starts where the one before ends, and the last is open above the last cut.
 */
function binned(missingPoints: number, cuts: readonly number[], points: readonly number[]): FactorRule {
  return { missingPoints, bins: points.map((p, i) => ({ from: i === 0 ? null : cuts[i - 1], to: i < cuts.length ? cuts[i] : null, points: p })) };
}

export const DEFAULT_POLICY: PolicyDocument = Object.freeze({
  basePoints: 500,
  factors: {
    // Credit bureau score (300-900 scale); unknown is neutral.
    bureauScore: binned(0, [500, 600, 700], [-60, -20, 20, 60]),
    // Monthly obligations / monthly income, basis points.
    debtToIncomeBps: binned(-20, [3_000, 5_000, 7_000], [40, 10, -30, -70]),
    // Months since the first loan was disbursed.
    monthsOnBook: binned(0, [6, 24], [-10, 10, 30]),
    currentDpd: binned(0, [1, 31, 61, 91], [40, -40, -90, -140, -200]),
    worstDpd12m: binned(0, [1, 31, 91], [30, 0, -40, -80]),
    delinquentEpisodes12m: binned(0, [1, 2, 4], [20, 0, -30, -60]),
    brokenPromises12m: binned(0, [1, 2], [10, -20, -50]),
    // Share of payments made while past due that left the loan past due, basis points.
    partialPaymentRatioBps: binned(0, [2_000, 5_000], [10, -10, -30]),
    activeRestructuring: binned(0, [1], [0, -30]),
  },
  thresholds: { A: 640, B: 580, C: 500, D: 400 },
  overrides: [
    { flag: 'deceased', action: 'hold' },
    { flag: 'activeDispute', action: 'hold' },
    { flag: 'suspectedFraud', action: 'fixed', grade: 'E' },
  ],
}) as PolicyDocument;
