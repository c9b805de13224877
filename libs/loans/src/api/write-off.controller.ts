import { Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import type pg from 'pg';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { DocBody, Meta, Metrics, PG_POOL, Roles, ValidBody, ZodPipe, fields, type RequestMeta } from '#platform';
import { LoanCommandHandlers } from '../application/loan-commands.js';
import { httpIntake, runOverHttp } from './intake.js';
import { ensureLoanInScope } from './loan-scope.js';

const reason = z.string().trim().min(1).max(500);

export const WriteOffRequestBody = z.strictObject({
  requestId: fields.id.describe('chosen by the requester; the same request again is a no-op'),
  reason: reason.describe('why the loan is written off (e.g. uncollectable after M6+, debtor deceased)'),
});

export const WriteOffRejectionBody = z.strictObject({ reason });

const Id = new ZodPipe(fields.id, 'params');

/**
 * Write-off under four eyes. A supervisor or risk manager asks with a reason; somebody else (a
 * supervisor up to 20,000.00 yuan, a risk manager up to 500,000.00 yuan of principal, interest and
 * penalty owed) approves or rejects. The write-off is dated on the open business date; the loan then
 * stops ageing and accruing, and payments on it are recorded as recoveries. Every call checks the
 * loan's case scope as Collection's case writes do (a supervisor: a loan whose case is their team's,
 * or not assigned to anyone; a risk manager: every loan): out of scope is 403 CASE_OUT_OF_SCOPE,
 * with nothing decided or appended.
 */
@ApiTags('loans')
@ApiBearerAuth()
@Controller('loans/accounts/:loanId/write-off')
export class WriteOffController {
  constructor(
    private readonly handlers: LoanCommandHandlers,
    private readonly metrics: Metrics,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {}

  private ensureInScope(meta: RequestMeta, loanId: string): Promise<void> {
    return ensureLoanInScope(this.pool, meta, loanId);
  }

  @Post()
  @Roles('supervisor', 'risk_manager')
  @HttpCode(202)
  @DocBody(WriteOffRequestBody)
  @ApiOperation({ summary: 'Ask for a write-off (maker); a loan past due only' })
  async request(@Param('loanId', Id) loanId: string, @ValidBody(WriteOffRequestBody) body: z.infer<typeof WriteOffRequestBody>, @Meta() meta: RequestMeta) {
    await this.ensureInScope(meta, loanId);
    return runOverHttp(this.metrics, this.handlers.repository, await this.handlers.requestWriteOff(loanId, body, httpIntake(meta)));
  }

  @Post(':requestId/approval')
  @Roles('supervisor', 'risk_manager')
  @HttpCode(202)
  @ApiOperation({ summary: 'Approve a write-off (checker, not the maker: MAKER_CANNOT_CHECK; within the role limit: WRITE_OFF_ABOVE_APPROVAL_LIMIT)' })
  async approve(@Param('loanId', Id) loanId: string, @Param('requestId', Id) requestId: string, @Meta() meta: RequestMeta) {
    await this.ensureInScope(meta, loanId);
    return runOverHttp(this.metrics, this.handlers.repository, await this.handlers.approveWriteOff(loanId, requestId, httpIntake(meta)));
  }

  @Post(':requestId/rejection')
  @Roles('supervisor', 'risk_manager')
  @HttpCode(202)
  @DocBody(WriteOffRejectionBody)
  @ApiOperation({ summary: 'Reject a write-off request (not by its maker)' })
  async reject(
    @Param('loanId', Id) loanId: string,
    @Param('requestId', Id) requestId: string,
    @ValidBody(WriteOffRejectionBody) body: z.infer<typeof WriteOffRejectionBody>,
    @Meta() meta: RequestMeta,
  ) {
    await this.ensureInScope(meta, loanId);
    return runOverHttp(this.metrics, this.handlers.repository, await this.handlers.rejectWriteOff(loanId, requestId, body.reason, httpIntake(meta)));
  }
}
