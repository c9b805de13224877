import type { Fen } from '#kernel';
import { DEFAULT_STAGE_BOUNDARIES, stageBoundariesProblem, type StageBoundaries } from './delinquency.js';

/** The parts of what a borrower owes on an installment. */
export type Component = 'penalty' | 'interest' | 'principal';

export const COMPONENTS: readonly Component[] = ['penalty', 'interest', 'principal'];

/**
 * The payment waterfall. `order` ranks the components; `sweep` says what varies first over the
 * installments already due:
 * - `installment`: the oldest installment is settled component by component before the next one;
 * - `component`: the first component is settled on every due installment (oldest first) before
 *   the second component is touched.
 * Money left after everything due goes to the installments not yet due, next one first.
 */
export interface Waterfall {
  readonly order: readonly Component[];
  readonly sweep: 'installment' | 'component';
}

/** The settings of a loan product that the Loans context applies; snapshotted on registration. */
export interface ProductSettings {
  readonly waterfall: Waterfall;
  /** Annual penalty rate on overdue principal in basis points, or null when the product has none. */
  readonly penaltyAnnualRateBps: number | null;
  /** Whether the days a collection hold pauses still count toward days past due. */
  readonly holdDaysCountTowardDpd: boolean;
  readonly stageBoundaries: StageBoundaries;
  /**
   * Days after a due date during which an unpaid installment does not make the loan past due (0:
   * none). Once the grace has run out, DPD counts from the due date itself (the measures count
   * overdue days from the due date, so grace never shortens them). Optional: loans registered before
   * the setting existed have none.
   */
  readonly graceDays?: number;
  /**
   * De-minimis shortfall in fen: while the principal and interest still owed on installments past
   * their due date total no more than this, the loan is not past due (0: any shortfall counts).
   */
  readonly shortfallToleranceFen?: Fen;
  /** The product's own cap on the penalty rate, in basis points a year, when lower than the legal one. */
  readonly penaltyRateCapBps?: number | null;
  /**
   * A due date on a non-working day (a weekend or a public holiday of China's calendar, make-up
   * working days counted as working): `NONE` keeps it as core banking sent it (the default);
   * `NEXT_WORKING_DAY` rolls it, at registration, to the next working day (the "following"
   * convention), which is then the due date DPD counts from. The event keeps the contractual date.
   */
  readonly dueDateRoll?: DueDateRoll;
  /** Set at registration when due dates were rolled: the working-day calendar (and its version) used. */
  readonly workingDayCalendar?: string;
}

export type DueDateRoll = 'NONE' | 'NEXT_WORKING_DAY';
export const DUE_DATE_ROLLS: readonly DueDateRoll[] = ['NONE', 'NEXT_WORKING_DAY'];

/**
 * The ceiling on the penalty rate, in basis points a year: 24 % a year by default (法发〔2017〕22号,
 * item 2: interest, compound interest, penalty and other charges above 24 % a year in total may be
 * reduced by the court at the borrower's request, so a higher penalty rate is not enforceable). A
 * product may set a lower cap of its own (`penaltyRateCapBps`), e.g. 150 % of its contract rate for
 * contracts that follow PBOC 银发〔2003〕251号 item 3 (the penalty rate on overdue loans is the
 * contract rate plus 30 %–50 %).
 */
export const PENALTY_RATE_ABSOLUTE_CAP_BPS = 2_400;

export function penaltyRateCapBps(product: ProductSettings): number {
  const own = product.penaltyRateCapBps;
  return own === undefined || own === null ? PENALTY_RATE_ABSOLUTE_CAP_BPS : Math.min(PENALTY_RATE_ABSOLUTE_CAP_BPS, own);
}

/**
 * Default: penalty, then interest, then principal, oldest installment first; no penalty rate; held
 * days still count toward DPD (a hold pauses collection work, not the calendar); M0..M6+ bands of
 * 30 days.
 */
export const DEFAULT_PRODUCT_SETTINGS: ProductSettings = Object.freeze({
  waterfall: Object.freeze({ order: Object.freeze(['penalty', 'interest', 'principal'] as Component[]), sweep: 'installment' as const }),
  penaltyAnnualRateBps: null,
  holdDaysCountTowardDpd: true,
  stageBoundaries: DEFAULT_STAGE_BOUNDARIES,
});

/** Why product settings are unusable, or null when they are fine. */
export function productSettingsProblem(settings: ProductSettings): string | null {
  const { order, sweep } = settings.waterfall;
  if (order.length !== COMPONENTS.length || COMPONENTS.some((c) => !order.includes(c))) {
    return `waterfall order must name each of ${COMPONENTS.join(', ')} once`;
  }
  if (sweep !== 'installment' && sweep !== 'component') return `unknown waterfall sweep ${String(sweep)}`;
  const rate = settings.penaltyAnnualRateBps;
  if (rate !== null && (!Number.isSafeInteger(rate) || rate < 0)) return 'penalty rate must be whole basis points, not negative';
  if (typeof settings.holdDaysCountTowardDpd !== 'boolean') return 'holdDaysCountTowardDpd must be a boolean';
  const grace = settings.graceDays ?? 0;
  if (!Number.isSafeInteger(grace) || grace < 0 || grace > 30) return 'graceDays must be whole days from 0 to 30';
  const tolerance = settings.shortfallToleranceFen ?? 0;
  if (!Number.isSafeInteger(tolerance) || tolerance < 0 || tolerance > 10_000) return 'shortfallToleranceFen must be whole fen from 0 to 10000';
  const cap = settings.penaltyRateCapBps;
  if (cap !== undefined && cap !== null && (!Number.isSafeInteger(cap) || cap < 0)) return 'penaltyRateCapBps must be whole basis points, not negative';
  if (settings.dueDateRoll !== undefined && !DUE_DATE_ROLLS.includes(settings.dueDateRoll)) return `dueDateRoll must be one of ${DUE_DATE_ROLLS.join(', ')}`;
  return stageBoundariesProblem(settings.stageBoundaries);
}
