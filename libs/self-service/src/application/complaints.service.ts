import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type pg from 'pg';
import { deterministicId, isBusinessDate, isDomainError, newId, type Actor, type BusinessDate, type RecordedEvent } from '#kernel';
import { AggregateRepository, EVENT_STORE, type CommandContext, type EventStore } from '#eventstore';
import { BusinessClock } from '#loans';
import { CaseService } from '#collection';
import { inCaseScope } from '#case-scope';
import type { Reaction } from '#projections';
import {
  caseOutOfScope,
  APP_CONFIG,
  Metrics,
  PG_POOL,
  commandContext,
  execute,
  runCommand,
  type AppConfig,
  type CommandAccepted,
  type Principal,
  type RequestMeta,
} from '#platform';
import {
  complaintDecider,
  complaintHoldId,
  complaintStream,
  type ComplaintCategory,
  type ComplaintCommand,
  type ComplaintEvent,
  type ComplaintKind,
  type ComplaintOutcome,
  type ComplaintPolicy,
  type ComplaintResolved,
  type ComplaintRaised,
  type ComplaintSource,
  type ComplaintState,
  type ExtensionReason,
  type RaiseComplaint,
  type Remedy,
} from '../domain/complaint.js';
import { SELF_SERVICE_CALENDAR_TABLE, SELF_SERVICE_CASES_TABLE } from '../read-model/projections.js';
import { SelfServiceQueries } from '../read-model/queries.js';
import { complaintReactions } from './reactors.js';

export interface RaiseInput {
  readonly complaintId?: string;
  readonly customerId: string;
  readonly kind: ComplaintKind;
  readonly category: ComplaintCategory;
  readonly source: ComplaintSource;
  readonly loanId?: string;
  readonly statementRef?: string;
}

/** The complaint policy in force, from the configuration; its version names its deadlines. */
function complaintPolicyOf(
  config: Pick<AppConfig, 'COMPLAINT_ACKNOWLEDGE_DAYS' | 'COMPLAINT_RESOLUTION_DAYS' | 'COMPLAINT_EXTENSION_MAX_DAYS'>,
): ComplaintPolicy {
  const ack = config.COMPLAINT_ACKNOWLEDGE_DAYS;
  const resolve = config.COMPLAINT_RESOLUTION_DAYS;
  const ext = config.COMPLAINT_EXTENSION_MAX_DAYS;
  return { version: `complaints-ack${ack}-res${resolve}-ext${ext}`, acknowledgeWithinDays: ack, resolveWithinDays: resolve, maxExtensionDays: ext };
}

/**
 * Complaints and disputes: the commands (customer and staff alike, each on the business date of
 * Self-service's copy of Loans' calendar) and the reactions that keep Collection in step:
 *
 * - ComplaintRaised → each case it concerns goes on hold (Collection's PlaceOnHold, reason
 *   COMPLAINT or DISPUTE), which stops contact on the debtor's ledger as the contact rules say
 *   (`stopOnComplaint`, `stopOnDispute`);
 * - ComplaintResolved → those holds are released and the cases resume;
 * - Loans' EndOfDayCompleted for day D → every open complaint with a deadline on or before D still
 *   unmet escalates (once per deadline).
 *
 * Each reaction runs in the reaction ledger's scope (decided once per trigger, never on replay)
 * and its events name the complaint event that caused them (causationId, and `cause` in the
 * metadata).
 */
