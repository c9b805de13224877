import { kpiScenario } from './scenario.js';

/**
 * On-time payment with and without pre-due outreach, counted by hand. Seven loans registered Oct 1
 * (principal 90,000: each installment owes 30,000 principal + 1,000 interest = 31,000); the second
 * installment is due Nov 28, the third Dec 28. Strategy O1 v1 for current loans (M0).
 *
 *   N1 grade A: track T1 (champion) started Nov 21 towards Nov 28; pays 31,000 Nov 27     → on time, outreached
 *   N2 grade B: track T2 (challenger) Nov 21; pays 31,000 Nov 29                           → late, outreached
 *   N3 grade B: track T3 (challenger) Nov 21; pays 31,000 on the due date Nov 28            → on time, outreached
 *   N4 grade B: no track; pays 20,000 Nov 27 and 11,000 Nov 30                              → late (not in full by the due date)
 *   N5 grade B: no track; pays 31,000 Nov 26, reversed Dec 2                                → on time until the reversal
 *   N6 grade B: no track towards Nov 28 (T6, champion, Dec 21 works towards Dec 28); pays Nov 27 → on time, not outreached in November
 *   N7 grade B: delinquent (M1) Nov 10, pays 31,000 Nov 27                                  → not current the day before: left out
 *
 *
 * Warnings: CN1, CN2, CN3 (HIGH, the tracks' cause) and CN4 (MEDIUM, below the outreach threshold, so
 * no track) have an episode open from Nov 20; CN5's episode (Nov 20) closed Nov 25, before the day
 * before the due date; CN1's closes Dec 1.
 *
 * November, asked up to Nov 30: 6 installments, 4 on time; outreached 3 (2 on time): with outreach
 * 2/3, without 2/3; warned 4 (N1–N4, 2 on time): warned without outreach 0/1. Asked up to Dec 31,
 * N5's payment is reversed: 3 on time; without 1/3. December: 6 installments (N7 still M1), none
 * paid, 1 outreached (N6), warned 4 (N2, N3, N4, N6).
 */
