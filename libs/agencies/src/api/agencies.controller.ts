import { Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import type { z } from 'zod';
import { isDomainError, newId, type DomainError } from '#kernel';
import type { CommandResult } from '#eventstore';
import { inCaseScope } from '#case-scope';
import { CaseService, contactAnswer } from '#collection';
import { PersonalDataVault, maskPersonalData } from '#vault';
import {
  caseOutOfScope,
  DocBody,
  DocQuery,
  Meta,
  PG_POOL,
  ProblemException,
  ROLES,
  Roles,
  ValidBody,
  ValidQuery,
  ZodPipe,
  accepted,
  commandContext,
  domainProblem,
  fields,
  problem,
  type CommandAccepted,
  type Principal,
  type RequestMeta,
} from '#platform';
import { PlacementService } from '../application/placement.service.js';
import type { AgencyCommand } from '../domain/agency.js';
import { PLACEMENT_RULE_STREAM, placementRuleOn } from '../domain/placement-rule.js';
import { AGENCY_CASES_TABLE } from '../read-model/projections.js';
import { AgencyQueries, placementView } from '../read-model/queries.js';
import {
  AgencyCaseQuery,
  AgencyContactBody,
  AgencyListQuery,
  AmendContractBody,
  CertifyAgentBody,
  EmptyBody,
  EvaluationQuery,
  PlaceBody,
  PlacementListQuery,
  PlacementRuleBody,
  ProposeAgencyBody,
  ReasonBody,
} from './schemas.js';

type AuthedRequest = FastifyRequest & { user: Principal };
const id = new ZodPipe(fields.id, 'params');
const CONTRACT_MAKERS = ['risk_manager'] as const;
const PLACERS = ['supervisor', 'admin'] as const;
const READERS = ['supervisor', 'risk_manager', 'auditor', 'admin'] as const;

function answer(result: CommandResult | DomainError): CommandAccepted {
  if (isDomainError(result)) throw domainProblem(result);
  return accepted(result);
}

const notPlaced = (caseId: string) => new ProblemException(problem(404, 'CASE_NOT_FOUND', 'Case not found', `No case ${caseId} is placed with your agency.`));

/**
 * Agencies: the published list, contracts under maker-checker, placements and recalls by
 * supervisors, the yearly evaluation, and the agency's own routes (role `agency`, `sub` = the
 * agency id): the cases placed with it now, each with its debtor's personal data masked unless a
 * purpose is named (the clear read is logged by the vault), and its contacts, which go through
 * Collection's contact command, rules and debtor ledger like the bank's own. A case not placed with
 * the calling agency answers 404 on reads and writes alike.
 */
@ApiTags('agencies')
@ApiBearerAuth()
@Controller('agencies')
export class AgenciesController {
  private readonly queries: AgencyQueries;

  constructor(
    private readonly placements: PlacementService,
    private readonly cases: CaseService,
    private readonly vault: PersonalDataVault,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {
    this.queries = new AgencyQueries(pool);
  }

  private agency(agencyId: string, command: AgencyCommand, meta: RequestMeta, name: string, extra?: Record<string, unknown>) {
    return this.placements.runAgency(agencyId, command, commandContext(meta, name, extra ? { extra } : {})).then(answer);
  }

  // ---- the list and contracts ------------------------------------------------------------------------

  @Get()
  @Roles(...ROLES)
  @DocQuery(AgencyListQuery)
  @ApiOperation({
    summary:
      'The published list of collection agencies: active ones by default, with their contract (term, stages, capacity, commission) and certified collectors',
  })
  list(@ValidQuery(AgencyListQuery) q: z.infer<typeof AgencyListQuery>) {
    return this.queries.agencies(q);
  }

  @Post()
  @Roles(...CONTRACT_MAKERS)
  @HttpCode(201)
  @DocBody(ProposeAgencyBody)
  @ApiOperation({ summary: 'Propose an agency with its contract; another risk manager approves it (MAKER_CANNOT_CHECK)' })
  propose(@ValidBody(ProposeAgencyBody) body: z.infer<typeof ProposeAgencyBody>, @Meta() meta: RequestMeta) {
    return this.agency(body.agencyId, { type: 'ProposeAgency', data: { ...body, by: meta.actor.id } }, meta, 'ProposeAgency');
  }

  @Post(':agencyId/approval')
  @Roles(...CONTRACT_MAKERS)
  @HttpCode(202)
  @DocBody(EmptyBody)
  @ApiOperation({ summary: 'Approve a proposed agency (the checker, not its proposer): it joins the published list' })
  approve(@Param('agencyId', id) agencyId: string, @ValidBody(EmptyBody) _b: unknown, @Meta() meta: RequestMeta) {
    return this.agency(agencyId, { type: 'ApproveAgency', data: { agencyId, by: meta.actor.id } }, meta, 'ApproveAgency');
  }

  @Post(':agencyId/rejection')
  @Roles(...CONTRACT_MAKERS)
  @HttpCode(202)
  @DocBody(ReasonBody)
  @ApiOperation({ summary: 'Reject a proposed agency, with a reason (the checker, not its proposer)' })
  reject(@Param('agencyId', id) agencyId: string, @ValidBody(ReasonBody) body: z.infer<typeof ReasonBody>, @Meta() meta: RequestMeta) {
    return this.agency(agencyId, { type: 'RejectAgency', data: { agencyId, by: meta.actor.id, reason: body.reason } }, meta, 'RejectAgency', {
      reason: body.reason,
    });
  }

  @Post(':agencyId/contract-amendments')
  @Roles(...CONTRACT_MAKERS)
  @HttpCode(201)
  @DocBody(AmendContractBody)
  @ApiOperation({ summary: 'Propose an amended contract; it takes effect when another risk manager approves it' })
  amend(@Param('agencyId', id) agencyId: string, @ValidBody(AmendContractBody) body: z.infer<typeof AmendContractBody>, @Meta() meta: RequestMeta) {
    return this.agency(
      agencyId,
      { type: 'ProposeContractAmendment', data: { agencyId, contract: body.contract, by: meta.actor.id } },
      meta,
      'ProposeContractAmendment',
    );
  }

  @Post(':agencyId/contract-amendments/approval')
  @Roles(...CONTRACT_MAKERS)
  @HttpCode(202)
  @DocBody(EmptyBody)
  @ApiOperation({ summary: 'Approve the pending contract amendment (the checker, not its proposer)' })
  approveAmendment(@Param('agencyId', id) agencyId: string, @ValidBody(EmptyBody) _b: unknown, @Meta() meta: RequestMeta) {
    return this.agency(agencyId, { type: 'ApproveContractAmendment', data: { agencyId, by: meta.actor.id } }, meta, 'ApproveContractAmendment');
  }

  @Post(':agencyId/suspension')
  @Roles('supervisor', 'risk_manager')
  @HttpCode(202)
  @DocBody(ReasonBody)
  @ApiOperation({ summary: 'Suspend an agency at once, with a reason: it is given no new case (the cases it holds stay until recalled)' })
  async suspend(@Param('agencyId', id) agencyId: string, @ValidBody(ReasonBody) body: z.infer<typeof ReasonBody>, @Meta() meta: RequestMeta) {
    const onDate = await this.placements.clock.todayOrThrow();
    return this.agency(agencyId, { type: 'SuspendAgency', data: { agencyId, by: meta.actor.id, reason: body.reason, onDate } }, meta, 'SuspendAgency', {
      reason: body.reason,
    });
  }

  @Post(':agencyId/agents/:agentId/certifications')
  @Roles('supervisor', 'risk_manager')
  @HttpCode(201)
  @DocBody(CertifyAgentBody)
  @ApiOperation({ summary: 'Record a certification of one of the agency’s collectors (by id); COLLECTION_BASIC is needed to contact a debtor' })
  certify(
    @Param('agencyId', id) agencyId: string,
    @Param('agentId', id) agentId: string,
    @ValidBody(CertifyAgentBody) body: z.infer<typeof CertifyAgentBody>,
    @Meta() meta: RequestMeta,
  ) {
    return this.agency(agencyId, { type: 'CertifyAgent', data: { agencyId, agentId, ...body, by: meta.actor.id } }, meta, 'CertifyAgent');
  }

  @Get('evaluations')
  @Roles(...READERS)
  @DocQuery(EvaluationQuery)
  @ApiOperation({
    summary:
      'The yearly evaluation of each agency: recovery rate on the balance placed, commission and cost per yuan recovered, complaint recalls, rule refusals per thousand contacts',
  })
  evaluation(@ValidQuery(EvaluationQuery) q: z.infer<typeof EvaluationQuery>) {
    return this.queries.evaluation(q.year);
  }

  // ---- the placement rule, under maker-checker ---------------------------------------------------------

  @Get('placement-rules')
  @Roles(...READERS)
  @ApiOperation({ summary: 'The placement rule in force on the open business date, the version awaiting its checker, and every version approved' })
  async placementRules() {
    const today = await this.placements.clock.todayOrThrow();
    const { state } = await this.placements.rules.load(PLACEMENT_RULE_STREAM);
    return {
      businessDate: today,
      inForce: placementRuleOn(state, today),
      pending: state.pending,
      approved: state.approved,
    };
  }

  @Post('placement-rules')
  @Roles(...CONTRACT_MAKERS)
  @HttpCode(201)
  @DocBody(PlacementRuleBody)
  @ApiOperation({ summary: 'Propose a version of the placement rule; it is in force once another risk manager approves it (MAKER_CANNOT_CHECK)' })
  async proposePlacementRule(@ValidBody(PlacementRuleBody) body: z.infer<typeof PlacementRuleBody>, @Meta() meta: RequestMeta) {
    const onDate = await this.placements.clock.todayOrThrow();
    return answer(
      await this.placements.runRule(
        { type: 'ProposePlacementRule', data: { rule: body, by: meta.actor.id, onDate } },
        commandContext(meta, 'ProposePlacementRule', { extra: { version: body.version } }),
      ),
    );
  }

  @Post('placement-rules/:version/approval')
  @Roles(...CONTRACT_MAKERS)
  @HttpCode(202)
  @DocBody(EmptyBody)
  @ApiOperation({ summary: 'Approve the pending version of the placement rule (the checker, not its proposer): in force from the open business date' })
  async approvePlacementRule(@Param('version', id) version: string, @ValidBody(EmptyBody) _b: unknown, @Meta() meta: RequestMeta) {
    const onDate = await this.placements.clock.todayOrThrow();
    return answer(
      await this.placements.runRule(
        { type: 'ApprovePlacementRule', data: { version, by: meta.actor.id, onDate } },
        commandContext(meta, 'ApprovePlacementRule', { extra: { version } }),
      ),
    );
  }

  @Post('placement-rules/:version/rejection')
  @Roles(...CONTRACT_MAKERS)
  @HttpCode(202)
  @DocBody(ReasonBody)
  @ApiOperation({ summary: 'Reject the pending version of the placement rule, with a reason (the checker, not its proposer)' })
  async rejectPlacementRule(@Param('version', id) version: string, @ValidBody(ReasonBody) body: z.infer<typeof ReasonBody>, @Meta() meta: RequestMeta) {
    return answer(
      await this.placements.runRule(
        { type: 'RejectPlacementRule', data: { version, by: meta.actor.id, reason: body.reason } },
        commandContext(meta, 'RejectPlacementRule', { extra: { version, reason: body.reason } }),
      ),
    );
  }

  // ---- placements ------------------------------------------------------------------------------------

  /** A supervisor places and recalls cases of their case scope only (the scope their reads check). */
  private async inScope(caseId: string, user: Principal): Promise<void> {
    const { state } = await this.cases.load(caseId);
    if (state.status === 'none') throw new ProblemException(problem(404, 'CASE_NOT_FOUND', 'Case not found', `No collection case ${caseId}.`));
    if (!(await inCaseScope(this.pool, AGENCY_CASES_TABLE, user, { loanId: state.loanId }))) {
      throw caseOutOfScope(`Case ${caseId}`, user);
    }
  }

  @Post('placements')
  @Roles(...PLACERS)
  @HttpCode(201)
  @DocBody(PlaceBody)
  @ApiOperation({
    summary:
      'Place an open case with an agency, with a reason: the debtor is notified first (through the dispatch gate), then the placement starts; one agency per case at a time',
  })
  async place(@ValidBody(PlaceBody) body: z.infer<typeof PlaceBody>, @Meta() meta: RequestMeta, @Req() req: AuthedRequest) {
    await this.inScope(body.caseId, req.user);
    const result = await this.placements.place({ ...body, source: 'SUPERVISOR' }, commandContext(meta, 'PlaceCase', { extra: { reason: body.reason } }));
    return answer(result);
  }

  @Get('placements')
  @Roles(...READERS)
  @DocQuery(PlacementListQuery)
  @ApiOperation({ summary: 'Placements by agency, case and status, newest first' })
  async listPlacements(@ValidQuery(PlacementListQuery) q: z.infer<typeof PlacementListQuery>, @Req() req: AuthedRequest) {
    const page = await this.queries.placements(q);
    if (req.user.role !== 'supervisor') return page;
    const visible = await Promise.all(page.items.map((p) => inCaseScope(this.pool, AGENCY_CASES_TABLE, req.user, { loanId: p.loanId })));
    return { ...page, items: page.items.filter((_, i) => visible[i]) };
  }

  @Post('placements/:caseId/recall')
  @Roles(...PLACERS)
  @HttpCode(202)
  @DocBody(ReasonBody)
  @ApiOperation({ summary: 'Recall a case from its agency, with a reason (CASE_NOT_PLACED when no agency holds it)' })
  async recall(
    @Param('caseId', id) caseId: string,
    @ValidBody(ReasonBody) body: z.infer<typeof ReasonBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.inScope(caseId, req.user);
    const onDate = await this.placements.clock.todayOrThrow();
    return answer(
      await this.placements.recall(caseId, 'SUPERVISOR', body.reason, onDate, commandContext(meta, 'RecallCase', { extra: { reason: body.reason } })),
    );
  }

  // ---- the agency's own routes -----------------------------------------------------------------------

  @Get('my/cases')
  @Roles('agency')
  @ApiOperation({ summary: 'The cases placed with the calling agency now (from the day the debtor’s notice is sent)' })
  async myCases(@Req() req: AuthedRequest) {
    return this.queries.agencyCases(req.user.id, await this.placements.clock.todayOrThrow());
  }

  @Get('my/cases/:caseId')
  @Roles('agency')
  @DocQuery(AgencyCaseQuery)
  @ApiOperation({
    summary:
      'A case placed with the calling agency: its arrears, promises and payments, the debtor masked unless a purpose is named (the clear read is logged)',
  })
  async myCase(@Param('caseId', id) caseId: string, @ValidQuery(AgencyCaseQuery) q: z.infer<typeof AgencyCaseQuery>, @Req() req: AuthedRequest) {
    const placement = await this.queries.activePlacement(req.user.id, caseId, await this.placements.clock.todayOrThrow());
    if (!placement) throw notPlaced(caseId);
    const { state } = await this.cases.load(caseId);
    if (state.status === 'none') throw notPlaced(caseId);
    let debtor: { masked: boolean; data: unknown } | null = null;
    try {
      const clear = q.purpose !== undefined;
      const data = await this.vault.get(state.customerId, { actor: req.user, clear, purpose: q.purpose });
      debtor = { masked: !clear, data: clear ? data : maskPersonalData(data) };
    } catch {
      debtor = null;
    }
    return {
      placement: placementView(placement),
      caseId,
      loanId: state.loanId,
      customerId: state.customerId,
      stage: state.stage,
      dpd: state.dpd,
      overdueAmount: state.overdueAmount,
      status: state.status === 'closed' ? 'CLOSED' : Object.keys(state.holds).length ? 'ON_HOLD' : 'OPEN',
      promises: Object.values(state.promises),
      payments: state.payments,
      debtor,
    };
  }

  @Post('my/cases/:caseId/contacts')
  @Roles('agency')
  @HttpCode(201)
  @DocBody(AgencyContactBody)
  @ApiOperation({
    summary:
      'Record the agency’s contact attempt on a case placed with it: Collection’s contact command, rules and debtor ledger, counted with the bank’s own contacts (a refusal answers 422 with the rule’s code and is recorded)',
  })
  async contact(
    @Param('caseId', id) caseId: string,
    @ValidBody(AgencyContactBody) body: z.infer<typeof AgencyContactBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    const attemptId = body.attemptId ?? meta.idempotencyKey ?? newId();
    const at = body.at ? new Date(body.at).toISOString() : meta.receivedAt;
    const outcome = await this.placements.agencyContact(
      req.user.id,
      caseId,
      { ...body, attemptId, at },
      commandContext(meta, 'AttemptContact', { occurredAt: at }),
    );
    return contactAnswer(outcome, attemptId);
  }
}
