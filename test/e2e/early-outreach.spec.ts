import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { checkStoredEvents } from '#test-support/kafka/published-contract.js';
import { bootApp, eventually, type TestApp, type TestResponse } from '#test-support/app.js';
import { clocksAt } from '#test-support/clock.js';
import { closeCollectionDay } from '#test-support/collection.js';
import { addDays } from '#kernel';
import { CHANNEL_OUTCOMES_TOPIC, CHANNEL_OUTCOME_TYPE, ChannelOutcomesHandler } from '#collection';

/**
 * Early warnings reach the customer before they fall behind (P4, P6): customer W has loan WX,
 * past due since 2026-06-02, and loan WY, current, due 2026-06-08. A payment on WX bounces: the
 * warning turns HIGH, and WY, still current, gets the (C, M0) strategy's pre-due outreach on a
 * pre-delinquency track (no case): the education email 7 days before at once, the SMS 3 days
 * before at the close of that day, both released by the dispatch gate to the channel executors.
 */
type Call = (method: string, path: string, body?: unknown) => Promise<TestResponse>;

const loan = (loanId: string, dueDate: string) => ({
  loanId,
  customerId: 'cust-W',
  productCode: 'CASH-3M',
  principal: 300_000,
  annualRateBps: 1200,
  termMonths: 3,
  disbursementDate: '2026-05-01',
  timeZone: 'Asia/Shanghai',
  schedule: [
    { seq: 1, dueDate, principal: 100_000, interest: 3_000 },
    { seq: 2, dueDate: addDays(dueDate, 30), principal: 100_000, interest: 2_000 },
    { seq: 3, dueDate: addDays(dueDate, 61), principal: 100_000, interest: 1_000 },
  ],
});

