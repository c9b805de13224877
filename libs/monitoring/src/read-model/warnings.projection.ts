import { streamEntityId, type RecordedEvent } from '#kernel';
import { rowProjection } from '#projections';
import type { EarlyWarningEpisodeClosed, EarlyWarningRaised } from '../domain/customer-watch.js';
import type { Signal } from '../domain/early-warning.rules.js';
import type { EffectivenessReviewCompleted } from '../domain/review.js';

/** One row per customer episode: its signals so far, severity, and whether it is still open. */
export interface WarningRow {
  warning_id: string;
  customer_id: string;
  episode: number;
  status: 'OPEN' | 'CLOSED';
  severity: string;
  score: number;
  rule_set_version: string;
  signals: Signal[];
  started_on: string;
  last_raised_on: string;
  closed_on: string | null;
  raised_count: number;
  [k: string]: unknown;
}

export const warningsProjection = rowProjection<WarningRow>({
  name: 'monitoring_warnings',
  version: 1,
  table: 'rm_monitoring_warnings',
  ddl: `CREATE TABLE {table} (
      warning_id text PRIMARY KEY, customer_id text NOT NULL, episode integer NOT NULL, status text NOT NULL, severity text NOT NULL,
      score integer NOT NULL, rule_set_version text NOT NULL, signals jsonb NOT NULL, started_on text NOT NULL, last_raised_on text NOT NULL,
      closed_on text, raised_count integer NOT NULL);
    CREATE INDEX ON {table} (status, severity, last_raised_on);
    CREATE INDEX ON {table} (customer_id, episode)`,
  key: 'warning_id',
  filter: { eventTypes: ['EarlyWarningRaised', 'EarlyWarningEpisodeClosed'], streamPrefixes: ['monitoring.customer-'] },
  keyOf(e: RecordedEvent) {
    const d = e.data as { customerId?: string; episode?: { number: number } };
    return `${d.customerId ?? streamEntityId(e.streamId)}#${d.episode?.number ?? 0}`;
  },
  evolve(row, e) {
    if (e.type === 'EarlyWarningRaised') {
      const d = (e as RecordedEvent<EarlyWarningRaised['data']>).data;
      return {
        warning_id: `${d.customerId}#${d.episode.number}`,
        customer_id: d.customerId,
        episode: d.episode.number,
        status: 'OPEN',
        severity: d.severity,
        score: d.score,
        rule_set_version: d.ruleSetVersion,
        signals: [...(row?.signals ?? []), ...d.signals],
        started_on: d.episode.startedOn,
        last_raised_on: d.asOf,
        closed_on: null,
        raised_count: (row?.raised_count ?? 0) + 1,
      };
    }
    const d = (e as RecordedEvent<EarlyWarningEpisodeClosed['data']>).data;
    return row ? { ...row, status: 'CLOSED', closed_on: d.closedOn } : undefined;
  },
});

export interface ReviewRow {
  review_id: string;
  strategy_id: string;
  strategy_version: number | null;
  segment: string;
  trigger: string;
  as_of: string;
  recommendation: string;
  better: string | null;
  completed_at: string;
  review: EffectivenessReviewCompleted['data'];
  [k: string]: unknown;
}

export const reviewsProjection = rowProjection<ReviewRow>({
  name: 'monitoring_reviews',
  version: 1,
  table: 'rm_monitoring_reviews',
  ddl: `CREATE TABLE {table} (
      review_id text PRIMARY KEY, strategy_id text NOT NULL, strategy_version integer, segment text NOT NULL, trigger text NOT NULL,
      as_of text NOT NULL, recommendation text NOT NULL, better text, completed_at text NOT NULL, review jsonb NOT NULL);
    CREATE INDEX ON {table} (strategy_id, as_of)`,
  key: 'review_id',
  filter: { eventTypes: ['EffectivenessReviewCompleted'], streamPrefixes: ['monitoring.review-'] },
  keyOf: (e) => (e.data as { reviewId: string }).reviewId,
  evolve(_row, e) {
    const d = (e as RecordedEvent<EffectivenessReviewCompleted['data']>).data;
    return {
      review_id: d.reviewId,
      strategy_id: d.strategyId,
      strategy_version: d.strategyVersion,
      segment: d.segment.label,
      trigger: d.trigger,
      as_of: d.asOf,
      recommendation: d.recommendation,
      better: d.better,
      completed_at: e.metadata.occurredAt,
      review: d,
    };
  },
});
