import pg from 'pg';
import { comparePositions, formatPosition, START, type Position, type RecordedEvent } from '#kernel';
import type { EventStore, Subscription } from '#eventstore';
import type { Broker, MessagingLog, TopicBatch } from './broker.js';
import { backoffDelay, Sleeper } from './backoff.js';
import { mapEvent, type IntegrationMapper, type MappedMessage } from './integration.js';
import { PublisherLink } from './publisher-link.js';

export type RelayState =
  /** Not started, or stopped. */
  | 'stopped'
  /** Waiting for the relay lock: another instance is the active relay. */
  | 'standby'
  /** Holds the lock and publishes. */
  | 'running'
  /** Holds the lock; the last send failed (broker unreachable, or a mapper threw): retrying with backoff. */
  | 'backoff';

export interface RelayStatus {
  readonly name: string;
  readonly state: RelayState;
  /** This instance holds the relay lock. */
  readonly active: boolean;
  /** The last request to the broker succeeded (a send, or the idle probe). */
  readonly brokerUp: boolean;
  /** Every mapped event up to here has been acknowledged by the broker. */
  readonly checkpoint: string;
  /** Approximate number of store positions between the checkpoint and the head. */
  readonly lagPositions: number;
  /** Messages published by this instance since it started. */
  readonly published: number;
  readonly lastError?: string;
}

export interface RelayOptions {
  /** The checkpoint row and lock name; one relay per name is active at a time. */
  readonly name?: string;
  /** Most events read and sent per batch. */
  readonly batchSize?: number;
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  /** When idle, how often the broker is probed so that an outage shows before the next send. */
  readonly probeIntervalMs?: number;
  readonly log?: MessagingLog;
  /** Called after the broker acknowledged a batch, per topic. */
  readonly onPublished?: (topic: string, count: number) => void;
  readonly onBrokerState?: (up: boolean) => void;
}

class MappingError extends Error {}

/**
 * The outbound relay: reads the event store from its checkpoint, maps each event through the
 * contexts' integration mappers and publishes the result in batches. The checkpoint (Postgres,
 * `relay_checkpoints`) moves past a batch only after the broker acknowledged all of it (acks = -1),
 * so every mapped event is published at least once; a crash between the acknowledgement and the
 * checkpoint publishes that batch again.
 *
 * One relay is active at a time: it holds a Postgres advisory lock on a dedicated connection, and
 * writes its checkpoint through that same connection, so an instance that lost the lock cannot move
 * the checkpoint. Other instances wait on the lock and take over when the holder's session ends.
 *
 * A broker outage pauses the relay: the same batch is retried with exponential backoff
 * (`state: 'backoff'`, `brokerUp: false`), nothing is skipped, and it resumes where it stopped.
 */
export class OutboundRelay {
  private readonly name: string;
  private readonly batchSize: number;
  private readonly backoffMinMs: number;
  private readonly backoffMaxMs: number;
  private readonly probeIntervalMs: number;
  private readonly eventTypes: string[];
  private readonly sleeper = new Sleeper();

  private state: RelayState = 'stopped';
  private active = false;
  private brokerUp = true;
  private checkpoint: Position = START;
  private published = 0;
  private lastError: string | undefined;
  private lastBrokerContact = 0;

  private stopping = false;
  private loop: Promise<void> | undefined;
  private lockClient: pg.Client | undefined;
  private subscription: Subscription | undefined;
  private sending = false;
  private probeTimer: NodeJS.Timeout | undefined;

  /**
   * `db.url` opens the dedicated lock connection; `db.pool` serves status reads of a standby.
   */
  constructor(
    private readonly db: { readonly url: string; readonly pool: pg.Pool },
    private readonly store: EventStore,
    private readonly broker: Broker,
    private readonly mappers: readonly IntegrationMapper[],
    private readonly options: RelayOptions = {},
  ) {
    this.name = options.name ?? 'outbound';
    this.batchSize = options.batchSize ?? 500;
    this.backoffMinMs = options.backoffMinMs ?? 100;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.probeIntervalMs = options.probeIntervalMs ?? 10_000;
    this.eventTypes = [...new Set(mappers.flatMap((m) => m.eventTypes))];
  }

