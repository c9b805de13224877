import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { compareDates } from '#kernel';
import { DocBody, DocQuery, Meta, ProblemException, Roles, ValidBody, ValidQuery, problem, type RequestMeta } from '#platform';
import { GradingClock } from '../application/clock.js';
import { GradingRepositories } from '../application/repositories.js';
import type { CustomerCommand } from '../domain/customer.js';
import { streams } from '../domain/policies.js';
import { GradingReadScope } from '../read-model/case-assignments.js';
import { GradingQueries } from '../read-model/queries.js';
import { HttpCommands } from './http-commands.js';
import { CustomersQuery, DistributionQuery, PageQuery, ProfileBody, PromiseOutcomeBody, RestructuringOutcomeBody } from './dto.js';
import { IdParam, type AuthedRequest } from './params.js';

const GRADE_READERS = ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin'] as const;
/** Roles that see the profile's financial facts (income, obligations, bureau score) behind a grade. */
const PROFILE_READERS: readonly string[] = ['risk_manager', 'auditor', 'admin'];

/**
 * Customer facts in (from core banking, the bureau, promise outcomes, and restructuring outcomes
 * decided outside Arrears; Arrears' own restructurings arrive as published events), grades out. A fact is recorded at once (202); the regrade it triggers
 * follows through the regrader.
 */
@ApiTags('grading customers')
@ApiBearerAuth()
@Controller('grading')
export class CustomersController {
  constructor(
    private readonly repos: GradingRepositories,
    private readonly queries: GradingQueries,
    private readonly commands: HttpCommands,
    private readonly scope: GradingReadScope,
    private readonly clock: GradingClock,
  ) {}

  /** Records a fact on the customer's stream (`extra`: kept in the command's metadata). */
  private record(customerId: string, command: CustomerCommand, meta: RequestMeta, name: string, extra?: Record<string, unknown>) {
    return this.commands.run(this.repos.customers, streams.customer(customerId), command, meta, name, extra && { extra });
  }

  @Post('customers/:customerId/profile')
  @Roles('service')
  @HttpCode(202)
  @DocBody(ProfileBody)
  @ApiOperation({
    summary: 'Report profile facts (bureau score, monthly income and obligations, dispute/deceased/fraud flags); omitted facts stay as they were',
  })
  async profile(@IdParam('customerId') customerId: string, @ValidBody(ProfileBody) body: z.infer<typeof ProfileBody>, @Meta() meta: RequestMeta) {
    const { source, asOf, ...changes } = body;
    // Facts are as of the open business date unless stated; a stated date after it is not trusted
    // (the grade would sit on a future date that later facts could never move it off).
    const today = await this.clock.todayOrThrow();
    if (asOf !== undefined && compareDates(asOf, today) > 0) {
      throw new ProblemException(
        problem(422, 'AS_OF_AFTER_BUSINESS_DATE', 'Date after the business date', `asOf ${asOf} is after the open business date ${today}.`, {
          details: { asOf, openBusinessDate: today },
        }),
      );
    }
    return this.record(customerId, { type: 'UpdateProfile', customerId, changes, source, asOf: asOf ?? today }, meta, 'UpdateCustomerProfile', { source });
  }

  @Post('customers/:customerId/promise-outcomes')
  @Roles('service')
  @HttpCode(202)
  @DocBody(PromiseOutcomeBody)
  @ApiOperation({ summary: 'A promise to pay taken outside Arrears was kept or broken (Arrears’ own promises are recorded from PromiseKept / PromiseBroken)' })
  promise(@IdParam('customerId') customerId: string, @ValidBody(PromiseOutcomeBody) body: z.infer<typeof PromiseOutcomeBody>, @Meta() meta: RequestMeta) {
    return this.record(customerId, { type: 'RecordPromiseOutcome', customerId, ...body }, meta, 'RecordPromiseOutcome');
  }

  @Post('customers/:customerId/restructuring-outcomes')
  @Roles('service')
  @HttpCode(202)
  @DocBody(RestructuringOutcomeBody)
  @ApiOperation({
    summary:
      'A restructuring decided outside Arrears was activated, broken or completed (Arrears’ own restructurings are recorded from RestructuringActivated / PlanBroken / PlanCompleted)',
  })
  restructuring(
    @IdParam('customerId') customerId: string,
    @ValidBody(RestructuringOutcomeBody) body: z.infer<typeof RestructuringOutcomeBody>,
    @Meta() meta: RequestMeta,
  ) {
    return this.record(customerId, { type: 'RecordRestructuringStatus', customerId, ...body }, meta, 'RecordRestructuringStatus');
  }

  @Get('customers')
  @Roles('supervisor', 'risk_manager', 'auditor', 'admin')
  @DocQuery(CustomersQuery)
  @ApiOperation({ summary: 'Graded customers, optionally of one grade' })
  list(@ValidQuery(CustomersQuery) q: z.infer<typeof CustomersQuery>) {
    return this.queries.customers(q.grade, q.page, q.pageSize);
  }

  @Get('customers/:customerId')
  @Roles(...GRADE_READERS)
  @ApiOperation({ summary: "A customer's current grade, the factors behind it, and the loans it rests on" })
  async customer(@IdParam('customerId') customerId: string, @Req() req: AuthedRequest) {
    await this.scope.require(req.user, { customerId });
    return this.queries.customer(customerId, PROFILE_READERS.includes(req.user.role));
  }

  @Get('customers/:customerId/history')
  @Roles(...GRADE_READERS)
  @DocQuery(PageQuery)
  @ApiOperation({ summary: 'Every grade the customer was given, newest first, each with its factors, policy version, trigger and an explanation' })
  async history(@IdParam('customerId') customerId: string, @ValidQuery(PageQuery) q: z.infer<typeof PageQuery>, @Req() req: AuthedRequest) {
    await this.scope.require(req.user, { customerId });
    return this.queries.history(customerId, q.page, q.pageSize);
  }

  @Get('distribution')
  @Roles('supervisor', 'risk_manager', 'auditor', 'admin')
  @DocQuery(DistributionQuery)
  @ApiOperation({ summary: 'Customers per grade at the end of each day (or month) of a period' })
  distribution(@ValidQuery(DistributionQuery) q: z.infer<typeof DistributionQuery>) {
    return this.queries.distribution(q.from, q.to, q.granularity);
  }
}
