import { normalCdf, twoProportionZTest } from '../src/domain/statistics.js';

describe('normal CDF (Abramowitz & Stegun 26.2.17)', () => {
  it.each([
    [0, 0.5],
    [1, 0.8413447461],
    [1.959963985, 0.975],
    [-1.644853627, 0.05],
    [2.575829304, 0.995],
    [-3, 0.001349898],
    [5, 0.9999997133],
  ])('Φ(%d) ≈ %d within 7.5e-8', (x, expected) => {
    expect(Math.abs(normalCdf(x) - expected)).toBeLessThan(7.5e-8);
  });

  it('is symmetric and monotone', () => {
    for (let x = -6; x <= 6; x += 0.25) {
      expect(Math.abs(normalCdf(x) + normalCdf(-x) - 1)).toBeLessThan(1.5e-7);
      expect(normalCdf(x + 0.25)).toBeGreaterThan(normalCdf(x));
    }
  });
});

describe('two-proportion z-test', () => {
  it('matches a hand computation: 10/40 vs 30/40', () => {
    // p̂ = 40/80 = 0.5; SE = √(0.5·0.5·(1/40 + 1/40)) = √0.0125 = 0.111803...; z = (0.75 − 0.25)/SE = 4.472136
    const r = twoProportionZTest({ successes: 10, trials: 40 }, { successes: 30, trials: 40 });
    expect(r.rateA).toBe(0.25);
    expect(r.rateB).toBe(0.75);
    expect(r.difference).toBe(0.5);
    expect(r.z).toBeCloseTo(4.472136, 6);
    // Two-sided p = 2(1 − Φ(4.472136)) = 7.7442e-6 exactly; the approximation is within 2 × 7.5e-8.
    expect(Math.abs(r.pValue! - 7.7442e-6)).toBeLessThan(1.5e-7);
  });

  it('matches a hand computation with unequal arms: 45/100 vs 30/80', () => {
    // p̂ = 75/180 = 0.41667; SE = √(0.41667·0.58333·(0.01 + 0.0125)) = 0.073951; z = (0.375 − 0.45)/SE = −1.01419
    const r = twoProportionZTest({ successes: 45, trials: 100 }, { successes: 30, trials: 80 });
    expect(r.z).toBeCloseTo(-1.01419, 4);
    expect(r.pValue).toBeCloseTo(0.31049, 4);
  });

  it('says nothing with an empty arm, and p = 1 without variance', () => {
    expect(twoProportionZTest({ successes: 0, trials: 0 }, { successes: 3, trials: 5 })).toEqual({
      rateA: null,
      rateB: 0.6,
      difference: null,
      z: null,
      pValue: null,
    });
    expect(twoProportionZTest({ successes: 5, trials: 5 }, { successes: 8, trials: 8 })).toMatchObject({ z: 0, pValue: 1 });
  });
});
