import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type pg from 'pg';
import { z } from 'zod';
import { isDomainError, newId } from '#kernel';
import { LoanQueries } from '#loans';
import type { Loaded } from '#eventstore';
import {
  caseOutOfScope,
  DocBody,
  DocQuery,
  Meta,
  PG_POOL,
  Roles,
  ValidBody,
  ValidQuery,
  ZodPipe,
  commandContext,
  domainProblem,
  fields,
  type RequestMeta,
} from '#platform';
import { CaseService } from '../application/cases.service.js';
import { ContactService, type ContactAttemptInput } from '../application/contacts.service.js';
import { WhatIfService } from '../application/what-if.service.js';
import type { CaseEvent, CaseState, OpenCase, ClosedCase } from '../domain/case/events.js';
import { strategyLabel, type AttemptedBy, type HoldReason } from '../domain/model.js';
import { CollectionQueries, caseVisible, scopeOf, timelineOf } from '../read-model/queries.js';
import {
  AdjustPlanBody,
  CaseListQuery,
  CaseWhatIfQuery,
  CloseCaseBody,
  ContactBody,
  EmptyBody,
  FieldVisitBody,
  FieldVisitReportBody,
  HoldBody,
  ReasonBody,
  ReassignBody,
  ReleaseHoldBody,
  WorkQueueQuery,
} from './dto.js';
import { answer, attemptIdOf, caseNotFound, contactAnswer, notFound, type AuthedRequest } from './http.js';
import { CollectionClock } from '../application/clock.js';
import { ladderOf } from './strategies.controller.js';

const id = new ZodPipe(fields.id, 'params');
/** What a contact and a field visit's report both state about the attempt. */
type AttemptReport = Pick<z.infer<typeof ContactBody>, 'attemptId' | 'at' | 'promise' | 'accompaniedBy' | 'identified'>;
const READERS = ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'] as const;

function detail(loaded: Loaded<CaseState>) {
  const s = loaded.state as OpenCase | ClosedCase;
  return {
    caseId: s.caseId,
    loanId: s.loanId,
    customerId: s.customerId,
    timeZone: s.timeZone,
    status: s.status === 'closed' ? 'CLOSED' : Object.keys(s.holds).length ? 'ON_HOLD' : 'OPEN',
    closeReason: s.status === 'closed' ? s.closeReason : null,
    closedOn: s.status === 'closed' ? s.closedOn : null,
    grade: s.grade,
    stage: s.stage,
    dpd: s.dpd,
    overdueAmount: s.overdueAmount,
    openedOn: s.openedOn,
    collectorId: s.collectorId,
    team: s.team,
    strategy: s.plan.strategy,
    strategyLabel: strategyLabel(s.plan.strategy),
    plan: {
      planId: s.plan.planId,
      stage: s.plan.stage,
      steps: s.plan.steps,
      adjustmentsUsed: s.adjustments,
      limits: s.plan.adjustmentLimits,
      promiseTerms: s.plan.promiseTerms,
    },
    actions: Object.values(s.actions),
    holds: Object.entries(s.holds).map(([holdId, reason]) => ({ holdId, reason })),
    promises: Object.values(s.promises),
    payments: s.payments,
    fieldVisits: Object.values(s.visits),
    /** The agency the case is placed with now (the bank's collectors do not work it meanwhile), or null. */
    placement: s.placement ?? null,
    revision: loaded.revision,
    timeline: timelineOf(loaded.events),
  };
}

/**
 * Collection cases: queries (list, detail with timeline, work queue) and the commands staff and
 * channel executors send. Row-level access: a collector only their assigned cases, a supervisor
 * their team's (and unassigned ones), auditors read everything; a case outside the caller's scope
 * answers 404 as if it did not exist.
 */
@ApiTags('collection')
@ApiBearerAuth()
@Controller('collection')
export class CasesController {
  constructor(
    private readonly cases: CaseService,
    private readonly contacts: ContactService,
    private readonly queries: CollectionQueries,
    private readonly whatIfs: WhatIfService,
    private readonly clock: CollectionClock,
    @Inject(PG_POOL) pool: pg.Pool,
  ) {
    this.loanBook = new LoanQueries(pool);
  }

  /** Loans' read model: whether Loans wrote a case's loan off. */
  private readonly loanBook: LoanQueries;

  private async visible(caseId: string, req: AuthedRequest): Promise<Loaded<CaseState>> {
    const loaded = await this.cases.load(caseId);
    if (!caseVisible(scopeOf(req.user), loaded.state)) throw caseNotFound(caseId);
    return loaded;
  }

