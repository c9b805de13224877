import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type pg from 'pg';
import { z } from 'zod';
import { EVENT_STORE, type EventStore } from '#eventstore';
import { DocQuery, PG_POOL, ProblemException, Roles, ValidQuery, ZodPipe, fields, problem } from '#platform';
import { readAccessLog } from '../application/access-log.js';
import { AuditReader } from '../application/history.js';
import { anchorDay, verifyAnchors } from '../anchoring/anchors.js';
import { verifyChain } from '../application/tamper-evidence.js';

const HistoryQuery = z
  .strictObject({
    streamId: z.string().min(3).max(200).optional(),
    loanId: fields.id.optional(),
    customerId: fields.id.optional(),
    types: z.string().max(1000).optional().describe('comma-separated event types'),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    page: fields.page,
    pageSize: fields.pageSize,
  })
  .refine((q) => q.streamId || q.loanId || q.customerId, { message: 'give streamId, loanId or customerId' });
const StateQuery = z.strictObject({
  at: z.iso.datetime({ offset: true }).optional(),
  position: z
    .string()
    .regex(/^\d+\/\d+$/, 'commit/prepare')
    .optional(),
  businessDate: fields.businessDate
    .optional()
    .describe(
      "the state at the close of this business date: the position of its EndOfDayCompleted on Loans' calendar; the open day: the state so far; a date before the calendar: events with occurredAt on or before it",
    ),
});
const AccessLogQuery = z.strictObject({
  actorId: fields.id.optional(),
  subject: z.string().min(1).max(200).optional().describe('a case, loan, customer, stream or event id the query named'),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  page: fields.page,
  pageSize: fields.pageSize,
});
const VerifyQuery = z.strictObject({ streamPrefix: z.string().min(1).max(200).optional() });

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(
    private readonly reader: AuditReader,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get('history')
  @Roles('auditor', 'admin', 'supervisor', 'risk_manager')
  @DocQuery(HistoryQuery as unknown as z.ZodObject)
  @ApiOperation({
    summary:
      "A loan's or customer's story across every context's streams, in global order, with who, when, which command, correlation, causation and policy versions",
  })
  history(@ValidQuery(HistoryQuery) q: z.infer<typeof HistoryQuery>) {
    return this.reader.history({
      ...q,
      types: q.types
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    });
  }

  @Get('streams/:streamId/state')
  @Roles('auditor', 'admin')
  @DocQuery(StateQuery)
  @ApiOperation({ summary: 'State of an aggregate as of a moment (recorded time), a global position, or the close of a business date' })
  async state(@Param('streamId') streamId: string, @ValidQuery(StateQuery) q: z.infer<typeof StateQuery>) {
    const result = await this.reader.stateAsOf(streamId, q);
    if (!result) throw new ProblemException(problem(404, 'AGGREGATE_NOT_AUDITABLE', 'Not auditable', `No aggregate is registered for ${streamId}.`));
    return result;
  }

  @Get('events/:eventId/explain')
  @Roles('auditor', 'admin', 'supervisor', 'risk_manager')
  @ApiOperation({ summary: 'An event and the chain of events that caused it, each with its command, actor and policy versions' })
  async explain(@Param('eventId', new ZodPipe(z.uuid(), 'params')) eventId: string) {
    const chain = await this.reader.explain(eventId);
    if (!chain) throw new ProblemException(problem(404, 'EVENT_NOT_FOUND', 'Event not found', `No event ${eventId}.`));
    return { eventId, chain };
  }

  @Get('access-log')
  @Roles('auditor', 'admin')
  @DocQuery(AccessLogQuery)
  @ApiOperation({
    summary:
      'Who ran which audit query (history, state, explain, verify, what-if, any auditor read) about which case, loan or customer, when, with what outcome; newest first',
  })
  accessLog(@ValidQuery(AccessLogQuery) q: z.infer<typeof AccessLogQuery>) {
    return readAccessLog(this.pool, q);
  }

  @Get('verify')
  @Roles('auditor', 'admin')
  @DocQuery(VerifyQuery)
  @ApiOperation({ summary: 'Recompute the hash chain of every stream (or a prefix) and report the first broken link' })
  verify(@ValidQuery(VerifyQuery) q: z.infer<typeof VerifyQuery>) {
    return verifyChain(this.pool, this.store, q.streamPrefix);
  }

  @Post('anchors/:day')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Store the anchor hash over every event recorded on a day (UTC) that has ended, in global order; written once (409 ANCHOR_ALREADY_WRITTEN for another hash), published as a log line',
  })
  anchor(@Param('day', new ZodPipe(fields.businessDate, 'params')) day: string) {
    return anchorDay(this.pool, this.store, day);
  }

  @Get('anchors/verify')
  @Roles('auditor', 'admin')
  @ApiOperation({ summary: 'Recompute every stored daily anchor and report the first mismatch' })
  verifyAnchors() {
    return verifyAnchors(this.pool);
  }
}
