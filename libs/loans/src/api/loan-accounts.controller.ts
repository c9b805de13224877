import { Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import {
  DocBody,
  DocQuery,
  Meta,
  Metrics,
  ProblemException,
  Roles,
  ValidBody,
  ValidQuery,
  ZodPipe,
  fields,
  problem,
  type Principal,
  type RequestMeta,
} from '#platform';
import { LoanCommandHandlers } from '../application/loan-commands.js';
import { loanScopeOf } from '../read-model/case-assignments.js';
import { LoanQueries } from '../read-model/loan-queries.js';
import { AgingQuery, LoanListQuery, PaymentBody, RegisterLoanBody, ReversalBody, registerLoanInput } from './dto.js';
import { httpIntake, runOverHttp } from './intake.js';

/**
 * Who reads loans: every staff role. Row-level: a collector reads only the loans of the collection
 * cases assigned to them (any other loan answers 404 as if it did not exist, as in Collection).
 */
const READERS = ['collector', 'supervisor', 'risk_manager', 'auditor', 'admin', 'service'] as const;
/** Facts come from core banking (service) or an administrator. */
const WRITERS = ['service', 'admin'] as const;

const LoanId = new ZodPipe(fields.id, 'params');

type AuthedRequest = FastifyRequest & { user: Principal };

@ApiTags('loans')
@ApiBearerAuth()
@Controller('loans')
export class LoanAccountsController {
  constructor(
    private readonly handlers: LoanCommandHandlers,
    private readonly queries: LoanQueries,
    private readonly metrics: Metrics,
  ) {}

  @Post('accounts')
  @Roles(...WRITERS)
  @HttpCode(201)
  @DocBody(RegisterLoanBody)
  @ApiOperation({ summary: 'Register (mirror) a disbursed loan with its schedule; dated on the open business date' })
  async register(@ValidBody(RegisterLoanBody) body: z.infer<typeof RegisterLoanBody>, @Meta() meta: RequestMeta) {
    return runOverHttp(this.metrics, this.handlers.repository, await this.handlers.registerLoan(registerLoanInput(body), httpIntake(meta)));
  }

  @Post('accounts/:loanId/payments')
  @Roles(...WRITERS)
  @HttpCode(202)
  @DocBody(PaymentBody)
  @ApiOperation({ summary: 'Post a payment; a backdated value date replays delinquency from that date' })
  async pay(@Param('loanId', LoanId) loanId: string, @ValidBody(PaymentBody) body: z.infer<typeof PaymentBody>, @Meta() meta: RequestMeta) {
    return runOverHttp(this.metrics, this.handlers.repository, await this.handlers.postPayment(loanId, body, httpIntake(meta)));
  }

  @Post('accounts/:loanId/payments/:reference/reversal')
  @Roles(...WRITERS)
  @HttpCode(202)
  @DocBody(ReversalBody)
  @ApiOperation({ summary: 'Reverse a payment (bounced, charged back): it counts as never made' })
  async reverse(
    @Param('loanId', LoanId) loanId: string,
    @Param('reference', new ZodPipe(fields.id, 'params')) reference: string,
    @ValidBody(ReversalBody) body: z.infer<typeof ReversalBody>,
    @Meta() meta: RequestMeta,
  ) {
    return runOverHttp(
      this.metrics,
      this.handlers.repository,
      await this.handlers.reversePayment(loanId, { reference, reason: body.reason }, httpIntake(meta)),
    );
  }

  @Get('accounts')
  @Roles(...READERS)
  @DocQuery(LoanListQuery)
  @ApiOperation({
    summary: 'Loans by stage, DPD range, customer, product; cursor-paginated by loan id (eventually consistent); a collector sees the loans of their cases',
  })
  async list(@ValidQuery(LoanListQuery) query: z.infer<typeof LoanListQuery>, @Req() req: AuthedRequest) {
    return this.queries.list(query, loanScopeOf(req.user));
  }

  @Get('accounts/:loanId')
  @Roles(...READERS)
  @ApiOperation({
    summary: 'One loan: schedule with paid amounts, payments with allocations and reversals, holds; a collector only the loans of their cases (404 otherwise)',
  })
  async detail(@Param('loanId', LoanId) loanId: string, @Req() req: AuthedRequest) {
    const loan = await this.queries.detail(loanId, loanScopeOf(req.user));
    if (!loan) throw new ProblemException(problem(404, 'LOAN_NOT_FOUND', 'Loan not found', `No loan ${loanId} in the read model.`));
    return loan;
  }

  @Get('aging')
  @Roles('supervisor', 'risk_manager', 'auditor', 'admin')
  @DocQuery(AgingQuery)
  @ApiOperation({ summary: 'Portfolio aging: active loans and outstanding balance per stage, per business date' })
  async aging(@ValidQuery(AgingQuery) query: z.infer<typeof AgingQuery>) {
    return this.queries.aging(query);
  }
}