  /**
   * A write on a case checks the scope its read checks: an unknown case is 404, a case outside
   * the caller's scope is refused with 403 CASE_OUT_OF_SCOPE before anything is decided.
   */
  private async writable(caseId: string, req: AuthedRequest): Promise<{ readonly state: CaseState; readonly revision: number }> {
    // Read fresh (the scope decides on the case as it is now); the command that follows decides on
    // the state this read left in the repository's cache, at its revision.
    const loaded = await this.cases.current(caseId, { fresh: true });
    if (loaded.state.status === 'none') throw caseNotFound(caseId);
    if (!caseVisible(scopeOf(req.user), loaded.state)) throw caseOutOfScope(caseId, req.user);
    return loaded;
  }

  // ---- queries --------------------------------------------------------------------------------------

  @Get('cases')
  @Roles(...READERS)
  @DocQuery(CaseListQuery)
  @ApiOperation({ summary: 'Cases within the caller’s scope, filtered by stage, grade, status, collector, team, strategy, variant; paginated' })
  async list(@Query(new ZodPipe(CaseListQuery, 'query')) query: z.infer<typeof CaseListQuery>, @Req() req: AuthedRequest) {
    return this.queries.listCases({ ...query, unassigned: query.unassigned === 'true' }, scopeOf(req.user));
  }

  @Get('cases/:caseId')
  @Roles(...READERS)
  @ApiOperation({ summary: 'A case with its plan, promises, actions and full timeline (every event: who, when, why, which versions)' })
  async get(@Param('caseId', id) caseId: string, @Req() req: AuthedRequest) {
    return detail(await this.visible(caseId, req));
  }

  @Get('cases/:caseId/what-if')
  @Roles('supervisor', 'risk_manager', 'auditor', 'admin')
  @DocQuery(CaseWhatIfQuery)
  @ApiOperation({
    summary:
      'Replay the case’s history under another strategy version in memory (nothing is written) and show, day by day, the actions it really got next to those the version would have scheduled',
  })
  async whatIf(@Param('caseId', id) caseId: string, @ValidQuery(CaseWhatIfQuery) q: z.infer<typeof CaseWhatIfQuery>, @Req() req: AuthedRequest) {
    const loaded = await this.visible(caseId, req);
    const alternative = await this.whatIfs.alternative(q.strategyId, q.version);
    if (isDomainError(alternative)) throw domainProblem(alternative);
    const result = await this.whatIfs.forCase(caseId, loaded.events as unknown as CaseEvent[], alternative, q.through);
    if (!result) throw caseNotFound(caseId);
    return result;
  }

  @Get('work-queue')
  @Roles('collector', 'supervisor', 'auditor', 'admin')
  @DocQuery(WorkQueueQuery)
  @ApiOperation({ summary: 'A collector’s work for a business day: due actions and promises, by grade, overdue amount and promise date' })
  async workQueue(@Query(new ZodPipe(WorkQueueQuery, 'query')) query: z.infer<typeof WorkQueueQuery>, @Req() req: AuthedRequest) {
    const date = query.date ?? (await this.clock.todayOrThrow());
    if (req.user.role === 'collector') {
      if (query.collectorId && query.collectorId !== req.user.id)
        throw notFound('COLLECTOR_NOT_FOUND', 'Collector not found', 'A collector sees their own queue.');
      return this.queries.workQueue(req.user.id, date);
    }
    const collectorId = query.collectorId ?? req.user.id;
    if (req.user.role === 'supervisor' && query.collectorId) {
      const collector = await this.queries.collector(query.collectorId);
      if (!collector || !req.user.team || collector.team !== req.user.team) {
        throw notFound('COLLECTOR_NOT_FOUND', 'Collector not found', `Collector ${query.collectorId} is not in your team.`);
      }
    }
    return this.queries.workQueue(collectorId, date);
  }

  // ---- contacts -------------------------------------------------------------------------------------

  @Post('cases/:caseId/contacts')
  @Roles('collector', 'supervisor', 'service', 'admin')
  @HttpCode(201)
  @DocBody(ContactBody)
  @ApiOperation({
    summary:
      'Record a contact attempt and its outcome. A contact rule refusal answers 422 with its code (CONTACT_OUTSIDE_HOURS, CONTACT_DAILY_CALL_LIMIT, ...) and is itself recorded as ContactBlocked.',
  })
  async contact(
    @Param('caseId', id) caseId: string,
    @ValidBody(ContactBody) body: z.infer<typeof ContactBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.writable(caseId, req);
    const by: AttemptedBy = req.user.role === 'service' ? { kind: 'EXECUTOR', id: req.user.id } : { kind: 'COLLECTOR', id: req.user.id };
    return this.attempt(caseId, body, meta, 'AttemptContact', {
      actionId: body.actionId ?? null,
      channel: body.channel,
      outcome: body.outcome,
      by,
      party: body.party,
      thirdPartyContactId: body.thirdPartyContactId ?? null,
      debtDisclosed: body.debtDisclosed,
      visitId: body.visitId ?? null,
      recordingRef: body.recordingRef ?? null,
    });
  }

