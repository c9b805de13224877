import fc from 'fast-check';
import { MoneyError } from '#kernel';
import { amortise, annuity, formulaInstallment, spread, MONTHLY_RATE_DENOMINATOR, type AmortisationMethod, type Fraction } from '../src/domain/amortisation.js';

/** |value - exact| < within (fen), in exact integer arithmetic. */
function near(value: number, exact: Fraction, within = 1n): boolean {
  const diff = BigInt(value) * exact.denominator - exact.numerator;
  return (diff < 0n ? -diff : diff) < within * exact.denominator;
}

/**
 * The textbook formulas, computed independently of the implementation's cumulative sums:
 * equal installment: principal of installment k = A * (1+i)^-(N-k+1), interest = A - principal;
 * equal principal: principal = B/N, interest = i * (B - (k-1) * B/N).
 */
function textbook(method: AmortisationMethod, balance: number, bps: number, months: number, k: number): { principal: Fraction; interest: Fraction } {
  const B = BigInt(balance);
  const N = BigInt(months);
  const K = BigInt(k);
  const p = BigInt(bps);
  const q = MONTHLY_RATE_DENOMINATOR;
  if (method === 'EQUAL_PRINCIPAL') {
    return { principal: { numerator: B, denominator: N }, interest: { numerator: (B * N - (K - 1n) * B) * p, denominator: N * q } };
  }
  const a = annuity(balance, bps, months);
  const e = N - K + 1n;
  const principal = bps === 0 ? a : { numerator: a.numerator * q ** e, denominator: a.denominator * (q + p) ** e };
  // interest = A - principal over the common denominator.
  const denominator = principal.denominator;
  const interest = { numerator: a.numerator * (denominator / a.denominator) - principal.numerator, denominator };
  return { principal, interest };
}

