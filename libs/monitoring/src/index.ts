// The Monitoring context: early warnings, collection KPIs and effectiveness reviews.
export { createMonitoringContext, monitoringIntegrationEvents, MONITORING_TOPIC } from './monitoring.module.js';
export {
  CURRENT_RULE_SET,
  RULE_SETS,
  RULE_SET_V1,
  SIGNAL_CODES,
  type RuleSet,
  type Severity,
  type Signal,
  type SignalCode,
} from './domain/early-warning.rules.js';
export type { EarlyWarningEpisodeClosed, EarlyWarningRaised, Episode } from './domain/customer-watch.js';
export type { EffectivenessReviewCompleted, MonitoringDayClosed, Recommendation, Segment } from './domain/review.js';
/** Where a champion/challenger review lives (`monitoring.review-<reviewId>`); its first event is EffectivenessReviewCompleted. */
export { reviewStream } from './domain/review.js';
export const REVIEW_COMPLETED_EVENT = 'EffectivenessReviewCompleted';
export { normalCdf, twoProportionZTest } from './domain/statistics.js';
export { KPIS, KPI_NAMES, type KpiName } from './read-model/kpi-definitions.js';
export { DEFAULT_MONITORING_SETTINGS, monitoringSettingsFromEnv, type MonitoringSettings } from './application/settings.js';

import { createMonitoringContext } from './monitoring.module.js';

/** The context as the app registers it, with settings from the environment. */
export const monitoringContext = createMonitoringContext();
