import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { deterministicId, newId } from '#kernel';
import { CaseService, CollectionClock, DebtorPreferencesService, type Channel } from '#collection';
import { RestructuringService } from '#restructuring';
import { DocBody, DocQuery, Meta, ProblemException, Roles, ValidBody, ValidQuery, ZodPipe, commandContext, fields, problem } from '#platform';
import type { CommandAccepted, Principal, RequestMeta } from '#platform';
import { ComplaintsService } from '../application/complaints.service.js';
import { SelfServiceReader } from '../application/self-service.reader.js';
import { Customer, acceptedOrProblem, channelOf } from './customer-routes.js';
import { CustomerComplaintBody, EmptyBody, OptOutBody, OptionsQuery, PreferredTimesBody, PromiseBody, SelfServiceRestructuringBody } from './schemas.js';

const id = new ZodPipe(fields.id, 'params');

const complaintNotFound = (complaintId: string) =>
  new ProblemException(problem(404, 'COMPLAINT_NOT_FOUND', 'Complaint not found', `You have no complaint ${complaintId}.`));

/**
 * The customer's own channel (the bank's app and web portal), for a customer principal only: a
 * token of role `customer` whose subject is the customer id (see docs/self-service.md). Every read
 * is of the token's customer; every write acts on the token's customer's loans and cases and goes
 * through the same command, rules and four-eyes steps as the staff route it mirrors. Someone
 * else's loan, case, request or complaint is not found (404), whatever its id.
 */
@ApiTags('self-service')
@ApiBearerAuth()
@Roles('customer')
@Controller('self-service')
export class SelfServiceController {
  constructor(
    private readonly reader: SelfServiceReader,
    private readonly cases: CaseService,
    private readonly collectionClock: CollectionClock,
    private readonly preferences: DebtorPreferencesService,
    private readonly restructuring: RestructuringService,
    private readonly complaints: ComplaintsService,
  ) {}

  // ---- what I owe and what happens next -----------------------------------------------------------

  @Get('loans')
  @ApiOperation({ summary: 'My loans: outstanding and overdue amounts, DPD, next due date, whether each is in collection' })
  loans(@Customer() me: Principal) {
    return this.reader.myLoans(me.id);
  }

  @Get('loans/:loanId')
  @ApiOperation({
    summary:
      'One of my loans explained: the overdue amount by component in the order a payment pays it (the waterfall), per installment; DPD and next due date; my open promise and the promise rules; what happens next, in Chinese and English',
  })
  loan(@Param('loanId', id) loanId: string, @Customer() me: Principal) {
    return this.reader.explain(me.id, loanId);
  }

  @Get('contacts')
  @ApiOperation({ summary: 'My contact history: which channel, when and why the bank contacted me (newest first)' })
  async contacts(@Customer() me: Principal) {
    return { items: await this.reader.contacts(me.id) };
  }

  // ---- promise to pay ------------------------------------------------------------------------------

  @Post('loans/:loanId/promises')
  @HttpCode(201)
  @DocBody(PromiseBody)
  @ApiOperation({
    summary:
      'Promise to pay on a loan in collection: the same promise rules as on a call (PROMISE_TOO_SMALL, PROMISE_TOO_FAR, PROMISE_DATE_IN_PAST); an earlier open promise is superseded. Pay through the bank’s own payment page with the returned reference',
  })
  async promise(@Param('loanId', id) loanId: string, @ValidBody(PromiseBody) body: z.infer<typeof PromiseBody>, @Meta() meta: RequestMeta) {
    await this.reader.myLoan(meta.actor.id, loanId);
    const kase = await this.reader.openCase(meta.actor.id, loanId);
    if (!kase)
      throw new ProblemException(problem(409, 'NOT_IN_COLLECTION', 'Not in collection', `Loan ${loanId} has no open collection case; pay as scheduled.`));
    const promiseId = body.promiseId ?? (meta.idempotencyKey ? deterministicId('customer-promise', meta.idempotencyKey) : newId());
    const businessDate = await this.collectionClock.todayOrThrow();
    const result = await this.cases.recordCustomerPromise(
      kase.caseId,
      { requestId: `${channelOf(meta)}:${promiseId}`, promiseId, amount: body.amount, dueOn: body.dueOn, businessDate },
      commandContext(meta, 'RecordCustomerPromise', { extra: { businessDate } }),
    );
    return { ...acceptedOrProblem(result), caseId: kase.caseId, promiseId, payment: { loanId, amount: body.amount, dueOn: body.dueOn, reference: promiseId } };
  }

  // ---- restructuring -------------------------------------------------------------------------------

  @Post('loans/:loanId/restructuring-requests')
  @HttpCode(201)
  @DocBody(SelfServiceRestructuringBody)
  @ApiOperation({
    summary:
      'Apply for a deferral, an installment plan or a fee waiver on my loan, with my reason and income evidence: the same request staff file, assessed under the policy in force and approved by a supervisor (four eyes) before it is offered to me',
  })
  async applyRestructuring(
    @Param('loanId', id) loanId: string,
    @ValidBody(SelfServiceRestructuringBody) body: z.infer<typeof SelfServiceRestructuringBody>,
    @Meta() meta: RequestMeta,
  ): Promise<CommandAccepted & { requestId: string }> {
    await this.reader.myLoan(meta.actor.id, loanId);
    return this.restructuring.request({ ...body, loanId }, meta);
  }