describe('amortisation', () => {
  it('lays out a textbook equal-installment loan: 100,000.00 yuan over 12 months at 12% pays 8,884.88 a month', () => {
    const a = annuity(10_000_000, 1_200, 12);
    expect(Number((a.numerator * 100n) / a.denominator)).toBe(88_848_788); // 888,487.88 fen
    const plan = amortise('EQUAL_INSTALLMENT', 10_000_000, 1_200, 12);
    expect(plan.map((i) => i.principal)).toEqual([788_487, 796_373, 804_337, 812_380, 820_503, 828_709, 836_996, 845_365, 853_820, 862_357, 870_982, 879_691]);
    expect(plan.map((i) => i.interest)).toEqual([100_000, 92_115, 84_151, 76_108, 67_984, 59_779, 51_493, 43_122, 34_668, 26_131, 17_506, 8_797]);
    expect(plan.map((i) => i.principal + i.interest).every((pay) => pay >= 888_487 && pay <= 888_489)).toBe(true);
  });

  it('lays out an equal-principal loan: the same principal each month, interest on the falling balance', () => {
    const plan = amortise('EQUAL_PRINCIPAL', 1_200_000, 1_200, 12);
    expect(plan.map((i) => i.principal)).toEqual(Array(12).fill(100_000));
    expect(plan.map((i) => i.interest)).toEqual([12_000, 11_000, 10_000, 9_000, 8_000, 7_000, 6_000, 5_000, 4_000, 3_000, 2_000, 1_000]);
  });

  it('at a zero rate splits the balance evenly, the remainder fen landing at the end', () => {
    expect(amortise('EQUAL_INSTALLMENT', 1_000, 0, 3)).toEqual([
      { n: 1, principal: 333, interest: 0 },
      { n: 2, principal: 333, interest: 0 },
      { n: 3, principal: 334, interest: 0 },
    ]);
    expect(amortise('EQUAL_PRINCIPAL', 2, 0, 3).map((i) => i.principal)).toEqual([0, 1, 1]);
  });

  it('refuses inputs outside its range rather than guessing', () => {
    expect(() => amortise('EQUAL_INSTALLMENT', 1.5, 100, 3)).toThrow(MoneyError);
    expect(() => amortise('EQUAL_INSTALLMENT', 100, -1, 3)).toThrow(MoneyError);
    expect(() => amortise('EQUAL_PRINCIPAL', 100, 100, 0)).toThrow(MoneyError);
  });

  it('spreads carried charges by the same rule: exact sum, remainder on the last', () => {
    expect(spread(5_000, 6)).toEqual([833, 833, 834, 833, 833, 834]);
    expect(spread(2, 3)).toEqual([0, 1, 1]);
    expect(spread(0, 4)).toEqual([0, 0, 0, 0]);
  });

  describe('properties over random principals, rates and tenors', () => {
    const method = fc.constantFrom<AmortisationMethod>('EQUAL_INSTALLMENT', 'EQUAL_PRINCIPAL');
    const balance = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 1_000_000_000_000 }));
    const rate = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3_600 }), fc.integer({ min: 0, max: 10_000 }));
    const tenor = fc.integer({ min: 1, max: 120 });

    it('the principal parts sum exactly to the balance, and no part is negative', () => {
      fc.assert(
        fc.property(method, balance, rate, tenor, (m, b, r, n) => {
          const plan = amortise(m, b, r, n);
          expect(plan).toHaveLength(n);
          expect(plan.reduce((s, i) => s + i.principal, 0)).toBe(b);
          expect(plan.every((i) => Number.isSafeInteger(i.principal) && Number.isSafeInteger(i.interest) && i.principal >= 0 && i.interest >= 0)).toBe(true);
        }),
        { numRuns: 400 },
      );
    });

    it('every principal and interest part is within one fen of the textbook formula', () => {
      fc.assert(
        fc.property(method, balance, rate, tenor, (m, b, r, n) => {
          const plan = amortise(m, b, r, n);
          for (const i of plan) {
            const exact = textbook(m, b, r, n, i.n);
            if (!near(i.principal, exact.principal) || !near(i.interest, exact.interest)) {
              throw new Error(`installment ${i.n} of ${n}: ${i.principal}/${i.interest} is not within a fen of the formula`);
            }
          }
        }),
        { numRuns: 300 },
      );
    });

    it('equal installments each pay within two fen of the exact annuity; total interest is the formula’s, floored', () => {
      fc.assert(
        fc.property(balance, rate, tenor, (b, r, n) => {
          const plan = amortise('EQUAL_INSTALLMENT', b, r, n);
          const a = annuity(b, r, n);
          expect(plan.every((i) => near(i.principal + i.interest, a, 2n))).toBe(true);
          const totalInterest = plan.reduce((s, i) => s + i.interest, 0);
          // N*A - B, floored
          expect(BigInt(totalInterest)).toBe((BigInt(n) * a.numerator - BigInt(b) * a.denominator) / a.denominator);
        }),
        { numRuns: 300 },
      );
    });

    it('the formula installments reproduce the cumulative implementation exactly', () => {
      fc.assert(
        fc.property(method, fc.integer({ min: 1, max: 100_000_000 }), rate, fc.integer({ min: 1, max: 36 }), (m, b, r, n) => {
          const k = 1 + ((b + r) % n);
          const mine = formulaInstallment(m, b, r, n, k);
          const book = textbook(m, b, r, n, k);
          expect(mine.principal.numerator * book.principal.denominator).toBe(book.principal.numerator * mine.principal.denominator);
          expect(mine.interest.numerator * book.interest.denominator).toBe(book.interest.numerator * mine.interest.denominator);
        }),
        { numRuns: 200 },
      );
    });

    it('spread sums exactly and keeps each part within one fen of an even share', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1_000_000_000_000 }), fc.integer({ min: 1, max: 120 }), (amount, parts) => {
          const out = spread(amount, parts);
          expect(out.reduce((s, v) => s + v, 0)).toBe(amount);
          expect(out.every((v) => near(v, { numerator: BigInt(amount), denominator: BigInt(parts) }))).toBe(true);
        }),
        { numRuns: 300 },
      );
    });
  });
});
