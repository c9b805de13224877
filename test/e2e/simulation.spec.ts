import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { portfolio, schedule } from '../../apps/arrears/src/simulation/portfolio.js';
import { kpiReport, type KpiReport } from '../../apps/arrears/src/simulation/report.js';
import { simulate, type SimApi, type SimulationResult } from '../../apps/arrears/src/simulation/simulate.js';
import { bootApp, TEST_STORE, type TestApp } from '#test-support/app.js';

/**
 * The portfolio simulation drives the real app over HTTP. Run twice with one seed on two fresh
 * databases, it must tell the same story: the same commands accepted and the same KPI report.
 * On EventStoreDB (the second pass of `npm test`) a shorter run: the same portfolio over 35 days
 * instead of 45, still past the 30-day review cadence, so a scheduled review and the one asked for
 * are both there (half the portfolio leaves the champion arm without a case by then).
 */
describe('portfolio simulation', () => {
  const options =
    TEST_STORE === 'eventstoredb'
      ? ({ customers: 24, days: 35, seed: 11, start: '2026-01-05' } as const)
      : ({ customers: 24, days: 45, seed: 11, start: '2026-01-05' } as const);

  async function run(): Promise<{ result: SimulationResult; report: KpiReport }> {
    const t: TestApp = await bootApp(CONTEXTS);
    try {
      const api: SimApi = (as, method, path, body) => t.as(as.role, as.user, as.team)(method, path, body);
      const result = await simulate(api, options);
      return { result, report: await kpiReport(api, result) };
    } finally {
      await t.close();
    }
  }

  it('lays out schedules to the fen and draws the same portfolio for a seed', () => {
    const s = schedule(1_000_001, 1_800, 12, '2026-01-31');
    expect(s.reduce((sum, i) => sum + i.principal, 0)).toBe(1_000_001);
    expect(s[0]).toEqual({ seq: 1, dueDate: '2026-02-28', principal: 83_333, interest: 15_000 });
    expect(s[11]).toMatchObject({ seq: 12, dueDate: '2027-01-31', principal: 1_000_001 - 11 * 83_333 });
    expect(portfolio(5, 50, '2026-01-05')).toEqual(portfolio(5, 50, '2026-01-05'));
    expect(portfolio(5, 50, '2026-01-05')).not.toEqual(portfolio(6, 50, '2026-01-05'));
  });

  it('drives the portfolio through the API and reports the same KPIs for the same seed', async () => {
    const first = await run();
    const { counts } = first.result;
    expect(counts.loans).toBe(options.customers);
    expect(counts.payments).toBeGreaterThan(0);
    expect(counts.contacts).toBeGreaterThan(0);
    expect(counts.promises).toBeGreaterThan(0);
    expect(first.report.aging.reduce((s, a) => s + a.loans, 0)).toBe(options.customers);
    expect(first.report.byVariant.map((v) => v.variant)).toEqual(['challenger', 'champion']);
    expect(first.report.review).not.toBeNull();
    // Cases open with the grades Grading gave the customers from their reported profiles.
    expect(first.report.byGrade.length).toBeGreaterThan(0);
    expect(first.report.byGrade.every((g) => ['A', 'B', 'C', 'D', 'E', 'HOLD'].includes(g.grade))).toBe(true);

    // Every review is listed: the scheduled ones and the one asked for at the end.
    expect(first.report.reviews.filter((r) => r.trigger === 'ON_DEMAND').map((r) => r.reviewId)).toEqual([first.result.reviewId]);
    expect(first.report.reviews.length).toBeGreaterThan(1);

    const second = await run();
    // Only the review's id is drawn afresh (it names a new review); everything else repeats.
    expect({ ...second.result, reviewId: 'review' }).toEqual({ ...first.result, reviewId: 'review' });
    const onDemandMasked = (report: KpiReport) => ({
      ...report,
      reviews: report.reviews.map((r) => (r.trigger === 'ON_DEMAND' ? { ...r, reviewId: 'review' } : r)),
    });
    expect(onDemandMasked(second.report)).toEqual(onDemandMasked(first.report));
  }, 240_000);
});
