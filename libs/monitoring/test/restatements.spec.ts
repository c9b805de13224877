import { cureOn } from '../src/read-model/facts.projection.js';

import { kpiScenario } from './scenario.js';

/**
 * Monitoring restates aging, cures and promises when a correction reaches it, keeping the first
 * figure beside the corrected one (mon_restatements).
 *
 * L1 (100,000, C1) registered 2026-10-01, first due 10-28. Past due from 10-29 (M1), case K1 opens;
 * promise PR1 made 10-30. Paid (P1) on 11-03: PR1 kept, L1 cured, K1 closed CURED. On 11-06 P1 is
 * reversed: Loans reports L1 delinquent again and restates its history (M1 from 10-29 throughout);
 * Collection reopens PR1.
 */
describe('restatements in the KPI facts', () => {
  let restatedId: string;

  const fixture = kpiScenario(async (s) => {
    await s.loanRegistered('L1', 'C1', 100_000, '2026-10-01');
    await s.delinquent('L1', 'M1', 1, 34_333, '2026-10-29');
    await s.caseOpened('K1', 'L1', 'C1', { strategyId: 'S1', version: 1, variant: 'champion', grade: 'C', stage: 'M1', overdue: 34_333 }, '2026-10-29');
    await s.promise('K1', 'PR1', 'A1', 34_333, '2026-11-03', '2026-10-30');
    await s.payment('L1', 'P1', 34_333, 33_333, '2026-11-03');
    await s.promiseKept('K1', 'PR1', '2026-11-03');
    await s.cured('L1', '2026-11-03');
    await s.caseClosed('K1', 'CURED', '2026-11-03');
    await s.reversed('L1', 'P1', 34_333, '2026-11-06');
    await s.delinquent('L1', 'M1', 9, 34_333, '2026-11-06');
    const stagesBefore = [
      { stage: 'M0', from: '2026-10-01', to: '2026-10-29' },
      { stage: 'M1', from: '2026-10-29', to: '2026-11-03' },
      { stage: 'M0', from: '2026-11-03', to: null },
    ];
    const stagesAfter = [
      { stage: 'M0', from: '2026-10-01', to: '2026-10-29' },
      { stage: 'M1', from: '2026-10-29', to: null },
    ];
    const correction = { type: 'PaymentReversed', ref: 'P1', effectiveFrom: '2026-11-03', recordedOn: '2026-11-06' };
    restatedId = await s.append(
      'loans.loan-L1',
      'DelinquencyRestated',
      {
        asOf: '2026-11-06',
        correction,
        before: { through: '2026-11-06', episodes: [{ start: '2026-10-29', end: '2026-11-03', maxDpd: 5 }], stages: stagesBefore, overduePayments: [] },
        after: { through: '2026-11-06', episodes: [{ start: '2026-10-29', end: null, maxDpd: 9 }], stages: stagesAfter, overduePayments: [] },
      },
      '2026-11-06',
    );
    await s.append(
      'collection.case-K1',
      'PromiseReopened',
      {
        caseId: 'K1',
        promiseId: 'PR1',
        amount: 34_333,
        dueOn: '2026-11-03',
        paidAmount: 0,
        reopenedOn: '2026-11-06',
        cause: { eventId: 'reversal-1', type: 'PaymentReversed', ref: 'P1' },
      },
      '2026-11-06',
    );
  }, 3);

  it('ages the loan on the corrected spells: in M1 on the days it was first reported current', async () => {
    const nov4 = await fixture.kpis.run({ kpi: 'aging', from: '2026-11-04', to: '2026-11-04', granularity: 'total' });
    expect(nov4.rows.map((r) => [r.stage, r.loans])).toEqual([['M1', 1]]);
  });

  it('keeps the first figures beside the corrected ones, naming the correction', async () => {
    const { rows } = await fixture.facts.pool.query(
      `SELECT kind, case_id, cause_event_id, correction, before, after FROM mon_restatements ORDER BY kind, case_id`,
    );
    expect(rows).toEqual([
      {
        kind: 'CASE_CURE',
        case_id: 'K1',
        cause_event_id: restatedId,
        correction: { type: 'PaymentReversed', ref: 'P1', effectiveFrom: '2026-11-03', recordedOn: '2026-11-06' },
        before: { curedOn: '2026-11-03' },
        after: { curedOn: null },
      },
      expect.objectContaining({
        kind: 'PROMISE',
        case_id: 'K1',
        before: { status: 'KEPT', resolvedOn: '2026-11-03' },
        after: { status: 'OPEN', resolvedOn: null },
      }),
      expect.objectContaining({
        kind: 'STAGES',
        case_id: null,
        cause_event_id: restatedId,
        before: [
          { stage: 'M0', from: '2026-10-01', to: '2026-10-29' },
          { stage: 'M1', from: '2026-10-29', to: '2026-11-03' },
          { stage: 'M0', from: '2026-11-03', to: '2026-11-06' },
          { stage: 'M1', from: '2026-11-06', to: null },
        ],
        after: [
          { stage: 'M0', from: '2026-10-01', to: '2026-10-29' },
          { stage: 'M1', from: '2026-10-29', to: null },
        ],
      }),
    ]);
  });

  it('the cure undone no longer counts, nor the promise kept on the reversed payment', async () => {
    const cure = await fixture.kpis.run({ kpi: 'cure_rate', from: '2026-10-01', to: '2026-11-30', granularity: 'total' });
    expect(cure.rows.map((r) => [r.numerator, r.denominator])).toEqual([[0, 1]]);
    const kept = await fixture.kpis.run({ kpi: 'promise_kept_rate', from: '2026-10-01', to: '2026-11-30', granularity: 'total' });
    // No promise is judged now (PR1 is open again): no period has a denominator.
    expect(kept.rows).toEqual([]);
    const { rows } = await fixture.facts.pool.query(`SELECT status, resolved_on FROM mon_promises WHERE promise_key = 'K1#PR1'`);
    expect(rows).toEqual([{ status: 'OPEN', resolved_on: null }]);
  });

  it('judges a cure on corrected spells from the opening through the close', () => {
    const spells = [
      { stage: 'M0', from: '2026-10-01', to: '2026-10-29' },
      { stage: 'M1', from: '2026-10-29', to: '2026-11-03' },
      { stage: 'M0', from: '2026-11-03', to: null },
    ];
    expect(cureOn({ opened_on: '2026-10-29', closed_on: null, close_reason: null }, spells)).toBe('2026-11-03');
    expect(cureOn({ opened_on: '2026-10-29', closed_on: '2026-11-02', close_reason: 'RESTRUCTURED' }, spells)).toBeNull();
    // A case opened on a delinquency the corrected facts do not show is current on its opening day.
    expect(cureOn({ opened_on: '2026-10-30', closed_on: '2026-11-05', close_reason: 'CURED' }, [{ stage: 'M0', from: '2026-10-01', to: null }])).toBe(
      '2026-10-30',
    );
    expect(cureOn({ opened_on: '2026-10-29', closed_on: '2026-11-10', close_reason: 'PAID_OFF' }, [{ stage: 'M1', from: '2026-10-29', to: null }])).toBe(
      '2026-11-10',
    );
  });
});
