import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { checkStoredEvents } from '#test-support/kafka/published-contract.js';
import { bootApp, eventually, type TestApp, type TestResponse } from '#test-support/app.js';
import { cashLoan3m } from '#test-support/loans.js';
import { replayEverything } from '#test-support/replay.js';
import { closeBusinessDay } from '#test-support/clock.js';

/**
 * Restructuring end to end, across contexts, over HTTP: the loans context's business calendar and
 * loan accounts, restructuring requests taken through assessment, maker-checker approval, offer and
 * the customer's acceptance; the loan's schedule replaced through the loans context's command; and
 * the loans end of day driving offer expiry and plan monitoring until a missed installment breaks
 * the plan.
 *
 * Two loans of 3,000.00 yuan (installments of 1,000.00 principal + 30/20/10 interest due on the
 * 15th of February, March and April 2024), both unpaid, so on 2024-03-20 they are 34 days past due
 * (M2) with 3,000.00 of principal outstanding.
 */
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;

const loan = (loanId: string, customerId: string) => cashLoan3m(loanId, customerId, 2024);
const planRequest = (loanId: string) => ({
  loanId,
  terms: { type: 'INSTALLMENT_PLAN', method: 'EQUAL_INSTALLMENT', tenorMonths: 6, annualRateBps: 1_200 },
  hardship: { reasonCode: 'JOB_LOSS', evidenceRefs: ['doc:termination-letter-77', 'doc:bank-statement-2024-02'] },
  monthlyIncome: 800_000,
  grade: 'C',
});

