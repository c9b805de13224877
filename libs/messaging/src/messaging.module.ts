import { Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type pg from 'pg';
import { Counter, Gauge } from 'prom-client';
import { EVENT_STORE, type EventStore } from '#eventstore';
import { APP_CONFIG, Metrics, PG_POOL, type AppConfig } from '#platform';
import type { ContextRegistration } from './context.js';
import type { Broker, MessagingLog } from './broker.js';
import { InboundConsumer, type InboundHandler, type InboundRegistration, type InboundRoute, type InboundStatus } from './inbound.js';
import { kafkaBroker } from './kafka.js';
import { OutboundRelay, type RelayStatus } from './relay.js';
import { kafkaSettings } from './settings.js';

export const MESSAGING_CONTEXTS = Symbol('MessagingContexts');

export interface MessagingStatus {
  /** False when KAFKA_BROKERS is unset or this process does not run the `relay` role. */
  readonly enabled: boolean;
  readonly relay: RelayStatus | { readonly state: 'off' };
  readonly inbound: InboundStatus | { readonly state: 'off' };
}

/**
 * Owns this process's Kafka side: the outbound relay (one active in the deployment) and the
 * inbound consumer group, both started with the `relay` role when KAFKA_BROKERS is set. Contexts
 * contribute `integrationEvents` mappers and `inbound` handlers through their registration.
 */
@Injectable()
export class MessagingService implements OnApplicationShutdown {
  private readonly logger = new Logger('Messaging');
  private broker: Broker | undefined;
  private relay: OutboundRelay | undefined;
  private inbound: InboundConsumer | undefined;
  private readonly published: Counter<'topic'>;
  private readonly inboundResults: Counter<'topic' | 'outcome'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGING_CONTEXTS) private readonly contexts: readonly ContextRegistration[],
    private readonly moduleRef: ModuleRef,
    metrics: Metrics,
  ) {
    const registers = [metrics.registry];
    this.published = new Counter({
      name: 'arrears_relay_published_total',
      help: 'Integration events the broker acknowledged, by topic',
      labelNames: ['topic'],
      registers,
    });
    // A gauge's collect() runs with the gauge as `this`; the relay is read through this closure.
    const relayGauge = (name: string, help: string, read: (relay: OutboundRelay) => number | undefined | Promise<number | undefined>) => {
      const relay = () => this.relay;
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const current = relay();
          const value = current && (await read(current));
          if (value !== undefined) this.set(value);
        },
      });
    };
    relayGauge('arrears_relay_broker_up', '1 when the last request of the relay to Kafka succeeded (a send or the idle probe), 0 while it backs off', (r) =>
      r.brokerReachable ? 1 : 0,
    );
    relayGauge(
      'arrears_relay_lag_positions',
      'Store positions between the relay checkpoint and the head (approximate event count)',
      async (r) => (await r.status().catch(() => undefined))?.lagPositions,
    );
    relayGauge('arrears_relay_active', '1 when this process holds the relay lock (the one publishing instance)', async (r) =>
      (await r.status().catch(() => undefined))?.active ? 1 : 0,
    );
    this.inboundResults = new Counter({
      name: 'arrears_inbound_messages_total',
      help: 'Inbound Kafka messages by topic and outcome (ok, rejected, malformed, failed: the last three were dead-lettered)',
      labelNames: ['topic', 'outcome'],
      registers,
    });
  }

  get enabled(): boolean {
    return Boolean(this.config.KAFKA_BROKERS?.length) && this.config.ARREARS_ROLES.includes('relay');
  }

  /** Starts the relay and the consumers in the background (they wait for Kafka on their own). */
  async start(): Promise<void> {
    if (!this.enabled || this.broker) return;
    const log: MessagingLog = (level, message, fields) => {
      const entry = { ...fields, msg: message };
      if (level === 'info') this.logger.log(entry);
      else this.logger[level](entry);
    };
    const settings = kafkaSettings(this.config, log);
    if (!settings) return;
    const broker = await kafkaBroker(settings);
    this.broker = broker;

    const databaseUrl = this.pool.options.connectionString;
    if (!databaseUrl) throw new Error('the relay needs the database connection string of the pool');
    const mappers = this.contexts.flatMap((c) => c.integrationEvents ?? []);
    this.relay = new OutboundRelay({ url: databaseUrl, pool: this.pool }, this.store, broker, mappers, {
      batchSize: this.config.RELAY_BATCH_SIZE,
      backoffMaxMs: this.config.RELAY_BACKOFF_MAX_MS,
      probeIntervalMs: Math.min(10_000, Math.max(200, this.config.KAFKA_REQUEST_TIMEOUT_MS)),
      log,
      onPublished: (topic, count) => this.published.inc({ topic }, count),
    });
    this.relay.start();

    const routes: InboundRoute[] = this.contexts.flatMap((c) =>
      (c.inbound ?? []).map((r) => ({ topic: r.topic, handler: this.resolve(r), deadLetterTopic: r.deadLetterTopic ?? `${r.topic}.dlq` })),
    );
    if (routes.length) {
      this.inbound = new InboundConsumer(broker, {
        groupId: this.config.KAFKA_GROUP_ID,
        routes,
        backoffMaxMs: this.config.RELAY_BACKOFF_MAX_MS,
        log,
        onResult: (topic, outcome) => this.inboundResults.inc({ topic, outcome }),
      });
      this.inbound.start();
    }
  }

  async status(): Promise<MessagingStatus> {
    return {
      enabled: this.enabled,
      relay: this.relay ? await this.relay.status() : { state: 'off' },
      inbound: this.inbound ? this.inbound.status() : { state: 'off' },
    };
  }

  /** For readiness: the relay is not backing off with the broker unreachable; consumers are not crashed. */
  async readiness(): Promise<{ up: boolean; status: MessagingStatus }> {
    const status = await this.status();
    const relay = status.relay;
    const relayDown = relay.state !== 'off' && (relay.state === 'backoff' || ('active' in relay && relay.active && !relay.brokerUp));
    const inbound = status.inbound;
    const inboundDown = inbound.state === 'crashed' || (inbound.state === 'connecting' && 'lastError' in inbound && Boolean(inbound.lastError));
    return { up: !relayDown && !inboundDown, status };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.inbound?.stop();
    await this.relay?.stop();
    await this.broker?.close();
    this.inbound = undefined;
    this.relay = undefined;
    this.broker = undefined;
  }

  private resolve(registration: InboundRegistration): InboundHandler {
    const handler = registration.handler;
    if (typeof handler === 'function') return this.moduleRef.get(handler, { strict: false });
    return handler;
  }
}

/** Provides MessagingService to the app; the contexts' mappers and handlers come from their registrations. */
@Module({})
export class MessagingModule {
  static forContexts(contexts: readonly ContextRegistration[]): DynamicModule {
    return {
      module: MessagingModule,
      providers: [{ provide: MESSAGING_CONTEXTS, useValue: contexts }, MessagingService],
      exports: [MessagingService],
    };
  }
}
