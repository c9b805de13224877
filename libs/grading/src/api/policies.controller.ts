import { Controller, Get, HttpCode, Post, type Type } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { DocBody, DocQuery, Meta, ProblemException, Roles, ValidBody, ValidQuery, commandContext, problem, type RequestMeta } from '#platform';
import { DEFAULT_RULES } from '../domain/classification.js';
import { DEFAULT_POLICY } from '../domain/default-policy.js';
import { InForce } from '../application/in-force.js';
import { PolicyService, type DocumentKind } from '../application/policies.service.js';
import { GradingRepositories } from '../application/repositories.js';
import { ImpactPreviewer } from '../read-model/preview.js';
import { GradingQueries, parseVersionRef } from '../read-model/queries.js';
import { streams } from '../domain/policies.js';
import { ActivateBody, ApproveBody, DiffQuery, PreviewQuery, ProposePolicyBody, ProposeRulesBody, RejectBody, RetireBody, VersionsQuery } from './dto.js';
import { IdParam, businessDateOf } from './params.js';
import { GradingClock } from '../application/clock.js';

const READERS = ['risk_manager', 'supervisor', 'auditor', 'admin'] as const;
const RESERVED = new Set(['template', 'active', 'diff']);

/**
 * The maker-checker lifecycle over HTTP, the same for grading policies and classification rules:
 * propose (a risk manager, with a reason), approve or reject (another risk manager), activate,
 * retire; list versions, diff two, see what is in force.
 */
function lifecycleController(kind: DocumentKind, path: string, tag: string): Type {
  const ProposeBody = kind === 'policy' ? ProposePolicyBody : ProposeRulesBody;
  const noun = kind === 'policy' ? 'grading policy' : 'classification rules';

  @ApiTags(tag)
  @ApiBearerAuth()
  @Controller(path)
  class LifecycleController {
    constructor(
      readonly service: PolicyService,
      readonly queries: GradingQueries,
      readonly clock: GradingClock,
    ) {}

    @Post()
    @Roles('risk_manager')
    @HttpCode(201)
    @DocBody(ProposeBody)
    @ApiOperation({ summary: `Propose a ${noun} draft (a new policy, or the next version of a draft or rejected one)` })
    async propose(@ValidBody(ProposeBody) body: z.infer<typeof ProposePolicyBody> | z.infer<typeof ProposeRulesBody>, @Meta() meta: RequestMeta) {
      const id = 'policyId' in body ? body.policyId : body.rulesetId;
      if (RESERVED.has(id))
        throw new ProblemException(
          problem(400, 'VALIDATION_FAILED', 'Validation failed', `${id} is a reserved name`, {
            errors: [{ path: kind === 'policy' ? 'policyId' : 'rulesetId', message: 'reserved name' }],
          }),
        );
      return this.service.propose(
        kind,
        id,
        body.document,
        body.reason,
        await businessDateOf(this.clock, body.on),
        commandContext(meta, 'Propose', { extra: { reason: body.reason } }),
      );
    }

    @Get()
    @Roles(...READERS)
    @DocQuery(VersionsQuery)
    @ApiOperation({ summary: `Every version of every ${noun}, newest first` })
    list(@ValidQuery(VersionsQuery) q: z.infer<typeof VersionsQuery>) {
      return this.queries.versions(kind, q.status, q.page, q.pageSize);
    }

    @Get('template')
    @Roles('risk_manager', 'auditor', 'admin')
    @ApiOperation({ summary: `The ${noun} Arrears ships as a starting point (not in force until proposed, approved and activated)` })
    template() {
      return { document: kind === 'policy' ? DEFAULT_POLICY : DEFAULT_RULES };
    }

    @Get('active')
    @Roles('collector', ...READERS)
    @ApiOperation({ summary: `The ${noun} in force, and every change of it` })
    active() {
      return this.queries.active(kind);
    }

    @Get('diff')
    @Roles(...READERS)
    @DocQuery(DiffQuery)
    @ApiOperation({ summary: 'What changed between two versions (id@version each)' })
    diff(@ValidQuery(DiffQuery) q: z.infer<typeof DiffQuery>) {
      return this.queries.diff(kind, parseVersionRef(q.from)!, parseVersionRef(q.to)!);
    }

    @Get(':id')
    @Roles(...READERS)
    @ApiOperation({ summary: `A ${noun} with all its versions and documents` })
    get(@IdParam('id') id: string) {
      return this.queries.policy(kind, id);
    }

    @Post(':id/approve')
    @Roles('risk_manager')
    @HttpCode(202)
    @DocBody(ApproveBody)
    @ApiOperation({ summary: 'Approve the draft version reviewed (not by its proposer: MAKER_CANNOT_CHECK)' })
    approve(@IdParam('id') id: string, @ValidBody(ApproveBody) body: z.infer<typeof ApproveBody>, @Meta() meta: RequestMeta) {
      return this.service.review(kind, id, body.version, 'approve', body.comment ?? null, commandContext(meta, 'Approve'));
    }

    @Post(':id/reject')
    @Roles('risk_manager')
    @HttpCode(202)
    @DocBody(RejectBody)
    @ApiOperation({ summary: 'Reject the draft version reviewed, with a reason (not by its proposer)' })
    reject(@IdParam('id') id: string, @ValidBody(RejectBody) body: z.infer<typeof RejectBody>, @Meta() meta: RequestMeta) {
      return this.service.review(kind, id, body.version, 'reject', body.reason, commandContext(meta, 'Reject', { extra: { reason: body.reason } }));
    }

    @Post(':id/activate')
    @Roles('risk_manager')
    @HttpCode(202)
    @DocBody(ActivateBody)
    @ApiOperation({
      summary: `Put the approved version in force from the open business date of Loans’ calendar (not earlier: EFFECTIVE_DATE_IN_PAST; not later: EFFECTIVE_DATE_IN_FUTURE); the ${noun} in force before is retired, and a portfolio run starts`,
    })
    async activate(@IdParam('id') id: string, @ValidBody(ActivateBody) body: z.infer<typeof ActivateBody>, @Meta() meta: RequestMeta) {
      return this.service.activate(kind, id, body.effectiveFrom, await this.clock.statedToday(body.businessDate), commandContext(meta, 'Activate'));
    }

    @Post(':id/retire')
    @Roles('risk_manager')
    @HttpCode(202)
    @DocBody(RetireBody)
    @ApiOperation({ summary: `Retire a ${noun} (one in force leaves nothing in force)` })
    async retire(@IdParam('id') id: string, @ValidBody(RetireBody) body: z.infer<typeof RetireBody>, @Meta() meta: RequestMeta) {
      return this.service.retire(
        kind,
        id,
        body.reason,
        await businessDateOf(this.clock, body.on),
        commandContext(meta, 'Retire', { extra: { reason: body.reason } }),
      );
    }
  }
  Object.defineProperty(LifecycleController, 'name', { value: kind === 'policy' ? 'GradingPoliciesController' : 'ClassificationRulesController' });
  return LifecycleController;
}

