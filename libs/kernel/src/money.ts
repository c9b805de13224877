/**
 * Money is an integer count of minor units (fen, 1/100 yuan). No floating point is ever used for
 * amounts: arithmetic stays in safe integers and a result outside that range is an error.
 */
export type Fen = number & { readonly __unit?: 'fen' };

export class MoneyError extends Error {}

export function fen(value: number): Fen {
  if (!Number.isSafeInteger(value)) throw new MoneyError(`amount must be a whole number of fen, got ${value}`);
  return value;
}

export function addFen(...amounts: Fen[]): Fen {
  return fen(amounts.reduce<number>((sum, a) => sum + a, 0));
}

export function subFen(a: Fen, b: Fen): Fen {
  return fen(a - b);
}

export function minFen(a: Fen, b: Fen): Fen {
  return a < b ? a : b;
}

/** Parses a decimal yuan string ("1234.5", "-0.07") into fen without floating point. */
export function parseYuan(text: string): Fen {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) throw new MoneyError(`not a yuan amount: ${JSON.stringify(text)}`);
  const [, sign, whole, frac = ''] = m;
  const value = BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0'));
  return fen(Number(sign ? -value : value));
}

/** Formats fen as a yuan string with two decimals. */
export function formatYuan(amount: Fen): string {
  const neg = amount < 0;
  const abs = Math.abs(amount);
  const text = `${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return neg ? `-${text}` : text;
}

/**
 * Multiplies an amount by a rate given as an integer ratio (numerator / denominator), rounding
 * half away from zero, in exact bigint arithmetic.
 */
export function mulRatio(amount: Fen, numerator: bigint | number, denominator: bigint | number): Fen {
  const n = BigInt(amount) * BigInt(numerator);
  const d = BigInt(denominator);
  if (d === 0n) throw new MoneyError('division by zero');
  const sign = n < 0n !== d < 0n ? -1n : 1n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (an * 2n + ad) / (ad * 2n);
  return fen(Number(sign * q));
}

/**
 * Splits an amount into parts proportional to the given weights; the parts sum exactly to the
 * amount, the remainder fen going to the largest fractional shares first (ties: earlier part).
 */
export function allocate(amount: Fen, weights: readonly number[]): Fen[] {
  if (weights.length === 0) throw new MoneyError('allocate needs at least one weight');
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) throw new MoneyError('weights must be non-negative integers');
  const total = weights.reduce((s, w) => s + w, 0);
  if (total === 0) throw new MoneyError('weights must not all be zero');
  const a = BigInt(amount);
  const t = BigInt(total);
  const base = weights.map((w) => (a * BigInt(w)) / t);
  const rems = weights.map((w, i) => ({ i, r: (a * BigInt(w)) % t }));
  let left = a - base.reduce((s, b) => s + b, 0n);
  const step = left >= 0n ? 1n : -1n;
  rems.sort((x, y) => (step > 0n ? (y.r > x.r ? 1 : y.r < x.r ? -1 : x.i - y.i) : x.r > y.r ? 1 : x.r < y.r ? -1 : x.i - y.i));
  for (let k = 0; left !== 0n; k = (k + 1) % rems.length) {
    base[rems[k].i] += step;
    left -= step;
  }
  return base.map((b) => fen(Number(b)));
}
