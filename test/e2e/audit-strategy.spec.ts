import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { bootApp, eventually, type TestApp, type TestResponse } from '#test-support/app.js';
import { addDays } from '#kernel';
import { clocksAt } from '#test-support/clock.js';
import { cashLoan3m } from '#test-support/loans.js';

/**
 * The audit scenario, end to end over HTTP: a case is worked under strategy v1; a risk manager
 * revises the strategy to v2 citing a champion/challenger review; the case's history and the
 * explanation of each action show which version drove it; a what-if replays the same history under
 * v2 without writing anything; and every one of these audit queries is itself on record.
 */
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;

const STRATEGY = 'std-C-M1';
const LOAN = 'L-AUD';
const CASE = `${LOAN}-E1`;
const step = (stepId: string, dpdDay: number, channel: string, purpose: string) => ({
  stepId,
  when: { dpdDay },
  channel,
  purpose,
  templateId: `tpl-${stepId}`,
});
const V1 = [step('sms-1', 1, 'SMS', 'REMINDER'), step('call-3', 3, 'CALL', 'NEGOTIATION'), step('edu-5', 5, 'EMAIL', 'EDUCATION')];
const V2 = [step('call-1', 1, 'CALL', 'NEGOTIATION'), step('sms-4', 4, 'SMS', 'REMINDER')];

