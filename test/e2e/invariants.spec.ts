import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { bootApp, eventually, storeReadable, type TestApp, type TestResponse } from '#test-support/app.js';
import { clocksAt, closeBusinessDay } from '#test-support/clock.js';
import { cashLoan3m } from '#test-support/loans.js';
import type { Position, RecordedEvent } from '#kernel';

/**
 * Rules that span requests, decided on the stream that owns them (docs/invariants.md): for each,
 * N requests race over HTTP at once; exactly one wins, the others get 409 or 422 with a stable
 * code, and the streams hold the winner's events and nothing of the losers'.
 */
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;

const N = 8;
const OPEN_DATE = '2025-02-14';

const planRequest = (loanId: string) => ({
  loanId,
  terms: { type: 'INSTALLMENT_PLAN', method: 'EQUAL_INSTALLMENT', tenorMonths: 6, annualRateBps: 1_200 },
  hardship: { reasonCode: 'JOB_LOSS', evidenceRefs: ['doc:termination-letter-77'] },
  monthlyIncome: 800_000,
  grade: 'C',
});

const ladder = [{ stepId: 'sms-1', when: { dpdDay: 1 }, channel: 'SMS', purpose: 'REMINDER', templateId: 'tpl-reminder', priority: 1 }];

/** Exactly one 2xx; the rest refused with one of the given codes. Returns the winner. */
function oneWinner(responses: readonly TestResponse[], okStatus: number, refused: readonly [number, string][]): TestResponse {
  const winners = responses.filter((r) => r.status === okStatus);
  const losers = responses.filter((r) => r.status !== okStatus);
  expect({ winners: winners.length, statuses: responses.map((r) => r.status).sort() }).toMatchObject({ winners: 1 });
  for (const r of losers) {
    expect(refused).toContainEqual([r.status, r.body.code]);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
  }
  return winners[0];
}

