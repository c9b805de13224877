import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import { EVENT_STORE, type EventStore } from '#eventstore';
import { ProjectionRunner, type Projection } from '#projections';
import { APP_CONFIG, Metrics, PG_POOL, createPool, type AppConfig } from '#platform';
import { Gauge } from 'prom-client';

export const PROJECTIONS = Symbol('Projections');

/** Owns the projection runner: started when this process has the `projections` role. */
@Injectable()
export class ProjectionsService implements OnApplicationShutdown {
  readonly runner: ProjectionRunner;
  private readonly logger = new Logger('Projections');
  private running = false;
  /**
   * The runner's own connections. A live batch holds a connection for its whole transaction while
   * its reactions run commands on the app's pool; sharing one pool, 26 projections' batches could
   * hold every connection and wait for one themselves, stalling reactions and commands alike.
   */
  private readonly batchPool: pg.Pool;

  constructor(
    @Inject(PG_POOL) pool: pg.Pool,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PROJECTIONS) projections: Projection[],
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: Metrics,
  ) {
    this.batchPool = createPool(pool.options.connectionString!, projections.length + 4);
    this.runner = new ProjectionRunner(this.batchPool, store, projections, {
      batchSize: config.PROJECTION_BATCH_SIZE,
      log: (level, message, fields) => this.logger[level === 'info' ? 'log' : level]({ ...fields, msg: message }),
    });
    const runner = this.runner;
    const lagPositions = new Gauge({
      name: 'arrears_projection_lag_positions',
      help: 'Store positions between a projection checkpoint and the head (approximate event count)',
      labelNames: ['projection'],
      registers: [metrics.registry],
      async collect() {
        for (const s of await runner.status().catch(() => [])) this.set({ projection: s.name }, s.lagPositions);
      },
    });
    new Gauge({
      name: 'arrears_projection_lag_seconds',
      help: 'How long the oldest event a projection has still to apply has waited since it was recorded; 0 when none waits',
      labelNames: ['projection'],
      registers: [metrics.registry],
      async collect() {
        for (const s of await runner.status().catch(() => [])) this.set({ projection: s.name }, s.lagSeconds);
      },
    });
    new Gauge({
      name: 'arrears_projection_halted',
      help: '1 when a projection is halted on a poison event',
      labelNames: ['projection'],
      registers: [metrics.registry],
      async collect() {
        for (const s of await runner.status().catch(() => [])) this.set({ projection: s.name }, s.status === 'halted' ? 1 : 0);
      },
    });
    void lagPositions;
  }

  async start(): Promise<void> {
    await this.runner.start();
    this.running = true;
  }

  get isRunning(): boolean {
    return this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.running) await this.runner.stop();
    this.running = false;
    await this.batchPool.end().catch(() => undefined);
  }
}