  /**
   * A reported attempt (a contact, a field visit's report): its id, instant and promise as given or
   * defaulted, recorded and answered (a rule refusal as 422 with where it was recorded).
   */
  private async attempt(caseId: string, body: AttemptReport, meta: RequestMeta, command: string, input: Omit<ContactAttemptInput, keyof AttemptReport>) {
    const attemptId = attemptIdOf(body.attemptId, meta);
    const at = body.at ? new Date(body.at).toISOString() : meta.receivedAt;
    const promise = body.promise
      ? { promiseId: body.promise.promiseId ?? `${attemptId}-promise`, amount: body.promise.amount, dueOn: body.promise.dueOn }
      : null;
    const attempt: ContactAttemptInput = { ...input, attemptId, at, promise, accompaniedBy: body.accompaniedBy ?? [], identified: body.identified ?? false };
    return contactAnswer(await this.contacts.attempt(caseId, attempt, commandContext(meta, command, { occurredAt: at })), attemptId);
  }

  // ---- field visits ---------------------------------------------------------------------------------

  @Post('cases/:caseId/field-visits')
  @Roles('collector', 'supervisor')
  @HttpCode(201)
  @DocBody(FieldVisitBody)
  @ApiOperation({ summary: 'Request a field visit; a supervisor (not the requester) must approve it' })
  async requestVisit(
    @Param('caseId', id) caseId: string,
    @ValidBody(FieldVisitBody) body: z.infer<typeof FieldVisitBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.writable(caseId, req);
    return answer(await this.cases.requestFieldVisit(caseId, body, commandContext(meta, 'RequestFieldVisit', { extra: { reason: body.reason } })));
  }

  @Post('cases/:caseId/field-visits/:visitId/approve')
  @Roles('supervisor')
  @HttpCode(202)
  @DocBody(EmptyBody)
  @ApiOperation({ summary: 'Approve a requested field visit' })
  async approveVisit(
    @Param('caseId', id) caseId: string,
    @Param('visitId', id) visitId: string,
    @ValidBody(EmptyBody) _body: unknown,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.writable(caseId, req);
    return answer(await this.cases.approveFieldVisit(caseId, visitId, commandContext(meta, 'ApproveFieldVisit')));
  }

  @Post('cases/:caseId/field-visits/:visitId/reject')
  @Roles('supervisor')
  @HttpCode(202)
  @DocBody(ReasonBody)
  @ApiOperation({ summary: 'Reject a requested field visit, with a reason' })
  async rejectVisit(
    @Param('caseId', id) caseId: string,
    @Param('visitId', id) visitId: string,
    @ValidBody(ReasonBody) body: z.infer<typeof ReasonBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.writable(caseId, req);
    return answer(
      await this.cases.rejectFieldVisit(caseId, visitId, body.reason, commandContext(meta, 'RejectFieldVisit', { extra: { reason: body.reason } })),
    );
  }

  @Post('cases/:caseId/field-visits/:visitId/report')
  @Roles('collector', 'supervisor')
  @HttpCode(201)
  @DocBody(FieldVisitReportBody)
  @ApiOperation({ summary: 'Report an approved field visit (a contact attempt on FIELD_VISIT); refused and recorded without approval' })
  async reportVisit(
    @Param('caseId', id) caseId: string,
    @Param('visitId', id) visitId: string,
    @ValidBody(FieldVisitReportBody) body: z.infer<typeof FieldVisitReportBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.writable(caseId, req);
    return this.attempt(caseId, body, meta, 'ReportFieldVisit', {
      channel: 'FIELD_VISIT',
      outcome: body.outcome,
      by: { kind: 'COLLECTOR', id: req.user.id },
      visitId,
    });
  }

  // ---- plan, assignment, holds, closing -----------------------------------------------------------

