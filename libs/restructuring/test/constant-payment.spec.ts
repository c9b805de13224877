import fc from 'fast-check';
import { isDomainError } from '#kernel';
import { amortise, amortiseConstantPayment } from '../src/domain/amortisation.js';
import { buildPlan } from '../src/domain/plan.js';
import { PLAN_TERMS, snapshot } from './fixtures.js';

/**
 * The constant-installment convention of 等额本息: one payment a month (the annuity amount rounded
 * half up to the fen), interest on the remaining balance rounded half up, principal = payment -
 * interest, the last installment absorbing the rounding.
 */
describe('constant-payment equal installments', () => {
  it('prints the published example: 10,000.00 yuan over 12 months at 12 % a year is 888.49 a month', () => {
    const plan = amortiseConstantPayment(1_000_000, 1_200, 12);
    const payments = plan.map((i) => i.principal + i.interest);
    expect(payments.slice(0, 11)).toEqual(Array(11).fill(88_849));
    expect(plan[0]).toEqual({ n: 1, principal: 78_849, interest: 10_000 }); // 1 % of 10,000.00 in the first month
    expect(plan.reduce((s, i) => s + i.principal, 0)).toBe(1_000_000);
    // The last absorbs the rounding: within a few fen of the others.
    expect(Math.abs(payments[11] - 88_849)).toBeLessThanOrEqual(12);
    // Today's convention on the same loan, for contrast: not constant.
    expect(new Set(amortise('EQUAL_INSTALLMENT', 1_000_000, 1_200, 12).map((i) => i.principal + i.interest)).size).toBeGreaterThan(1);
  });

  it('agrees with an independent floating-point schedule and sums to the principal exactly', () => {
    fc.assert(
      // At least 1.00 yuan a month (plans need far more: the policy's minimum installment), so the
      // half-fen roundings of the payment cannot use the balance up before the last month.
      fc.property(fc.integer({ min: 6_000, max: 100_000_000 }), fc.integer({ min: 0, max: 3_600 }), fc.integer({ min: 1, max: 60 }), (balance, bps, months) => {
        fc.pre(balance >= months * 100);
        const plan = amortiseConstantPayment(balance, bps, months);
        expect(plan).toHaveLength(months);
        expect(plan.reduce((s, i) => s + i.principal, 0)).toBe(balance);
        const i = bps / 120_000;
        const annuity = bps === 0 ? balance / months : (balance * i * (1 + i) ** months) / ((1 + i) ** months - 1);
        let remaining = balance;
        plan.forEach((p, k) => {
          expect(p.principal).toBeGreaterThanOrEqual(0);
          expect(Math.abs(p.interest - remaining * i)).toBeLessThanOrEqual(0.5 + 1e-6);
          if (k < months - 1) expect(Math.abs(p.principal + p.interest - annuity)).toBeLessThanOrEqual(0.5 + 1e-6);
          remaining -= p.principal;
        });
        expect(remaining).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('with a zero rate pays the balance in equal parts, the last taking the remainder', () => {
    expect(amortiseConstantPayment(1_000, 0, 3).map((i) => [i.principal, i.interest])).toEqual([
      [333, 0],
      [333, 0],
      [334, 0],
    ]);
  });

  it('an installment plan takes the convention as an option of its terms', () => {
    const constant = buildPlan({ ...PLAN_TERMS, method: 'EQUAL_INSTALLMENT', tenorMonths: 6, rounding: 'CONSTANT_PAYMENT' }, snapshot(), 10);
    if (isDomainError(constant)) throw new Error(constant.code);
    const amounts = constant.installments.slice(0, 5).map((i) => i.principal + i.interest);
    expect(new Set(amounts).size).toBe(1);
    expect(constant.installments.reduce((s, i) => s + i.principal, 0)).toBe(constant.restructuredPrincipal);
    const refused = buildPlan({ ...PLAN_TERMS, method: 'EQUAL_PRINCIPAL', tenorMonths: 6, rounding: 'CONSTANT_PAYMENT' }, snapshot(), 10);
    expect(isDomainError(refused) && refused.code).toBe('INVALID_TERMS');
  });
});
