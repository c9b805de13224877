import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { checkStoredEvents } from '#test-support/kafka/published-contract.js';
import { bootApp, eventually, type TestApp, type TestResponse } from '#test-support/app.js';
import { clocksAt } from '#test-support/clock.js';
import { addDays } from '#kernel';
import { createMonitoringContext, DEFAULT_MONITORING_SETTINGS, type EarlyWarningRaised, type EffectivenessReviewCompleted } from '#monitoring';

/**
 * Monitoring end to end, through the real contexts: a simulated November 2026.
 *
 * A collection strategy for (grade C, stage M1) runs a champion and a challenger ladder, half the
 * cases each. 44 loans fall due on 1 November and go unpaid; on 2 November Loans makes them
 * delinquent and Collection opens a case for each, in one arm or the other. On 3 November the
 * collector calls every debtor once. In the challenger arm three quarters of the debtors (rounded
 * up) promise and pay on 5 November; in the champion arm a quarter (rounded down) are reached and
 * pay. The rest stay unpaid all month. Every business day of November is closed.
 *
 * Expected: per-variant KPIs follow from those counts (computed below, by hand), every delinquent
 * customer gets an early warning whose episode closes when the loan cures, and the scheduled
 * review at the end of 30 November (cadence 30 days) names the challenger the better arm.
 */
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;

const STRATEGY = 'std-C-M1';
const LOANS = Array.from({ length: 44 }, (_, i) => `LM-${String(i + 1).padStart(3, '0')}`);
const OWED = 102_000; // first installment: principal 100,000 + interest 2,000
const day = (d: number) => `2026-11-${String(d).padStart(2, '0')}`;

function expectStatus(res: TestResponse, status: number) {
  expect({ status: res.status, body: res.status === status ? undefined : res.body }).toEqual({ status, body: undefined });
}

/** Two-proportion z statistic, pooled, written out for the test (not the code under test). */
function zOf(x1: number, n1: number, x2: number, n2: number): number {
  const p = (x1 + x2) / (n1 + n2);
  return (x2 / n2 - x1 / n1) / Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
}

