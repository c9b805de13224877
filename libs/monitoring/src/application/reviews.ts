import { addDays, deterministicId, isDomainError, type BusinessDate, type RecordedEvent } from '#kernel';
import { runCommand } from '#platform';
import type { ProjectionContext } from '#projections';
import { reviewStream, type ArmCounts, type CompleteReview, type MonitoringDayClosed, type Segment } from '../domain/review.js';
import { KpiQueries, type Filters, type Sql, type TableName } from '../read-model/kpis.js';
import type { MonitoringRuntime } from './runtime.js';

export interface ReviewRequest {
  readonly reviewId: string;
  readonly strategyId: string;
  readonly strategyVersion: number | null;
  readonly segment: Segment;
  readonly from: BusinessDate;
  readonly to: BusinessDate;
}

/** Cases and cured cases per arm, from the case fact table (the cure-rate KPI, whole window), and their contacts and complaints in the window (the guardrail). */
export async function armCounts(sql: Sql, table: TableName, r: Omit<ReviewRequest, 'reviewId'>): Promise<{ champion: ArmCounts; challenger: ArmCounts }> {
  const filters: Filters = { strategyId: r.strategyId };
  if (r.strategyVersion !== null) filters.strategyVersion = r.strategyVersion;
  if (r.segment.grade) filters.grade = r.segment.grade;
  if (r.segment.stage) filters.stage = r.segment.stage;
  const result = await new KpiQueries(sql, table).run({ kpi: 'cure_rate', from: r.from, to: r.to, granularity: 'total', groupBy: ['variant'], filters });
  const complaints = await new KpiQueries(sql, table).run({
    kpi: 'complaints_per_1000_contacts',
    from: r.from,
    to: r.to,
    granularity: 'total',
    groupBy: ['variant'],
    filters,
  });
  const arm = (variant: string): ArmCounts => {
    const row = result.rows.find((x) => x.variant === variant);
    const c = complaints.rows.find((x) => x.variant === variant);
    return {
      cases: row ? Number(row.cases) : 0,
      cured: row ? Number(row.cured) : 0,
      contacts: c ? Number(c.attempts) : 0,
      complaints: c ? Number(c.complaints) : 0,
      upheld: c ? Number(c.upheld) : 0,
    };
  };
  return { champion: arm('champion'), challenger: arm('challenger') };
}

/** Strategies (id and version) with cases in both arms entering in the window. */
async function strategiesUnderTest(sql: Sql, table: TableName, from: BusinessDate, to: BusinessDate) {
  const { rows } = await sql.query<{ strategy_id: string; strategy_version: number }>(
    `SELECT strategy_id, strategy_version FROM ${table('mon_cases')}
      WHERE opened_on BETWEEN $1::date AND $2::date AND strategy_id IS NOT NULL AND strategy_version IS NOT NULL
      GROUP BY strategy_id, strategy_version
     HAVING count(*) FILTER (WHERE variant = 'champion') > 0 AND count(*) FILTER (WHERE variant = 'challenger') > 0
      ORDER BY strategy_id, strategy_version`,
    [from, to],
  );
  return rows.map((r) => ({ strategyId: r.strategy_id, strategyVersion: Number(r.strategy_version) }));
}

/** The CompleteReview command for a request: the arms' counts read from the fact tables. */
export async function reviewCommand(
  runtime: MonitoringRuntime,
  sql: Sql,
  table: TableName,
  request: ReviewRequest,
  trigger: 'ON_DEMAND' | 'CADENCE',
): Promise<CompleteReview> {
  const counts = await armCounts(sql, table, request);
  return {
    type: 'CompleteReview',
    reviewId: request.reviewId,
    strategyId: request.strategyId,
    strategyVersion: request.strategyVersion,
    segment: request.segment,
    window: { from: request.from, to: request.to },
    asOf: request.to,
    trigger,
    ...counts,
    settings: runtime.settings.review,
  };
}

export const REVIEW_POLICY_VERSIONS = { reviewMethod: 'two-proportion-z/1' } as const;

/**
 * Scheduled reviews, run by the KPI fact projection when it meets a closed day that has a review
 * due: every strategy version with both arms in the window, segment "all". It runs inside the
 * projection's batch, after the facts before the day's close are written, so the counts are those
 * of exactly that point of the event stream. Review ids derive from the day and the strategy, and
 * the command's key from the closing event: a replay appends nothing new.
 */
export function scheduledReviews(runtime: MonitoringRuntime) {
  return async (ctx: ProjectionContext, day: MonitoringDayClosed['data'], event: RecordedEvent): Promise<void> => {
    if (!day.reviewDue) return;
    // Replayed (rebuild, verify) or already decided: no review is run again.
    const reaction = ctx.reaction(event);
    if (!reaction) return;
    const to = day.businessDate;
    const from = addDays(to, -(day.windowDays - 1));
    for (const s of await strategiesUnderTest(ctx, ctx.table, from, to)) {
      const reviewId = deterministicId('scheduled-review', to, s.strategyId, s.strategyVersion, 'all');
      const request = { reviewId, strategyId: s.strategyId, strategyVersion: s.strategyVersion, segment: { grade: null, stage: null }, from, to };
      const streamId = reviewStream(reviewId);
      const result = await runCommand(
        runtime.metrics,
        runtime.reviews,
        streamId,
        await reviewCommand(runtime, ctx, ctx.table, request, 'CADENCE'),
        reaction.context('CompleteReview', {
          actor: { id: 'scheduler:monitoring-reviews', role: 'system' },
          idempotencyKey: `scheduled-review:${event.eventId}:${reviewId}`,
          policyVersions: REVIEW_POLICY_VERSIONS,
        }),
      );
      if (isDomainError(result) && result.code !== 'REVIEW_ALREADY_COMPLETED') throw new Error(`${result.code}: ${result.message}`);
    }
  };
}
