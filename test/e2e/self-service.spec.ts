import { addDays } from '#kernel';
import { mintToken } from '#platform';
import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { TEST_JWT_SECRET, bootApp, eventually, projectionsCaughtUp, type TestApp, type TestResponse } from '#test-support/app.js';
import { clocksAt, closeBusinessDay } from '#test-support/clock.js';
import { replayEverything } from '#test-support/replay.js';
import { checkStoredEvents } from '#test-support/kafka/published-contract.js';

/**
 * Self-service end to end, over HTTP: the bank's app calls Arrears for one authenticated customer
 * (a `customer` token whose subject is the customer id, `act.sub` the app, `channel` APP or WEB).
 *
 * Three customers, all in Shanghai, with loans of 3,000.00 yuan due from 2026-03-02 and unpaid, so
 * their cases open at the close of 03-03 (1 day past due, M1, grade C):
 * - S1 with LS1 and LS2: reads only their own loans, promises and pays on LS1, stops SMS;
 * - S2 with LT1: applies for an installment plan in the app, a supervisor approves it, S2 accepts;
 * - S3 with LU1 and LU2: disputes the debt; contact stops on both cases until it is resolved.
 * Complaint deadlines are short here (acknowledge the same day, resolve within 2 days).
 */
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;

const DUE = '2026-03-02';
const SCHEDULE = [
  { seq: 1, dueDate: DUE, principal: 100_000, interest: 3_000 },
  { seq: 2, dueDate: '2026-04-02', principal: 100_000, interest: 2_000 },
  { seq: 3, dueDate: '2026-05-02', principal: 100_000, interest: 1_000 },
];
const LOANS = [
  { loanId: 'LS1', customerId: 'cust-S1' },
  { loanId: 'LS2', customerId: 'cust-S1' },
  { loanId: 'LT1', customerId: 'cust-S2' },
  { loanId: 'LU1', customerId: 'cust-S3' },
  { loanId: 'LU2', customerId: 'cust-S3' },
];

