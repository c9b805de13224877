/**
 * The small broker interface the relay and the inbound consumers are written against. The Kafka
 * client library lives behind it (`kafkajs-broker.ts` is the only file that imports one), so the
 * client can be replaced without touching the relay, the consumers or the contexts.
 */

/** A message to publish. Header values are strings (CloudEvents attributes, error details). */
export interface OutgoingMessage {
  readonly key: string | Buffer | null;
  readonly value: Buffer | string | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface TopicBatch {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
}

export interface Publisher {
  connect(): Promise<void>;
  /**
   * Sends every message and resolves once all in-sync replicas acknowledged them (acks = -1).
   * Rejects when any part failed; parts may then have been written already (at least once).
   * Messages with the same key keep their order.
   */
  send(batches: readonly TopicBatch[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** A message as consumed. */
export interface ReceivedMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as a decimal string. */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Broker timestamp, milliseconds since the epoch, as a string. */
  readonly timestamp: string;
}

export interface ConsumeOptions {
  readonly topics: readonly string[];
  /** Where a group without committed offsets starts: true = the oldest retained message. */
  readonly fromBeginning: boolean;
  /** Partitions handled at the same time; within a partition messages are handled one by one. */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Handles one message. Its offset is committed only after the returned promise resolves; a
   * rejection leaves it uncommitted and the same message is delivered again.
   */
  handle(message: ReceivedMessage, control: { heartbeat(): Promise<void> }): Promise<void>;
}

export type ConsumerState = 'starting' | 'running' | 'crashed' | 'stopped';

export interface GroupConsumer {
  /** Connects, joins the group and starts handling; resolves once the consumer is running. */
  start(options: ConsumeOptions): Promise<void>;
  /** Finishes the message in hand, commits handled offsets and leaves the group. */
  stop(): Promise<void>;
  readonly state: ConsumerState;
  /** The last error that stopped consumption (it restarts by itself), if any. */
  readonly lastError: string | undefined;
}

export interface Broker {
  publisher(): Publisher;
  consumer(groupId: string): GroupConsumer;
  /** Throws when no broker answers a metadata request. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type MessagingLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** Connection settings, from the app's configuration (`kafkaSettings`). */
export interface BrokerSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: boolean;
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
  /** Idempotent producer (needs a real cluster with a controller; off against the test mock). */
  readonly idempotent?: boolean;
  readonly requestTimeoutMs?: number;
  /** Consumer group session timeout. */
  readonly sessionTimeoutMs?: number;
  /** Longest a fetch waits for data at the end of a partition. */
  readonly maxWaitTimeMs?: number;
  readonly log?: MessagingLog;
}
