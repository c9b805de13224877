import { aggregateFolds } from '#kernel';
import { Module } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '#eventstore';
import type { IntegrationMapper, ContextRegistration } from '#messaging';
import { Metrics } from '#platform';
import { customerWatchDecider } from './domain/customer-watch.js';
import { cadenceDecider, reviewDecider } from './domain/review.js';
import { MonitoringController } from './api/monitoring.controller.js';
import { calendarReactor } from './application/cadence.js';
import { earlyWarningReactor } from './application/early-warning.reactor.js';
import { scheduledReviews } from './application/reviews.js';
import { MonitoringRuntime } from './application/runtime.js';
import { monitoringSettingsFromEnv, type MonitoringSettings } from './application/settings.js';
import { factsProjection } from './read-model/facts.projection.js';
import { reviewsProjection, warningsProjection } from './read-model/warnings.projection.js';

export const MONITORING_TOPIC = 'arrears.monitoring.v1';

/**
 * Published on Kafka: warnings (keyed by customer, so a customer's episodes stay in order) and
 * review conclusions (keyed by strategy). The cadence's day closings stay internal.
 */
export const monitoringIntegrationEvents: IntegrationMapper[] = [
  {
    eventTypes: ['EarlyWarningRaised', 'EarlyWarningEpisodeClosed', 'EffectivenessReviewCompleted'],
    topic: MONITORING_TOPIC,
    map(event) {
      if (!event.streamId.startsWith('monitoring.')) return null;
      const d = event.data as { customerId?: string; strategyId?: string };
      const key = event.type === 'EffectivenessReviewCompleted' ? d.strategyId : d.customerId;
      return key ? { key, type: `arrears.monitoring.${event.type}`, data: event.data } : null;
    },
  },
];

/**
 * The Monitoring context: early warnings over the live event stream, KPI fact tables and queries,
 * and effectiveness reviews on demand and on a cadence.
 *
 * Its projections are built with the runtime they need; the module binds that runtime to the event
 * store when Nest builds it (before the projection runner starts).
 */
export function createMonitoringContext(settings: MonitoringSettings = monitoringSettingsFromEnv()): ContextRegistration {
  const runtime = new MonitoringRuntime(settings);

  @Module({
    // HTTP
    controllers: [MonitoringController],
    // Application
    providers: [
      {
        provide: MonitoringRuntime,
        inject: [EVENT_STORE, Metrics],
        useFactory: (store: EventStore, metrics: Metrics) => runtime.bind(store, metrics),
      },
    ],
  })
  class MonitoringModule {}

  return {
    name: 'monitoring',
    module: MonitoringModule,
    projections: [
      // Reactors (their effects are idempotent commands)
      earlyWarningReactor(runtime),
      calendarReactor(runtime),
      // Read models (the KPI facts also run the scheduled reviews when a day closes)
      factsProjection(scheduledReviews(runtime)),
      warningsProjection,
      reviewsProjection,
    ],
    migrations: [],
    integrationEvents: monitoringIntegrationEvents,
    aggregates: aggregateFolds({
      'monitoring.customer': customerWatchDecider,
      'monitoring.review': reviewDecider,
      'monitoring.cadence': cadenceDecider,
    }),
  };
}