describe('outreach effect: on-time payment with and without pre-due outreach', () => {
  const fixture = kpiScenario(async (s) => {
    const arm = (variant: string, dueDate: string) => ({ strategyId: 'O1', version: 1, variant, dueDate });
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      await s.loanRegistered(`N${n}`, `CN${n}`, 90_000, '2026-10-01');
      await s.graded(`CN${n}`, n === 1 ? 'A' : 'B', null, '2026-10-15');
    }
    await s.delinquent('N7', 'M1', 1, 31_000, '2026-11-10');
    for (const [customer, severity] of [
      ['CN1', 'HIGH'],
      ['CN2', 'HIGH'],
      ['CN3', 'HIGH'],
      ['CN4', 'MEDIUM'],
      ['CN5', 'HIGH'],
    ]) {
      await s.warningRaised(customer, 1, severity, '2026-11-20');
    }
    await s.warningClosed('CN5', 1, '2026-11-20', '2026-11-25');
    await s.outreachStarted('T1', 'N1', 'CN1', arm('champion', '2026-11-28'), '2026-11-21');
    await s.outreachStarted('T2', 'N2', 'CN2', arm('challenger', '2026-11-28'), '2026-11-21');
    await s.outreachStarted('T3', 'N3', 'CN3', arm('challenger', '2026-11-28'), '2026-11-21');
    await s.payment('N5', 'P5', 31_000, 30_000, '2026-11-26', 2);
    await s.payment('N1', 'P1', 31_000, 30_000, '2026-11-27', 2);
    await s.payment('N4', 'P4a', 20_000, 19_000, '2026-11-27', 2);
    await s.payment('N6', 'P6', 31_000, 30_000, '2026-11-27', 2);
    await s.payment('N7', 'P7', 31_000, 30_000, '2026-11-27', 2);
    await s.payment('N3', 'P3', 31_000, 30_000, '2026-11-28', 2);
    await s.payment('N2', 'P2', 31_000, 30_000, '2026-11-29', 2);
    await s.payment('N4', 'P4b', 11_000, 11_000, '2026-11-30', 2);
    await s.warningClosed('CN1', 1, '2026-11-20', '2026-12-01');
    await s.reversed('N5', 'P5', 31_000, '2026-12-02');
    await s.outreachStarted('T6', 'N6', 'CN6', arm('champion', '2026-12-28'), '2026-12-21');
  }, 4);

  const view = (rows: readonly Record<string, unknown>[], ...dims: string[]) =>
    rows.map((r) => ({
      ...Object.fromEntries(dims.map((d) => [d, r[d]])),
      installments: r.installments,
      onTime: r.onTime,
      outreached: r.outreached,
      outreachedOnTime: r.outreachedOnTime,
      rateWithOutreach: r.rateWithOutreach,
      rateWithoutOutreach: r.rateWithoutOutreach,
      warned: r.warned,
      warnedOnTime: r.warnedOnTime,
      rateWarnedWithoutOutreach: r.rateWarnedWithoutOutreach,
    }));

  it('compares installments due in the period on current loans with and without outreach', async () => {
    const r = await fixture.kpis.run({ kpi: 'outreach_on_time_rate', from: '2026-11-01', to: '2026-11-30', granularity: 'total' });
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({ numerator: 4, denominator: 6, rate: 4 / 6 });
    expect(view(r.rows)).toEqual([
      {
        installments: 6,
        onTime: 4,
        outreached: 3,
        outreachedOnTime: 2,
        rateWithOutreach: 2 / 3,
        rateWithoutOutreach: 2 / 3,
        warned: 4,
        warnedOnTime: 2,
        rateWarnedWithoutOutreach: 0,
      },
    ]);
  });

  it('breaks the outreached installments down by the track’s variant (those without outreach have none)', async () => {
    const r = await fixture.kpis.run({ kpi: 'outreach_on_time_rate', from: '2026-11-01', to: '2026-11-30', granularity: 'total', groupBy: ['variant'] });
    expect(view(r.rows, 'variant')).toEqual([
      {
        variant: null,
        installments: 3,
        onTime: 2,
        outreached: 0,
        outreachedOnTime: 0,
        rateWithOutreach: null,
        rateWithoutOutreach: 2 / 3,
        warned: 1,
        warnedOnTime: 0,
        rateWarnedWithoutOutreach: 0,
      },
      {
        variant: 'challenger',
        installments: 2,
        onTime: 1,
        outreached: 2,
        outreachedOnTime: 1,
        rateWithOutreach: 1 / 2,
        rateWithoutOutreach: null,
        warned: 2,
        warnedOnTime: 1,
        rateWarnedWithoutOutreach: null,
      },
      {
        variant: 'champion',
        installments: 1,
        onTime: 1,
        outreached: 1,
        outreachedOnTime: 1,
        rateWithOutreach: 1,
        rateWithoutOutreach: null,
        warned: 1,
        warnedOnTime: 1,
        rateWarnedWithoutOutreach: null,
      },
    ]);
    const byGrade = await fixture.kpis.run({ kpi: 'outreach_on_time_rate', from: '2026-11-01', to: '2026-11-30', granularity: 'total', groupBy: ['grade'] });
    expect(byGrade.rows.map((row) => [row.grade, row.numerator, row.denominator])).toEqual([
      ['A', 1, 1],
      ['B', 3, 5],
    ]);
  });

  it('drops a payment reversed by `to`, and counts each period’s own installments, tracks and open warnings', async () => {
    const r = await fixture.kpis.run({ kpi: 'outreach_on_time_rate', from: '2026-11-01', to: '2026-12-31', granularity: 'month' });
    expect(view(r.rows, 'period')).toEqual([
      {
        period: '2026-11',
        installments: 6,
        onTime: 3,
        outreached: 3,
        outreachedOnTime: 2,
        rateWithOutreach: 2 / 3,
        rateWithoutOutreach: 1 / 3,
        warned: 4,
        warnedOnTime: 2,
        rateWarnedWithoutOutreach: 0,
      },
      {
        period: '2026-12',
        installments: 6,
        onTime: 0,
        outreached: 1,
        outreachedOnTime: 0,
        rateWithOutreach: 0,
        rateWithoutOutreach: 0,
        warned: 4,
        warnedOnTime: 0,
        rateWarnedWithoutOutreach: 0,
      },
    ]);
  });
});
