import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { AGENCY_OUTCOMES_TOPIC, AGENCY_OUTCOME_TYPE, AgencyOutcomesHandler } from '#agencies';
import { checkStoredEvents } from '#test-support/kafka/published-contract.js';
import { comparePositions, type RecordedEvent } from '#kernel';
import { bootApp, eventually, type TestApp, type TestResponse } from '#test-support/app.js';
import { clocksAt } from '#test-support/clock.js';
import { closeCollectionDay } from '#test-support/collection.js';

/**
 * Collection agencies end to end. Customer A has two loans: LA1 fell due on 2025-12-31 (60 days
 * past due when the calendar opens on 2026-03-01, stage M2) and LA2 on 2026-02-20 (M1). The close of
 * 03-02 takes LA1 to M3 (61 days); the placement rule places it with agency ag-1 (round-robin
 * between ag-1 and ag-2, both covering M3), and the debtor's notice goes through the dispatch gate;
 * the placement starts on 03-03, the day the notice is sent. On 03-03 the bank's collector calls A
 * twice on LA2, the agency once on LA1, and the agency's next call is refused: three effective calls
 * a day per debtor, whoever calls. A payment on LA1 is the agency's recovery and its commission is
 * published; a dispute recalls the case.
 */
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;

const at = (time: string) => `2026-03-03T${time}:00+08:00`;

