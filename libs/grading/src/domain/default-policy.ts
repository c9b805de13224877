import type { PolicyDocument } from './scorecard.js';

/**
 * The scorecard Arrears proposes as a starting point (GET /grading/policies/template). It is not in
 * force until a risk manager proposes it, another approves it and it is activated. See
 * docs/grading.md for the reasoning behind each bin.
 *
 * Score range: base 500; best case 500 + 240 = 740, worst case 500 - 590 = -90.
 */
export const DEFAULT_POLICY: PolicyDocument = Object.freeze({
  basePoints: 500,
  factors: {
    // Credit bureau score (300-900 scale); unknown is neutral.
    bureauScore: {
      missingPoints: 0,
      bins: [
        { from: null, to: 500, points: -60 },
        { from: 500, to: 600, points: -20 },
        { from: 600, to: 700, points: 20 },
        { from: 700, to: null, points: 60 },
      ],
    },
    // Monthly obligations / monthly income, basis points.
    debtToIncomeBps: {
      missingPoints: -20,
      bins: [
        { from: null, to: 3_000, points: 40 },
        { from: 3_000, to: 5_000, points: 10 },
        { from: 5_000, to: 7_000, points: -30 },
        { from: 7_000, to: null, points: -70 },
      ],
    },
    // Months since the first loan was disbursed.
    monthsOnBook: {
      missingPoints: 0,
      bins: [
        { from: null, to: 6, points: -10 },
        { from: 6, to: 24, points: 10 },
        { from: 24, to: null, points: 30 },
      ],
    },
    currentDpd: {
      missingPoints: 0,
      bins: [
        { from: null, to: 1, points: 40 },
        { from: 1, to: 31, points: -40 },
        { from: 31, to: 61, points: -90 },
        { from: 61, to: 91, points: -140 },
        { from: 91, to: null, points: -200 },
      ],
    },
    worstDpd12m: {
      missingPoints: 0,
      bins: [
        { from: null, to: 1, points: 30 },
        { from: 1, to: 31, points: 0 },
        { from: 31, to: 91, points: -40 },
        { from: 91, to: null, points: -80 },
      ],
    },
    delinquentEpisodes12m: {
      missingPoints: 0,
      bins: [
        { from: null, to: 1, points: 20 },
        { from: 1, to: 2, points: 0 },
        { from: 2, to: 4, points: -30 },
        { from: 4, to: null, points: -60 },
      ],
    },
    brokenPromises12m: {
      missingPoints: 0,
      bins: [
        { from: null, to: 1, points: 10 },
        { from: 1, to: 2, points: -20 },
        { from: 2, to: null, points: -50 },
      ],
    },
    // Share of payments made while past due that left the loan past due, basis points.
    partialPaymentRatioBps: {
      missingPoints: 0,
      bins: [
        { from: null, to: 2_000, points: 10 },
        { from: 2_000, to: 5_000, points: -10 },
        { from: 5_000, to: null, points: -30 },
      ],
    },
    activeRestructuring: {
      missingPoints: 0,
      bins: [
        { from: null, to: 1, points: 0 },
        { from: 1, to: null, points: -30 },
      ],
    },
  },
  thresholds: { A: 640, B: 580, C: 500, D: 400 },
  overrides: [
    { flag: 'deceased', action: 'hold' },
    { flag: 'activeDispute', action: 'hold' },
    { flag: 'suspectedFraud', action: 'fixed', grade: 'E' },
  ],
}) as PolicyDocument;