describe('monitoring over a simulated month with two strategy variants', () => {
  let t: TestApp;
  let service: Call;
  let rm1: Call;
  let rm2: Call;
  let supervisor: Call;
  let collector: Call;
  let auditor: Call;
  const arm: Record<string, 'champion' | 'challenger'> = {};
  const cured = new Set<string>();
  let champion: string[] = [];
  let challenger: string[] = [];

  async function closeDay(businessDate: string) {
    expectStatus(await service('POST', '/loans/calendar/close', { businessDate }), 202);
    await eventually(
      async () => {
        const run = await supervisor('GET', `/loans/calendar/days/${businessDate}`);
        return run.status === 200 && run.body.status === 'completed' ? true : undefined;
      },
      30_000,
      `end of day ${businessDate}`,
    );
    await clocksAt(t, addDays(businessDate, 1));
  }

  async function kpi(path: string) {
    const res = await rm1('GET', `/monitoring/kpis/${path}`);
    expectStatus(res, 200);
    return res.body.rows as Array<Record<string, unknown>>;
  }

  const byVariant = (rows: Array<Record<string, unknown>>, ...fields: string[]) =>
    Object.fromEntries(rows.map((r) => [r.variant as string, Object.fromEntries(fields.map((f) => [f, r[f]]))]));

  beforeAll(async () => {
    // The monitoring context with a 30-day review cadence and a minimum of 10 cases per arm.
    const monitoring = createMonitoringContext({ ...DEFAULT_MONITORING_SETTINGS, reviewEveryDays: 30, review: { alpha: 0.05, minSampleSize: 10 } });
    t = await bootApp(CONTEXTS.map((c) => (c.name === 'monitoring' ? monitoring : c)));
    service = t.as('service', 'core-banking');
    rm1 = t.as('risk_manager', 'rm-1');
    rm2 = t.as('risk_manager', 'rm-2');
    supervisor = t.as('supervisor', 'sup-1', 'T1');
    collector = t.as('collector', 'col-1', 'T1');
    auditor = t.as('auditor', 'aud-1');

    const call = { stepId: 'call-1', when: { dpdDay: 1 }, channel: 'CALL', purpose: 'NEGOTIATION', templateId: 'script-negotiate', priority: 1 };
    expectStatus(
      await rm1('POST', '/collection/strategies', {
        strategyId: STRATEGY,
        keys: [{ grade: 'C', stage: 'M1' }],
        champion: [call],
        challenger: {
          ladder: [call, { stepId: 'edu-1', when: { dpdDay: 1 }, channel: 'SMS', purpose: 'EDUCATION', templateId: 'tpl-credit-record', priority: 2 }],
          trafficSharePct: 50,
        },
        reason: 'does an education message with the first call cure more?',
      }),
      201,
    );
    expectStatus(await rm2('POST', `/collection/strategies/${STRATEGY}/versions/1/approve`, {}), 202);
    // The strategy takes effect from the calendar's first day.
    expectStatus(await service('POST', '/loans/calendar', { openBusinessDate: day(1) }), 201);
    await clocksAt(t, day(1));
    expectStatus(await rm2('POST', `/collection/strategies/${STRATEGY}/versions/1/activate`, { effectiveFrom: day(1), businessDate: day(1) }), 202);
    expectStatus(await supervisor('POST', '/collection/collectors', { collectorId: 'col-1', team: 'T1', capacity: 100, skills: ['*'] }), 201);
    expectStatus(await supervisor('POST', '/collection/collectors/col-1/trainings', { courseId: 'basic-101', score: 90, completedOn: '2026-10-01' }), 201);
    expectStatus(
      await supervisor('POST', '/collection/collectors/col-1/certifications', {
        certification: 'COLLECTION_BASIC',
        courseId: 'basic-101',
        grantedOn: '2026-10-02',
        expiresOn: '2027-10-01',
      }),
      201,
    );
    await eventually(async () => {
      const res = await supervisor('GET', '/collection/collectors/col-1');
      return res.status === 200 && res.body.certifications?.COLLECTION_BASIC ? true : undefined;
    });
    await eventually(async () => {
      const res = await rm1('GET', `/collection/strategies/${STRATEGY}`);
      return res.status === 200 && res.body.versions[0]?.status === 'ACTIVE' ? true : undefined;
    });

    for (const [i, loanId] of LOANS.entries()) {
      expectStatus(
        await service('POST', '/loans/accounts', {
          loanId,
          customerId: `CM-${String(i + 1).padStart(3, '0')}`,
          productCode: 'CASH-3M',
          principal: 300_000,
          annualRateBps: 1200,
          termMonths: 3,
          disbursementDate: '2026-10-01',
          timeZone: 'Asia/Shanghai',
          schedule: [
            { seq: 1, dueDate: '2026-11-01', principal: 100_000, interest: 2_000 },
            { seq: 2, dueDate: '2026-12-01', principal: 100_000, interest: 1_500 },
            { seq: 3, dueDate: '2027-01-01', principal: 100_000, interest: 1_000 },
          ],
        }),
        201,
      );
    }

    // 1-2 November: due and unpaid, then delinquent: one case per loan, in one arm or the other.
    await closeDay(day(1));
    await closeDay(day(2));
    await eventually(
      async () => {
        for (const loanId of LOANS) {
          if (arm[loanId]) continue;
          const opened = (await t.runtime.store.readStream(`collection.case-${loanId}-E1`)).find((e) => e.type === 'CaseOpened');
          const assigned = (await t.runtime.store.readStream(`collection.case-${loanId}-E1`)).some((e) => e.type === 'CaseAssigned');
          if (!opened || !assigned) return undefined;
          arm[loanId] = (opened.data as { plan: { strategy: { variant: 'champion' | 'challenger' } } }).plan.strategy.variant;
        }
        return true;
      },
      30_000,
      'every case to open and be assigned',
    );
    champion = LOANS.filter((l) => arm[l] === 'champion');
    challenger = LOANS.filter((l) => arm[l] === 'challenger');
    const championCured = champion.slice(0, Math.floor(champion.length / 4));
    const challengerCured = challenger.slice(0, Math.ceil((challenger.length * 3) / 4));
    for (const l of [...championCured, ...challengerCured]) cured.add(l);

    // 3 November: one call per debtor.
    for (const loanId of LOANS) {
      const promise = arm[loanId] === 'challenger' && cured.has(loanId);
      const outcome = promise ? 'PROMISE_TO_PAY' : cured.has(loanId) ? 'RIGHT_PARTY_CONTACT' : 'NO_ANSWER';
      expectStatus(
        await collector('POST', `/collection/cases/${loanId}-E1/contacts`, {
          channel: 'CALL',
          outcome,
          at: '2026-11-03T10:00:00+08:00',
          recordingRef: `rec-${loanId}`,
          identified: true,
          ...(promise ? { promise: { promiseId: `ptp-${loanId}`, amount: OWED, dueOn: day(5) } } : {}),
        }),
        201,
      );
    }
    await closeDay(day(3));
    await closeDay(day(4));
    // 5 November: the reached debtors pay the installment; their loans cure and the cases close.
    for (const loanId of cured) {
      expectStatus(await service('POST', `/loans/accounts/${loanId}/payments`, { reference: `pay-${loanId}`, amount: OWED, valueDate: day(5) }), 202);
    }
    for (let d = 5; d <= 30; d++) await closeDay(day(d));
    await eventually(
      async () => {
        const res = await rm1('GET', '/monitoring/reviews?trigger=CADENCE');
        return res.status === 200 && res.body.total >= 1 ? true : undefined;
      },
      30_000,
      'the scheduled review',
    );
  }, 600_000);

  afterAll(async () => {
    await t?.close();
  });

  it('splits the cases between the arms (enough of each to compare)', () => {
    expect(champion.length + challenger.length).toBe(44);
    expect(champion.length).toBeGreaterThanOrEqual(12);
    expect(challenger.length).toBeGreaterThanOrEqual(12);
  });

  it('gives the cure rate and the recovery rate per variant', async () => {
    const nCh = champion.length;
    const nCl = challenger.length;
    const kCh = Math.floor(nCh / 4);
    const kCl = Math.ceil((nCl * 3) / 4);
    const cure = byVariant(
      await kpi(`cure_rate?from=${day(1)}&to=${day(30)}&granularity=total&groupBy=variant&strategyId=${STRATEGY}`),
      'cases',
      'cured',
      'rate',
    );
    expect(cure).toEqual({
      champion: { cases: nCh, cured: kCh, rate: kCh / nCh },
      challenger: { cases: nCl, cured: kCl, rate: kCl / nCl },
    });
    // Each case entered owing one installment; the cured ones paid exactly that.
    const recovery = byVariant(await kpi(`recovery_rate?from=${day(1)}&to=${day(30)}&granularity=total&groupBy=variant`), 'overdueFen', 'recoveredFen', 'rate');
    expect(recovery).toEqual({
      champion: { overdueFen: nCh * OWED, recoveredFen: kCh * OWED, rate: kCh / nCh },
      challenger: { overdueFen: nCl * OWED, recoveredFen: kCl * OWED, rate: kCl / nCl },
    });
  });

  it('gives contact, promise-to-pay and promise-kept rates per variant', async () => {
    const nCh = champion.length;
    const nCl = challenger.length;
    const kCh = Math.floor(nCh / 4);
    const kCl = Math.ceil((nCl * 3) / 4);
    const contact = byVariant(
      await kpi(`contact_rate?from=${day(1)}&to=${day(30)}&granularity=total&groupBy=variant&channel=CALL&collectorId=col-1`),
      'attempts',
      'contacts',
    );
    expect(contact).toEqual({ champion: { attempts: nCh, contacts: kCh }, challenger: { attempts: nCl, contacts: kCl } });
    const ptp = byVariant(await kpi(`promise_to_pay_rate?from=${day(1)}&to=${day(30)}&granularity=total&groupBy=variant`), 'numerator', 'denominator', 'rate');
    expect(ptp).toEqual({ champion: { numerator: 0, denominator: kCh, rate: 0 }, challenger: { numerator: kCl, denominator: kCl, rate: 1 } });
    const kept = await kpi(`promise_kept_rate?from=${day(1)}&to=${day(30)}&granularity=total&groupBy=variant`);
    expect(kept.map((r) => [r.variant, r.kept, r.resolved])).toEqual([['challenger', kCl, kCl]]);
  });

  it('gives aging, roll and entry rates for the month', async () => {
    const aging = await kpi(`aging?from=${day(30)}&to=${day(30)}`);
    expect(aging.map((r) => [r.stage, r.loans, r.balanceFen])).toEqual([
      ['M0', cured.size, cured.size * 200_000],
      ['M1', 44 - cured.size, (44 - cured.size) * 300_000],
    ]);
    const roll = await kpi(`roll_rate?from=${day(1)}&to=${day(30)}&granularity=month`);
    expect(roll.map((r) => [r.period, r.stage, r.toStage, r.loans, r.rolled])).toEqual([['2026-11', 'M0', 'M1', 44, 44 - cured.size]]);
    const entry = await kpi(`entry_rate?from=${day(1)}&to=${day(30)}&granularity=month`);
    expect(entry.map((r) => [r.numerator, r.denominator, r.rate])).toEqual([[44, 44, 1]]);
    const daily = await kpi(`entry_rate?from=${day(1)}&to=${day(3)}`);
    // By day: nothing entered on the 1st; all 44 on the 2nd; none was current at the end of the 2nd.
    expect(daily.map((r) => [r.period, r.numerator, r.denominator])).toEqual([
      [day(1), 0, 44],
      [day(2), 44, 44],
    ]);
  });

  it('warned every delinquent customer once, and closed the episodes of those who paid', async () => {
    const open = await eventually(async () => {
      const res = await supervisor('GET', '/monitoring/warnings?status=OPEN&pageSize=100');
      return res.status === 200 && res.body.total === 44 - cured.size ? res.body : undefined;
    });
    expect(new Set(open.items.map((w: { signals: Array<{ key: string }> }) => w.signals.map((s) => s.key).join()))).toEqual(new Set(['DPD_RISING:M1']));
    const closed = await supervisor('GET', '/monitoring/warnings?status=CLOSED&pageSize=100');
    expect(closed.body.total).toBe(cured.size);
    expect(closed.body.items[0]).toMatchObject({ closedOn: day(5), ruleSetVersion: 'EW-1' });
    const [first] = (await t.runtime.store.readStream('monitoring.customer-CM-001')).map((e) => e.data as EarlyWarningRaised['data']);
    expect(first).toMatchObject({ customerId: 'CM-001', severity: 'MEDIUM', ruleSetVersion: 'EW-1', episode: { number: 1, startedOn: day(2) }, asOf: day(2) });
  });

  it('completes the scheduled review on 30 November naming the challenger the better arm', async () => {
    const res = await auditor('GET', '/monitoring/reviews?trigger=CADENCE');
    expect(res.body.total).toBe(1);
    const review = res.body.items[0] as EffectivenessReviewCompleted['data'];
    const nCh = champion.length;
    const nCl = challenger.length;
    const kCh = Math.floor(nCh / 4);
    const kCl = Math.ceil((nCl * 3) / 4);
    expect(review).toMatchObject({
      strategyId: STRATEGY,
      strategyVersion: 1,
      segment: { label: 'all' },
      window: { from: '2026-09-02', to: day(30) },
      trigger: 'CADENCE',
      champion: { sampleSize: nCh, cured: kCh },
      challenger: { sampleSize: nCl, cured: kCl },
      better: 'challenger',
      recommendation: 'PROMOTE_CHALLENGER',
    });
    expect(review.difference).toBeCloseTo(kCl / nCl - kCh / nCh, 12);
    expect(review.z).toBeCloseTo(zOf(kCh, nCh, kCl, nCl), 9);
    expect(review.pValue).toBeLessThan(0.05);
    const stored = (await t.runtime.store.readStream(`monitoring.review-${review.reviewId}`))[0];
    expect(stored.metadata).toMatchObject({ command: 'CompleteReview', actor: { role: 'system' }, policyVersions: { reviewMethod: 'two-proportion-z/1' } });
    // The cadence is on record: 30 closed days, a review due only on the last.
    const cadence = (await t.runtime.store.readStream('monitoring.cadence-default')).map((e) => e.data as { businessDate: string; reviewDue: boolean });
    expect(cadence).toHaveLength(30);
    expect(cadence.filter((c) => c.reviewDue).map((c) => c.businessDate)).toEqual([day(30)]);
  });

  it('runs the same review on demand for a risk manager, with the same figures', async () => {
    const res = await rm1(
      'POST',
      '/monitoring/reviews',
      { strategyId: STRATEGY, strategyVersion: 1, from: day(1), to: day(30) },
      { 'idempotency-key': 'review-nov' },
    );
    expectStatus(res, 201);
    expect(res.body.review).toMatchObject({
      trigger: 'ON_DEMAND',
      champion: { sampleSize: champion.length, cured: Math.floor(champion.length / 4) },
      challenger: { sampleSize: challenger.length, cured: Math.ceil((challenger.length * 3) / 4) },
      better: 'challenger',
    });
    const again = await rm1(
      'POST',
      '/monitoring/reviews',
      { strategyId: STRATEGY, strategyVersion: 1, from: day(1), to: day(30) },
      { 'idempotency-key': 'review-nov' },
    );
    expect(again.body.reviewId).toBe(res.body.reviewId);
    const listed = await eventually(async () => {
      const r = await rm1('GET', `/monitoring/reviews/${res.body.reviewId}`);
      return r.status === 200 ? r.body : undefined;
    });
    expect(listed).toMatchObject({ reviewId: res.body.reviewId, recommendation: 'PROMOTE_CHALLENGER' });
    const bad = await rm1('GET', `/monitoring/kpis/entry_rate?from=${day(1)}&to=${day(30)}&groupBy=variant`);
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'SLICE_NOT_APPLICABLE' });
  });

  it('publishes everything it stored as Kafka messages valid against docs/asyncapi.yaml', async () => {
    const contract = await checkStoredEvents(t.runtime.store, CONTEXTS);
    expect(contract.problems).toEqual([]);
    const monitoringTypes = ['EarlyWarningRaised', 'EarlyWarningEpisodeClosed', 'EffectivenessReviewCompleted'];
    expect(contract.typesOn('arrears.monitoring.v1')).toEqual(expect.arrayContaining(monitoringTypes.map((type) => `arrears.monitoring.${type}`)));
  });
});