export const GradingPoliciesController = lifecycleController('policy', 'grading/policies', 'grading policies');
export const ClassificationRulesController = lifecycleController('rules', 'grading/classification-rules', 'loan classification rules');

/** The impact preview of a grading policy version on today's portfolio. */
@ApiTags('grading policies')
@ApiBearerAuth()
@Controller('grading/policies')
export class PolicyPreviewController {
  constructor(
    private readonly previewer: ImpactPreviewer,
    private readonly inForce: InForce,
    private readonly repos: GradingRepositories,
    private readonly clock: GradingClock,
  ) {}

  @Get(':id/preview')
  @Roles('risk_manager', 'admin')
  @DocQuery(PreviewQuery)
  @ApiOperation({
    summary:
      'Grade migration matrix (from-grade × to-grade, customers and balances) of the portfolio under this version versus the policy in force; writes nothing',
  })
  async preview(@IdParam('id') id: string, @ValidQuery(PreviewQuery) q: z.infer<typeof PreviewQuery>) {
    const { state } = await this.repos.policies.load(streams.policy(id));
    if (state.status === 'none') throw new ProblemException(problem(404, 'POLICY_NOT_FOUND', 'Policy not found', `No grading policy ${id}.`));
    const version = q.version ?? state.latest.version;
    const document = await this.inForce.policyDocument(id, version);
    if (!document) throw new ProblemException(problem(404, 'POLICY_NOT_FOUND', 'Policy not found', `Grading policy ${id} has no version ${version}.`));
    return this.previewer.preview({ id, version, document }, await this.inForce.activePolicy(), await businessDateOf(this.clock, q.asOf));
  }
}
