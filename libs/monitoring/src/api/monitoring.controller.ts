import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type pg from 'pg';
import { z } from 'zod';
import { deterministicId, isDomainError, newId } from '#kernel';
import {
  DocBody,
  DocQuery,
  Meta,
  Metrics,
  PG_POOL,
  ProblemException,
  Roles,
  ValidBody,
  ValidQuery,
  ZodPipe,
  commandContext,
  domainProblem,
  execute,
  fields,
  problem,
  type RequestMeta,
} from '#platform';
import { RULE_SETS, SIGNAL_CODES } from '../domain/early-warning.rules.js';
import { reviewStream, segmentLabel } from '../domain/review.js';
import { STAGES } from '../domain/observations.js';
import { closeMonitoringDay } from '../application/cadence.js';
import { REVIEW_POLICY_VERSIONS, reviewCommand } from '../application/reviews.js';
import { MonitoringRuntime } from '../application/runtime.js';
import { DIMENSIONS, KPIS, KPI_NAMES, type Dimension } from '../read-model/kpi-definitions.js';
import { KpiQueries, KpiSliceError } from '../read-model/kpis.js';
import { GRANULARITIES, MAX_PERIODS, periods } from '../read-model/periods.js';
import { MonitoringQueries } from '../read-model/queries.js';

const READERS = ['risk_manager', 'supervisor', 'auditor', 'admin'] as const;

const KpiQuery = z
  .strictObject({
    from: fields.businessDate,
    to: fields.businessDate,
    granularity: z.enum(GRANULARITIES).default('day'),
    groupBy: z
      .string()
      .max(200)
      .optional()
      .describe(`comma-separated: ${DIMENSIONS.join(', ')}`)
      .transform((v, ctx) => {
        const dims = (v ?? '')
          .split(',')
          .map((d) => d.trim())
          .filter(Boolean);
        for (const d of dims) if (!(DIMENSIONS as readonly string[]).includes(d)) ctx.addIssue({ code: 'custom', message: `unknown dimension ${d}` });
        return dims as Dimension[];
      }),
    strategyId: fields.id.optional(),
    strategyVersion: z.coerce.number().int().min(0).optional(),
    variant: fields.id.optional(),
    grade: fields.id.optional(),
    stage: z.enum(STAGES as unknown as [string, ...string[]]).optional(),
    collectorId: fields.id.optional(),
    channel: fields.id.optional(),
  })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] })
  .refine((q) => periods(q.from, q.to, q.granularity).length <= MAX_PERIODS, { message: `at most ${MAX_PERIODS} periods per query`, path: ['granularity'] });

const WarningsQuery = z.strictObject({
  status: z.enum(['OPEN', 'CLOSED']).optional(),
  severity: z.enum(['LOW', 'MEDIUM', 'HIGH']).optional(),
  customerId: fields.id.optional(),
  from: fields.businessDate.optional(),
  to: fields.businessDate.optional(),
  page: fields.page,
  pageSize: fields.pageSize,
});

const ReviewsQuery = z.strictObject({
  strategyId: fields.id.optional(),
  recommendation: z.enum(['PROMOTE_CHALLENGER', 'KEEP_CHAMPION', 'NO_SIGNIFICANT_DIFFERENCE', 'COLLECT_MORE_DATA', 'GUARDRAIL_BREACHED']).optional(),
  trigger: z.enum(['ON_DEMAND', 'CADENCE']).optional(),
  page: fields.page,
  pageSize: fields.pageSize,
});

const RestatementsQuery = z.strictObject({
  loanId: fields.id.optional(),
  caseId: fields.id.optional(),
  kind: z.enum(['STAGES', 'CASE_CURE', 'PROMISE']).optional(),
  page: fields.page,
  pageSize: fields.pageSize,
});

const ReviewBody = z
  .strictObject({
    strategyId: fields.id,
    strategyVersion: z.number().int().min(0).optional().describe('omit to pool every version of the strategy'),
    segment: z.strictObject({ grade: fields.id.optional(), stage: z.enum(STAGES as unknown as [string, ...string[]]).optional() }).optional(),
    from: fields.businessDate.describe('first day of case entries compared'),
    to: fields.businessDate.describe('last day of case entries; cures are counted up to this day'),
  })
  .refine((b) => b.from <= b.to, { message: 'from must not be after to', path: ['from'] });

