import type { Type } from '@nestjs/common';
import type { DomainError } from '#kernel';
import type { Broker, GroupConsumer, MessagingLog, OutgoingMessage, ReceivedMessage } from './broker.js';
import { PublisherLink } from './publisher-link.js';
import { backoffDelay, isConnectionError, Sleeper } from './backoff.js';
import { decodeMessage, MalformedMessageError } from './cloudevents.js';

/** A consumed message as a handler sees it. */
export interface InboundMessage {
  /**
   * The message id, to be used as the command's idempotency key: the CloudEvents `id`, or
   * `<topic>/<partition>/<offset>` for a message without CloudEvents attributes. A redelivered
   * message carries the same id, so its command appends nothing the second time.
   */
  readonly id: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  /** CloudEvents attributes, when the message has them. */
  readonly type?: string;
  readonly source?: string;
  readonly time?: string;
  readonly subject?: string;
  /** The sender's correlation id (CloudEvents extension `correlationid`), when it sent one. */
  readonly correlationId?: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON payload (CloudEvents `data`); handlers validate it. */
  readonly data: unknown;
}

/** Why a message was refused; the same fields as an HTTP problem (`code` is the stable part). */
export interface RejectionProblem {
  readonly code: string;
  readonly title?: string;
  readonly detail?: string;
  readonly status?: number;
  readonly [extension: string]: unknown;
}

/**
 * `ok`: the command was stored (or was a repeat of a stored one); the offset may be committed.
 * `rejected`: the message can never succeed (bad payload, a business rule refused it); it goes to
 * the dead-letter topic and the partition moves on. A thrown error means "try again later".
 */
export type InboundOutcome = 'ok' | { readonly rejected: RejectionProblem };

export interface InboundHandler {
  handle(message: InboundMessage): Promise<InboundOutcome>;
}

/** What a context contributes to the inbound side: a topic and the handler of its messages. */
export interface InboundRegistration {
  readonly topic: string;
  /** A provider of the context's module (resolved from the app), or a ready instance. */
  readonly handler: Type<InboundHandler> | InboundHandler;
  /** Where refused and unreadable messages go; `<topic>.dlq` when omitted. */
  readonly deadLetterTopic?: string;
}

export function rejected(code: string, detail?: string, extra: Record<string, unknown> = {}): InboundOutcome {
  return { rejected: { code, ...(detail ? { detail } : {}), ...extra } };
}

/** A decider's refusal as an inbound rejection. */
export function rejectedBy(error: DomainError): InboundOutcome {
  return { rejected: { code: error.code, detail: error.message, category: error.category, ...(error.details ? { details: error.details } : {}) } };
}

/**
 * The id of a message that could not be decoded, where it can still be read: the binary-mode
 * `ce_id` header, or the `id` of a structured CloudEvent whose JSON parses. Dead letters carry it
 * (`dlq-message-id`), so an operator can find and replay the original.
 */
