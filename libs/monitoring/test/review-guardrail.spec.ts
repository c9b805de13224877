import { deciderSpec } from '#kernel/testing';
import { reviewDecider, type ArmCounts, type CompleteReview, type EffectivenessReviewCompleted } from '../src/domain/review.js';
import { monitoringSettingsFromEnv } from '../src/application/settings.js';

/**
 * The complaint guardrail of a champion/challenger review: the arm that cures better is declared
 * the winner only while its complaints per 1,000 contacts stay within the limit.
 */
const reviews = deciderSpec(reviewDecider);
const review = (champion: ArmCounts, challenger: ArmCounts, complaintsPer1000Max: number | null = 5): CompleteReview => ({
  type: 'CompleteReview',
  reviewId: 'R-g',
  strategyId: 'S1',
  strategyVersion: 2,
  segment: { grade: null, stage: null },
  window: { from: '2026-11-01', to: '2026-11-30' },
  asOf: '2026-11-30',
  trigger: 'ON_DEMAND',
  champion,
  challenger,
  settings: { alpha: 0.05, minSampleSize: 30, complaintsPer1000Max },
});
const completed = (command: CompleteReview) =>
  (reviews.given([]).when(command).thenTypes(['EffectivenessReviewCompleted'])[0] as EffectivenessReviewCompleted).data;

describe('the complaint guardrail of a review', () => {
  const champion = { cases: 40, cured: 10, contacts: 2_000, complaints: 4, upheld: 2 }; // 2 per 1,000

  it('does not declare a challenger that cures more but draws more complaints than the limit the winner', () => {
    const d = completed(review(champion, { cases: 40, cured: 30, contacts: 1_000, complaints: 8 })); // 8 per 1,000
    expect(d).toMatchObject({ better: null, recommendation: 'GUARDRAIL_BREACHED', difference: 0.5 });
    expect(d.guardrail).toEqual({
      metric: 'COMPLAINTS_PER_1000_CONTACTS',
      limitPer1000: 5,
      champion: { contacts: 2_000, complaints: 4, upheld: 2, perThousand: 2, upheldPerThousand: 1 },
      challenger: { contacts: 1_000, complaints: 8, upheld: 0, perThousand: 8, upheldPerThousand: 0 },
      breached: ['challenger'],
    });
  });

  it('promotes a better challenger within the limit, and a breach by the losing arm changes nothing', () => {
    expect(completed(review(champion, { cases: 40, cured: 30, contacts: 1_000, complaints: 5 }))).toMatchObject({
      better: 'challenger',
      recommendation: 'PROMOTE_CHALLENGER',
      guardrail: { breached: [] },
    });
    const loud = { cases: 40, cured: 10, contacts: 100, complaints: 3 }; // 30 per 1,000
    expect(completed(review(loud, { cases: 40, cured: 30, contacts: 1_000, complaints: 1 }))).toMatchObject({
      better: 'challenger',
      recommendation: 'PROMOTE_CHALLENGER',
      guardrail: { breached: ['champion'] },
    });
    // A better champion over the limit is not declared the winner either.
    expect(completed(review({ cases: 40, cured: 30, contacts: 100, complaints: 3 }, { cases: 40, cured: 10, contacts: 100, complaints: 0 }))).toMatchObject({
      better: null,
      recommendation: 'GUARDRAIL_BREACHED',
    });
  });

  it('applies none when the settings set none, and refuses negative counts', () => {
    const d = completed(review(champion, { cases: 40, cured: 30, contacts: 1_000, complaints: 8 }, null));
    expect(d).toMatchObject({ better: 'challenger', recommendation: 'PROMOTE_CHALLENGER' });
    expect(d.guardrail).toBeUndefined();
    reviews
      .given([])
      .when(review(champion, { cases: 40, cured: 30, contacts: -1, complaints: 0 }))
      .thenError('INVALID_REVIEW_COUNTS');
  });

  it('takes the limit from MONITORING_REVIEW_COMPLAINT_GUARDRAIL (5 a thousand by default, off on request)', () => {
    expect(monitoringSettingsFromEnv({}).review.complaintsPer1000Max).toBe(5);
    expect(monitoringSettingsFromEnv({ MONITORING_REVIEW_COMPLAINT_GUARDRAIL: '2.5' }).review.complaintsPer1000Max).toBe(2.5);
    expect(monitoringSettingsFromEnv({ MONITORING_REVIEW_COMPLAINT_GUARDRAIL: 'off' }).review.complaintsPer1000Max).toBeNull();
    expect(() => monitoringSettingsFromEnv({ MONITORING_REVIEW_COMPLAINT_GUARDRAIL: '-1' })).toThrow(/MONITORING_REVIEW_COMPLAINT_GUARDRAIL/);
  });
});
