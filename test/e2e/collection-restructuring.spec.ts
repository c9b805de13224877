import { randomUUID } from 'node:crypto';
import { collectionContext } from '#collection';
import { checkStoredEvents } from '#test-support/kafka/published-contract.js';
import { bootApp, eventually, type TestApp } from '#test-support/app.js';
import { cashLoan3m } from '#test-support/loans.js';

/**
 * Collection's reactions to a restructuring, driven by the published events alone: only the
 * collection context runs, and the loans and restructuring facts are appended as those contexts
 * publish them. A case is held while a plan runs, survives the cure the new schedule brings, closes
 * as RESTRUCTURED when the plan completes, and resumes when a plan breaks.
 */
describe('collection under restructuring plans', () => {
  let t: TestApp;

  const meta = (command: string, occurredAt: string) => ({
    correlationId: randomUUID(),
    causationId: randomUUID(),
    actor: { id: 'publisher', role: 'system' as const },
    command,
    occurredAt: `${occurredAt}T12:00:00.000Z`,
  });
  const publish = async (streamId: string, type: string, data: Record<string, unknown>, on: string) => {
    await t.runtime.store.appendToStream(streamId, [{ eventId: randomUUID(), type, schemaVersion: 1, data, metadata: meta(type, on) }], 'any');
  };
  const loanFacts = (loanId: string) => ({
    registered: () =>
      publish(`loans.loan-${loanId}`, 'LoanRegistered', { ...cashLoan3m(loanId, `C-${loanId}`, 2024), registeredOn: '2024-01-15' }, '2024-01-15'),
    delinquent: (stage: string, dpd: number, asOf: string) =>
      publish(`loans.loan-${loanId}`, 'LoanBecameDelinquent', { dpd, stage, overdueAmount: 100_000, oldestUnpaidDueDate: '2024-02-15', asOf }, asOf),
    restructured: (restructuringId: string, on: string) =>
      publish(
        `loans.loan-${loanId}`,
        'ScheduleRestructured',
        {
          restructuringId,
          effectiveDate: on,
          businessDate: on,
          replacedSeqs: [1, 2, 3],
          restructuredPrincipal: 300_000,
          supersededInterest: 6_000,
          supersededPenalty: 0,
          newSchedule: [
            { seq: 4, dueDate: '2024-04-20', principal: 150_000, interest: 3_000 },
            { seq: 5, dueDate: '2024-05-20', principal: 150_000, interest: 1_500 },
          ],
        },
        on,
      ),
    cured: (asOf: string) => publish(`loans.loan-${loanId}`, 'LoanCured', { asOf, overdueAmount: 0 }, asOf),
    plan: (requestId: string, type: 'RestructuringActivated' | 'PlanCompleted' | 'PlanBroken', data: Record<string, unknown>, on: string) =>
      publish(`restructuring.request-${requestId}`, type, { requestId, loanId, customerId: `C-${loanId}`, type: 'INSTALLMENT_PLAN', ...data }, on),
  });

  const caseView = (caseId: string, status: string) =>
    eventually(
      async () => {
        const res = await t.as('auditor', 'aud-1')('GET', `/collection/cases/${caseId}`);
        return res.status === 200 && res.body.status === status ? res.body : undefined;
      },
      20_000,
      `case ${caseId} ${status}`,
    );
  const caseTypes = async (caseId: string) => (await t.runtime.store.readStream(`collection.case-${caseId}`)).map((e) => e.type);

  beforeAll(async () => {
    t = await bootApp([collectionContext]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('holds the case through the plan and closes it as restructured when the plan completes', async () => {
    const loan = loanFacts('RC-1');
    await loan.registered();
    await loan.delinquent('M2', 34, '2024-03-20');
    await caseView('RC-1-E1', 'OPEN');

    await loan.restructured('rq-1', '2024-03-20');
    await loan.cured('2024-03-20');
    await loan.plan('rq-1', 'RestructuringActivated', { effectiveDate: '2024-03-20' }, '2024-03-20');
    const held = await caseView('RC-1-E1', 'ON_HOLD');
    expect(held.holds).toEqual([{ holdId: 'restructuring-rq-1', reason: 'RESTRUCTURING' }]);
    // The activation after the schedule change finds the hold in place and adds nothing.
    await eventually(async () => ((await caseTypes('RC-1-E1')).includes('CaseOnHold') ? true : undefined), 5_000, 'hold recorded');
    expect((await caseTypes('RC-1-E1')).filter((type) => type === 'CaseOnHold')).toHaveLength(1);

    await loan.plan('rq-1', 'PlanCompleted', { completedOn: '2024-05-21', installmentsObserved: 2 }, '2024-05-21');
    const closed = await caseView('RC-1-E1', 'CLOSED');
    expect(closed).toMatchObject({ closeReason: 'RESTRUCTURED', closedOn: '2024-05-21' });
  });

  it('resumes the same case when the plan breaks, at the stage the loan fell back to', async () => {
    const loan = loanFacts('RC-2');
    await loan.registered();
    await loan.delinquent('M2', 34, '2024-03-20');
    await caseView('RC-2-E1', 'OPEN');
    await loan.restructured('rq-2', '2024-03-20');
    await loan.cured('2024-03-20');
    await loan.plan('rq-2', 'RestructuringActivated', { effectiveDate: '2024-03-20' }, '2024-03-20');
    await caseView('RC-2-E1', 'ON_HOLD');

    // The first plan installment is missed: the loan is delinquent again while the case is held.
    await loan.delinquent('M1', 1, '2024-04-21');
    await loan.plan('rq-2', 'PlanBroken', { n: 1, seq: 4, dueDate: '2024-04-20', daysLate: 11, brokenOn: '2024-05-01' }, '2024-05-01');
    const resumed = await caseView('RC-2-E1', 'OPEN');
    expect(resumed).toMatchObject({ stage: 'M1', holds: [] });
    const types = await caseTypes('RC-2-E1');
    expect(types.filter((type) => type === 'CaseOpened')).toHaveLength(1);
    expect(types.slice(types.indexOf('CaseOnHold'))).toEqual(['CaseOnHold', 'CaseDeescalated', 'CaseResumed']);

    // A later cure, with no plan holding the case any more, closes it.
    await loan.cured('2024-05-10');
    expect((await caseView('RC-2-E1', 'CLOSED')).closeReason).toBe('RESTRUCTURED');
  });

  it('closes a held case as cured when a broken plan left nothing overdue', async () => {
    const loan = loanFacts('RC-3');
    await loan.registered();
    await loan.delinquent('M1', 5, '2024-02-20');
    await caseView('RC-3-E1', 'OPEN');
    await loan.restructured('rq-3', '2024-02-20');
    await loan.cured('2024-02-20');
    await loan.plan('rq-3', 'RestructuringActivated', { effectiveDate: '2024-02-20' }, '2024-02-20');
    await caseView('RC-3-E1', 'ON_HOLD');
    await loan.plan('rq-3', 'PlanBroken', { n: 1, seq: 4, dueDate: '2024-04-20', daysLate: 11, brokenOn: '2024-05-01' }, '2024-05-01');
    expect(await caseView('RC-3-E1', 'CLOSED')).toMatchObject({ closeReason: 'CURED', closedOn: '2024-05-01' });
  });

  it('ignores the outcome of a plan that does not hold the case', async () => {
    const loan = loanFacts('RC-4');
    await loan.registered();
    await loan.delinquent('M1', 5, '2024-02-20');
    await caseView('RC-4-E1', 'OPEN');
    await loan.plan('rq-other', 'PlanBroken', { n: 1, seq: 4, dueDate: '2024-04-20', daysLate: 11, brokenOn: '2024-05-01' }, '2024-05-01');
    await loan.delinquent('M2', 31, '2024-03-20');
    // The later loan event is handled after the plan outcome, so the case is untouched by it.
    await eventually(async () => ((await caseTypes('RC-4-E1')).includes('CaseEscalated') ? true : undefined), 20_000, 'the stage change');
    expect(await caseTypes('RC-4-E1')).not.toContain('CaseResumed');
    expect(await caseTypes('RC-4-E1')).not.toContain('CaseClosed');
  });

  it('publishes everything it stored as Kafka messages valid against docs/asyncapi.yaml', async () => {
    const contract = await checkStoredEvents(t.runtime.store, [collectionContext]);
    expect(contract.problems).toEqual([]);
    const collectionTypes = ['CaseOpened', 'CaseOnHold', 'CaseResumed', 'CaseEscalated', 'CaseClosed'];
    expect(contract.typesOn('arrears.collection.v1')).toEqual(expect.arrayContaining(collectionTypes.map((type) => `arrears.collection.${type}`)));
  });
});
