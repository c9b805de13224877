/**
 * The statistics of effectiveness reviews, pure and dependency-free.
 *
 * Normal CDF: Abramowitz & Stegun, Handbook of Mathematical Functions, formula 26.2.17 (Zelen &
 * Severo): for x >= 0, Φ(x) ≈ 1 − φ(x)(b1·t + b2·t² + b3·t³ + b4·t⁴ + b5·t⁵) with t = 1/(1 + p·x),
 * p = 0.2316419, b1..b5 below and φ the standard normal density; Φ(−x) = 1 − Φ(x). The absolute
 * error is below 7.5·10⁻⁸ everywhere, far finer than any decision a review makes.
 */

const P = 0.2316419;
const B = [0.31938153, -0.356563782, 1.781477937, -1.821255978, 1.330274429] as const;

function normalPdf(x: number): number {
  return Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI);
}

export function normalCdf(x: number): number {
  if (!Number.isFinite(x)) return x > 0 ? 1 : 0;
  const ax = Math.abs(x);
  const t = 1 / (1 + P * ax);
  const poly = t * (B[0] + t * (B[1] + t * (B[2] + t * (B[3] + t * B[4]))));
  const upper = normalPdf(ax) * poly;
  return x >= 0 ? 1 - upper : upper;
}

export interface Proportion {
  /** Successes (e.g. cured cases). */
  readonly successes: number;
  /** Trials (e.g. cases that entered). */
  readonly trials: number;
}

export interface ZTestResult {
  readonly rateA: number | null;
  readonly rateB: number | null;
  /** rateB − rateA. */
  readonly difference: number | null;
  readonly z: number | null;
  /** Two-sided. */
  readonly pValue: number | null;
}

/**
 * Two-proportion z-test with the pooled standard error:
 *   p̂ = (x_A + x_B) / (n_A + n_B),  SE = √(p̂(1 − p̂)(1/n_A + 1/n_B)),  z = (x_B/n_B − x_A/n_A) / SE,
 *   p-value = 2 · (1 − Φ(|z|)).
 * With an empty arm nothing can be said (all nulls); with SE = 0 (both arms all-success or
 * all-failure) the arms do not differ: z = 0, p = 1.
 */
export function twoProportionZTest(a: Proportion, b: Proportion): ZTestResult {
  if (a.trials <= 0 || b.trials <= 0) {
    return {
      rateA: a.trials > 0 ? a.successes / a.trials : null,
      rateB: b.trials > 0 ? b.successes / b.trials : null,
      difference: null,
      z: null,
      pValue: null,
    };
  }
  const rateA = a.successes / a.trials;
  const rateB = b.successes / b.trials;
  const pooled = (a.successes + b.successes) / (a.trials + b.trials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials));
  if (se === 0) return { rateA, rateB, difference: rateB - rateA, z: 0, pValue: 1 };
  const z = (rateB - rateA) / se;
  const pValue = Math.min(1, Math.max(0, 2 * (1 - normalCdf(Math.abs(z)))));
  return { rateA, rateB, difference: rateB - rateA, z, pValue };
}
