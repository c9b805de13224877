import { KpiSliceError, type KpiQuery } from '../src/read-model/kpis.js';
import { FACTS_PROJECTION } from '../src/read-model/facts.projection.js';
import { kpiScenario } from './scenario.js';

/**
 * A small portfolio over November and December 2026, and every KPI's figures computed by hand.
 *
 * Loans (principal): L1 100,000 (C1, grade B), L2 100,000 (C2, C), L3 100,000 (C3, C),
 * L4 100,000 (C4, A), L5 200,000 (C5, A), all registered 1 October. Strategy S1 version 1.
 *
 *   Nov 2  L1 → M1, case K1 (champion, overdue 10,000, collector U1)
 *          L2 → M1, case K2 (challenger, overdue 20,000, collector U2)
 *   Nov 3  L3 → M1, case K3 (challenger, overdue 30,000, collector U2)
 *          A1 K1 CALL NO_ANSWER (U1); A2 K2 CALL PROMISE_TO_PAY (U2) + promise PR1
 *   Nov 4  A3 K1 CALL RIGHT_PARTY_CONTACT (U1); A4 K1 SMS DELIVERED (executor); A5 K3 CALL WRONG_PARTY (U2)
 *   Nov 5  A6 K1 CALL PROMISE_TO_PAY (U1) + promise PR2; A7 K3 CALL DISPUTE (U2) and the hold it causes
 *   Nov 6  L1 pays P1 5,000 (principal 4,000)
 *   Nov 7  L1 pays P2 2,000 (principal 1,500), reversed on Nov 9
 *   Nov 10 L2 pays P3 20,000 (principal 15,000); PR1 kept; L2 cured; K2 closed CURED
 *   Nov 11 PR2 broken
 *   Nov 20 restructuring RQ1 on L3; Nov 25 RQ2 on L1
 *   Dec 2  L1 → M2; Dec 3 L3 → M2; Dec 10 L4 → M1, case K4 (champion, grade A)
 *   Dec 15 RQ1 broken; Dec 20 L5 paid off; Dec 28 RQ2 completed
 */
