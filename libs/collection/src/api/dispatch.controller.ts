import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { DocBody, Meta, Roles, ValidBody, ZodPipe, commandContext, fields, type RequestMeta } from '#platform';
import { CollectionClock } from '../application/clock.js';
import { CollectionStore, streams } from '../application/collection-store.js';
import { DispatchService } from '../application/dispatch.service.js';
import { DispatchRunBody } from './dto.js';

const id = new ZodPipe(fields.id, 'params');

/**
 * The dispatch gate over HTTP. Every scheduled action is judged by itself at its planned send time
 * (a reaction); a run judges again, at the run's instant, the actions a time-based rule held
 * (quiet hours, the day's caps) whose next allowed moment has come. The scheduler that drives the
 * executors calls it (e.g. every 15 minutes): the instant is the scheduler's, the day is the
 * calendar's (an action is judged only when the instant falls on the open business date in the
 * debtor's zone).
 */
@ApiTags('collection')
@ApiBearerAuth()
@Controller('collection')
export class DispatchController {
  constructor(
    private readonly dispatch: DispatchService,
    private readonly clock: CollectionClock,
    private readonly store: CollectionStore,
  ) {}

  @Post('dispatch')
  @Roles('service', 'admin')
  @HttpCode(200)
  @DocBody(DispatchRunBody)
  @ApiOperation({ summary: 'Judge again, at the given instant, the actions the contact rules rescheduled whose next allowed moment has come (released, withheld or rescheduled once more)' })
  async run(@ValidBody(DispatchRunBody) body: z.infer<typeof DispatchRunBody>, @Meta() meta: RequestMeta) {
    const businessDate = await this.clock.todayOrThrow();
    const at = new Date(body.at).toISOString();
    return { businessDate, ...(await this.dispatch.releaseDue(at, businessDate, commandContext(meta, 'ReleaseAction', { occurredAt: at }))) };
  }

  @Get('debtors/:customerId/dispatch')
  @Roles('supervisor', 'auditor', 'admin')
  @ApiOperation({ summary: 'What the dispatch gate decided for each of the debtor’s actions (from the debtor’s ledger): released, withheld, rescheduled, expired' })
  async decisions(@Param('customerId', id) customerId: string) {
    const loaded = await this.store.debtors.load(streams.debtor(customerId));
    const s = loaded.state;
    return {
      customerId,
      revision: loaded.revision,
      timeZone: s.timeZone,
      dialAttempts: s.dialAttempts,
      actions: Object.entries(s.dispatched).map(([actionId, d]) => ({
        actionId,
        caseId: d.caseId,
        channel: d.channel,
        status: d.status,
        localDate: d.localDate,
        dispatchDate: d.dispatchDate,
        releaseAt: d.releaseAt,
        performed: d.performed,
      })),
    };
  }
}
