import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { checkStoredEvents } from '#test-support/kafka/published-contract.js';
import { bootApp, eventually, storeReadable, projectionsCaughtUp, type TestApp, type TestResponse } from '#test-support/app.js';
import { cashLoan3m } from '#test-support/loans.js';
import { clocksAt } from '#test-support/clock.js';
import { addDays } from '#kernel';

/**
 * Grading end to end, over HTTP, with the Loans context running: customers' loans registered and
 * profiles reported; a grading policy proposed, previewed, approved by another risk manager and
 * activated; the portfolio regraded; a delinquency (a day closed by the Loans end of day) moving a
 * grade; a second policy superseding the first; the history explaining each grade.
 *
 * Customers (one 3,000.00 loan each, first installment due 2024-02-15):
 * - good: bureau 720, DTI 20%  -> 690 (A under the default policy);
 * - late: bureau 620, DTI 45%  -> 620 (B), then 1 day past due -> 490 (D);
 * - thin: no profile reported  -> 570 (C).
 */
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;

const loan = (loanId: string, customerId: string) => cashLoan3m(loanId, customerId, 2024);

describe('grading over HTTP', () => {
  let t: TestApp;
  let core: Call;
  let alice: Call;
  let bob: Call;
  let supervisor: Call;
  let collector: Call;

  const grade = async (customerId: string, expected: string, policy?: string) =>
    eventually(
      async () => {
        const res = await supervisor('GET', `/grading/customers/${customerId}`);
        return res.status === 200 && res.body.grade === expected && (!policy || `${res.body.policy.policyId}@${res.body.policy.version}` === policy)
          ? res.body
          : undefined;
      },
      60_000,
      `${customerId} graded ${expected}${policy ? ` under ${policy}` : ''}`,
    );

  const runDone = async (runId: string) =>
    eventually(
      async () => {
        const res = await supervisor('GET', `/grading/runs/${runId}`);
        return res.status === 200 && res.body.status === 'completed' ? res.body : undefined;
      },
      60_000,
      `run ${runId} completed`,
    );

  async function closeDay(businessDate: string) {
    expect((await core('POST', '/loans/calendar/close', { businessDate })).status).toBe(202);
    await eventually(
      async () => {
        const res = await supervisor('GET', `/loans/calendar/days/${businessDate}`);
        return res.status === 200 && res.body.status === 'completed' ? true : undefined;
      },
      60_000,
      `end of day ${businessDate}`,
    );
    await clocksAt(t, addDays(businessDate, 1));
  }

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    core = t.as('service', 'core-banking');
    alice = t.as('risk_manager', 'rm-alice');
    bob = t.as('risk_manager', 'rm-bob');
    supervisor = t.as('supervisor', 'sup-1');
    collector = t.as('collector', 'col-1');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('grades the portfolio under a policy proposed, previewed, approved by another risk manager and activated', async () => {
    expect((await core('POST', '/loans/calendar', { openBusinessDate: '2024-02-14' })).status).toBe(201);
    await clocksAt(t, '2024-02-14');
    for (const [loanId, customerId] of [
      ['L-good', 'good'],
      ['L-late', 'late'],
      ['L-thin', 'thin'],
    ]) {
      expect((await core('POST', '/loans/accounts', loan(loanId, customerId))).status).toBe(201);
    }
    // good and thin pay their first installment on time; late does not.
    for (const loanId of ['L-good', 'L-thin']) {
      expect((await core('POST', `/loans/accounts/${loanId}/payments`, { reference: `TX-${loanId}`, amount: 103_000, valueDate: '2024-02-14' })).status).toBe(
        202,
      );
    }
    const good = await core('POST', '/grading/customers/good/profile', {
      source: 'core-banking',
      bureauScore: 720,
      monthlyIncome: 1_500_000,
      monthlyObligations: 300_000,
      asOf: '2024-02-14',
    });
    expect(good.status).toBe(202);
    expect(good.body.events).toEqual(['CustomerProfileUpdated']);
    expect(
      (
        await core('POST', '/grading/customers/late/profile', {
          source: 'core-banking',
          bureauScore: 620,
          monthlyIncome: 1_000_000,
          monthlyObligations: 450_000,
          asOf: '2024-02-14',
        })
      ).status,
    ).toBe(202);
    // Personal data never goes in: an unknown field (a name) is refused.
    const named = await core('POST', '/grading/customers/late/profile', { source: 'core-banking', bureauScore: 600, fullName: 'x' });
    expect([named.status, named.body.code]).toEqual([400, 'VALIDATION_FAILED']);

    // Nothing is graded before a policy is in force.
    await eventually(async () => ((await supervisor('GET', '/grading/customers/thin')).status === 200 ? true : undefined), 60_000, 'thin known from its loan');
    expect((await supervisor('GET', '/grading/customers/good')).body.grade).toBeNull();

    const template = await alice('GET', '/grading/policies/template');
    const proposed = await alice('POST', '/grading/policies', {
      policyId: 'consumer-2024',
      document: template.body.document,
      reason: 'first scorecard for the cash loan book',
      on: '2024-02-14',
    });
    expect(proposed.status).toBe(201);
    expect(proposed.body).toMatchObject({ streamId: 'grading.policy-consumer-2024', events: ['PolicyDraftProposed'] });

    // Before approval: what would the draft do to today's portfolio?
    await projectionsCaughtUp(t);
    const preview = await alice('GET', '/grading/policies/consumer-2024/preview?asOf=2024-02-14');
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ candidate: { id: 'consumer-2024', version: 1 }, against: null, customers: 3, balance: 700_000 });
    expect(preview.body.matrix).toEqual([
      { from: 'UNGRADED', to: 'A', customers: 1, balance: 200_000 },
      { from: 'UNGRADED', to: 'B', customers: 1, balance: 300_000 },
      { from: 'UNGRADED', to: 'C', customers: 1, balance: 200_000 },
    ]);
    expect(await t.runtime.store.readStream('grading.customer-good').then((es) => es.map((e) => e.type))).toEqual(['CustomerProfileUpdated']);

    const self = await alice('POST', '/grading/policies/consumer-2024/approve', { version: 1 });
    expect([self.status, self.body.code]).toEqual([403, 'MAKER_CANNOT_CHECK']);
    const approved = await bob('POST', '/grading/policies/consumer-2024/approve', { version: 1, comment: 'reviewed the bins' });
    expect([approved.status, approved.body.events]).toEqual([202, ['PolicyApproved']]);
    const early = await bob('POST', '/grading/policies/consumer-2024/activate', { effectiveFrom: '2024-02-15', businessDate: '2024-02-14' });
    expect([early.status, early.body.code]).toEqual([422, 'EFFECTIVE_DATE_IN_FUTURE']);
    // Backdated: a policy cannot take effect before the open business date, nor can the caller say what today is.
    const backdated = await bob('POST', '/grading/policies/consumer-2024/activate', { effectiveFrom: '2020-01-01' });
    expect([backdated.status, backdated.body.code, backdated.body.details]).toEqual([
      422,
      'EFFECTIVE_DATE_IN_PAST',
      { effectiveFrom: '2020-01-01', businessDate: '2024-02-14' },
    ]);
    const statedToday = await bob('POST', '/grading/policies/consumer-2024/activate', { effectiveFrom: '2020-01-01', businessDate: '2020-01-01' });
    expect([statedToday.status, statedToday.body.code]).toEqual([422, 'BUSINESS_DATE_NOT_OPEN']);
    expect(await t.runtime.store.readStream('grading.policies-registry')).toEqual([]);
    const activated = await bob('POST', '/grading/policies/consumer-2024/activate', { effectiveFrom: '2024-02-14', businessDate: '2024-02-14' });
    // The request records PolicyActivated unless the activation reactor, following the registry's
    // move, recorded it a moment earlier (then the request's own append is a repeat): either way
    // the policy stream holds it exactly once.
    expect(activated.status).toBe(202);
    expect([[], ['PolicyActivated']]).toContainEqual(activated.body.events);
    expect((await t.runtime.store.readStream('grading.policies-registry')).map((e) => e.type)).toEqual(['ActivePolicyChanged']);
    await eventually(async () =>
      (await t.runtime.store.readStream('grading.policy-consumer-2024')).some((e) => e.type === 'PolicyActivated') ? true : undefined,
    );
    expect((await t.runtime.store.readStream('grading.policy-consumer-2024')).filter((e) => e.type === 'PolicyActivated')).toHaveLength(1);

    const run = await runDone('regrade-consumer-2024-v1');
    expect(run).toMatchObject({
      kind: 'regrade',
      asOf: '2024-02-14',
      processed: 3,
      changed: 3,
      total: 3,
      progressBps: 10_000,
      cause: { type: 'policy-activated', policyId: 'consumer-2024', version: 1 },
    });
    expect((await grade('good', 'A')).score).toBe(690);
    expect((await grade('late', 'B')).score).toBe(620);
    expect((await grade('thin', 'C')).score).toBe(570);
  });

  it('a collection strategy for grade B customers in M1 (explained below)', async () => {
    const open = '2024-02-14'; // the open business date: the next test closes it
    const champion = [{ stepId: 'sms-1', when: { dpdDay: 1 }, channel: 'SMS', purpose: 'REMINDER', templateId: 'tpl-reminder' }];
    expect(
      (await alice('POST', '/collection/strategies', { strategyId: 'std-B-M1', keys: [{ grade: 'B', stage: 'M1' }], champion, reason: 'grade B reminders' }))
        .status,
    ).toBe(201);
    expect((await bob('POST', '/collection/strategies/std-B-M1/versions/1/approve', {})).status).toBe(202);
    expect((await bob('POST', '/collection/strategies/std-B-M1/versions/1/activate', { effectiveFrom: open })).status).toBe(202);
    await eventually(async () => ((await alice('GET', '/collection/strategies/std-B-M1')).body.versions?.[0]?.status === 'ACTIVE' ? true : undefined));
  });

  it('a delinquency reported by Loans moves the grade, and the history explains each grade', async () => {
    for (const day of ['2024-02-14', '2024-02-15', '2024-02-16']) await closeDay(day);
    const d = await grade('late', 'D');
    expect(d).toMatchObject({ score: 490, gradedOn: '2024-02-16', policy: { policyId: 'consumer-2024', version: 1 } });
    expect(d.factors).toContainEqual({ factor: 'currentDpd', value: 1, points: -40 });

    const history = await supervisor('GET', '/grading/customers/late/history');
    expect(history.status).toBe(200);
    expect(history.body.total).toBe(2);
    const [now, before] = history.body.items;
    expect(now).toMatchObject({ grade: 'D', previousGrade: 'B', score: 490, policy: { policyId: 'consumer-2024', version: 1 }, asOf: '2024-02-16' });
    expect(['LoanBecameDelinquent', 'DelinquencyStageChanged']).toContain(now.trigger.type);
    const triggering = (await t.runtime.store.readStream('loans.loan-L-late')).find((e) => e.eventId === now.trigger.eventId);
    expect(triggering?.type).toBe(now.trigger.type);
    expect(now.explanation).toBe(
      'D: score 490 = base 500, currentDpd=1 -40, monthsOnBook=1 -10, debtToIncomeBps=4500 +10, brokenPromises12m=0 +10, bureauScore=620 +20; D needs 400 and C needs 500',
    );
    expect(before).toMatchObject({ grade: 'B', previousGrade: null, score: 620, trigger: { type: 'PortfolioRunStarted' } });
    expect(before.explanation).toContain('B: score 620 = base 500');

    // Profile facts behind a grade are for risk roles; a supervisor sees grade and factors only,
    // and a collector without a case of the customer does not see the customer at all.
    expect((await supervisor('GET', '/grading/customers/late')).body.facts.profile).toBeUndefined();
    expect((await collector('GET', '/grading/customers/late')).body.code).toBe('CUSTOMER_NOT_FOUND');
    expect((await alice('GET', '/grading/customers/late')).body.facts.profile).toMatchObject({ bureauScore: 620, monthlyIncome: 1_000_000 });

    // The loan's five-category classification followed the delinquency too.
    const classification = await eventually(async () => {
      const res = await supervisor('GET', '/grading/loans/L-late/classification');
      return res.status === 200 && res.body.category === 'special_mention' ? res.body : undefined;
    });
    expect(classification).toMatchObject({ previous: 'normal', rule: 'overdue', rulesVersion: 'builtin-2023', dpd: 1 });
    expect((await supervisor('GET', '/grading/customers/late')).body.loans).toEqual([
      expect.objectContaining({ loanId: 'L-late', balance: 300_000, delinquent: true, reportedDpd: 1, category: 'special_mention', rule: 'overdue' }),
    ]);
    const summary = await supervisor('GET', '/grading/classifications/summary');
    expect(summary.body.categories.slice(0, 2)).toEqual([
      { category: 'normal', loans: 2, balance: 400_000 },
      { category: 'special_mention', loans: 1, balance: 300_000 },
    ]);
  });

  it('explains a collection action by the grade and the grading policy version it rested on, beside the strategy step and version', async () => {
    const scheduled = await eventually(async () => (await t.runtime.store.readStream('collection.case-L-late-E1')).find((e) => e.type === 'ActionScheduled'));
    const res = await supervisor('GET', `/audit/events/${scheduled.eventId}/explain`);
    expect(res.status).toBe(200);
    expect(res.body.chain[0].data).toMatchObject({
      stepId: 'sms-1',
      strategy: { strategyId: 'std-B-M1', version: 1 },
      grade: 'B',
      gradingPolicy: 'consumer-2024@v1',
    });
    const opened = (await t.runtime.store.readStream('collection.case-L-late-E1')).find((e) => e.type === 'CaseOpened')!;
    expect(opened.data).toMatchObject({ grade: 'B', gradingPolicy: 'consumer-2024@v1' });
  });

  it('grades a bureau profile without asOf as of the calendar’s business date, not the server’s clock', async () => {
    // The calendar is on 2024-02-17 while the server's clock is years later.
    expect(new Date().toISOString().slice(0, 10) > '2024-02-17').toBe(true);
    const reported = await core('POST', '/grading/customers/late/profile', { source: 'credit-bureau', bureauScore: 590 });
    expect([reported.status, reported.body.events]).toEqual([202, ['CustomerProfileUpdated']]);
    const [updated] = (await t.runtime.store.readStream('grading.customer-late')).filter((e) => e.type === 'CustomerProfileUpdated').slice(-1);
    expect(updated.data).toMatchObject({ asOf: '2024-02-17' });
    const regraded = await eventually(
      async () => {
        const res = await supervisor('GET', '/grading/customers/late');
        return res.body.gradedOn === '2024-02-17' ? res.body : undefined;
      },
      60_000,
      'late regraded as of the business date',
    );
    // Two days past due on the 17th (not hundreds, as the wall clock's date would say, which would
    // cost 200 points and grade E): 500 - 40 - 10 + 10 + 10 - 20 (bureau 590).
    expect(regraded.factors).toContainEqual({ factor: 'currentDpd', value: 2, points: -40 });
    expect(regraded).toMatchObject({ grade: 'D', score: 450 });
    // A stated date after the open business date is not trusted.
    const future = await core('POST', '/grading/customers/late/profile', { source: 'credit-bureau', bureauScore: 622, asOf: '2026-12-03' });
    expect([future.status, future.body.code]).toEqual([422, 'AS_OF_AFTER_BUSINESS_DATE']);
  });

  it('a second policy supersedes the first: preview against it, activation retires it, the portfolio moves', async () => {
    const first = (await alice('GET', '/grading/policies/template')).body.document;
    const stricter = { ...first, thresholds: { A: 700, B: 600, C: 500, D: 400 } };
    expect(
      (await alice('POST', '/grading/policies', { policyId: 'consumer-2024b', document: stricter, reason: 'A only above 700', on: '2024-02-16' })).status,
    ).toBe(201);
    const preview = await bob('GET', '/grading/policies/consumer-2024b/preview?asOf=2024-02-16');
    expect(preview.body).toMatchObject({ against: { id: 'consumer-2024', version: 1 }, customers: 3, unchanged: 2, upgraded: 0, downgraded: 1 });
    expect(preview.body.matrix).toEqual([
      { from: 'A', to: 'B', customers: 1, balance: 200_000 },
      { from: 'C', to: 'C', customers: 1, balance: 200_000 },
      { from: 'D', to: 'D', customers: 1, balance: 300_000 },
    ]);
    const diff = await eventually(async () => {
      const res = await supervisor('GET', '/grading/policies/diff?from=consumer-2024@1&to=consumer-2024b@1');
      return res.status === 200 ? res.body : undefined;
    });
    expect(diff.changes).toEqual([
      { path: 'thresholds.A', from: 640, to: 700 },
      { path: 'thresholds.B', from: 580, to: 600 },
    ]);

    expect((await bob('POST', '/grading/policies/consumer-2024b/approve', { version: 1 })).status).toBe(202);
    const activated = await alice('POST', '/grading/policies/consumer-2024b/activate', { effectiveFrom: '2024-02-17', businessDate: '2024-02-17' });
    expect(activated.status).toBe(202);
    const retired = (await t.runtime.store.readStream('grading.policy-consumer-2024')).at(-1)!;
    expect(retired).toMatchObject({
      type: 'PolicyRetired',
      data: { reason: 'superseded by consumer-2024b@1', supersededBy: { policyId: 'consumer-2024b', version: 1 } },
    });

    await runDone('regrade-consumer-2024b-v1');
    expect((await grade('good', 'B', 'consumer-2024b@1')).score).toBe(690);
    await grade('thin', 'C', 'consumer-2024b@1');
    await grade('late', 'D', 'consumer-2024b@1');
    const goodHistory = await supervisor('GET', '/grading/customers/good/history');
    expect(goodHistory.body.items.map((h: { grade: string; policy: { policyId: string } }) => [h.grade, h.policy.policyId])).toEqual([
      ['B', 'consumer-2024b'],
      ['A', 'consumer-2024'],
    ]);
    expect(goodHistory.body.items[0].explanation).toMatch(/^B: score 690 = base 500, .*; B needs 600 and A needs 700$/);

    const versions = await eventually(async () => {
      const res = await supervisor('GET', '/grading/policies');
      return res.body.items?.length === 2 && res.body.items.some((v: { status: string }) => v.status === 'retired') ? res.body : undefined;
    });
    expect(
      versions.items.map((v: { id: string; status: string; proposedBy: string; reviewedBy: string }) => [v.id, v.status, v.proposedBy, v.reviewedBy]),
    ).toEqual([
      ['consumer-2024b', 'active', 'rm-alice', 'rm-bob'],
      ['consumer-2024', 'retired', 'rm-alice', 'rm-bob'],
    ]);
    const active = await collector('GET', '/grading/policies/active');
    expect(active.body.active).toEqual({ id: 'consumer-2024b', version: 1, effectiveFrom: '2024-02-17' });

    // The second policy took effect on the 17th, the open business date it was activated on.
    const distribution = await supervisor('GET', '/grading/distribution?from=2024-02-14&to=2024-02-17');
    expect(
      distribution.body.points.map((p: { date: string; counts: Record<string, number> }) => [p.date, p.counts.A, p.counts.B, p.counts.C, p.counts.D]),
    ).toEqual([
      ['2024-02-14', 1, 1, 1, 0],
      ['2024-02-16', 1, 0, 1, 1],
      ['2024-02-17', 0, 1, 1, 1],
    ]);
  });

  it('reported facts that change nothing append nothing; refused commands append nothing', async () => {
    const before = (await t.runtime.store.readStream('grading.customer-good')).length;
    const same = await core('POST', '/grading/customers/good/profile', { source: 'credit-bureau', bureauScore: 720 });
    expect([same.status, same.body.events]).toEqual([202, []]);
    const retiredAgain = await alice('POST', '/grading/policies/consumer-2024/approve', { version: 1 });
    expect([retiredAgain.status, retiredAgain.body.code]).toEqual([409, 'POLICY_NOT_DRAFT']);
    const badDoc = await alice('POST', '/grading/policies', { policyId: 'broken', document: { basePoints: 1 }, reason: 'x' });
    expect([badDoc.status, badDoc.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await t.runtime.store.readStream('grading.customer-good')).length).toBe(before);
    expect(await t.runtime.store.readStream('grading.policy-broken')).toEqual([]);
  });

  it('a broken promise regrades the customer; activated classification rules reclassify the book', async () => {
    const broken = await core('POST', '/grading/customers/good/promise-outcomes', { promiseId: 'PTP-1', outcome: 'broken', on: '2024-02-16' });
    expect([broken.status, broken.body.events]).toEqual([202, ['PromiseOutcomeRecorded']]);
    const after = await eventually(async () => {
      const res = await supervisor('GET', '/grading/customers/good');
      return res.body.score === 660 ? res.body : undefined;
    });
    expect(after.grade).toBe('B');
    const history = await supervisor('GET', '/grading/customers/good/history');
    expect(history.body.items[0]).toMatchObject({ grade: 'B', previousGrade: 'B', score: 660, trigger: { type: 'PromiseOutcomeRecorded' } });
    expect(history.body.items[0].factors).toContainEqual({ factor: 'brokenPromises12m', value: 1, points: -20 });

    const rules = (await alice('GET', '/grading/classification-rules/template')).body.document;
    expect(rules).toMatchObject({ specialMentionFromDpd: 1, substandardOverDpd: 90, doubtfulOverDpd: 270, lossOverDpd: 360 });
    const proposed = await alice('POST', '/grading/classification-rules', {
      rulesetId: 'strict-2024',
      document: { ...rules, substandardOverDpd: 0 },
      reason: 'any arrears is substandard',
    });
    expect([proposed.status, proposed.body.events]).toEqual([201, ['ClassificationRulesProposed']]);
    const lax = await alice('POST', '/grading/classification-rules', { rulesetId: 'lax', document: { ...rules, lossOverDpd: 720 }, reason: 'x' });
    expect([lax.status, lax.body.code]).toEqual([422, 'RULES_INVALID']);
    expect((await bob('POST', '/grading/classification-rules/strict-2024/approve', { version: 1 })).status).toBe(202);
    expect((await bob('POST', '/grading/classification-rules/strict-2024/activate', { effectiveFrom: '2024-02-17' })).status).toBe(202);
    const run = await runDone('reclassify-strict-2024-v1');
    // Every loan is recorded under the activated version, the one whose category stays too.
    expect(run).toMatchObject({ kind: 'reclassify', processed: 3, changed: 3, cause: { type: 'rules-activated', rulesetId: 'strict-2024' } });
    const late = await eventually(async () => {
      const res = await supervisor('GET', '/grading/loans/L-late/classification');
      return res.body.rulesVersion === 'strict-2024@1' ? res.body : undefined;
    });
    expect(late).toMatchObject({ category: 'substandard', previous: 'special_mention', rule: 'overdue.over-substandard-days' });
    expect((await supervisor('GET', '/grading/loans/L-good/classification')).body).toMatchObject({
      category: 'normal',
      previous: 'normal',
      rulesVersion: 'strict-2024@1',
    });
  });

  it('rebuilding the regrader replays every trigger and changes no grade: older triggers never win', async () => {
    const gradingEvents = async () => {
      await storeReadable(t);
      const all = await t.runtime.store.readAll({
        from: 'start',
        maxCount: 100_000,
        filter: { eventTypes: ['CustomerGraded', 'LoanClassified', 'PolicyActivated', 'PolicyRetired', 'PortfolioRunStarted'] },
      });
      return all.events.map((e) => e.eventId);
    };
    const before = await gradingEvents();
    const rebuilt = await t.request('POST', '/admin/projections/grading_regrader/rebuild');
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body.events).toBeGreaterThan(0);
    expect(await gradingEvents()).toEqual(before);
    expect((await supervisor('GET', '/grading/customers/late')).body).toMatchObject({ grade: 'D', policy: { policyId: 'consumer-2024b', version: 1 } });
    expect((await supervisor('GET', '/grading/runs/regrade-consumer-2024b-v1')).body.status).toBe('completed');
  });

  it('publishes grades and loan classifications as Kafka messages valid against docs/asyncapi.yaml', async () => {
    const contract = await checkStoredEvents(t.runtime.store, CONTEXTS);
    expect(contract.problems).toEqual([]);
    expect(contract.typesOn('arrears.grading.v1')).toEqual(expect.arrayContaining(['arrears.grading.CustomerGraded', 'arrears.grading.LoanClassified']));
  });
});
