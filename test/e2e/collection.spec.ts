import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { checkStoredEvents } from '#test-support/kafka/published-contract.js';
import { bootApp, eventually, type TestApp, type TestResponse } from '#test-support/app.js';
import { replayEverything } from '#test-support/replay.js';
import { clocksAt } from '#test-support/clock.js';
import { addDays } from '#kernel';
import { CHANNEL_OUTCOMES_TOPIC, CHANNEL_OUTCOME_TYPE, ChannelOutcomesHandler } from '#collection';

/**
 * Collection end to end over HTTP, on the real app with the Loans context:
 * a strategy is proposed, approved by another risk manager and activated; collectors are trained
 * and certified; a loan registered through the Loans API goes past its due date as business days
 * close → a case opens with the strategy for (grade, stage) and is routed to the certified
 * collector → its day-1 steps are scheduled → a call outside the customer's hours is refused (422)
 * and recorded → calls are counted per debtor across collector and dialer → a right-party contact
 * brings a promise → the payment keeps it → the loan is cured and the case closes.
 */
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;

const LOAN = 'L-e2e';
const CUSTOMER = 'cust-e2e';
const CASE = `${LOAN}-E1`;
const SCHEDULE = [
  { seq: 1, dueDate: '2025-02-15', principal: 100_000, interest: 3_000 },
  { seq: 2, dueDate: '2025-03-15', principal: 100_000, interest: 2_000 },
  { seq: 3, dueDate: '2025-04-15', principal: 100_000, interest: 1_000 },
];

