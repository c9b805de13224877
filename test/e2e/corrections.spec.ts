import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { addDays, type RecordedEvent } from '#kernel';
import { bootApp, eventually, projectionsCaughtUp, type TestApp, type TestResponse } from '#test-support/app.js';
import { cashLoan3m } from '#test-support/loans.js';
import { clocksAt, closeBusinessDay } from '#test-support/clock.js';
import { replayEverything } from '#test-support/replay.js';
import { checkStoredEvents } from '#test-support/kafka/published-contract.js';

/**
 * Corrections that reach every context, as they were seen: a backdated payment and the reversal
 * of a payment, through Loans, Grading, Collection and Monitoring, over HTTP on the real app.
 *
 * Four customers with one 3,000.00 loan each (first installment 103,000 fen due 2025-02-15), no
 * bureau profile (570, C under the default policy while current):
 * - ontime pays on the due date;
 * - back is reported past due for 11 days, then core banking posts the payment it received on the
 *   due date (backdated): the phantom episode must go (the seen bug: worstDpd12m 10, 530 not 570);
 * - rev promises to pay by 02-20 and pays on 02-20 (the promise is kept, the case closes cured),
 *   and on 02-26 the payment bounces: one continuous delinquency, the promise and the cure undone;
 * - never never pays: what rev's corrected figures must equal.
 */
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;