  @Get('loans/:loanId/restructuring-options')
  @DocQuery(OptionsQuery)
  @ApiOperation({
    summary:
      'Which restructurings the policy in force would grant me today on this loan, for my stated income: deferrals, installment plans with their schedules to the fen, a penalty waiver; each with the checks it fails (nothing is recorded)',
  })
  async restructuringOptions(@Param('loanId', id) loanId: string, @ValidQuery(OptionsQuery) q: z.infer<typeof OptionsQuery>, @Meta() meta: RequestMeta) {
    await this.reader.myLoan(meta.actor.id, loanId);
    return this.restructuring.options(loanId, q.monthlyIncome, meta);
  }

  @Get('restructuring-requests')
  @ApiOperation({ summary: 'My restructuring requests and where each stands, in Chinese and English' })
  restructurings(@Customer() me: Principal) {
    return this.reader.restructurings(me.id);
  }

  @Get('restructuring-requests/:requestId')
  @ApiOperation({ summary: 'One of my restructuring requests: terms, the schedule offered to the fen, the offer’s expiry' })
  restructuringRequest(@Param('requestId', id) requestId: string, @Customer() me: Principal) {
    return this.reader.restructuringRequest(me.id, requestId);
  }

  @Post('restructuring-requests/:requestId/acceptance')
  @HttpCode(202)
  @DocBody(EmptyBody)
  @ApiOperation({ summary: 'Accept the offer made to me, in the app or portal (recorded with my channel); the new schedule takes effect' })
  async accept(@Param('requestId', id) requestId: string, @ValidBody(EmptyBody) _body: object, @Meta() meta: RequestMeta): Promise<CommandAccepted> {
    await this.reader.restructuringRequest(meta.actor.id, requestId);
    return this.restructuring.accept(requestId, { channel: channelOf(meta) }, meta);
  }

  // ---- contact preferences -------------------------------------------------------------------------

  @Get('contact-preferences')
  @ApiOperation({ summary: 'The channels I stopped, those I may stop, and whether contact is stopped while a complaint or dispute is open' })
  preferencesOf(@Customer() me: Principal) {
    return this.preferences.preferences(me.id);
  }

  @Post('contact-preferences/opt-outs')
  @HttpCode(202)
  @DocBody(OptOutBody)
  @ApiOperation({
    summary:
      'Stop (or allow again) a channel the contact rules offer an opt-out of: the same command as staff record; no action on it is released to an executor afterwards',
  })
  async optOut(@ValidBody(OptOutBody) body: z.infer<typeof OptOutBody>, @Meta() meta: RequestMeta) {
    return acceptedOrProblem(await this.preferences.setOptOut(meta.actor.id, body.channel as Channel, body.optedOut, commandContext(meta, 'SetChannelOptOut')));
  }

  @Post('contact-preferences/preferred-times')
  @HttpCode(202)
  @DocBody(PreferredTimesBody)
  @ApiOperation({
    summary:
      'Set the times of day I prefer to be contacted on a channel (within the hours the contact rules allow, else 422 PREFERRED_TIME_OUTSIDE_HOURS): an action planned outside them is rescheduled to the next of my windows instead of being sent',
  })
  async preferredTimes(@ValidBody(PreferredTimesBody) body: z.infer<typeof PreferredTimesBody>, @Meta() meta: RequestMeta) {
    return acceptedOrProblem(
      await this.preferences.setPreferredTimes(meta.actor.id, body.channel as Channel, body.windows, commandContext(meta, 'SetPreferredContactTimes')),
    );
  }

  // ---- complaints and disputes ---------------------------------------------------------------------

  @Post('complaints')
  @HttpCode(201)
  @DocBody(CustomerComplaintBody)
  @ApiOperation({
    summary:
      'Raise a complaint or dispute: acknowledged and resolved by the deadlines of the complaint policy; collection contact on the cases it concerns stops while it is open and resumes when it is resolved',
  })
  raise(@ValidBody(CustomerComplaintBody) body: z.infer<typeof CustomerComplaintBody>, @Meta() meta: RequestMeta) {
    return this.raiseFor(meta.actor.id, body, meta);
  }

  private async raiseFor(customerId: string, body: z.infer<typeof CustomerComplaintBody>, meta: RequestMeta) {
    if (body.loanId) await this.reader.myLoan(customerId, body.loanId);
    return this.complaints.raise({ ...body, customerId, source: 'CUSTOMER' }, meta);
  }

  @Get('complaints')
  @ApiOperation({ summary: 'My complaints and disputes: status, deadlines, outcome' })
  myComplaints(@Customer() me: Principal) {
    return this.complaints.queries.complaints({ customerId: me.id, page: 1, pageSize: 100 });
  }

  @Get('complaints/:complaintId')
  @ApiOperation({ summary: 'One of my complaints or disputes' })
  async complaint(@Param('complaintId', id) complaintId: string, @Customer() me: Principal) {
    const view = await this.complaints.queries.complaint(complaintId);
    if (!view || view.customerId !== me.id) throw complaintNotFound(complaintId);
    return view;
  }
}
