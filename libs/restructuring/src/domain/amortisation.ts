import { MoneyError, fen, type Fen } from '#kernel';

/**
 * Amortisation of a restructured balance in exact integer arithmetic: no floating point anywhere.
 *
 * The monthly rate is i = annualRateBps / 120 000 (basis points over twelve months), a rational
 * p/q with p = annualRateBps and q = 120 000. Every formula value below is an exact bigint
 * fraction; only the final split into fen rounds.
 *
 * Rounding of `amortise` (equal principal, and equal installments under `CUMULATIVE_FLOOR`;
 * principal and interest separately): the formula's cumulative amounts
 * C_k = sum of the first k formula values are floored to the fen, and installment k gets
 * floor(C_k) - floor(C_{k-1}). The sub-fen remainder is carried forward from installment to
 * installment, so what is left of it lands on the last one, and
 *   - the principal parts sum exactly to the balance (C_N is the balance, a whole number of fen);
 *   - every principal and every interest part lies within one fen of its formula value;
 *   - no part is negative (the cumulative amounts never decrease);
 *   - the interest parts sum to the formula's total interest, floored (never more than the formula).
 */

export type AmortisationMethod = 'EQUAL_INSTALLMENT' | 'EQUAL_PRINCIPAL';

/**
 * How an equal-installment (等额本息) plan rounds to the fen:
 * - `CONSTANT_PAYMENT` (the default for new plans, what most banks print, see
 *   `amortiseConstantPayment`): one payment every month, the last absorbing the rounding.
 * - `CUMULATIVE_FLOOR` (described above, the default before; still selectable): each part within
 *   one fen of the formula; the payment may differ by a fen from month to month. Requests
 *   recorded without a rounding used it, and are read so (`recordedTerms` in plan.ts).
 */
export type AmortisationRounding = 'CUMULATIVE_FLOOR' | 'CONSTANT_PAYMENT';
/** The convention a new equal-installment plan gets when its terms name none. */
export const DEFAULT_AMORTISATION_ROUNDING: AmortisationRounding = 'CONSTANT_PAYMENT';
/** The convention of equal-installment terms recorded before the rounding was recorded. */
export const LEGACY_AMORTISATION_ROUNDING: AmortisationRounding = 'CUMULATIVE_FLOOR';
export const AMORTISATION_ROUNDINGS: readonly AmortisationRounding[] = ['CUMULATIVE_FLOOR', 'CONSTANT_PAYMENT'];
export const AMORTISATION_METHODS: readonly AmortisationMethod[] = ['EQUAL_INSTALLMENT', 'EQUAL_PRINCIPAL'];

/** The largest tenor the arithmetic accepts (policies set far lower limits). */
export const MAX_AMORTISATION_MONTHS = 600;
/** The largest annual rate the arithmetic accepts, in basis points (1000%). */
const MAX_ANNUAL_RATE_BPS = 100_000;

export const MONTHLY_RATE_DENOMINATOR = 120_000n;