describe('KPIs over the fact tables (hand-computed scenario)', () => {
  const fixture = kpiScenario(async (s) => {
    const S1 = { strategyId: 'S1', version: 1, stage: 'M1' };
    for (const [loan, customer, principal] of [
      ['L1', 'C1', 100_000],
      ['L2', 'C2', 100_000],
      ['L3', 'C3', 100_000],
      ['L4', 'C4', 100_000],
      ['L5', 'C5', 200_000],
    ] as const) {
      await s.loanRegistered(loan, customer, principal, '2026-10-01');
    }
    for (const [customer, grade] of [
      ['C1', 'B'],
      ['C2', 'C'],
      ['C3', 'C'],
      ['C4', 'A'],
      ['C5', 'A'],
    ])
      await s.graded(customer, grade, null, '2026-10-15');
    await s.delinquent('L1', 'M1', 1, 10_000, '2026-11-02');
    await s.caseOpened('K1', 'L1', 'C1', { ...S1, variant: 'champion', grade: 'B', overdue: 10_000 }, '2026-11-02');
    await s.assigned('K1', 'U1', '2026-11-02');
    await s.delinquent('L2', 'M1', 1, 20_000, '2026-11-02');
    await s.caseOpened('K2', 'L2', 'C2', { ...S1, variant: 'challenger', grade: 'C', overdue: 20_000 }, '2026-11-02');
    await s.assigned('K2', 'U2', '2026-11-02');
    await s.delinquent('L3', 'M1', 1, 30_000, '2026-11-03');
    await s.caseOpened('K3', 'L3', 'C3', { ...S1, variant: 'challenger', grade: 'C', overdue: 30_000 }, '2026-11-03');
    await s.assigned('K3', 'U2', '2026-11-03');
    await s.attempt('K1', 'A1', 'CALL', 'NO_ANSWER', { kind: 'COLLECTOR', id: 'U1' }, '2026-11-03');
    await s.attempt('K2', 'A2', 'CALL', 'PROMISE_TO_PAY', { kind: 'COLLECTOR', id: 'U2' }, '2026-11-03');
    await s.promise('K2', 'PR1', 'A2', 20_000, '2026-11-10', '2026-11-03');
    await s.attempt('K1', 'A3', 'CALL', 'RIGHT_PARTY_CONTACT', { kind: 'COLLECTOR', id: 'U1' }, '2026-11-04');
    await s.attempt('K1', 'A4', 'SMS', 'DELIVERED', { kind: 'EXECUTOR', id: 'sms-gateway' }, '2026-11-04');
    await s.attempt('K3', 'A5', 'CALL', 'WRONG_PARTY', { kind: 'COLLECTOR', id: 'U2' }, '2026-11-04');
    await s.attempt('K1', 'A6', 'CALL', 'PROMISE_TO_PAY', { kind: 'COLLECTOR', id: 'U1' }, '2026-11-05');
    await s.promise('K1', 'PR2', 'A6', 10_000, '2026-11-08', '2026-11-05');
    await s.attempt('K3', 'A7', 'CALL', 'DISPUTE', { kind: 'COLLECTOR', id: 'U2' }, '2026-11-05');
    await s.onHold('K3', 'A7', 'DISPUTE', '2026-11-05');
    await s.payment('L1', 'P1', 5_000, 4_000, '2026-11-06');
    await s.payment('L1', 'P2', 2_000, 1_500, '2026-11-07');
    await s.reversed('L1', 'P2', 2_000, '2026-11-09');
    await s.payment('L2', 'P3', 20_000, 15_000, '2026-11-10');
    await s.promiseKept('K2', 'PR1', '2026-11-10');
    await s.cured('L2', '2026-11-10');
    await s.caseClosed('K2', 'CURED', '2026-11-10');
    await s.promiseBroken('K1', 'PR2', '2026-11-11');
    await s.restructured('RQ1', 'L3', 'C3', '2026-11-20');
    await s.restructured('RQ2', 'L1', 'C1', '2026-11-25');
    await s.stageChanged('L1', 'M1', 'M2', 31, '2026-12-02');
    await s.stageChanged('L3', 'M1', 'M2', 31, '2026-12-03');
    await s.delinquent('L4', 'M1', 1, 5_000, '2026-12-10');
    await s.caseOpened('K4', 'L4', 'C4', { ...S1, variant: 'champion', grade: 'A', overdue: 5_000 }, '2026-12-10');
    await s.planEnded('RQ1', 'L3', 'C3', 'PlanBroken', '2026-12-15');
    await s.paidOff('L5', '2026-12-20');
    await s.planEnded('RQ2', 'L1', 'C1', 'PlanCompleted', '2026-12-28');

    // Small batches, so the batch boundaries fall between related events too.
  }, 7);

  const run = (q: Omit<KpiQuery, 'granularity'> & { granularity?: KpiQuery['granularity'] }) => fixture.kpis.run({ granularity: 'total', ...q });
  const pick = (rows: readonly Record<string, unknown>[], ...fields: string[]) => rows.map((r) => Object.fromEntries(fields.map((f) => [f, r[f]])));

  it('aging: loans and outstanding principal per stage at the end of a day', async () => {
    const nov30 = await run({ kpi: 'aging', from: '2026-11-30', to: '2026-11-30', granularity: 'day' });
    // M0: L2 (100,000 − 15,000), L4, L5 (200,000) = 385,000; M1: L1 (100,000 − 4,000; P2 was reversed), L3 = 196,000.
    expect(pick(nov30.rows, 'stage', 'loans', 'balanceFen', 'rate')).toEqual([
      { stage: 'M0', loans: 3, balanceFen: 385_000, rate: 0.6 },
      { stage: 'M1', loans: 2, balanceFen: 196_000, rate: 0.4 },
    ]);
    // On Nov 8 the P2 reversal had not happened yet: L1 = 100,000 − 4,000 − 1,500.
    const nov8 = await run({ kpi: 'aging', from: '2026-11-08', to: '2026-11-08' });
    expect(pick(nov8.rows, 'stage', 'loans', 'balanceFen')).toEqual([
      { stage: 'M0', loans: 2, balanceFen: 300_000 },
      { stage: 'M1', loans: 3, balanceFen: 294_500 },
    ]);
    // Dec 31: L5 paid off (out); L1 and L3 in M2, L4 in M1, L2 current.
    const dec31 = await run({ kpi: 'aging', from: '2026-12-31', to: '2026-12-31' });
    expect(pick(dec31.rows, 'stage', 'loans', 'balanceFen')).toEqual([
      { stage: 'M0', loans: 1, balanceFen: 85_000 },
      { stage: 'M1', loans: 1, balanceFen: 100_000 },
      { stage: 'M2', loans: 2, balanceFen: 196_000 },
    ]);
  });

  it('aging sliced by variant: the case open on the date (current loans have none)', async () => {
    const r = await run({ kpi: 'aging', from: '2026-11-30', to: '2026-11-30', groupBy: ['variant'] });
    expect(pick(r.rows, 'stage', 'variant', 'loans')).toEqual([
      { stage: 'M0', variant: null, loans: 3 },
      { stage: 'M1', variant: 'challenger', loans: 1 },
      { stage: 'M1', variant: 'champion', loans: 1 },
    ]);
  });

  it('roll rates per month: stage n at the previous month end → n+1 at this month end', async () => {
    const r = await run({ kpi: 'roll_rate', from: '2026-11-01', to: '2026-12-31', granularity: 'month' });
    expect(pick(r.rows, 'period', 'stage', 'toStage', 'loans', 'rolled', 'rate', 'balanceFen', 'rolledBalanceFen', 'writeOffRate')).toEqual([
      // Oct 31: all five current (600,000); Nov 30: L1 and L3 in M1 (96,000 + 100,000). L2 went M1 and back: not rolled.
      { period: '2026-11', stage: 'M0', toStage: 'M1', loans: 5, rolled: 2, rate: 0.4, balanceFen: 600_000, rolledBalanceFen: 196_000, writeOffRate: 0 },
      // Nov 30 current: L2, L4, L5; Dec 31: L4 in M1 (L5 paid off).
      { period: '2026-12', stage: 'M0', toStage: 'M1', loans: 3, rolled: 1, rate: 1 / 3, balanceFen: 385_000, rolledBalanceFen: 100_000, writeOffRate: 0 },
      // Nov 30 M1: L1, L3; both M2 on Dec 31.
      { period: '2026-12', stage: 'M1', toStage: 'M2', loans: 2, rolled: 2, rate: 1, balanceFen: 196_000, rolledBalanceFen: 196_000, writeOffRate: 0 },
    ]);
  });

  it('entry rate: cases opened in the month over loans current at the previous month end, by grade', async () => {
    const r = await run({ kpi: 'entry_rate', from: '2026-11-01', to: '2026-12-31', granularity: 'month' });
    expect(pick(r.rows, 'period', 'numerator', 'denominator', 'rate')).toEqual([
      { period: '2026-11', numerator: 3, denominator: 5, rate: 0.6 },
      { period: '2026-12', numerator: 1, denominator: 3, rate: 1 / 3 },
    ]);
    const byGrade = await run({ kpi: 'entry_rate', from: '2026-11-01', to: '2026-11-30', groupBy: ['grade'] });
    expect(pick(byGrade.rows, 'grade', 'entered', 'loans')).toEqual([
      { grade: 'A', entered: 0, loans: 2 },
      { grade: 'B', entered: 1, loans: 1 },
      { grade: 'C', entered: 2, loans: 2 },
    ]);
  });

  it('cure rate per variant: cases entering in the range, cured by its end', async () => {
    const nov = await run({ kpi: 'cure_rate', from: '2026-11-01', to: '2026-11-30', groupBy: ['variant'] });
    expect(pick(nov.rows, 'variant', 'cases', 'cured', 'rate')).toEqual([
      { variant: 'challenger', cases: 2, cured: 1, rate: 0.5 },
      { variant: 'champion', cases: 1, cured: 0, rate: 0 },
    ]);
    const both = await run({ kpi: 'cure_rate', from: '2026-11-01', to: '2026-12-31', filters: { strategyId: 'S1', strategyVersion: 1, stage: 'M1' } });
    const none = await run({ kpi: 'cure_rate', from: '2026-11-01', to: '2026-12-31', filters: { strategyId: 'S1', strategyVersion: 2 } });
    expect(none.rows).toEqual([]);
    expect(pick(both.rows, 'numerator', 'denominator', 'rate')).toEqual([{ numerator: 1, denominator: 4, rate: 0.25 }]);
  });

  it('recovery rate: collected (capped at the overdue at entry, reversals out) over overdue at entry', async () => {
    const r = await run({ kpi: 'recovery_rate', from: '2026-11-01', to: '2026-11-30', groupBy: ['variant'] });
    // champion K1: 5,000 of 10,000 (P2 reversed); challenger K2 20,000 of 20,000 + K3 0 of 30,000.
    expect(pick(r.rows, 'variant', 'overdueFen', 'collectedFen', 'recoveredFen', 'rate')).toEqual([
      { variant: 'challenger', overdueFen: 50_000, collectedFen: 20_000, recoveredFen: 20_000, rate: 0.4 },
      { variant: 'champion', overdueFen: 10_000, collectedFen: 5_000, recoveredFen: 5_000, rate: 0.5 },
    ]);
  });

  it('contact and right-party-contact rates per channel, and by collector', async () => {
    const contact = await run({ kpi: 'contact_rate', from: '2026-11-01', to: '2026-11-30' });
    expect(pick(contact.rows, 'channel', 'attempts', 'contacts', 'rate')).toEqual([
      { channel: 'CALL', attempts: 6, contacts: 5, rate: 5 / 6 },
      { channel: 'SMS', attempts: 1, contacts: 1, rate: 1 },
    ]);
    const rpc = await run({ kpi: 'right_party_contact_rate', from: '2026-11-01', to: '2026-11-30' });
    expect(pick(rpc.rows, 'channel', 'rightPartyContacts', 'attempts', 'rate')).toEqual([
      { channel: 'CALL', rightPartyContacts: 4, attempts: 6, rate: 4 / 6 },
      { channel: 'SMS', rightPartyContacts: 0, attempts: 1, rate: 0 },
    ]);
    const byCollector = await run({ kpi: 'contact_rate', from: '2026-11-01', to: '2026-11-30', groupBy: ['collectorId'], filters: { channel: 'CALL' } });
    expect(pick(byCollector.rows, 'collectorId', 'contacts', 'attempts')).toEqual([
      { collectorId: 'U1', contacts: 2, attempts: 3 },
      { collectorId: 'U2', contacts: 3, attempts: 3 },
    ]);
    const daily = await run({ kpi: 'contact_rate', from: '2026-11-03', to: '2026-11-04', granularity: 'day', filters: { channel: 'CALL' } });
    expect(pick(daily.rows, 'period', 'contacts', 'attempts')).toEqual([
      { period: '2026-11-03', contacts: 1, attempts: 2 },
      { period: '2026-11-04', contacts: 2, attempts: 2 },
    ]);
  });

  it('promise-to-pay rate over right-party contacts, promise-kept rate over judged promises', async () => {
    const ptp = await run({ kpi: 'promise_to_pay_rate', from: '2026-11-01', to: '2026-11-30' });
    expect(pick(ptp.rows, 'numerator', 'denominator', 'rate')).toEqual([{ numerator: 2, denominator: 4, rate: 0.5 }]);
    const kept = await run({ kpi: 'promise_kept_rate', from: '2026-11-01', to: '2026-11-30', groupBy: ['variant'] });
    expect(pick(kept.rows, 'variant', 'kept', 'resolved', 'rate')).toEqual([
      { variant: 'challenger', kept: 1, resolved: 1, rate: 1 },
      { variant: 'champion', kept: 0, resolved: 1, rate: 0 },
    ]);
  });

  it('restructuring success rate over plans ended in the period, sliced by the case at activation', async () => {
    const dec = await run({ kpi: 'restructuring_success_rate', from: '2026-12-01', to: '2026-12-31', groupBy: ['variant'] });
    expect(pick(dec.rows, 'variant', 'completed', 'ended', 'rate')).toEqual([
      { variant: 'challenger', completed: 0, ended: 1, rate: 0 },
      { variant: 'champion', completed: 1, ended: 1, rate: 1 },
    ]);
    expect((await run({ kpi: 'restructuring_success_rate', from: '2026-11-01', to: '2026-11-30' })).rows).toEqual([]);
  });

  it('disputes and complaints: a dispute outcome and its hold count once', async () => {
    const r = await run({ kpi: 'disputes_complaints', from: '2026-11-01', to: '2026-11-30' });
    expect(pick(r.rows, 'activeCases', 'disputes', 'complaints', 'casesWithEither', 'rate')).toEqual([
      { activeCases: 3, disputes: 1, complaints: 0, casesWithEither: 1, rate: 1 / 3 },
    ]);
  });

  it('refuses a slice a KPI does not have', async () => {
    await expect(run({ kpi: 'entry_rate', from: '2026-11-01', to: '2026-11-30', groupBy: ['variant'] })).rejects.toBeInstanceOf(KpiSliceError);
  });

  it('a rebuild from the events gives the same fact rows', async () => {
    const report = await fixture.facts.runner.verify(FACTS_PROJECTION);
    expect(report.tables.filter((t) => t.differences > 0)).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