describe('invariants decided on streams, under concurrent requests', () => {
  let t: TestApp;
  let core: Call;
  let supervisor: Call;
  let rm1: Call;
  let rm2: Call;
  const collectors: Call[] = [];

  const stream = (id: string) => t.runtime.store.readStream(id);
  const types = async (id: string) => (await stream(id)).map((e) => e.type);
  /** Every stored event of the streams whose names start with the prefix. */
  async function category(prefix: string): Promise<RecordedEvent[]> {
    await storeReadable(t);
    const events: RecordedEvent[] = [];
    let from: Position | 'start' = 'start';
    for (;;) {
      const page = await t.runtime.store.readAll({ from, maxCount: 1_000, filter: { streamPrefixes: [prefix] } });
      events.push(...page.events);
      if (page.isEnd) return events;
      from = page.position;
    }
  }

  const closeDay = (businessDate: string) => closeBusinessDay(core, businessDate);

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    core = t.as('service', 'core-banking');
    supervisor = t.as('supervisor', 'sup-1');
    rm1 = t.as('risk_manager', 'rm-1');
    rm2 = t.as('risk_manager', 'rm-2');
    for (let i = 0; i < N; i++) collectors.push(t.as('collector', `col-${i + 1}`));
    expect((await core('POST', '/loans/calendar', { openBusinessDate: OPEN_DATE })).status).toBe(201);
    for (const loanId of ['INV-R1', 'INV-R2', 'INV-C1']) {
      expect((await core('POST', '/loans/accounts', cashLoan3m(loanId, `cust-${loanId}`))).status).toBe(201);
    }
    // Two customers with two loans each, for the lookback across a customer's loans.
    for (const loanId of ['INV-K1', 'INV-K2', 'INV-L1', 'INV-L2', 'INV-M1']) {
      expect((await core('POST', '/loans/accounts', cashLoan3m(loanId, `cust-${loanId.slice(0, -1)}`))).status).toBe(201);
    }
    await clocksAt(t, OPEN_DATE);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('one open restructuring per loan', () => {
    const slot = (loanId: string) => `restructuring.slot-${loanId}`;
    const requestsOn = async (loanId: string) => {
      const firsts = (await category('restructuring.request-')).filter(
        (e) => e.type === 'RestructuringRequested' && (e.data as { loanId: string }).loanId === loanId,
      );
      return firsts.map((e) => (e.data as { requestId: string }).requestId);
    };

    it('files exactly one of eight requests sent at once, by different collectors', async () => {
      const responses = await Promise.all(collectors.map((call) => call('POST', '/restructuring/requests', planRequest('INV-R1'))));
      const winner = oneWinner(responses, 201, [[409, 'OPEN_REQUEST_EXISTS']]);
      expect(winner.body).toMatchObject({ events: ['RestructuringRequested'], revision: 0 });
      for (const r of responses.filter((x) => x !== winner)) expect(r.body.requestId).toBe(winner.body.requestId);
      // Nothing half-written: one take on the slot, one request stream, nothing of the losers.
      const taken = await stream(slot('INV-R1'));
      expect(taken.map((e) => [e.type, (e.data as { requestId: string }).requestId])).toEqual([['RestructuringSlotTaken', winner.body.requestId]]);
      expect(await requestsOn('INV-R1')).toEqual([winner.body.requestId]);
      expect((await stream(`restructuring.request-${winner.body.requestId}`))[0].eventId).toBe((taken[0].data as { requestEventId: string }).requestEventId);
    });

    it('releases the slot when the request ends, and again exactly one of eight takes it', async () => {
      const [first] = await requestsOn('INV-R1');
      const rejected = await supervisor('POST', `/restructuring/requests/${first}/rejection`, { reasonCode: 'CUSTOMER_WITHDREW' });
      expect(rejected.status).toBe(202);
      expect((await stream(slot('INV-R1'))).map((e) => [e.type, (e.data as { requestId: string; endedAs?: string }).endedAs ?? null])).toEqual([
        ['RestructuringSlotTaken', null],
        ['RestructuringSlotReleased', 'Rejected'],
      ]);
      const responses = await Promise.all(collectors.map((call) => call('POST', '/restructuring/requests', planRequest('INV-R1'))));
      const winner = oneWinner(responses, 201, [[409, 'OPEN_REQUEST_EXISTS']]);
      expect(winner.body.requestId).not.toBe(first);
      expect(await types(slot('INV-R1'))).toEqual(['RestructuringSlotTaken', 'RestructuringSlotReleased', 'RestructuringSlotTaken']);
      expect((await requestsOn('INV-R1')).sort()).toEqual([first, winner.body.requestId].sort());
    });

    it('a filing that died between the take and the request is finished by the next filing, which is refused', async () => {
      // The state a filer leaves when it crashes after taking the slot: a take, no request stream.
      const [model] = await stream(slot('INV-R1'));
      const orphan = 'orphan-request';
      const data = model.data as { request: Record<string, unknown> };
      await t.runtime.store.appendToStream(
        slot('INV-R2'),
        [
          {
            eventId: '7f1f4c55-1e5a-5d6b-9d55-8a0c1e7f0002',
            type: 'RestructuringSlotTaken',
            schemaVersion: 1,
            data: {
              loanId: 'INV-R2',
              requestId: orphan,
              takenOn: OPEN_DATE,
              requestEventId: '7f1f4c55-1e5a-5d6b-9d55-8a0c1e7f0003',
              request: { ...data.request, requestId: orphan, loanId: 'INV-R2', customerId: 'cust-INV-R2' },
            },
            metadata: model.metadata,
          },
        ],
        'no_stream',
      );
      expect(await stream(`restructuring.request-${orphan}`)).toEqual([]);
      const responses = await Promise.all(collectors.map((call) => call('POST', '/restructuring/requests', planRequest('INV-R2'))));
      for (const r of responses) expect([r.status, r.body.code, r.body.requestId]).toEqual([409, 'OPEN_REQUEST_EXISTS', orphan]);
      const written = await stream(`restructuring.request-${orphan}`);
      expect(written.map((e) => [e.eventId, e.type])).toEqual([['7f1f4c55-1e5a-5d6b-9d55-8a0c1e7f0003', 'RestructuringRequested']]);
      expect(await types(slot('INV-R2'))).toEqual(['RestructuringSlotTaken']);
      expect(await requestsOn('INV-R2')).toEqual([orphan]);
    });
  });

  describe('no restructuring of a customer within the lookback, across the customer’s loans', () => {
    const customerOf = (loanId: string) => `restructuring.customer-cust-${loanId.slice(0, -1)}`;
    const OFFERED = ['RestructuringRequested', 'RestructuringAssessed', 'RestructuringApproved', 'RestructuringOffered'];
    /** A one-month deferral on the loan, taken to an open offer; its request id. */
    async function offered(loanId: string): Promise<string> {
      const filed = await collectors[0]('POST', '/restructuring/requests', {
        ...planRequest(loanId),
        terms: { type: 'DEFERRAL', deferMonths: 1 },
      });
      expect(filed.status).toBe(201);
      const requestId = filed.body.requestId as string;
      expect((await collectors[0]('POST', `/restructuring/requests/${requestId}/assessment`, {})).status).toBe(202);
      expect((await supervisor('POST', `/restructuring/requests/${requestId}/approvals`, {})).status).toBe(202);
      expect((await collectors[0]('POST', `/restructuring/requests/${requestId}/offer`, { channel: 'PHONE' })).status).toBe(202);
      expect(await types(`restructuring.request-${requestId}`)).toEqual(OFFERED);
      return requestId;
    }
    const acceptance = (call: Call, requestId: string, i: number) =>
      call('POST', `/restructuring/requests/${requestId}/acceptance`, { channel: 'PHONE', evidenceRef: `rec:inv-call-${i}` });

    it('records exactly one of eight acceptances on two loans of one customer; the other offer is refused and stays open', async () => {
      const ids = [await offered('INV-K1'), await offered('INV-K2')];
      // The assessment's early answer: neither loan of the customer was restructured yet.
      const assessed = (await stream(`restructuring.request-${ids[1]}`)).find((e) => e.type === 'RestructuringAssessed')!;
      expect((assessed.data as { outcome: string }).outcome).toBe('PASSED');
      const responses = await Promise.all(collectors.map((call, i) => acceptance(call, ids[i % 2], i)));
      // A second acceptance of the winner's own request is refused by the request (already accepted).
      const winner = oneWinner(responses, 202, [
        [409, 'RECENT_RESTRUCTURING'],
        [409, 'INVALID_REQUEST_STATUS'],
      ]);
      expect(winner.body.events).toEqual(['RestructuringAccepted']);
      const winnerId = ids.find((id) => winner.body.streamId === `restructuring.request-${id}`)!;
      const loserId = ids.find((id) => id !== winnerId)!;
      for (const [i, r] of responses.entries()) {
        if (ids[i % 2] !== loserId) continue;
        expect(r.body).toMatchObject({
          status: 409,
          code: 'RECENT_RESTRUCTURING',
          details: { rule: 'NO_RECENT_RESTRUCTURING', lastRestructuredOn: OPEN_DATE, lookbackMonths: 12 },
        });
        // The other loan's request is not named to the caller.
        expect(JSON.stringify(r.body)).not.toContain(winnerId);
      }
      // Nothing half-written: one commitment, the winner's acceptance stored under the id it names,
      // and the loser's request exactly as offered.
      const customer = await stream(customerOf('INV-K1'));
      expect(customer.map((e) => [e.type, (e.data as { requestId: string }).requestId])).toEqual([['RestructuringCommitted', winnerId]]);
      const winnerEvents = await stream(`restructuring.request-${winnerId}`);
      expect(winnerEvents.filter((e) => e.type === 'RestructuringAccepted').map((e) => e.eventId)).toEqual([
        (customer[0].data as { acceptanceEventId: string }).acceptanceEventId,
      ]);
      expect(await types(`restructuring.request-${loserId}`)).toEqual(OFFERED);
      // The winner goes on to activation as any accepted offer does.
      await eventually(
        async () => ((await types(`restructuring.request-${winnerId}`)).includes('RestructuringActivated') ? true : undefined),
        30_000,
        'the winner activated',
      );
      expect(await types(`restructuring.request-${loserId}`)).toEqual(OFFERED);
    });

    it('an acceptance that died between the commitment and the request is finished by the next acceptance, which is refused', async () => {
      const ids = [await offered('INV-L1'), await offered('INV-L2')];
      // The state an acceptance leaves when it crashes after committing: a commitment, no acceptance on the request.
      const first = await stream(`restructuring.request-${ids[0]}`);
      const last = first[first.length - 1];
      const acceptanceEventId = '7f1f4c55-1e5a-5d6b-9d55-8a0c1e7f0011';
      const accepted = {
        requestId: ids[0],
        loanId: 'INV-L1',
        customerId: 'cust-INV-L',
        acceptedOn: OPEN_DATE,
        channel: 'PHONE',
        recordedBy: { id: 'col-1', role: 'collector' },
        evidenceRef: 'rec:inv-call-orphan',
      };
      await t.runtime.store.appendToStream(
        customerOf('INV-L1'),
        [
          {
            eventId: '7f1f4c55-1e5a-5d6b-9d55-8a0c1e7f0012',
            type: 'RestructuringCommitted',
            schemaVersion: 1,
            data: {
              customerId: 'cust-INV-L',
              loanId: 'INV-L1',
              requestId: ids[0],
              committedOn: OPEN_DATE,
              requestRevision: last.revision,
              acceptanceEventId,
              acceptance: accepted,
            },
            metadata: { ...last.metadata, command: 'AcceptOffer' },
          },
        ],
        'no_stream',
      );
      const responses = await Promise.all(collectors.map((call, i) => acceptance(call, ids[1], i)));
      for (const r of responses) expect([r.status, r.body.code]).toEqual([409, 'RECENT_RESTRUCTURING']);
      const written = (await stream(`restructuring.request-${ids[0]}`)).slice(first.length);
      expect(written.map((e) => [e.eventId, e.type, e.revision])).toEqual([[acceptanceEventId, 'RestructuringAccepted', last.revision + 1]]);
      expect(written[0].data).toEqual(accepted);
      expect(await types(customerOf('INV-L1'))).toEqual(['RestructuringCommitted']);
      expect(await types(`restructuring.request-${ids[1]}`)).toEqual(OFFERED);
    });

    it('a commitment that never took effect does not count: the next acceptance voids it on the way', async () => {
      const requestId = await offered('INV-M1');
      const [model] = await stream(`restructuring.request-${requestId}`);
      // A commitment whose acceptance was never written, and whose request has moved on past the revision it names.
      const ghost = 'ghost-request';
      await t.runtime.store.appendToStream(
        customerOf('INV-M1'),
        [
          {
            eventId: '7f1f4c55-1e5a-5d6b-9d55-8a0c1e7f0021',
            type: 'RestructuringCommitted',
            schemaVersion: 1,
            data: {
              customerId: 'cust-INV-M',
              loanId: 'INV-M2',
              requestId: ghost,
              committedOn: OPEN_DATE,
              requestRevision: 3,
              acceptanceEventId: '7f1f4c55-1e5a-5d6b-9d55-8a0c1e7f0022',
              acceptance: { requestId: ghost, loanId: 'INV-M2', customerId: 'cust-INV-M', acceptedOn: OPEN_DATE },
            },
            metadata: { ...model.metadata, command: 'AcceptOffer' },
          },
        ],
        'no_stream',
      );
      const responses = await Promise.all(collectors.map((call, i) => acceptance(call, requestId, i)));
      oneWinner(responses, 202, [[409, 'INVALID_REQUEST_STATUS']]);
      const customer = await stream(customerOf('INV-M1'));
      expect(
        customer.map((e) => [e.type, (e.data as { requestId: string; reason?: string }).requestId, (e.data as { reason?: string }).reason ?? null]),
      ).toEqual([
        ['RestructuringCommitted', ghost, null],
        ['RestructuringCommitmentVoided', ghost, 'NOT_ACCEPTED'],
        ['RestructuringCommitted', requestId, null],
      ]);
      expect(await stream(`restructuring.request-${ghost}`)).toEqual([]);
      expect((await types(`restructuring.request-${requestId}`)).filter((type) => type === 'RestructuringAccepted')).toHaveLength(1);
    });
  });

  describe('one active version per kind', () => {
    it('restructuring policy: of eight publications of one version, one is recorded', async () => {
      const current = (await rm1('GET', '/restructuring/policy')).body;
      const { ...policy } = current;
      const responses = await Promise.all(Array.from({ length: N }, () => rm1('PUT', '/restructuring/policy', { ...policy, version: 'inv-2' })));
      oneWinner(responses, 201, [[409, 'POLICY_VERSION_EXISTS']]);
      const proposed = (await stream('restructuring.policy-book')).filter((e) => (e.data as { policy: { version: string } }).policy.version === 'inv-2');
      expect(proposed.map((e) => e.type)).toEqual(['RestructuringPolicyProposed']);
      // Eight approvals by the checker: one publication.
      const rm2 = t.as('risk_manager', 'rm-2');
      const approvals = await Promise.all(Array.from({ length: N }, () => rm2('POST', '/restructuring/policy/versions/inv-2/approval')));
      expect(approvals.map((r) => r.status)).toEqual(Array(N).fill(202));
      const published = (await stream('restructuring.policy-book')).filter(
        (e) => e.type === 'RestructuringPolicyPublished' && (e.data as { policy: { version: string } }).policy.version === 'inv-2',
      );
      expect(published).toHaveLength(1);
      expect((await rm1('GET', '/restructuring/policy')).body.version).toBe('inv-2');
    });

    it('contact rules: of eight publications of one version, one is recorded', async () => {
      const current = (await rm1('GET', '/collection/contact-rules')).body.inForce;
      const responses = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          rm1('POST', '/collection/contact-rules', { effectiveFrom: `2025-03-0${i + 1}`, reason: 'stricter hours', rules: { ...current, version: 'CN-INV' } }),
        ),
      );
      oneWinner(responses, 201, [[409, 'CONTACT_RULES_VERSION_EXISTS']]);
      const book = (await t.runtime.store.readAll({ filter: { streamPrefixes: ['collection.rules-contact'] } })).events;
      expect(book.filter((e) => JSON.stringify(e.data).includes('"CN-INV"'))).toHaveLength(1);
    });

    it('collection strategy: of eight activations of one version from different dates, one is recorded', async () => {
      expect(
        (await rm1('POST', '/collection/strategies', { strategyId: 'inv-strat', keys: [{ grade: 'C', stage: 'M1' }], champion: ladder, reason: 'baseline' }))
          .status,
      ).toBe(201);
      expect((await rm2('POST', '/collection/strategies/inv-strat/versions/1/approve', {})).status).toBe(202);
      const responses = await Promise.all(
        Array.from({ length: N }, (_, i) => rm2('POST', '/collection/strategies/inv-strat/versions/1/activate', { effectiveFrom: `2025-03-1${i}` })),
      );
      const winner = oneWinner(responses, 202, [[409, 'STRATEGY_ALREADY_ACTIVE']]);
      const activations = (await stream('collection.strategy-inv-strat')).filter((e) => e.type === 'StrategyVersionActivated');
      expect(activations).toHaveLength(1);
      expect(winner.body.events).toEqual(['StrategyVersionActivated']);
    });

    it('grading policy: eight activations of one version move the registry once', async () => {
      const template = await rm1('GET', '/grading/policies/template');
      expect((await rm1('POST', '/grading/policies', { policyId: 'inv-policy', document: template.body.document, reason: 'first scorecard' })).status).toBe(
        201,
      );
      expect((await rm2('POST', '/grading/policies/inv-policy/approve', { version: 1 })).status).toBe(202);
      const responses = await Promise.all(Array.from({ length: N }, () => rm2('POST', '/grading/policies/inv-policy/activate', { effectiveFrom: OPEN_DATE })));
      for (const r of responses) expect(r.status === 202 || (r.status === 409 && typeof r.body.code === 'string')).toBe(true);
      expect(responses.filter((r) => r.status === 202 && r.body.events?.length).length).toBeLessThanOrEqual(1);
      expect(await types('grading.policies-registry')).toEqual(['ActivePolicyChanged']);
      expect((await types('grading.policy-inv-policy')).filter((type) => type === 'PolicyActivated')).toHaveLength(1);
    });
  });

  describe('a cited review must exist', () => {
    it('refuses every proposal citing a review that does not exist, and appends nothing', async () => {
      const before = await types('collection.strategy-inv-strat');
      const responses = await Promise.all(
        Array.from({ length: N }, () =>
          rm1('POST', '/collection/strategies', {
            strategyId: 'inv-strat',
            keys: [{ grade: 'C', stage: 'M1' }],
            champion: ladder,
            reason: 'revision',
            reviewId: 'no-such-review',
          }),
        ),
      );
      for (const r of responses) expect([r.status, r.body.code]).toEqual([422, 'REVIEW_NOT_FOUND']);
      expect(await types('collection.strategy-inv-strat')).toEqual(before);
    });

    it('records exactly one of eight proposals citing a review that exists', async () => {
      const review = await rm1('POST', '/monitoring/reviews', { strategyId: 'inv-strat', strategyVersion: 1, from: OPEN_DATE, to: OPEN_DATE });
      expect(review.status).toBe(201);
      const responses = await Promise.all(
        Array.from({ length: N }, () =>
          rm1('POST', '/collection/strategies', {
            strategyId: 'inv-strat',
            keys: [{ grade: 'C', stage: 'M1' }],
            champion: ladder,
            reason: 'revision',
            reviewId: review.body.reviewId,
          }),
        ),
      );
      oneWinner(responses, 201, [[409, 'STRATEGY_PROPOSAL_PENDING']]);
      const proposed = (await stream('collection.strategy-inv-strat')).filter((e) => e.type === 'StrategyVersionProposed');
      expect(proposed.map((e) => (e.data as { reviewId: string | null }).reviewId)).toEqual([null, review.body.reviewId]);
    });
  });

  describe('one open collection case per loan', () => {
    it('of eight closes of one business day, one is recorded; the loan that fell due gets one case', async () => {
      await closeDay(OPEN_DATE);
      await closeDay('2025-02-15');
      // Due on the 15th and unpaid: one day past due when the 16th closes.
      const responses = await Promise.all(Array.from({ length: N }, () => core('POST', '/loans/calendar/close', { businessDate: '2025-02-16' })));
      // Closing a closed day again is a repeat of the same fact: accepted, nothing appended.
      for (const r of responses) expect(r.status).toBe(202);
      expect(responses.filter((r) => r.body.events.length > 0).map((r) => r.body.events)).toEqual([['BusinessDayClosed']]);
      expect((await types('loans.calendar-main')).filter((type) => type === 'BusinessDayClosed')).toHaveLength(3);
      await eventually(
        async () => {
          const run = await core('GET', '/loans/calendar/days/2025-02-16');
          return run.status === 200 && run.body.status === 'completed' ? true : undefined;
        },
        20_000,
        'end of day 2025-02-16',
      );
      const caseId = 'INV-C1-E1';
      await eventually(async () => ((await types(`collection.case-${caseId}`)).length ? true : undefined), 20_000, 'the case opened');
      expect((await types('loans.loan-INV-C1')).filter((type) => type === 'LoanBecameDelinquent')).toHaveLength(1);
      // $all shows an event once the read horizon has passed it (readStream sees it at commit).
      const cases = await eventually(
        async () => {
          const opened = (await category('collection.case-INV-C1-')).filter((e) => e.type === 'CaseOpened');
          return opened.length ? opened : undefined;
        },
        20_000,
        'the opening in $all',
      );
      expect(cases.map((e) => e.streamId)).toEqual([`collection.case-${caseId}`]);
    });
  });
});