/** An exact non-negative fraction. */
export interface Fraction {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

export interface AmortisedInstallment {
  /** 1-based number of the installment in the plan. */
  readonly n: number;
  readonly principal: Fen;
  readonly interest: Fen;
}

function checkInputs(balance: Fen, annualRateBps: number, months: number): void {
  if (!Number.isSafeInteger(balance) || balance < 0) throw new MoneyError(`balance must be whole fen, not negative: ${balance}`);
  if (!Number.isSafeInteger(annualRateBps) || annualRateBps < 0 || annualRateBps > MAX_ANNUAL_RATE_BPS) {
    throw new MoneyError(`annual rate must be whole basis points between 0 and ${MAX_ANNUAL_RATE_BPS}: ${annualRateBps}`);
  }
  if (!Number.isSafeInteger(months) || months < 1 || months > MAX_AMORTISATION_MONTHS) {
    throw new MoneyError(`tenor must be 1 to ${MAX_AMORTISATION_MONTHS} months: ${months}`);
  }
}

/** floor(n / d) for n >= 0, d > 0. */
function floorDiv(n: bigint, d: bigint): bigint {
  return n / d;
}

/** Round half up of a non-negative fraction. */
function roundFraction(f: Fraction): bigint {
  return (2n * f.numerator + f.denominator) / (2n * f.denominator);
}

/**
 * The exact level installment of an equal-installment (annuity) loan:
 *   A = B * i * (1+i)^N / ((1+i)^N - 1),  i = p/q,
 *     = B * p * (q+p)^N / (q * ((q+p)^N - q^N));
 * with a zero rate, A = B / N.
 */
export function annuity(balance: Fen, annualRateBps: number, months: number): Fraction {
  checkInputs(balance, annualRateBps, months);
  const B = BigInt(balance);
  const N = BigInt(months);
  if (annualRateBps === 0) return { numerator: B, denominator: N };
  const p = BigInt(annualRateBps);
  const q = MONTHLY_RATE_DENOMINATOR;
  const grown = (q + p) ** N;
  return { numerator: B * p * grown, denominator: q * (grown - q ** N) };
}

/**
 * Cumulative formula amounts of an equal-installment plan after k installments, k = 0..N, over a
 * common denominator: principal C_k = B * ((1+i)^k - 1) / ((1+i)^N - 1) and interest
 * D_k = k * A - C_k.
 */
function equalInstallmentCumulative(balance: Fen, annualRateBps: number, months: number) {
  const B = BigInt(balance);
  const N = BigInt(months);
  if (annualRateBps === 0) {
    return {
      denominator: N,
      principal: (k: bigint) => B * k,
      interest: (_k: bigint) => 0n,
    };
  }
  const p = BigInt(annualRateBps);
  const q = MONTHLY_RATE_DENOMINATOR;
  const grownN = (q + p) ** N;
  const qN = q ** N;
  // Common denominator q * ((q+p)^N - q^N).
  const denominator = q * (grownN - qN);
  const principal = (k: bigint) => B * ((q + p) ** k - q ** k) * q ** (N - k) * q;
  const interest = (k: bigint) => k * B * p * grownN - principal(k);
  return { denominator, principal, interest };
}

/**
 * Cumulative formula amounts of an equal-principal plan: principal C_k = k * B / N; interest is the
 * monthly rate on the balance before each installment, B * (N - j + 1) / N for installment j, so
 * D_k = B * p * (k*N - k*(k-1)/2) / (N * q).
 */
function equalPrincipalCumulative(balance: Fen, annualRateBps: number, months: number) {
  const B = BigInt(balance);
  const N = BigInt(months);
  const p = BigInt(annualRateBps);
  const q = MONTHLY_RATE_DENOMINATOR;
  const denominator = N * q;
  return {
    denominator,
    principal: (k: bigint) => k * B * q,
    interest: (k: bigint) => B * p * (k * N - (k * (k - 1n)) / 2n),
  };
}

/** Installment k's exact formula amounts (principal, interest), for checking the rounding. */
export function formulaInstallment(
  method: AmortisationMethod,
  balance: Fen,
  annualRateBps: number,
  months: number,
  k: number,
): { principal: Fraction; interest: Fraction } {
  checkInputs(balance, annualRateBps, months);
  const c =
    method === 'EQUAL_INSTALLMENT' ? equalInstallmentCumulative(balance, annualRateBps, months) : equalPrincipalCumulative(balance, annualRateBps, months);
  const K = BigInt(k);
  return {
    principal: { numerator: c.principal(K) - c.principal(K - 1n), denominator: c.denominator },
    interest: { numerator: c.interest(K) - c.interest(K - 1n), denominator: c.denominator },
  };
}

/**
 * Splits `balance` into `months` installments by the method's formula, rounded to the fen as the
 * module comment describes. Throws MoneyError on inputs outside the arithmetic's range.
 */
export function amortise(method: AmortisationMethod, balance: Fen, annualRateBps: number, months: number): AmortisedInstallment[] {
  checkInputs(balance, annualRateBps, months);
  const c =
    method === 'EQUAL_INSTALLMENT' ? equalInstallmentCumulative(balance, annualRateBps, months) : equalPrincipalCumulative(balance, annualRateBps, months);
  const out: AmortisedInstallment[] = [];
  let previousPrincipal = 0n;
  let previousInterest = 0n;
  for (let k = 1; k <= months; k++) {
    const K = BigInt(k);
    const principal = floorDiv(c.principal(K), c.denominator);
    const interest = floorDiv(c.interest(K), c.denominator);
    out.push({ n: k, principal: fen(Number(principal - previousPrincipal)), interest: fen(Number(interest - previousInterest)) });
    previousPrincipal = principal;
    previousInterest = interest;
  }
  return out;
}

/**
 * The constant-installment convention of an equal-installment plan, in exact integer arithmetic:
 * - the monthly payment is the annuity formula's amount rounded half up to the fen;
 * - each month's interest is the monthly rate on the balance still owed, rounded half up;
 * - principal = payment - interest (never below 0 nor above the balance), and the balance falls by it;
 * - the last installment repays the whole remaining balance with its interest, absorbing every
 *   rounding difference.
 * The principal parts sum exactly to the balance. With a zero rate the payment is the balance over
 * the months, rounded half up, and the last takes the remainder.
 */
export function amortiseConstantPayment(balance: Fen, annualRateBps: number, months: number): AmortisedInstallment[] {
  const payment = roundFraction(annuity(balance, annualRateBps, months));
  const p = BigInt(annualRateBps);
  const q = MONTHLY_RATE_DENOMINATOR;
  let remaining = BigInt(balance);
  const out: AmortisedInstallment[] = [];
  for (let k = 1; k <= months; k++) {
    const interest = roundFraction({ numerator: remaining * p, denominator: q });
    let principal = k === months ? remaining : payment - interest;
    if (principal < 0n) principal = 0n;
    if (principal > remaining) principal = remaining;
    out.push({ n: k, principal: fen(Number(principal)), interest: fen(Number(interest)) });
    remaining -= principal;
  }
  return out;
}

/**
 * Splits an amount over `parts` installments the same way: floor of the cumulative share, the
 * remainder carried forward onto the last. Used for charges carried into a plan.
 */
export function spread(amount: Fen, parts: number): Fen[] {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new MoneyError(`amount must be whole fen, not negative: ${amount}`);
  if (!Number.isSafeInteger(parts) || parts < 1) throw new MoneyError(`parts must be a positive whole number: ${parts}`);
  const a = BigInt(amount);
  const n = BigInt(parts);
  const out: Fen[] = [];
  let previous = 0n;
  for (let k = 1n; k <= n; k++) {
    const cumulative = (a * k) / n;
    out.push(fen(Number(cumulative - previous)));
    previous = cumulative;
  }
  return out;
}
