import { Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import type pg from 'pg';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { DocBody, Meta, Metrics, PG_POOL, Roles, ValidBody, ZodPipe, fields, type RequestMeta } from '#platform';
import { LoanCommandHandlers } from '../application/loan-commands.js';
import { httpIntake, runOverHttp } from './intake.js';
import { ensureLoanInScope } from './loan-scope.js';

const reason = z.string().trim().min(1).max(500);

export const SettlementProposalBody = z.strictObject({
  settlementId: fields.id.describe('chosen by the proposer; the same proposal again is a no-op'),
  amount: fields.positiveFen.describe('what the customer pays (fen), less than the balance; the rest is forgiven once it is paid by dueBy'),
  dueBy: fields.businessDate.describe('the last business date payments count towards the amount (at most 30 days after the open business date)'),
  reason: reason.describe('why the bank settles for less (e.g. hardship, a lump sum from family)'),
});

export const SettlementRejectionBody = z.strictObject({ reason });

const Id = new ZodPipe(fields.id, 'params');

/**
 * Settlement offers (a discounted payoff) under four eyes. A supervisor or risk manager proposes an
 * amount and a `dueBy` on the business calendar; somebody else (a supervisor forgiving up to
 * 5,000.00 yuan, a risk manager up to 200,000.00 yuan) approves or rejects. Once the payments
 * recorded after the approval, valued by `dueBy`, reach the amount, the rest is forgiven
 * (LoanSettled) and the loan is paid off; the first close of business after `dueBy` without that
 * records SettlementLapsed. Every call checks the loan's case scope like the write-off.
 */
@ApiTags('loans')
@ApiBearerAuth()
@Controller('loans/accounts/:loanId/settlements')
export class SettlementController {
  constructor(
    private readonly handlers: LoanCommandHandlers,
    private readonly metrics: Metrics,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {}

  @Post()
  @Roles('supervisor', 'risk_manager')
  @HttpCode(202)
  @DocBody(SettlementProposalBody)
  @ApiOperation({ summary: 'Propose a settlement (maker): pay less than the balance by a date, the rest forgiven' })
  async propose(
    @Param('loanId', Id) loanId: string,
    @ValidBody(SettlementProposalBody) body: z.infer<typeof SettlementProposalBody>,
    @Meta() meta: RequestMeta,
  ) {
    await ensureLoanInScope(this.pool, meta, loanId);
    return runOverHttp(this.metrics, this.handlers.repository, await this.handlers.proposeSettlement(loanId, body, httpIntake(meta)));
  }

  @Post(':settlementId/approval')
  @Roles('supervisor', 'risk_manager')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Approve a settlement (checker, not the maker: MAKER_CANNOT_CHECK; forgiving within the role limit: SETTLEMENT_ABOVE_APPROVAL_LIMIT)',
  })
  async approve(@Param('loanId', Id) loanId: string, @Param('settlementId', Id) settlementId: string, @Meta() meta: RequestMeta) {
    await ensureLoanInScope(this.pool, meta, loanId);
    return runOverHttp(this.metrics, this.handlers.repository, await this.handlers.approveSettlement(loanId, settlementId, httpIntake(meta)));
  }

  @Post(':settlementId/rejection')
  @Roles('supervisor', 'risk_manager')
  @HttpCode(202)
  @DocBody(SettlementRejectionBody)
  @ApiOperation({ summary: 'Reject a proposed settlement (not by its maker)' })
  async reject(
    @Param('loanId', Id) loanId: string,
    @Param('settlementId', Id) settlementId: string,
    @ValidBody(SettlementRejectionBody) body: z.infer<typeof SettlementRejectionBody>,
    @Meta() meta: RequestMeta,
  ) {
    await ensureLoanInScope(this.pool, meta, loanId);
    return runOverHttp(this.metrics, this.handlers.repository, await this.handlers.rejectSettlement(loanId, settlementId, body.reason, httpIntake(meta)));
  }
}
