import { routeTable } from '../../apps/arrears/src/app.js';
import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { bootApp, eventually, storeReadable, projectionsCaughtUp, type TestApp, type TestResponse } from '#test-support/app.js';
import { cashLoan3m } from '#test-support/loans.js';
import { clocksAt } from '#test-support/clock.js';
import { addDays, type Position } from '#kernel';

/**
 * Row-level access beyond Collection: a loan becomes delinquent, Collection opens a case and routes
 * it to a collector, and from Collection's published case events the Loans context and the vault
 * learn who works the loan and the customer. Clear personal data and the loan account then open
 * to that collector (and the team's supervisor for clear data) and to nobody else of those roles;
 * reassigning or closing the case moves or ends the access.
 */
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;

const LOAN = 'L-rla';
const CUSTOMER = 'cust-rla';
const OTHER_CUSTOMER = 'cust-rla-other';
const CASE = `${LOAN}-E1`;
const PERSON = {
  fullName: '王小明',
  phones: ['13812341234'],
  emails: ['xiaoming.wang@example.com'],
  addresses: ['浙江省杭州市西湖区文三路100号'],
  idNumber: '110101199003071234',
  thirdPartyContacts: [],
};
const CLEAR = (customerId: string) => `/customers/${customerId}/personal-data?purpose=CONTACT_DEBTOR`;

