import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type pg from 'pg';
import {
  deterministicId,
  domainError,
  isBusinessDate,
  isDomainError,
  newId,
  streamEntityId,
  type BusinessDate,
  type DomainError,
  type RecordedEvent,
} from '#kernel';
import { AggregateRepository, EVENT_STORE, type CommandContext, type EventStore } from '#eventstore';
import { BusinessCalendar, LoanCommandHandlers, loanStream, type Intake } from '#loans';
import type { Reaction } from '#projections';
import {
  caseOutOfScope,
  Metrics,
  PG_POOL,
  accepted,
  commandContext,
  domainProblem,
  execute,
  measured,
  runCommand,
  type CommandAccepted,
  type Principal,
  type RequestMeta,
} from '#platform';
import {
  activationPlan,
  assess,
  decideRequest,
  restructuringDecider,
  type ActivationOutcome,
  type RequestRestructuring,
  type RestructuringCommand,
} from '../domain/request/decide.js';
import type {
  AcceptanceChannel,
  HardshipReason,
  OfferChannel,
  OpenRequest,
  RejectionReason,
  RequestState,
  RestructuringAccepted,
  RestructuringEvent,
  RestructuringRequested,
} from '../domain/request/events.js';
import { withRounding, type LoanSnapshot, type RestructuringTerms } from '../domain/plan.js';
import { POLICY_BOOK_STREAM, policyBookDecider, type PolicyBook, type PolicyBookCommand, type PolicyBookEvent } from '../domain/policy-book.js';
import type { Grade, RestructuringPolicy } from '../domain/policy.js';
import { RestructuringQueries } from '../read-model/queries.js';
import { RESTRUCTURING_CALENDAR_TABLE, RestructuringClock } from './clock.js';
import { RestructuringCustomers } from './customers.js';
import { loanSnapshot, paidDates, restructuredSeqs, restructuringIds } from './loan-facts.js';
import { reactionBinding, type RestructuringReactions } from './reactors.js';
import { RestructuringSlots, requestStream } from './slots.js';

export interface RequestInput {
  readonly requestId?: string;
  readonly loanId: string;
  readonly terms: RestructuringTerms;
  readonly hardship: { readonly reasonCode: HardshipReason; readonly evidenceRefs: readonly string[] };
  readonly monthlyIncome: number;
  /** The grade the collector sees; used only while the grading context has published none. */
  readonly grade?: Grade;
}

const fail = (error: DomainError): never => {
  throw domainProblem(error);
};

/**
 * The restructuring context's use cases: each loads what the decision needs (the request, the loan
 * as the loans context records it, the bank's business date from restructuring's copy of the loans calendar, the
 * policy in force, read-model facts), runs the pure decider through the request's repository and
 * appends. The reactions (activation on acceptance, plan monitoring on loan events, the end of
 * day) live here too, bound to the reactors when the module starts.
 *
 * The loans context is used only through what `#loans` exports: its business calendar, its
 * command handlers (RestructureSchedule, dated on the calendar) and its `evolve`/`project` to read
 * a loan. Nothing here appends to a loan stream except through those handlers.
 */