describe('collection over HTTP', () => {
  let t: TestApp;
  let service: Call;
  let dialer: Call;
  let rm1: Call;
  let rm2: Call;
  let supervisor: Call;
  let collector: Call;
  let otherCollector: Call;
  let auditor: Call;

  const caseTypes = async () => (await t.runtime.store.readStream(`collection.case-${CASE}`)).map((e) => e.type);
  const caseEvents = async (type: string) => (await t.runtime.store.readStream(`collection.case-${CASE}`)).filter((e) => e.type === type);

  function expectStatus(res: TestResponse, status: number) {
    expect({ status: res.status, body: res.status === status ? undefined : res.body }).toEqual({ status, body: undefined });
  }

  async function closeDay(businessDate: string) {
    expectStatus(await service('POST', '/loans/calendar/close', { businessDate }), 202);
    await eventually(
      async () => {
        const run = await supervisor('GET', `/loans/calendar/days/${businessDate}`);
        return run.status === 200 && run.body.status === 'completed' ? true : undefined;
      },
      20_000,
      `end of day ${businessDate}`,
    );
    await clocksAt(t, addDays(businessDate, 1));
  }

  /** Waits until Collection's reactions have handled the Loans end of day of a date (and so run Collection's). */
  async function collectionDayClosed(businessDate: string) {
    const completed = (await t.runtime.store.readStream('loans.calendar-main')).find(
      (e) => e.type === 'EndOfDayCompleted' && (e.data as { businessDate: string }).businessDate === businessDate,
    )!;
    const target = completed.globalPosition;
    await eventually(
      async () => {
        const res = await t.request('GET', '/admin/projections');
        const reactions = res.body.items.find((p: { name: string }) => p.name === 'collection_loan_reactions');
        const [commit, prepare] = String(reactions?.checkpoint ?? '0/0')
          .split('/')
          .map(BigInt);
        return commit > target.commit || (commit === target.commit && prepare >= target.prepare) ? true : undefined;
      },
      20_000,
      `collection's end of day ${businessDate}`,
    );
  }

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    service = t.as('service', 'core-banking');
    dialer = t.as('service', 'dialer-1');
    rm1 = t.as('risk_manager', 'rm-1');
    rm2 = t.as('risk_manager', 'rm-2');
    supervisor = t.as('supervisor', 'sup-1', 'T1');
    collector = t.as('collector', 'col-1', 'T1');
    otherCollector = t.as('collector', 'col-9', 'T1');
    auditor = t.as('auditor', 'aud-1');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('activates a strategy only through maker-checker, from the open business date of Loans’ calendar', async () => {
    // The calendar starts in 2025 while the server's clock says otherwise: Collection's "today" is the calendar's.
    expect(new Date().toISOString().slice(0, 10)).not.toBe('2025-02-14');
    expectStatus(await service('POST', '/loans/calendar', { openBusinessDate: '2025-02-14' }), 201);
    await clocksAt(t, '2025-02-14');
    const proposal = {
      strategyId: 'std-C-M1',
      keys: [{ grade: 'C', stage: 'M1' }],
      champion: [
        { stepId: 'sms-1', when: { dpdDay: 1 }, channel: 'SMS', purpose: 'REMINDER', templateId: 'tpl-reminder-1', priority: 3 },
        { stepId: 'call-1', when: { dpdDay: 1 }, channel: 'CALL', purpose: 'NEGOTIATION', templateId: 'script-negotiate', priority: 1 },
        { stepId: 'edu-5', when: { dpdDay: 5 }, channel: 'EMAIL', purpose: 'EDUCATION', templateId: 'tpl-credit-record' },
      ],
      reason: 'baseline ladder for grade C in M1',
    };
    expectStatus(await supervisor('POST', '/collection/strategies', proposal), 403);
    expectStatus(await rm1('POST', '/collection/strategies', proposal), 201);
    const self = await rm1('POST', '/collection/strategies/std-C-M1/versions/1/approve', {});
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('MAKER_CANNOT_CHECK');
    const early = await rm2('POST', '/collection/strategies/std-C-M1/versions/1/activate', { effectiveFrom: '2025-02-14', businessDate: '2025-02-14' });
    expect(early.body.code).toBe('STRATEGY_NOT_APPROVED');
    expectStatus(await rm2('POST', '/collection/strategies/std-C-M1/versions/1/approve', {}), 202);
    // Backdated: "from 2020-01-01" is refused, and so is stating another day as today.
    const backdated = await rm2('POST', '/collection/strategies/std-C-M1/versions/1/activate', { effectiveFrom: '2020-01-01' });
    expect([backdated.status, backdated.body.code, backdated.body.details]).toEqual([
      422,
      'EFFECTIVE_DATE_IN_PAST',
      { effectiveFrom: '2020-01-01', businessDate: '2025-02-14' },
    ]);
    const statedToday = await rm2('POST', '/collection/strategies/std-C-M1/versions/1/activate', { effectiveFrom: '2020-01-01', businessDate: '2020-01-01' });
    expect([statedToday.status, statedToday.body.code]).toEqual([422, 'BUSINESS_DATE_NOT_OPEN']);
    expect((await t.runtime.store.readStream('collection.strategy-std-C-M1')).map((e) => e.type)).not.toContain('StrategyVersionActivated');
    expectStatus(await rm2('POST', '/collection/strategies/std-C-M1/versions/1/activate', { effectiveFrom: '2025-02-14' }), 202);
    const listed = await eventually(async () => {
      const res = await rm1('GET', '/collection/strategies/std-C-M1');
      return res.status === 200 && res.body.versions[0]?.status === 'ACTIVE' ? res.body.versions[0] : undefined;
    });
    expect(listed).toMatchObject({ version: 1, proposedBy: 'rm-1', approvedBy: 'rm-2', effectiveFrom: '2025-02-14' });
  });

  it('trains and certifies collectors; an uncertified one stays without cases', async () => {
    expectStatus(await supervisor('POST', '/collection/collectors', { collectorId: 'col-0', team: 'T1', capacity: 10, skills: ['*'] }), 201);
    expectStatus(await supervisor('POST', '/collection/collectors', { collectorId: 'col-1', team: 'T1', capacity: 10, skills: ['M1', 'M2'] }), 201);
    expectStatus(await supervisor('POST', '/collection/collectors', { collectorId: 'col-x', team: 'T2', capacity: 10, skills: ['*'] }), 403);
    const uncertified = await supervisor('POST', '/collection/collectors/col-1/certifications', {
      certification: 'COLLECTION_BASIC',
      courseId: 'basic-101',
      grantedOn: '2025-01-10',
      expiresOn: '2026-01-10',
    });
    expect(uncertified.body.code).toBe('CERTIFICATION_REQUIRES_TRAINING');
    expectStatus(await supervisor('POST', '/collection/collectors/col-1/trainings', { courseId: 'basic-101', score: 82, completedOn: '2025-01-08' }), 201);
    expectStatus(
      await supervisor('POST', '/collection/collectors/col-1/certifications', {
        certification: 'COLLECTION_BASIC',
        courseId: 'basic-101',
        grantedOn: '2025-01-10',
        expiresOn: '2026-01-10',
      }),
      201,
    );
    await eventually(async () => {
      const res = await supervisor('GET', '/collection/collectors/col-1');
      return res.status === 200 && res.body.certifications.COLLECTION_BASIC ? true : undefined;
    });
    await eventually(async () => ((await supervisor('GET', '/collection/collectors/col-0')).status === 200 ? true : undefined));
  });

  it('opens a case when the loan becomes delinquent, with the strategy, routed to the certified collector, its steps scheduled', async () => {
    expectStatus(
      await service('POST', '/loans/accounts', {
        loanId: LOAN,
        customerId: CUSTOMER,
        productCode: 'CASH-3M',
        principal: 300_000,
        annualRateBps: 1200,
        termMonths: 3,
        disbursementDate: '2025-01-15',
        timeZone: 'Asia/Shanghai',
        schedule: SCHEDULE,
      }),
      201,
    );
    await closeDay('2025-02-14');
    await closeDay('2025-02-15');
    await closeDay('2025-02-16');

    const summary = await eventually(
      async () => {
        const res = await supervisor('GET', `/collection/cases/${CASE}`);
        return res.status === 200 && res.body.collectorId ? res.body : undefined;
      },
      20_000,
      'the case to open and be assigned',
    );
    expect(summary).toMatchObject({
      loanId: LOAN,
      customerId: CUSTOMER,
      status: 'OPEN',
      grade: 'C',
      stage: 'M1',
      dpd: 1,
      overdueAmount: 103_000,
      openedOn: '2025-02-16',
      collectorId: 'col-1',
      team: 'T1',
      strategy: { strategyId: 'std-C-M1', version: 1, variant: 'champion' },
    });
    const opened = summary.timeline.find((e: { type: string }) => e.type === 'CaseOpened');
    expect(opened).toMatchObject({ actor: { id: 'collection', role: 'system' }, policyVersions: { collectionStrategy: 'std-C-M1@1/champion' } });
    const scheduled = (await caseEvents('ActionScheduled')).map((e) => e.data as { stepId: string; channel: string; performer: string; dpd: number });
    expect(scheduled.map((a) => [a.stepId, a.channel, a.performer, a.dpd]).sort()).toEqual([
      ['call-1', 'CALL', 'COLLECTOR', 1],
      ['sms-1', 'SMS', 'EXECUTOR', 1],
    ]);

    const queue = await eventually(async () => {
      const res = await collector('GET', '/collection/work-queue?date=2025-02-17');
      return res.status === 200 && res.body.items.length ? res.body : undefined;
    });
    expect(queue.items).toEqual([
      expect.objectContaining({ kind: 'ACTION', caseId: CASE, stepId: 'call-1', channel: 'CALL', grade: 'C', overdueAmount: 103_000 }),
    ]);
    const listed = await eventually(async () => {
      const res = await supervisor('GET', '/collection/cases?stage=M1&status=OPEN&variant=champion');
      return res.status === 200 && res.body.total === 1 ? res.body : undefined;
    });
    expect(listed.items[0]).toMatchObject({ caseId: CASE, collectorId: 'col-1', strategy: { strategyId: 'std-C-M1', variant: 'champion' } });
  });

  it('keeps the case to its collector, their team and the auditors', async () => {
    expect((await otherCollector('GET', `/collection/cases/${CASE}`)).status).toBe(404);
    expect((await otherCollector('GET', '/collection/cases')).body.total).toBe(0);
    expect((await t.as('supervisor', 'sup-2', 'T2')('GET', `/collection/cases/${CASE}`)).status).toBe(404);
    expect((await auditor('GET', `/collection/cases/${CASE}`)).status).toBe(200);
    const write = await auditor('POST', `/collection/cases/${CASE}/contacts`, { channel: 'CALL', outcome: 'NO_ANSWER' });
    expect(write.status).toBe(403);
    const foreign = await otherCollector('POST', `/collection/cases/${CASE}/contacts`, {
      channel: 'CALL',
      outcome: 'NO_ANSWER',
      at: '2025-02-17T09:00:00+08:00',
    });
    // A write checks the read's scope and says so: 403 with a stable code (the read hides the case).
    expect({ status: foreign.status, code: foreign.body.code }).toEqual({ status: 403, code: 'CASE_OUT_OF_SCOPE' });
  });

  it('refuses a call outside the customer’s hours with 422 and records the refusal in the case', async () => {
    const actionId = ((await caseEvents('ActionScheduled')).find((e) => (e.data as { stepId: string }).stepId === 'call-1')!.data as { actionId: string })
      .actionId;
    const res = await collector('POST', `/collection/cases/${CASE}/contacts`, {
      actionId,
      channel: 'CALL',
      outcome: 'RIGHT_PARTY_CONTACT',
      at: '2025-02-17T06:30:00+08:00',
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body).toMatchObject({
      code: 'CONTACT_OUTSIDE_HOURS',
      details: { localTime: '06:30', timeZone: 'Asia/Shanghai' },
      recorded: { event: 'ContactBlocked', streamId: `collection.case-${CASE}` },
    });
    const [blocked] = await caseEvents('ContactBlocked');
    expect(blocked.data).toMatchObject({
      code: 'CONTACT_OUTSIDE_HOURS',
      channel: 'CALL',
      by: { kind: 'COLLECTOR', id: 'col-1' },
      localTime: '06:30',
      rulesVersion: 'CN-2025.1',
    });
    expect(blocked.metadata).toMatchObject({ actor: { id: 'col-1', role: 'collector' }, policyVersions: { contactRules: 'CN-2025.1' } });
    // The same attempt sent again gets the same answer and records nothing more.
    const again = await collector('POST', `/collection/cases/${CASE}/contacts`, {
      attemptId: res.body.attemptId,
      actionId,
      channel: 'CALL',
      outcome: 'RIGHT_PARTY_CONTACT',
      at: '2025-02-17T06:30:00+08:00',
    });
    expect(again.body.code).toBe('CONTACT_OUTSIDE_HOURS');
    expect(await caseEvents('ContactBlocked')).toHaveLength(1);
  });

  it('counts effective calls per debtor across the collector and the dialer: the fourth of the day is refused', async () => {
    const actionId = ((await caseEvents('ActionScheduled')).find((e) => (e.data as { stepId: string }).stepId === 'call-1')!.data as { actionId: string })
      .actionId;
    expectStatus(
      await collector('POST', `/collection/cases/${CASE}/contacts`, { channel: 'CALL', outcome: 'NO_ANSWER', at: '2025-02-17T09:00:00+08:00' }),
      201,
    );
    expectStatus(
      await dialer('POST', `/collection/cases/${CASE}/contacts`, { channel: 'CALL', outcome: 'CALLBACK_REQUESTED', at: '2025-02-17T09:10:00+08:00' }),
      201,
    );
    expectStatus(
      await collector('POST', `/collection/cases/${CASE}/contacts`, {
        actionId,
        channel: 'CALL',
        outcome: 'RIGHT_PARTY_CONTACT',
        at: '2025-02-17T09:30:00+08:00',
      }),
      201,
    );
    // Two more effective calls race for the last one of the day: exactly one gets it.
    const [a, b] = await Promise.all([
      collector('POST', `/collection/cases/${CASE}/contacts`, { channel: 'CALL', outcome: 'RIGHT_PARTY_CONTACT', at: '2025-02-17T10:00:00+08:00' }),
      dialer('POST', `/collection/cases/${CASE}/contacts`, { channel: 'CALL', outcome: 'RIGHT_PARTY_CONTACT', at: '2025-02-17T10:00:01+08:00' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 422]);
    expect([a, b].find((r) => r.status === 422)!.body.code).toBe('CONTACT_DAILY_CALL_LIMIT');
    const ledger = await supervisor('GET', `/collection/debtors/${CUSTOMER}/contact-ledger`);
    expect(ledger.body.effectiveCalls).toEqual({ '2025-02-17': 3 });
    const late = await collector('POST', `/collection/cases/${CASE}/contacts`, {
      channel: 'CALL',
      outcome: 'RIGHT_PARTY_CONTACT',
      at: '2025-02-17T15:00:00+08:00',
    });
    expect(late.body.code).toBe('CONTACT_DAILY_CALL_LIMIT');
    expect((await caseEvents('ContactBlocked')).map((e) => (e.data as { code: string }).code)).toEqual([
      'CONTACT_OUTSIDE_HOURS',
      'CONTACT_DAILY_CALL_LIMIT',
      'CONTACT_DAILY_CALL_LIMIT',
    ]);
    // The performed action has left the collector's queue.
    await eventually(async () => {
      const res = await collector('GET', '/collection/work-queue?date=2025-02-17');
      return res.status === 200 && res.body.items.length === 0 ? true : undefined;
    });
  });

  it('trusts a contact’s time only within the open business day and after the case opened; the day’s counts stay', async () => {
    const before = (await t.runtime.store.readStream(`collection.case-${CASE}`)).length;
    const ledgerBefore = await t.runtime.store.readStream(`collection.debtor-${CUSTOMER}`);
    // A call dated 2027-06-01 (a day the debtor's ledger never saw) is refused outright, recorded nowhere.
    const future = await collector('POST', `/collection/cases/${CASE}/contacts`, {
      channel: 'CALL',
      outcome: 'RIGHT_PARTY_CONTACT',
      at: '2027-06-01T10:00:00+08:00',
    });
    expect([future.status, future.body.code]).toEqual([422, 'OCCURRED_OUTSIDE_BUSINESS_DAY']);
    expect(future.body.details).toMatchObject({ localDate: '2027-06-01', timeZone: 'Asia/Shanghai', openBusinessDate: '2025-02-17' });
    // So is one stamped with the server's clock (no `at`): the server's date is not the business date.
    const unstamped = await collector('POST', `/collection/cases/${CASE}/contacts`, { channel: 'CALL', outcome: 'RIGHT_PARTY_CONTACT' });
    expect([unstamped.status, unstamped.body.code]).toEqual([422, 'OCCURRED_OUTSIDE_BUSINESS_DAY']);
    // Before the case opened on the 16th.
    const early = await dialer('POST', `/collection/cases/${CASE}/contacts`, { channel: 'CALL', outcome: 'NO_ANSWER', at: '2025-02-15T10:00:00+08:00' });
    expect([early.status, early.body.code, early.body.details?.openedOn]).toEqual([422, 'OCCURRED_BEFORE_CASE_OPENED', '2025-02-16']);
    // A promise rides on its attempt: one made "in 2027" is refused with it.
    const promise = await collector('POST', `/collection/cases/${CASE}/contacts`, {
      channel: 'CALL',
      outcome: 'PROMISE_TO_PAY',
      at: '2027-06-01T10:00:00+08:00',
      promise: { amount: 103_000, dueOn: '2027-06-02' },
    });
    expect([promise.status, promise.body.code]).toEqual([422, 'OCCURRED_OUTSIDE_BUSINESS_DAY']);
    expect((await t.runtime.store.readStream(`collection.case-${CASE}`)).length).toBe(before);
    expect(await t.runtime.store.readStream(`collection.debtor-${CUSTOMER}`)).toHaveLength(ledgerBefore.length);
    const ledger = await supervisor('GET', `/collection/debtors/${CUSTOMER}/contact-ledger`);
    expect(ledger.body.effectiveCalls).toEqual({ '2025-02-17': 3 });
    // The limit still holds on the real day.
    const fourth = await collector('POST', `/collection/cases/${CASE}/contacts`, {
      channel: 'CALL',
      outcome: 'RIGHT_PARTY_CONTACT',
      at: '2025-02-17T16:00:00+08:00',
    });
    expect(fourth.body.code).toBe('CONTACT_DAILY_CALL_LIMIT');
  });

  it('shows a collector the queue of the calendar’s business day, not the server’s', async () => {
    const queue = await collector('GET', '/collection/work-queue');
    expect(queue.status).toBe(200);
    expect(queue.body.businessDate).toBe('2025-02-17');
    const rules = await rm1('GET', '/collection/contact-rules');
    expect(rules.body.businessDate).toBe('2025-02-17');
  });

  it('records a promise on a right-party contact; the payment keeps it; the cure closes the case', async () => {
    await closeDay('2025-02-17');
    const promised = await collector('POST', `/collection/cases/${CASE}/contacts`, {
      channel: 'CALL',
      outcome: 'PROMISE_TO_PAY',
      at: '2025-02-18T10:00:00+08:00',
      promise: { promiseId: 'ptp-1', amount: 103_000, dueOn: '2025-02-20' },
    });
    expectStatus(promised, 201);
    expect(promised.body.events).toEqual(['ContactAttempted', 'PromiseToPayRecorded']);
    const [promise] = await caseEvents('PromiseToPayRecorded');
    expect(promise.data).toMatchObject({ promiseId: 'ptp-1', amount: 103_000, dueOn: '2025-02-20', promisedOn: '2025-02-18', graceDays: 2 });

    expectStatus(await service('POST', `/loans/accounts/${LOAN}/payments`, { reference: 'pay-1', amount: 103_000, valueDate: '2025-02-18' }), 202);
    await eventually(async () => ((await caseTypes()).includes('CaseClosed') ? true : undefined), 20_000, 'the case to close');
    const types = await caseTypes();
    expect(types.slice(types.indexOf('PaymentRecorded'))).toEqual(['PaymentRecorded', 'PromiseKept', 'CaseClosed']);
    const [kept] = await caseEvents('PromiseKept');
    expect(kept.data).toMatchObject({ promiseId: 'ptp-1', paidAmount: 103_000, keptOn: '2025-02-18' });
    const [closed] = await caseEvents('CaseClosed');
    expect(closed.data).toMatchObject({ reason: 'CURED', closedOn: '2025-02-18' });
    // Grading records the kept promise on the customer, from Collection's event.
    const outcome = await eventually(
      async () => {
        const events = await t.runtime.store.readStream(`grading.customer-${CUSTOMER}`);
        return events.find((e) => e.type === 'PromiseOutcomeRecorded');
      },
      20_000,
      'grading to record the promise outcome',
    );
    expect(outcome.data).toEqual({ customerId: CUSTOMER, promiseId: 'ptp-1', outcome: 'kept', on: '2025-02-18' });
    expect(outcome.metadata).toMatchObject({ actor: { id: 'reactor:grading_promise_outcomes', role: 'system' }, causationId: kept.eventId });

    const view = await eventually(async () => {
      const res = await supervisor('GET', '/collection/cases?status=CLOSED');
      return res.status === 200 && res.body.total === 1 ? res.body.items[0] : undefined;
    });
    expect(view).toMatchObject({ caseId: CASE, closeReason: 'CURED', promisesKept: 1, blockedContacts: 4 });
    // The collector's capacity is free again.
    const col1 = await eventually(async () => {
      const res = await supervisor('GET', '/collection/collectors/col-1');
      return res.body.openCases === 0 ? res.body : undefined;
    });
    expect(col1.openCases).toBe(0);
    const team = await supervisor('GET', '/collection/teams/T1?date=2025-02-18');
    expect(team.body.collectors.find((c: { collectorId: string }) => c.collectorId === 'col-1')).toMatchObject({ promisesKept: 1, openCases: 0 });
    expect(team.body.collectors.find((c: { collectorId: string }) => c.collectorId === 'col-0')).toMatchObject({ openCases: 0 });
    const late = await collector('POST', `/collection/cases/${CASE}/contacts`, { channel: 'SMS', outcome: 'DELIVERED', at: '2025-02-18T11:00:00+08:00' });
    expect({ status: late.status, code: late.body.code }).toEqual({ status: 409, code: 'CASE_CLOSED' });
  });

  it('records an executor’s late receipt for an action of the closed case on its history (Kafka), reopening and counting nothing', async () => {
    const action = (await caseEvents('ActionScheduled')).map((e) => e.data as { actionId: string; channel: string }).find((a) => a.channel === 'SMS')!;
    const ledgerBefore = (await t.runtime.store.readStream(`collection.debtor-${CUSTOMER}`)).length;
    const receipt = {
      caseId: CASE,
      actionId: action.actionId,
      executorId: 'sms-gw-1',
      channel: 'SMS',
      outcome: 'DELIVERED',
      occurredAt: '2025-02-18T09:00:00+08:00',
    };
    const message = {
      id: 'receipt-late-1',
      topic: CHANNEL_OUTCOMES_TOPIC,
      partition: 0,
      offset: '0',
      key: CASE,
      type: CHANNEL_OUTCOME_TYPE,
      headers: {},
      data: receipt,
    };
    const handler = t.app.get(ChannelOutcomesHandler);
    expect(await handler.handle(message)).toBe('ok');
    expect(await handler.handle(message)).toBe('ok');
    const types = await caseTypes();
    expect(types.slice(types.indexOf('CaseClosed'))).toEqual(['CaseClosed', 'LateReceiptRecorded']);
    const [recorded] = await caseEvents('LateReceiptRecorded');
    expect(recorded.data).toEqual({
      caseId: CASE,
      attemptId: 'receipt-late-1',
      actionId: action.actionId,
      channel: 'SMS',
      outcome: 'DELIVERED',
      at: '2025-02-18T01:00:00.000Z',
      localDate: '2025-02-18',
      executorId: 'sms-gw-1',
      closedOn: '2025-02-18',
    });
    expect((await t.runtime.store.readStream(`collection.debtor-${CUSTOMER}`)).length).toBe(ledgerBefore);
    // A receipt that names no action of the case is still refused (dead letter), as is a promise.
    const stray = await handler.handle({ ...message, id: 'receipt-late-2', data: { ...receipt, actionId: `${CASE}/nothing` } });
    expect(stray).toMatchObject({ rejected: { code: 'CASE_CLOSED' } });
    expect((await supervisor('GET', `/collection/cases/${CASE}`)).body).toMatchObject({ status: 'CLOSED' });
  });

  describe('a second delinquent loan: rules versions, opt-outs, field visits, plan adjustments, holds, reassignment', () => {
    const LOAN2 = 'L-e2e-2';
    const CUSTOMER2 = 'cust-e2e-2';
    const CASE2 = `${LOAN2}-E1`;
    const events2 = async (type?: string) =>
      (await t.runtime.store.readStream(`collection.case-${CASE2}`)).filter((e) => type === undefined || e.type === type);
    const contact2 = (as: Call, body: Record<string, unknown>) => as('POST', `/collection/cases/${CASE2}/contacts`, body);
    const actionOf = async (stepId: string) =>
      ((await events2('ActionScheduled')).find((e) => (e.data as { stepId: string }).stepId === stepId)?.data as { actionId: string } | undefined)?.actionId;

    it('opens the second case through the Loans end of day', async () => {
      expectStatus(
        await service('POST', '/loans/accounts', {
          loanId: LOAN2,
          customerId: CUSTOMER2,
          productCode: 'CASH-3M',
          principal: 300_000,
          annualRateBps: 1200,
          termMonths: 3,
          disbursementDate: '2025-01-19',
          timeZone: 'Asia/Shanghai',
          schedule: SCHEDULE.map((i, n) => ({ ...i, dueDate: ['2025-02-19', '2025-03-19', '2025-04-19'][n] })),
        }),
        201,
      );
      await closeDay('2025-02-18');
      await closeDay('2025-02-19');
      await closeDay('2025-02-20');
      const opened = await eventually(
        async () => {
          const res = await supervisor('GET', `/collection/cases/${CASE2}`);
          return res.status === 200 && res.body.collectorId ? res.body : undefined;
        },
        20_000,
        'the second case',
      );
      expect(opened).toMatchObject({ collectorId: 'col-1', openedOn: '2025-02-20', dpd: 1 });
    });

    it('applies the contact rules version in force on the contact’s local date, and records it', async () => {
      const current = (await rm1('GET', '/collection/contact-rules')).body.inForce;
      const stricter = { ...current, version: 'CN-2025.2', quietHours: { ...current.quietHours, start: '21:00', end: '09:00' } };
      // The open business date is the 21st: rules cannot be backdated to the 20th.
      const backdated = await rm1('POST', '/collection/contact-rules', { effectiveFrom: '2025-02-20', reason: 'stricter hours', rules: stricter });
      expect([backdated.status, backdated.body.code]).toEqual([422, 'EFFECTIVE_DATE_IN_PAST']);
      expect(
        (await rm1('POST', '/collection/contact-rules', { effectiveFrom: '2025-02-22', businessDate: '2025-02-22', reason: 'stricter hours', rules: stricter }))
          .body.code,
      ).toBe('BUSINESS_DATE_NOT_OPEN');
      expectStatus(await rm1('POST', '/collection/contact-rules', { effectiveFrom: '2025-02-22', reason: 'stricter hours', rules: stricter }), 201);
      // Maker-checker: proposed, it is not in force; its proposer cannot approve it, a second risk manager does.
      const book = (await rm1('GET', '/collection/contact-rules')).body;
      expect([book.inForce.version, book.proposed.map((p: { rules: { version: string } }) => p.rules.version)]).toEqual([current.version, ['CN-2025.2']]);
      const self = await rm1('POST', '/collection/contact-rules/CN-2025.2/approve', {});
      expect([self.status, self.body.code]).toEqual([403, 'MAKER_CANNOT_CHECK']);
      expectStatus(await rm2('POST', '/collection/contact-rules/CN-2025.2/approve', {}), 202);
      const [published] = (await t.runtime.store.readStream('collection.rules-contact')).filter((e) => e.type === 'ContactRulesPublished');
      expect(published.data).toMatchObject({ effectiveFrom: '2025-02-22', proposedBy: 'rm-1', approvedBy: 'rm-2', rules: { version: 'CN-2025.2' } });
      expectStatus(await contact2(collector, { channel: 'CALL', outcome: 'NO_ANSWER', at: '2025-02-21T08:30:00+08:00' }), 201);
      await closeDay('2025-02-21');
      const refused = await contact2(collector, { channel: 'CALL', outcome: 'NO_ANSWER', at: '2025-02-22T08:30:00+08:00' });
      expect(refused.body).toMatchObject({ code: 'CONTACT_OUTSIDE_HOURS', details: { quietHours: { start: '21:00', end: '09:00' } } });
      const [blocked] = await events2('ContactBlocked');
      expect(blocked.data).toMatchObject({ rulesVersion: 'CN-2025.2' });
      expect((await events2('ContactAttempted'))[0].data).toMatchObject({ rulesVersion: 'CN-2025.1' });
    });

    it('honours an SMS opt-out for the channel executor, and records the refusal', async () => {
      expectStatus(await collector('POST', `/collection/debtors/${CUSTOMER2}/opt-outs`, { channel: 'SMS', optedOut: true }), 202);
      const optOutCall = await collector('POST', `/collection/debtors/${CUSTOMER2}/opt-outs`, { channel: 'CALL', optedOut: true });
      expect(optOutCall.body.code).toBe('OPT_OUT_NOT_OFFERED');
      const sms = await contact2(t.as('service', 'sms-gw'), {
        actionId: await actionOf('sms-1'),
        channel: 'SMS',
        outcome: 'DELIVERED',
        at: '2025-02-22T10:00:00+08:00',
      });
      expect(sms.body.code).toBe('CONTACT_OPTED_OUT');
      expect((await events2('ContactBlocked')).at(-1)!.data).toMatchObject({ code: 'CONTACT_OPTED_OUT', by: { kind: 'EXECUTOR', id: 'sms-gw' } });
    });

    it('performs a field visit only after a supervisor’s approval', async () => {
      expectStatus(
        await collector('POST', `/collection/cases/${CASE2}/field-visits`, { visitId: 'visit-1', plannedOn: '2025-02-22', reason: 'no answer by phone' }),
        201,
      );
      const early = await collector('POST', `/collection/cases/${CASE2}/field-visits/visit-1/report`, { outcome: 'NOT_HOME', at: '2025-02-22T13:00:00+08:00' });
      expect(early.body.code).toBe('CONTACT_FIELD_VISIT_NOT_APPROVED');
      expectStatus(await supervisor('POST', `/collection/cases/${CASE2}/field-visits/visit-1/approve`, {}), 202);
      const future = await collector('POST', `/collection/cases/${CASE2}/field-visits/visit-1/report`, {
        outcome: 'NOT_HOME',
        at: '2025-02-23T14:00:00+08:00',
      });
      expect([future.status, future.body.code]).toEqual([422, 'OCCURRED_OUTSIDE_BUSINESS_DAY']);
      const report = await collector('POST', `/collection/cases/${CASE2}/field-visits/visit-1/report`, {
        outcome: 'NOT_HOME',
        at: '2025-02-22T14:00:00+08:00',
      });
      expectStatus(report, 201);
      expect(report.body.events).toEqual(['ContactAttempted', 'FieldVisitReported']);
      const [approved] = await events2('FieldVisitApproved');
      expect(approved.data).toMatchObject({ visitId: 'visit-1', approvedBy: 'sup-1' });
    });

    it('moves a step within the limits, and the end of day driven by the Loans calendar schedules it on its new day', async () => {
      const tooFar = await collector('POST', `/collection/cases/${CASE2}/plan-adjustments`, {
        kind: 'MOVE',
        stepId: 'edu-5',
        to: { dpdDay: 20 },
        reason: 'after payday',
      });
      expect(tooFar.body.code).toBe('PLAN_SHIFT_TOO_LARGE');
      expectStatus(
        await collector('POST', `/collection/cases/${CASE2}/plan-adjustments`, { kind: 'MOVE', stepId: 'edu-5', to: { dpdDay: 7 }, reason: 'after payday' }),
        202,
      );
      for (const day of ['2025-02-22', '2025-02-23', '2025-02-24']) await closeDay(day);
      // DPD 5 on the 24th: where the step was, but the moved step is not due yet.
      await collectionDayClosed('2025-02-24');
      expect(await actionOf('edu-5')).toBeUndefined();
      await closeDay('2025-02-25');
      await closeDay('2025-02-26');
      await eventually(async () => ((await actionOf('edu-5')) ? true : undefined), 10_000, 'the moved step');
      const edu = (await events2('ActionScheduled')).find((e) => (e.data as { stepId: string }).stepId === 'edu-5')!;
      expect(edu.data).toMatchObject({ dpd: 7, dueOn: '2025-02-26', channel: 'EMAIL', purpose: 'EDUCATION' });
      expect(edu.metadata).toMatchObject({ command: 'CloseCaseDay', actor: { id: 'collection', role: 'system' } });
    });

    it('a dispute puts the case on hold and stops all contact until a supervisor resolves it', async () => {
      const disputed = await contact2(collector, { channel: 'CALL', outcome: 'DISPUTE', at: '2025-02-27T10:00:00+08:00' });
      expectStatus(disputed, 201);
      expect(disputed.body.events).toEqual(['ContactAttempted', 'CaseOnHold']);
      const email = await contact2(t.as('service', 'mailer'), { channel: 'EMAIL', outcome: 'DELIVERED', at: '2025-02-27T11:00:00+08:00' });
      expect(email.body.code).toBe('CONTACT_CASE_ON_HOLD');
      const ledger = await supervisor('GET', `/collection/debtors/${CUSTOMER2}/contact-ledger`);
      expect(ledger.body.stops).toEqual([{ stopId: disputed.body.attemptId, reason: 'DISPUTE', caseId: CASE2 }]);
      expect((await collector('POST', `/collection/cases/${CASE2}/holds/${disputed.body.attemptId}/release`, { resolution: 'x' })).status).toBe(403);
      expectStatus(
        await supervisor('POST', `/collection/cases/${CASE2}/holds/${disputed.body.attemptId}/release`, { resolution: 'statement sent; debt confirmed' }),
        202,
      );
      expectStatus(await contact2(t.as('service', 'mailer'), { channel: 'EMAIL', outcome: 'DELIVERED', at: '2025-02-27T12:00:00+08:00' }), 201);
      expect((await supervisor('GET', `/collection/debtors/${CUSTOMER2}/contact-ledger`)).body.stops).toEqual([]);
    });

    it('reassigns only to a certified collector of the supervisor’s team; the case follows its collector', async () => {
      const toUncertified = await supervisor('POST', `/collection/cases/${CASE2}/reassign`, {
        collectorId: 'col-0',
        reason: 'rebalance',
        businessDate: '2025-02-27',
      });
      expect(toUncertified.body).toMatchObject({ code: 'COLLECTOR_NOT_CERTIFIED', details: { missing: ['COLLECTION_BASIC'] } });
      expectStatus(await supervisor('POST', '/collection/collectors/col-0/trainings', { courseId: 'basic-101', score: 75, completedOn: '2025-02-01' }), 201);
      expectStatus(
        await supervisor('POST', '/collection/collectors/col-0/certifications', {
          certification: 'COLLECTION_BASIC',
          courseId: 'basic-101',
          grantedOn: '2025-02-02',
          expiresOn: '2026-02-02',
        }),
        201,
      );
      expectStatus(
        await supervisor('POST', `/collection/cases/${CASE2}/reassign`, { collectorId: 'col-0', reason: 'rebalance', businessDate: '2025-02-27' }),
        202,
      );
      const [reassigned] = await events2('CaseReassigned');
      expect(reassigned.data).toMatchObject({ from: 'col-1', to: 'col-0', team: 'T1', reason: 'rebalance' });
      expect((await collector('GET', `/collection/cases/${CASE2}`)).status).toBe(404);
      expect((await t.as('collector', 'col-0', 'T1')('GET', `/collection/cases/${CASE2}`)).status).toBe(200);
      await eventually(async () => {
        const [c0, c1] = await Promise.all([supervisor('GET', '/collection/collectors/col-0'), supervisor('GET', '/collection/collectors/col-1')]);
        return c0.body.openCases === 1 && c1.body.openCases === 0 ? true : undefined;
      });
    });
  });

  it('replays every projection and reactor without side effects: verify and rebuild append nothing, every trigger has one outcome', async () => {
    const replay = await replayEverything(t);
    expect(replay.notRebuildable).toEqual(
      expect.arrayContaining([
        'restructuring_activation',
        'restructuring_plan_monitor',
        'restructuring_end_of_day',
        'grading_restructuring_outcomes',
        'monitoring_calendar',
      ]),
    );
    expect(replay.reactionsChecked).toEqual(
      expect.arrayContaining(['collection_loan_reactions', 'grading_regrader', 'grading_promise_outcomes', 'monitoring_early_warning']),
    );
    expect(replay.rebuilt).toEqual(expect.arrayContaining(['collection_loan_reactions', 'grading_regrader']));
  }, 240_000);

  it('publishes everything it stored as Kafka messages valid against docs/asyncapi.yaml', async () => {
    const contract = await checkStoredEvents(t.runtime.store, CONTEXTS);
    expect(contract.problems).toEqual([]);
    const collectionTypes = [
      'CaseOpened',
      'CaseAssigned',
      'CaseReassigned',
      'ActionScheduled',
      'ContactAttempted',
      'ContactBlocked',
      'PromiseToPayRecorded',
      'PromiseKept',
      'FieldVisitRequested',
      'FieldVisitApproved',
      'FieldVisitReported',
      'PlanAdjusted',
      'CaseOnHold',
      'CaseResumed',
      'CaseClosed',
      'StrategyVersionProposed',
      'StrategyVersionActivated',
      'CollectorRegistered',
      'TrainingCompleted',
      'CertificationGranted',
      'DebtorContactLogged',
      'ContactStopped',
      'ChannelOptedOut',
      'ContactRulesProposed',
      'ContactRulesPublished',
      'LateReceiptRecorded',
    ];
    expect(contract.typesOn('arrears.collection.v1')).toEqual(expect.arrayContaining(collectionTypes.map((type) => `arrears.collection.${type}`)));
    // Executors see only what the dispatch gate released on the debtor's ledger.
    expect(contract.typesOn('arrears.channel-actions.v1')).toEqual(['arrears.collection.ActionReleased']);
  });
});
