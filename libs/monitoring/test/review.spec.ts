import { deciderSpec } from '#kernel/testing';
import { cadenceDecider, reviewDecider, type CompleteReview, type MonitoringDayClosed } from '../src/domain/review.js';

const reviews = deciderSpec(reviewDecider);
const command = (champion: { cases: number; cured: number }, challenger: { cases: number; cured: number }): CompleteReview => ({
  type: 'CompleteReview',
  reviewId: 'R1',
  strategyId: 'S1',
  strategyVersion: 2,
  segment: { grade: 'C', stage: null },
  window: { from: '2026-11-01', to: '2026-11-30' },
  asOf: '2026-11-30',
  trigger: 'ON_DEMAND',
  champion,
  challenger,
  settings: { alpha: 0.05, minSampleSize: 30 },
});

/** The one event a first completion with these counts records. */
const completed = (champion: { cases: number; cured: number }, challenger: { cases: number; cured: number }) =>
  reviews.given([]).when(command(champion, challenger)).thenTypes(['EffectivenessReviewCompleted'])[0];

describe('EffectivenessReview decider', () => {
  it('recommends promoting a significantly better challenger', () => {
    const event = completed({ cases: 40, cured: 10 }, { cases: 40, cured: 30 });
    expect(event.data).toMatchObject({
      reviewId: 'R1',
      strategyId: 'S1',
      strategyVersion: 2,
      segment: { grade: 'C', stage: null, label: 'grade=C' },
      champion: { sampleSize: 40, cured: 10, cureRate: 0.25 },
      challenger: { sampleSize: 40, cured: 30, cureRate: 0.75 },
      difference: 0.5,
      better: 'challenger',
      recommendation: 'PROMOTE_CHALLENGER',
      alpha: 0.05,
    });
    expect(event.data.z).toBeCloseTo(4.472136, 6);
    expect(event.data.pValue).toBeLessThan(0.0001);
  });

  it('keeps a significantly better champion', () => {
    const event = completed({ cases: 50, cured: 35 }, { cases: 50, cured: 15 });
    expect(event.data).toMatchObject({ better: 'champion', recommendation: 'KEEP_CHAMPION' });
  });

  it('calls no winner when the difference is not significant', () => {
    const event = completed({ cases: 100, cured: 45 }, { cases: 80, cured: 30 });
    expect(event.data).toMatchObject({ better: null, recommendation: 'NO_SIGNIFICANT_DIFFERENCE' });
    expect(event.data.pValue).toBeCloseTo(0.3105, 3);
  });

  it('asks for more data below the minimum sample, however large the difference', () => {
    const event = completed({ cases: 29, cured: 0 }, { cases: 40, cured: 40 });
    expect(event.data).toMatchObject({ better: null, recommendation: 'COLLECT_MORE_DATA' });
  });

  it('refuses impossible counts, and a second completion', () => {
    reviews
      .given([])
      .when(command({ cases: 10, cured: 11 }, { cases: 40, cured: 3 }))
      .thenError('INVALID_REVIEW_COUNTS');
    const done = completed({ cases: 40, cured: 10 }, { cases: 40, cured: 30 });
    reviews
      .given([done])
      .when(command({ cases: 40, cured: 10 }, { cases: 40, cured: 30 }))
      .thenError('REVIEW_ALREADY_COMPLETED');
  });
});

describe('ReviewCadence decider', () => {
  const cadence = deciderSpec(cadenceDecider);
  const close = (businessDate: string, everyDays = 7) => ({ type: 'CloseMonitoringDay' as const, businessDate, everyDays, windowDays: 90 });
  const closed = (businessDate: string, reviewDue: boolean, everyDays = 7): MonitoringDayClosed => ({
    type: 'MonitoringDayClosed',
    data: { businessDate, reviewDue, everyDays, windowDays: 90 },
  });

  it('counts from the first closed day: every 7th closed day has a review due', () => {
    const history: MonitoringDayClosed[] = [];
    const due: string[] = [];
    for (let d = 1; d <= 21; d++) {
      const day = `2026-11-${String(d).padStart(2, '0')}`;
      const [event] = cadence.given(history).when(close(day)).thenTypes(['MonitoringDayClosed']) as MonitoringDayClosed[];
      history.push(event);
      if (event.data.reviewDue) due.push(day);
    }
    expect(due).toEqual(['2026-11-07', '2026-11-14', '2026-11-21']);
  });

  it('counts calendar days, so a gap in closings does not delay the next review', () => {
    cadence
      .given([closed('2026-11-01', false), closed('2026-11-02', false)])
      .when(close('2026-11-10'))
      .then([closed('2026-11-10', true)]);
  });

  it('ignores a day closed again or an earlier day', () => {
    cadence
      .given([closed('2026-11-01', false), closed('2026-11-02', false)])
      .when(close('2026-11-02'))
      .then([]);
    cadence
      .given([closed('2026-11-01', false), closed('2026-11-02', false)])
      .when(close('2026-10-30'))
      .then([]);
  });

  it('refuses a cadence that is not a positive number of days', () => {
    cadence.given([]).when(close('2026-11-01', 0)).thenError('INVALID_CADENCE');
  });
});