describe('collection agencies: placement, shared contact limits, attribution, recall', () => {
  let t: TestApp;
  let service: Call;
  let rm1: Call;
  let rm2: Call;
  let supervisor: Call;
  let collector: Call;
  let agency: Call;
  let otherAgency: Call;

  const placementEvents = async (caseId: string): Promise<RecordedEvent[]> => t.runtime.store.readStream(`agencies.placement-${caseId}`);
  const types = async (caseId: string) => (await placementEvents(caseId)).map((e) => e.type);

  const contract = (contractNo: string) => ({
    contractNo,
    startsOn: '2026-01-01',
    endsOn: '2026-12-31',
    stages: ['M1', 'M3'],
    capacity: 5,
    commission: { defaultBps: 1000, byStage: { M3: 1500 } },
  });

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    service = t.as('service', 'core-banking');
    rm1 = t.as('risk_manager', 'rm-1');
    rm2 = t.as('risk_manager', 'rm-2');
    supervisor = t.as('supervisor', 'sup-1', 'T1');
    collector = t.as('collector', 'col-1', 'T1');
    agency = t.as('agency', 'ag-1');
    otherAgency = t.as('agency', 'ag-2');

    expect((await service('POST', '/loans/calendar', { openBusinessDate: '2026-03-01' })).status).toBe(201);
    await clocksAt(t, '2026-03-01');
    expect((await supervisor('POST', '/collection/collectors', { collectorId: 'col-1', team: 'T1', capacity: 20, skills: ['*'] })).status).toBe(201);
    expect((await supervisor('POST', '/collection/collectors/col-1/trainings', { courseId: 'basic-101', score: 90, completedOn: '2026-01-05' })).status).toBe(
      201,
    );
    expect(
      (
        await supervisor('POST', '/collection/collectors/col-1/certifications', {
          certification: 'COLLECTION_BASIC',
          courseId: 'basic-101',
          grantedOn: '2026-01-10',
          expiresOn: '2027-01-10',
        })
      ).status,
    ).toBe(201);
    for (const agencyId of ['ag-1', 'ag-2']) {
      const proposed = await rm1('POST', '/agencies', {
        agencyId,
        name: `${agencyId} Recovery Co., Ltd.`,
        licenceRef: `LIC-${agencyId}`,
        contract: contract(`C-${agencyId}`),
      });
      expect(proposed.status).toBe(201);
      // Maker-checker: the proposer cannot approve.
      const own = await rm1('POST', `/agencies/${agencyId}/approval`, {});
      expect({ status: own.status, code: own.body.code }).toEqual({ status: 403, code: 'MAKER_CANNOT_CHECK' });
      expect((await rm2('POST', `/agencies/${agencyId}/approval`, {})).status).toBe(202);
    }
    expect(
      (
        await supervisor('POST', '/agencies/ag-1/agents/agent-7/certifications', {
          certification: 'COLLECTION_BASIC',
          grantedOn: '2026-01-05',
          expiresOn: '2027-01-05',
        })
      ).status,
    ).toBe(201);
    await eventually(async () => ((await collector('GET', '/agencies')).body.items?.length === 2 ? true : undefined));
    await eventually(async () => ((await supervisor('GET', '/collection/collectors/col-1')).body.certifications?.COLLECTION_BASIC ? true : undefined));

    const loan = (loanId: string, firstDue: string) => ({
      loanId,
      customerId: 'cust-A',
      productCode: 'CASH-3M',
      principal: 300_000,
      annualRateBps: 1200,
      termMonths: 3,
      disbursementDate: '2025-11-20',
      timeZone: 'Asia/Shanghai',
      schedule: [
        { seq: 1, dueDate: firstDue, principal: 100_000, interest: 3_000 },
        { seq: 2, dueDate: '2026-03-31', principal: 100_000, interest: 2_000 },
        { seq: 3, dueDate: '2026-04-30', principal: 100_000, interest: 1_000 },
      ],
    });
    expect((await service('POST', '/loans/accounts', loan('LA1', '2025-12-31'))).status).toBe(201);
    expect((await service('POST', '/loans/accounts', loan('LA2', '2026-02-20'))).status).toBe(201);
    const personal = {
      fullName: '张三',
      phones: ['+86 138 0000 0000'],
      emails: ['zhang@example.cn'],
      addresses: ['上海市浦东新区世纪大道 1 号'],
      idNumber: '310101199001011234',
      thirdPartyContacts: [],
    };
    expect((await service('PUT', '/customers/cust-A/personal-data', personal)).status).toBe(204);
    await eventually(async () => {
      const [a, b] = await Promise.all([supervisor('GET', '/collection/cases/LA1-E1'), supervisor('GET', '/collection/cases/LA2-E1')]);
      return a.body.collectorId && b.body.collectorId ? true : undefined;
    });
  }, 180_000);

  afterAll(async () => {
    await t?.close();
  });

  it('puts a new version of the placement rule in force only once a second risk manager approves it', async () => {
    const rule = (version: string) => ({
      version,
      stages: ['M3'],
      noPromiseKeptDays: 30,
      termDays: 90,
      selection: 'ROUND_ROBIN',
      notice: { channel: 'SMS', templateId: 'agency-placement-notice' },
    });
    expect((await rm1('GET', '/agencies/placement-rules')).body).toMatchObject({ inForce: { version: 'placement-2026.1' }, pending: null, approved: [] });
    expect((await rm1('POST', '/agencies/placement-rules', rule('placement-2026.2'))).status).toBe(201);
    const again = await rm2('POST', '/agencies/placement-rules', rule('placement-2026.9'));
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'PLACEMENT_RULE_PENDING' });
    const own = await rm1('POST', '/agencies/placement-rules/placement-2026.2/approval', {});
    expect({ status: own.status, code: own.body.code }).toEqual({ status: 403, code: 'MAKER_CANNOT_CHECK' });
    // Not in force while pending.
    expect((await rm1('GET', '/agencies/placement-rules')).body).toMatchObject({ inForce: { version: 'placement-2026.1' }, pending: { proposedBy: 'rm-1' } });
    expect((await rm2('POST', '/agencies/placement-rules/placement-2026.2/approval', {})).status).toBe(202);
    // A rejected proposal changes nothing in force; a version is never reused.
    expect((await rm2('POST', '/agencies/placement-rules', rule('placement-2026.3'))).status).toBe(201);
    expect((await rm1('POST', '/agencies/placement-rules/placement-2026.3/rejection', { reason: 'term under review' })).status).toBe(202);
    const reused = await rm1('POST', '/agencies/placement-rules', rule('placement-2026.2'));
    expect({ status: reused.status, code: reused.body.code }).toEqual({ status: 409, code: 'PLACEMENT_RULE_VERSION_EXISTS' });
    expect((await supervisor('GET', '/agencies/placement-rules')).body).toMatchObject({
      businessDate: '2026-03-01',
      inForce: { version: 'placement-2026.2' },
      pending: null,
      approved: [{ rule: { version: 'placement-2026.2' }, inForceFrom: '2026-03-01', proposedBy: 'rm-1', approvedBy: 'rm-2' }],
    });
  });

  it('places the case that reaches M3 with an agency once the debtor’s notice went through the dispatch gate', async () => {
    expect((await supervisor('GET', '/collection/cases/LA1-E1')).body.stage).toBe('M2');
    await closeCollectionDay(t, service, '2026-03-01');
    await closeCollectionDay(t, service, '2026-03-02');
    await clocksAt(t, '2026-03-03');
    expect((await supervisor('GET', '/collection/cases/LA1-E1')).body.stage).toBe('M3');
    await eventually(async () => ((await types('LA1-E1')).includes('CasePlaced') ? true : undefined));
    const [requested, placed] = await placementEvents('LA1-E1');
    expect(requested.data).toMatchObject({
      agencyId: 'ag-1',
      source: 'RULE',
      stage: 'M3',
      requestedOn: '2026-03-02',
      noticeActionId: 'LA1-E1/agency-notice/LA1-E1-P1',
    });
    expect(placed.data).toMatchObject({ agencyId: 'ag-1', startsOn: '2026-03-03', endsOn: '2026-05-31' });
    // Placed under the rule version approved above.
    expect(requested.metadata.policyVersions).toMatchObject({ placementPolicy: 'placement-2026.2' });
    // The notice was released on the debtor's ledger (so published on the channel-actions topic) before the placement started.
    const ledger = await t.runtime.store.readStream('collection.debtor-cust-A');
    const notice = ledger.find((e) => e.type === 'ActionReleased' && (e.data as { actionId: string }).actionId === 'LA1-E1/agency-notice/LA1-E1-P1');
    expect(notice?.data).toMatchObject({ channel: 'SMS', localDate: '2026-03-03', localTime: '08:00' });
    expect(comparePositions(notice!.globalPosition, placed.globalPosition)).toBeLessThan(0);
    expect((placed.data as { noticeSentAt: string }).noticeSentAt).toBe((notice!.data as { sendAt: string }).sendAt);
    // LA2 (M1) is not placed by the rule, which places M3.
    expect(await types('LA2-E1')).toEqual([]);
    // The case stream learns of the placement: the bank's collector may no longer work the case (refused, nothing recorded).
    await eventually(async () =>
      (await t.runtime.store.readStream('collection.case-LA1-E1')).some((e) => e.type === 'CasePlacedWithAgency') ? true : undefined,
    );
    // Collection's case read shows the placement.
    const marked = await eventually(async () => (await supervisor('GET', '/collection/cases/LA1-E1')).body.placement ?? undefined);
    expect(marked).toEqual({ placementId: 'LA1-E1-P1', agencyId: 'ag-1', since: '2026-03-03' });
    // So does the case list (Collection's read model).
    const listed = await eventually(async () => {
      const res = await supervisor('GET', '/collection/cases?stage=M3');
      return res.body.items?.find((c: { caseId: string; placement: unknown }) => c.caseId === 'LA1-E1' && c.placement);
    });
    expect(listed.placement).toEqual({ agencyId: 'ag-1', since: '2026-03-03' });
    const bankCall = await collector('POST', '/collection/cases/LA1-E1/contacts', {
      attemptId: 'bank-placed',
      channel: 'CALL',
      outcome: 'NO_ANSWER',
      at: at('09:00'),
      recordingRef: 'rec-bank-placed',
    });
    expect({ status: bankCall.status, code: bankCall.body.code, agencyId: bankCall.body.details?.agencyId }).toEqual({
      status: 409,
      code: 'CASE_PLACED_WITH_AGENCY',
      agencyId: 'ag-1',
    });
  });

  it('shows the agency only the case placed with it, its debtor masked unless a purpose is named (the clear read logged)', async () => {
    const mine = await eventually(async () => {
      const res = await agency('GET', '/agencies/my/cases');
      return res.body.items?.length ? res.body : undefined;
    });
    expect(mine.items.map((c: { caseId: string }) => c.caseId)).toEqual(['LA1-E1']);
    expect((await otherAgency('GET', '/agencies/my/cases')).body.items).toEqual([]);
    expect((await otherAgency('GET', '/agencies/my/cases/LA1-E1')).status).toBe(404);
    expect((await agency('GET', '/agencies/my/cases/LA2-E1')).status).toBe(404);
    // Collection's own routes are closed to an agency principal.
    expect((await agency('GET', '/collection/cases/LA1-E1')).status).toBe(403);
    expect((await agency('GET', '/customers/cust-A/personal-data')).status).toBe(403);

    const masked = await agency('GET', '/agencies/my/cases/LA1-E1');
    expect(masked.status).toBe(200);
    expect(masked.body).toMatchObject({ caseId: 'LA1-E1', stage: 'M3', debtor: { masked: true } });
    expect(JSON.stringify(masked.body)).not.toContain('张三');
    const clear = await agency('GET', '/agencies/my/cases/LA1-E1?purpose=CONTACT_DEBTOR');
    expect(clear.body.debtor).toMatchObject({ masked: false, data: { fullName: '张三' } });
    const log = await t.as('auditor', 'aud-1')('GET', '/customers/cust-A/personal-data/access-log');
    expect(log.body.items).toEqual([expect.objectContaining({ actorId: 'ag-1', actorRole: 'agency', purpose: 'CONTACT_DEBTOR' })]);
  });

  it('refuses the agency’s 4th effective call of the day: the bank called twice and the agency once', async () => {
    for (const [i, time] of ['10:00', '11:00'].entries()) {
      const res = await collector('POST', '/collection/cases/LA2-E1/contacts', {
        attemptId: `bank-${i}`,
        channel: 'CALL',
        outcome: 'RIGHT_PARTY_CONTACT',
        at: at(time),
        recordingRef: `rec-bank-${i}`,
        identified: true,
      });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 201, code: undefined });
    }
    const call = (attemptId: string, time: string, agentId = 'agent-7', promise?: { promiseId: string; amount: number; dueOn: string }) =>
      agency('POST', '/agencies/my/cases/LA1-E1/contacts', {
        attemptId,
        agentId,
        channel: 'CALL',
        outcome: promise ? 'PROMISE_TO_PAY' : 'RIGHT_PARTY_CONTACT',
        at: at(time),
        recordingRef: `rec-${attemptId}`,
        identified: true,
        ...(promise ? { promise } : {}),
      });
    // An agency collector without the base certification may not contact the debtor.
    const uncertified = await call('ag-0', '11:30', 'agent-8');
    expect({ status: uncertified.status, code: uncertified.body.code }).toEqual({ status: 422, code: 'AGENT_NOT_CERTIFIED' });
    // The agency's agent takes a promise (kept by the payment below: the evaluation's promise-kept rate).
    expect((await call('ag-1', '12:00', 'agent-7', { promiseId: 'ptp-ag-1', amount: 50_000, dueOn: '2026-03-05' })).status).toBe(201);
    const fourth = await call('ag-2', '14:00');
    expect({ status: fourth.status, code: fourth.body.code }).toEqual({ status: 422, code: 'CONTACT_DAILY_CALL_LIMIT' });
    expect(fourth.body.details).toMatchObject({ effectiveCalls: 3, limit: 3 });
    // The agency may not write on a case not placed with it.
    expect(
      (
        await agency('POST', '/agencies/my/cases/LA2-E1/contacts', {
          attemptId: 'ag-3',
          agentId: 'agent-7',
          channel: 'CALL',
          outcome: 'NO_ANSWER',
          at: at('15:00'),
          recordingRef: 'rec-ag-3',
        })
      ).status,
    ).toBe(404);
    // On the case: the agency's contact and its refusal, by the agency as executor.
    const caseEvents = await t.runtime.store.readStream('collection.case-LA1-E1');
    const contacts = caseEvents
      .filter((e) => e.type === 'ContactAttempted' || e.type === 'ContactBlocked')
      .map((e) => [e.type, (e.data as { by: { id: string } }).by.id]);
    expect(contacts).toEqual([
      ['ContactAttempted', 'agency:ag-1'],
      ['ContactBlocked', 'agency:ag-1'],
    ]);
  });

  it('takes the agency’s reports over Kafka with the same validation, scope and rules as over HTTP', async () => {
    const handler = t.app.get(AgencyOutcomesHandler);
    const message = (id: string, data: unknown) => ({
      id,
      topic: AGENCY_OUTCOMES_TOPIC,
      partition: 0,
      offset: '0',
      key: 'LA1-E1',
      type: AGENCY_OUTCOME_TYPE,
      headers: {},
      data,
    });
    const sms = { agencyId: 'ag-1', caseId: 'LA1-E1', agentId: 'agent-7', channel: 'SMS', outcome: 'DELIVERED', occurredAt: at('16:00') };
    expect(await handler.handle(message('ag-kafka-1', sms))).toBe('ok');
    // Redelivered: the same attempt, nothing new.
    expect(await handler.handle(message('ag-kafka-1', sms))).toBe('ok');
    expect(await handler.handle(message('ag-kafka-2', { ...sms, channel: 'FIELD_VISIT' }))).toMatchObject({ rejected: { code: 'VALIDATION_FAILED' } });
    expect(await handler.handle(message('ag-kafka-3', { ...sms, agencyId: 'ag-2' }))).toMatchObject({ rejected: { code: 'CASE_NOT_FOUND' } });
    expect(await handler.handle(message('ag-kafka-4', { ...sms, agentId: 'agent-8' }))).toMatchObject({ rejected: { code: 'AGENT_NOT_CERTIFIED' } });
    const attempts = (await t.runtime.store.readStream('collection.case-LA1-E1')).filter(
      (e) => e.type === 'ContactAttempted' && (e.data as { attemptId: string }).attemptId.startsWith('ag-kafka'),
    );
    expect(attempts.map((e) => [(e.data as { channel: string }).channel, (e.data as { by: { id: string } }).by.id])).toEqual([['SMS', 'agency:ag-1']]);
  });

  it('attributes a payment during the placement to the agency and publishes its commission', async () => {
    expect((await service('POST', '/loans/accounts/LA1/payments', { reference: 'PAY-1', amount: 50_333, valueDate: '2026-03-03' })).status).toBe(202);
    const attributed = await eventually(async () => (await placementEvents('LA1-E1')).find((e) => e.type === 'RecoveryAttributed'));
    expect(attributed.data).toMatchObject({ agencyId: 'ag-1', reference: 'PAY-1', amount: 50_333, commission: 7_550, contractNo: 'C-ag-1' });
    const evaluation = await eventually(async () => {
      const res = await rm1('GET', '/agencies/evaluations?year=2026');
      const ag1 = res.body.items?.find((i: { agencyId: string }) => i.agencyId === 'ag-1');
      return ag1?.recovered ? ag1 : undefined;
    });
    expect(evaluation).toMatchObject({
      placements: 1,
      recovered: 50_333,
      commission: 7_550,
      contacts: 3,
      ruleRefusals: 1,
      ruleRefusalsPerThousandContacts: 333,
      costPerYuanRecoveredFen: 15,
    });
  });

  it('recalls the case on a dispute and gives the agency its capacity back', async () => {
    expect((await collector('POST', '/collection/cases/LA1-E1/holds', { reason: 'DISPUTE', holdId: 'dispute-1' })).status).toBe(202);
    const recalled = await eventually(async () => (await placementEvents('LA1-E1')).find((e) => e.type === 'CaseRecalled'));
    expect(recalled.data).toMatchObject({ agencyId: 'ag-1', reason: 'DISPUTE', recalledOn: '2026-03-03', recoveredAmount: 50_333, commission: 7_550 });
    await eventually(async () => ((await agency('GET', '/agencies/my/cases')).body.items.length === 0 ? true : undefined));
    expect((await agency('GET', '/agencies/my/cases/LA1-E1')).status).toBe(404);
    await eventually(async () =>
      (await collector('GET', '/agencies')).body.items.find((a: { agencyId: string }) => a.agencyId === 'ag-1')?.holding === 0 ? true : undefined,
    );
    // The case is the bank's again (still on hold for the dispute until it is resolved: see the next test).
    const ended = await eventually(async () => (await t.runtime.store.readStream('collection.case-LA1-E1')).find((e) => e.type === 'CasePlacementEnded'));
    expect(ended.data).toMatchObject({ placementId: 'LA1-E1-P1', agencyId: 'ag-1', reason: 'DISPUTE', on: '2026-03-03' });
    await eventually(async () => ((await supervisor('GET', '/collection/cases/LA1-E1')).body.placement === null ? true : undefined));
  });

  it('places one case with one agency when two supervisors place it at once, and cancels a placement whose notice the gate withheld', async () => {
    const [a, b] = await Promise.all(
      ['ag-1', 'ag-2'].map((agencyId) => supervisor('POST', '/agencies/placements', { caseId: 'LA2-E1', agencyId, reason: 'hard to reach' })),
    );
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect([a, b].find((r) => r.status === 409)!.body.code).toBe('CASE_ALREADY_PLACED');
    expect((await types('LA2-E1')).filter((type) => type === 'PlacementRequested')).toHaveLength(1);
    // The debtor's open dispute (on LA1) stops contact: the gate withholds the notice, so the
    // placement is cancelled before it starts, and neither agency holds a case.
    await eventually(async () => ((await types('LA2-E1')).includes('PlacementCancelled') ? true : undefined));
    expect((await placementEvents('LA2-E1')).find((e) => e.type === 'PlacementCancelled')?.data).toMatchObject({ code: 'CONTACT_STOPPED' });
    await eventually(async () => {
      const items = (await collector('GET', '/agencies')).body.items as { agencyId: string; holding: number }[];
      return items.every((i) => i.holding === 0) ? true : undefined;
    });
    // A supervisor of another team may not place or recall the bank's cases outside their scope.
    const outside = await t.as('supervisor', 'sup-9', 'T9')('POST', '/agencies/placements/LA2-E1/recall', { reason: 'not mine' });
    expect({ status: outside.status, code: outside.body.code }).toEqual({ status: 403, code: 'CASE_OUT_OF_SCOPE' });
    // The dispute resolved, the recalled case is the bank collector's to work again (an SMS: the day's three calls are spent).
    expect((await supervisor('POST', '/collection/cases/LA1-E1/holds/dispute-1/release', { resolution: 'the debtor withdrew the dispute' })).status).toBe(202);
    const bankCall = await collector('POST', '/collection/cases/LA1-E1/contacts', {
      attemptId: 'bank-recalled',
      channel: 'SMS',
      outcome: 'DELIVERED',
      at: at('17:00'),
    });
    expect({ status: bankCall.status, code: bankCall.body.code }).toEqual({ status: 201, code: undefined });
  });

  it('evaluates the agency beside the bank’s own collectors on comparable cases: an M3 case no agency held', async () => {
    // Customer B's loan opens at M3 at the close of 03-03, while both agencies are suspended: the rule finds no agency, the bank keeps it.
    for (const agencyId of ['ag-1', 'ag-2'])
      expect((await supervisor('POST', `/agencies/${agencyId}/suspension`, { reason: 'contract review' })).status).toBe(202);
    expect(
      (
        await service('POST', '/loans/accounts', {
          loanId: 'LB1',
          customerId: 'cust-B',
          productCode: 'CASH-3M',
          principal: 300_000,
          annualRateBps: 1200,
          termMonths: 3,
          disbursementDate: '2025-11-10',
          timeZone: 'Asia/Shanghai',
          schedule: [
            { seq: 1, dueDate: '2025-12-10', principal: 100_000, interest: 3_000 },
            { seq: 2, dueDate: '2026-03-31', principal: 100_000, interest: 2_000 },
            { seq: 3, dueDate: '2026-04-30', principal: 100_000, interest: 1_000 },
          ],
        })
      ).status,
    ).toBe(201);
    await closeCollectionDay(t, service, '2026-03-03');
    const opened = await eventually(async () => {
      const res = await supervisor('GET', '/collection/cases/LB1-E1');
      return res.body.collectorId ? res.body : undefined;
    });
    expect(opened.stage).toBe('M3');
    const entry = (await t.runtime.store.readStream('collection.case-LB1-E1')).find((e) => e.type === 'CaseOpened')!.data as { overdueAmount: number };
    // The bank's collector takes a promise of 60,000 fen; the payment keeps it.
    const promised = await collector('POST', '/collection/cases/LB1-E1/contacts', {
      attemptId: 'bank-B-1',
      channel: 'CALL',
      outcome: 'PROMISE_TO_PAY',
      at: '2026-03-04T10:00:00+08:00',
      recordingRef: 'rec-bank-B-1',
      identified: true,
      promise: { promiseId: 'ptp-B', amount: 60_000, dueOn: '2026-03-06' },
    });
    expect({ status: promised.status, code: promised.body.code }).toEqual({ status: 201, code: undefined });
    expect((await service('POST', '/loans/accounts/LB1/payments', { reference: 'PAY-B1', amount: 60_000, valueDate: '2026-03-04' })).status).toBe(202);
    const items = await eventually(async () => {
      const res = await supervisor('GET', '/agencies/evaluations?year=2026');
      const ag1 = res.body.items?.find((i: { agencyId: string }) => i.agencyId === 'ag-1');
      return ag1?.bank?.recovered ? (res.body.items as { agencyId: string }[]) : undefined;
    });
    // ag-1: its one M3 placement (LA1), its agent's promise kept by PAY-1. The bank: LB1 alone (LA1 was ag-1's within its window, LA2 is M1).
    expect(items.find((i) => i.agencyId === 'ag-1')).toMatchObject({
      placements: 1,
      recovered: 50_333,
      promisesKept: 1,
      promisesBroken: 0,
      promiseKeptRateBps: 10_000,
      bank: {
        rule: 'same-stage-unplaced/v1',
        stages: ['M3'],
        termDays: 90,
        cases: 1,
        balance: entry.overdueAmount,
        recovered: 60_000,
        recoveryRateBps: Math.round((60_000 * 10_000) / entry.overdueAmount),
        promisesKept: 1,
        promisesBroken: 0,
        promiseKeptRateBps: 10_000,
        complaintHolds: 0,
        contacts: 1,
        ruleRefusals: 0,
        ruleRefusalsPerThousandContacts: 0,
      },
    });
    // ag-2 started no placement in the year: nothing to compare it with.
    expect(items.find((i) => i.agencyId === 'ag-2')).toMatchObject({ placements: 0, promiseKeptRateBps: null, bank: { stages: [], cases: 0 } });
  });

  it('tries the rule again at the next close on a case it could not place: LB1 goes to an agency approved since', async () => {
    // LB1 opened at M3 on 03-03 with no agency to take it (both suspended): nothing on its placement stream.
    expect(await types('LB1-E1')).toEqual([]);
    expect(
      (await rm1('POST', '/agencies', { agencyId: 'ag-3', name: 'ag-3 Recovery Co., Ltd.', licenceRef: 'LIC-ag-3', contract: contract('C-ag-3') })).status,
    ).toBe(201);
    expect((await rm2('POST', '/agencies/ag-3/approval', {})).status).toBe(202);
    await eventually(async () =>
      (await collector('GET', '/agencies')).body.items?.some((a: { agencyId: string }) => a.agencyId === 'ag-3') ? true : undefined,
    );
    // The bank's promise kept on 03-04 would hold LB1 back under a 30-day rule: a version that places regardless of kept promises is approved.
    const rule = {
      version: 'placement-2026.4',
      stages: ['M3'],
      noPromiseKeptDays: 0,
      termDays: 90,
      selection: 'ROUND_ROBIN',
      notice: { channel: 'SMS', templateId: 'agency-placement-notice' },
    };
    expect((await rm1('POST', '/agencies/placement-rules', rule)).status).toBe(201);
    expect((await rm2('POST', '/agencies/placement-rules/placement-2026.4/approval', {})).status).toBe(202);
    await closeCollectionDay(t, service, '2026-03-04');
    const requested = await eventually(async () => (await placementEvents('LB1-E1')).find((e) => e.type === 'PlacementRequested'));
    expect(requested.data).toMatchObject({
      agencyId: 'ag-3',
      source: 'RULE',
      stage: 'M3',
      requestedOn: '2026-03-04',
      reason: 'placement rule placement-2026.4',
    });
    // Once: the cases an agency held (LA1) or whose placement was cancelled (LA2) are not placed again by the rule.
    await eventually(async () => ((await types('LB1-E1')).includes('CasePlaced') ? true : undefined));
    expect((await types('LB1-E1')).filter((type) => type === 'PlacementRequested')).toHaveLength(1);
    expect((await types('LA1-E1')).filter((type) => type === 'PlacementRequested')).toHaveLength(1);
  });

  it('publishes every agency and placement event on arrears.agencies.v1 as docs/asyncapi.yaml describes it, the commission for accounting', async () => {
    const contract = await checkStoredEvents(t.runtime.store, CONTEXTS);
    expect(contract.problems).toEqual([]);
    const published = (contract.messages.get('arrears.agencies.v1') ?? []).map((m) => ({
      key: String(m.key),
      value: JSON.parse(String(m.value)) as { reference?: string; commission?: number },
    }));
    expect(contract.typesOn('arrears.agencies.v1')).toEqual(
      expect.arrayContaining([
        'arrears.agencies.AgencyApproved',
        'arrears.agencies.CasePlaced',
        'arrears.agencies.RecoveryAttributed',
        'arrears.agencies.CaseRecalled',
      ]),
    );
    expect(published.filter((m) => m.value.reference === 'PAY-1')).toEqual([
      { key: 'LA1-E1', value: expect.objectContaining({ agencyId: 'ag-1', amount: 50_333, commission: 7_550 }) },
    ]);
  });
});
