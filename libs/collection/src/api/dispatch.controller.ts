import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { compareDates, daysBetween, domainError, type Position } from '#kernel';
import { DocBody, Meta, Roles, ValidBody, ZodPipe, commandContext, domainProblem, fields, type RequestMeta } from '#platform';
import { contactRulesProblem, type ContactRules } from '../domain/contact-rules.js';
import { LEDGER_FACT_TYPES, rulebookImpact, type ImpactEvent } from '../domain/rulebook-impact.js';
import { CollectionClock } from '../application/clock.js';
import { CollectionStore, streams } from '../application/collection-store.js';
import { DispatchService } from '../application/dispatch.service.js';
import { DispatchRunBody, RulebookImpactBody } from './dto.js';

const IMPACT_EVENT_TYPES = ['CaseOpened', 'ContactAttempted', ...LEDGER_FACT_TYPES];

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
  @ApiOperation({
    summary:
      'Judge again, at the given instant, the actions the contact rules rescheduled whose next allowed moment has come (released, withheld or rescheduled once more)',
  })
  async run(@ValidBody(DispatchRunBody) body: z.infer<typeof DispatchRunBody>, @Meta() meta: RequestMeta) {
    const businessDate = await this.clock.todayOrThrow();
    const at = new Date(body.at).toISOString();
    return { businessDate, ...(await this.dispatch.releaseDue(at, businessDate, commandContext(meta, 'ReleaseAction', { occurredAt: at }))) };
  }

  /**
   * Rulebook impact: the past contacts a proposed rulebook would have refused, by rule, collector
   * and channel, replayed from the event store (the whole Collection history is read: an analysis,
   * not a hot path). Nothing is recorded.
   */
  @Post('contact-rules/impact')
  @Roles('risk_manager', 'auditor', 'admin')
  @HttpCode(200)
  @DocBody(RulebookImpactBody)
  @ApiOperation({ summary: 'Which past contacts (local dates from..to) a proposed contact rulebook would have refused, by rule, collector and channel' })
  async impact(@ValidBody(RulebookImpactBody) body: z.infer<typeof RulebookImpactBody>) {
    const rules = body.rules as ContactRules;
    const problem = contactRulesProblem(rules);
    if (problem) throw domainProblem(problem);
    if (compareDates(body.from, body.to) > 0 || daysBetween(body.from, body.to) > 366) {
      throw domainProblem(domainError('INVALID_RANGE', 'from..to is at most a year, from first', { from: body.from, to: body.to }));
    }
    const events: ImpactEvent[] = [];
    let from: Position | 'start' = 'start';
    for (;;) {
      const page = await this.store.store.readAll({
        from,
        maxCount: 5_000,
        filter: { streamPrefixes: ['collection.case-', 'collection.debtor-'], eventTypes: IMPACT_EVENT_TYPES },
      });
      events.push(...page.events);
      if (page.isEnd) break;
      from = page.position;
    }
    const impact = rulebookImpact(events, rules, body.from, body.to);
    return { ...impact, refusedCount: impact.refused.length, refused: impact.refused.slice(0, 200) };
  }

  @Get('debtors/:customerId/dispatch')
  @Roles('supervisor', 'auditor', 'admin')
  @ApiOperation({
    summary: 'What the dispatch gate decided for each of the debtor’s actions (from the debtor’s ledger): released, withheld, rescheduled, expired',
  })
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
