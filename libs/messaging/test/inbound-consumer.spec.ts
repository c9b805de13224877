import kafkajs from 'kafkajs';
import { describeWithKafka, kcatRead, startMockCluster, type MockCluster } from '#test-support/kafka/mock-cluster.js';
import type { Publisher } from '../src/broker.js';
import { DLQ_HEADERS, InboundConsumer, type InboundMessage, type InboundOutcome } from '../src/inbound.js';
import { KafkaJsBroker } from '../src/kafkajs-broker.js';

const TOPIC = 'feed.v1';

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function cloudEvent(id: string, data: unknown) {
  return {
    key: 'k-1',
    value: JSON.stringify(data),
    headers: { ce_specversion: '1.0', ce_id: id, ce_source: '/tests/feed', ce_type: 'feed.Item', 'content-type': 'application/json' },
  };
}

describeWithKafka('inbound consumer (mock cluster)', () => {
  let cluster: MockCluster;
  let broker: KafkaJsBroker;
  let sender: Publisher;

  beforeAll(async () => {
    cluster = await startMockCluster();
    broker = new KafkaJsBroker({ brokers: cluster.brokers, clientId: 'inbound-test', maxWaitTimeMs: 100, sessionTimeoutMs: 6_000 });
    sender = broker.publisher();
    await sender.connect();
  });
  afterAll(async () => {
    await sender?.disconnect();
    await broker?.close();
    await cluster?.stop();
  });

  it('retries a failing handler with the same message id, dead-letters one that keeps failing, and commits only handled offsets', async () => {
    const calls: InboundMessage[] = [];
    /** What the handler "stored", by message id: a set, as a command with an idempotency key is. */
    const effects = new Map<string, number>();
    const handler = {
      async handle(message: InboundMessage): Promise<InboundOutcome> {
        calls.push(message);
        const mode = (message.data as { mode: string }).mode;
        const attempt = calls.filter((c) => c.id === message.id).length;
        if (mode === 'broken') throw new Error('a bug in the handler');
        effects.set(message.id, 1);
        // Stored, then the connection dropped before the handler could answer.
        if (mode === 'flaky' && attempt === 1) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
        return 'ok';
      },
    };
    const consumer = new InboundConsumer(broker, {
      groupId: 'inbound-test',
      routes: [{ topic: TOPIC, handler, deadLetterTopic: `${TOPIC}.dlq` }],
      maxAttempts: 3,
      backoffMinMs: 10,
      backoffMaxMs: 50,
    });
    await sender.send([
      {
        topic: TOPIC,
        messages: [
          cloudEvent('flaky-1', { mode: 'flaky' }),
          cloudEvent('broken-1', { mode: 'broken' }),
          { key: 'k-1', value: '{"mode":"plain"}', headers: {} },
        ],
      },
    ]);
    consumer.start();
    try {
      await eventually(async () => (calls.some((c) => (c.data as { mode: string }).mode === 'plain') ? true : undefined), 20_000, 'the last message');

      expect(calls.map((c) => [c.id.replace(/\/\d+$/, '/<offset>'), (c.data as { mode: string }).mode])).toEqual([
        ['flaky-1', 'flaky'],
        ['flaky-1', 'flaky'],
        ['broken-1', 'broken'],
        ['broken-1', 'broken'],
        ['broken-1', 'broken'],
        [`${TOPIC}/${calls[0].partition}/<offset>`, 'plain'],
      ]);
      expect(Object.fromEntries(effects)).toEqual({ 'flaky-1': 1, [calls[5].id]: 1 });
      expect(consumer.status().handled).toEqual({ ok: 2, rejected: 0, malformed: 0, failed: 1 });

      const [letter] = await eventually(
        async () => {
          const l = await kcatRead(cluster.bootstrap, `${TOPIC}.dlq`);
          return l.length ? l : undefined;
        },
        10_000,
        'the dead letter',
      );
      expect(letter.headers).toMatchObject({ ce_id: 'broken-1', [DLQ_HEADERS.code]: 'HANDLER_FAILED', [DLQ_HEADERS.messageId]: 'broken-1' });
      expect(JSON.parse(letter.headers[DLQ_HEADERS.error])).toMatchObject({ detail: 'a bug in the handler', attempts: 3 });
    } finally {
      await consumer.stop();
    }

    // Stopping committed every handled offset: the group resumes after the last message.
    const admin = new kafkajs.Kafka({ brokers: cluster.brokers, clientId: 'inbound-test-admin', logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: 'inbound-test', topics: [TOPIC] });
      const committed = offsets.partitions.find((p) => p.partition === calls[0].partition);
      expect(committed?.offset).toBe(String(Number(calls[5].offset) + 1));
    } finally {
      await admin.disconnect();
    }
  });
});