export function readableMessageId(received: ReceivedMessage): string | undefined {
  const header = received.headers.ce_id;
  if (typeof header === 'string' && header) return header;
  if (!received.value?.length) return undefined;
  try {
    const doc = JSON.parse(received.value.toString('utf8')) as unknown;
    const id = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as { id?: unknown }).id : undefined;
    return typeof id === 'string' && id ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Dead-letter headers (besides the original message's own headers, which are kept). */
export const DLQ_HEADERS = {
  code: 'dlq-error-code',
  error: 'dlq-error',
  topic: 'dlq-topic',
  partition: 'dlq-partition',
  offset: 'dlq-offset',
  group: 'dlq-group',
  messageId: 'dlq-message-id',
  failedAt: 'dlq-failed-at',
} as const;

export interface InboundRoute {
  readonly topic: string;
  readonly handler: InboundHandler;
  readonly deadLetterTopic: string;
}

export type InboundResult = 'ok' | 'rejected' | 'malformed' | 'failed';

export interface InboundConsumerOptions {
  readonly groupId: string;
  readonly routes: readonly InboundRoute[];
  /** Attempts of a handler that throws before its message is dead-lettered (`HANDLER_FAILED`). */
  readonly maxAttempts?: number;
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  readonly partitionsConsumedConcurrently?: number;
  /** Where a group without committed offsets starts; true (the default) = oldest retained. */
  readonly fromBeginning?: boolean;
  readonly log?: MessagingLog;
  readonly onResult?: (topic: string, result: InboundResult) => void;
}

export interface InboundStatus {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly state: GroupConsumer['state'] | 'connecting';
  readonly lastError?: string;
  readonly handled: Readonly<Record<InboundResult, number>>;
}

/**
 * Consumes the registered topics in one consumer group and turns each message into its handler's
 * command. An offset is committed only after the handler resolved (its command is stored) or the
 * message was written to the dead-letter topic and acknowledged; so nothing is lost, and a
 * redelivery reaches the handler with the same message id. A message that cannot be read, or
 * that its handler refuses, goes to `<topic>.dlq` with the error in its headers and does not
 * hold up the partition. Handler exceptions are retried with backoff; a database that cannot be
 * reached is retried without end (the message is never dead-lettered for it), any other error
 * after `maxAttempts`.
 */
export class InboundConsumer {
  private readonly routes: Map<string, InboundRoute>;
  private readonly maxAttempts: number;
  private readonly backoffMinMs: number;
  private readonly backoffMaxMs: number;
  private readonly sleeper = new Sleeper();
  private readonly counts: Record<InboundResult, number> = { ok: 0, rejected: 0, malformed: 0, failed: 0 };
  private consumer: GroupConsumer | undefined;
  private readonly deadLetters: PublisherLink;
  private connecting = false;
  private stopping = false;
  private startLoop: Promise<void> | undefined;
  private lastError: string | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly options: InboundConsumerOptions,
  ) {
    this.routes = new Map(options.routes.map((r) => [r.topic, r]));
    if (this.routes.size !== options.routes.length) throw new Error('two inbound handlers registered for one topic');
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoffMinMs = options.backoffMinMs ?? 100;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.deadLetters = new PublisherLink(broker);
  }

  /** Starts in the background; a broker that cannot be reached is retried with backoff. */
  start(): void {
    if (this.startLoop || this.routes.size === 0) return;
    this.stopping = false;
    this.startLoop = (async () => {
      for (let attempt = 0; !this.stopping; attempt++) {
        this.connecting = true;
        try {
          const consumer = this.broker.consumer(this.options.groupId);
          this.consumer = consumer;
          await consumer.start({
            topics: [...this.routes.keys()],
            fromBeginning: this.options.fromBeginning ?? true,
            partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
            handle: (message, control) => this.handleOne(message, control),
          });
          this.connecting = false;
          this.lastError = undefined;
          return;
        } catch (err) {
          this.connecting = false;
          if (this.stopping) return;
          this.lastError = errorText(err);
          await this.consumer?.stop().catch(() => undefined);
          this.consumer = undefined;
          const delay = backoffDelay(attempt, this.backoffMinMs, this.backoffMaxMs);
          this.log('warn', 'inbound consumer cannot start; retrying', { groupId: this.options.groupId, error: this.lastError, retryInMs: delay });
          await this.sleeper.sleep(delay);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.sleeper.wake();
    await this.startLoop;
    this.startLoop = undefined;
    await this.consumer?.stop().catch(() => undefined);
    await this.deadLetters.close();
    this.consumer = undefined;
  }

  status(): InboundStatus {
    const state = this.connecting ? 'connecting' : (this.consumer?.state ?? 'stopped');
    const lastError = this.consumer?.lastError ?? this.lastError;
    return {
      groupId: this.options.groupId,
      topics: [...this.routes.keys()],
      state,
      ...(lastError && state !== 'running' ? { lastError } : {}),
      handled: { ...this.counts },
    };
  }

  private async handleOne(received: ReceivedMessage, control: { heartbeat(): Promise<void> }): Promise<void> {
    const route = this.routes.get(received.topic);
    if (!route) throw new Error(`no inbound handler for topic ${received.topic}`);
    let message: InboundMessage;
    try {
      const decoded = decodeMessage(received);
      message = {
        id: decoded.id,
        topic: received.topic,
        partition: received.partition,
        offset: received.offset,
        key: received.key?.toString('utf8') ?? null,
        ...(decoded.type ? { type: decoded.type } : {}),
        ...(decoded.source ? { source: decoded.source } : {}),
        ...(decoded.time ? { time: decoded.time } : {}),
        ...(decoded.subject ? { subject: decoded.subject } : {}),
        ...(decoded.extensions.correlationid ? { correlationId: decoded.extensions.correlationid } : {}),
        headers: received.headers,
        data: decoded.data,
      };
    } catch (err) {
      if (!(err instanceof MalformedMessageError)) throw err;
      await this.deadLetter(route, received, readableMessageId(received), { code: err.code, title: 'Malformed message', detail: err.message });
      this.count(route.topic, 'malformed');
      return;
    }

    for (let attempt = 1; ; attempt++) {
      let outcome: InboundOutcome;
      try {
        outcome = await route.handler.handle(message);
        if (outcome !== 'ok' && !(typeof outcome === 'object' && outcome && typeof outcome.rejected?.code === 'string')) {
          throw new Error(`handler for ${route.topic} returned neither 'ok' nor { rejected }`);
        }
      } catch (err) {
        if (this.stopping) throw err;
        const connection = isConnectionError(err);
        if (!connection && attempt >= this.maxAttempts) {
          await this.deadLetter(route, received, message.id, { code: 'HANDLER_FAILED', title: 'Handler failed', detail: errorText(err), attempts: attempt });
          this.count(route.topic, 'failed');
          return;
        }
        const delay = backoffDelay(attempt - 1, this.backoffMinMs, this.backoffMaxMs);
        this.log('warn', 'inbound handler failed; retrying', { topic: route.topic, messageId: message.id, attempt, error: errorText(err), retryInMs: delay });
        // Giving the message back to the client after a while lets the group rebalance meanwhile.
        if (connection && attempt >= this.maxAttempts) throw err;
        await new Promise((r) => setTimeout(r, delay));
        if (this.stopping) throw new Error('stopping: the message stays uncommitted', { cause: err });
        await control.heartbeat().catch(() => undefined);
        continue;
      }
      if (outcome === 'ok') {
        this.count(route.topic, 'ok');
        return;
      }
      await this.deadLetter(route, received, message.id, outcome.rejected);
      this.count(route.topic, 'rejected');
      return;
    }
  }

  /** Writes the message as received, plus the error, to the dead-letter topic (acks = -1). */
  private async deadLetter(route: InboundRoute, received: ReceivedMessage, messageId: string | undefined, problem: RejectionProblem): Promise<void> {
    const headers: Record<string, string> = {
      ...received.headers,
      [DLQ_HEADERS.code]: problem.code,
      [DLQ_HEADERS.error]: JSON.stringify(problem),
      [DLQ_HEADERS.topic]: received.topic,
      [DLQ_HEADERS.partition]: String(received.partition),
      [DLQ_HEADERS.offset]: received.offset,
      [DLQ_HEADERS.group]: this.options.groupId,
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
      ...(messageId ? { [DLQ_HEADERS.messageId]: messageId } : {}),
    };
    const dead: OutgoingMessage = { key: received.key, value: received.value, headers };
    // A failed send throws: the message stays uncommitted and comes back.
    await this.deadLetters.send([{ topic: route.deadLetterTopic, messages: [dead] }]);
    this.log('warn', 'inbound message dead-lettered', {
      topic: received.topic,
      partition: received.partition,
      offset: received.offset,
      deadLetterTopic: route.deadLetterTopic,
      code: problem.code,
    });
  }

  private count(topic: string, result: InboundResult): void {
    this.counts[result] += 1;
    this.options.onResult?.(topic, result);
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void {
    this.options.log?.(level, message, fields);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
