import { isDomainError } from '#kernel';
import { buildPlan, type Plan } from '../src/domain/plan.js';
import { OWED, PLAN_TERMS, snapshot } from './fixtures.js';

const plan = (result: ReturnType<typeof buildPlan>): Plan => {
  if (isDomainError(result)) throw new Error(`${result.code}: ${result.message}`);
  return result;
};

describe('laying a restructuring out on the loan', () => {
  it('an installment plan amortises the whole outstanding principal from the effective date, carrying overdue interest', () => {
    const p = plan(buildPlan(PLAN_TERMS, snapshot(), 10));
    expect(p.restructuredPrincipal).toBe(300_000);
    expect(p.installments.map((i) => i.dueDate)).toEqual(['2024-04-20', '2024-05-20', '2024-06-20', '2024-07-20', '2024-08-20', '2024-09-20']);
    // The default constant payment: 517.65 a month (the annuity, rounded half up), the last 517.61.
    expect(p.installments.map((i) => i.principal)).toEqual([48_765, 49_253, 49_745, 50_243, 50_745, 51_249]);
    expect(p.installments.map((i) => i.interest)).toEqual([3_000, 2_512, 2_020, 1_522, 1_020, 512]);
    // 30.00 + 20.00 of interest on the two overdue installments, spread over six months.
    expect(p.installments.map((i) => i.carried)).toEqual([833, 833, 834, 833, 833, 834]);
    expect(p).toMatchObject({ carriedCharges: 5_000, waivedPenalty: 0, largestInstallment: 52_599, totalDue: 300_000 + 10_586 + 5_000 });
  });

  it('lays the same plan out by the cumulative floor when its terms ask for it', () => {
    const p = plan(buildPlan({ ...PLAN_TERMS, rounding: 'CUMULATIVE_FLOOR' }, snapshot(), 10));
    expect(p.installments.map((i) => i.principal)).toEqual([48_764, 49_252, 49_745, 50_242, 50_745, 51_252]);
    expect(p.installments.map((i) => i.interest)).toEqual([3_000, 2_512, 2_020, 1_522, 1_020, 513]);
    expect(p).toMatchObject({ carriedCharges: 5_000, largestInstallment: 52_599, totalDue: 300_000 + 10_587 + 5_000 });
  });

  it('an equal-principal plan repays the same principal each month', () => {
    const p = plan(buildPlan({ ...PLAN_TERMS, method: 'EQUAL_PRINCIPAL', tenorMonths: 3 }, snapshot(), 10));
    expect(p.installments.map((i) => [i.principal, i.interest])).toEqual([
      [100_000, 3_000],
      [100_000, 2_000],
      [100_000, 1_000],
    ]);
  });

  it('carries penalty owed into the plan too', () => {
    const owed = OWED.map((i, k) => ({ ...i, penalty: [1_700, 250, 0][k] }));
    const p = plan(buildPlan({ ...PLAN_TERMS, tenorMonths: 2 }, snapshot({ installments: owed }), 10));
    expect(p.carriedCharges).toBe(5_000 + 1_950);
  });

  it('due dates falling on a month end clamp to the last day of shorter months', () => {
    const p = plan(buildPlan({ ...PLAN_TERMS, tenorMonths: 3 }, snapshot({ asOf: '2024-01-31' }), 10));
    expect(p.installments.map((i) => i.dueDate)).toEqual(['2024-02-29', '2024-03-31', '2024-04-30']);
  });

  it('a deferral of an overdue loan moves every owed installment out from the effective date, amounts unchanged', () => {
    const p = plan(buildPlan({ type: 'DEFERRAL', deferMonths: 2 }, snapshot(), 10));
    expect(p.installments).toEqual([
      { n: 1, dueDate: '2024-05-20', principal: 100_000, interest: 3_000, carried: 0 },
      { n: 2, dueDate: '2024-06-20', principal: 100_000, interest: 2_000, carried: 0 },
      { n: 3, dueDate: '2024-07-20', principal: 100_000, interest: 1_000, carried: 0 },
    ]);
  });

  it('a deferral of a current loan postpones the next installments by N months', () => {
    const p = plan(buildPlan({ type: 'DEFERRAL', deferMonths: 2 }, snapshot({ asOf: '2024-02-10', stage: 'M0', dpd: 0 }), 10));
    expect(p.installments.map((i) => i.dueDate)).toEqual(['2024-04-15', '2024-05-15', '2024-06-15']);
  });

  it('a fee waiver waives part of the penalty and nothing else: no installment is replaced or moved, so it is not a cure', () => {
    const owed = OWED.map((i, k) => ({ ...i, penalty: [1_700, 250, 0][k] }));
    const p = plan(buildPlan({ type: 'FEE_WAIVER', waiverAmount: 1_500 }, snapshot({ installments: owed }), 10));
    expect(p.installments).toEqual([]);
    expect(p).toMatchObject({ restructuredPrincipal: 300_000, waivedPenalty: 1_500, carriedCharges: 0, totalDue: 0 });
  });

  it.each([
    ['a waiver above the penalty owed', { type: 'FEE_WAIVER', waiverAmount: 1 } as const, snapshot(), 'WAIVER_EXCEEDS_PENALTY'],
    ['a paid-off loan', PLAN_TERMS, snapshot({ paidOff: true, installments: [] }), 'NOTHING_TO_RESTRUCTURE'],
    ['a zero tenor', { ...PLAN_TERMS, tenorMonths: 0 }, snapshot(), 'INVALID_TERMS'],
    ['a fractional rate', { ...PLAN_TERMS, annualRateBps: 12.5 }, snapshot(), 'INVALID_TERMS'],
  ])('refuses %s', (_name, terms, loan, code) => {
    const result = buildPlan(terms, loan, 10);
    expect(isDomainError(result) && result.code).toBe(code);
  });
});