const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe('restructuring across contexts', () => {
  let t: TestApp;
  let core: Call;
  let collector: Call;
  let collector2: Call;
  let supervisor: Call;
  let supervisor2: Call;
  let riskManager: Call;
  let planId: string;
  let expiringId: string;
  let performingId: string;

  const types = async (streamId: string) => (await t.runtime.store.readStream(streamId)).map((e) => e.type);
  const detail = (requestId: string, status: string) =>
    eventually(
      async () => {
        const res = await supervisor('GET', `/restructuring/requests/${requestId}`);
        return res.status === 200 && res.body.status === status ? res.body : undefined;
      },
      20_000,
      `request ${requestId} ${status}`,
    );

  /** The collection case as an auditor sees it, once it shows the status. */
  const caseView = (caseId: string, status: string) =>
    eventually(
      async () => {
        const res = await t.as('auditor', 'aud-1')('GET', `/collection/cases/${caseId}`);
        return res.status === 200 && res.body.status === status ? res.body : undefined;
      },
      20_000,
      `case ${caseId} ${status}`,
    );

  /** Closes the open business date and waits for the loans end of day to complete (43 days are closed below). */
  const closeDay = (businessDate: string) => closeBusinessDay(core, businessDate);

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    core = t.as('service', 'core-banking');
    collector = t.as('collector', 'col-1');
    collector2 = t.as('collector', 'col-2');
    supervisor = t.as('supervisor', 'sup-1');
    supervisor2 = t.as('supervisor', 'sup-2');
    riskManager = t.as('risk_manager', 'rm-1');
    expect((await core('POST', '/loans/calendar', { openBusinessDate: '2024-03-20' })).status).toBe(201);
    for (const [loanId, customerId] of [
      ['LR-1', 'CR-1'],
      ['LR-2', 'CR-2'],
      ['LR-3', 'CR-3'],
    ]) {
      expect((await core('POST', '/loans/accounts', loan(loanId, customerId))).status).toBe(201);
    }
    // A fourth loan accrues penalty at 18.25 % a year (0.50 a day per 1,000.00 overdue), for the fee waiver.
    expect((await core('POST', '/loans/accounts', { ...loan('LR-4', 'CR-4'), product: { penaltyAnnualRateBps: 1_825 } })).status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('takes a plan from request to activation: the loan’s schedule is replaced through the loans context', async () => {
    const filed = await collector('POST', '/restructuring/requests', planRequest('LR-1'));
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ events: ['RestructuringRequested'], revision: 0 });
    planId = filed.body.requestId;
    const requested = await detail(planId, 'Requested');
    expect(requested).toMatchObject({
      loanId: 'LR-1',
      customerId: 'CR-1',
      stage: 'M2',
      dpd: 34,
      grade: 'C',
      gradeSource: 'DECLARED',
      requestedOn: '2024-03-20',
    });

    // One open request per loan.
    const again = await collector2('POST', '/restructuring/requests', planRequest('LR-1'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'OPEN_REQUEST_EXISTS', requestId: planId });

    const assessed = await collector('POST', `/restructuring/requests/${planId}/assessment`, {});
    expect(assessed.status).toBe(202);
    const view = await detail(planId, 'Assessed');
    expect(view.assessment).toMatchObject({ outcome: 'PASSED', policyVersion: '1', approvalsRequired: 1 });
    const preview = view.schedulePreview;
    expect(preview.source).toBe('ASSESSMENT');
    expect(preview.installments.map((i: { dueDate: string }) => i.dueDate)).toEqual([
      '2024-04-20',
      '2024-05-20',
      '2024-06-20',
      '2024-07-20',
      '2024-08-20',
      '2024-09-20',
    ]);
    expect(preview.installments.reduce((s: number, i: { principal: number }) => s + i.principal, 0)).toBe(300_000);

    const queue = await supervisor('GET', '/restructuring/approval-queue');
    expect(queue.status).toBe(200);
    expect(queue.body.items).toEqual([
      expect.objectContaining({ requestId: planId, restructuredPrincipal: 300_000, approvalsGiven: 0, approvalsRequired: 1, awaitingYou: true }),
    ]);

    // Four eyes: a collector cannot approve, nor can the requester under a supervisor's role.
    expect((await collector('POST', `/restructuring/requests/${planId}/approvals`, {})).status).toBe(403);
    const self = await t.as('supervisor', 'col-1')('POST', `/restructuring/requests/${planId}/approvals`, {});
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('MAKER_CANNOT_CHECK');
    expect((await supervisor('POST', `/restructuring/requests/${planId}/approvals`, {})).body).toMatchObject({ events: ['RestructuringApproved'] });

    expect((await collector('POST', `/restructuring/requests/${planId}/offer`, { channel: 'SMS' })).status).toBe(202);
    const offered = await detail(planId, 'Offered');
    expect(offered.offer).toMatchObject({ channel: 'SMS', offeredOn: '2024-03-20', expiresOn: '2024-03-27' });

    // The customer accepts: a collector must reference the evidence; the app records it directly.
    const noEvidence = await collector('POST', `/restructuring/requests/${planId}/acceptance`, { channel: 'PHONE' });
    expect(noEvidence.status).toBe(422);
    expect(noEvidence.body.code).toBe('ACCEPTANCE_EVIDENCE_REQUIRED');
    expect((await t.as('service', 'customer-app')('POST', `/restructuring/requests/${planId}/acceptance`, { channel: 'APP' })).status).toBe(202);

    // Activation: the loans context replaces the schedule, then the restructuring is active.
    const loanEvents = await eventually(
      async () => {
        const events = await t.runtime.store.readStream('loans.loan-LR-1');
        return events.some((e) => e.type === 'ScheduleRestructured') ? events : undefined;
      },
      20_000,
      'the loan schedule restructured',
    );
    const restructured = loanEvents.find((e) => e.type === 'ScheduleRestructured')!;
    const data = restructured.data as {
      restructuringId: string;
      effectiveDate: string;
      restructuredPrincipal: number;
      newSchedule: { seq: number; principal: number }[];
    };
    expect(data).toMatchObject({ restructuringId: planId, effectiveDate: '2024-03-20', restructuredPrincipal: 300_000 });
    expect(data.newSchedule.map((i) => i.seq)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(data.newSchedule.reduce((s, i) => s + i.principal, 0)).toBe(300_000);
    expect(restructured.metadata.actor).toEqual({ id: 'reactor:restructuring_activation', role: 'system' });

    const active = await detail(planId, 'Active');
    expect(active.activation).toMatchObject({ effectiveDate: '2024-03-20', observationEnds: '2024-09-20', stageBefore: 'M2' });
    expect(active.activation.installments.map((i: { seq: number; status: string }) => [i.seq, i.status])).toEqual(
      [4, 5, 6, 7, 8, 9].map((s) => [s, 'Pending']),
    );
    const activated = (await t.runtime.store.readStream(`restructuring.request-${planId}`)).find((e) => e.type === 'RestructuringActivated')!;
    expect(activated.data).toMatchObject({ loanId: 'LR-1', customerId: 'CR-1', type: 'INSTALLMENT_PLAN', restructuredPrincipal: 300_000 });
    expect(activated.metadata.policyVersions).toEqual({ restructuringPolicy: '1' });

    // The new schedule cures the loan, but the collection case stays open, held for the plan.
    expect(loanEvents.map((e) => e.type)).toContain('LoanCured');
    const held = await caseView('LR-1-E1', 'ON_HOLD');
    expect(held.holds).toEqual([{ holdId: `restructuring-${planId}`, reason: 'RESTRUCTURING' }]);
    expect(held).toMatchObject({ closeReason: null, stage: 'M2' });

    // Grading records the activation on the customer from the published event.
    const graded = await eventually(
      async () => {
        const res = await t.as('risk_manager', 'rm-1')('GET', '/grading/customers/CR-1');
        return res.status === 200 && res.body.facts.restructurings[planId] ? res.body : undefined;
      },
      20_000,
      'grading saw the activation',
    );
    expect(graded.facts.restructurings[planId]).toEqual({ status: 'activated', on: '2024-03-20' });
  });

  it('under a newly published policy, a large plan needs a second, different supervisor', async () => {
    const current = (await collector('GET', '/restructuring/policy')).body;
    const proposed = await riskManager('PUT', '/restructuring/policy', {
      ...current,
      version: '2',
      secondApprovalAbove: { restructuredPrincipal: 100_000, feeWaiver: 0 },
    });
    expect(proposed.status).toBe(201);
    // Maker-checker: the proposal is not in force until another risk manager approves it.
    expect((await collector('GET', '/restructuring/policy')).body.version).toBe(current.version);
    const selfApproval = await riskManager('POST', '/restructuring/policy/versions/2/approval');
    expect([selfApproval.status, selfApproval.body.code]).toEqual([403, 'MAKER_CANNOT_CHECK']);
    expect((await t.as('risk_manager', 'rm-2')('POST', '/restructuring/policy/versions/2/approval')).status).toBe(202);
    expect((await collector('GET', '/restructuring/policy')).body.version).toBe('2');
    expect((await riskManager('PUT', '/restructuring/policy', { ...current, version: '2' })).body.code).toBe('POLICY_VERSION_EXISTS');
    expect((await supervisor('PUT', '/restructuring/policy', { ...current, version: '3' })).status).toBe(403);

    const filed = await collector('POST', '/restructuring/requests', planRequest('LR-2'));
    expiringId = filed.body.requestId;
    await detail(expiringId, 'Requested');
    await collector('POST', `/restructuring/requests/${expiringId}/assessment`, {});
    const assessed = await detail(expiringId, 'Assessed');
    expect(assessed.assessment).toMatchObject({ policyVersion: '2', approvalsRequired: 2 });

    expect((await supervisor('POST', `/restructuring/requests/${expiringId}/approvals`, {})).status).toBe(202);
    await detail(expiringId, 'PartiallyApproved');
    const queue = await supervisor('GET', '/restructuring/approval-queue');
    expect(queue.body.items.find((i: { requestId: string }) => i.requestId === expiringId)).toMatchObject({ approvalsGiven: 1, awaitingYou: false });
    const twice = await supervisor('POST', `/restructuring/requests/${expiringId}/approvals`, {});
    expect([twice.status, twice.body.code]).toEqual([403, 'MAKER_CANNOT_CHECK']);
    expect((await supervisor2('POST', `/restructuring/requests/${expiringId}/approvals`, {})).status).toBe(202);
    expect((await supervisor2('POST', `/restructuring/requests/${expiringId}/offer`, { channel: 'LETTER' })).status).toBe(202);
    await detail(expiringId, 'Offered');

    // A third plan, accepted by phone: the collector records it with the call recording as evidence.
    performingId = (await collector2('POST', '/restructuring/requests', planRequest('LR-3'))).body.requestId;
    await detail(performingId, 'Requested');
    await supervisor('POST', `/restructuring/requests/${performingId}/assessment`, {});
    await detail(performingId, 'Assessed');
    await supervisor('POST', `/restructuring/requests/${performingId}/approvals`, {});
    await supervisor2('POST', `/restructuring/requests/${performingId}/approvals`, {});
    await collector2('POST', `/restructuring/requests/${performingId}/offer`, { channel: 'PHONE' });
    await detail(performingId, 'Offered');
    const accepted = await collector2('POST', `/restructuring/requests/${performingId}/acceptance`, {
      channel: 'PHONE',
      evidenceRef: 'rec:call-2024-03-20-0042',
    });
    expect(accepted.status).toBe(202);
    const active = await detail(performingId, 'Active');
    expect(active.acceptance).toEqual({
      acceptedOn: '2024-03-20',
      channel: 'PHONE',
      recordedBy: { id: 'col-2', role: 'collector' },
      evidenceRef: 'rec:call-2024-03-20-0042',
    });
  });

  it('as days close, the unaccepted offer expires and the missed installment breaks the plan', async () => {
    // 2024-03-20 .. 2024-03-27: the offer's last day is closed, so it expires.
    for (let day = '2024-03-20'; day <= '2024-03-27'; day = addDays(day, 1)) await closeDay(day);
    const expired = await detail(expiringId, 'OfferExpired');
    expect(expired.closedOn).toBe('2024-03-27');
    const late = await t.as('service', 'customer-app')('POST', `/restructuring/requests/${expiringId}/acceptance`, { channel: 'APP' });
    expect(late.status).toBe(422);
    expect(late.body.code).toBe('OFFER_EXPIRED');

    // The first plan installment (487.65 + 30.00 interest + 8.33 carried: the default constant
    // payment of 517.65 a month plus the carried charges) is due 2024-04-20. The
    // third loan pays it on 2024-04-19: the plan monitor sees the payment and records it paid.
    for (let day = '2024-03-28'; day <= '2024-04-18'; day = addDays(day, 1)) await closeDay(day);
    const firstDue = (await detail(performingId, 'Active')).activation.installments[0];
    expect(firstDue).toMatchObject({ seq: 4, dueDate: '2024-04-20', principal: 48_765, interest: 3_000, carried: 833 });
    expect((await core('POST', '/loans/accounts/LR-3/payments', { reference: 'pay-LR3-1', amount: 52_598, valueDate: '2024-04-19' })).status).toBe(202);
    const paid = await eventually(
      async () => {
        const events = await t.runtime.store.readStream(`restructuring.request-${performingId}`);
        return events.find((e) => e.type === 'PlanInstallmentPaid');
      },
      20_000,
      'installment paid',
    );
    expect(paid.data).toMatchObject({ loanId: 'LR-3', n: 1, seq: 4, paidOn: '2024-04-19', daysLate: 0 });
    expect(paid.metadata.actor).toEqual({ id: 'reactor:restructuring_plan_monitor', role: 'system' });

    // The first plan, unpaid, is missed the day after its due date...
    for (let day = '2024-04-19'; day <= '2024-04-21'; day = addDays(day, 1)) await closeDay(day);
    await eventually(
      async () => ((await types(`restructuring.request-${planId}`)).includes('PlanInstallmentMissed') ? true : undefined),
      20_000,
      'installment missed',
    );
    expect((await types(`restructuring.request-${planId}`)).includes('PlanBroken')).toBe(false);

    // ... and after the 10 grace days (through 2024-04-30) it breaks the plan.
    for (let day = '2024-04-22'; day <= '2024-05-01'; day = addDays(day, 1)) await closeDay(day);
    const broken = await detail(planId, 'Broken');
    expect(broken.closure).toEqual({ n: 1, dueDate: '2024-04-20', daysLate: 11 });
    expect(broken.closedOn).toBe('2024-05-01');
    const brokenEvent = (await t.runtime.store.readStream(`restructuring.request-${planId}`)).find((e) => e.type === 'PlanBroken')!;
    expect(brokenEvent.data).toMatchObject({ loanId: 'LR-1', customerId: 'CR-1', type: 'INSTALLMENT_PLAN', seq: 4 });
    expect(brokenEvent.metadata.actor).toEqual({ id: 'reactor:restructuring_end_of_day', role: 'system' });

    // The broken plan releases the case: the same case resumes, at the stage the loan's new
    // delinquency (published while the case was held) gave it.
    const resumed = await caseView('LR-1-E1', 'OPEN');
    expect(resumed.holds).toEqual([]);
    expect(resumed.stage).toBe('M1');
    const caseEvents = (await t.runtime.store.readStream('collection.case-LR-1-E1')).map((e) => e.type);
    expect(caseEvents.filter((type) => type === 'CaseOpened' || type === 'CaseClosed')).toEqual(['CaseOpened']);
    expect(caseEvents.slice(caseEvents.indexOf('CaseOnHold'))).toEqual(['CaseOnHold', 'CaseDeescalated', 'CaseResumed']);
    const resumedEvent = (await t.runtime.store.readStream('collection.case-LR-1-E1')).find((e) => e.type === 'CaseResumed')!;
    expect(resumedEvent.data).toMatchObject({ holdId: `restructuring-${planId}`, on: '2024-05-01', stillOnHold: false });
    expect(resumedEvent.metadata.causationId).toBe(brokenEvent.eventId);

    const gradingFacts = await eventually(
      async () => {
        const res = await t.as('risk_manager', 'rm-1')('GET', '/grading/customers/CR-1');
        return res.body.facts?.restructurings[planId]?.status === 'broken' ? res.body.facts : undefined;
      },
      20_000,
      'grading saw the broken plan',
    );
    expect(gradingFacts.restructurings[planId]).toEqual({ status: 'broken', on: '2024-05-01' });
    const recorded = (await t.runtime.store.readStream('grading.customer-CR-1')).filter((e) => e.type === 'RestructuringStatusRecorded');
    expect(recorded.map((e) => [e.data, e.metadata.actor])).toEqual([
      [
        { customerId: 'CR-1', restructuringId: planId, status: 'activated', on: '2024-03-20' },
        { id: 'reactor:grading_restructuring_outcomes', role: 'system' },
      ],
      [
        { customerId: 'CR-1', restructuringId: planId, status: 'broken', on: '2024-05-01' },
        { id: 'reactor:grading_restructuring_outcomes', role: 'system' },
      ],
    ]);

    // The plan that is paid keeps its case held.
    expect((await caseView('LR-3-E1', 'ON_HOLD')).holds).toEqual([{ holdId: `restructuring-${performingId}`, reason: 'RESTRUCTURING' }]);

    // The paying plan stays active.
    expect((await types(`restructuring.request-${performingId}`)).filter((type) => type === 'PlanInstallmentMissed' || type === 'PlanBroken')).toEqual([]);
    const performance = await t.as('risk_manager', 'rm-1')('GET', '/restructuring/plan-performance');
    expect(performance.status).toBe(200);
    expect(performance.body.overall).toMatchObject({ activated: 2, active: 1, completed: 0, broken: 1, activeRateBps: 5_000, brokenRateBps: 5_000 });
    expect(performance.body.byType).toEqual([expect.objectContaining({ key: 'INSTALLMENT_PLAN', activated: 2, broken: 1 })]);
    expect(performance.body.byGrade).toEqual([expect.objectContaining({ key: 'C', activated: 2 })]);
    expect(performance.body.byStage).toEqual([expect.objectContaining({ key: 'M2', activated: 2 })]);
  }, 240_000);

  it('a fee waiver takes penalty off the loan under four eyes and is not a cure: no schedule replaced, DPD unchanged, the case not held', async () => {
    // 2024-05-02 is open. Valued on 05-01 (the last day closed), LR-4 is 76 days past due with
    // 38.00 + 23.50 + 8.00 = 69.50 of penalty; on 05-02, 77 days and 71.00.
    const loanView = async () => (await supervisor('GET', '/loans/accounts/LR-4')).body;
    const before = await loanView();
    expect(before.position).toMatchObject({ dpd: 76, stage: 'M3', penaltyAccrued: 6_950, penaltyWaived: 0, overdueAmount: 306_000 + 6_950 });
    const filed = await collector('POST', '/restructuring/requests', {
      loanId: 'LR-4',
      terms: { type: 'FEE_WAIVER', waiverAmount: 5_000 },
      hardship: { reasonCode: 'ILLNESS_OR_INJURY', evidenceRefs: ['doc:hospital-discharge-2024-04'] },
      monthlyIncome: 300_000,
      grade: 'C',
    });
    expect(filed.status).toBe(201);
    const waiverId = filed.body.requestId;
    await detail(waiverId, 'Requested');
    expect((await collector('POST', `/restructuring/requests/${waiverId}/assessment`, {})).status).toBe(202);
    // Policy version 2 asks a second, different supervisor for any waiver above 0.
    expect((await detail(waiverId, 'Assessed')).assessment).toMatchObject({ outcome: 'PASSED', policyVersion: '2', approvalsRequired: 2 });
    expect((await supervisor('POST', `/restructuring/requests/${waiverId}/approvals`, {})).status).toBe(202);
    expect((await supervisor('POST', `/restructuring/requests/${waiverId}/approvals`, {})).status).toBe(403);
    expect((await supervisor2('POST', `/restructuring/requests/${waiverId}/approvals`, {})).status).toBe(202);
    expect((await collector('POST', `/restructuring/requests/${waiverId}/offer`, { channel: 'SMS' })).status).toBe(202);
    await detail(waiverId, 'Offered');
    expect((await t.as('service', 'customer-app')('POST', `/restructuring/requests/${waiverId}/acceptance`, { channel: 'APP' })).status).toBe(202);

    const done = await detail(waiverId, 'Completed');
    expect(done.activation).toMatchObject({ effectiveDate: '2024-05-02', installments: [] });
    const loanTypes = await types('loans.loan-LR-4');
    expect(loanTypes).not.toContain('ScheduleRestructured');
    const waived = (await t.runtime.store.readStream('loans.loan-LR-4')).find((e) => e.type === 'PenaltyWaived')!;
    expect(waived.data).toEqual({ waiverId, amount: 5_000, reason: `fee waiver ${waiverId}`, businessDate: '2024-05-02', penaltyOwed: 7_100 });
    // Only the day's accrual follows: no cure, no stage change.
    expect(loanTypes.slice(loanTypes.indexOf('PenaltyWaived') + 1)).toEqual(['PenaltyAccrued']);
    const after = await eventually(
      async () => {
        const view = await loanView();
        return view.position.penaltyWaived === 5_000 ? view : undefined;
      },
      20_000,
      'the loan read model to show the waiver',
    );
    expect(after.position).toMatchObject({ dpd: 77, stage: 'M3', penaltyAccrued: 7_100, overdueAmount: 306_000 + 7_100 - 5_000 });
    expect(after.waivers).toEqual([{ waiverId, amount: 5_000, recordedOn: '2024-05-02' }]);
    // Collection goes on working the case: a waiver holds nothing.
    const caseEvents = await types('collection.case-LR-4-E1');
    expect(caseEvents).not.toContain('CaseOnHold');
    expect((await caseView('LR-4-E1', 'OPEN')).holds).toEqual([]);
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
    const restructuringTypes = [
      'RestructuringRequested',
      'RestructuringAssessed',
      'RestructuringApproved',
      'RestructuringOffered',
      'RestructuringAccepted',
      'RestructuringOfferExpired',
      'RestructuringActivated',
      'PlanInstallmentPaid',
      'PlanInstallmentMissed',
      'PlanBroken',
    ];
    expect(contract.typesOn('arrears.restructuring.v1')).toEqual(expect.arrayContaining(restructuringTypes.map((type) => `arrears.restructuring.${type}`)));
    expect(contract.typesOn('arrears.loans.v1')).toContain('arrears.loans.ScheduleRestructured');
    expect(contract.typesOn('arrears.loans.v1')).toContain('arrears.loans.PenaltyWaived');
  });
});
