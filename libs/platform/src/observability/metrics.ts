import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The process's Prometheus registry and the metrics every part shares. */
export class Metrics {
  readonly registry = new Registry();
  readonly commandDuration: Histogram<'command' | 'outcome'>;
  readonly appendedEvents: Counter<'category'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly rateLimited: Counter<'role'>;
  readonly eventStoreUp: Gauge<'kind'>;
  readonly eventStoreSubscriptionDrops: Counter<'kind'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'arrears_' });
    this.commandDuration = new Histogram({
      name: 'arrears_command_duration_seconds',
      help: 'Command handling time (load, decide, append), by command and outcome',
      labelNames: ['command', 'outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.appendedEvents = new Counter({
      name: 'arrears_events_appended_total',
      help: 'Events appended to the store, by stream category',
      labelNames: ['category'],
      registers: [this.registry],
    });
    this.httpRequests = new Counter({
      name: 'arrears_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.rateLimited = new Counter({
      name: 'arrears_http_rate_limited_total',
      help: 'Requests refused with 429 RATE_LIMITED, by the caller role (anonymous: no valid token)',
      labelNames: ['role'],
      registers: [this.registry],
    });
    this.eventStoreUp = new Gauge({
      name: 'arrears_event_store_up',
      help: 'Whether the event store (postgres or eventstoredb) answered the latest readiness check (1) or not (0); checked every second',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    this.eventStoreSubscriptionDrops = new Counter({
      name: 'arrears_event_store_subscription_drops_total',
      help: 'Subscriptions to the event store dropped by the server or the connection (each resubscribes from its last position)',
      labelNames: ['kind'],
      registers: [this.registry],
    });
  }
}