describe('corrections that propagate', () => {
  let t: TestApp;
  let core: Call;
  let dialer: Call;
  let alice: Call;
  let bob: Call;
  let supervisor: Call;
  let auditor: Call;

  const stream = (id: string) => t.runtime.store.readStream(id);
  const ofType = async (id: string, type: string) => (await stream(id)).filter((e) => e.type === type);
  const factor = (body: { factors: Array<{ factor: string; value: unknown }> }, name: string) => body.factors.find((f) => f.factor === name)?.value;

  async function closeDay(businessDate: string) {
    await closeBusinessDay(core, businessDate);
    await clocksAt(t, addDays(businessDate, 1));
  }

  async function closeDays(from: string, through: string) {
    for (let d = from; d <= through; d = addDays(d, 1)) await closeDay(d);
  }

  const graded = (customerId: string, check: (body: any) => boolean, what: string) =>
    eventually(
      async () => {
        const res = await supervisor('GET', `/grading/customers/${customerId}`);
        return res.status === 200 && check(res.body) ? res.body : undefined;
      },
      60_000,
      what,
    );

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    core = t.as('service', 'core-banking');
    dialer = t.as('service', 'dialer-1');
    alice = t.as('risk_manager', 'rm-alice');
    bob = t.as('risk_manager', 'rm-bob');
    supervisor = t.as('supervisor', 'sup-1');
    auditor = t.as('auditor', 'aud-1');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sets the scene: four loans graded C, three of them past due from 02-16', async () => {
    expect((await core('POST', '/loans/calendar', { openBusinessDate: '2025-02-14' })).status).toBe(201);
    await clocksAt(t, '2025-02-14');
    for (const name of ['ontime', 'back', 'rev', 'never']) expect((await core('POST', '/loans/accounts', cashLoan3m(`L-${name}`, name))).status).toBe(201);
    const template = await alice('GET', '/grading/policies/template');
    expect(
      (await alice('POST', '/grading/policies', { policyId: 'consumer-2025', document: template.body.document, reason: 'scorecard for the cash loan book' }))
        .status,
    ).toBe(201);
    expect((await bob('POST', '/grading/policies/consumer-2025/approve', { version: 1 })).status).toBe(202);
    expect((await bob('POST', '/grading/policies/consumer-2025/activate', { effectiveFrom: '2025-02-14' })).status).toBe(202);
    for (const name of ['ontime', 'back', 'rev', 'never']) await graded(name, (b) => b.grade === 'C' && b.score === 570, `${name} graded C 570`);

    await closeDay('2025-02-14');
    expect((await core('POST', '/loans/accounts/L-ontime/payments', { reference: 'ot-1', amount: 103_000, valueDate: '2025-02-15' })).status).toBe(202);
    await closeDays('2025-02-15', '2025-02-16');
    await eventually(async () => ((await stream('collection.case-L-rev-E1')).length ? true : undefined), 30_000, 'a case for L-rev');

    // rev promises on 02-17 to pay by 02-20, and pays on 02-20: kept, cured, the case closed.
    const promised = await dialer('POST', '/collection/cases/L-rev-E1/contacts', {
      channel: 'CALL',
      outcome: 'PROMISE_TO_PAY',
      at: '2025-02-17T10:00:00+08:00',
      promise: { promiseId: 'ptp-rev', amount: 103_000, dueOn: '2025-02-20' },
    });
    expect({ status: promised.status, body: promised.status === 201 ? undefined : promised.body }).toEqual({ status: 201, body: undefined });
    await closeDays('2025-02-17', '2025-02-19');
    expect((await core('POST', '/loans/accounts/L-rev/payments', { reference: 'rv-1', amount: 103_000, valueDate: '2025-02-20' })).status).toBe(202);
    await eventually(async () => ((await ofType('collection.case-L-rev-E1', 'CaseClosed')).length ? true : undefined), 30_000, 'L-rev-E1 closed');
    expect((await ofType('collection.case-L-rev-E1', 'PromiseKept')).map((e) => e.data)).toEqual([
      expect.objectContaining({ promiseId: 'ptp-rev', keptOn: '2025-02-20' }),
    ]);
    expect((await ofType('collection.case-L-rev-E1', 'CaseClosed'))[0].data).toMatchObject({ reason: 'CURED', closedOn: '2025-02-20' });
    await closeDays('2025-02-20', '2025-02-25');
    // back has been reported past due since 02-16 and was graded down for it.
    const down = await graded('back', (b) => b.score < 570, 'back graded down');
    expect(factor(down, 'currentDpd')).toBeGreaterThan(0);
  });

  it('a backdated payment: Loans restates the history, Grading drops the phantom episode and regrades, naming the correction', async () => {
    expect((await core('POST', '/loans/accounts/L-back/payments', { reference: 'bk-1', amount: 103_000, valueDate: '2025-02-15' })).status).toBe(202);
    const [restated] = await ofType('loans.loan-L-back', 'DelinquencyRestated');
    expect(restated.data).toMatchObject({
      asOf: '2025-02-26',
      correction: { type: 'PaymentReceived', ref: 'bk-1', effectiveFrom: '2025-02-15', recordedOn: '2025-02-26' },
      before: { episodes: [{ start: '2025-02-16', end: null, maxDpd: 11 }] },
      after: { episodes: [], stages: [{ stage: 'M0', from: '2025-01-15', to: null }], overduePayments: [] },
    });

    const ontime = await graded('ontime', () => true, 'ontime graded');
    const back = await graded('back', (b) => b.score === ontime.score && b.grade === ontime.grade, 'back graded as if it had paid on time');
    expect([back.grade, back.score]).toEqual(['C', 570]);
    expect([factor(back, 'worstDpd12m'), factor(back, 'delinquentEpisodes12m'), factor(back, 'currentDpd')]).toEqual([0, 0, 0]);
    // The corrected grade names the restatement and the correction; the grades before it stay.
    const grades = await ofType('grading.customer-back', 'CustomerGraded');
    const last = grades.at(-1)!;
    expect(last.data).toMatchObject({
      triggerType: 'DelinquencyRestated',
      triggerEventId: restated.eventId,
      restatement: { eventId: restated.eventId, loanId: 'L-back', correction: { type: 'PaymentReceived', ref: 'bk-1' } },
    });
    expect(last.metadata.causationId).toBe(restated.eventId);
    expect(grades.some((g) => (g.data as { score: number }).score < 570)).toBe(true);
  });

  it('a reversal: one continuous episode in Grading, the promise and the cure re-judged in Collection, each naming its cause', async () => {
    expect((await core('POST', '/loans/accounts/L-rev/payments/rv-1/reversal', { reason: 'returned by the payer bank' })).status).toBe(202);
    const loan = await stream('loans.loan-L-rev');
    const reversed = loan.find((e) => e.type === 'PaymentReversed')!;
    const restated = loan.find((e) => e.type === 'DelinquencyRestated')!;
    expect(restated.data).toMatchObject({
      correction: { type: 'PaymentReversed', ref: 'rv-1', effectiveFrom: '2025-02-20', recordedOn: '2025-02-26' },
      before: { episodes: [{ start: '2025-02-16', end: '2025-02-20', maxDpd: 4 }] },
      after: { episodes: [{ start: '2025-02-16', end: null, maxDpd: 11 }], overduePayments: [] },
    });

    // Grading, regraded on 02-26: one episode unpaid since 02-16 (11 days past due), as for the
    // customer who never paid; the bounced payment no longer counts as a payment while past due;
    // the promise outcome it had earned is withdrawn.
    const rev = await graded('rev', (b) => factor(b, 'currentDpd') === 11, 'rev regraded on the reversal');
    expect([factor(rev, 'delinquentEpisodes12m'), factor(rev, 'worstDpd12m'), factor(rev, 'partialPaymentRatioBps')]).toEqual([1, 11, null]);
    const never = await supervisor('GET', '/grading/customers/never');
    expect([factor(never.body, 'delinquentEpisodes12m'), factor(never.body, 'partialPaymentRatioBps')]).toEqual([1, null]);
    await eventually(
      async () => ((await ofType('grading.customer-rev', 'PromiseOutcomeWithdrawn')).length ? true : undefined),
      30_000,
      'the kept outcome withdrawn',
    );

    // Collection: the first case takes the payment back, reopens the promise (its grace days are
    // over: broken) and says its cure did not happen; the delinquency goes on on a new case.
    await eventually(async () => ((await ofType('collection.case-L-rev-E1', 'CaseCureUndone')).length ? true : undefined), 30_000, 'the cure undone');
    const e1 = await stream('collection.case-L-rev-E1');
    const types = e1.map((e) => e.type);
    expect(types.slice(types.indexOf('CasePaymentReversed'))).toEqual(['CasePaymentReversed', 'PromiseReopened', 'PromiseBroken', 'CaseCureUndone']);
    const byType = (type: string) => e1.find((e) => e.type === type) as RecordedEvent<any>;
    expect(byType('PromiseReopened').data).toMatchObject({
      promiseId: 'ptp-rev',
      paidAmount: 0,
      reopenedOn: '2025-02-26',
      cause: { eventId: reversed.eventId, type: 'PaymentReversed', ref: 'rv-1' },
    });
    expect(byType('PromiseReopened').metadata.causationId).toBe(reversed.eventId);
    expect(byType('CaseCureUndone').data).toMatchObject({ curedOn: '2025-02-20', correctedCureOn: null, cause: { eventId: restated.eventId } });
    expect(byType('CaseCureUndone').metadata.causationId).toBe(restated.eventId);
    // The first verdicts stay on the stream beside the corrected ones.
    expect(types).toContain('PromiseKept');
    expect((await stream('collection.case-L-rev-E2')).map((e) => e.type)[0]).toBe('CaseOpened');
  });

  it('Monitoring restates aging and cures, keeping the first figure beside the corrected one', async () => {
    await projectionsCaughtUp(t);
    const back = await auditor('GET', '/monitoring/restatements?loanId=L-back&kind=STAGES');
    expect(back.status).toBe(200);
    expect(back.body.items).toEqual([
      expect.objectContaining({
        kind: 'STAGES',
        correction: expect.objectContaining({ type: 'PaymentReceived', ref: 'bk-1' }),
        before: expect.arrayContaining([expect.objectContaining({ stage: 'M1', from: '2025-02-16' })]),
        after: [{ stage: 'M0', from: '2025-01-15', to: null }],
      }),
    ]);
    const rev = await auditor('GET', '/monitoring/restatements?caseId=L-rev-E1');
    const kinds = Object.fromEntries(
      rev.body.items.map((i: { kind: string; before: unknown; after: unknown }) => [i.kind, { before: i.before, after: i.after }]),
    );
    expect(kinds).toMatchObject({
      CASE_CURE: { before: { curedOn: '2025-02-20' }, after: { curedOn: null } },
      PROMISE: { before: { status: 'KEPT', resolvedOn: '2025-02-20' }, after: { status: 'OPEN', resolvedOn: null } },
    });
    // Aging on 02-20 on the corrected facts: back was current, rev past due (as never).
    const aging = await supervisor('GET', '/monitoring/kpis/aging?from=2025-02-20&to=2025-02-20&granularity=total');
    expect(aging.body.rows.map((r: { stage: string; loans: number }) => [r.stage, r.loans])).toEqual([
      ['M0', 2],
      ['M1', 2],
    ]);
    // The promise kept on the bounced payment is broken now; rev's case is not cured.
    const kept = await supervisor('GET', '/monitoring/kpis/promise_kept_rate?from=2025-02-14&to=2025-02-28&granularity=total');
    expect(kept.body.rows.map((r: { numerator: number; denominator: number }) => [r.numerator, r.denominator])).toEqual([[0, 1]]);
  });

  it('publishes the restatements and re-judgements as Kafka messages valid against docs/asyncapi.yaml', async () => {
    const contract = await checkStoredEvents(t.runtime.store, CONTEXTS);
    expect(contract.problems).toEqual([]);
    expect(contract.typesOn('arrears.loans.v1')).toContain('arrears.loans.DelinquencyRestated');
    expect(contract.typesOn('arrears.collection.v1')).toEqual(
      expect.arrayContaining(['arrears.collection.CasePaymentReversed', 'arrears.collection.PromiseReopened', 'arrears.collection.CaseCureUndone']),
    );
    const regraded = (contract.messages.get('arrears.grading.v1') ?? []).filter((m) => JSON.parse(String(m.value)).restatement);
    expect(regraded.length).toBeGreaterThan(0);
  });

  it('replays, rebuilds and verifies without deciding any reaction again', async () => {
    const replay = await replayEverything(t);
    expect(replay.reactionsChecked).toEqual(expect.arrayContaining(['grading_regrader', 'collection_loan_reactions', 'grading_promise_outcomes']));
  });
});
