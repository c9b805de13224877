import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type pg from 'pg';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { deterministicId, newId } from '#kernel';
import { DocBody, DocQuery, Meta, PG_POOL, ProblemException, Roles, ValidBody, ValidQuery, problem, type RequestMeta } from '#platform';
import { GradingClock } from '../application/clock.js';
import { InForce } from '../application/in-force.js';
import type { LoanRecord } from '../domain/loan-facts.js';
import { LOANS_TABLE } from '../read-model/tables.js';
import { classificationReport, reportCsv } from '../read-model/classification-report.js';
import { GradingRepositories } from '../application/repositories.js';
import { streams } from '../domain/policies.js';
import { GradingReadScope } from '../read-model/case-assignments.js';
import { GradingQueries } from '../read-model/queries.js';
import { HttpCommands } from './http-commands.js';
import { ClassificationOverrideBody, ClassificationQuery, ClassificationReportQuery, PageQuery, StartRunBody } from './dto.js';
import { IdParam, type AuthedRequest } from './params.js';

const READERS = ['supervisor', 'risk_manager', 'auditor', 'admin'] as const;

@ApiTags('loan classification')
@ApiBearerAuth()
@Controller('grading')
export class ClassificationController {
  constructor(
    private readonly queries: GradingQueries,
    private readonly scope: GradingReadScope,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly repos: GradingRepositories,
    private readonly inForce: InForce,
    private readonly clock: GradingClock,
    private readonly commands: HttpCommands,
  ) {}

  /** What an override is decided on: Grading's record of the loan, the rules in force, the open business date. */
  private async overrideInputs(loanId: string) {
    const { rows } = await this.pool.query<{ record: LoanRecord }>(`SELECT record FROM ${LOANS_TABLE} WHERE loan_id = $1`, [loanId]);
    if (!rows.length) throw new ProblemException(problem(404, 'LOAN_NOT_FOUND', 'Loan not found', `Grading knows no loan ${loanId}.`, { loanId }));
    return { loan: rows[0].record, rules: await this.inForce.activeRules(), asOf: await this.clock.todayOrThrow() };
  }

  @Post('loans/:loanId/classification/overrides')
  @Roles('risk_manager')
  @HttpCode(202)
  @DocBody(ClassificationOverrideBody)
  @ApiOperation({
    summary:
      "Override a loan's category with a reason: a downgrade applies at once; an upgrade waits for a second risk manager (never below what the rules give: UPGRADE_BELOW_RULES)",
  })
  async override(
    @IdParam('loanId') loanId: string,
    @ValidBody(ClassificationOverrideBody) body: z.infer<typeof ClassificationOverrideBody>,
    @Meta() meta: RequestMeta,
  ) {
    const inputs = await this.overrideInputs(loanId);
    return this.commands.run(
      this.repos.loans,
      streams.loan(loanId),
      { type: 'OverrideClassification', requestId: body.requestId, category: body.category, reason: body.reason, by: meta.actor, ...inputs },
      meta,
      'OverrideClassification',
      { policyVersions: { classificationRules: inputs.rules.version } },
    );
  }

  @Post('loans/:loanId/classification/overrides/:requestId/approval')
  @Roles('risk_manager')
  @HttpCode(202)
  @ApiOperation({ summary: 'Approve a requested upgrade (not by its requester: MAKER_CANNOT_CHECK)' })
  async approveOverride(@IdParam('loanId') loanId: string, @IdParam('requestId') requestId: string, @Meta() meta: RequestMeta) {
    const inputs = await this.overrideInputs(loanId);
    return this.commands.run(
      this.repos.loans,
      streams.loan(loanId),
      { type: 'ApproveClassificationUpgrade', requestId, by: meta.actor, ...inputs },
      meta,
      'ApproveClassificationUpgrade',
      { policyVersions: { classificationRules: inputs.rules.version } },
    );
  }

  @Get('loans/:loanId/classification')
  @Roles('collector', ...READERS)
  @ApiOperation({ summary: "A loan's five-category classification, the rule that decided it, and its history" })
  async loan(@IdParam('loanId') loanId: string, @Req() req: AuthedRequest) {
    await this.scope.require(req.user, { loanId });
    return this.queries.loanClassification(loanId);
  }

  @Get('classifications')
  @Roles(...READERS)
  @DocQuery(ClassificationQuery)
  @ApiOperation({ summary: 'Loan classifications, by category or customer' })
  list(@ValidQuery(ClassificationQuery) q: z.infer<typeof ClassificationQuery>) {
    return this.queries.loanClassifications({ category: q.category, customerId: q.customerId }, q.page, q.pageSize);
  }

  @Get('classifications/report')
  @Roles(...READERS)
  @DocQuery(ClassificationReportQuery)
  @ApiOperation({
    summary:
      'The five-category report of a business date: loans and outstanding principal per category, the migration matrix against the previous month end, the non-performing ratio; format=csv for a CSV file',
  })
  async report(@ValidQuery(ClassificationReportQuery) q: z.infer<typeof ClassificationReportQuery>, @Res({ passthrough: true }) reply: FastifyReply) {
    const report = await classificationReport(this.pool, q.businessDate);
    if (q.format !== 'csv') return report;
    reply.header('content-type', 'text/csv; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="classification-${q.businessDate}.csv"`);
    return reportCsv(report);
  }

  @Get('classifications/summary')
  @Roles(...READERS)
  @ApiOperation({ summary: "The portfolio's five-category summary: loans and outstanding principal per category" })
  summary() {
    return this.queries.classificationSummary();
  }
}

/** Portfolio runs: regrade every customer or reclassify every loan as of a date, with progress. */
@ApiTags('grading runs')
@ApiBearerAuth()
@Controller('grading/runs')
export class RunsController {
  constructor(
    private readonly repos: GradingRepositories,
    private readonly queries: GradingQueries,
    private readonly commands: HttpCommands,
  ) {}

  @Post()
  @Roles('risk_manager', 'service', 'admin')
  @HttpCode(202)
  @DocBody(StartRunBody)
  @ApiOperation({ summary: 'Start a portfolio run (e.g. the month-end reclassification); it proceeds in batches, resumably' })
  start(@ValidBody(StartRunBody) body: z.infer<typeof StartRunBody>, @Meta() meta: RequestMeta) {
    // From the caller-scoped key, hashed: a repeat names the same run, another caller's same key another.
    const runId =
      body.runId ??
      `${body.kind}-${body.asOf}-${(meta.idempotencyKey ? deterministicId('portfolio-run', meta.idempotencyKey) : newId()).replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`;
    return this.commands.run(
      this.repos.runs,
      streams.run(runId),
      {
        type: 'StartRun',
        runId,
        kind: body.kind,
        asOf: body.asOf,
        cause: { type: 'requested', activationEventId: null, policyId: null, rulesetId: null, version: null },
        requestedBy: meta.actor.id,
      },
      meta,
      'StartPortfolioRun',
    );
  }

  @Get()
  @Roles(...READERS)
  @DocQuery(PageQuery)
  @ApiOperation({ summary: 'Portfolio runs, newest first, with progress' })
  list(@ValidQuery(PageQuery) q: z.infer<typeof PageQuery>) {
    return this.queries.runs(q.page, q.pageSize);
  }

  @Get(':runId')
  @Roles(...READERS)
  @ApiOperation({ summary: "A run's progress: processed of total, changed, status" })
  get(@IdParam('runId') runId: string) {
    return this.queries.run(runId);
  }
}
