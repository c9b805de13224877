import fc from 'fast-check';
import { isDomainError } from '#kernel';
import { amortise, amortiseConstantPayment } from '../src/domain/amortisation.js';
import { buildPlan } from '../src/domain/plan.js';
import { PLAN_TERMS, snapshot } from './fixtures.js';

/**
 * An independent exact calculation of both conventions, by another route than the implementation:
 * the annuity as the balance over the sum of the discount factors v^k, v = q/(q+p), k = 1..N
 * (a series, not the closed form), over the common denominator (q+p)^N.
 */
function independent(balance: number, bps: number, months: number) {
  const B = BigInt(balance);
  const N = BigInt(months);
  const p = BigInt(bps);
  const q = 120_000n;
  let factors = 0n; // sum of q^k (q+p)^(N-k): the discount factors times (q+p)^N
  for (let k = 1n; k <= N; k++) factors += q ** k * (q + p) ** (N - k);
  const annuity = { numerator: B * (q + p) ** N, denominator: factors };
  const halfUp = (numerator: bigint, denominator: bigint) => {
    const whole = numerator / denominator;
    return 2n * (numerator - whole * denominator) >= denominator ? whole + 1n : whole;
  };
  // Constant payment: the payment rounded half up; interest on the balance owed, half up.
  const payment = halfUp(annuity.numerator, annuity.denominator);
  let remaining = B;
  const constant: [number, number][] = [];
  for (let k = 1n; k <= N; k++) {
    const interest = halfUp(remaining * p, q);
    const principal = k === N ? remaining : payment - interest;
    constant.push([Number(principal), Number(interest)]);
    remaining -= principal;
  }
  // Cumulative floor: the textbook principal of installment j is A * v^(N-j+1); the cumulative
  // principal and interest (k*A minus it) are floored, installment k takes the difference.
  const floor: [number, number][] = [];
  let cumulativePrincipal = { numerator: 0n, denominator: annuity.denominator * (q + p) ** N };
  let previous = [0n, 0n];
  for (let k = 1n; k <= N; k++) {
    const e = N - k + 1n;
    cumulativePrincipal = { ...cumulativePrincipal, numerator: cumulativePrincipal.numerator + annuity.numerator * q ** e * (q + p) ** (N - e) };
    const principal = cumulativePrincipal.numerator / cumulativePrincipal.denominator;
    const interest = (k * annuity.numerator * (q + p) ** N - cumulativePrincipal.numerator) / cumulativePrincipal.denominator;
    floor.push([Number(principal - previous[0]), Number(interest - previous[1])]);
    previous = [principal, interest];
  }
  return { payment: Number(payment), constant, floor };
}

/**
 * The constant-installment convention of 等额本息: one payment a month (the annuity amount rounded
 * half up to the fen), interest on the remaining balance rounded half up, principal = payment -
 * interest, the last installment absorbing the rounding.
 */
describe('constant-payment equal installments', () => {
  it('pays 888.49 every month on 10,000.00 yuan over 12 months at 12 % a year (the loan issue #19 describes)', () => {
    const plan = amortiseConstantPayment(1_000_000, 1_200, 12);
    const payments = plan.map((i) => i.principal + i.interest);
    expect(payments.slice(0, 11)).toEqual(Array(11).fill(88_849));
    expect(plan[0]).toEqual({ n: 1, principal: 78_849, interest: 10_000 }); // 1 % of 10,000.00 in the first month
    expect(plan.reduce((s, i) => s + i.principal, 0)).toBe(1_000_000);
    // The last absorbs the rounding: within a few fen of the others.
    expect(Math.abs(payments[11] - 88_849)).toBeLessThanOrEqual(12);
    // CUMULATIVE_FLOOR on the same loan, for contrast: 888.48 / 888.49 / 888.50, not constant.
    expect(new Set(amortise('EQUAL_INSTALLMENT', 1_000_000, 1_200, 12).map((i) => i.principal + i.interest)).size).toBeGreaterThan(1);
  });

  it('prints a published example: 15,000 over 10 months at 10 % APR pays 1,569.61 a month', () => {
    // Cengage WebAssign, "Monthly payment formula for paying an installment loan" (the activity's
    // table; a bank's own printed example was not found). The table carries unrounded balances,
    // so its interest column may differ from the rounded-balance convention by a fen.
    const published = [12_500, 11_296, 10_082, 8_858, 7_624, 6_380, 5_125, 3_860, 2_584, 1_297];
    const plan = amortiseConstantPayment(1_500_000, 1_000, 10);
    expect(plan.slice(0, 9).map((i) => i.principal + i.interest)).toEqual(Array(9).fill(156_961));
    expect(plan[0]).toEqual({ n: 1, principal: 144_461, interest: 12_500 });
    plan.forEach((i, k) => expect(Math.abs(i.interest - published[k])).toBeLessThanOrEqual(1));
    expect(plan.reduce((s, i) => s + i.principal, 0)).toBe(1_500_000);
  });

  it('both conventions agree fen for fen with an independent exact calculation and sum to the principal', () => {
    const cases: [number, number, number][] = [
      [1_000_000, 1_200, 12],
      [300_000, 1_200, 6],
      [10_000_000, 900, 360],
      [12_345_678, 435, 36],
    ];
    const random = fc.sample(fc.tuple(fc.integer({ min: 6_000, max: 1_000_000_000 }), fc.integer({ min: 1, max: 3_600 }), fc.integer({ min: 1, max: 60 })), {
      numRuns: 100,
      seed: 19,
    });
    for (const [balance, bps, months] of [...cases, ...random.filter(([b, , m]) => b >= m * 100)]) {
      const expected = independent(balance, bps, months);
      const constant = amortiseConstantPayment(balance, bps, months);
      const floor = amortise('EQUAL_INSTALLMENT', balance, bps, months);
      expect(constant.map((i) => [i.principal, i.interest])).toEqual(expected.constant);
      expect(floor.map((i) => [i.principal, i.interest])).toEqual(expected.floor);
      expect(constant.slice(0, -1).every((i) => i.principal + i.interest === expected.payment)).toBe(true);
      expect(constant.reduce((s, i) => s + i.principal, 0)).toBe(balance);
      expect(floor.reduce((s, i) => s + i.principal, 0)).toBe(balance);
    }
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

  it('is the default of an equal-installment plan; CUMULATIVE_FLOOR stays selectable in its terms', () => {
    const byDefault = buildPlan({ ...PLAN_TERMS, method: 'EQUAL_INSTALLMENT', tenorMonths: 12 }, snapshot(), 10);
    const constant = buildPlan({ ...PLAN_TERMS, method: 'EQUAL_INSTALLMENT', tenorMonths: 12, rounding: 'CONSTANT_PAYMENT' }, snapshot(), 10);
    const floor = buildPlan({ ...PLAN_TERMS, method: 'EQUAL_INSTALLMENT', tenorMonths: 12, rounding: 'CUMULATIVE_FLOOR' }, snapshot(), 10);
    if (isDomainError(byDefault) || isDomainError(constant) || isDomainError(floor)) throw new Error('plan refused');
    expect(byDefault.installments).toEqual(constant.installments);
    expect(floor.installments.map((i) => [i.principal, i.interest])).toEqual(
      amortise('EQUAL_INSTALLMENT', 300_000, 1_200, 12).map((i) => [i.principal, i.interest]),
    );
    expect(floor.installments).not.toEqual(constant.installments);
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
