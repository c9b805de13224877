/**
 * Customer grades and loan risk categories, with their orderings.
 *
 * Grades run from A (best) to E (worst); HOLD is the grade an override gives when a customer must
 * not be treated by score at all (a dispute is open, the customer is deceased): strategies keyed by
 * grade read it as "no collection treatment until the hold is lifted".
 */
export const SCORE_GRADES = ['A', 'B', 'C', 'D', 'E'] as const;
export type ScoreGrade = (typeof SCORE_GRADES)[number];
export const GRADES = [...SCORE_GRADES, 'HOLD'] as const;
export type Grade = (typeof GRADES)[number];

/** The grades with a minimum score; everything below the D threshold is E. */
export const THRESHOLD_GRADES = ['A', 'B', 'C', 'D'] as const;
export type ThresholdGrade = (typeof THRESHOLD_GRADES)[number];

/**
 * The five loan risk categories of the 2023 PRC measures on financial asset risk classification
 * (正常 normal, 关注 special mention, 次级 substandard, 可疑 doubtful, 损失 loss), best first.
 */
export const CATEGORIES = ['normal', 'special_mention', 'substandard', 'doubtful', 'loss'] as const;
export type Category = (typeof CATEGORIES)[number];

export function categoryRank(category: Category): number {
  return CATEGORIES.indexOf(category);
}
