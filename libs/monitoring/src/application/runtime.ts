import { AggregateRepository, type EventStore } from '#eventstore';
import type { Metrics } from '#platform';
import { customerWatchDecider, type CustomerWatchCommand, type CustomerWatchEvent, type CustomerWatchState } from '../domain/customer-watch.js';
import {
  cadenceDecider,
  reviewDecider,
  type CadenceEvent,
  type CadenceState,
  type CloseMonitoringDay,
  type ReviewCommand,
  type ReviewEvent,
  type ReviewState,
} from '../domain/review.js';
import type { MonitoringSettings } from './settings.js';

/**
 * What monitoring's projections and reactors need at run time but cannot get at import time (they
 * are listed statically in the context registration): the event store, the aggregates'
 * repositories and the metrics their commands are recorded in. The module binds them when Nest builds it, before the projection runner starts.
 */
export class MonitoringRuntime {
  private bound?: {
    customers: AggregateRepository<CustomerWatchCommand, CustomerWatchEvent, CustomerWatchState>;
    reviews: AggregateRepository<ReviewCommand, ReviewEvent, ReviewState>;
    cadence: AggregateRepository<CloseMonitoringDay, CadenceEvent, CadenceState>;
    metrics?: Metrics;
  };

  constructor(readonly settings: MonitoringSettings) {}

  bind(store: EventStore, metrics?: Metrics): this {
    this.bound = {
      customers: new AggregateRepository(store, customerWatchDecider),
      reviews: new AggregateRepository(store, reviewDecider, { cacheStreams: 1000 }),
      cadence: new AggregateRepository(store, cadenceDecider),
      metrics,
    };
    return this;
  }

  private get parts() {
    if (!this.bound) throw new Error('monitoring runtime is not bound to an event store yet');
    return this.bound;
  }

  get customers() {
    return this.parts.customers;
  }

  get reviews() {
    return this.parts.reviews;
  }

  get cadence() {
    return this.parts.cadence;
  }

  /** The command pipeline's metrics (none in a unit test's wiring). */
  get metrics(): Metrics | undefined {
    return this.parts.metrics;
  }
}
