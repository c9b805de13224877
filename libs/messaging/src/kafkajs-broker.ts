/**
 * The Broker interface on kafkajs, the only file that imports it. kafkajs is no longer actively
 * released; replacing it (for example with a librdkafka binding) means rewriting this file only.
 */
import kafkajs from 'kafkajs';
import type { Admin, Consumer, IHeaders, KafkaConfig, LogEntry, Producer } from 'kafkajs';
import type { Broker, BrokerSettings, ConsumeOptions, ConsumerState, GroupConsumer, MessagingLog, Publisher, ReceivedMessage, TopicBatch } from './broker.js';

const { Kafka, Partitioners, logLevel } = kafkajs;

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  }
  return out;
}

function kafkaLog(log: MessagingLog | undefined) {
  return () =>
    ({ level, log: entry }: LogEntry) => {
      if (!log) return;
      const { message, timestamp: _t, logger: _l, ...fields } = entry as { message: string; timestamp?: string; logger?: string; [k: string]: unknown };
      // kafkajs reports every failed connection attempt as an error; the relay and the consumers
      // report the outage themselves, so the client's own messages are warnings at most.
      log(level <= logLevel.WARN ? 'warn' : 'debug', `kafka: ${message}`, fields);
    };
}

export class KafkaJsBroker implements Broker {
  private readonly kafka: InstanceType<typeof Kafka>;
  private admin: Admin | undefined;

  constructor(private readonly settings: BrokerSettings) {
    const requestTimeout = settings.requestTimeoutMs ?? 30_000;
    const config: KafkaConfig = {
      clientId: settings.clientId,
      brokers: [...settings.brokers],
      requestTimeout,
      connectionTimeout: Math.min(requestTimeout, 10_000),
      // Few, quick client-level retries: the relay and the consumers back off on their own.
      retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 3 },
      logLevel: logLevel.WARN,
      logCreator: kafkaLog(settings.log),
      ...(settings.ssl ? { ssl: true } : {}),
      ...(settings.sasl ? { sasl: { ...settings.sasl } as KafkaConfig['sasl'] } : {}),
    };
    this.kafka = new Kafka(config);
  }

  publisher(): Publisher {
    const producer: Producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: this.settings.idempotent ?? false,
      // One request in flight per broker: a retried request cannot overtake the next one, so the
      // messages of one key stay in order.
      maxInFlightRequests: 1,
      // The relay retries a failed batch itself, with backoff and without end.
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 2 },
    });
    return {
      connect: () => producer.connect(),
      disconnect: () => producer.disconnect(),
      send: async (batches: readonly TopicBatch[]) => {
        const topicMessages = batches
          .filter((b) => b.messages.length > 0)
          .map((b) => ({ topic: b.topic, messages: b.messages.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } })) }));
        if (topicMessages.length === 0) return;
        await producer.sendBatch({ acks: -1, timeout: this.settings.requestTimeoutMs ?? 30_000, topicMessages });
      },
    };
  }

  consumer(groupId: string): GroupConsumer {
    return new KafkaJsGroupConsumer(this.kafka, groupId, this.settings);
  }

  async ping(): Promise<void> {
    if (!this.admin) {
      const admin = this.kafka.admin({ retry: { retries: 0 } });
      await admin.connect();
      this.admin = admin;
    }
    try {
      await this.admin.describeCluster();
    } catch (err) {
      const admin = this.admin;
      this.admin = undefined;
      await admin?.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}

class KafkaJsGroupConsumer implements GroupConsumer {
  state: ConsumerState = 'stopped';
  lastError: string | undefined;
  private consumer: Consumer | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kafka: InstanceType<typeof Kafka>,
    private readonly groupId: string,
    private readonly settings: BrokerSettings,
  ) {}

  async start(options: ConsumeOptions): Promise<void> {
    this.stopping = false;
    this.state = 'starting';
    const sessionTimeout = this.settings.sessionTimeoutMs ?? 30_000;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout,
      heartbeatInterval: Math.max(100, Math.floor(sessionTimeout / 10)),
      maxWaitTimeInMs: this.settings.maxWaitTimeMs ?? 1_000,
      retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 5 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.state = 'running';
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.state = 'crashed';
      this.lastError = String(event.payload.error?.message ?? event.payload.error);
      this.settings.log?.('warn', 'kafka consumer crashed', { groupId: this.groupId, error: this.lastError, restart: event.payload.restart });
      // kafkajs restarts by itself after retriable errors; after any other one, so do we.
      if (!event.payload.restart && !this.stopping) {
        this.restartTimer = setTimeout(() => {
          if (!this.stopping) void this.start(options).catch(() => undefined);
        }, 1_000);
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
    // Offsets are resolved only when `handle` resolved for the message, and auto-commit commits
    // resolved offsets only: a message whose handling failed is never committed past.
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: 1_000,
      autoCommitThreshold: 50,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachMessage: async ({ topic, partition, message, heartbeat }) => {
        const received: ReceivedMessage = {
          topic,
          partition,
          offset: message.offset,
          key: message.key ?? null,
          value: message.value ?? null,
          headers: headerText(message.headers),
          timestamp: message.timestamp,
        };
        await options.handle(received, { heartbeat });
      },
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await consumer.disconnect();
    this.state = 'stopped';
  }
}
