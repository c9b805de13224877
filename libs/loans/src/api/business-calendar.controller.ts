import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { DocBody, Meta, Metrics, ProblemException, Roles, ValidBody, ZodPipe, commandContext, execute, fields, problem, type RequestMeta } from '#platform';
import { BusinessCalendar } from '../application/business-calendar.js';
import { EndOfDay } from '../application/end-of-day.js';
import { CALENDAR_ID, CALENDAR_STREAM } from '../application/streams.js';
import { CloseBusinessDayBody, StartCalendarBody } from './dto.js';
import { httpIntake } from './intake.js';

const OPERATORS = ['service', 'admin'] as const;
const WATCHERS = ['supervisor', 'risk_manager', 'auditor', 'admin', 'service'] as const;

@ApiTags('loans')
@ApiBearerAuth()
@Controller('loans/calendar')
export class BusinessCalendarController {
  constructor(
    private readonly calendar: BusinessCalendar,
    private readonly endOfDay: EndOfDay,
    private readonly metrics: Metrics,
  ) {}

  @Post()
  @Roles(...OPERATORS)
  @HttpCode(201)
  @DocBody(StartCalendarBody)
  @ApiOperation({ summary: 'Start the business calendar at its first open business date (once)' })
  async start(@ValidBody(StartCalendarBody) body: z.infer<typeof StartCalendarBody>, @Meta() meta: RequestMeta) {
    return execute(
      this.metrics,
      this.calendar.repository,
      CALENDAR_STREAM,
      { type: 'StartCalendar', data: { calendarId: CALENDAR_ID, openBusinessDate: body.openBusinessDate } },
      commandContext(meta, 'StartBusinessCalendar', { extra: { businessDate: body.openBusinessDate } }),
    );
  }

  @Get()
  @Roles('collector', ...WATCHERS)
  @ApiOperation({ summary: 'The business calendar: the open business date, and the date being closed if any' })
  async state() {
    const state = await this.calendar.state();
    switch (state.status) {
      case 'NotStarted':
        return { status: 'not_started', openBusinessDate: null, closing: null, lastClosed: null };
      case 'Open':
        return { status: 'open', openBusinessDate: state.openBusinessDate, closing: null, lastClosed: state.lastClosed };
      case 'Closing':
        return { status: 'closing', openBusinessDate: state.closing, closing: state.closing, lastClosed: state.lastClosed };
    }
  }

  @Post('close')
  @Roles(...OPERATORS)
  @HttpCode(202)
  @DocBody(CloseBusinessDayBody)
  @ApiOperation({ summary: 'Close the open business date and start its end of day (runs in the background; see days/:businessDate)' })
  async close(@ValidBody(CloseBusinessDayBody) body: z.infer<typeof CloseBusinessDayBody>, @Meta() meta: RequestMeta) {
    const { streamId, command, ctx } = this.endOfDay.closeCommand(body.businessDate, httpIntake(meta));
    const accepted = await execute(this.metrics, this.calendar.repository, streamId, command, ctx);
    const run = await this.endOfDay.start(body.businessDate);
    return { ...accepted, businessDate: body.businessDate, endOfDay: { href: `/loans/calendar/days/${body.businessDate}`, status: run?.status ?? null } };
  }

  @Get('days/:businessDate')
  @Roles(...WATCHERS)
  @ApiOperation({ summary: "A business date's end of day: status, candidates, loans changed, events, timings" })
  async day(@Param('businessDate', new ZodPipe(fields.businessDate, 'params')) businessDate: string) {
    const run = await this.endOfDay.status(businessDate);
    if (!run) throw new ProblemException(problem(404, 'END_OF_DAY_NOT_FOUND', 'End of day not found', `No end of day has run for ${businessDate}.`));
    return run;
  }
}