@Injectable()
export class RestructuringService implements OnModuleInit, RestructuringReactions {
  readonly requests: AggregateRepository<RestructuringCommand, RestructuringEvent, RequestState>;
  readonly policies: AggregateRepository<PolicyBookCommand, PolicyBookEvent, PolicyBook>;
  readonly clock: RestructuringClock;
  readonly loans: LoanCommandHandlers;
  readonly queries: RestructuringQueries;
  readonly slots: RestructuringSlots;
  readonly customers: RestructuringCustomers;
  private readonly logger = new Logger('Restructuring');

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) pool: pg.Pool,
    private readonly metrics: Metrics,
  ) {
    this.requests = new AggregateRepository(store, restructuringDecider);
    this.policies = new AggregateRepository(store, policyBookDecider, { cacheStreams: 0 });
    this.clock = new RestructuringClock(pool, RESTRUCTURING_CALENDAR_TABLE);
    // The new schedule is a Loans fact, recorded through Loans' own handlers, which date it on
    // Loans' calendar (the authority); Restructuring's own decisions use its copy above.
    this.loans = new LoanCommandHandlers(store, new BusinessCalendar(store), metrics);
    this.queries = new RestructuringQueries(pool);
    this.slots = new RestructuringSlots(store, metrics);
    this.customers = new RestructuringCustomers(store, metrics);
  }

  onModuleInit(): void {
    reactionBinding.bind(this);
  }

  // ---- commands from staff ------------------------------------------------------------------------

  async request(input: RequestInput, meta: RequestMeta): Promise<CommandAccepted & { requestId: string }> {
    const businessDate = await this.today();
    const requestId = input.requestId ?? (meta.idempotencyKey ? deterministicId('restructuring-request', meta.actor.id, meta.idempotencyKey) : newId());
    const loan = await this.loanAt(input.loanId, businessDate);
    await this.ensureInScope(meta, input.loanId);
    const published = await this.queries.publishedGrade(loan.customerId);
    const grade = (published?.grade as Grade | undefined) ?? input.grade;
    if (!grade) {
      fail(
        domainError('GRADE_UNKNOWN', 'the grading context has published no grade for the customer; state the grade shown on the case', {
          customerId: loan.customerId,
        }),
      );
    }
    const command: RequestRestructuring = {
      type: 'RequestRestructuring',
      data: {
        requestId,
        loan,
        terms: input.terms,
        hardship: input.hardship,
        monthlyIncome: input.monthlyIncome,
        grade: grade!,
        gradeSource: published ? 'GRADING' : 'DECLARED',
        requestedBy: meta.actor,
        businessDate,
      },
    };
    const ctx = commandContext(meta, 'RequestRestructuring', { extra: { businessDate } });
    // Decided first, on nothing but the command; then filed through the loan's slot, which owns
    // "one open restructuring per loan" (see RestructuringSlots).
    const result = await measured(this.metrics, ctx.command, async () => {
      const decided = decideRequest(command, { status: 'None' });
      return isDomainError(decided) ? decided : this.slots.file(decided[0] as RestructuringRequested, ctx, businessDate);
    });
    if (isDomainError(result)) return fail(result);
    return { ...accepted(result), requestId };
  }

  async assess(requestId: string, meta: RequestMeta): Promise<CommandAccepted> {
    const request = await this.existing(requestId);
    await this.ensureInScope(meta, request.loanId);
    const businessDate = await this.today();
    const loan = await this.loanAt(request.loanId, businessDate);
    const policy = await this.currentPolicy();
    // An early answer from the customer's restructurings stream; the rule is decided when an offer is accepted (accept).
    const customerLastRestructuredOn = await this.customers.lastRestructuredOn(request.customerId, requestId);
    return execute(
      this.metrics,
      this.requests,
      requestStream(requestId),
      { type: 'AssessRestructuring', data: { requestId, loan, policy, customerLastRestructuredOn, assessedBy: meta.actor, businessDate } },
      commandContext(meta, 'AssessRestructuring', { policyVersions: { restructuringPolicy: policy.version }, extra: { businessDate } }),
    );
  }

  async approve(requestId: string, meta: RequestMeta): Promise<CommandAccepted> {
    const request = await this.existing(requestId);
    await this.ensureInScope(meta, request.loanId);
    const businessDate = await this.today();
    return execute(
      this.metrics,
      this.requests,
      requestStream(requestId),
      { type: 'ApproveRestructuring', data: { requestId, approver: meta.actor, businessDate } },
      commandContext(meta, 'ApproveRestructuring', dated(request, businessDate)),
    );
  }

  async reject(requestId: string, input: { reasonCode: RejectionReason }, meta: RequestMeta): Promise<CommandAccepted> {
    const request = await this.existing(requestId);
    await this.ensureInScope(meta, request.loanId);
    const businessDate = await this.today();
    const ctx = commandContext(meta, 'RejectRestructuring', dated(request, businessDate));
    const result = await execute(
      this.metrics,
      this.requests,
      requestStream(requestId),
      { type: 'RejectRestructuring', data: { requestId, rejectedBy: meta.actor, reasonCode: input.reasonCode, businessDate } },
      ctx,
    );
    if (result.events.includes('RestructuringRejected')) {
      await this.slots.releaseQuietly(request.loanId, requestId, 'Rejected', businessDate, ctx, this.releaseFailed);
    }
    return result;
  }

  async offer(requestId: string, input: { channel: OfferChannel }, meta: RequestMeta): Promise<CommandAccepted> {
    const request = await this.existing(requestId);
    await this.ensureInScope(meta, request.loanId);
    const businessDate = await this.today();
    const loan = await this.loanAt(request.loanId, businessDate);
    return execute(
      this.metrics,
      this.requests,
      requestStream(requestId),
      { type: 'OfferRestructuring', data: { requestId, loan, channel: input.channel, offeredBy: meta.actor, businessDate } },
      commandContext(meta, 'OfferRestructuring', dated(request, businessDate)),
    );
  }

  /**
   * The customer's acceptance is where a restructuring is committed: the lookback rule across the
   * customer's loans is decided on the customer's restructurings stream before the acceptance is
   * written (RestructuringCustomers), so of two acceptances on two loans of one customer inside the
   * lookback exactly one is recorded; the other is refused 409 RECENT_RESTRUCTURING with nothing
   * appended, and its offer stays open until it expires.
   */
  async accept(requestId: string, input: { channel: AcceptanceChannel; evidenceRef?: string }, meta: RequestMeta): Promise<CommandAccepted> {
    const { state, revision } = await this.requests.load(requestStream(requestId));
    if (state.status === 'None') fail(domainError('RESTRUCTURING_REQUEST_NOT_FOUND', `no restructuring request ${requestId}`, { requestId }, 'not_found'));
    const request = state as OpenRequest;
    await this.ensureInScope(meta, request.loanId);
    const businessDate = await this.today();
    const command: RestructuringCommand = {
      type: 'AcceptOffer',
      data: { requestId, recordedBy: meta.actor, channel: input.channel, evidenceRef: input.evidenceRef ?? null, businessDate },
    };
    const ctx = commandContext(meta, 'AcceptOffer', dated(request, businessDate));
    // A repeat, a refusal, or an acceptance committed before: the request's own stream answers.
    const onRequest = () => execute(this.metrics, this.requests, requestStream(requestId), command, ctx);
    const decided = restructuringDecider.decide(command, state);
    if (isDomainError(decided) || decided.length === 0) return onRequest();
    const result = await measured(this.metrics, ctx.command, () =>
      this.customers.commit(decided[0] as RestructuringAccepted, revision, request.assessment!.policy.lookbackMonths, ctx),
    );
    return result ? accepted(result) : onRequest();
  }

  /**
   * What the policy in force would say today to a few standard terms on the loan, for the
   * customer's own channel before they apply: a deferral of one month and of the policy's longest,
   * equal-installment plans over the policy's shortest tenor, 6 and 12 months and its longest, at
   * the loan's contract rate capped by the policy's, and a waiver of the penalty owed up to the
   * policy's limit. Each is assessed with the same pure `assess` a request is, with the income
   * stated; nothing is recorded. Needs the grade Grading published.
   */
  async options(loanId: string, monthlyIncome: number, meta: RequestMeta) {
    const businessDate = await this.today();
    const { state } = await this.loans.repository.load(loanStream(loanId));
    const loan = loanSnapshot(state, loanId, businessDate);
    if (isDomainError(loan)) fail(loan);
    const snapshot = loan as LoanSnapshot;
    await this.ensureInScope(meta, loanId);
    const published = await this.queries.publishedGrade(snapshot.customerId);
    if (!published)
      fail(domainError('GRADE_UNKNOWN', 'the grading context has published no grade for the customer yet', { customerId: snapshot.customerId }, 'conflict'));
    const grade = published!.grade as Grade;
    const policy = await this.currentPolicy();
    const lastRestructuredOn = await this.customers.lastRestructuredOn(snapshot.customerId, null);
    const contractRate = state.status === 'Unregistered' ? policy.maxAnnualRateBps : state.facts.terms.annualRateBps;
    const rate = Math.min(contractRate, policy.maxAnnualRateBps);
    const penaltyOwed = snapshot.installments.reduce((sum, i) => sum + i.penalty, 0);
    const tenors = [...new Set([policy.minTenorMonths, 6, 12, policy.maxTenorMonths])]
      .filter((m) => m >= policy.minTenorMonths && m <= policy.maxTenorMonths)
      .sort((a, b) => a - b);
    const candidates: RestructuringTerms[] = [
      ...[...new Set([1, policy.maxDeferralMonths])].map((deferMonths): RestructuringTerms => ({ type: 'DEFERRAL', deferMonths })),
      ...tenors.map((tenorMonths): RestructuringTerms =>
        withRounding({ type: 'INSTALLMENT_PLAN', method: 'EQUAL_INSTALLMENT', tenorMonths, annualRateBps: rate }),
      ),
      ...(penaltyOwed > 0 ? [{ type: 'FEE_WAIVER', waiverAmount: Math.min(penaltyOwed, policy.maxFeeWaiver) } as RestructuringTerms] : []),
    ];
    return {
      loanId,
      asOf: businessDate,
      policyVersion: policy.version,
      grade,
      monthlyIncome,
      options: candidates.map((terms) => {
        const result = assess({ type: terms.type, terms, grade, monthlyIncome }, snapshot, policy, lastRestructuredOn);
        return {
          terms,
          eligible: result.outcome === 'PASSED',
          failed: result.checks.filter((c) => !c.passed).map((c) => c.rule),
          approvalsRequired: result.approvalsRequired,
          schedule: result.plan,
        };
      }),
    };
  }

  /** Maker: a risk manager proposes a version; it is in force only once another approves it. */
  async proposePolicy(policy: RestructuringPolicy, meta: RequestMeta): Promise<CommandAccepted> {
    return this.onPolicyBook(meta, 'ProposeRestructuringPolicy', policy.version, (businessDate) => ({
      type: 'ProposePolicy',
      data: { policy, proposedBy: meta.actor, businessDate },
    }));
  }

  /** Checker: a different risk manager approves a proposed version, which is then in force. */
  async approvePolicy(version: string, meta: RequestMeta): Promise<CommandAccepted> {
    return this.onPolicyBook(meta, 'ApproveRestructuringPolicy', version, (businessDate) => ({
      type: 'ApprovePolicy',
      data: { version, approvedBy: meta.actor, businessDate },
    }));
  }

  /** A policy-book command dated today, its context naming the policy version it is about. */
  private async onPolicyBook(
    meta: RequestMeta,
    name: string,
    version: string,
    build: (businessDate: BusinessDate) => PolicyBookCommand,
  ): Promise<CommandAccepted> {
    const businessDate = await this.today();
    return execute(
      this.metrics,
      this.policies,
      POLICY_BOOK_STREAM,
      build(businessDate),
      commandContext(meta, name, { policyVersions: { restructuringPolicy: version }, extra: { businessDate } }),
    );
  }

  /** Proposed versions waiting for a second risk manager. */
  async pendingPolicies() {
    const { state } = await this.policies.load(POLICY_BOOK_STREAM);
    return { items: Object.entries(state.pending).map(([version, p]) => ({ version, proposedBy: p.proposedBy, proposedOn: p.proposedOn, policy: p.policy })) };
  }

  async currentPolicy(): Promise<RestructuringPolicy> {
    return (await this.policies.load(POLICY_BOOK_STREAM)).state.current;
  }

  // ---- reactions ----------------------------------------------------------------------------------

  /**
   * On RestructuringAccepted: lay the plan out on the loan as of the acceptance date, replace the
   * loan's schedule through the loans context's RestructureSchedule command (a fee waiver: waive the
   * penalty through WaivePenalty, the schedule untouched), then record the activation (or why it
   * failed). Safe to run again for the same event: both commands are keyed by it, and a retry reads
   * the loan as it was before its own restructuring or waiver.
   */
  async activate(event: RecordedEvent, reaction: Reaction): Promise<void> {
    const requestId = (event.data as { requestId: string }).requestId;
    const { state } = await this.requests.load(requestStream(requestId));
    if (state.status !== 'Accepted') return;
    const effectiveDate = state.acceptance!.acceptedOn;
    const key = reaction.key;
    const record = async (outcome: ActivationOutcome) => {
      const ctx = withPolicy(reaction.context('ActivateRestructuring'), state);
      const result = await runCommand(
        this.metrics,
        this.requests,
        requestStream(requestId),
        { type: 'ActivateRestructuring', data: { requestId, outcome, businessDate: effectiveDate } },
        ctx,
      );
      if (isDomainError(result)) {
        this.logger.error({ requestId, code: result.code, msg: result.message }, 'activation could not be recorded');
        return;
      }
      await this.slots.releaseAfter(result.events, ctx, this.releaseFailed);
      // A restructuring that failed to activate never took effect: it no longer counts for the customer's lookback.
      if (result.events.some((e) => e.type === 'RestructuringActivationFailed')) {
        await this.customers.voidQuietly(state.customerId, requestId, 'ActivationFailed', effectiveDate, ctx, this.voidFailed);
      }
    };
    const before = await this.loans.repository.load(loanStream(state.loanId));
    const loan = loanSnapshot(before.state, state.loanId, effectiveDate, { excludeRestructuring: requestId });
    if (isDomainError(loan)) return record({ applied: false, code: loan.code, reason: loan.message });
    const plan = activationPlan(state, loan);
    if (isDomainError(plan)) return record({ applied: false, code: plan.code, reason: plan.message });
    const intake: Intake = {
      actor: { id: 'reactor:restructuring_activation', role: 'system' },
      receivedAt: event.metadata.occurredAt,
      correlationId: event.metadata.correlationId,
      causationId: event.eventId,
      idempotencyKey: key,
      source: 'restructuring',
    };
    const call =
      state.type === 'FEE_WAIVER'
        ? await this.loans.waivePenalty(state.loanId, { waiverId: requestId, amount: plan.waivedPenalty, reason: `fee waiver ${requestId}` }, intake)
        : await this.loans.restructureSchedule(
            state.loanId,
            {
              restructuringId: requestId,
              effectiveDate,
              newSchedule: plan.installments.map((i) => ({ dueDate: i.dueDate, principal: i.principal, interest: i.interest + i.carried })),
            },
            intake,
          );
    const applied = await this.loans.dispatch(call);
    if (isDomainError(applied)) return record({ applied: false, code: applied.code, reason: applied.message });
    if (state.type === 'FEE_WAIVER') return record({ applied: true, loan, loanSeqs: [] });
    const seqs = restructuredSeqs((await this.loans.repository.load(loanStream(state.loanId))).state, requestId);
    if (!seqs) return record({ applied: false, code: 'LOAN_SCHEDULE_NOT_FOUND', reason: 'the loan does not show the new schedule' });
    return record({ applied: true, loan, loanSeqs: seqs });
  }

  /** On a loan event that may change how its plan performs: observe the plan as of the event's date. */
  async observeLoanEvent(event: RecordedEvent, reaction: Reaction): Promise<void> {
    const data = event.data as { businessDate?: string; asOf?: string };
    const asOf = data.businessDate ?? data.asOf;
    if (!isBusinessDate(asOf)) return;
    const loanId = streamEntityId(event.streamId);
    // Most loans have no plan: one indexed read model query instead of reading the loan. A plan
    // activated so recently that the read model lags is observed at the end of the day instead.
    if (!(await this.queries.hasActivePlan(loanId))) return;
    const { state } = await this.loans.repository.load(loanStream(loanId));
    // Only the loan's latest restructuring is live; earlier schedules were replaced.
    const [latest] = restructuringIds(state);
    if (!latest) return;
    await this.observe(latest, asOf, reaction.context('ObservePlan'));
  }

  /**
   * On the loans context's EndOfDayCompleted for day D (every fact of D recorded): offers whose last
   * day was D expire, and every active plan is compared with its loan's payments as of D.
   */
  async endOfDay(event: RecordedEvent, reaction: Reaction): Promise<void> {
    const closedDate = (event.data as { businessDate: string }).businessDate;
    if (!isBusinessDate(closedDate)) return;
    const { offersToExpire, activePlans } = await this.queries.sweepCandidates(closedDate);
    for (const requestId of offersToExpire) {
      const { state } = await this.requests.load(requestStream(requestId));
      if (state.status !== 'Offered') continue;
      const ctx = withPolicy(reaction.context('ExpireOffer', { idempotencyKey: `${reaction.key}:${requestId}` }), state);
      const result = await runCommand(this.metrics, this.requests, requestStream(requestId), { type: 'ExpireOffer', data: { requestId, closedDate } }, ctx);
      if (isDomainError(result)) this.logger.warn({ requestId, code: result.code, msg: result.message }, 'offer expiry refused');
      else await this.slots.releaseAfter(result.events, ctx, this.releaseFailed);
    }
    for (const requestId of activePlans) {
      const ctx = reaction.context('ObservePlan', { idempotencyKey: `${reaction.key}:${requestId}` });
      await this.observe(requestId, closedDate, ctx);
    }
  }

  /** Compares an active plan with the loan's payments as of a date; returns the events appended. */
  async observe(requestId: string, asOf: BusinessDate, ctx: CommandContext): Promise<string[]> {
    const { state } = await this.requests.load(requestStream(requestId));
    if (state.status !== 'Active') return [];
    const loan = await this.loans.repository.load(loanStream(state.loanId));
    if (loan.state.status === 'Unregistered') return [];
    const installments = paidDates(
      loan.state.facts,
      state.activation!.installments.map((i) => i.seq),
      asOf,
    );
    const result = await runCommand(
      this.metrics,
      this.requests,
      requestStream(requestId),
      { type: 'ObservePlan', data: { requestId, asOf, installments } },
      withPolicy(ctx, state),
    );
    if (isDomainError(result)) {
      this.logger.warn({ requestId, code: result.code, msg: result.message }, 'plan observation refused');
      return [];
    }
    await this.slots.releaseAfter(result.events, ctx, this.releaseFailed);
    return result.events.map((e) => e.type);
  }

  // ---- helpers ------------------------------------------------------------------------------------

  private readonly releaseFailed = (err: unknown): void => {
    this.logger.warn({ err }, 'slot release failed; the next request on the loan releases it');
  };

  private readonly voidFailed = (err: unknown): void => {
    this.logger.warn({ err }, 'commitment void failed; the next acceptance of the customer inside the lookback voids it');
  };

  /** The bank's business date: the open date of Restructuring's copy of Loans' calendar. */
  private async today(): Promise<BusinessDate> {
    const date = await this.clock.today();
    return isDomainError(date) ? fail(date) : date;
  }

  /**
   * Every staff command on a request checks the case scope its read checks (the loan's case is the
   * collector's own, or their team's for a supervisor): out of scope is refused with 403
   * CASE_OUT_OF_SCOPE before anything is decided, so nothing is appended.
   */
  private async ensureInScope(meta: RequestMeta, loanId: string): Promise<void> {
    const principal = meta.actor as Principal;
    if (await this.queries.inScope(principal, loanId)) return;
    throw caseOutOfScope(`Loan ${loanId}`, principal, { loanId });
  }

  private async existing(requestId: string): Promise<OpenRequest> {
    const { state } = await this.requests.load(requestStream(requestId));
    if (state.status === 'None') fail(domainError('RESTRUCTURING_REQUEST_NOT_FOUND', `no restructuring request ${requestId}`, { requestId }, 'not_found'));
    return state as OpenRequest;
  }

  private async loanAt(loanId: string, businessDate: BusinessDate): Promise<LoanSnapshot> {
    const { state } = await this.loans.repository.load(loanStream(loanId));
    const loan = loanSnapshot(state, loanId, businessDate);
    return isDomainError(loan) ? fail(loan) : loan;
  }
}

function dated(request: OpenRequest, businessDate: BusinessDate): { policyVersions?: Record<string, string>; extra: Record<string, unknown> } {
  return {
    ...(request.assessment ? { policyVersions: { restructuringPolicy: request.assessment.policy.version } } : {}),
    extra: { businessDate },
  };
}

/** Records the version of the policy the request's assessment applied, which its later steps follow. */
function withPolicy(ctx: CommandContext, request: OpenRequest): CommandContext {
  return request.assessment ? { ...ctx, policyVersions: { restructuringPolicy: request.assessment.policy.version } } : ctx;
}
