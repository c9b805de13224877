import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { checkStoredEvents } from '#test-support/kafka/published-contract.js';
import { bootApp, eventually, type TestApp, type TestResponse } from '#test-support/app.js';
import { clocksAt } from '#test-support/clock.js';
import { closeCollectionDay } from '#test-support/collection.js';
import { replayEverything } from '#test-support/replay.js';
import type { RecordedEvent } from '#kernel';
import { CollectionClock, DispatchService, DispatchWorker } from '#collection';

/**
 * The dispatch gate end to end: a scheduled action reaches an executor (the channel-actions topic)
 * or a collector's queue only once the debtor's contact ledger released it at its send time.
 *
 * Three debtors under the 2026 rulebook (the calendar runs in March 2026): A (Shanghai, two loans)
 * opts out of SMS; B (Shanghai, two loans) disputes one case; C (Tokyo) gets an SMS planned for
 * 21:50 Shanghai time, 22:50 at the customer's. Their loans fall due on 2026-03-02 and open cases
 * at the close of 03-03; the day-2 steps come at the close of 03-04.
 */
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;

const DUE = '2026-03-02';
const SCHEDULE = [
  { seq: 1, dueDate: DUE, principal: 100_000, interest: 3_000 },
  { seq: 2, dueDate: '2026-04-02', principal: 100_000, interest: 2_000 },
  { seq: 3, dueDate: '2026-05-02', principal: 100_000, interest: 1_000 },
];
const LOANS = [
  { loanId: 'LA1', customerId: 'cust-A', timeZone: 'Asia/Shanghai' },
  { loanId: 'LA2', customerId: 'cust-A', timeZone: 'Asia/Shanghai' },
  { loanId: 'LB1', customerId: 'cust-B', timeZone: 'Asia/Shanghai' },
  { loanId: 'LB2', customerId: 'cust-B', timeZone: 'Asia/Shanghai' },
  { loanId: 'LC1', customerId: 'cust-C', timeZone: 'Asia/Tokyo' },
];

interface Dispatched {
  type: string;
  actionId: string;
  caseId: string;
  channel: string;
  code?: string;
  releaseAt?: string;
  sendAt?: string;
  localTime: string;
  rulesVersion: string;
}

