import { DEFAULT_POLICY } from '../src/domain/default-policy.js';
import { debtToIncomeBps, evaluate, factorValues, gradeForScore, NO_FLAGS, policyProblem, type PolicyDocument } from '../src/domain/scorecard.js';
import { monthsBetween } from '../src/domain/loan-facts.js';
import { delinquentLoan, loan, PROFILE } from './fixtures.js';

const facts = { profile: PROFILE, promises: [], restructurings: {} };
const doc = (change: (d: any) => void): PolicyDocument => {
  const d = structuredClone(DEFAULT_POLICY) as any;
  change(d);
  return d;
};

describe('scorecard', () => {
  it.each([
    [740, 'A'],
    [640, 'A'],
    [639, 'B'],
    [580, 'B'],
    [579, 'C'],
    [500, 'C'],
    [499, 'D'],
    [400, 'D'],
    [399, 'E'],
    [-90, 'E'],
  ])('score %i is grade %s under the default thresholds (A>=640, B>=580, C>=500, D>=400)', (score, grade) => {
    expect(gradeForScore(score, DEFAULT_POLICY.thresholds)).toBe(grade);
  });

  it("adds each factor bin's points to the base: a performing customer with 13 months on book scores 640 (A)", () => {
    const values = factorValues(facts, [loan()], '2026-03-01');
    expect(values).toEqual({
      bureauScore: 650,
      debtToIncomeBps: 3500,
      monthsOnBook: 13,
      currentDpd: 0,
      worstDpd12m: 0,
      delinquentEpisodes12m: 0,
      brokenPromises12m: 0,
      partialPaymentRatioBps: null,
      activeRestructuring: 0,
    });
    const result = evaluate(DEFAULT_POLICY, NO_FLAGS, values);
    expect(result.factors.map((f) => [f.factor, f.points])).toEqual([
      ['bureauScore', 20],
      ['debtToIncomeBps', 10],
      ['monthsOnBook', 10],
      ['currentDpd', 40],
      ['worstDpd12m', 30],
      ['delinquentEpisodes12m', 20],
      ['brokenPromises12m', 10],
      ['partialPaymentRatioBps', 0],
      ['activeRestructuring', 0],
    ]);
    expect(result).toMatchObject({ kind: 'score', score: 640, grade: 'A' });
  });

  it('a loan 45 days past due takes the same customer to D (420)', () => {
    const result = evaluate(DEFAULT_POLICY, NO_FLAGS, factorValues(facts, [delinquentLoan(45, '2026-03-01')], '2026-03-01'));
    expect(result).toMatchObject({ score: 420, grade: 'D' });
    expect(result.factors.find((f) => f.factor === 'currentDpd')).toEqual({ factor: 'currentDpd', value: 45, points: -90 });
  });

  it('bins are half-open [from, to): a value on a bound takes the upper bin', () => {
    const points = (bureauScore: number | null) =>
      evaluate(DEFAULT_POLICY, NO_FLAGS, factorValues({ ...facts, profile: { ...PROFILE, bureauScore } }, [], '2026-03-01')).factors[0].points;
    expect([points(499), points(500), points(599), points(600), points(699), points(700), points(null)]).toEqual([-60, -20, -20, 20, 20, 60, 0]);
  });

  it('an unknown value scores the missing points', () => {
    const result = evaluate(DEFAULT_POLICY, NO_FLAGS, factorValues({ profile: null, promises: [], restructurings: {} }, [], '2026-03-01'));
    expect(result.factors.find((f) => f.factor === 'debtToIncomeBps')).toEqual({ factor: 'debtToIncomeBps', value: null, points: -20 });
    expect(result.factors.find((f) => f.factor === 'currentDpd')).toEqual({ factor: 'currentDpd', value: null, points: 0 });
  });

  it('debt-to-income is integer basis points, rounded down, exact beyond 2^53', () => {
    expect(debtToIncomeBps(1_000_000, 333_333)).toBe(3333);
    expect(debtToIncomeBps(3, 1)).toBe(3333);
    expect(debtToIncomeBps(0, 1)).toBeNull();
    expect(debtToIncomeBps(null, 1)).toBeNull();
    expect(debtToIncomeBps(9_007_199_254_740_991, 9_007_199_254_740_990)).toBe(9999);
  });

  it('months on book count whole calendar months, clamping month ends', () => {
    expect(monthsBetween('2025-01-15', '2025-02-14')).toBe(0);
    expect(monthsBetween('2025-01-15', '2025-02-15')).toBe(1);
    expect(monthsBetween('2025-01-31', '2025-02-28')).toBe(1);
    expect(monthsBetween('2025-03-01', '2025-01-01')).toBe(0);
  });

  it('behaviour factors look back twelve months: episodes, worst DPD, broken promises, partial payments', () => {
    const old = { start: '2024-10-01', end: '2024-11-15', maxDpd: 95 };
    const recent = { start: '2025-09-01', end: '2025-10-20', maxDpd: 49 };
    const l = loan({
      episodes: [old, recent],
      overduePayments: [
        { on: '2024-11-01', partial: true },
        { on: '2025-09-10', partial: true },
        { on: '2025-10-20', partial: false },
      ],
    });
    const values = factorValues(
      {
        ...facts,
        promises: [
          { promiseId: 'P1', outcome: 'broken', on: '2025-02-28' },
          { promiseId: 'P2', outcome: 'broken', on: '2025-03-02' },
          { promiseId: 'P3', outcome: 'kept', on: '2025-06-01' },
        ],
        restructurings: { R1: { status: 'activated', on: '2025-12-01' } },
      },
      [l],
      '2026-03-01',
    );
    expect(values).toMatchObject({ worstDpd12m: 49, delinquentEpisodes12m: 1, brokenPromises12m: 1, partialPaymentRatioBps: 5000, activeRestructuring: 1 });
  });

  it('a loan still past due counts one more day past due each day after its last report', () => {
    const values = factorValues(facts, [delinquentLoan(31, '2026-02-01')], '2026-03-01');
    expect(values).toMatchObject({ currentDpd: 59, worstDpd12m: 59, delinquentEpisodes12m: 1 });
  });

  it('a paid-off loan is not past due, and a loan disbursed after the date does not count', () => {
    expect(factorValues(facts, [delinquentLoan(40, '2026-02-01', { paidOff: true })], '2026-03-01').currentDpd).toBe(0);
    expect(factorValues(facts, [loan({ disbursementDate: '2026-04-01' })], '2026-03-01')).toMatchObject({ monthsOnBook: null, currentDpd: null });
  });

  describe('overrides, checked before the score', () => {
    const values = factorValues(facts, [loan()], '2026-03-01');
    it.each([
      ['deceased', { deceased: true }, 'HOLD'],
      ['activeDispute', { activeDispute: true }, 'HOLD'],
      ['suspectedFraud', { suspectedFraud: true }, 'E'],
    ])('%s gives %s without a score', (flag, set, grade) => {
      const result = evaluate(DEFAULT_POLICY, { ...NO_FLAGS, ...set }, values);
      expect(result).toMatchObject({ kind: 'override', grade: grade as string, score: null, factors: [], override: { flag } });
    });

    it('the first override in the policy order wins', () => {
      expect(evaluate(DEFAULT_POLICY, { activeDispute: true, deceased: true, suspectedFraud: true }, values).override?.flag).toBe('deceased');
      const fraudFirst = doc((d) => (d.overrides = [d.overrides[2], d.overrides[0], d.overrides[1]]));
      expect(evaluate(fraudFirst, { activeDispute: true, deceased: true, suspectedFraud: true }, values)).toMatchObject({
        grade: 'E',
        override: { flag: 'suspectedFraud' },
      });
    });

    it('a flag with no override in the policy is ignored', () => {
      expect(
        evaluate(
          doc((d) => (d.overrides = [])),
          { ...NO_FLAGS, deceased: true },
          values,
        ),
      ).toMatchObject({ kind: 'score', grade: 'A' });
    });
  });

  describe('policy validation', () => {
    it('accepts the default policy', () => expect(policyProblem(DEFAULT_POLICY)).toBeNull());
    it.each([
      ['thresholds not decreasing', (d: any) => (d.thresholds.B = 640), /strictly decrease/],
      ['a gap between bins', (d: any) => (d.factors.bureauScore.bins[1].from = 501), /contiguous/],
      ['a last bin closed above', (d: any) => (d.factors.currentDpd.bins.at(-1).to = 1000), /open above/],
      ['a first bin starting above 0', (d: any) => (d.factors.monthsOnBook.bins[0].from = 3), /start at 0/],
      [
        'an empty bin',
        (d: any) =>
          (d.factors.worstDpd12m.bins = [
            { from: 5, to: 5, points: 0 },
            { from: 5, to: null, points: 0 },
          ]),
        /start at 0|empty/,
      ],
      ['fractional points', (d: any) => (d.basePoints = 500.5), /basePoints/],
      ['a missing factor', (d: any) => delete d.factors.brokenPromises12m, /brokenPromises12m/],
      ['an override listed twice', (d: any) => d.overrides.push({ flag: 'deceased', action: 'hold' }), /twice/],
    ])('refuses %s', (_what, change, message) => {
      expect(policyProblem(doc(change))).toMatch(message);
    });
  });
});
