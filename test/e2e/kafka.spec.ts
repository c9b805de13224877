import { bootApp, eventually, type TestApp } from '#test-support/app.js';
import { tallyContext } from '#test-support/tally/tally.js';
import { ADD_AMOUNT_TYPE, TALLY_COMMANDS_TOPIC, TALLY_TOPIC, tallyMessagingContext } from '#test-support/tally/tally-messaging.js';
import { describeWithKafka, kcatRead, startMockCluster, type MockCluster } from '#test-support/kafka/mock-cluster.js';
import { AsyncApiDocument } from '#test-support/kafka/asyncapi.js';
import { arrearsAsyncApi, messageProblems } from '#test-support/kafka/published-contract.js';
import { DLQ_HEADERS, kafkaBroker, type Broker, type GroupConsumer, type OutgoingMessage, type Publisher } from '#messaging';
import { CORE_BANKING_LOANS_TOPIC, CORE_BANKING_TYPES, LOANS_TOPIC, loansContext } from '#loans';

const DLQ_TOPIC = `${TALLY_COMMANDS_TOPIC}.dlq`;
const CORE_BANKING_DLQ = `${CORE_BANKING_LOANS_TOPIC}.dlq`;

interface Seen {
  topic: string;
  partition: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Per key, the CloudEvents sequence numbers in the order first seen (re-deliveries dropped). */
function firstSeenSequences(messages: readonly Seen[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const seen = new Set<string>();
  for (const m of messages) {
    if (seen.has(m.headers.ce_id)) continue;
    seen.add(m.headers.ce_id);
    const list = out.get(m.key ?? '') ?? [];
    list.push(Number(m.headers.ce_sequence));
    out.set(m.key ?? '', list);
  }
  return out;
}

function command(id: string, data: unknown, extra: Record<string, string> = {}): OutgoingMessage {
  const tallyId = (data as { tallyId?: string }).tallyId ?? 'none';
  return {
    key: tallyId,
    value: JSON.stringify(data),
    headers: {
      ce_specversion: '1.0',
      ce_id: id,
      ce_source: '/tests/tally-feeder',
      ce_type: ADD_AMOUNT_TYPE,
      ce_time: '2026-11-29T09:30:00Z',
      'content-type': 'application/json',
      ...extra,
    },
  };
}

/** A core-banking fact as core banking sends it: binary-mode CloudEvent keyed by the loan id. */
function coreBanking(id: string, type: string, data: Record<string, unknown>, extra: Record<string, string> = {}): OutgoingMessage {
  return {
    key: typeof data.loanId === 'string' ? data.loanId : 'calendar',
    value: JSON.stringify(data),
    headers: {
      ce_specversion: '1.0',
      ce_id: id,
      ce_source: '/core-banking/loans',
      ce_type: type,
      ce_time: '2024-01-20T10:00:00+08:00',
      'content-type': 'application/json',
      ...extra,
    },
  };
}

/** Disbursed 2024-01-15, first installment due 2024-01-19: a day past due when mirrored on the 20th. */
function coreBankingLoan(loanId: string) {
  return {
    loanId,
    customerId: `cust-${loanId}`,
    productCode: 'CASH-2M',
    principal: 200_000,
    annualRateBps: 1200,
    termMonths: 2,
    disbursementDate: '2024-01-15',
    timeZone: 'Asia/Shanghai',
    schedule: [
      { seq: 1, dueDate: '2024-01-19', principal: 100_000, interest: 2_000 },
      { seq: 2, dueDate: '2024-02-19', principal: 100_000, interest: 1_000 },
    ],
  };
}

describeWithKafka('Kafka end to end (mock cluster)', () => {
  const tallyDoc = new AsyncApiDocument('test/support/kafka/tally.asyncapi.yaml');
  const seen: Seen[] = [];
  let cluster: MockCluster;
  let t: TestApp;
  let client: Broker;
  let reader: GroupConsumer;
  let sender: Publisher;

  const ofTopic = (topic: string) => seen.filter((m) => m.topic === topic);
  const streamEvents = (streamId: string) => t.runtime.store.readStream(streamId);

  beforeAll(async () => {
    cluster = await startMockCluster();
    client = await kafkaBroker({ brokers: cluster.brokers, clientId: 'e2e-reader', maxWaitTimeMs: 100, sessionTimeoutMs: 6_000 });
    reader = client.consumer('e2e-reader');
    sender = client.publisher();
    const [app] = await Promise.all([
      bootApp([tallyContext, tallyMessagingContext, loansContext], {
        KAFKA_BROKERS: cluster.bootstrap,
        KAFKA_REQUEST_TIMEOUT_MS: '1500',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        RELAY_BACKOFF_MAX_MS: '400',
        RELAY_BATCH_SIZE: '50',
      }),
      reader.start({
        topics: [TALLY_TOPIC, DLQ_TOPIC, LOANS_TOPIC, CORE_BANKING_DLQ],
        fromBeginning: true,
        handle: async (m) => {
          seen.push({ topic: m.topic, partition: m.partition, key: m.key?.toString() ?? null, value: m.value?.toString() ?? null, headers: m.headers });
        },
      }),
      sender.connect(),
    ]);
    t = app;
  });
  afterAll(async () => {
    await reader?.stop();
    await sender?.disconnect();
    await client?.close();
    await t?.close();
    await cluster?.stop();
  });

  it('publishes every event of commands sent over HTTP: in order per tally, as CloudEvents valid against the AsyncAPI schemas', async () => {
    const tallies = Array.from({ length: 6 }, (_, i) => `pub-${i}`);
    await Promise.all(
      tallies.map(async (id) => {
        expect((await t.request('POST', '/tallies', { tallyId: id, limit: 1_000_000 }, { 'x-correlation-id': `corr-${id}` })).status).toBe(201);
        for (let n = 1; n <= 5; n++) {
          expect((await t.request('POST', `/tallies/${id}/amounts`, { amount: n * 100 }, { 'x-correlation-id': `corr-${id}` })).status).toBe(202);
        }
      }),
    );
    const stored = (await Promise.all(tallies.map((id) => streamEvents(`tally.tally-${id}`)))).flat();
    expect(stored).toHaveLength(36);
    const expectedIds = new Set(stored.map((e) => e.eventId));

    // A kafkajs consumer group sees every event...
    await eventually(
      async () => {
        const ids = new Set(ofTopic(TALLY_TOPIC).map((m) => m.headers.ce_id));
        return [...expectedIds].every((id) => ids.has(id)) ? true : undefined;
      },
      20_000,
      'all events on the topic',
    );
    const published = ofTopic(TALLY_TOPIC).filter((m) => expectedIds.has(m.headers.ce_id));

    // ...and so does kcat, an independent client reading every partition without a group.
    const viaKcat = (await kcatRead(cluster.bootstrap, TALLY_TOPIC)).map((m) => ({ ...m, value: m.payload })).filter((m) => expectedIds.has(m.headers.ce_id));
    expect(new Set(viaKcat.map((m) => m.headers.ce_id))).toEqual(expectedIds);

    for (const messages of [published, viaKcat]) {
      // Key = tally id; one key stays on one partition, its events in stream order.
      const sequences = firstSeenSequences(messages);
      expect([...sequences.keys()].sort()).toEqual([...tallies].sort());
      for (const list of sequences.values()) expect(list).toEqual([0, 1, 2, 3, 4, 5]);
      for (const id of tallies) expect(new Set(messages.filter((m) => m.key === id).map((m) => m.partition)).size).toBe(1);

      for (const m of messages) {
        const event = stored.find((e) => e.eventId === m.headers.ce_id)!;
        const payload = JSON.parse(m.value!);
        expect(tallyDoc.validate(TALLY_TOPIC, { headers: m.headers, payload })).toEqual([]);
        // ce_dataschema names the schema of the payload in the AsyncAPI document.
        expect(tallyDoc.check(`#${new URL(m.headers.ce_dataschema).hash.slice(1)}`, payload)).toEqual([]);
        expect(m.headers).toMatchObject({
          ce_specversion: '1.0',
          ce_source: '/arrears/tally',
          ce_type: `arrears.tally.${event.type}`,
          ce_subject: m.key,
          ce_sequence: String(event.revision),
          ce_schemaversion: '1',
          ce_correlationid: `corr-${m.key}`,
          ce_time: event.metadata.occurredAt,
          'content-type': 'application/json',
        });
        expect(payload).toEqual(
          event.type === 'TallyOpened' ? { tallyId: m.key, limit: 1_000_000 } : { tallyId: m.key, amount: (event.data as { amount: number }).amount },
        );
      }
    }

    const metrics = await eventually(async () => {
      const text = (await t.request('GET', '/metrics')).body as string;
      const count = Number(/arrears_relay_published_total\{topic="arrears\.tally\.v1"\} (\d+)/.exec(text)?.[1] ?? 0);
      return count >= 36 ? text : undefined;
    });
    expect(metrics).toMatch(/^arrears_relay_broker_up 1$/m);
    expect(metrics).toMatch(/^arrears_relay_active 1$/m);
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.messaging.relay).toMatchObject({ state: 'running', active: true, brokerUp: true });
  });

  it('turns an inbound message into one command, however often it is delivered', async () => {
    await t.request('POST', '/tallies', { tallyId: 'in-1', limit: 1_000 });
    const once = command('feed-in-1-a', { tallyId: 'in-1', amount: 7 }, { ce_correlationid: 'corr-feed-1' });
    expect(tallyDoc.validate(TALLY_COMMANDS_TOPIC, { headers: once.headers, payload: JSON.parse(String(once.value)) })).toEqual([]);
    // The same message twice (a producer retry, or a redelivery after a consumer crash), then a
    // second command in structured mode on the same key: once it is applied, both copies of the
    // first have been handled (one partition, in order).
    await sender.send([{ topic: TALLY_COMMANDS_TOPIC, messages: [once] }]);
    await sender.send([{ topic: TALLY_COMMANDS_TOPIC, messages: [once] }]);
    const structured: OutgoingMessage = {
      key: 'in-1',
      value: JSON.stringify({
        specversion: '1.0',
        id: 'feed-in-1-b',
        source: '/tests/tally-feeder',
        type: ADD_AMOUNT_TYPE,
        data: { tallyId: 'in-1', amount: 5 },
      }),
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
    };
    await sender.send([{ topic: TALLY_COMMANDS_TOPIC, messages: [structured] }]);

    const events = await eventually(
      async () => {
        const e = await streamEvents('tally.tally-in-1');
        return e.length >= 3 ? e : undefined;
      },
      20_000,
      'the inbound commands',
    );
    expect(events.map((e) => [e.type, (e.data as { amount?: number }).amount])).toEqual([
      ['TallyOpened', undefined],
      ['AmountAdded', 7],
      ['AmountAdded', 5],
    ]);
    expect(events[1].metadata).toMatchObject({
      idempotencyKey: 'feed-in-1-a',
      correlationId: 'corr-feed-1',
      command: 'AddAmount',
      occurredAt: '2026-11-29T09:30:00Z',
      actor: { role: 'system' },
    });
    expect(events[2].metadata).toMatchObject({ idempotencyKey: 'feed-in-1-b' });
    const view = await eventually(async () => {
      const r = await t.request('GET', '/tallies/in-1');
      return r.body?.total === 12 ? r.body : undefined;
    });
    expect(view).toEqual({ tallyId: 'in-1', total: 12, additions: 2 });

    // The command's event goes out again through the relay, with the sender's correlation id.
    const out = await eventually(async () => ofTopic(TALLY_TOPIC).find((m) => m.headers.ce_id === events[1].eventId));
    expect(out.headers.ce_correlationid).toBe('corr-feed-1');
    const metrics = (await t.request('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/arrears_inbound_messages_total\{topic="tally\.commands\.v1",outcome="ok"\} 3/);
  });

  it('sends unreadable and refused messages to the dead-letter topic without holding up the partition', async () => {
    await t.request('POST', '/tallies', { tallyId: 'dlq-1', limit: 10 });
    const notJson: OutgoingMessage = { ...command('dlq-bad-json', { tallyId: 'dlq-1' }), value: '{"tallyId": "dlq-1", amount: ' };
    const overLimit = command('dlq-over-limit', { tallyId: 'dlq-1', amount: 11 });
    const badShape = command('dlq-bad-shape', { tallyId: 'dlq-1', amount: 'three' });
    const good = command('dlq-good', { tallyId: 'dlq-1', amount: 3 });
    await sender.send([{ topic: TALLY_COMMANDS_TOPIC, messages: [notJson, overLimit, badShape, good] }]);

    // The good message behind the three bad ones is applied: the partition moved on.
    const events = await eventually(
      async () => {
        const e = await streamEvents('tally.tally-dlq-1');
        return e.length >= 2 ? e : undefined;
      },
      20_000,
      'the good command',
    );
    expect(events.map((e) => e.type)).toEqual(['TallyOpened', 'AmountAdded']);
    expect(events[1].metadata.idempotencyKey).toBe('dlq-good');

    const letters = await eventually(
      async () => {
        const l = ofTopic(DLQ_TOPIC).filter((m) => m.key === 'dlq-1');
        return l.length >= 3 ? l : undefined;
      },
      20_000,
      'three dead letters',
    );
    expect(letters.map((m) => [m.headers.ce_id, m.headers[DLQ_HEADERS.code]])).toEqual([
      ['dlq-bad-json', 'MALFORMED_MESSAGE'],
      ['dlq-over-limit', 'TALLY_LIMIT_EXCEEDED'],
      ['dlq-bad-shape', 'VALIDATION_FAILED'],
    ]);
    const [first, second, third] = letters;
    expect(first.value).toBe(notJson.value);
    expect(second.value).toBe(overLimit.value);
    expect(first.headers).toMatchObject({ [DLQ_HEADERS.topic]: TALLY_COMMANDS_TOPIC, [DLQ_HEADERS.group]: 'arrears' });
    expect(JSON.parse(second.headers[DLQ_HEADERS.error])).toMatchObject({ code: 'TALLY_LIMIT_EXCEEDED', details: { total: 0, limit: 10 } });
    expect(JSON.parse(third.headers[DLQ_HEADERS.error]).errors[0]).toMatchObject({ path: 'amount' });
    expect(new Set(letters.map((m) => m.headers[DLQ_HEADERS.partition])).size).toBe(1);
    const offsets = letters.map((m) => Number(m.headers[DLQ_HEADERS.offset]));
    expect(offsets).toEqual([offsets[0], offsets[0] + 1, offsets[0] + 2]);
    for (const m of letters) expect(tallyDoc.validate(DLQ_TOPIC, { headers: m.headers, payload: m.value })).toEqual([]);

    const viaKcat = (await kcatRead(cluster.bootstrap, DLQ_TOPIC)).filter((m) => m.key === 'dlq-1');
    expect(viaKcat.map((m) => m.headers[DLQ_HEADERS.code])).toEqual(['MALFORMED_MESSAGE', 'TALLY_LIMIT_EXCEEDED', 'VALIDATION_FAILED']);
  });

  it('takes core banking loans and payments in from core-banking.loans.v1, each once however often it is delivered', async () => {
    expect((await t.request('POST', '/loans/calendar', { openBusinessDate: '2024-01-20' })).status).toBe(201);
    const registered = coreBanking('cb-kb1-reg', CORE_BANKING_TYPES.loanRegistered, coreBankingLoan('KB-1'), { ce_correlationid: 'corr-cb-kb1' });
    const payment = coreBanking('cb-kb1-pay-1', CORE_BANKING_TYPES.paymentReceived, {
      loanId: 'KB-1',
      reference: 'TX-1',
      amount: 102_000,
      valueDate: '2024-01-20',
    });
    // The last message in structured mode; once it is applied, everything before it on the key was handled.
    const second: OutgoingMessage = {
      key: 'KB-1',
      value: JSON.stringify({
        specversion: '1.0',
        id: 'cb-kb1-pay-2',
        source: '/core-banking/loans',
        type: CORE_BANKING_TYPES.paymentReceived,
        data: { loanId: 'KB-1', reference: 'TX-2', amount: 1_000, valueDate: '2024-01-20' },
      }),
      headers: { 'content-type': 'application/cloudevents+json' },
    };
    const doc = arrearsAsyncApi();
    for (const m of [registered, payment])
      expect(doc.validate(CORE_BANKING_LOANS_TOPIC, { headers: m.headers, payload: JSON.parse(String(m.value)) })).toEqual([]);
    await sender.send([{ topic: CORE_BANKING_LOANS_TOPIC, messages: [registered, payment] }]);
    await sender.send([{ topic: CORE_BANKING_LOANS_TOPIC, messages: [registered, payment, second] }]);

    const events = await eventually(
      async () => {
        const e = await streamEvents('loans.loan-KB-1');
        return e.some((x) => x.type === 'PaymentReceived' && (x.data as { reference: string }).reference === 'TX-2') ? e : undefined;
      },
      20_000,
      'the core banking messages',
    );
    const facts = events.filter((e) => ['LoanRegistered', 'PaymentReceived'].includes(e.type));
    expect(facts.map((e) => [e.type, (e.data as { reference?: string }).reference, e.metadata.idempotencyKey])).toEqual([
      ['LoanRegistered', undefined, 'cb-kb1-reg'],
      ['PaymentReceived', 'TX-1', 'cb-kb1-pay-1'],
      ['PaymentReceived', 'TX-2', 'cb-kb1-pay-2'],
    ]);
    expect(facts[0].metadata).toMatchObject({
      command: 'RegisterLoan',
      actor: { id: 'kafka:core-banking.loans.v1', role: 'service' },
      correlationId: 'corr-cb-kb1',
      occurredAt: '2024-01-20T10:00:00+08:00',
    });

    // The loan exists over HTTP, its payment posted once.
    const loan = await eventually(
      async () => {
        const r = await t.request('GET', '/loans/accounts/KB-1');
        return r.status === 200 && r.body.revision >= events[events.length - 1].revision ? r.body : undefined;
      },
      20_000,
      'the loan in the read model',
    );
    expect(loan).toMatchObject({ loanId: 'KB-1', customerId: 'cust-KB-1', principal: 200_000, registeredOn: '2024-01-20', status: 'active' });
    expect(loan.payments.map((p: { reference: string; amount: number; status: string }) => [p.reference, p.amount, p.status])).toEqual([
      ['TX-1', 102_000, 'applied'],
      ['TX-2', 1_000, 'applied'],
    ]);
    const metrics = (await t.request('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/arrears_inbound_messages_total\{topic="core-banking\.loans\.v1",outcome="ok"\} 5/);
  });

  it('dead-letters unreadable, invalid and refused core banking messages, and applies the one behind them', async () => {
    const notJson: OutgoingMessage = {
      ...coreBanking('cb-bad-json', CORE_BANKING_TYPES.paymentReceived, { loanId: 'KB-2' }),
      value: '{"loanId": "KB-2", "amount": ',
    };
    const invalid = coreBanking('cb-bad-amount', CORE_BANKING_TYPES.paymentReceived, {
      loanId: 'KB-2',
      reference: 'TX-9',
      amount: '90.00',
      valueDate: '2024-01-20',
    });
    const unknownLoan = coreBanking('cb-no-loan', CORE_BANKING_TYPES.paymentReceived, {
      loanId: 'KB-2',
      reference: 'TX-9',
      amount: 9_000,
      valueDate: '2024-01-20',
    });
    const unknownType = coreBanking('cb-write-off', 'core-banking.LoanWrittenOff', { loanId: 'KB-2' });
    const good = coreBanking('cb-kb2-reg', CORE_BANKING_TYPES.loanRegistered, coreBankingLoan('KB-2'));
    await sender.send([{ topic: CORE_BANKING_LOANS_TOPIC, messages: [notJson, invalid, unknownLoan, unknownType, good] }]);

    const events = await eventually(
      async () => {
        const e = await streamEvents('loans.loan-KB-2');
        return e.length ? e : undefined;
      },
      20_000,
      'the good message',
    );
    expect(events[0]).toMatchObject({ type: 'LoanRegistered', metadata: { idempotencyKey: 'cb-kb2-reg' } });
    expect(events.some((e) => e.type === 'PaymentReceived')).toBe(false);

    const letters = await eventually(
      async () => {
        const l = ofTopic(CORE_BANKING_DLQ).filter((m) => m.key === 'KB-2');
        return l.length >= 4 ? l : undefined;
      },
      20_000,
      'four dead letters',
    );
    expect(letters.map((m) => [m.headers.ce_id, m.headers[DLQ_HEADERS.code]])).toEqual([
      ['cb-bad-json', 'MALFORMED_MESSAGE'],
      ['cb-bad-amount', 'VALIDATION_FAILED'],
      ['cb-no-loan', 'LOAN_NOT_FOUND'],
      ['cb-write-off', 'UNKNOWN_MESSAGE_TYPE'],
    ]);
    // Every dead letter names the original message, the undecodable one too.
    expect(letters.map((m) => m.headers[DLQ_HEADERS.messageId])).toEqual(['cb-bad-json', 'cb-bad-amount', 'cb-no-loan', 'cb-write-off']);
    expect(letters[1].value).toBe(invalid.value);
    expect(JSON.parse(letters[1].headers[DLQ_HEADERS.error]).errors).toEqual([expect.objectContaining({ path: 'amount' })]);
    expect(letters[2].headers).toMatchObject({
      [DLQ_HEADERS.topic]: CORE_BANKING_LOANS_TOPIC,
      [DLQ_HEADERS.messageId]: 'cb-no-loan',
      [DLQ_HEADERS.group]: 'arrears',
    });
    for (const m of letters) expect(arrearsAsyncApi().validate(CORE_BANKING_DLQ, { headers: m.headers, payload: m.value })).toEqual([]);
    const viaKcat = (await kcatRead(cluster.bootstrap, CORE_BANKING_DLQ)).filter((m) => m.key === 'KB-2');
    expect(viaKcat.map((m) => m.headers[DLQ_HEADERS.code])).toEqual(['MALFORMED_MESSAGE', 'VALIDATION_FAILED', 'LOAN_NOT_FOUND', 'UNKNOWN_MESSAGE_TYPE']);
  });

  it('publishes the loans events on arrears.loans.v1, in order per loan, valid against docs/asyncapi.yaml', async () => {
    // Core banking closes the business date: the end of day runs and the next date opens.
    await sender.send([
      { topic: CORE_BANKING_LOANS_TOPIC, messages: [coreBanking('cb-close-2024-01-20', CORE_BANKING_TYPES.businessDayClosed, { businessDate: '2024-01-20' })] },
    ]);
    const calendar = await eventually(
      async () => {
        const e = await streamEvents('loans.calendar-main');
        return e.some((x) => x.type === 'EndOfDayCompleted') ? e : undefined;
      },
      30_000,
      'the end of day',
    );
    const stored = [...(await streamEvents('loans.loan-KB-1')), ...(await streamEvents('loans.loan-KB-2')), ...calendar];
    const published = stored.filter((e) => !['PenaltyAccrued', 'PenaltyRestated', 'BusinessCalendarStarted', 'BusinessDayClosed'].includes(e.type));
    // Registered a day past due, then cured by the payment: every kind of fact and position event.
    expect(new Set(published.map((e) => e.type))).toEqual(
      new Set(['LoanRegistered', 'LoanBecameDelinquent', 'DelinquencyStageChanged', 'PaymentReceived', 'LoanCured', 'EndOfDayCompleted']),
    );

    const messages = await eventually(
      async () => {
        const ids = new Set(published.map((e) => e.eventId));
        const seenIds = new Set(ofTopic(LOANS_TOPIC).map((m) => m.headers.ce_id));
        return [...ids].every((id) => seenIds.has(id)) ? ofTopic(LOANS_TOPIC).filter((m) => ids.has(m.headers.ce_id)) : undefined;
      },
      20_000,
      'the loans events on arrears.loans.v1',
    );
    for (const m of messages) {
      const event = published.find((e) => e.eventId === m.headers.ce_id)!;
      const payload = JSON.parse(m.value!);
      expect({ type: event.type, problems: messageProblems({ topic: LOANS_TOPIC, message: { key: m.key, value: m.value, headers: m.headers } }) }).toEqual({
        type: event.type,
        problems: [],
      });
      expect(m.headers).toMatchObject({
        ce_source: '/arrears/loans',
        ce_type: `arrears.loans.${event.type}`,
        ce_sequence: String(event.revision),
        ce_subject: m.key,
      });
      if (event.type === 'EndOfDayCompleted') expect([m.key, payload.businessDate]).toEqual(['main', '2024-01-20']);
      else expect(payload.loanId).toBe(m.key);
    }
    const kb1 = firstSeenSequences(messages.filter((m) => m.key === 'KB-1')).get('KB-1');
    expect(kb1).toEqual(published.filter((e) => e.streamId === 'loans.loan-KB-1').map((e) => e.revision));
    const registration = messages.find((m) => m.headers.ce_type === 'arrears.loans.LoanRegistered' && m.key === 'KB-1')!;
    expect(registration.headers.ce_correlationid).toBe('corr-cb-kb1');
    expect(JSON.parse(registration.value!)).not.toHaveProperty('product');
  });

  it('pauses through a broker outage, shows it in readiness and metrics, and resumes without losing an event', async () => {
    cluster.pause();
    try {
      expect((await t.request('POST', '/tallies', { tallyId: 'outage-1', limit: 1_000 })).status).toBe(201);
      for (let n = 1; n <= 3; n++) expect((await t.request('POST', '/tallies/outage-1/amounts', { amount: n })).status).toBe(202);
      const down = await eventually(
        async () => {
          const r = await t.request('GET', '/health/ready');
          return r.status === 503 ? r : undefined;
        },
        20_000,
        'readiness to fail',
      );
      expect(down.body.failing).toContain('messaging');
      expect(down.body.checks.messaging.relay).toMatchObject({ state: 'backoff', brokerUp: false, active: true });
      expect(down.body.checks.messaging.relay.lagPositions).toBeGreaterThan(0);
      expect((await t.request('GET', '/metrics')).body).toMatch(/^arrears_relay_broker_up 0$/m);
    } finally {
      cluster.resume();
    }
    const stored = await streamEvents('tally.tally-outage-1');
    const up = await eventually(
      async () => {
        const r = await t.request('GET', '/health/ready');
        return r.status === 200 ? r : undefined;
      },
      20_000,
      'readiness to recover',
    );
    expect(up.body.details.messaging.relay).toMatchObject({ state: 'running', active: true, brokerUp: true });
    const onTopic = await eventually(
      async () => {
        const ids = new Set((await kcatRead(cluster.bootstrap, TALLY_TOPIC)).map((m) => m.headers.ce_id));
        return stored.every((e) => ids.has(e.eventId)) ? ids : undefined;
      },
      20_000,
      'the events stored during the outage',
    );
    expect(stored.filter((e) => onTopic.has(e.eventId))).toHaveLength(4);
    expect((await t.request('GET', '/metrics')).body).toMatch(/^arrears_relay_broker_up 1$/m);
  });
});