describe('the dispatch gate over HTTP and Kafka', () => {
  let t: TestApp;
  let service: Call;
  let scheduler: Call;
  let rm1: Call;
  let rm2: Call;
  let supervisor: Call;
  let collector: Call;

  const ledger = async (customerId: string): Promise<Dispatched[]> =>
    (await t.runtime.store.readStream(`collection.debtor-${customerId}`))
      .filter((e) => e.type.startsWith('Action'))
      .map((e) => ({ type: e.type, ...(e.data as Omit<Dispatched, 'type'>) }));
  const scheduledOn = async (caseId: string): Promise<RecordedEvent[]> =>
    (await t.runtime.store.readStream(`collection.case-${caseId}`)).filter((e) => e.type === 'ActionScheduled');
  const stepOf = (actionId: string) => actionId.slice(actionId.lastIndexOf('/') + 1);
  const verdicts = async (customerId: string) =>
    (await ledger(customerId)).map((d) => [d.caseId, d.actionId.slice(d.actionId.lastIndexOf('/') + 1), d.type, d.code ?? null]);

  /** Closes a day and waits until Collection's reactions handled its end of day (so ran Collection's). */
  const closeDay = (date: string) => closeCollectionDay(t, service, date);

  /** Waits until the gate judged every action the cases scheduled (each has one verdict on its ledger). */
  async function judged(customerIds: string[]) {
    await eventually(
      async () => {
        for (const customerId of customerIds) {
          const caseIds = LOANS.filter((l) => l.customerId === customerId).map((l) => `${l.loanId}-E1`);
          const scheduled = (await Promise.all(caseIds.map(scheduledOn))).flat().map((e) => (e.data as { actionId: string }).actionId);
          const decided = new Set((await ledger(customerId)).filter((d) => d.type !== 'ActionExpired').map((d) => d.actionId));
          if (scheduled.some((a) => !decided.has(a))) return undefined;
        }
        return true;
      },
      30_000,
      'the gate to judge every scheduled action',
    );
  }

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    service = t.as('service', 'core-banking');
    scheduler = t.as('service', 'dispatch-scheduler');
    rm1 = t.as('risk_manager', 'rm-1');
    rm2 = t.as('risk_manager', 'rm-2');
    supervisor = t.as('supervisor', 'sup-1', 'T1');
    collector = t.as('collector', 'col-1', 'T1');

    expect((await service('POST', '/loans/calendar', { openBusinessDate: '2026-03-01' })).status).toBe(201);
    await clocksAt(t, '2026-03-01');
    const proposal = {
      strategyId: 'gate-C-M1',
      keys: [{ grade: 'C', stage: 'M1' }],
      champion: [
        { stepId: 'sms-1', when: { dpdDay: 1 }, channel: 'SMS', purpose: 'REMINDER', templateId: 'tpl-reminder', priority: 3 },
        { stepId: 'call-1', when: { dpdDay: 1 }, channel: 'CALL', purpose: 'NEGOTIATION', templateId: 'script-1', priority: 1 },
        {
          stepId: 'sms-2',
          when: { dpdDay: 2 },
          channel: 'SMS',
          purpose: 'REMINDER',
          templateId: 'tpl-evening',
          sendTime: '21:50',
          sendTimeZone: 'Asia/Shanghai',
        },
        { stepId: 'email-2', when: { dpdDay: 2 }, channel: 'EMAIL', purpose: 'EDUCATION', templateId: 'tpl-credit' },
      ],
      reason: 'dispatch gate scenario',
    };
    expect((await rm1('POST', '/collection/strategies', proposal)).status).toBe(201);
    expect((await rm2('POST', '/collection/strategies/gate-C-M1/versions/1/approve', {})).status).toBe(202);
    expect((await rm2('POST', '/collection/strategies/gate-C-M1/versions/1/activate', { effectiveFrom: '2026-03-01' })).status).toBe(202);
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
    await eventually(async () => ((await rm1('GET', '/collection/strategies/gate-C-M1')).body.versions?.[0]?.status === 'ACTIVE' ? true : undefined));
    await eventually(async () => ((await supervisor('GET', '/collection/collectors/col-1')).body.certifications?.COLLECTION_BASIC ? true : undefined));
    for (const l of LOANS) {
      const res = await service('POST', '/loans/accounts', {
        ...l,
        productCode: 'CASH-3M',
        principal: 300_000,
        annualRateBps: 1200,
        termMonths: 3,
        disbursementDate: '2026-02-02',
        schedule: SCHEDULE,
      });
      expect(res.status).toBe(201);
    }
    await closeDay('2026-03-01');
    await closeDay('2026-03-02');
    await closeDay('2026-03-03');
    await judged(['cust-A', 'cust-B', 'cust-C']);
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  it('releases the day-1 actions at the opening of each debtor’s contact window under the 2026 rulebook; the call shows in the collector’s queue', async () => {
    const released = await ledger('cust-C');
    expect(released.map((d) => [stepOf(d.actionId), d.type, d.localTime, d.rulesVersion]).sort()).toEqual([
      ['call-1', 'ActionReleased', '08:00', 'CN-2026.1'],
      ['sms-1', 'ActionReleased', '08:00', 'CN-2026.1'],
    ]);
    expect(released[0].sendAt).toBe('2026-03-03T23:00:00.000Z'); // 08:00 on 03-04 in Tokyo
    const queue = await eventually(async () => {
      const res = await collector('GET', '/collection/work-queue');
      return res.status === 200 && res.body.items.length === 5 ? res.body : undefined;
    });
    expect(queue.items.map((i: { stepId: string }) => i.stepId)).toEqual(['call-1', 'call-1', 'call-1', 'call-1', 'call-1']);
  });

  it('after an SMS opt-out publishes no SMS action of that debtor: the step is withheld with CONTACT_OPTED_OUT, the email still goes', async () => {
    expect((await collector('POST', '/collection/debtors/cust-A/opt-outs', { channel: 'SMS', optedOut: true })).status).toBe(202);
    // B disputes on LB1 (a right-party call reported by the collector).
    const dispute = await collector('POST', '/collection/cases/LB1-E1/contacts', {
      channel: 'CALL',
      outcome: 'DISPUTE',
      at: '2026-03-04T10:00:00+08:00',
      recordingRef: 'rec-b1',
      identified: true,
    });
    expect(dispute.status).toBe(201);
    await closeDay('2026-03-04');
    await judged(['cust-A', 'cust-B', 'cust-C']);

    expect((await verdicts('cust-A')).filter(([, step]) => step === 'sms-2' || step === 'email-2').sort()).toEqual([
      ['LA1-E1', 'email-2', 'ActionReleased', null],
      ['LA1-E1', 'sms-2', 'ActionWithheld', 'CONTACT_OPTED_OUT'],
      ['LA2-E1', 'email-2', 'ActionReleased', null],
      ['LA2-E1', 'sms-2', 'ActionWithheld', 'CONTACT_OPTED_OUT'],
    ]);
    const contract = await checkStoredEvents(t.runtime.store, CONTEXTS);
    expect(contract.problems).toEqual([]);
    expect(contract.typesOn('arrears.channel-actions.v1')).toEqual(['arrears.collection.ActionReleased']);
    const published = (contract.messages.get('arrears.channel-actions.v1') ?? []).map(
      (m) => JSON.parse(String(m.value)) as { customerId: string; stepId: string; channel: string },
    );
    expect(published.filter((m) => m.customerId === 'cust-A' && m.channel === 'SMS').map((m) => m.stepId)).toEqual(['sms-1', 'sms-1']);
    const withheld = (await ledger('cust-A')).filter((d) => d.type === 'ActionWithheld').map((d) => d.actionId);
    expect(published.some((m) => withheld.includes((m as unknown as { actionId: string }).actionId))).toBe(false);
  });

  it('withholds every action of every case of a debtor with an open dispute on one of them', async () => {
    // LB1 is on hold (nothing more scheduled there); LB2's day-2 actions reach nobody.
    expect((await scheduledOn('LB1-E1')).map((e) => stepOf((e.data as { actionId: string }).actionId)).sort()).toEqual(['call-1', 'sms-1']);
    expect((await verdicts('cust-B')).filter(([caseId, step]) => caseId === 'LB2-E1' && (step === 'sms-2' || step === 'email-2')).sort()).toEqual([
      ['LB2-E1', 'email-2', 'ActionWithheld', 'CONTACT_STOPPED'],
      ['LB2-E1', 'sms-2', 'ActionWithheld', 'CONTACT_STOPPED'],
    ]);
    const [stopped] = (await ledger('cust-B')).filter((d) => d.type === 'ActionWithheld') as unknown as {
      details: { stops: { caseId: string; reason: string }[] };
    }[];
    expect(stopped.details.stops).toEqual([expect.objectContaining({ caseId: 'LB1-E1', reason: 'DISPUTE' })]);
  });

  it('reschedules an SMS due at 21:50 for a customer in Tokyo (22:50 there) to 08:00 the next day, and sends it only from then', async () => {
    const late = (await ledger('cust-C')).find((d) => stepOf(d.actionId) === 'sms-2')!;
    expect(late).toMatchObject({ type: 'ActionRescheduled', code: 'CONTACT_OUTSIDE_HOURS', localTime: '22:50', releaseAt: '2026-03-05T23:00:00.000Z' });
    const smsOut = async () => {
      const contract = await checkStoredEvents(t.runtime.store, CONTEXTS);
      return (contract.messages.get('arrears.channel-actions.v1') ?? [])
        .map((m) => JSON.parse(String(m.value)) as { actionId: string; sendAt: string })
        .filter((m) => m.actionId === late.actionId);
    };
    expect(await smsOut()).toEqual([]);
    // A run before its moment, or on a business day that is not the customer's day yet, releases nothing.
    const early = await scheduler('POST', '/collection/dispatch', { at: '2026-03-05T12:00:00Z' });
    expect(early.body).toMatchObject({ businessDate: '2026-03-05', candidates: 0, released: 0 });
    await eventually(async () => {
      const res = await supervisor('GET', '/collection/debtors/cust-C/dispatch');
      return res.body.actions?.some((a: { status: string }) => a.status === 'RESCHEDULED') ? true : undefined;
    });
    const notYourDay = await scheduler('POST', '/collection/dispatch', { at: '2026-03-05T23:00:00Z' });
    expect(notYourDay.body).toMatchObject({ businessDate: '2026-03-05', released: 0, waiting: 1 });
    await closeDay('2026-03-05');
    // The in-process scheduler makes the same run: its instant from the clock it is given, its day from the calendar.
    const worker = new DispatchWorker(
      t.app.get(DispatchService),
      t.app.get(CollectionClock),
      { COLLECTION_DISPATCH_EVERY_SECONDS: 0, ARREARS_ROLES: ['projections'] },
      { now: () => new Date('2026-03-05T23:00:00Z') },
    );
    expect(await worker.tick()).toMatchObject({ at: '2026-03-05T23:00:00.000Z', released: 1 });
    const again = await scheduler('POST', '/collection/dispatch', { at: '2026-03-05T23:00:00Z' });
    expect(again.status).toBe(200);
    // A second run at the same instant (from outside) releases nothing again.
    expect(again.body).toMatchObject({ businessDate: '2026-03-06', released: 0 });
    expect((await ledger('cust-C')).filter((d) => d.actionId === late.actionId).map((d) => d.type)).toEqual(['ActionRescheduled', 'ActionReleased']);
    expect(await smsOut()).toEqual([expect.objectContaining({ sendAt: '2026-03-05T23:00:00.000Z' })]);
  });

  it('refuses the 7th dial attempt of the day to an unanswered debtor (2026 guideline) and records it', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await collector('POST', '/collection/cases/LA1-E1/contacts', {
        channel: 'CALL',
        outcome: 'NO_ANSWER',
        at: `2026-03-06T${String(9 + i).padStart(2, '0')}:00:00+08:00`,
        recordingRef: `rec-${i}`,
      });
      expect(res.status).toBe(201);
    }
    const seventh = await collector('POST', '/collection/cases/LA2-E1/contacts', {
      channel: 'CALL',
      outcome: 'NO_ANSWER',
      at: '2026-03-06T16:00:00+08:00',
      recordingRef: 'rec-7',
    });
    expect([seventh.status, seventh.body.code]).toEqual([422, 'CONTACT_DAILY_DIAL_LIMIT']);
    expect(seventh.body.details).toMatchObject({ localDate: '2026-03-06', dialAttempts: 6, limit: 6, rulesVersion: 'CN-2026.1' });
    const blocked = (await t.runtime.store.readStream('collection.case-LA2-E1')).filter((e) => e.type === 'ContactBlocked');
    expect(blocked.map((e) => (e.data as { code: string }).code)).toEqual(['CONTACT_DAILY_DIAL_LIMIT']);
  });

  it('shows a compliance officer which past contacts a proposed rulebook would have refused, recording nothing', async () => {
    const rules = (await rm1('GET', '/collection/contact-rules')).body.inForce;
    expect(rules.version).toBe('CN-2026.1');
    const proposal = { ...rules, version: 'BANK-2026.2', voice: { ...rules.voice, maxDialAttemptsPerDay: 3 } };
    const before = (await checkStoredEvents(t.runtime.store, CONTEXTS)).messages.size;
    const res = await rm1('POST', '/collection/contact-rules/impact', { rules: proposal, from: '2026-03-01', to: '2026-03-31' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      rulesVersion: 'BANK-2026.2',
      refusedCount: 3,
      byRule: [{ code: 'CONTACT_DAILY_DIAL_LIMIT', count: 3 }],
      byCollector: [{ by: 'collector:col-1', code: 'CONTACT_DAILY_DIAL_LIMIT', count: 3 }],
      byChannel: [{ channel: 'CALL', code: 'CONTACT_DAILY_DIAL_LIMIT', count: 3 }],
    });
    expect(res.body.refused.map((r: { localDate: string; madeUnder: string }) => [r.localDate, r.madeUnder])).toEqual(
      Array.from({ length: 3 }, () => ['2026-03-06', 'CN-2026.1']),
    );
    expect((await checkStoredEvents(t.runtime.store, CONTEXTS)).messages.size).toBe(before);
    const bad = await rm1('POST', '/collection/contact-rules/impact', {
      rules: { ...proposal, quietHours: { ...proposal.quietHours, start: '25:00' } },
      from: '2026-03-01',
      to: '2026-03-31',
    });
    expect(bad.status).toBe(400);
    expect((await collector('POST', '/collection/contact-rules/impact', { rules: proposal, from: '2026-03-01', to: '2026-03-31' })).status).toBe(403);
  });

  it('enforces the 2026 procedure rules on reports: a recording on every call, the bank named at the first contact, field visits by two collectors', async () => {
    const contact = (body: Record<string, unknown>) =>
      collector('POST', '/collection/cases/LC1-E1/contacts', { channel: 'CALL', at: '2026-03-06T10:00:00+09:00', ...body });
    const unrecorded = await contact({ outcome: 'NO_ANSWER' });
    expect([unrecorded.status, unrecorded.body.code]).toEqual([422, 'CONTACT_RECORDING_MISSING']);
    const anonymous = await contact({ outcome: 'RIGHT_PARTY_CONTACT', recordingRef: 'rec-c1' });
    expect([anonymous.status, anonymous.body.code]).toEqual([422, 'CONTACT_IDENTIFICATION_MISSING']);
    expect((await contact({ outcome: 'RIGHT_PARTY_CONTACT', recordingRef: 'rec-c2', identified: true })).status).toBe(201);
    expect(
      (await collector('POST', '/collection/cases/LC1-E1/field-visits', { visitId: 'visit-c', plannedOn: '2026-03-06', reason: 'asked for a visit' })).status,
    ).toBe(201);
    expect((await supervisor('POST', '/collection/cases/LC1-E1/field-visits/visit-c/approve', {})).status).toBe(202);
    const report = (body: Record<string, unknown>) =>
      collector('POST', '/collection/cases/LC1-E1/field-visits/visit-c/report', { outcome: 'NOT_HOME', at: '2026-03-06T15:00:00+09:00', ...body });
    const alone = await report({});
    expect([alone.status, alone.body.code, alone.body.details]).toEqual([
      422,
      'CONTACT_FIELD_VISIT_UNDERSTAFFED',
      expect.objectContaining({ collectors: ['col-1'], required: 2 }),
    ]);
    expect((await report({ accompaniedBy: ['col-2'] })).status).toBe(201);
    const events = await t.runtime.store.readStream('collection.case-LC1-E1');
    expect(events.filter((e) => e.type === 'ContactBlocked').map((e) => (e.data as { code: string }).code)).toEqual([
      'CONTACT_RECORDING_MISSING',
      'CONTACT_IDENTIFICATION_MISSING',
      'CONTACT_FIELD_VISIT_UNDERSTAFFED',
    ]);
    expect(events.filter((e) => e.type === 'ContactAttempted').map((e) => e.data)).toEqual([
      expect.objectContaining({ channel: 'CALL', recordingRef: 'rec-c2', identified: true }),
      expect.objectContaining({ channel: 'FIELD_VISIT', accompaniedBy: ['col-2'] }),
    ]);
  });

  it('expires the actions nobody performed at the close of their day: they leave the queue', async () => {
    const expired = (await ledger('cust-A'))
      .filter((d) => d.type === 'ActionExpired')
      .map((d) => stepOf(d.actionId))
      .sort();
    expect(expired).toEqual(['call-1', 'call-1', 'email-2', 'email-2', 'sms-1', 'sms-1']);
    const queue = await eventually(async () => {
      const res = await collector('GET', '/collection/work-queue');
      return res.status === 200 && res.body.items.length === 0 ? res.body : undefined;
    });
    expect(queue.businessDate).toBe('2026-03-06');
  });

  it('replays without judging anything again: the gate is a reactor under the reaction ledger', async () => {
    const before = (await Promise.all(['cust-A', 'cust-B', 'cust-C'].map(ledger))).flat().length;
    const replay = await replayEverything(t);
    expect(replay.reactionsChecked).toEqual(expect.arrayContaining(['collection_dispatch_gate']));
    expect(replay.notRebuildable).toEqual(expect.arrayContaining(['collection_dispatch_gate']));
    expect((await Promise.all(['cust-A', 'cust-B', 'cust-C'].map(ledger))).flat()).toHaveLength(before);
  }, 240_000);
});
