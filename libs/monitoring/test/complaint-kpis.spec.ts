import { armCounts } from '../src/application/reviews.js';

import { kpiScenario } from './scenario.js';

/**
 * The complaint and self-cure KPIs over a hand-made November 2026 (strategy S1 v1, stage M1):
 *
 *   K1 champion, grade B, U1: an SMS reminder (Nov 3), the loan cures Nov 5         → self-cured
 *   K2 challenger, grade C, U2: calls Nov 3 (reached) and Nov 4 (the debtor complains; the hold
 *      it causes is the same complaint); the loan cures Nov 10                         → cured after a call
 *   K3 challenger, grade C, U2: no call; an installment plan Nov 6; a complaint and a dispute
 *      raised in the app (holds complaint-X, complaint-Y) Nov 7, the complaint upheld Nov 20 → self-cured by a plan
 *   K4 champion, grade A, U1: a call Nov 4 unanswered; nothing else                 → not cured
 *   K5 champion, grade B, U1: the loan cures Nov 8; a call the day after              → self-cured
 */
describe('complaint and self-cure KPIs', () => {
  const fixture = kpiScenario(async (s) => {
    const S1 = { strategyId: 'S1', version: 1, stage: 'M1' };
    const cases = [
      ['K1', 'L1', 'C1', 'champion', 'B', 'U1', '2026-11-02'],
      ['K2', 'L2', 'C2', 'challenger', 'C', 'U2', '2026-11-02'],
      ['K3', 'L3', 'C3', 'challenger', 'C', 'U2', '2026-11-03'],
      ['K4', 'L4', 'C4', 'champion', 'A', 'U1', '2026-11-03'],
      ['K5', 'L5', 'C5', 'champion', 'B', 'U1', '2026-11-03'],
    ] as const;
    for (const [, loan, customer, , grade] of cases) {
      await s.loanRegistered(loan, customer, 100_000, '2026-10-01');
      await s.graded(customer, grade, null, '2026-10-15');
    }
    for (const [caseId, loan, customer, variant, grade, collector, on] of cases) {
      await s.delinquent(loan, 'M1', 1, 10_000, on);
      await s.caseOpened(caseId, loan, customer, { ...S1, variant, grade, overdue: 10_000 }, on);
      await s.assigned(caseId, collector, on);
    }
    await s.attempt('K1', 'A1', 'SMS', 'DELIVERED', { kind: 'EXECUTOR', id: 'sms-gateway' }, '2026-11-03');
    await s.attempt('K2', 'A2', 'CALL', 'RIGHT_PARTY_CONTACT', { kind: 'COLLECTOR', id: 'U2' }, '2026-11-03');
    await s.attempt('K2', 'A3', 'CALL', 'COMPLAINT', { kind: 'COLLECTOR', id: 'U2' }, '2026-11-04');
    await s.onHold('K2', 'A3', 'COMPLAINT', '2026-11-04');
    await s.attempt('K4', 'A4', 'CALL', 'NO_ANSWER', { kind: 'COLLECTOR', id: 'U1' }, '2026-11-04');
    await s.cured('L1', '2026-11-05');
    await s.caseClosed('K1', 'CURED', '2026-11-05');
    await s.restructured('RQ3', 'L3', 'C3', '2026-11-06');
    await s.onHold('K3', 'complaint-X', 'COMPLAINT', '2026-11-07');
    await s.onHold('K3', 'complaint-Y', 'DISPUTE', '2026-11-07');
    await s.cured('L5', '2026-11-08');
    await s.attempt('K5', 'A5', 'CALL', 'RIGHT_PARTY_CONTACT', { kind: 'COLLECTOR', id: 'U1' }, '2026-11-09');
    await s.cured('L2', '2026-11-10');
    await s.caseClosed('K2', 'CURED', '2026-11-10');
    const resolved = {
      customerId: 'C3',
      kind: 'COMPLAINT',
      remedies: ['APOLOGY'],
      resolutionRef: null,
      resolvedBy: { id: 'sup-9', role: 'supervisor' },
      caseIds: ['K3'],
      late: false,
    };
    await s.append(
      'selfservice.complaint-X',
      'ComplaintResolved',
      { ...resolved, complaintId: 'X', outcome: 'UPHELD', resolvedOn: '2026-11-20' },
      '2026-11-20',
    );
  });

  const pick = (rows: readonly Record<string, unknown>[], ...fields: string[]) => rows.map((r) => Object.fromEntries(fields.map((f) => [f, r[f]])));
  const november = { from: '2026-11-01', to: '2026-11-30', granularity: 'total' } as const;

  it('self-cure rate: cases cured or put on a plan with no call or visit up to that day, by variant and by grade', async () => {
    const byVariant = await fixture.kpis.run({ kpi: 'self_cure_rate', ...november, groupBy: ['variant'] });
    // champion: K1 (an SMS only), K5 (the call came after the cure) of K1, K4, K5; challenger: K3 (a plan, no call) of K2, K3.
    expect(pick(byVariant.rows, 'variant', 'cases', 'curedOrPlan', 'selfCured', 'rate')).toEqual([
      { variant: 'challenger', cases: 2, curedOrPlan: 2, selfCured: 1, rate: 0.5 },
      { variant: 'champion', cases: 3, curedOrPlan: 2, selfCured: 2, rate: 2 / 3 },
    ]);
    const byGrade = await fixture.kpis.run({ kpi: 'self_cure_rate', ...november, groupBy: ['grade'] });
    expect(pick(byGrade.rows, 'grade', 'cases', 'selfCured')).toEqual([
      { grade: 'A', cases: 1, selfCured: 0 },
      { grade: 'B', cases: 2, selfCured: 2 },
      { grade: 'C', cases: 2, selfCured: 1 },
    ]);
    // Judged on 4 November, nothing had cured yet.
    const early = await fixture.kpis.run({ kpi: 'self_cure_rate', from: '2026-11-01', to: '2026-11-04', granularity: 'total' });
    expect(pick(early.rows, 'cases', 'selfCured')).toEqual([{ cases: 5, selfCured: 0 }]);
  });

  it('complaints per 1,000 contacts by variant and by collector: a contact outcome and the hold it causes count once; disputes apart', async () => {
    const byVariant = await fixture.kpis.run({ kpi: 'complaints_per_1000_contacts', ...november, groupBy: ['variant'] });
    // challenger: A2, A3 attempted; complaints K2#A3 and K3#complaint-X (upheld), the dispute K3#complaint-Y apart. champion: A1, A4, A5, none.
    expect(pick(byVariant.rows, 'variant', 'attempts', 'complaints', 'upheld', 'disputes', 'rate', 'perThousand', 'upheldPerThousand')).toEqual([
      { variant: 'challenger', attempts: 2, complaints: 2, upheld: 1, disputes: 1, rate: 1, perThousand: 1000, upheldPerThousand: 500 },
      { variant: 'champion', attempts: 3, complaints: 0, upheld: 0, disputes: 0, rate: 0, perThousand: 0, upheldPerThousand: 0 },
    ]);
    const byCollector = await fixture.kpis.run({ kpi: 'complaints_per_1000_contacts', ...november, groupBy: ['collectorId'] });
    expect(pick(byCollector.rows, 'collectorId', 'attempts', 'complaints')).toEqual([
      { collectorId: 'U1', attempts: 3, complaints: 0 },
      { collectorId: 'U2', attempts: 2, complaints: 2 },
    ]);
  });

  it('gives the champion/challenger review each arm’s contacts and complaints in the window, for the guardrail', async () => {
    const arms = await armCounts(fixture.facts.pool, (t) => t, {
      strategyId: 'S1',
      strategyVersion: 1,
      segment: { grade: null, stage: null },
      from: '2026-11-01',
      to: '2026-11-30',
    });
    expect(arms).toEqual({
      champion: { cases: 3, cured: 2, contacts: 3, complaints: 0, upheld: 0 },
      challenger: { cases: 2, cured: 1, contacts: 2, complaints: 2, upheld: 1 },
    });
  });
});
