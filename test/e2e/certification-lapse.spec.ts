import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { bootApp, eventually, type TestApp, type TestResponse } from '#test-support/app.js';
import { clocksAt } from '#test-support/clock.js';
import { closeCollectionDay } from '#test-support/collection.js';

/**
 * Work follows the certifications: col-1's base certification lapses on 2026-03-05, so at the close
 * of 03-04 its case moves to the least-loaded certified collector (col-2); when the loan escalates
 * into M2, whose plan has a call needing NEGOTIATION_ADVANCED, the case moves on to col-3, who holds
 * it. Each move is a CaseReassigned with the reason. (The loan's product puts M2 at 3 days past due.)
 * One strategy covers both stages with a plan per stage: the escalation releases only M2's first step.
 */
type Call = (method: string, path: string, body?: unknown) => Promise<TestResponse>;

describe('certification lapses move work', () => {
  let t: TestApp;
  let service: Call;
  let rm1: Call;
  let rm2: Call;
  let supervisor: Call;

  const reassigned = async () =>
    (await t.runtime.store.readStream('collection.case-LR-E1'))
      .filter((e) => e.type === 'CaseReassigned')
      .map((e) => e.data as { from: string; to: string; reason: string });

  const closeDay = (date: string) => closeCollectionDay(t, service, date);

  async function collector(collectorId: string, certifications: { certification: string; grantedOn: string; expiresOn: string }[]) {
    expect((await supervisor('POST', '/collection/collectors', { collectorId, team: 'T1', capacity: 10, skills: ['*'] })).status).toBe(201);
    for (const c of certifications) {
      const courseId = `${c.certification.toLowerCase()}-course`;
      expect((await supervisor('POST', `/collection/collectors/${collectorId}/trainings`, { courseId, score: 90, completedOn: '2025-03-01' })).status).toBe(
        201,
      );
      expect(
        (
          await supervisor('POST', `/collection/collectors/${collectorId}/certifications`, {
            certification: c.certification,
            courseId,
            grantedOn: c.grantedOn,
            expiresOn: c.expiresOn,
          })
        ).status,
      ).toBe(201);
    }
    await eventually(async () => {
      const res = await supervisor('GET', `/collection/collectors/${collectorId}`);
      return res.status === 200 && Object.keys(res.body.certifications).length === certifications.length ? true : undefined;
    });
  }

  async function strategy(strategyId: string, stages: string[], champion: unknown[]) {
    const keys = stages.map((stage) => ({ grade: 'C', stage }));
    expect((await rm1('POST', '/collection/strategies', { strategyId, keys, champion, reason: 'certification scenario' })).status).toBe(201);
    expect((await rm2('POST', `/collection/strategies/${strategyId}/versions/1/approve`, {})).status).toBe(202);
    expect((await rm2('POST', `/collection/strategies/${strategyId}/versions/1/activate`, { effectiveFrom: '2026-03-01' })).status).toBe(202);
    await eventually(async () => ((await rm1('GET', `/collection/strategies/${strategyId}`)).body.versions?.[0]?.status === 'ACTIVE' ? true : undefined));
  }

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    service = t.as('service', 'core-banking');
    rm1 = t.as('risk_manager', 'rm-1');
    rm2 = t.as('risk_manager', 'rm-2');
    supervisor = t.as('supervisor', 'sup-1', 'T1');
    expect((await service('POST', '/loans/calendar', { openBusinessDate: '2026-03-01' })).status).toBe(201);
    await clocksAt(t, '2026-03-01');
    // One strategy covering M1 and M2, a plan per stage: each step is placed on its stage.
    await strategy(
      'lapse-C',
      ['M1', 'M2'],
      [
        { stepId: 'call-1', when: { dpdDay: 1 }, channel: 'CALL', purpose: 'NEGOTIATION', templateId: 'script-1', stage: 'M1' },
        { stepId: 'sms-2', when: { dpdDay: 2 }, channel: 'SMS', purpose: 'REMINDER', templateId: 'tpl-reminder', stage: 'M1' },
        {
          stepId: 'call-m2',
          when: { dpdDay: 3 },
          channel: 'CALL',
          purpose: 'DEMAND',
          templateId: 'script-m2',
          requiredCertification: 'NEGOTIATION_ADVANCED',
          stage: 'M2',
        },
        { stepId: 'letter-m2', when: { dpdDay: 6 }, channel: 'LETTER', purpose: 'DEMAND', templateId: 'tpl-letter', stage: 'M2' },
      ],
    );
    await collector('col-1', [{ certification: 'COLLECTION_BASIC', grantedOn: '2025-03-05', expiresOn: '2026-03-05' }]);
    const res = await service('POST', '/loans/accounts', {
      loanId: 'LR',
      customerId: 'cust-R',
      productCode: 'CASH-3M',
      principal: 300_000,
      annualRateBps: 1200,
      termMonths: 3,
      disbursementDate: '2026-02-02',
      timeZone: 'Asia/Shanghai',
      schedule: [
        { seq: 1, dueDate: '2026-03-02', principal: 100_000, interest: 3_000 },
        { seq: 2, dueDate: '2026-04-02', principal: 100_000, interest: 2_000 },
        { seq: 3, dueDate: '2026-05-02', principal: 100_000, interest: 1_000 },
      ],
      product: { stageBoundaries: { M0: 0, M1: 2, M2: 60, M3: 90, M4: 120, M5: 150, M6: 180 } },
    });
    expect(res.status).toBe(201);
    await closeDay('2026-03-01');
    await closeDay('2026-03-02');
    await closeDay('2026-03-03');
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  it('routes the new case to the only certified collector', async () => {
    const summary = await eventually(async () => {
      const r = await supervisor('GET', '/collection/cases/LR-E1');
      return r.status === 200 && r.body.collectorId ? r.body : undefined;
    });
    expect(summary).toMatchObject({ collectorId: 'col-1', stage: 'M1' });
  });

  it('moves the case off a collector whose certification lapses, to the least-loaded certified one', async () => {
    await collector('col-2', [{ certification: 'COLLECTION_BASIC', grantedOn: '2026-03-01', expiresOn: '2027-03-01' }]);
    await collector('col-3', [
      { certification: 'COLLECTION_BASIC', grantedOn: '2026-03-01', expiresOn: '2027-03-01' },
      { certification: 'NEGOTIATION_ADVANCED', grantedOn: '2026-03-01', expiresOn: '2027-03-01' },
    ]);
    await closeDay('2026-03-04');
    expect(await reassigned()).toEqual([
      { caseId: 'LR-E1', from: 'col-1', to: 'col-2', team: 'T1', reason: 'certification COLLECTION_BASIC of col-1 not valid on 2026-03-05' },
    ]);
    await eventually(async () => {
      const [c1, c2] = await Promise.all([supervisor('GET', '/collection/collectors/col-1'), supervisor('GET', '/collection/collectors/col-2')]);
      return c1.body.openCases === 0 && c2.body.openCases === 1 ? true : undefined;
    });
  });

  it('re-routes an escalation into a plan that needs a certification the collector lacks', async () => {
    await closeDay('2026-03-05');
    const moves = await reassigned();
    expect(moves.map((m) => [m.from, m.to])).toEqual([
      ['col-1', 'col-2'],
      ['col-2', 'col-3'],
    ]);
    expect(moves[1].reason).toBe('certification NEGOTIATION_ADVANCED of col-2 not valid on 2026-03-06');
    const types = (await t.runtime.store.readStream('collection.case-LR-E1')).map((e) => e.type);
    expect(types.indexOf('CaseEscalated')).toBeLessThan(types.lastIndexOf('CaseReassigned'));
    // The escalated plan's call is in col-3's queue once the gate released it.
    const queue = await eventually(async () => {
      const r = await t.as('collector', 'col-3', 'T1')('GET', '/collection/work-queue');
      return r.status === 200 && r.body.items.length ? r.body : undefined;
    });
    expect(queue.items.map((i: { stepId: string }) => i.stepId)).toEqual(['call-m2']);
  });

  it('an escalation releases only the new stage’s first step, not the M1 steps before it', async () => {
    const events = await t.runtime.store.readStream('collection.case-LR-E1');
    const escalated = events.find((e) => e.type === 'CaseEscalated')!;
    expect(escalated.data).toMatchObject({
      from: 'M1',
      to: 'M2',
      plan: { planId: 'M2.lapse-C.v1.champion', steps: [{ stepId: 'call-m2' }, { stepId: 'letter-m2' }] },
    });
    const plans = (events.filter((e) => e.type === 'ActionScheduled').map((e) => e.data) as { planId: string; stepId: string }[]).map(
      (a) => `${a.planId.split('.')[0]}/${a.stepId}`,
    );
    expect(plans).toEqual(['M1/call-1', 'M1/sms-2', 'M2/call-m2']);
    // The debtor's ledger released the one M2 action; nothing of the M1 ladder went out again.
    const released = await eventually(async () => {
      const ledger = (await t.runtime.store.readStream('collection.debtor-cust-R'))
        .filter((e) => e.type === 'ActionReleased')
        .map((e) => (e.data as { actionId: string }).actionId);
      return ledger.some((a) => a.includes('/M2.')) ? ledger : undefined;
    });
    expect(released.filter((a) => a.includes('/M2.'))).toEqual(['LR-E1/M2.lapse-C.v1.champion/call-m2']);
  });
});
