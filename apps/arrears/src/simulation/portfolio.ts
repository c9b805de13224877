import { addDays, type BusinessDate } from '#kernel';

/**
 * The synthetic portfolio of a simulation: customers, their loans and how they repay, drawn from a
 * seeded generator, so a seed always gives the same portfolio and the same behaviour.
 */

/** mulberry32: a small, fast 32-bit generator; good enough for synthetic data, fully reproducible. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(weighted: readonly (readonly [T, number])[]): T {
    const total = weighted.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [value, weight] of weighted) {
      r -= weight;
      if (r < 0) return value;
    }
    return weighted[weighted.length - 1][0];
  }
}

/** How a customer repays. */
export type Behaviour = 'ON_TIME' | 'LATE' | 'PARTIAL' | 'NEVER';

export const BEHAVIOURS: readonly (readonly [Behaviour, number])[] = [
  ['ON_TIME', 0.6],
  ['LATE', 0.2],
  ['PARTIAL', 0.1],
  ['NEVER', 0.1],
];

/** Probability that a promise to pay is kept, by behaviour. */
export const PROMISE_KEPT: Readonly<Record<Behaviour, number>> = { ON_TIME: 0.95, LATE: 0.75, PARTIAL: 0.5, NEVER: 0.15 };
/** Probability that a call reaches the debtor. */
export const RIGHT_PARTY = 0.65;
/** Probability that a debtor reached by phone promises to pay, by behaviour. */
export const PROMISES: Readonly<Record<Behaviour, number>> = { ON_TIME: 0.9, LATE: 0.7, PARTIAL: 0.6, NEVER: 0.3 };
/** A customer who never pays is offered an installment plan with this probability once in M2, accepts with the next, and keeps it with the last. */
export const RESTRUCTURING = { request: 0.6, accept: 0.75, keep: 0.6 } as const;

export interface Installment {
  readonly seq: number;
  readonly dueDate: BusinessDate;
  readonly principal: number;
  readonly interest: number;
}

export interface SimLoan {
  readonly loanId: string;
  readonly customerId: string;
  readonly behaviour: Behaviour;
  /** Days after the due date a LATE customer pays. */
  readonly lateDays: number;
  readonly principal: number;
  readonly annualRateBps: number;
  readonly termMonths: number;
  readonly disbursementDate: BusinessDate;
  readonly schedule: readonly Installment[];
  readonly monthlyIncome: number;
  /** What core banking and the bureau report to Grading about the customer. */
  readonly bureauScore: number;
  readonly monthlyObligations: number;
}

/** Bureau scores drawn per behaviour: those who pay on time tend to score higher. */
const BUREAU: Readonly<Record<Behaviour, readonly [number, number]>> = { ON_TIME: [640, 800], LATE: [580, 720], PARTIAL: [520, 660], NEVER: [450, 620] };

/** The same day of the month `months` later, clamped to the month's last day. */
export function addMonths(date: BusinessDate, months: number): BusinessDate {
  const [y, m, d] = date.split('-').map(Number);
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** Equal principal per month (remainder on the last), interest on the balance at the monthly rate, to the fen. */
export function schedule(principal: number, annualRateBps: number, termMonths: number, disbursementDate: BusinessDate): Installment[] {
  const base = Math.floor(principal / termMonths);
  let balance = principal;
  const out: Installment[] = [];
  for (let n = 1; n <= termMonths; n++) {
    const part = n === termMonths ? balance : base;
    out.push({ seq: n, dueDate: addMonths(disbursementDate, n), principal: part, interest: Math.round((balance * annualRateBps) / 10_000 / 12) });
    balance -= part;
  }
  return out;
}

/** The portfolio for a seed: loans disbursed in the month before `start`, so their first installment falls in the simulation. */
export function portfolio(seed: number, customers: number, start: BusinessDate): SimLoan[] {
  const rng = new Random(seed);
  const loans: SimLoan[] = [];
  for (let i = 1; i <= customers; i++) {
    const id = String(i).padStart(6, '0');
    const principal = rng.int(20, 120) * 50_000;
    const termMonths = rng.pick([
      [6, 1],
      [12, 2],
    ] as const);
    const annualRateBps = rng.int(12, 24) * 100;
    const behaviour = rng.pick(BEHAVIOURS);
    const monthlyIncome = rng.int(8, 40) * 100_000;
    const disbursed = addDays(start, -rng.int(1, 28));
    const day = Number(disbursed.slice(8, 10));
    const disbursementDate = day > 28 ? `${disbursed.slice(0, 8)}28` : disbursed;
    loans.push({
      loanId: `SIM-L${id}`,
      customerId: `SIM-C${id}`,
      behaviour,
      lateDays: rng.int(3, 45),
      principal,
      annualRateBps,
      termMonths,
      disbursementDate,
      schedule: schedule(principal, annualRateBps, termMonths, disbursementDate),
      monthlyIncome,
      bureauScore: rng.int(...BUREAU[behaviour]),
      monthlyObligations: Math.round((monthlyIncome * rng.int(15, 75)) / 100),
    });
  }
  return loans;
}
