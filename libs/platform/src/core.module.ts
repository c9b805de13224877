import { Global, Module, type DynamicModule } from '@nestjs/common';
import type pg from 'pg';
import { EVENT_STORE, type EventStore } from '#eventstore';
import type { AppConfig } from './config/config.js';
import { Metrics } from './observability/metrics.js';
import { TokenVerifier, type AuthSettings } from './auth/auth.js';

export const APP_CONFIG = Symbol('AppConfig');
export const PG_POOL = Symbol('PgPool');

/** What a process shares: configuration, the read-model pool, the event store, metrics. */
export interface Runtime {
  readonly config: AppConfig;
  readonly pool: pg.Pool;
  readonly store: EventStore;
  readonly metrics: Metrics;
  readonly databaseUrl: string;
  readonly auth: AuthSettings;
  close(): Promise<void>;
}

/** An aggregate auditors can fold to any past state: its stream category and its evolve. */
export interface AggregateRegistration {
  /** Stream category, e.g. `loans.loan` (the part of the stream id before the first dash). */
  readonly category: string;
  readonly initialState: () => unknown;
  /** The aggregate's own evolve; its state and event types are its own, so they are not named here. */
  readonly evolve: (state: never, event: never) => unknown;
}

export const AGGREGATES = Symbol('Aggregates');

/** Makes the runtime's parts injectable everywhere. */
@Global()
@Module({})
export class CoreModule {
  static forRuntime(runtime: Runtime, aggregates: readonly AggregateRegistration[] = []): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: runtime.config },
        { provide: PG_POOL, useValue: runtime.pool },
        { provide: EVENT_STORE, useValue: runtime.store },
        { provide: Metrics, useValue: runtime.metrics },
        { provide: TokenVerifier, useValue: new TokenVerifier(runtime.auth) },
        { provide: AGGREGATES, useValue: aggregates },
      ],
      exports: [APP_CONFIG, PG_POOL, EVENT_STORE, Metrics, TokenVerifier, AGGREGATES],
    };
  }
}
