import { Controller, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { DocBody, DocQuery, Meta, ProblemException, Roles, ValidBody, ValidQuery, ZodPipe, problem, type Principal, type RequestMeta } from '#platform';
import { RestructuringService } from '../application/restructuring.service.js';
import type { RestructuringPolicy } from '../domain/policy.js';
import { AcceptBody, EmptyBody, ListQuery, OfferBody, PerformanceQuery, PolicyBody, QueueQuery, RejectBody, RequestBody, RequestIdParam } from './schemas.js';

const READERS = ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'] as const;
const OVERSIGHT = ['supervisor', 'risk_manager', 'auditor', 'admin'] as const;
const PolicyVersionParam = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/);

const RequestId = () => Param('requestId', new ZodPipe(RequestIdParam, 'params'));

/**
 * Restructuring over HTTP. Who may do what:
 * - a collector files a request (on the customer's behalf) and may assess and offer it;
 * - a supervisor assesses, approves or rejects (never their own request; a second, different
 *   supervisor above the policy's threshold) and may offer;
 * - the customer's acceptance is recorded by the service of a customer channel (app, e-signature)
 *   or by a collector who references the evidence (call recording, signed form);
 * - the business date of every command is the loans context's business calendar; its end of day
 *   expires offers and observes plans (no route of its own);
 * - risk managers propose policy versions and another risk manager approves each; supervisors, risk managers, auditors and admins read the
 *   queue and the performance figures.
 */
@ApiTags('restructuring')
@ApiBearerAuth()
@Controller('restructuring')
export class RestructuringController {
  constructor(private readonly service: RestructuringService) {}

  @Post('requests')
  @Roles('collector')
  @HttpCode(201)
  @DocBody(RequestBody)
  @ApiOperation({ summary: "File a restructuring request (deferral, installment plan or fee waiver) for a delinquent loan, on the customer's behalf" })
  request(@ValidBody(RequestBody) body: z.infer<typeof RequestBody>, @Meta() meta: RequestMeta) {
    return this.service.request(body, meta);
  }

  @Post('requests/:requestId/assessment')
  @Roles('collector', 'supervisor')
  @HttpCode(202)
  @DocBody(EmptyBody)
  @ApiOperation({ summary: 'Assess a request: eligibility and affordability under the restructuring policy in force' })
  assess(@RequestId() requestId: string, @ValidBody(EmptyBody) _body: object, @Meta() meta: RequestMeta) {
    return this.service.assess(requestId, meta);
  }

  @Post('requests/:requestId/approvals')
  @Roles('supervisor')
  @HttpCode(202)
  @DocBody(EmptyBody)
  @ApiOperation({ summary: "Approve an assessed request (a supervisor other than the requester; a second one above the policy's threshold)" })
  approve(@RequestId() requestId: string, @ValidBody(EmptyBody) _body: object, @Meta() meta: RequestMeta) {
    return this.service.approve(requestId, meta);
  }

  @Post('requests/:requestId/rejection')
  @Roles('supervisor')
  @HttpCode(202)
  @DocBody(RejectBody)
  @ApiOperation({ summary: 'Reject a request, with a reason' })
  reject(@RequestId() requestId: string, @ValidBody(RejectBody) body: z.infer<typeof RejectBody>, @Meta() meta: RequestMeta) {
    return this.service.reject(requestId, body, meta);
  }

  @Post('requests/:requestId/offer')
  @Roles('collector', 'supervisor')
  @HttpCode(202)
  @DocBody(OfferBody)
  @ApiOperation({ summary: "Offer an approved request's terms to the customer" })
  offer(@RequestId() requestId: string, @ValidBody(OfferBody) body: z.infer<typeof OfferBody>, @Meta() meta: RequestMeta) {
    return this.service.offer(requestId, body, meta);
  }

  @Post('requests/:requestId/acceptance')
  @Roles('service', 'collector')
  @HttpCode(202)
  @DocBody(AcceptBody)
  @ApiOperation({ summary: "Record the customer's acceptance of an offer (with its evidence); the new schedule takes effect" })
  accept(@RequestId() requestId: string, @ValidBody(AcceptBody) body: z.infer<typeof AcceptBody>, @Meta() meta: RequestMeta) {
    return this.service.accept(requestId, body, meta);
  }

  @Get('requests')
  @Roles(...READERS)
  @DocQuery(ListQuery)
  @ApiOperation({ summary: "Restructuring requests in the caller's scope, filtered by status, type, loan or customer" })
  list(@ValidQuery(ListQuery) query: z.infer<typeof ListQuery>, @Req() req: FastifyRequest & { user: Principal }) {
    return this.service.queries.list({ ...query, scope: req.user });
  }

  /**
   * Collectors and supervisors read the requests on the loans of their case scope (a collector:
   * their cases; a supervisor: their team's; a loan nobody is assigned: everyone); others read
   * every request. Out of scope reads as not found; the same scope guards every write (403).
   */
  @Get('requests/:requestId')
  @Roles(...READERS)
  @ApiOperation({ summary: 'One restructuring request: terms, assessment, approvals and status' })
  async detail(@RequestId() requestId: string, @Req() req: FastifyRequest & { user: Principal }) {
    const view = await this.service.queries.request(requestId);
    if (!view || !(await this.service.queries.inScope(req.user, view.loanId))) {
      throw new ProblemException(problem(404, 'RESTRUCTURING_REQUEST_NOT_FOUND', 'Restructuring request not found', `no restructuring request ${requestId}`));
    }
    return view;
  }

  @Get('approval-queue')
  @Roles(...OVERSIGHT)
  @DocQuery(QueueQuery)
  @ApiOperation({ summary: "Assessed requests waiting for a supervisor's approval, in the caller's scope" })
  approvalQueue(@ValidQuery(QueueQuery) query: z.infer<typeof QueueQuery>, @Req() req: FastifyRequest & { user: Principal }) {
    return this.service.queries.approvalQueue(req.user, query);
  }

  @Get('plan-performance')
  @Roles(...OVERSIGHT)
  @DocQuery(PerformanceQuery)
  @ApiOperation({ summary: 'How activated plans perform: active, completed and broken, by type' })
  performance(@ValidQuery(PerformanceQuery) query: z.infer<typeof PerformanceQuery>) {
    return this.service.queries.performance(query);
  }

  @Get('policy')
  @Roles(...READERS)
  @ApiOperation({ summary: 'The restructuring policy in force' })
  policy() {
    return this.service.currentPolicy();
  }

  @Put('policy')
  @Roles('risk_manager')
  @HttpCode(201)
  @DocBody(PolicyBody)
  @ApiOperation({ summary: 'Propose a new version of the restructuring policy (maker); it is in force once another risk manager approves it' })
  proposePolicy(@ValidBody(PolicyBody) body: z.infer<typeof PolicyBody>, @Meta() meta: RequestMeta) {
    return this.service.proposePolicy(body as RestructuringPolicy, meta);
  }

  @Get('policy/proposals')
  @Roles('supervisor', 'risk_manager', 'auditor', 'admin')
  @ApiOperation({ summary: 'Proposed restructuring policy versions waiting for approval' })
  proposals() {
    return this.service.pendingPolicies();
  }

  @Post('policy/versions/:version/approval')
  @Roles('risk_manager')
  @HttpCode(202)
  @ApiOperation({ summary: 'Approve a proposed version (checker, not its proposer: MAKER_CANNOT_CHECK); it is in force from then on' })
  approvePolicy(@Param('version', new ZodPipe(PolicyVersionParam, 'params')) version: string, @Meta() meta: RequestMeta) {
    return this.service.approvePolicy(version, meta);
  }
}