describe('self-service and complaints over HTTP', () => {
  let t: TestApp;
  let core: Call;
  let rm1: Call;
  let rm2: Call;
  let supervisor: Call;
  let outsider: Call;
  let collector: Call;
  let s1: Call;
  let s2: Call;
  let s3: Call;

  const stream = (id: string) => t.runtime.store.readStream(id);
  const ofType = async (id: string, type: string) => (await stream(id)).filter((e) => e.type === type);
  const ledger = async (customerId: string) => (await stream(`collection.debtor-${customerId}`)).filter((e) => e.type.startsWith('Action'));
  const stepOf = (actionId: string) => actionId.slice(actionId.lastIndexOf('/') + 1);

  /** A customer's calls, through a token the bank's identity provider would issue. */
  function customer(customerId: string, claims: { channel?: 'APP' | 'WEB'; act?: { sub: string } } = {}): Call {
    const config = t.runtime.config;
    return async (method, path, body, headers = {}) => {
      const token = await mintToken(
        { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, secret: new TextEncoder().encode(TEST_JWT_SECRET) },
        { sub: customerId, role: 'customer', channel: claims.channel ?? 'APP', act: claims.act ?? { sub: 'bank-app' } },
      );
      return raw(token, method, path, body, headers);
    };
  }
  async function raw(token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${token}`, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }

  async function closeDay(date: string) {
    await closeBusinessDay(core, date);
    await clocksAt(t, addDays(date, 1));
    await projectionsCaughtUp(t);
  }

  const caseView = (caseId: string, check: (body: any) => boolean, what: string) =>
    eventually(
      async () => {
        const res = await t.as('auditor', 'aud-1')('GET', `/collection/cases/${caseId}`);
        return res.status === 200 && check(res.body) ? res.body : undefined;
      },
      30_000,
      what,
    );

  beforeAll(async () => {
    t = await bootApp(CONTEXTS, { COMPLAINT_ACKNOWLEDGE_DAYS: '0', COMPLAINT_RESOLUTION_DAYS: '2' });
    core = t.as('service', 'core-banking');
    rm1 = t.as('risk_manager', 'rm-1');
    rm2 = t.as('risk_manager', 'rm-2');
    supervisor = t.as('supervisor', 'sup-1', 'T1');
    outsider = t.as('supervisor', 'sup-2', 'T2');
    collector = t.as('collector', 'col-1', 'T1');
    s1 = customer('cust-S1');
    s2 = customer('cust-S2', { channel: 'WEB', act: { sub: 'bank-portal' } });
    s3 = customer('cust-S3');

    expect((await core('POST', '/loans/calendar', { openBusinessDate: '2026-03-01' })).status).toBe(201);
    await clocksAt(t, '2026-03-01');
    const template = await rm1('GET', '/grading/policies/template');
    expect((await rm1('POST', '/grading/policies', { policyId: 'self-service', document: template.body.document, reason: 'scorecard' })).status).toBe(201);
    expect((await rm2('POST', '/grading/policies/self-service/approve', { version: 1 })).status).toBe(202);
    expect((await rm2('POST', '/grading/policies/self-service/activate', { effectiveFrom: '2026-03-01' })).status).toBe(202);
    const proposal = {
      strategyId: 'ss-C-M1',
      keys: [
        { grade: 'C', stage: 'M1' },
        { grade: 'D', stage: 'M1' },
      ],
      champion: [
        { stepId: 'sms-1', when: { dpdDay: 1 }, channel: 'SMS', purpose: 'REMINDER', templateId: 'tpl-reminder', priority: 3 },
        { stepId: 'sms-2', when: { dpdDay: 2 }, channel: 'SMS', purpose: 'REMINDER', templateId: 'tpl-reminder-2' },
        { stepId: 'email-2', when: { dpdDay: 2 }, channel: 'EMAIL', purpose: 'EDUCATION', templateId: 'tpl-credit' },
        { stepId: 'call-7', when: { dpdDay: 7 }, channel: 'CALL', purpose: 'NEGOTIATION', templateId: 'script-7', priority: 1 },
      ],
      reason: 'self-service scenario',
    };
    expect((await rm1('POST', '/collection/strategies', proposal)).status).toBe(201);
    expect((await rm2('POST', '/collection/strategies/ss-C-M1/versions/1/approve', {})).status).toBe(202);
    expect((await rm2('POST', '/collection/strategies/ss-C-M1/versions/1/activate', { effectiveFrom: '2026-03-01' })).status).toBe(202);
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
    for (const l of LOANS) {
      const res = await core('POST', '/loans/accounts', {
        ...l,
        timeZone: 'Asia/Shanghai',
        productCode: 'CASH-3M',
        principal: 300_000,
        annualRateBps: 1200,
        termMonths: 3,
        disbursementDate: '2026-02-02',
        schedule: SCHEDULE,
      });
      expect(res.status).toBe(201);
    }
    await projectionsCaughtUp(t);
    await closeDay('2026-03-01');
    await closeDay('2026-03-02');
    await closeDay('2026-03-03');
    for (const l of LOANS) await caseView(`${l.loanId}-E1`, (c) => c.collectorId === 'col-1', `${l.loanId}-E1 assigned`);
  }, 240_000);
  afterAll(async () => {
    await t?.close();
  });

  it('shows a customer their own loans only, explained: the overdue amount by the waterfall, DPD, next due date and what happens next in Chinese and English', async () => {
    const mine = await s1('GET', '/self-service/loans');
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((l: { loanId: string }) => l.loanId).sort()).toEqual(['LS1', 'LS2']);
    expect(mine.body.items[0]).toMatchObject({ dpd: 1, stage: 'M1', nextDueDate: '2026-04-02', inCollection: true });

    const ls1 = await s1('GET', '/self-service/loans/LS1');
    expect(ls1.status).toBe(200);
    expect(ls1.body).toMatchObject({
      loanId: 'LS1',
      asOf: '2026-03-03',
      dpd: 1,
      nextDueDate: '2026-04-02',
      caseId: 'LS1-E1',
      onHold: false,
      openPromise: null,
    });
    const overdue = ls1.body.overdue;
    expect(overdue.components.map((c: { component: string }) => c.component)).toEqual(['penalty', 'interest', 'principal']);
    expect(overdue.components.find((c: { component: string }) => c.component === 'principal').amount).toBe(100_000);
    expect(overdue.components.find((c: { component: string }) => c.component === 'interest').amount).toBe(3_000);
    expect(overdue.total).toBe(overdue.components.reduce((s: number, c: { amount: number }) => s + c.amount, 0));
    expect(overdue.installments).toEqual([expect.objectContaining({ seq: 1, dueDate: DUE, daysOverdue: 1 })]);
    const next = ls1.body.whatHappensNext;
    expect(next.steps.map((s: { stepId: string; expectedOn: string }) => [s.stepId, s.expectedOn])).toEqual([
      ['email-2', '2026-03-04'],
      ['sms-2', '2026-03-04'],
      ['call-7', '2026-03-09'],
    ]);
    expect(next.steps[2].text).toEqual({
      zh: '约2026-03-09（逾期第7天）：电话，沟通还款安排。',
      en: 'Around 2026-03-09 (day 7 past due): a phone call, to agree a way to repay.',
    });
    expect(ls1.body.promiseRules).toEqual({ minimum: expect.any(Number), latestDueOn: '2026-04-03' });

    // Another customer's loan, case, request or complaint is not found, for reads and writes alike.
    for (const [method, path, body] of [
      ['GET', '/self-service/loans/LT1', undefined],
      ['POST', '/self-service/loans/LT1/promises', { amount: 103_000, dueOn: '2026-03-06' }],
      [
        'POST',
        '/self-service/loans/LT1/restructuring-requests',
        { terms: { type: 'DEFERRAL', deferMonths: 1 }, hardship: { reasonCode: 'JOB_LOSS', evidenceRefs: ['doc:x'] }, monthlyIncome: 1 },
      ],
      ['POST', '/self-service/complaints', { kind: 'DISPUTE', category: 'NOT_MY_DEBT', loanId: 'LT1' }],
    ] as const) {
      const res = await s1(method, path, body);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 404, code: 'LOAN_NOT_FOUND' });
    }
    expect((await ofType('collection.case-LT1-E1', 'PromiseToPayRecorded')).length).toBe(0);
    expect((await stream('restructuring.slot-LT1')).length).toBe(0);
    // Staff routes are not the customer's, even for their own case.
    const staff = await s1('GET', '/collection/cases/LS1-E1');
    expect([staff.status, staff.body.code]).toEqual([403, 'FORBIDDEN']);
  });

  it('refuses customer tokens that do not bind one customer and a channel', async () => {
    const config = t.runtime.config;
    const settings = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, secret: new TextEncoder().encode(TEST_JWT_SECRET) };
    const { SignJWT } = await import('jose');
    const sign = (claims: Record<string, unknown>, sub = 'cust-S1') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(settings.secret);
    for (const [claims, sub] of [
      [{ role: 'customer' }, 'cust-S1'],
      [{ role: 'customer', channel: 'BRANCH' }, 'cust-S1'],
      [{ role: 'customer', channel: 'APP', act: 'bank-app' }, 'cust-S1'],
      [{ role: 'customer', channel: 'APP', act: { sub: 'cust-S1' } }, 'cust-S1'],
      [{ role: 'customer', channel: 'APP', team: 'T1' }, 'cust-S1'],
      [{ role: 'customer', channel: 'APP' }, 'cust S1 with spaces'],
    ] as const) {
      const res = await raw(await sign(claims, sub), 'GET', '/self-service/loans');
      expect({ claims, status: res.status }).toEqual({ claims, status: 401 });
    }
  });

  it('takes a promise through the same promise rules as staff, records the customer and channel, and keeps it when core banking reports the payment', async () => {
    const small = await s1('POST', '/self-service/loans/LS1/promises', { amount: 50, dueOn: '2026-03-06' });
    expect([small.status, small.body.code]).toEqual([422, 'PROMISE_TOO_SMALL']);
    const far = await s1('POST', '/self-service/loans/LS1/promises', { amount: 103_000, dueOn: '2026-05-01' });
    expect([far.status, far.body.code]).toEqual([422, 'PROMISE_TOO_FAR']);
    expect((await ofType('collection.case-LS1-E1', 'PromiseToPayRecorded')).length).toBe(0);

    const promised = await s1('POST', '/self-service/loans/LS1/promises', { amount: 103_000, dueOn: '2026-03-06' }, { 'idempotency-key': 'ptp-ls1' });
    expect(promised.status).toBe(201);
    expect(promised.body).toMatchObject({
      events: ['PromiseToPayRecorded'],
      caseId: 'LS1-E1',
      payment: { loanId: 'LS1', amount: 103_000, dueOn: '2026-03-06' },
    });
    const again = await s1('POST', '/self-service/loans/LS1/promises', { amount: 103_000, dueOn: '2026-03-06' }, { 'idempotency-key': 'ptp-ls1' });
    expect(again.body.duplicate).toBe(true);
    const [recorded] = await ofType('collection.case-LS1-E1', 'PromiseToPayRecorded');
    expect(recorded.data).toMatchObject({ promiseId: promised.body.promiseId, amount: 103_000, dueOn: '2026-03-06', promisedOn: '2026-03-04' });
    expect(recorded.metadata.actor).toEqual({ id: 'cust-S1', role: 'customer', channel: 'APP', via: 'bank-app' });
    expect(recorded.metadata.command).toBe('RecordCustomerPromise');
    // No contact was made: the promise is not a contact attempt.
    expect((await ofType('collection.case-LS1-E1', 'ContactAttempted')).length).toBe(0);
    await eventually(
      async () => ((await s1('GET', '/self-service/loans/LS1')).body.openPromise?.amount === 103_000 ? true : undefined),
      20_000,
      'promise shown',
    );

    const paid = await core('POST', '/loans/accounts/LS1/payments', { reference: 'ls1-pay-1', amount: 103_000, valueDate: '2026-03-04' });
    expect(paid.status).toBe(202);
    const kept = await eventually(
      async () => {
        const events = await ofType('collection.case-LS1-E1', 'PromiseKept');
        return events.length ? events : undefined;
      },
      30_000,
      'the promise kept',
    );
    expect(kept[0].data).toMatchObject({ promiseId: promised.body.promiseId, keptOn: '2026-03-04' });
  });

  it('stops SMS when the customer opts out in the app: no SMS action of theirs is released afterwards, the email still goes', async () => {
    const optOut = await s1('POST', '/self-service/contact-preferences/opt-outs', { channel: 'SMS', optedOut: true });
    expect(optOut.status).toBe(202);
    expect(optOut.body.events).toEqual(['ChannelOptedOut']);
    const [opted] = await ofType('collection.debtor-cust-S1', 'ChannelOptedOut');
    expect(opted.metadata.actor).toEqual({ id: 'cust-S1', role: 'customer', channel: 'APP', via: 'bank-app' });
    expect((await s1('POST', '/self-service/contact-preferences/opt-outs', { channel: 'CALL', optedOut: true })).status).toBe(400);
    const prefs = await s1('GET', '/self-service/contact-preferences');
    expect(prefs.body).toMatchObject({ customerId: 'cust-S1', optedOut: ['SMS'] });

    // S3 disputes the debt the same day, before the close: both cases go on hold, contact stops.
    const dispute = await s3('POST', '/self-service/complaints', { kind: 'DISPUTE', category: 'DEBT_AMOUNT', statementRef: 'doc:s3-letter-1' });
    expect(dispute.status).toBe(201);
    expect(dispute.body.caseIds.sort()).toEqual(['LU1-E1', 'LU2-E1']);
    for (const caseId of ['LU1-E1', 'LU2-E1']) await caseView(caseId, (c) => c.status === 'ON_HOLD', `${caseId} held`);
    const [held] = await ofType('collection.case-LU1-E1', 'CaseOnHold');
    const [raisedEvent] = await ofType(`selfservice.complaint-${dispute.body.complaintId}`, 'ComplaintRaised');
    expect(held.data).toMatchObject({ holdId: `complaint-${dispute.body.complaintId}`, reason: 'DISPUTE', since: '2026-03-04' });
    expect(held.metadata.causationId).toBe(raisedEvent.eventId);
    expect(held.metadata).toMatchObject({ cause: { event: 'ComplaintRaised', complaintId: dispute.body.complaintId } });
    expect(raisedEvent.metadata.actor).toEqual({ id: 'cust-S3', role: 'customer', channel: 'APP', via: 'bank-app' });
    // Monitoring counts the dispute on each case it holds (its disputes-and-complaints KPI).
    await eventually(
      async () => {
        const { rows } = await t.runtime.pool.query('SELECT case_id, type FROM mon_disputes WHERE dispute_key LIKE $1 ORDER BY case_id', [
          `%#complaint-${dispute.body.complaintId}`,
        ]);
        return rows.length === 2 ? rows : undefined;
      },
      20_000,
      'monitoring to count the dispute',
    );
    const explained = await s3('GET', '/self-service/loans/LU2');
    expect(explained.body).toMatchObject({ onHold: true, whatHappensNext: { steps: [] } });
    expect(explained.body.whatHappensNext.paused.zh).toContain('暂停催收联系');

    // The complaint is acknowledged the same day (its deadline here); the investigation is someone else's.
    expect((await supervisor('POST', `/complaints/${dispute.body.complaintId}/acknowledgement`, {})).status).toBe(202);
    await closeDay('2026-03-04');

    const day2 = await eventually(
      async () => {
        const verdicts = (await ledger('cust-S1')).filter((e) => ['sms-2', 'email-2'].includes(stepOf((e.data as { actionId: string }).actionId)));
        return verdicts.length === 2 ? verdicts : undefined;
      },
      20_000,
      'the gate to judge the day-2 actions',
    );
    expect(
      day2
        .map((e) => [
          (e.data as { caseId: string }).caseId,
          stepOf((e.data as { actionId: string }).actionId),
          e.type,
          (e.data as { code?: string }).code ?? null,
        ])
        .sort(),
    ).toEqual([
      ['LS2-E1', 'email-2', 'ActionReleased', null],
      ['LS2-E1', 'sms-2', 'ActionWithheld', 'CONTACT_OPTED_OUT'],
    ]);
    // S3's held cases scheduled nothing for day 2; nothing of theirs was released after the dispute.
    const s3Scheduled = (await Promise.all(['LU1-E1', 'LU2-E1'].map((c) => ofType(`collection.case-${c}`, 'ActionScheduled')))).flat();
    expect(s3Scheduled.map((e) => stepOf((e.data as { actionId: string }).actionId)).sort()).toEqual(['sms-1', 'sms-1']);
  });

  it('resumes contact on every case of the customer when the dispute is resolved by an independent investigator', async () => {
    const [{ complaintId }] = (await s3('GET', '/self-service/complaints')).body.items;
    const inTeam = await supervisor('POST', `/complaints/${complaintId}/investigation`, {});
    expect([inTeam.status, inTeam.body.code]).toEqual([403, 'INVESTIGATOR_NOT_INDEPENDENT']);
    expect((await outsider('POST', `/complaints/${complaintId}/investigation`, {})).status).toBe(202);
    const notMine = await supervisor('POST', `/complaints/${complaintId}/resolution`, { outcome: 'NOT_UPHELD', remedies: ['NONE'] });
    expect([notMine.status, notMine.body.code]).toEqual([403, 'RESOLVER_NOT_INVESTIGATOR']);
    const resolved = await outsider('POST', `/complaints/${complaintId}/resolution`, {
      outcome: 'PARTLY_UPHELD',
      remedies: ['PENALTY_WAIVER'],
      resolutionRef: 'doc:answer-s3',
    });
    expect([resolved.status, resolved.body.events]).toEqual([202, ['ComplaintResolved']]);
    for (const caseId of ['LU1-E1', 'LU2-E1']) await caseView(caseId, (c) => c.status === 'OPEN', `${caseId} resumed`);
    const [resumed] = await ofType('collection.case-LU2-E1', 'CaseResumed');
    expect(resumed.data).toMatchObject({ resolution: 'COMPLAINT_PARTLY_UPHELD', on: '2026-03-05' });
    // Monitoring takes the outcome onto the dispute it counted on each case (its complaint KPIs count the upheld ones).
    await eventually(
      async () => {
        const { rows } = await t.runtime.pool.query('SELECT outcome FROM mon_disputes WHERE dispute_key LIKE $1', [`%#complaint-${complaintId}`]);
        return rows.length === 2 && rows.every((r) => r.outcome === 'PARTLY_UPHELD') ? true : undefined;
      },
      20_000,
      'monitoring to see the resolution',
    );
    const ledgerEvents = await stream('collection.debtor-cust-S3');
    expect(ledgerEvents.filter((e) => e.type === 'ContactStopLifted').length).toBeGreaterThan(0);
    const mine = await eventually(
      async () => {
        const res = await s3('GET', `/self-service/complaints/${complaintId}`);
        return res.body?.status === 'RESOLVED' ? res.body : undefined;
      },
      20_000,
      'complaint resolved in the read model',
    );
    expect(mine).toMatchObject({
      outcome: 'PARTLY_UPHELD',
      remedies: ['PENALTY_WAIVER'],
      late: false,
      raisedOn: '2026-03-04',
      resolveBy: '2026-03-06',
      channel: 'APP',
    });
    // Another customer does not see it.
    expect((await s1('GET', `/self-service/complaints/${complaintId}`)).status).toBe(404);
  });

  it('escalates a complaint past its deadline at the end of the business day, on the business calendar', async () => {
    const raised = await collector('POST', '/complaints', {
      customerId: 'cust-S1',
      source: 'STAFF',
      kind: 'COMPLAINT',
      category: 'CONTACT_CONDUCT',
      loanId: 'LS2',
    });
    expect(raised.status).toBe(201);
    const { complaintId } = raised.body;
    // A collector raises complaints only for customers of their own cases.
    const foreign = await t.as('collector', 'col-9')('POST', '/complaints', { customerId: 'cust-S2', source: 'STAFF', kind: 'COMPLAINT', category: 'OTHER' });
    expect([foreign.status, foreign.body.code]).toEqual([403, 'CASE_OUT_OF_SCOPE']);
    await caseView('LS2-E1', (c) => c.status === 'ON_HOLD', 'LS2-E1 held for the complaint');
    await closeDay('2026-03-05');
    const escalations = async () =>
      (await ofType(`selfservice.complaint-${complaintId}`, 'ComplaintEscalated')).map((e) => [
        (e.data as { deadline: string }).deadline,
        (e.data as { escalatedOn: string }).escalatedOn,
      ]);
    await eventually(async () => ((await escalations()).length === 1 ? true : undefined), 20_000, 'acknowledgement escalated');
    expect(await escalations()).toEqual([['ACKNOWLEDGEMENT', '2026-03-05']]);
    await closeDay('2026-03-06');
    await closeDay('2026-03-07');
    await eventually(async () => ((await escalations()).length === 2 ? true : undefined), 20_000, 'resolution escalated');
    expect(await escalations()).toEqual([
      ['ACKNOWLEDGEMENT', '2026-03-05'],
      ['RESOLUTION', '2026-03-07'],
    ]);
    const listed = await eventually(
      async () => {
        const res = await supervisor('GET', '/complaints?escalated=true&status=OPEN');
        return res.body.items?.length === 1 ? res.body : undefined;
      },
      20_000,
      'escalated complaint listed',
    );
    expect(listed.items[0]).toMatchObject({
      complaintId,
      source: 'STAFF',
      raisedBy: { id: 'col-1', role: 'collector' },
      resolveBy: '2026-03-07',
      caseIds: ['LS2-E1'],
    });
    const stats = await t.as('auditor', 'aud-1')('GET', '/complaints/stats');
    expect(stats.body).toMatchObject({ open: 1, escalatedOpen: 1, resolved: 1, byOutcome: { PARTLY_UPHELD: 1 }, upheldRate: 1, meanDaysToResolve: 1 });
    expect(stats.body.byCollector).toEqual([{ collectorId: 'col-1', complaints: 2, upheld: 1 }]);
    expect(stats.body.byTeam).toEqual([{ team: 'T1', complaints: 2, upheld: 1 }]);
    // One investigator, decided on the complaint's stream: two independent handlers taking it at once, one wins.
    const takes = await Promise.all([
      outsider('POST', `/complaints/${complaintId}/investigation`, {}),
      rm1('POST', `/complaints/${complaintId}/investigation`, {}),
    ]);
    expect(takes.map((r) => r.status).sort()).toEqual([202, 409]);
    expect(takes.find((r) => r.status === 409)!.body.code).toBe('INVESTIGATOR_ASSIGNED');
    expect((await ofType(`selfservice.complaint-${complaintId}`, 'ComplaintInvestigationStarted')).length).toBe(1);
    // The customer reads it among their complaints; a customer cannot call the staff register.
    expect((await s1('GET', '/self-service/complaints')).body.items.map((c: { complaintId: string }) => c.complaintId)).toEqual([complaintId]);
    expect((await s1('GET', '/complaints')).status).toBe(403);
  });

  it('takes an installment plan applied for in the app through assessment and a supervisor’s approval, and the customer accepts it on the web', async () => {
    await eventually(
      async () => {
        const { rows } = await t.runtime.pool.query('SELECT grade FROM rm_restructuring_customer_grades WHERE customer_id = $1', ['cust-S2']);
        return rows.length ? true : undefined;
      },
      30_000,
      'S2 graded for restructuring',
    );
    // Before applying: what the policy would grant today, for the income the customer states.
    const options = await s2('GET', '/self-service/loans/LT1/restructuring-options?monthlyIncome=800000');
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({ loanId: 'LT1', asOf: '2026-03-08', monthlyIncome: 800_000 });
    const sixMonths = options.body.options.find(
      (o: { terms: { type: string; tenorMonths?: number } }) => o.terms.type === 'INSTALLMENT_PLAN' && o.terms.tenorMonths === 6,
    );
    // The option names the rounding convention its schedule used: the constant payment, the default.
    expect(sixMonths).toMatchObject({ eligible: true, failed: [], terms: { annualRateBps: 1200, rounding: 'CONSTANT_PAYMENT' } });
    expect(sixMonths.schedule.installments.reduce((s: number, i: { principal: number }) => s + i.principal, 0)).toBe(300_000);
    const poor = await s2('GET', '/self-service/loans/LT1/restructuring-options?monthlyIncome=1000');
    expect(
      poor.body.options
        .filter((o: { terms: { type: string } }) => o.terms.type === 'INSTALLMENT_PLAN')
        .every((o: { failed: string[] }) => o.failed.includes('AFFORDABILITY')),
    ).toBe(true);
    expect((await s1('GET', '/self-service/loans/LT1/restructuring-options?monthlyIncome=800000')).status).toBe(404);
    expect((await stream('restructuring.slot-LT1')).length).toBe(0);
    const applied = await s2('POST', '/self-service/loans/LT1/restructuring-requests', {
      terms: { type: 'INSTALLMENT_PLAN', method: 'EQUAL_INSTALLMENT', tenorMonths: 6, annualRateBps: 1_200 },
      hardship: { reasonCode: 'JOB_LOSS', evidenceRefs: ['doc:s2-payslip-2026-02'] },
      monthlyIncome: 800_000,
    });
    expect({ status: applied.status, code: applied.body.code }).toEqual({ status: 201, code: undefined });
    const { requestId } = applied.body;
    const [requested] = await ofType(`restructuring.request-${requestId}`, 'RestructuringRequested');
    expect(requested.metadata.actor).toEqual({ id: 'cust-S2', role: 'customer', channel: 'WEB', via: 'bank-portal' });
    const view = (status: string) =>
      eventually(
        async () => {
          const res = await s2('GET', `/self-service/restructuring-requests/${requestId}`);
          return res.body?.status === status ? res.body : undefined;
        },
        20_000,
        `request ${status}`,
      );
    expect((await view('Requested')).statusText.en).toBe('Submitted; waiting to be assessed.');
    // The customer cannot accept what was not offered, nor approve.
    expect((await s2('POST', `/self-service/restructuring-requests/${requestId}/acceptance`, {})).status).toBe(409);
    expect((await s2('POST', `/restructuring/requests/${requestId}/approvals`, {})).status).toBe(403);

    expect((await collector('POST', `/restructuring/requests/${requestId}/assessment`, {})).status).toBe(202);
    await view('Assessed');
    expect((await supervisor('POST', `/restructuring/requests/${requestId}/approvals`, {})).status).toBe(202);
    expect((await supervisor('POST', `/restructuring/requests/${requestId}/offer`, { channel: 'APP' })).status).toBe(202);
    const offered = await view('Offered');
    expect(offered.schedule.installments.reduce((s: number, i: { principal: number }) => s + i.principal, 0)).toBe(300_000);
    expect(offered.offer).toMatchObject({ expiresOn: expect.any(String) });
    // Another customer cannot accept it.
    expect((await s1('POST', `/self-service/restructuring-requests/${requestId}/acceptance`, {})).status).toBe(404);
    const accepted = await s2('POST', `/self-service/restructuring-requests/${requestId}/acceptance`, {});
    expect([accepted.status, accepted.body.events]).toEqual([202, ['RestructuringAccepted']]);
    const [acceptance] = await ofType(`restructuring.request-${requestId}`, 'RestructuringAccepted');
    expect(acceptance.data).toMatchObject({ channel: 'WEB', recordedBy: { id: 'cust-S2', role: 'customer' } });
    await view('Active');
    expect((await s2('GET', '/self-service/restructuring-requests')).body.items.map((r: { requestId: string }) => r.requestId)).toEqual([requestId]);
  });

  it('shows the customer their contact history: which channel, when and why', async () => {
    // The SMS gateway reports the day-1 reminder on LU1-E1 delivered, and a collector calls on LU2-E1.
    const [sms] = await ofType('collection.case-LU1-E1', 'ActionScheduled');
    const smsId = (sms.data as { actionId: string }).actionId;
    const gateway = t.as('service', 'sms-gateway');
    expect(
      (await gateway('POST', '/collection/cases/LU1-E1/contacts', { actionId: smsId, channel: 'SMS', outcome: 'DELIVERED', at: '2026-03-08T09:00:00+08:00' }))
        .status,
    ).toBe(201);
    expect(
      (
        await collector('POST', '/collection/cases/LU2-E1/contacts', {
          channel: 'CALL',
          outcome: 'NO_ANSWER',
          at: '2026-03-08T10:30:00+08:00',
          recordingRef: 'rec-lu2-1',
        })
      ).status,
    ).toBe(201);
    const history = await s3('GET', '/self-service/contacts');
    expect(history.status).toBe(200);
    expect(
      history.body.items.map((i: { loanId: string; channel: string; outcome: string; purpose: string | null }) => [i.loanId, i.channel, i.outcome, i.purpose]),
    ).toEqual([
      ['LU2', 'CALL', 'NO_ANSWER', null],
      ['LU1', 'SMS', 'DELIVERED', 'REMINDER'],
    ]);
    expect(history.body.items[1].text).toEqual({ zh: '2026-03-08 09:00 短信：还款提醒', en: '2026-03-08 09:00 a text message (SMS): a payment reminder' });
    // Nobody else's contacts: S1 sees none of these.
    expect((await s1('GET', '/self-service/contacts')).body.items.some((i: { loanId: string }) => i.loanId.startsWith('LU'))).toBe(false);
  });

  it('extends a complaint’s resolution deadline once, by its investigator, within the policy and before the deadline passes', async () => {
    // S1's complaint escalated at the close of 03-07: a deadline that has passed is not extended.
    const [missed] = (await supervisor('GET', '/complaints?escalated=true&status=OPEN')).body.items;
    const investigatorOf = (id: string) => (id === 'sup-2' ? outsider : rm1);
    const late = await investigatorOf(missed.investigator.id)('POST', `/complaints/${missed.complaintId}/deadline-extension`, {
      days: 5,
      reason: 'COMPLEX_CASE',
    });
    expect([late.status, late.body.code]).toEqual([409, 'DEADLINE_PASSED']);

    const raised = await s2('POST', '/self-service/complaints', { kind: 'COMPLAINT', category: 'CONTACT_FREQUENCY', loanId: 'LT1' });
    expect(raised.status).toBe(201);
    const { complaintId } = raised.body;
    const extend = (call: Call, body: unknown) => call('POST', `/complaints/${complaintId}/deadline-extension`, body);
    const body = { days: 5, reason: 'COMPLEX_CASE', noticeRef: 'doc:s2-extension-notice' };
    expect((await extend(outsider, body)).body.code).toBe('INVESTIGATION_REQUIRED');
    expect((await outsider('POST', `/complaints/${complaintId}/investigation`, {})).status).toBe(202);
    const notInvestigator = await extend(rm1, body);
    expect([notInvestigator.status, notInvestigator.body.code]).toEqual([403, 'EXTENDER_NOT_INVESTIGATOR']);
    const tooLong = await extend(outsider, { ...body, days: 16 });
    expect([tooLong.status, tooLong.body.code]).toEqual([422, 'EXTENSION_TOO_LONG']);
    expect((await extend(outsider, { days: 5, reason: 'BECAUSE' })).status).toBe(400);
    const extended = await extend(outsider, body);
    expect([extended.status, extended.body.events]).toEqual([202, ['ComplaintDeadlineExtended']]);
    const [event] = await ofType(`selfservice.complaint-${complaintId}`, 'ComplaintDeadlineExtended');
    expect(event.data).toMatchObject({
      previousResolveBy: '2026-03-10',
      resolveBy: '2026-03-15',
      days: 5,
      reason: 'COMPLEX_CASE',
      extendedOn: '2026-03-08',
      extendedBy: { id: 'sup-2' },
    });
    expect(event.metadata.policyVersions).toMatchObject({ complaintPolicy: 'complaints-ack0-res2-ext15' });
    const again = await extend(outsider, { days: 1, reason: 'AWAITING_CUSTOMER' });
    expect([again.status, again.body.code]).toEqual([409, 'DEADLINE_ALREADY_EXTENDED']);
    // The customer sees the new deadline and why.
    const mine = await eventually(
      async () => {
        const res = await s2('GET', `/self-service/complaints/${complaintId}`);
        return res.body?.extension ? res.body : undefined;
      },
      20_000,
      'the extension in the register',
    );
    expect(mine).toMatchObject({
      resolveBy: '2026-03-15',
      extension: { days: 5, reason: 'COMPLEX_CASE', previousResolveBy: '2026-03-10', noticeRef: 'doc:s2-extension-notice' },
    });
  });

  it('keeps to the times the customer prefers: a call planned outside them is rescheduled to their window, within the legal hours, and released there', async () => {
    const night = await s3('POST', '/self-service/contact-preferences/preferred-times', { channel: 'CALL', windows: [{ start: '21:00', end: '23:00' }] });
    expect([night.status, night.body.code]).toEqual([422, 'PREFERRED_TIME_OUTSIDE_HOURS']);
    const set = await s3('POST', '/self-service/contact-preferences/preferred-times', { channel: 'CALL', windows: [{ start: '18:00', end: '20:00' }] });
    expect([set.status, set.body.events]).toEqual([202, ['ContactTimesPreferred']]);
    const [preferred] = await ofType('collection.debtor-cust-S3', 'ContactTimesPreferred');
    expect(preferred.data).toEqual({ customerId: 'cust-S3', channel: 'CALL', windows: [{ start: '18:00', end: '20:00' }] });
    expect(preferred.metadata.actor).toEqual({ id: 'cust-S3', role: 'customer', channel: 'APP', via: 'bank-app' });
    expect((await s3('GET', '/self-service/contact-preferences')).body).toMatchObject({
      preferredTimes: { CALL: [{ start: '18:00', end: '20:00' }] },
      quietHours: { start: '22:00', end: '08:00' },
    });
    expect((await s1('GET', '/self-service/contact-preferences')).body.preferredTimes).toEqual({});

    // The close of 03-09 (day 7 past due) schedules the calls on S3's two cases for 03-10, planned at
    // the opening of the contact hours (08:00).
    const judgedCalls = async () => (await ledger('cust-S3')).filter((e) => stepOf((e.data as { actionId: string }).actionId) === 'call-7');
    await closeDay('2026-03-08');
    await closeDay('2026-03-09');
    const calls = await eventually(
      async () => {
        const judged = await judgedCalls();
        return judged.length === 2 ? judged : undefined;
      },
      20_000,
      'the gate to judge both day-7 calls',
    );
    expect(calls.map((e) => [e.type, (e.data as { code?: string }).code, (e.data as { localTime: string }).localTime])).toEqual([
      ['ActionRescheduled', 'CONTACT_OUTSIDE_PREFERRED_TIME', '08:00'],
      ['ActionRescheduled', 'CONTACT_OUTSIDE_PREFERRED_TIME', '08:00'],
    ]);
    const { releaseAt, releaseDate } = calls[0].data as { releaseAt: string; releaseDate: string };
    expect([releaseAt, releaseDate]).toEqual(['2026-03-10T10:00:00.000Z', '2026-03-10']); // 18:00 in Shanghai, the same day
    const scheduler = t.as('service', 'scheduler');
    const early = await scheduler('POST', '/collection/dispatch', { at: `${releaseDate}T09:00:00Z` });
    expect(early.body).toMatchObject({ released: 0 });
    const due = await scheduler('POST', '/collection/dispatch', { at: releaseAt });
    expect(due.body).toMatchObject({ released: 2 });
    const released = (await judgedCalls()).filter((e) => e.type === 'ActionReleased');
    expect(released.map((e) => (e.data as { localTime: string }).localTime)).toEqual(['18:00', '18:00']);
  });

  it('decides nothing again on replay: complaint holds, releases and escalations stay as they were', async () => {
    const holdsOf = async () => (await stream('collection.case-LU1-E1')).map((e) => e.type).filter((x) => x === 'CaseOnHold' || x === 'CaseResumed');
    const report = await replayEverything(t);
    expect(report.rebuilt).toEqual(expect.arrayContaining(['selfservice_complaints', 'selfservice_case_assignments']));
    expect(report.reactionsChecked).toEqual(expect.arrayContaining(['selfservice_complaint_holds', 'selfservice_complaint_deadlines']));
    expect(await holdsOf()).toEqual(['CaseOnHold', 'CaseResumed']);
    const complaints = await supervisor('GET', '/complaints');
    expect(complaints.body.total).toBe(3);
  });

  it('publishes what the customers did as Kafka messages valid against docs/asyncapi.yaml', async () => {
    const contract = await checkStoredEvents(t.runtime.store, CONTEXTS);
    expect(contract.problems).toEqual([]);
    expect(contract.typesOn('arrears.restructuring.v1')).toEqual(expect.arrayContaining(['arrears.restructuring.RestructuringAccepted']));
    // The complaints resolved here, Self-service's contract (Monitoring reads the same events in-process).
    expect(contract.typesOn('arrears.selfservice.v1')).toEqual(['arrears.selfservice.ComplaintResolved']);
    // S1 stopped SMS on 03-04: the SMS actions published for them are the day-1 reminders sent before.
    const actions = (contract.messages.get('arrears.channel-actions.v1') ?? []).map(
      (m) => JSON.parse(String(m.value)) as { customerId: string; channel: string; stepId: string },
    );
    expect(actions.filter((a) => a.customerId === 'cust-S1' && a.channel === 'SMS').map((a) => a.stepId)).toEqual(['sms-1', 'sms-1']);
    expect(actions.filter((a) => a.customerId === 'cust-S1' && a.channel === 'EMAIL').map((a) => a.stepId)).toEqual(['email-2']);
  });
});
