import { bootApp, eventually, type TestApp } from '#test-support/app.js';
import { tallyContext } from '#test-support/tally/tally.js';
import { ADD_AMOUNT_TYPE, TALLY_COMMANDS_TOPIC, TALLY_TOPIC, tallyMessagingContext } from '#test-support/tally/tally-messaging.js';
import { describeWithKafka, kcatRead, startMockCluster, type MockCluster } from '#test-support/kafka/mock-cluster.js';
import { AsyncApiDocument } from '#test-support/kafka/asyncapi.js';
import { DLQ_HEADERS, kafkaBroker, type Broker, type GroupConsumer, type OutgoingMessage, type Publisher } from '#messaging';

const DLQ_TOPIC = `${TALLY_COMMANDS_TOPIC}.dlq`;

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
      bootApp([tallyContext, tallyMessagingContext], {
        KAFKA_BROKERS: cluster.bootstrap,
        KAFKA_REQUEST_TIMEOUT_MS: '1500',
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        RELAY_BACKOFF_MAX_MS: '400',
        RELAY_BATCH_SIZE: '50',
      }),
      reader.start({
        topics: [TALLY_TOPIC, DLQ_TOPIC],
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
    await eventually(async () => {
      const ids = new Set(ofTopic(TALLY_TOPIC).map((m) => m.headers.ce_id));
      return [...expectedIds].every((id) => ids.has(id)) ? true : undefined;
    }, 20_000, 'all events on the topic');
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
        expect(payload).toEqual(event.type === 'TallyOpened' ? { tallyId: m.key, limit: 1_000_000 } : { tallyId: m.key, amount: (event.data as { amount: number }).amount });
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
      value: JSON.stringify({ specversion: '1.0', id: 'feed-in-1-b', source: '/tests/tally-feeder', type: ADD_AMOUNT_TYPE, data: { tallyId: 'in-1', amount: 5 } }),
      headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
    };
    await sender.send([{ topic: TALLY_COMMANDS_TOPIC, messages: [structured] }]);

    const events = await eventually(async () => {
      const e = await streamEvents('tally.tally-in-1');
      return e.length >= 3 ? e : undefined;
    }, 20_000, 'the inbound commands');
    expect(events.map((e) => [e.type, (e.data as { amount?: number }).amount])).toEqual([
      ['TallyOpened', undefined],
      ['AmountAdded', 7],
      ['AmountAdded', 5],
    ]);
    expect(events[1].metadata).toMatchObject({ idempotencyKey: 'feed-in-1-a', correlationId: 'corr-feed-1', command: 'AddAmount', occurredAt: '2026-11-29T09:30:00Z', actor: { role: 'system' } });
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
    const events = await eventually(async () => {
      const e = await streamEvents('tally.tally-dlq-1');
      return e.length >= 2 ? e : undefined;
    }, 20_000, 'the good command');
    expect(events.map((e) => e.type)).toEqual(['TallyOpened', 'AmountAdded']);
    expect(events[1].metadata.idempotencyKey).toBe('dlq-good');

    const letters = await eventually(async () => {
      const l = ofTopic(DLQ_TOPIC).filter((m) => m.key === 'dlq-1');
      return l.length >= 3 ? l : undefined;
    }, 20_000, 'three dead letters');
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

  it('pauses through a broker outage, shows it in readiness and metrics, and resumes without losing an event', async () => {
    cluster.pause();
    try {
      expect((await t.request('POST', '/tallies', { tallyId: 'outage-1', limit: 1_000 })).status).toBe(201);
      for (let n = 1; n <= 3; n++) expect((await t.request('POST', '/tallies/outage-1/amounts', { amount: n })).status).toBe(202);
      const down = await eventually(async () => {
        const r = await t.request('GET', '/health/ready');
        return r.status === 503 ? r : undefined;
      }, 20_000, 'readiness to fail');
      expect(down.body.failing).toContain('messaging');
      expect(down.body.checks.messaging.relay).toMatchObject({ state: 'backoff', brokerUp: false, active: true });
      expect(down.body.checks.messaging.relay.lagPositions).toBeGreaterThan(0);
      expect((await t.request('GET', '/metrics')).body).toMatch(/^arrears_relay_broker_up 0$/m);
    } finally {
      cluster.resume();
    }
    const stored = await streamEvents('tally.tally-outage-1');
    const up = await eventually(async () => {
      const r = await t.request('GET', '/health/ready');
      return r.status === 200 ? r : undefined;
    }, 20_000, 'readiness to recover');
    expect(up.body.details.messaging.relay).toMatchObject({ state: 'running', active: true, brokerUp: true });
    const onTopic = await eventually(async () => {
      const ids = new Set((await kcatRead(cluster.bootstrap, TALLY_TOPIC)).map((m) => m.headers.ce_id));
      return stored.every((e) => ids.has(e.eventId)) ? ids : undefined;
    }, 20_000, 'the events stored during the outage');
    expect(stored.filter((e) => onTopic.has(e.eventId))).toHaveLength(4);
    expect((await t.request('GET', '/metrics')).body).toMatch(/^arrears_relay_broker_up 1$/m);
  });
});