@Injectable()
export class ComplaintsService implements OnModuleInit {
  readonly complaints: AggregateRepository<ComplaintCommand, ComplaintEvent, ComplaintState>;
  readonly clock: BusinessClock;
  readonly queries: SelfServiceQueries;
  readonly policy: ComplaintPolicy;
  private readonly logger = new Logger('Complaints');

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: Metrics,
    private readonly cases: CaseService,
  ) {
    this.complaints = new AggregateRepository(store, complaintDecider);
    this.clock = new BusinessClock(pool, SELF_SERVICE_CALENDAR_TABLE);
    this.queries = new SelfServiceQueries(pool);
    this.policy = complaintPolicyOf(config);
  }

  onModuleInit(): void {
    complaintReactions.bind(this);
  }

  // ---- commands ----------------------------------------------------------------------------------

  async raise(input: RaiseInput, meta: RequestMeta): Promise<CommandAccepted & { complaintId: string; caseIds: readonly string[] }> {
    const businessDate = await this.clock.todayOrThrow();
    const complaintId = input.complaintId ?? (meta.idempotencyKey ? deterministicId('complaint', meta.actor.id, meta.idempotencyKey) : newId());
    const principal = meta.actor as Principal;
    if (principal.role !== 'customer' && !(await inCaseScope(this.pool, SELF_SERVICE_CASES_TABLE, principal, { customerId: input.customerId }))) {
      throw caseOutOfScope(`Customer ${input.customerId}`, principal);
    }
    // The cases it concerns: the open cases of the loan it names, else every open case of the customer.
    const cases = (await this.queries.customerCases(input.customerId, input.loanId)).filter((c) => c.open);
    const raised: RaiseComplaint['data'] = {
      complaintId,
      customerId: input.customerId,
      kind: input.kind,
      category: input.category,
      source: input.source,
      loanId: input.loanId ?? null,
      caseIds: cases.map((c) => c.caseId),
      caseTeams: [...new Set(cases.map((c) => c.team).filter((t): t is string => t !== null))],
      caseCollectors: [...new Set(cases.map((c) => c.collectorId).filter((t): t is string => t !== null))],
      statementRef: input.statementRef ?? null,
      raisedBy: actorOf(meta),
      raisedOn: businessDate,
      policy: this.policy,
    };
    const result = await execute(
      this.metrics,
      this.complaints,
      complaintStream(complaintId),
      { type: 'RaiseComplaint', data: raised },
      commandContext(meta, 'RaiseComplaint', { policyVersions: { complaintPolicy: this.policy.version }, extra: { businessDate } }),
    );
    return { ...result, complaintId, caseIds: raised.caseIds };
  }

  async acknowledge(complaintId: string, meta: RequestMeta): Promise<CommandAccepted> {
    return this.onToday(complaintId, meta, 'AcknowledgeComplaint', (businessDate) => ({
      type: 'AcknowledgeComplaint',
      data: { complaintId, by: actorOf(meta), businessDate },
    }));
  }

  /** The caller takes the investigation; their team (from the token) must not work the cases. */
  async investigate(complaintId: string, meta: RequestMeta): Promise<CommandAccepted> {
    const principal = meta.actor as Principal;
    return this.onToday(complaintId, meta, 'StartComplaintInvestigation', (businessDate) => ({
      type: 'StartInvestigation',
      data: { complaintId, investigator: actorOf(meta), investigatorTeam: principal.team ?? null, businessDate },
    }));
  }

  /** The investigator extends the resolution deadline (once, within the policy's limit, before it passes). */
  async extend(complaintId: string, input: { days: number; reason: ExtensionReason; noticeRef?: string }, meta: RequestMeta): Promise<CommandAccepted> {
    const { days, reason } = input;
    return this.onToday(
      complaintId,
      meta,
      'ExtendComplaintDeadline',
      (businessDate) => ({
        type: 'ExtendResolutionDeadline',
        data: { complaintId, days, reason, noticeRef: input.noticeRef ?? null, by: actorOf(meta), businessDate, policy: this.policy },
      }),
      { appliesPolicy: true, extra: { reason } },
    );
  }

  async resolve(
    complaintId: string,
    input: { outcome: ComplaintOutcome; remedies: readonly Remedy[]; resolutionRef?: string },
    meta: RequestMeta,
  ): Promise<CommandAccepted> {
    const { outcome, remedies } = input;
    return this.onToday(
      complaintId,
      meta,
      'ResolveComplaint',
      (businessDate) => ({
        type: 'ResolveComplaint',
        data: { complaintId, outcome, remedies, resolutionRef: input.resolutionRef ?? null, by: actorOf(meta), businessDate },
      }),
      { extra: { reason: outcome } },
    );
  }

  /**
   * A command on one complaint on today's business date (Self-service's copy of Loans' calendar)
   * through the command pipeline: the context carries the date in `extra` (with `context.extra`),
   * and the complaint policy's version when the decision applies the policy.
   */
  private async onToday(
    complaintId: string,
    meta: RequestMeta,
    name: string,
    command: (businessDate: BusinessDate) => ComplaintCommand,
    context: { appliesPolicy?: boolean; extra?: Record<string, unknown> } = {},
  ): Promise<CommandAccepted> {
    const businessDate = await this.clock.todayOrThrow();
    const policyVersions = context.appliesPolicy ? { complaintPolicy: this.policy.version } : undefined;
    const ctx = commandContext(meta, name, { policyVersions, extra: { businessDate, ...context.extra } });
    return execute(this.metrics, this.complaints, complaintStream(complaintId), command(businessDate), ctx);
  }

  // ---- reactions ---------------------------------------------------------------------------------

  /** ComplaintRaised: hold every case it concerns; ComplaintResolved: release those holds. */
  async holdOrRelease(event: RecordedEvent, reaction: Reaction): Promise<void> {
    const complaint = event as unknown as ComplaintRaised | ComplaintResolved;
    const holdId = complaintHoldId(complaint.data.complaintId);
    const cause = { event: event.type, eventId: event.eventId, complaintId: complaint.data.complaintId };
    for (const caseId of complaint.data.caseIds) {
      const ctx = (command: string): CommandContext => reaction.context(command, { idempotencyKey: `${reaction.key}:${caseId}`, extra: { cause } });
      const result =
        complaint.type === 'ComplaintRaised'
          ? await this.cases.placeOnHold(caseId, { holdId, reason: complaint.data.kind, since: complaint.data.raisedOn }, ctx('PlaceCaseOnHold'))
          : await this.cases.releaseHold(
              caseId,
              { holdId, resolution: `COMPLAINT_${complaint.data.outcome}`, on: complaint.data.resolvedOn },
              ctx('ResumeCase'),
            );
      if (isDomainError(result))
        this.logger.warn(
          { caseId, complaintId: complaint.data.complaintId, code: result.code },
          `case not ${complaint.type === 'ComplaintRaised' ? 'held' : 'resumed'} for a complaint`,
        );
    }
  }

  /** Loans' end of day for a date: escalate the open complaints whose deadlines it passed. */
  async endOfDay(event: RecordedEvent, reaction: Reaction): Promise<void> {
    const closedDate = (event.data as { businessDate?: string }).businessDate;
    if (!isBusinessDate(closedDate)) return;
    for (const complaintId of await this.queries.overdueOn(closedDate)) {
      const ctx = reaction.context('EscalateComplaint', {
        idempotencyKey: `${reaction.key}:${complaintId}`,
        policyVersions: { complaintPolicy: this.policy.version },
      });
      const result = await runCommand(
        this.metrics,
        this.complaints,
        complaintStream(complaintId),
        { type: 'EscalateOverdue', data: { complaintId, closedDate: closedDate as BusinessDate } },
        ctx,
      );
      if (isDomainError(result)) this.logger.warn({ complaintId, code: result.code }, 'complaint escalation refused');
    }
  }
}

/** The actor as events record it: id and role, and a customer's channel and acting client. */
function actorOf(meta: RequestMeta): Actor {
  const p = meta.actor as Principal;
  return { id: p.id, role: p.role, ...(p.channel ? { channel: p.channel } : {}), ...(p.via ? { via: p.via } : {}) } as Actor;
}