  @Post('cases/:caseId/plan-adjustments')
  @Roles('collector', 'supervisor')
  @HttpCode(202)
  @DocBody(AdjustPlanBody)
  @ApiOperation({ summary: 'Skip, move or add a step of the case’s plan, within the strategy’s limits, with a reason' })
  async adjust(
    @Param('caseId', id) caseId: string,
    @ValidBody(AdjustPlanBody) body: z.infer<typeof AdjustPlanBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    const loaded = await this.writable(caseId, req);
    const adjustment =
      body.kind === 'ADD'
        ? { kind: 'ADD' as const, step: ladderOf([body.step])[0] }
        : body.kind === 'MOVE'
          ? { kind: 'MOVE' as const, stepId: body.stepId, to: body.to }
          : { kind: 'SKIP' as const, stepId: body.stepId };
    const dpd = loaded.state.status === 'none' ? 0 : loaded.state.dpd;
    return answer(await this.cases.adjustPlan(caseId, adjustment, body.reason, dpd, commandContext(meta, 'AdjustPlan', { extra: { reason: body.reason } })));
  }

  @Post('cases/:caseId/reassign')
  @Roles('supervisor', 'admin')
  @HttpCode(202)
  @DocBody(ReassignBody)
  @ApiOperation({ summary: 'Hand the case to another certified collector (of the supervisor’s team), with a reason' })
  async reassign(
    @Param('caseId', id) caseId: string,
    @ValidBody(ReassignBody) body: z.infer<typeof ReassignBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.writable(caseId, req);
    if (req.user.role === 'supervisor') {
      const target = await this.queries.collector(body.collectorId);
      if (!target || target.team !== req.user.team) {
        throw notFound('COLLECTOR_NOT_FOUND', 'Collector not found', `Collector ${body.collectorId} is not in your team.`);
      }
    }
    return answer(
      await this.cases.reassign(
        caseId,
        body.collectorId,
        body.reason,
        body.businessDate ?? (await this.clock.todayOrThrow()),
        commandContext(meta, 'ReassignCase', { extra: { reason: body.reason } }),
      ),
    );
  }

  @Post('cases/:caseId/holds')
  @Roles('collector', 'supervisor', 'admin')
  @HttpCode(202)
  @DocBody(HoldBody)
  @ApiOperation({
    summary: 'Put the case on hold (dispute, complaint, deceased, ...): no contact until resumed; a dispute or complaint stops contact with the debtor',
  })
  async hold(@Param('caseId', id) caseId: string, @ValidBody(HoldBody) body: z.infer<typeof HoldBody>, @Meta() meta: RequestMeta, @Req() req: AuthedRequest) {
    await this.writable(caseId, req);
    const holdId = body.holdId ?? meta.idempotencyKey ?? newId();
    const result = await this.cases.placeOnHold(
      caseId,
      { holdId, reason: body.reason as HoldReason, since: body.since ?? (await this.clock.todayOrThrow()) },
      commandContext(meta, 'PlaceCaseOnHold'),
    );
    return { ...answer(result), holdId };
  }

  @Post('cases/:caseId/holds/:holdId/release')
  @Roles('supervisor', 'admin')
  @HttpCode(202)
  @DocBody(ReleaseHoldBody)
  @ApiOperation({ summary: 'Resume the case when the hold’s cause is resolved, with the resolution' })
  async release(
    @Param('caseId', id) caseId: string,
    @Param('holdId', id) holdId: string,
    @ValidBody(ReleaseHoldBody) body: z.infer<typeof ReleaseHoldBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.writable(caseId, req);
    return answer(
      await this.cases.releaseHold(
        caseId,
        { holdId, resolution: body.resolution, on: body.on ?? (await this.clock.todayOrThrow()) },
        commandContext(meta, 'ResumeCase', { extra: { reason: body.resolution } }),
      ),
    );
  }

  @Post('cases/:caseId/close')
  @Roles('supervisor', 'admin')
  @HttpCode(202)
  @DocBody(CloseCaseBody)
  @ApiOperation({
    summary:
      'Close a case as written off once Loans has written its loan off (409 LOAN_NOT_WRITTEN_OFF before; the write-off itself closes the case too); cured, paid-off and restructured closures follow the loan',
  })
  async close(
    @Param('caseId', id) caseId: string,
    @ValidBody(CloseCaseBody) body: z.infer<typeof CloseCaseBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    const { state } = await this.writable(caseId, req);
    const writtenOffOn = state.status === 'none' ? null : await this.loanBook.writtenOffOn(state.loanId);
    const closedOn = body.closedOn ?? writtenOffOn ?? (await this.clock.todayOrThrow());
    return answer(await this.cases.close(caseId, body.reason, closedOn, commandContext(meta, 'CloseCase', { extra: { reason: body.note } }), writtenOffOn));
  }
}