describe('row-level access to clear personal data and loan accounts', () => {
  let t: TestApp;
  let service: Call;
  let supervisor: Call;
  let col1: Call;
  let col2: Call;
  let col9: Call;

  function expectStatus(res: TestResponse, status: number) {
    expect({ status: res.status, body: res.status === status ? undefined : res.body }).toEqual({ status, body: undefined });
  }

  function expectOutOfScope(res: TestResponse) {
    expect({ status: res.status, code: res.body?.code, type: res.headers.get('content-type') }).toEqual({
      status: 403,
      code: 'CLEAR_READ_OUT_OF_SCOPE',
      type: expect.stringContaining('application/problem+json'),
    });
    expect(JSON.stringify(res.body)).not.toContain('13812341234');
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

  const clearReaders = async () =>
    (await t.as('auditor')('GET', `/customers/${CUSTOMER}/personal-data/access-log`)).body.items.map((i: { actorId: string }) => i.actorId);

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    service = t.as('service', 'core-banking');
    supervisor = t.as('supervisor', 'sup-1', 'T1');
    col1 = t.as('collector', 'col-1', 'T1');
    col2 = t.as('collector', 'col-2', 'T1');
    col9 = t.as('collector', 'col-9', 'T1');
    const rm1 = t.as('risk_manager', 'rm-1');
    const rm2 = t.as('risk_manager', 'rm-2');

    // A strategy for the case, through maker-checker.
    expectStatus(
      await rm1('POST', '/collection/strategies', {
        strategyId: 'rla-C-M1',
        keys: [{ grade: 'C', stage: 'M1' }],
        champion: [{ stepId: 'call-1', when: { dpdDay: 1 }, channel: 'CALL', purpose: 'NEGOTIATION', templateId: 'script-negotiate', priority: 1 }],
        reason: 'row-level access scenario',
      }),
      201,
    );
    expectStatus(await rm2('POST', '/collection/strategies/rla-C-M1/versions/1/approve', {}), 202);
    // Strategies take effect from the open business date of Loans' calendar.
    expectStatus(await service('POST', '/loans/calendar', { openBusinessDate: '2025-02-14' }), 201);
    await clocksAt(t, '2025-02-14');
    expectStatus(await rm2('POST', '/collection/strategies/rla-C-M1/versions/1/activate', { effectiveFrom: '2025-02-14', businessDate: '2025-02-14' }), 202);
    // Two collectors of team T1; only col-1 is certified, so the case goes to col-1.
    for (const collectorId of ['col-1', 'col-2']) {
      expectStatus(await supervisor('POST', '/collection/collectors', { collectorId, team: 'T1', capacity: 10, skills: ['*'] }), 201);
    }
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
    await eventually(async () => ((await supervisor('GET', '/collection/collectors/col-1')).body?.certifications?.COLLECTION_BASIC ? true : undefined));
    await eventually(async () => ((await supervisor('GET', '/collection/strategies/rla-C-M1')).body?.versions?.[0]?.status === 'ACTIVE' ? true : undefined));

    expectStatus(await service('PUT', `/customers/${CUSTOMER}/personal-data`, PERSON), 204);
    expectStatus(await service('PUT', `/customers/${OTHER_CUSTOMER}/personal-data`, PERSON), 204);
    expectStatus(await service('POST', '/loans/accounts', cashLoan3m(LOAN, CUSTOMER)), 201);
    await closeDay('2025-02-14');
    await closeDay('2025-02-15');
    await closeDay('2025-02-16');
    const opened = await eventually(
      async () => {
        const res = await supervisor('GET', `/collection/cases/${CASE}`);
        return res.status === 200 && res.body.collectorId ? res.body : undefined;
      },
      30_000,
      'the case to open and be assigned',
    );
    expect(opened).toMatchObject({ customerId: CUSTOMER, collectorId: 'col-1', team: 'T1', status: 'OPEN' });
    await projectionsCaughtUp(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lets the assigned collector read the customer clear, and records the read', async () => {
    const res = await col1('GET', CLEAR(CUSTOMER));
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ masked: false, data: { phones: ['13812341234'], idNumber: '110101199003071234' } });
    expect(await clearReaders()).toEqual(['col-1']);
  });

  it('refuses clear data to a collector without a case of that customer, with a stable code, and records nothing', async () => {
    expectOutOfScope(await col9('GET', CLEAR(CUSTOMER)));
    // The assigned collector has no case of the other customer either.
    expectOutOfScope(await col1('GET', CLEAR(OTHER_CUSTOMER)));
    // Masked values stay readable to every collector, as before.
    const masked = await col9('GET', `/customers/${CUSTOMER}/personal-data`);
    expect(masked.body).toMatchObject({ masked: true, data: { phones: ['138****1234'] } });
    expect(await clearReaders()).toEqual(['col-1']);
    // Service and admin are not scoped by cases.
    expectStatus(await t.as('service', 'dialer-1')('GET', CLEAR(OTHER_CUSTOMER)), 200);
  });

  it('gives a supervisor clear data of their own team’s cases only', async () => {
    expectStatus(await supervisor('GET', CLEAR(CUSTOMER)), 200);
    expectOutOfScope(await t.as('supervisor', 'sup-2', 'T2')('GET', CLEAR(CUSTOMER)));
    expectOutOfScope(await t.as('supervisor', 'sup-3')('GET', CLEAR(CUSTOMER)));
    expect(await clearReaders()).toEqual(['col-1', 'sup-1']);
  });

  it('shows a collector only the loan accounts of their cases', async () => {
    const own = await col1('GET', `/loans/accounts/${LOAN}`);
    expectStatus(own, 200);
    expect(own.body).toMatchObject({ loanId: LOAN, customerId: CUSTOMER });
    expect((await col1('GET', '/loans/accounts')).body.items.map((l: { loanId: string }) => l.loanId)).toEqual([LOAN]);
    const foreign = await col9('GET', `/loans/accounts/${LOAN}`);
    expect({ status: foreign.status, code: foreign.body.code }).toEqual({ status: 404, code: 'LOAN_NOT_FOUND' });
    expect((await col9('GET', '/loans/accounts')).body.items).toEqual([]);
    expect((await col9('GET', `/loans/accounts?customerId=${CUSTOMER}`)).body.items).toEqual([]);
    // Other reading roles keep the whole portfolio.
    expectStatus(await t.as('supervisor', 'sup-2', 'T2')('GET', `/loans/accounts/${LOAN}`), 200);
  });

  it('shows a collector the grade, classification and restructuring requests of their own cases only', async () => {
    const notFound = (res: TestResponse) => ({ status: res.status, code: res.body?.code });
    expectStatus(await col1('GET', `/grading/customers/${CUSTOMER}`), 200);
    expectStatus(await col1('GET', `/grading/customers/${CUSTOMER}/history`), 200);
    expect(notFound(await col9('GET', `/grading/customers/${CUSTOMER}`))).toEqual({ status: 404, code: 'CUSTOMER_NOT_FOUND' });
    expect(notFound(await col9('GET', `/grading/customers/${CUSTOMER}/history`))).toEqual({ status: 404, code: 'CUSTOMER_NOT_FOUND' });
    expect(notFound(await col9('GET', `/grading/loans/${LOAN}/classification`))).toEqual({ status: 404, code: 'LOAN_NOT_FOUND' });
    expect((await col1('GET', `/grading/loans/${LOAN}/classification`)).body?.code).not.toBe('LOAN_NOT_FOUND');

    const filed = await col1('POST', '/restructuring/requests', {
      loanId: LOAN,
      terms: { type: 'DEFERRAL', deferMonths: 1 },
      hardship: { reasonCode: 'ILLNESS_OR_INJURY', evidenceRefs: ['doc:hospital-note-1'] },
      monthlyIncome: 900_000,
      grade: 'C',
    });
    expectStatus(filed, 201);
    const requestId = filed.body.requestId;
    await projectionsCaughtUp(t);
    expectStatus(await col1('GET', `/restructuring/requests/${requestId}`), 200);
    expect((await col1('GET', '/restructuring/requests')).body.items.map((r: { requestId: string }) => r.requestId)).toEqual([requestId]);
    expect(notFound(await col9('GET', `/restructuring/requests/${requestId}`))).toEqual({ status: 404, code: 'RESTRUCTURING_REQUEST_NOT_FOUND' });
    expect((await col9('GET', '/restructuring/requests')).body.items).toEqual([]);
    // Supervisors read their team's requests, the scope their writes check.
    expectStatus(await supervisor('GET', `/restructuring/requests/${requestId}`), 200);
    expect(notFound(await t.as('supervisor', 'sup-2', 'T2')('GET', `/restructuring/requests/${requestId}`))).toEqual({
      status: 404,
      code: 'RESTRUCTURING_REQUEST_NOT_FOUND',
    });
    expect((await t.as('supervisor', 'sup-2', 'T2')('GET', '/restructuring/requests')).body.items).toEqual([]);
  });

  /** Every event in the store, counted by reading $all to its end. */
  async function eventCount(): Promise<number> {
    await storeReadable(t);
    let n = 0;
    let from: Position | 'start' = 'start';
    for (;;) {
      const page = await t.runtime.store.readAll({ from, maxCount: 1_000 });
      n += page.events.length;
      if (page.isEnd || page.events.length === 0) return n;
      from = page.position;
    }
  }

  it('refuses every write outside the caller’s case scope with 403 CASE_OUT_OF_SCOPE, and appends nothing', async () => {
    const [request] = (await col1('GET', '/restructuring/requests')).body.items as Array<{ requestId: string }>;
    const REQ = `/restructuring/requests/${request.requestId}`;
    const sup2 = t.as('supervisor', 'sup-2', 'T2');
    const noTeam = t.as('supervisor', 'sup-3');
    const deferral = {
      loanId: LOAN,
      terms: { type: 'DEFERRAL', deferMonths: 1 },
      hardship: { reasonCode: 'ILLNESS_OR_INJURY', evidenceRefs: ['doc:forged-note'] },
      monthlyIncome: 900_000,
      grade: 'C',
    };
    // Every write route naming a case, loan, customer or request that a collector or supervisor
    // may call, with a body that passes validation, and the out-of-scope principals of its roles.
    const writes: Array<[string, string, unknown, Array<[string, Call]>]> = [
      ['POST', '/restructuring/requests', deferral, [['col-9', col9]]],
      [
        'POST',
        `${REQ}/assessment`,
        {},
        [
          ['col-9', col9],
          ['sup-2', sup2],
          ['sup-3', noTeam],
        ],
      ],
      [
        'POST',
        `${REQ}/approvals`,
        {},
        [
          ['sup-2', sup2],
          ['sup-3', noTeam],
        ],
      ],
      ['POST', `${REQ}/rejection`, { reasonCode: 'CUSTOMER_WITHDREW' }, [['sup-2', sup2]]],
      [
        'POST',
        `${REQ}/offer`,
        { channel: 'SMS' },
        [
          ['col-9', col9],
          ['sup-2', sup2],
        ],
      ],
      ['POST', `${REQ}/acceptance`, { channel: 'PHONE', evidenceRef: 'rec:forged' }, [['col-9', col9]]],
      [
        'POST',
        `/collection/cases/${CASE}/contacts`,
        { channel: 'CALL', outcome: 'NO_ANSWER' },
        [
          ['col-9', col9],
          ['sup-2', sup2],
        ],
      ],
      [
        'POST',
        `/collection/cases/${CASE}/field-visits`,
        { visitId: 'v-forged', plannedOn: '2025-02-18', reason: 'not my case' },
        [
          ['col-9', col9],
          ['sup-2', sup2],
        ],
      ],
      ['POST', `/collection/cases/${CASE}/field-visits/v-1/approve`, {}, [['sup-2', sup2]]],
      ['POST', `/collection/cases/${CASE}/field-visits/v-1/reject`, { reason: 'not my case' }, [['sup-2', sup2]]],
      [
        'POST',
        `/collection/cases/${CASE}/field-visits/v-1/report`,
        { outcome: 'NO_ANSWER' },
        [
          ['col-9', col9],
          ['sup-2', sup2],
        ],
      ],
      [
        'POST',
        `/collection/cases/${CASE}/plan-adjustments`,
        { kind: 'SKIP', stepId: 'call-1', reason: 'not my case' },
        [
          ['col-9', col9],
          ['sup-2', sup2],
        ],
      ],
      ['POST', `/collection/cases/${CASE}/reassign`, { collectorId: 'col-9', reason: 'take it' }, [['sup-2', sup2]]],
      [
        'POST',
        `/collection/cases/${CASE}/holds`,
        { reason: 'DISPUTE' },
        [
          ['col-9', col9],
          ['sup-2', sup2],
        ],
      ],
      ['POST', `/collection/cases/${CASE}/holds/h-1/release`, { resolution: 'not my case' }, [['sup-2', sup2]]],
      ['POST', `/collection/cases/${CASE}/close`, { reason: 'WRITTEN_OFF', note: 'not my case' }, [['sup-2', sup2]]],
      [
        'POST',
        `/loans/accounts/${LOAN}/write-off`,
        { requestId: 'wo-forged', reason: 'not my case' },
        [
          ['sup-2', sup2],
          ['sup-3', noTeam],
        ],
      ],
      ['POST', `/loans/accounts/${LOAN}/write-off/wo-1/approval`, {}, [['sup-2', sup2]]],
      ['POST', `/loans/accounts/${LOAN}/write-off/wo-1/rejection`, { reason: 'not my case' }, [['sup-2', sup2]]],
      [
        'POST',
        `/loans/accounts/${LOAN}/settlements`,
        { settlementId: 'st-forged', amount: 1_000, dueBy: '2025-02-20', reason: 'not my case' },
        [
          ['sup-2', sup2],
          ['sup-3', noTeam],
        ],
      ],
      ['POST', `/loans/accounts/${LOAN}/settlements/st-1/approval`, {}, [['sup-2', sup2]]],
      ['POST', `/loans/accounts/${LOAN}/settlements/st-1/rejection`, { reason: 'not my case' }, [['sup-2', sup2]]],
      [
        'POST',
        `/collection/debtors/${CUSTOMER}/opt-outs`,
        { channel: 'SMS', optedOut: true },
        [
          ['col-9', col9],
          ['sup-2', sup2],
        ],
      ],
      ['POST', `/collection/debtors/${CUSTOMER}/third-party-exceptions`, { exceptionId: 'x-1', reason: 'DEBTOR_UNREACHABLE' }, [['sup-2', sup2]]],
      ['POST', `/collection/debtors/${CUSTOMER}/third-party-exceptions/x-1/end`, {}, [['sup-2', sup2]]],
      [
        'POST',
        '/agencies/placements',
        { caseId: CASE, agencyId: 'ag-1', reason: 'not my case' },
        [
          ['sup-2', sup2],
          ['sup-3', noTeam],
        ],
      ],
      [
        'POST',
        `/agencies/placements/${CASE}/recall`,
        { reason: 'not my case' },
        [
          ['sup-2', sup2],
          ['sup-3', noTeam],
        ],
      ],
    ];
    await projectionsCaughtUp(t);
    const before = await eventCount();
    const answers: Array<{ route: string; who: string; status: number; code: unknown; problem: boolean }> = [];
    for (const [method, path, body, principals] of writes) {
      for (const [who, call] of principals) {
        const res = await call(method, path, body);
        answers.push({
          route: `${method} ${path}`,
          who,
          status: res.status,
          code: res.body?.code,
          problem: (res.headers.get('content-type') ?? '').includes('application/problem+json'),
        });
      }
    }
    expect(answers.filter((a) => a.status !== 403 || a.code !== 'CASE_OUT_OF_SCOPE' || !a.problem)).toEqual([]);
    // A customer principal (the bank's app acting for another customer) reads and writes none of
    // it: the customer's own writes name the loan or request in the path, and another's is not found.
    const otherCustomer = t.as('customer', OTHER_CUSTOMER);
    const customerWrites: Array<[string, string, unknown, string]> = [
      ['POST', `/self-service/loans/${LOAN}/promises`, { amount: 103_000, dueOn: '2025-02-20' }, 'LOAN_NOT_FOUND'],
      [
        'POST',
        `/self-service/loans/${LOAN}/restructuring-requests`,
        { terms: deferral.terms, hardship: deferral.hardship, monthlyIncome: 900_000 },
        'LOAN_NOT_FOUND',
      ],
      ['POST', `/self-service/restructuring-requests/${request.requestId}/acceptance`, {}, 'RESTRUCTURING_REQUEST_NOT_FOUND'],
      ['POST', '/self-service/complaints', { kind: 'DISPUTE', category: 'NOT_MY_DEBT', loanId: LOAN }, 'LOAN_NOT_FOUND'],
    ];
    for (const [method, path, body, code] of customerWrites) {
      const res = await otherCustomer(method, path, body);
      expect({ path, status: res.status, code: res.body?.code }).toEqual({ path, status: 404, code });
    }
    for (const path of [`/self-service/loans/${LOAN}`, `/self-service/restructuring-requests/${request.requestId}`])
      expect((await otherCustomer('GET', path)).status).toBe(404);
    expect((await otherCustomer('GET', '/self-service/loans')).body.items).toEqual([]);
    expect((await otherCustomer('GET', '/self-service/restructuring-requests')).body.items).toEqual([]);
    // An agency works only the cases placed with it: on any other case its write is not found,
    // as if the case did not exist, and appends nothing.
    const agency = t.as('agency', 'ag-none');
    const agencyContact = await agency('POST', `/agencies/my/cases/${CASE}/contacts`, { agentId: 'agent-1', channel: 'CALL', outcome: 'NO_ANSWER' });
    expect({ status: agencyContact.status, code: agencyContact.body?.code }).toEqual({ status: 404, code: 'CASE_NOT_FOUND' });
    // The owner, as a customer, reads the same loan and request.
    const owner = t.as('customer', CUSTOMER);
    expectStatus(await owner('GET', `/self-service/loans/${LOAN}`), 200);
    expectStatus(await owner('GET', `/self-service/restructuring-requests/${request.requestId}`), 200);
    // Every write route of the app that names a case, loan, customer or request is either sent
    // above or one no collector or supervisor may call (access-matrix.spec.ts checks the roles),
    // so a new scoped write cannot be added without this test.
    const UNSCOPED_ROLES_ONLY = [
      'PUT /customers/:customerId/personal-data',
      'DELETE /customers/:customerId/personal-data',
      'POST /loans/accounts/:loanId/payments',
      'POST /loans/accounts/:loanId/payments/:reference/reversal',
      'POST /grading/customers/:customerId/profile',
      'POST /grading/customers/:customerId/promise-outcomes',
      'POST /grading/customers/:customerId/restructuring-outcomes',
      'POST /grading/loans/:loanId/classification/overrides',
      'POST /grading/loans/:loanId/classification/overrides/:requestId/approval',
      // A customer's own writes (role customer only), refused above for another customer.
      'POST /self-service/loans/:loanId/promises',
      'POST /self-service/loans/:loanId/restructuring-requests',
      'POST /self-service/restructuring-requests/:requestId/acceptance',
      // The agency principal's write (role agency only), refused above on a case not placed with it.
      'POST /agencies/my/cases/:caseId/contacts',
    ];
    const template = (path: string) =>
      path
        .replace(request.requestId, ':requestId')
        .replace(CASE, ':caseId')
        .replace(CUSTOMER, ':customerId')
        .replace('/field-visits/v-1/', '/field-visits/:visitId/')
        .replace('/holds/h-1/', '/holds/:holdId/')
        .replace(`/loans/accounts/${LOAN}/`, '/loans/accounts/:loanId/')
        .replace('/write-off/wo-1/', '/write-off/:requestId/')
        .replace('/settlements/st-1/', '/settlements/:settlementId/')
        .replace('/third-party-exceptions/x-1/', '/third-party-exceptions/:exceptionId/');
    const sent = new Set(writes.map(([method, path]) => `${method} ${template(path)}`));
    const scopedWrites = [...new Set(routeTable(t.app).map((r) => `${r.method} ${r.url}`))]
      .filter(
        (r) =>
          /^(POST|PUT|PATCH|DELETE) /.test(r) &&
          (/:(caseId|loanId|customerId|requestId)\b/.test(r) || r === 'POST /restructuring/requests' || r === 'POST /agencies/placements'),
      )
      .sort();
    expect(scopedWrites.filter((r) => !sent.has(r) && !UNSCOPED_ROLES_ONLY.includes(r))).toEqual([]);
    expect([...sent].filter((r) => !scopedWrites.includes(r))).toEqual([]);
    expect(await eventCount()).toBe(before);
    // The request is untouched and its owner still works it; the slot still holds it.
    expect((await col1('GET', REQ)).body).toMatchObject({ status: 'Requested', approvals: [] });
    // Writes of the owner and of unscoped roles still go through the same routes.
    expectStatus(await col1('POST', `/collection/debtors/${CUSTOMER}/opt-outs`, { channel: 'SMS', optedOut: true }), 202);
    expectStatus(await t.as('service', 'customer-app')('POST', `/collection/debtors/${CUSTOMER}/opt-outs`, { channel: 'SMS', optedOut: false }), 202);
  });

  it('refuses a write on a debtor or case Collection does not know, with a stable code, for every role', async () => {
    const before = await eventCount();
    for (const call of [col1, supervisor, t.as('service', 'customer-app'), t.as('admin', 'adm-1')]) {
      const res = await call('POST', '/collection/debtors/cust-nobody/opt-outs', { channel: 'SMS', optedOut: true });
      expect({ status: res.status, code: res.body?.code }).toEqual({ status: 404, code: 'DEBTOR_NOT_FOUND' });
    }
    const unknownCase = await supervisor('POST', '/collection/cases/L-nobody-E1/holds', { reason: 'DISPUTE' });
    expect({ status: unknownCase.status, code: unknownCase.body?.code }).toEqual({ status: 404, code: 'CASE_NOT_FOUND' });
    expect(await eventCount()).toBe(before);
  });

  it('moves the access with a reassignment', async () => {
    expectStatus(await supervisor('POST', '/collection/collectors/col-2/trainings', { courseId: 'basic-101', score: 90, completedOn: '2025-01-08' }), 201);
    expectStatus(
      await supervisor('POST', '/collection/collectors/col-2/certifications', {
        certification: 'COLLECTION_BASIC',
        courseId: 'basic-101',
        grantedOn: '2025-01-10',
        expiresOn: '2026-01-10',
      }),
      201,
    );
    await eventually(async () => ((await supervisor('GET', '/collection/collectors/col-2')).body?.certifications?.COLLECTION_BASIC ? true : undefined));
    expectStatus(
      await supervisor('POST', `/collection/cases/${CASE}/reassign`, { collectorId: 'col-2', reason: 'rebalance', businessDate: '2025-02-17' }),
      202,
    );
    await projectionsCaughtUp(t);
    expectOutOfScope(await col1('GET', CLEAR(CUSTOMER)));
    expect((await col1('GET', `/loans/accounts/${LOAN}`)).status).toBe(404);
    expectStatus(await col2('GET', CLEAR(CUSTOMER)), 200);
    expectStatus(await col2('GET', `/loans/accounts/${LOAN}`), 200);
    expect(await clearReaders()).toEqual(['col-1', 'sup-1', 'col-2']);
  });

  it('ends clear reads when the case closes; the collector keeps the loan, as they keep the case', async () => {
    // The case closes as written off once Loans writes the loan off (four eyes).
    expectStatus(await supervisor('POST', `/loans/accounts/${LOAN}/write-off`, { requestId: 'wo-1', reason: 'uncollectable' }), 202);
    expectStatus(await t.as('risk_manager', 'rm-1')('POST', `/loans/accounts/${LOAN}/write-off/wo-1/approval`), 202);
    // The vault learns of the close from Collection's event: wait for its read model to say so.
    await eventually(async () => ((await col2('GET', CLEAR(CUSTOMER))).status === 403 ? true : undefined), 20_000, 'the vault to see the case closed');
    expectOutOfScope(await col2('GET', CLEAR(CUSTOMER)));
    expectOutOfScope(await supervisor('GET', CLEAR(CUSTOMER)));
    expectStatus(await col2('GET', `/collection/cases/${CASE}`), 200);
    expectStatus(await col2('GET', `/loans/accounts/${LOAN}`), 200);
  });
});