describe('pre-delinquency outreach from an early warning', () => {
  let t: TestApp;
  let service: Call;
  let rm1: Call;
  let rm2: Call;

  const track = () => t.runtime.store.readStream('collection.outreach-WY-W1');
  const warnings = async () =>
    (await t.runtime.store.readStream('monitoring.customer-cust-W')).filter((e) => e.type === 'EarlyWarningRaised').map((e) => e.data as { severity: string });
  const released = async () => {
    const contract = await checkStoredEvents(t.runtime.store, CONTEXTS);
    expect(contract.problems).toEqual([]);
    return (contract.messages.get('arrears.channel-actions.v1') ?? [])
      .map(
        (m) =>
          JSON.parse(String(m.value)) as {
            caseId: string;
            stepId: string;
            channel: string;
            purpose: string;
            track?: string;
            sendAt: string;
            installmentDueDate: string;
          },
      )
      .filter((m) => m.caseId === 'WY-W1');
  };

  const closeDay = (date: string) => closeCollectionDay(t, service, date);

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    service = t.as('service', 'core-banking');
    rm1 = t.as('risk_manager', 'rm-1');
    rm2 = t.as('risk_manager', 'rm-2');
    expect((await service('POST', '/loans/calendar', { openBusinessDate: '2026-06-01' })).status).toBe(201);
    await clocksAt(t, '2026-06-01');
    const proposal = {
      strategyId: 'pre-C-M0',
      keys: [{ grade: 'C', stage: 'M0' }],
      champion: [
        { stepId: 'edu-7', when: { daysBeforeDue: 7 }, channel: 'EMAIL', purpose: 'EDUCATION', templateId: 'tpl-credit-awareness' },
        { stepId: 'sms-3', when: { daysBeforeDue: 3 }, channel: 'SMS', purpose: 'REMINDER', templateId: 'tpl-due-soon', priority: 2 },
      ],
      reason: 'pre-due reminders for warned customers',
    };
    expect((await rm1('POST', '/collection/strategies', proposal)).status).toBe(201);
    expect((await rm2('POST', '/collection/strategies/pre-C-M0/versions/1/approve', {})).status).toBe(202);
    expect((await rm2('POST', '/collection/strategies/pre-C-M0/versions/1/activate', { effectiveFrom: '2026-06-01' })).status).toBe(202);
    await eventually(async () => ((await rm1('GET', '/collection/strategies/pre-C-M0')).body.versions?.[0]?.status === 'ACTIVE' ? true : undefined));
    expect((await service('POST', '/loans/accounts', loan('WX', '2026-06-02'))).status).toBe(201);
    expect((await service('POST', '/loans/accounts', loan('WY', '2026-06-08'))).status).toBe(201);
    await closeDay('2026-06-01');
    await closeDay('2026-06-02');
    await closeDay('2026-06-03');
  }, 180_000);
  afterAll(async () => {
    await t?.close();
  });

  it('starts nothing for a MEDIUM warning (the threshold is HIGH)', async () => {
    await eventually(async () => ((await warnings()).length >= 1 ? true : undefined), 30_000, 'the first warning');
    expect((await warnings()).map((w) => w.severity)).toEqual(['MEDIUM']);
    expect(await track()).toEqual([]);
  });

  it('starts pre-due outreach on the current loan when a bounced payment makes the warning HIGH; the gate releases the education email', async () => {
    expect((await service('POST', '/loans/accounts/WX/payments', { reference: 'pay-x1', amount: 50_000, valueDate: '2026-06-04' })).status).toBe(202);
    expect((await service('POST', '/loans/accounts/WX/payments/pay-x1/reversal', { reason: 'bounced' })).status).toBe(202);
    await eventually(async () => ((await warnings()).some((w) => w.severity === 'HIGH') ? true : undefined), 30_000, 'a HIGH warning');
    const started = await eventually(
      async () => {
        const events = await track();
        return events.length >= 2 ? events : undefined;
      },
      30_000,
      'the outreach track',
    );
    expect(started.map((e) => e.type)).toEqual(['OutreachStarted', 'ActionScheduled']);
    expect(started[0].data).toMatchObject({
      loanId: 'WY',
      customerId: 'cust-W',
      dueDate: '2026-06-08',
      startedOn: '2026-06-04',
      warning: { severity: 'HIGH', episode: 1 },
    });
    expect(started[0].metadata).toMatchObject({ actor: { id: 'collection', role: 'system' }, causationId: expect.any(String) });
    // No case exists for WY: the outreach is on the track.
    expect(await t.runtime.store.readStream('collection.case-WY-E1')).toEqual([]);
    const out = await eventually(
      async () => {
        const msgs = await released();
        return msgs.length === 1 ? msgs : undefined;
      },
      30_000,
      'the released email',
    );
    expect(out[0]).toMatchObject({
      stepId: 'edu-7',
      channel: 'EMAIL',
      purpose: 'EDUCATION',
      track: 'PRE_DELINQUENCY',
      installmentDueDate: '2026-06-08',
      sendAt: '2026-06-05T00:00:00.000Z',
    });
  });

  it('adds the 3-day SMS reminder at the close of its day and ends the track when the installment falls due', async () => {
    await closeDay('2026-06-04');
    await closeDay('2026-06-05');
    const out = await eventually(
      async () => {
        const msgs = await released();
        return msgs.length === 2 ? msgs : undefined;
      },
      30_000,
      'the released SMS',
    );
    expect(out.map((m) => [m.stepId, m.sendAt])).toEqual([
      ['edu-7', '2026-06-05T00:00:00.000Z'],
      ['sms-3', '2026-06-06T00:00:00.000Z'],
    ]);
    await closeDay('2026-06-06');
    await closeDay('2026-06-07');
    await closeDay('2026-06-08');
    const ended = (await track()).filter((e) => e.type === 'OutreachEnded');
    expect(ended.map((e) => e.data)).toEqual([{ trackId: 'WY-W1', loanId: 'WY', endedOn: '2026-06-08', reason: 'DUE_DATE_REACHED' }]);
  });

  it('shows in Monitoring what the outreach bought: WY’s installment, outreached, against WX’s, neither paid on time', async () => {
    // June: WX due 06-02 (current on 06-01, no warning yet, no track) and WY due 06-08 (track WY-W1); neither paid.
    const rows = await eventually(
      async () => {
        const res = await rm1('GET', '/monitoring/kpis/outreach_on_time_rate?from=2026-06-01&to=2026-06-30&granularity=total&groupBy=variant');
        expect(res.status).toBe(200);
        return res.body.rows?.length === 2 ? (res.body.rows as Array<Record<string, unknown>>) : undefined;
      },
      30_000,
      'the outreach KPI rows',
    );
    expect(
      rows.map((r) => ({
        variant: r.variant === null ? null : 'arm',
        installments: r.installments,
        onTime: r.onTime,
        outreached: r.outreached,
        warned: r.warned,
      })),
    ).toEqual([
      { variant: null, installments: 1, onTime: 0, outreached: 0, warned: 0 },
      { variant: 'arm', installments: 1, onTime: 0, outreached: 1, warned: 1 },
    ]);
    expect(rows[1]).toMatchObject({ rateWithOutreach: 0 });
  });

  it('records an executor’s report on an outreach action (Kafka) on the debtor’s ledger, keyed by the track', async () => {
    const [email] = (await released()) as unknown as { actionId: string }[];
    const handler = t.app.get(ChannelOutcomesHandler);
    const handled = await handler.handle({
      id: 'msg-outreach-1',
      topic: CHANNEL_OUTCOMES_TOPIC,
      partition: 0,
      offset: '0',
      key: 'WY-W1',
      type: CHANNEL_OUTCOME_TYPE,
      headers: {},
      data: {
        caseId: 'WY-W1',
        actionId: email.actionId,
        executorId: 'mailer-1',
        channel: 'EMAIL',
        outcome: 'DELIVERED',
        occurredAt: '2026-06-09T09:00:00+08:00',
      },
    });
    expect(handled).toBe('ok');
    const logged = (await t.runtime.store.readStream('collection.debtor-cust-W')).filter((e) => e.type === 'DebtorContactLogged').map((e) => e.data);
    expect(logged).toEqual([
      expect.objectContaining({ caseId: 'WY-W1', actionId: email.actionId, channel: 'EMAIL', outcome: 'DELIVERED', attemptId: 'msg-outreach-1' }),
    ]);
    // The same message again records nothing more.
    expect(
      await handler.handle({
        id: 'msg-outreach-1',
        topic: CHANNEL_OUTCOMES_TOPIC,
        partition: 0,
        offset: '0',
        key: 'WY-W1',
        type: CHANNEL_OUTCOME_TYPE,
        headers: {},
        data: {
          caseId: 'WY-W1',
          actionId: email.actionId,
          executorId: 'mailer-1',
          channel: 'EMAIL',
          outcome: 'DELIVERED',
          occurredAt: '2026-06-09T09:00:00+08:00',
        },
      }),
    ).toBe('ok');
    expect((await t.runtime.store.readStream('collection.debtor-cust-W')).filter((e) => e.type === 'DebtorContactLogged')).toHaveLength(1);
  });
});
