import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { DocBody, Meta, Metrics, Roles, ValidBody, ZodPipe, commandContext, fields, type RequestMeta } from '#platform';
import { ContactRulesBook } from '../application/catalog.js';
import { CollectionClock } from '../application/clock.js';
import { CollectionStore, streams } from '../application/collection-store.js';
import { runCommand } from '../application/commands.js';
import type { Channel, ThirdPartyExceptionReason } from '../domain/model.js';
import { EmptyBody, OptOutBody, ThirdPartyExceptionBody } from './dto.js';
import { answer } from './http.js';

const id = new ZodPipe(fields.id, 'params');

/** The debtor's contact ledger: opt-outs, third-party exceptions, and what it counted. */
@ApiTags('collection')
@ApiBearerAuth()
@Controller('collection/debtors/:customerId')
export class DebtorsController {
  constructor(
    private readonly store: CollectionStore,
    private readonly rules: ContactRulesBook,
    private readonly metrics: Metrics,
    private readonly clock: CollectionClock,
  ) {}

  @Post('opt-outs')
  @Roles('collector', 'supervisor', 'service', 'admin')
  @HttpCode(202)
  @DocBody(OptOutBody)
  @ApiOperation({ summary: 'Record that the debtor opted out of (or back into) a channel the rules offer an opt-out for (SMS, EMAIL)' })
  async optOut(@Param('customerId', id) customerId: string, @ValidBody(OptOutBody) body: z.infer<typeof OptOutBody>, @Meta() meta: RequestMeta) {
    const rules = await this.rules.inForce(await this.clock.todayOrThrow());
    return answer(
      await runCommand(
        this.metrics,
        this.store.debtors,
        streams.debtor(customerId),
        { type: 'SetChannelOptOut', data: { customerId, channel: body.channel as Channel, optedOut: body.optedOut, rules } },
        commandContext(meta, 'SetChannelOptOut', { policyVersions: { contactRules: rules.version } }),
      ),
    );
  }

  @Post('third-party-exceptions')
  @Roles('supervisor', 'admin')
  @HttpCode(201)
  @DocBody(ThirdPartyExceptionBody)
  @ApiOperation({ summary: 'Record an exception under which third parties may be contacted (debtor unreachable, deceased, lacking capacity)' })
  async exception(@Param('customerId', id) customerId: string, @ValidBody(ThirdPartyExceptionBody) body: z.infer<typeof ThirdPartyExceptionBody>, @Meta() meta: RequestMeta) {
    return answer(
      await runCommand(
        this.metrics,
        this.store.debtors,
        streams.debtor(customerId),
        {
          type: 'RecordThirdPartyException',
          data: { customerId, exceptionId: body.exceptionId, reason: body.reason as ThirdPartyExceptionReason, recordedBy: meta.actor.id },
        },
        commandContext(meta, 'RecordThirdPartyException'),
      ),
    );
  }

  @Post('third-party-exceptions/:exceptionId/end')
  @Roles('supervisor', 'admin')
  @HttpCode(202)
  @DocBody(EmptyBody)
  @ApiOperation({ summary: 'End a third-party exception' })
  async endException(@Param('customerId', id) customerId: string, @Param('exceptionId', id) exceptionId: string, @ValidBody(EmptyBody) _body: unknown, @Meta() meta: RequestMeta) {
    return answer(
      await runCommand(
        this.metrics,
        this.store.debtors,
        streams.debtor(customerId),
        { type: 'EndThirdPartyException', data: { customerId, exceptionId } },
        commandContext(meta, 'EndThirdPartyException'),
      ),
    );
  }

  @Get('contact-ledger')
  @Roles('supervisor', 'auditor', 'admin')
  @ApiOperation({ summary: 'What the debtor’s ledger holds: stops, opt-outs, exceptions, refused third parties, effective calls per day' })
  async ledger(@Param('customerId', id) customerId: string) {
    const loaded = await this.store.debtors.load(streams.debtor(customerId));
    const s = loaded.state;
    return {
      customerId,
      revision: loaded.revision,
      stops: Object.entries(s.stops).map(([stopId, v]) => ({ stopId, ...v })),
      optedOut: s.optedOut,
      thirdPartyExceptions: Object.entries(s.exceptions).map(([exceptionId, reason]) => ({ exceptionId, reason })),
      refusedThirdParties: s.refusedThirdParties,
      effectiveCalls: s.effectiveCalls,
    };
  }
}
