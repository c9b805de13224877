import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { isDomainError } from '#kernel';
import { DocBody, DocQuery, Meta, Metrics, Roles, ValidBody, ValidQuery, ZodPipe, commandContext, domainProblem, fields, type RequestMeta } from '#platform';
import { CollectionStore, streams } from '../application/collection-store.js';
import { ContactRulesBook } from '../application/catalog.js';
import { CollectionClock } from '../application/clock.js';
import { CollectionEndOfDay } from '../application/end-of-day.js';
import { WhatIfService } from '../application/what-if.service.js';
import { DEFAULT_ADJUSTMENT_LIMITS, DEFAULT_PROMISE_TERMS, defaultPerformer, type LadderStep, type Stage } from '../domain/model.js';
import { RULES_BOOK_STREAM, type RulesBookCommand } from '../domain/rules-book.js';
import type { ContactRules } from '../domain/contact-rules.js';
import { CollectionQueries } from '../read-model/queries.js';
import { ActivateStrategyBody, ContactRulesBody, EmptyBody, EndOfDayBody, ProposeStrategyBody, ReasonBody, type StepInput } from './dto.js';
import type { StrategyCommand } from '../domain/strategy.js';
import { notFound, perform } from './http.js';

const READERS = ['risk_manager', 'supervisor', 'auditor', 'admin'] as const;
const version = new ZodPipe(z.coerce.number().int().min(1).max(100_000), 'params');
const id = new ZodPipe(fields.id, 'params');
const rulesVersion = new ZodPipe(z.string().min(1).max(40), 'params');
const CohortWhatIfQuery = z.strictObject({
  cohortVersion: z.coerce.number().int().min(1).max(100_000).describe('the version the cohort’s cases ran under'),
  cohortStrategyId: fields.id.optional().describe('the strategy the cohort ran under (default: this one)'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function ladderOf(steps: readonly StepInput[]): LadderStep[] {
  return steps.map((s) => ({
    stepId: s.stepId,
    when: s.when,
    channel: s.channel,
    purpose: s.purpose,
    templateId: s.templateId,
    requiredCertification: s.requiredCertification,
    priority: s.priority,
    performer: s.performer ?? defaultPerformer(s.channel),
    ...(s.sendTime ? { sendTime: s.sendTime } : {}),
    ...(s.sendTimeZone ? { sendTimeZone: s.sendTimeZone } : {}),
    ...(s.stage ? { stage: s.stage as Stage } : {}),
    ...(s.duringPlacement !== undefined ? { duringPlacement: s.duringPlacement } : {}),
  }));
}

/** Collection strategies under maker-checker: proposed, approved by another risk manager, activated from a date. */
@ApiTags('collection')
@ApiBearerAuth()
@Controller('collection/strategies')
export class StrategiesController {
  constructor(
    private readonly store: CollectionStore,
    private readonly queries: CollectionQueries,
    private readonly metrics: Metrics,
    private readonly whatIf: WhatIfService,
    private readonly clock: CollectionClock,
  ) {}

  /** A strategy command on the strategy's stream. */
  private decide(strategyId: string, command: StrategyCommand, meta: RequestMeta, options?: Parameters<typeof commandContext>[2]) {
    return perform(this.metrics, this.store.strategies, streams.strategy(strategyId), command, meta, options);
  }

  @Post()
  @Roles('risk_manager')
  @HttpCode(201)
  @DocBody(ProposeStrategyBody)
  @ApiOperation({ summary: 'Propose a new version of a strategy (treatment ladders for (grade, stage) keys, optional challenger)' })
  async propose(@ValidBody(ProposeStrategyBody) body: z.infer<typeof ProposeStrategyBody>, @Meta() meta: RequestMeta) {
    const definition = {
      keys: body.keys as never,
      assignmentUnit: body.assignmentUnit,
      champion: ladderOf(body.champion),
      challenger: body.challenger ? { ladder: ladderOf(body.challenger.ladder), trafficSharePct: body.challenger.trafficSharePct } : null,
      promiseTerms: body.promiseTerms ?? DEFAULT_PROMISE_TERMS,
      adjustmentLimits: body.adjustmentLimits ?? DEFAULT_ADJUSTMENT_LIMITS,
    };
    const reviewFound = body.reviewId ? { reviewFound: await this.store.reviewExists(body.reviewId) } : {};
    const data = { strategyId: body.strategyId, definition, reason: body.reason, reviewId: body.reviewId ?? null, ...reviewFound, by: meta.actor };
    return this.decide(body.strategyId, { type: 'ProposeStrategyVersion', data }, meta, {
      extra: { reason: body.reason, ...(body.reviewId ? { reviewId: body.reviewId } : {}) },
    });
  }

  @Post(':strategyId/versions/:version/approve')
  @Roles('risk_manager')
  @HttpCode(202)
  @DocBody(EmptyBody)
  @ApiOperation({ summary: 'Approve a proposed version (maker-checker: not by its proposer)' })
  async approve(
    @Param('strategyId', id) strategyId: string,
    @Param('version', version) v: number,
    @ValidBody(EmptyBody) _body: unknown,
    @Meta() meta: RequestMeta,
  ) {
    return this.decide(strategyId, { type: 'ApproveStrategyVersion', data: { strategyId, version: v, by: meta.actor } }, meta);
  }

  @Post(':strategyId/versions/:version/reject')
  @Roles('risk_manager')
  @HttpCode(202)
  @DocBody(ReasonBody)
  @ApiOperation({ summary: 'Reject a proposed version, with a reason' })
  async reject(
    @Param('strategyId', id) strategyId: string,
    @Param('version', version) v: number,
    @ValidBody(ReasonBody) body: z.infer<typeof ReasonBody>,
    @Meta() meta: RequestMeta,
  ) {
    const data = { strategyId, version: v, reason: body.reason, by: meta.actor };
    return this.decide(strategyId, { type: 'RejectStrategyVersion', data }, meta, { extra: { reason: body.reason } });
  }

  @Post(':strategyId/versions/:version/activate')
  @Roles('risk_manager')
  @HttpCode(202)
  @DocBody(ActivateStrategyBody)
  @ApiOperation({
    summary: 'Activate an approved version from a business date: the open business date of Loans’ calendar or later (422 EFFECTIVE_DATE_IN_PAST)',
  })
  async activate(
    @Param('strategyId', id) strategyId: string,
    @Param('version', version) v: number,
    @ValidBody(ActivateStrategyBody) body: z.infer<typeof ActivateStrategyBody>,
    @Meta() meta: RequestMeta,
  ) {
    const businessDate = await this.clock.statedToday(body.businessDate);
    const data = { strategyId, version: v, effectiveFrom: body.effectiveFrom, businessDate, by: meta.actor };
    return this.decide(strategyId, { type: 'ActivateStrategyVersion', data }, meta);
  }

  @Get()
  @Roles(...READERS)
  @ApiOperation({ summary: 'Every strategy version with its status' })
  async list() {
    return { items: await this.queries.strategies() };
  }

  @Get(':strategyId/versions/:version/what-if')
  @Roles('risk_manager', 'auditor', 'admin')
  @DocQuery(CohortWhatIfQuery)
  @ApiOperation({
    summary:
      'Replay the histories of the cases that ran under one version (cohortVersion) under this version, in memory, and compare the actions each would have scheduled; nothing is written',
  })
  async cohortWhatIf(
    @Param('strategyId', id) strategyId: string,
    @Param('version', version) alternativeVersion: number,
    @ValidQuery(CohortWhatIfQuery) q: z.infer<typeof CohortWhatIfQuery>,
  ) {
    const alternative = await this.whatIf.alternative(strategyId, alternativeVersion);
    if (isDomainError(alternative)) throw domainProblem(alternative);
    return this.whatIf.forCohort(alternative, { strategyId: q.cohortStrategyId ?? strategyId, version: q.cohortVersion }, q.limit);
  }

  @Get(':strategyId')
  @Roles(...READERS)
  @ApiOperation({ summary: 'The versions of one strategy' })
  async get(@Param('strategyId', id) strategyId: string) {
    const versions = await this.queries.strategy(strategyId);
    if (!versions.length) throw notFound('STRATEGY_NOT_FOUND', 'Strategy not found', `No strategy ${strategyId}.`);
    return { strategyId, versions };
  }
}

/** Contact rules (versioned configuration) and the collection end of day. */
@ApiTags('collection')
@ApiBearerAuth()
@Controller('collection')
export class CollectionOperationsController {
  constructor(
    private readonly store: CollectionStore,
    private readonly rules: ContactRulesBook,
    private readonly endOfDay: CollectionEndOfDay,
    private readonly metrics: Metrics,
    private readonly clock: CollectionClock,
  ) {}

  /** A command on the rules book, under the contact rules version it names. */
  private decide(command: RulesBookCommand, meta: RequestMeta, rulesVersion: string) {
    return perform(this.metrics, this.store.rulesBook, RULES_BOOK_STREAM, command, meta, { policyVersions: { contactRules: rulesVersion } });
  }

  @Post('contact-rules')
  @Roles('risk_manager', 'admin')
  @HttpCode(201)
  @DocBody(ContactRulesBody)
  @ApiOperation({
    summary:
      'Propose a new version of the contact rules, to apply from a business date (the open one or later: 422 EFFECTIVE_DATE_IN_PAST); it is in force only once a different risk manager or admin approved it (maker-checker)',
  })
  async publish(@ValidBody(ContactRulesBody) body: z.infer<typeof ContactRulesBody>, @Meta() meta: RequestMeta) {
    const businessDate = await this.clock.statedToday(body.businessDate);
    const data = { rules: body.rules as ContactRules, effectiveFrom: body.effectiveFrom, businessDate, reason: body.reason, by: meta.actor };
    return this.decide({ type: 'ProposeContactRules', data }, meta, body.rules.version);
  }

  @Post('contact-rules/:rulesVersion/approve')
  @Roles('risk_manager', 'admin')
  @HttpCode(202)
  @DocBody(EmptyBody)
  @ApiOperation({
    summary:
      'Approve a proposed contact rules version (not its proposer: 403 MAKER_CANNOT_CHECK); it is then published, in force from its effectiveFrom, which must not have passed (422 EFFECTIVE_DATE_IN_PAST)',
  })
  async approveRules(@Param('rulesVersion', rulesVersion) version: string, @ValidBody(EmptyBody) _body: unknown, @Meta() meta: RequestMeta) {
    const businessDate = await this.clock.todayOrThrow();
    return this.decide({ type: 'ApproveContactRules', data: { version, businessDate, by: meta.actor } }, meta, version);
  }

  @Get('contact-rules')
  @Roles('collector', 'supervisor', 'risk_manager', 'auditor', 'admin', 'service')
  @ApiOperation({ summary: 'The contact rules in force on the open business date, every published version and the proposals awaiting approval' })
  async rulesInForce() {
    const date = await this.clock.todayOrThrow();
    const book = (await this.store.rulesBook.load(RULES_BOOK_STREAM)).state;
    return { businessDate: date, inForce: await this.rules.inForce(date), published: book.published, proposed: Object.values(book.proposed) };
  }

  @Post('end-of-day')
  @Roles('service', 'admin')
  @HttpCode(200)
  @DocBody(EndOfDayBody)
  @ApiOperation({ summary: 'Run the collection end of day for a date (normally triggered by the Loans end of day)' })
  async runEndOfDay(@ValidBody(EndOfDayBody) body: z.infer<typeof EndOfDayBody>, @Meta() meta: RequestMeta) {
    return this.endOfDay.runFromReadModel(body.businessDate, commandContext(meta, 'CollectionEndOfDay'));
  }
}