describe('audit: a case under strategy v1, the strategy revised to v2, history, explanations and what-if', () => {
  let t: TestApp;
  let service: Call;
  let rm1: Call;
  let rm2: Call;
  let auditor: Call;
  let reviewId: string;

  async function closeDay(businessDate: string) {
    expect((await service('POST', '/loans/calendar/close', { businessDate })).status).toBe(202);
    await eventually(
      async () => {
        const run = await service('GET', `/loans/calendar/days/${businessDate}`);
        return run.status === 200 && run.body.status === 'completed' ? true : undefined;
      },
      20_000,
      `end of day ${businessDate}`,
    );
    await clocksAt(t, addDays(businessDate, 1));
  }
  const scheduled = async () => (await t.runtime.store.readStream(`collection.case-${CASE}`)).filter((e) => e.type === 'ActionScheduled');

  async function activate(ladder: unknown[], effectiveFrom: string, extra: Record<string, unknown> = {}) {
    const proposed = await rm1('POST', '/collection/strategies', { strategyId: STRATEGY, keys: [{ grade: 'C', stage: 'M1' }], champion: ladder, ...extra });
    expect(proposed.status).toBe(201);
    const version = (await t.runtime.store.readStream(`collection.strategy-${STRATEGY}`)).filter((e) => e.type === 'StrategyVersionProposed').length;
    expect((await rm2('POST', `/collection/strategies/${STRATEGY}/versions/${version}/approve`, {})).status).toBe(202);
    expect((await rm2('POST', `/collection/strategies/${STRATEGY}/versions/${version}/activate`, { effectiveFrom, businessDate: effectiveFrom })).status).toBe(
      202,
    );
    await eventually(
      async () => {
        const res = await rm1('GET', `/collection/strategies/${STRATEGY}`);
        return res.body.versions?.find((v: { version: number; status: string }) => v.version === version && v.status === 'ACTIVE');
      },
      20_000,
      `version ${version} active`,
    );
    return version;
  }

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    service = t.as('service', 'core-banking');
    rm1 = t.as('risk_manager', 'rm-1');
    rm2 = t.as('risk_manager', 'rm-2');
    auditor = t.as('auditor', 'aud-1');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('works the case under v1, then revises the strategy to v2 citing a review', async () => {
    expect((await service('POST', '/loans/calendar', { openBusinessDate: '2025-02-14' })).status).toBe(201);
    await clocksAt(t, '2025-02-14');
    expect(await activate(V1, '2025-02-14', { reason: 'baseline ladder for grade C in M1' })).toBe(1);
    const registered = await service('POST', '/loans/accounts', cashLoan3m(LOAN, 'cust-aud'));
    expect(registered.status).toBe(201);
    // Due 2025-02-15 and unpaid: one day past due on the 16th, the case opens; DPD 3 on the 18th.
    for (const day of ['2025-02-14', '2025-02-15', '2025-02-16', '2025-02-17', '2025-02-18']) await closeDay(day);
    await eventually(async () => ((await scheduled()).length === 2 ? true : undefined), 20_000, 'the v1 steps of days 1 and 3');

    const review = await rm1('POST', '/monitoring/reviews', { strategyId: STRATEGY, strategyVersion: 1, from: '2025-02-14', to: '2025-02-18' });
    expect(review.status).toBe(201);
    reviewId = review.body.reviewId;
    expect(await activate(V2, '2025-02-19', { reason: `call first: review ${reviewId}`, reviewId })).toBe(2);

    // The open case keeps the plan it was opened with: its day-5 step still comes from v1.
    await closeDay('2025-02-19');
    await closeDay('2025-02-20');
    const actions = await eventually(
      async () => {
        const all = await scheduled();
        return all.length === 3 ? all : undefined;
      },
      20_000,
      'the v1 step of day 5',
    );
    expect(actions.map((e) => [(e.data as { stepId: string }).stepId, (e.data as { dueOn: string }).dueOn])).toEqual([
      ['sms-1', '2025-02-16'],
      ['call-3', '2025-02-18'],
      ['edu-5', '2025-02-20'],
    ]);
  });

  it('answers the state as of a business date: at the close of a closed day, so far on the open day, by occurredAt before the calendar', async () => {
    const loanAt = async (businessDate: string) => {
      const res = await auditor('GET', `/audit/streams/loans.loan-${LOAN}/state?businessDate=${businessDate}`);
      expect(res.status).toBe(200);
      return res.body;
    };
    // Due on the 15th and unpaid: current at the close of the 15th, delinquent at the close of the 16th.
    const on15 = await loanAt('2025-02-15');
    expect(on15.asOf).toMatchObject({ businessDate: '2025-02-15', basis: 'end_of_day' });
    expect(on15.state.reported).toMatchObject({ delinquent: false });
    const on16 = await loanAt('2025-02-16');
    expect(on16.asOf).toMatchObject({ businessDate: '2025-02-16', basis: 'end_of_day' });
    expect(on16.state.reported).toMatchObject({ asOf: '2025-02-16', delinquent: true, stage: 'M1' });
    expect(on16.revision).toBeGreaterThan(on15.revision);
    // The position named is that day's EndOfDayCompleted.
    const completed = (await t.runtime.store.readStream('loans.calendar-main')).find(
      (e) => e.type === 'EndOfDayCompleted' && (e.data as { businessDate: string }).businessDate === '2025-02-16',
    )!;
    expect(on16.asOf.position).toBe(`${completed.globalPosition.commit}/${completed.globalPosition.prepare}`);
    const calendar = await auditor('GET', '/audit/streams/loans.calendar-main/state?businessDate=2025-02-16');
    expect(calendar.body.state).toEqual({ status: 'Open', openBusinessDate: '2025-02-17', lastClosed: '2025-02-16' });
    // The open day: the state so far (the last close is the 20th).
    const open = await loanAt('2025-02-21');
    expect(open.asOf).toEqual({ businessDate: '2025-02-21', basis: 'open_day', position: null });
    expect(open.revision).toBe((await t.runtime.store.readStream(`loans.loan-${LOAN}`)).length - 1);
    // Before the calendar's first day nothing was closed: bounded by the events' business time.
    const before = await loanAt('2024-12-31');
    expect(before.asOf).toEqual({ businessDate: '2024-12-31', basis: 'occurred_at', position: null });
    expect(before.events).toBe(0);
  });

  it('shows in the history which strategy version drove each action, and the revision with its review', async () => {
    const history = await auditor('GET', `/audit/history?loanId=${LOAN}&types=CaseOpened,ActionScheduled`);
    expect(history.status).toBe(200);
    expect(history.body.items.map((e: { type: string; policyVersions: Record<string, string> }) => [e.type, e.policyVersions?.collectionStrategy])).toEqual([
      ['CaseOpened', 'std-C-M1@1/champion'],
      ['ActionScheduled', 'std-C-M1@1/champion'],
      ['ActionScheduled', 'std-C-M1@1/champion'],
      ['ActionScheduled', 'std-C-M1@1/champion'],
    ]);

    const revisions = await auditor('GET', `/audit/history?streamId=collection.strategy-${STRATEGY}&types=StrategyVersionProposed`);
    const v2 = revisions.body.items[1];
    expect(v2.data).toMatchObject({ version: 2, reviewId, proposedBy: 'rm-1', reason: `call first: review ${reviewId}` });
    expect(v2.actor).toEqual({ id: 'rm-1', role: 'risk_manager' });
  });

  it('explains why the day-5 email went out: v1’s step, the case’s stage and grade, the loans end of day that triggered it', async () => {
    const email = (await scheduled())[2];
    const res = await t.as('supervisor', 'sup-1')('GET', `/audit/events/${email.eventId}/explain`);
    expect(res.status).toBe(200);
    const [action, ...causes] = res.body.chain;
    expect(action).toMatchObject({ type: 'ActionScheduled', command: 'CloseCaseDay', policyVersions: { collectionStrategy: 'std-C-M1@1/champion' } });
    expect(action.data).toMatchObject({ stepId: 'edu-5', dpd: 5, strategy: { strategyId: STRATEGY, version: 1, variant: 'champion' } });
    expect(causes.map((e: { type: string }) => e.type)).toContain('EndOfDayCompleted');
    expect(causes.find((e: { type: string }) => e.type === 'EndOfDayCompleted').data).toMatchObject({ businessDate: '2025-02-20' });
  });

  it('replays the same history under v2 in memory and shows v2’s plan beside what happened', async () => {
    const before = (await t.runtime.store.headPosition())!;
    const res = await auditor('GET', `/collection/cases/${CASE}/what-if?strategyId=${STRATEGY}&version=2`);
    expect(res.status).toBe(200);
    expect(res.body.plans).toEqual([{ asOf: '2025-02-16', stage: 'M1', strategy: 'std-C-M1@2/champion', alternative: true }]);
    expect(
      res.body.days.map((d: { date: string; actual: { stepId: string }[]; whatIf: { stepId: string }[] }) => [
        d.date,
        d.actual.map((a) => a.stepId),
        d.whatIf.map((a) => a.stepId),
      ]),
    ).toEqual([
      ['2025-02-16', ['sms-1'], ['call-1']],
      ['2025-02-18', ['call-3'], []],
      ['2025-02-19', [], ['sms-4']],
      ['2025-02-20', ['edu-5'], []],
    ]);
    expect(res.body.summary).toMatchObject({ actual: 3, whatIf: 2, differs: true });
    // Replayed under the version it really ran, the history reproduces itself.
    const same = await auditor('GET', `/collection/cases/${CASE}/what-if?strategyId=${STRATEGY}&version=1`);
    expect(same.body.summary).toMatchObject({ actual: 3, whatIf: 3, same: 3, differs: false });
    // The cohort that ran under v1, replayed under v2.
    const cohort = await rm1('GET', `/collection/strategies/${STRATEGY}/versions/2/what-if?cohortVersion=1`);
    expect(cohort.status).toBe(200);
    expect(cohort.body).toMatchObject({ cohort: { strategyId: STRATEGY, version: 1, cases: 1 }, totals: { actual: 3, whatIf: 2, casesThatDiffer: 1 } });
    expect(cohort.body.byChannel).toEqual([
      { channel: 'CALL', actual: 1, whatIf: 1 },
      { channel: 'EMAIL', actual: 1, whatIf: 0 },
      { channel: 'SMS', actual: 1, whatIf: 1 },
    ]);
    // Nothing was written.
    expect(await t.runtime.store.headPosition()).toEqual(before);

    const unknown = await auditor('GET', `/collection/cases/${CASE}/what-if?strategyId=${STRATEGY}&version=9`);
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'STRATEGY_VERSION_NOT_FOUND' });
    const collector = await t.as('collector', 'col-1')('GET', `/collection/cases/${CASE}/what-if?strategyId=${STRATEGY}&version=2`);
    expect(collector.status).toBe(403);
  });

  it('keeps every audit query on record: who looked at which case, when, with what outcome', async () => {
    const log = await t.as('admin', 'admin-1')('GET', `/audit/access-log?subject=${CASE}`);
    expect(log.status).toBe(200);
    const entries = log.body.items.map((e: { actor: { id: string }; route: string; status: number; query: Record<string, string> }) => [
      e.actor.id,
      e.route,
      e.status,
      e.query.version,
    ]);
    expect(entries).toEqual([
      ['aud-1', '/collection/cases/:caseId/what-if', 404, '9'],
      ['aud-1', '/collection/cases/:caseId/what-if', 200, '1'],
      ['aud-1', '/collection/cases/:caseId/what-if', 200, '2'],
    ]);
    const byAuditor = await t.as('admin', 'admin-1')('GET', '/audit/access-log?actorId=aud-1&pageSize=100');
    expect(byAuditor.body.items.map((e: { route: string }) => e.route)).toEqual(
      expect.arrayContaining(['/audit/history', '/collection/cases/:caseId/what-if']),
    );
    const explained = await t.as('admin', 'admin-1')('GET', '/audit/access-log?actorId=sup-1');
    expect(explained.body.items).toEqual([
      expect.objectContaining({ route: '/audit/events/:eventId/explain', status: 200, actor: { id: 'sup-1', role: 'supervisor', team: null } }),
    ]);
    expect(new Date(explained.body.items[0].at).getTime()).toBeLessThanOrEqual(Date.now());
    // The auditor reading the log is itself recorded.
    const own = await auditor('GET', '/audit/access-log?actorId=rm-2');
    expect(own.status).toBe(200);
    const selfLogged = await t.as('admin', 'admin-1')('GET', '/audit/access-log?actorId=aud-1&pageSize=1');
    expect(selfLogged.body.items[0]).toMatchObject({ route: '/audit/access-log', query: { actorId: 'rm-2' } });
  });
});
