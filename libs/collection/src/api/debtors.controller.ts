import { Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { caseOutOfScope, DocBody, Meta, Metrics, Roles, ValidBody, ZodPipe, fields, type RequestMeta } from '#platform';
import { ContactRulesBook } from '../application/catalog.js';
import { CollectionClock } from '../application/clock.js';
import { CollectionStore, streams } from '../application/collection-store.js';
import type { Channel, ThirdPartyExceptionReason } from '../domain/model.js';
import type { DebtorCommand } from '../domain/debtor.js';
import { EmptyBody, OptOutBody, ThirdPartyExceptionBody } from './dto.js';
import { CollectionQueries, scopeOf } from '../read-model/queries.js';
import { notFound, perform, type AuthedRequest } from './http.js';

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
    private readonly queries: CollectionQueries,
  ) {}

  /**
   * A write on the debtor's ledger needs a debtor Collection knows (a case of the customer: 404
   * DEBTOR_NOT_FOUND otherwise) and one of its cases within the caller's scope, the scope case
   * reads check (403 CASE_OUT_OF_SCOPE otherwise); both before anything is decided.
   */
  private async writable(customerId: string, req: AuthedRequest): Promise<void> {
    const verdict = await this.queries.debtorScope(customerId, scopeOf(req.user));
    if (verdict === 'unknown') throw notFound('DEBTOR_NOT_FOUND', 'Debtor not found', `No collection case of customer ${customerId}.`);
    if (verdict === 'out') throw caseOutOfScope(`Customer ${customerId}`, req.user);
  }

  /** A command on the debtor's ledger. */
  private decide(customerId: string, command: DebtorCommand, meta: RequestMeta, contactRules?: string) {
    return perform(this.metrics, this.store.debtors, streams.debtor(customerId), command, meta, contactRules ? { policyVersions: { contactRules } } : {});
  }

  @Post('opt-outs')
  @Roles('collector', 'supervisor', 'service', 'admin')
  @HttpCode(202)
  @DocBody(OptOutBody)
  @ApiOperation({ summary: 'Record that the debtor opted out of (or back into) a channel the rules offer an opt-out for (SMS, EMAIL)' })
  async optOut(
    @Param('customerId', id) customerId: string,
    @ValidBody(OptOutBody) body: z.infer<typeof OptOutBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.writable(customerId, req);
    const rules = await this.rules.inForce(await this.clock.todayOrThrow());
    const data = { customerId, channel: body.channel as Channel, optedOut: body.optedOut, rules };
    return this.decide(customerId, { type: 'SetChannelOptOut', data }, meta, rules.version);
  }

  @Post('third-party-exceptions')
  @Roles('supervisor', 'admin')
  @HttpCode(201)
  @DocBody(ThirdPartyExceptionBody)
  @ApiOperation({ summary: 'Record an exception under which third parties may be contacted (debtor unreachable, deceased, lacking capacity)' })
  async exception(
    @Param('customerId', id) customerId: string,
    @ValidBody(ThirdPartyExceptionBody) body: z.infer<typeof ThirdPartyExceptionBody>,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.writable(customerId, req);
    const data = { customerId, exceptionId: body.exceptionId, reason: body.reason as ThirdPartyExceptionReason, recordedBy: meta.actor.id };
    return this.decide(customerId, { type: 'RecordThirdPartyException', data }, meta);
  }

  @Post('third-party-exceptions/:exceptionId/end')
  @Roles('supervisor', 'admin')
  @HttpCode(202)
  @DocBody(EmptyBody)
  @ApiOperation({ summary: 'End a third-party exception' })
  async endException(
    @Param('customerId', id) customerId: string,
    @Param('exceptionId', id) exceptionId: string,
    @ValidBody(EmptyBody) _body: unknown,
    @Meta() meta: RequestMeta,
    @Req() req: AuthedRequest,
  ) {
    await this.writable(customerId, req);
    return this.decide(customerId, { type: 'EndThirdPartyException', data: { customerId, exceptionId } }, meta);
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