@ApiTags('monitoring')
@ApiBearerAuth()
@Controller('monitoring')
export class MonitoringController {
  private readonly kpis: KpiQueries;
  private readonly queries: MonitoringQueries;

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly runtime: MonitoringRuntime,
    private readonly metrics: Metrics,
  ) {
    this.kpis = new KpiQueries(pool);
    this.queries = new MonitoringQueries(pool);
  }

  @Get('kpis')
  @Roles(...READERS)
  @ApiOperation({ summary: 'The KPI catalogue: numerator, denominator, window and slices of every KPI' })
  catalogue() {
    return { kpis: KPI_NAMES.map((k) => KPIS[k]) };
  }

  @Get('kpis/:kpi')
  @Roles(...READERS)
  @DocQuery(KpiQuery as unknown as z.ZodObject)
  @ApiOperation({ summary: 'A KPI as a time series per period (day, week, month or the whole range), sliced and broken down by dimension' })
  async kpi(@Param('kpi', new ZodPipe(z.enum(KPI_NAMES), 'params')) kpi: (typeof KPI_NAMES)[number], @ValidQuery(KpiQuery) q: z.infer<typeof KpiQuery>) {
    const { from, to, granularity, groupBy, ...rest } = q;
    const filters = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    try {
      return await this.kpis.run({ kpi, from, to, granularity, groupBy, filters });
    } catch (err) {
      if (err instanceof KpiSliceError) {
        throw new ProblemException(
          problem(400, 'SLICE_NOT_APPLICABLE', 'Slice not applicable', err.message, { kpi, dimension: err.dimension, dimensions: KPIS[kpi].dimensions }),
        );
      }
      throw err;
    }
  }

  @Get('warnings')
  @Roles(...READERS)
  @DocQuery(WarningsQuery)
  @ApiOperation({ summary: 'Early-warning episodes (open ones first by severity), with their signals' })
  warnings(@ValidQuery(WarningsQuery) q: z.infer<typeof WarningsQuery>) {
    return this.queries.warnings(q);
  }

  @Get('rule-sets')
  @Roles(...READERS)
  @ApiOperation({ summary: 'Every early-warning rule set version, and the one in force' })
  ruleSets() {
    return { inForce: this.runtime.settings.ruleSet.version, signals: SIGNAL_CODES, ruleSets: Object.values(RULE_SETS) };
  }

  @Get('reviews')
  @Roles(...READERS)
  @DocQuery(ReviewsQuery)
  @ApiOperation({ summary: 'Effectiveness reviews and their recommendations, newest first' })
  reviews(@ValidQuery(ReviewsQuery) q: z.infer<typeof ReviewsQuery>) {
    return this.queries.reviews(q);
  }

  @Get('restatements')
  @Roles(...READERS)
  @DocQuery(RestatementsQuery)
  @ApiOperation({ summary: 'Figures restated by corrections: the first figure, the corrected one and the correction that caused it' })
  restatements(@ValidQuery(RestatementsQuery) q: z.infer<typeof RestatementsQuery>) {
    return this.queries.restatements(q);
  }

  @Get('reviews/:reviewId')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One effectiveness review' })
  async review(@Param('reviewId', new ZodPipe(fields.id, 'params')) reviewId: string) {
    const review = await this.queries.review(reviewId);
    if (!review) throw new ProblemException(problem(404, 'REVIEW_NOT_FOUND', 'Review not found', `No review ${reviewId}.`));
    return review;
  }

  @Post('reviews')
  @Roles('risk_manager', 'admin')
  @HttpCode(201)
  @DocBody(ReviewBody)
  @ApiOperation({ summary: 'Run an effectiveness review now: champion vs challenger cure rate on a segment, with a two-proportion z-test' })
  async runReview(@ValidBody(ReviewBody) body: z.infer<typeof ReviewBody>, @Meta() meta: RequestMeta) {
    const reviewId = meta.idempotencyKey ? deterministicId('review', meta.actor.id, meta.idempotencyKey) : newId();
    const segment = { grade: body.segment?.grade ?? null, stage: body.segment?.stage ?? null };
    const request = { reviewId, strategyId: body.strategyId, strategyVersion: body.strategyVersion ?? null, segment, from: body.from, to: body.to };
    const command = await reviewCommand(this.runtime, this.pool, (t) => t, request, 'ON_DEMAND');
    const accepted = await execute(
      this.metrics,
      this.runtime.reviews,
      reviewStream(reviewId),
      command,
      commandContext(meta, 'CompleteReview', { policyVersions: { ...REVIEW_POLICY_VERSIONS } }),
    );
    const stored = await this.runtime.reviews.load(reviewStream(reviewId));
    const completed = stored.events.find((e) => e.type === 'EffectivenessReviewCompleted');
    return { ...accepted, reviewId, segment: segmentLabel(segment), review: completed?.data ?? null };
  }

  @Post('business-days/:date/close')
  @Roles('admin', 'service')
  @HttpCode(202)
  @ApiOperation({ summary: 'Close a business day for monitoring; scheduled effectiveness reviews run on every N-th closed day' })
  async closeDay(@Param('date', new ZodPipe(fields.businessDate, 'params')) date: string, @Meta() meta: RequestMeta) {
    const result = await closeMonitoringDay(this.runtime, date, commandContext(meta, 'CloseMonitoringDay'));
    if (isDomainError(result)) throw domainProblem(result);
    const closed = result.events[0]?.data ?? null;
    return { streamId: result.streamId, revision: result.revision, duplicate: result.duplicate, closed };
  }
}