  /** Starts in the background: waits for the lock, then publishes until `stop`. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run().finally(() => {
      this.loop = undefined;
    });
  }

  /** Finishes the batch in hand (its checkpoint included), then releases the lock. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.sleeper.wake();
    if (this.probeTimer) clearInterval(this.probeTimer);
    const subscription = this.subscription;
    if (subscription) await subscription.close().catch(() => undefined);
    // Waiting for the lock: ending the connection aborts the wait.
    if (!this.active) await this.lockClient?.end().catch(() => undefined);
    await this.loop;
    this.state = 'stopped';
  }

  /** The last request to the broker succeeded. */
  get brokerReachable(): boolean {
    return this.brokerUp;
  }

  async status(): Promise<RelayStatus> {
    let lag = 0;
    if (this.eventTypes.length > 0) {
      const head = await this.store.headPosition().catch(() => null);
      const checkpoint = this.active ? this.checkpoint : await this.storedCheckpoint().catch(() => this.checkpoint);
      if (head && comparePositions(head, checkpoint) > 0) lag = Math.max(0, Number(head.prepare - checkpoint.prepare));
      return this.snapshot(checkpoint, lag);
    }
    return this.snapshot(this.checkpoint, lag);
  }

  private snapshot(checkpoint: Position, lagPositions: number): RelayStatus {
    return {
      name: this.name,
      state: this.state,
      active: this.active,
      brokerUp: this.brokerUp,
      checkpoint: formatPosition(checkpoint),
      lagPositions,
      published: this.published,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private async run(): Promise<void> {
    for (let attempt = 0; !this.stopping;) {
      let lock: pg.Client | undefined;
      try {
        lock = await this.acquireLock();
        if (this.stopping) break;
        this.active = true;
        this.state = 'running';
        this.log('info', 'relay active', { relay: this.name });
        attempt = 0;
        await this.publishFrom(lock);
      } catch (err) {
        if (this.stopping) break;
        this.lastError = `database: ${errorText(err)}`;
        const delay = backoffDelay(attempt++, this.backoffMinMs, this.backoffMaxMs);
        this.log('error', 'relay lost its database connection; retrying', { relay: this.name, error: errorText(err), retryInMs: delay });
        await this.sleeper.sleep(delay);
      } finally {
        this.active = false;
        this.lockClient = undefined;
        // Ending the session releases the advisory lock for the next instance.
        await lock?.end().catch(() => undefined);
      }
    }
    this.state = 'stopped';
  }

  /** Opens the dedicated connection and waits (blocking in Postgres) for the relay lock. */
  private async acquireLock(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.db.url, keepAlive: true, application_name: `arrears-relay-${this.name}` });
    // A dropped connection surfaces as a failed query; the event only needs a listener.
    client.on('error', (err) => this.log('warn', 'relay lock connection error', { relay: this.name, error: errorText(err) }));
    // Losing the session loses the lock: stop publishing now rather than at the next checkpoint.
    client.on('end', () => {
      if (this.lockClient === client && this.active && !this.stopping) {
        this.log('warn', 'relay lock connection closed; stepping down', { relay: this.name });
        void this.subscription?.close().catch(() => undefined);
      }
    });
    this.lockClient = client;
    await client.connect();
    if (this.stopping) return client;
    this.state = 'standby';
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`arrears.relay.${this.name}`]);
    return client;
  }

  private async publishFrom(lock: pg.Client): Promise<void> {
    await lock.query('INSERT INTO relay_checkpoints (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [this.name]);
    this.checkpoint = await this.storedCheckpoint(lock);
    if (this.eventTypes.length === 0) {
      // Nothing to publish: hold the lock and wait for stop.
      while (!this.stopping) await this.sleeper.sleep(60_000);
      return;
    }
    const link = new PublisherLink(this.broker);
    const subscription = this.store.subscribeToAll({ from: this.checkpoint, filter: { eventTypes: this.eventTypes }, batchSize: this.batchSize });
    this.subscription = subscription;
    this.probeTimer = setInterval(() => void this.probe(), Math.max(50, Math.floor(this.probeIntervalMs / 2)));
    // A pipeline of three stages: while a batch is being published, the next one is read from the
    // store, and the checkpoint of the one before is written. The checkpoint still moves only past
    // batches the broker acknowledged, in order (one connection writes them one after another).
    const batches = subscription[Symbol.asyncIterator]();
    let checkpointed: Promise<void> = Promise.resolve();
    try {
      let next = batches.next();
      for (;;) {
        const { value: batch, done } = await next;
        if (done || this.stopping) break;
        next = batches.next();
        const sent = await this.sendWithBackoff(link, batch.events);
        if (!sent) break;
        // Only now, with every message acknowledged, may the checkpoint pass the batch.
        await checkpointed;
        checkpointed = lock
          .query(`UPDATE relay_checkpoints SET commit_position = $2, prepare_position = $3, published = published + $4, updated_at = now() WHERE name = $1`, [
            this.name,
            String(batch.position.commit),
            String(batch.position.prepare),
            sent.count,
          ])
          .then(() => {
            this.checkpoint = batch.position;
            this.published += sent.count;
            for (const [topic, count] of sent.byTopic) this.options.onPublished?.(topic, count);
          });
        // A failed checkpoint write must not go unnoticed: it surfaces at the next await.
        checkpointed.catch(() => undefined);
      }
      await checkpointed;
    } finally {
      if (this.probeTimer) clearInterval(this.probeTimer);
      this.probeTimer = undefined;
      this.subscription = undefined;
      await subscription.close().catch(() => undefined);
      await link.close();
    }
  }

  /**
   * Maps and sends one batch, retrying with backoff until the broker acknowledges it. Resolves
   * with what was sent, or null when the relay stopped before it was.
   */
  private async sendWithBackoff(link: PublisherLink, events: readonly RecordedEvent[]): Promise<{ count: number; byTopic: Map<string, number> } | null> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopping) return null;
      try {
        let mapped: MappedMessage[];
        try {
          mapped = events.flatMap((e) => mapEvent(e, this.mappers));
        } catch (err) {
          throw new MappingError(errorText(err));
        }
        const byTopic = new Map<string, TopicBatch['messages'][number][]>();
        for (const m of mapped) {
          const list = byTopic.get(m.topic) ?? [];
          list.push(m.message);
          byTopic.set(m.topic, list);
        }
        if (mapped.length > 0) {
          this.sending = true;
          try {
            await link.send([...byTopic].map(([topic, messages]) => ({ topic, messages })));
          } finally {
            this.sending = false;
          }
          this.markBroker(true);
        }
        if (this.state === 'backoff') this.log('info', 'relay resumed', { relay: this.name });
        this.state = 'running';
        this.lastError = undefined;
        return { count: mapped.length, byTopic: new Map([...byTopic].map(([t, list]) => [t, list.length])) };
      } catch (err) {
        if (this.stopping) return null;
        const mapping = err instanceof MappingError;
        if (!mapping) this.markBroker(false);
        this.state = 'backoff';
        this.lastError = mapping ? `mapping: ${err.message}` : `broker: ${errorText(err)}`;
        const delay = backoffDelay(attempt, this.backoffMinMs, this.backoffMaxMs);
        this.log(
          attempt === 0 ? (mapping ? 'error' : 'warn') : 'debug',
          mapping ? 'relay cannot map an event; retrying' : 'relay cannot publish; backing off',
          {
            relay: this.name,
            error: this.lastError,
            attempt: attempt + 1,
            retryInMs: delay,
          },
        );
        await this.sleeper.sleep(delay);
      }
    }
  }

  /** While idle, asks the broker for metadata so an outage shows without waiting for events. */
  private async probe(): Promise<void> {
    if (this.sending || this.stopping || this.state === 'backoff') return;
    if (Date.now() - this.lastBrokerContact < this.probeIntervalMs) return;
    this.lastBrokerContact = Date.now();
    try {
      await this.broker.ping();
      if (!this.sending) {
        this.markBroker(true);
        if (this.lastError?.startsWith('broker:')) this.lastError = undefined;
      }
    } catch (err) {
      if (!this.sending) {
        this.markBroker(false);
        this.lastError = `broker: ${errorText(err)}`;
      }
    }
  }

  private markBroker(up: boolean): void {
    this.lastBrokerContact = Date.now();
    if (up !== this.brokerUp) this.log(up ? 'info' : 'warn', up ? 'broker reachable' : 'broker unreachable', { relay: this.name });
    this.brokerUp = up;
    this.options.onBrokerState?.(up);
  }

  private async storedCheckpoint(db?: pg.Client): Promise<Position> {
    const query = 'SELECT commit_position, prepare_position FROM relay_checkpoints WHERE name = $1';
    const { rows } = db
      ? await db.query<{ commit_position: string; prepare_position: string }>(query, [this.name])
      : await this.db.pool.query<{ commit_position: string; prepare_position: string }>(query, [this.name]);
    return rows.length ? { commit: BigInt(rows[0].commit_position), prepare: BigInt(rows[0].prepare_position) } : START;
  }

  private log(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void {
    this.options.log?.(level, message, fields);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
