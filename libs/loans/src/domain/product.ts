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
  return stageBoundariesProblem(settings.stageBoundaries);
}
