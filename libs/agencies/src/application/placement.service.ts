import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type pg from 'pg';
import { addDays, deterministicId, domainError, isDomainError, type BusinessDate, type DomainError, type RecordedEvent } from '#kernel';
import { AggregateRepository, EVENT_STORE, type CommandContext, type CommandResult, type EventStore } from '#eventstore';
import {
  CaseService,
  CollectionClock,
  ContactService,
  DispatchService,
  type ActionScheduled,
  type CaseEvent,
  type ContactAttemptInput,
  type ContactOutcome,
  type OpenCase,
} from '#collection';
import { Metrics, PG_POOL, runCommand } from '#platform';
import type { Reaction } from '#projections';
import {
  AGENT_BASE_CERTIFICATION,
  agencyDecider,
  agencyStream,
  agentCertified,
  type AgencyCommand,
  type AgencyContract,
  type AgencyEvent,
  type AgencyStage,
  type AgencyState,
} from '../domain/agency.js';
import {
  placementDecider,
  placementStream,
  rankAgencies,
  ruleHoldsBack,
  type AgencyCandidate,
  type CaseFacts,
  type PlacementCommand,
  type PlacementEvent,
  type PlacementPolicy,
  type PlacementRequested,
  type PlacementSource,
  type PlacementState,
  type RecallReason,
} from '../domain/placement.js';
import {
  PLACEMENT_RULE_STREAM,
  placementRuleDecider,
  placementRuleOn,
  type PlacementRuleCommand,
  type PlacementRuleEvent,
  type PlacementRuleState,
} from '../domain/placement-rule.js';
import { AGENCIES_TABLE, CASE_RECORDS_TABLE, PLACEMENTS_TABLE, RECOVERIES_TABLE, agencyExecutorId } from '../read-model/projections.js';
import { bps } from '../read-model/evaluation.js';
import { placementReactions, type PlacementReactions } from './reactors.js';

/** An agency's report of a contact (its HTTP body or Kafka message, validated), with its attempt id and instant. */
export interface AgencyContactInput {
  readonly attemptId: string;
  readonly agentId: string;
  readonly channel: 'CALL' | 'SMS' | 'EMAIL' | 'LETTER';
  readonly outcome: ContactAttemptInput['outcome'];
  readonly at: string;
  readonly party?: 'DEBTOR' | 'THIRD_PARTY';
  readonly thirdPartyContactId?: string;
  readonly promise?: { readonly promiseId?: string; readonly amount: number; readonly dueOn: string };
  readonly recordingRef?: string;
  readonly identified?: boolean;
}

type Result<E extends AgencyEvent | PlacementEvent | PlacementRuleEvent> = CommandResult<E> | DomainError;

/** Which recall a Collection hold or closure means. */
const HOLD_RECALLS: Readonly<Record<string, RecallReason>> = { DISPUTE: 'DISPUTE', COMPLAINT: 'COMPLAINT', RESTRUCTURING: 'RESTRUCTURING' };
const CLOSE_RECALLS: Readonly<Record<string, RecallReason>> = { CURED: 'CURED', PAID_OFF: 'CURED', RESTRUCTURED: 'RESTRUCTURING', WRITTEN_OFF: 'CASE_CLOSED' };

/**
 * Placements: a case goes to an agency (by the placement rule when it enters a stage the rule
 * places, or by a supervisor), the debtor is told first through Collection's dispatch gate, the
 * agency holds it for a term, and it comes back on a recall. Agencies owns the placement and the
 * agency; Collection owns the case, its contact ledger and the gate, used through its published
 * services only (CaseService to read the case, DispatchService to judge the notice).
 *
 * Two aggregates take part in a placement, in this order: the agency takes it within its contract
 * and capacity (at its stream's revision), then the case's placement stream records it if no other
 * agency holds the case (at its revision); a placement refused there gives the capacity back.
 */
@Injectable()
export class PlacementService implements PlacementReactions, OnModuleInit, OnModuleDestroy {
  readonly agencies: AggregateRepository<AgencyCommand, AgencyEvent, AgencyState>;
  readonly placements: AggregateRepository<PlacementCommand, PlacementEvent, PlacementState>;
  /** The placement rule's versions under maker-checker (`agencies.rules-placement`). */
  readonly rules: AggregateRepository<PlacementRuleCommand, PlacementRuleEvent, PlacementRuleState>;
  private readonly logger = new Logger('AgencyPlacements');

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly metrics: Metrics,
    private readonly cases: CaseService,
    private readonly dispatch: DispatchService,
    private readonly contacts: ContactService,
    readonly clock: CollectionClock,
  ) {
    this.agencies = new AggregateRepository(store, agencyDecider);
    this.placements = new AggregateRepository(store, placementDecider);
    this.rules = new AggregateRepository(store, placementRuleDecider);
  }

  /** The placement rule in force on a business date (the last version approved by then, else the built-in one). */
  async policyOn(date: BusinessDate): Promise<PlacementPolicy> {
    return placementRuleOn((await this.rules.load(PLACEMENT_RULE_STREAM)).state, date);
  }

  async runRule(command: PlacementRuleCommand, ctx: CommandContext): Promise<Result<PlacementRuleEvent>> {
    return runCommand(this.metrics, this.rules, PLACEMENT_RULE_STREAM, command, ctx);
  }

  onModuleInit(): void {
    placementReactions.target = this;
  }

  onModuleDestroy(): void {
    if (placementReactions.target === this) placementReactions.target = null;
  }

  async runAgency(agencyId: string, command: AgencyCommand, ctx: CommandContext): Promise<Result<AgencyEvent>> {
    return runCommand(this.metrics, this.agencies, agencyStream(agencyId), command, ctx);
  }

  /** A command on the case's placement stream; a placement's request names the version of the rule it was made under. */
  async runPlacement(caseId: string, command: PlacementCommand, ctx: CommandContext, policy?: PlacementPolicy): Promise<Result<PlacementEvent>> {
    return runCommand(
      this.metrics,
      this.placements,
      placementStream(caseId),
      command,
      policy ? { ...ctx, policyVersions: { ...ctx.policyVersions, placementPolicy: policy.version } } : ctx,
    );
  }

  // ---- placing ----------------------------------------------------------------------------------------

  /**
   * Places an open case with an agency: the named one (a supervisor), or the first the policy ranks
   * among those whose contract covers the case's stage today and who have room (the rule).
   */
  async place(
    input: {
      caseId: string;
      agencyId: string | null;
      source: PlacementSource;
      reason: string;
      termDays?: number;
      onDate?: BusinessDate;
      policy?: PlacementPolicy;
    },
    ctx: CommandContext,
  ): Promise<Result<PlacementEvent>> {
    // The business date of the trigger (the close that moved the case), else the open business date.
    const today = input.onDate ?? (await this.clock.today());
    if (isDomainError(today)) return today;
    const policy = input.policy ?? (await this.policyOn(today));
    const { state } = await this.cases.load(input.caseId);
    if (state.status === 'none') return domainError('CASE_NOT_FOUND', `no collection case ${input.caseId}`, { caseId: input.caseId }, 'not_found');
    if (state.status !== 'open') return domainError('CASE_CLOSED', `case ${input.caseId} is closed`, { caseId: input.caseId }, 'conflict');
    if (Object.keys(state.holds).length)
      return domainError('CASE_ON_HOLD', `case ${input.caseId} is on hold`, { holds: Object.values(state.holds) }, 'conflict');
    const { state: placement } = await this.placements.load(placementStream(input.caseId));
    if (placement.current)
      return domainError(
        'CASE_ALREADY_PLACED',
        `case ${input.caseId} is placed with agency ${placement.current.agencyId}`,
        { agencyId: placement.current.agencyId },
        'conflict',
      );
    const placementId = `${input.caseId}-P${placement.placements + 1}`;
    const candidates = input.agencyId ? [input.agencyId] : rankAgencies(await this.candidates(state.stage, today), policy.selection).map((c) => c.agencyId);
    if (!candidates.length)
      return domainError('NO_AGENCY_AVAILABLE', `no active agency has room for a ${state.stage} case on ${today}`, { stage: state.stage }, 'conflict');
    let refusal: DomainError | null = null;
    for (const agencyId of candidates) {
      const taken = await this.runAgency(
        agencyId,
        { type: 'TakePlacement', data: { agencyId, caseId: input.caseId, placementId, stage: state.stage, onDate: today } },
        { ...ctx, command: 'TakePlacement', idempotencyKey: `${ctx.idempotencyKey ?? placementId}:take:${agencyId}`, expectedRevision: undefined },
      );
      if (isDomainError(taken)) {
        refusal = taken;
        continue;
      }
      const { state: agency } = await this.agencies.load(agencyStream(agencyId));
      if (agency.status === 'none') continue;
      const requested = await this.runPlacement(
        input.caseId,
        {
          type: 'RequestPlacement',
          data: this.request(state, placementId, agencyId, agency.contract, { ...input, termDays: input.termDays ?? policy.termDays }, today),
        },
        ctx,
        policy,
      );
      // Refused on the case's stream: the agency's room is given back, unless the placement that won is this very one (the same trigger raced itself).
      if (isDomainError(requested) && !(await this.holds(input.caseId, placementId, agencyId)))
        await this.release(agencyId, input.caseId, placementId, {
          ...ctx,
          command: 'ReleasePlacement',
          idempotencyKey: `${ctx.idempotencyKey ?? placementId}:undo:${agencyId}`,
        });
      return requested;
    }
    return refusal ?? domainError('NO_AGENCY_AVAILABLE', `no agency could take case ${input.caseId}`, undefined, 'conflict');
  }

  private async holds(caseId: string, placementId: string, agencyId: string): Promise<boolean> {
    const { state } = await this.placements.load(placementStream(caseId));
    return state.current?.placementId === placementId && state.current.agencyId === agencyId;
  }

  private request(
    state: OpenCase,
    placementId: string,
    agencyId: string,
    contract: AgencyContract,
    input: { caseId: string; source: PlacementSource; reason: string; termDays: number },
    today: BusinessDate,
  ): PlacementRequested['data'] {
    return {
      placementId,
      caseId: input.caseId,
      agencyId,
      loanId: state.loanId,
      customerId: state.customerId,
      stage: state.stage as AgencyStage,
      overdueAmount: state.overdueAmount,
      requestedOn: today,
      termDays: input.termDays,
      source: input.source,
      reason: input.reason,
      contractNo: contract.contractNo,
      commission: contract.commission,
      noticeActionId: `${input.caseId}/agency-notice/${placementId}`,
    };
  }

  /** Agencies whose contract covers the stage today, with room, and their record for the ranking. */
  private async candidates(stage: string, today: BusinessDate): Promise<AgencyCandidate[]> {
    const { rows } = await this.pool.query<{ agency_id: string; placements: number; placed: string | null; recovered: string | null }>(
      `SELECT a.agency_id, a.placements,
              (SELECT sum(p.overdue_amount) FROM ${PLACEMENTS_TABLE} p WHERE p.agency_id = a.agency_id AND p.starts_on >= $3) AS placed,
              (SELECT sum(r.amount) FROM ${RECOVERIES_TABLE} r WHERE r.agency_id = a.agency_id AND r.reversed_on IS NULL AND r.business_date >= $3) AS recovered
         FROM ${AGENCIES_TABLE} a
        WHERE a.status = 'ACTIVE' AND a.holding < (a.contract->>'capacity')::int AND a.contract->'stages' ? $1
          AND a.contract->>'startsOn' <= $2 AND a.contract->>'endsOn' >= $2
        ORDER BY a.agency_id`,
      [stage, today, addDays(today, -365)],
    );
    return rows.map((r) => ({
      agencyId: r.agency_id,
      placements: r.placements,
      recoveryBps: Number(r.placed ?? 0) > 0 ? bps(Number(r.recovered ?? 0), Number(r.placed)) : null,
    }));
  }

  async recall(caseId: string, reason: RecallReason, note: string | null, onDate: BusinessDate, ctx: CommandContext): Promise<Result<PlacementEvent>> {
    return this.runPlacement(caseId, { type: 'RecallCase', data: { reason, note, onDate } }, ctx);
  }

  private release(agencyId: string, caseId: string, placementId: string, ctx: CommandContext): Promise<Result<AgencyEvent>> {
    return this.runAgency(agencyId, { type: 'ReleasePlacement', data: { agencyId, caseId, placementId } }, { ...ctx, expectedRevision: undefined });
  }

  // ---- the agency's contacts ----------------------------------------------------------------------------

  /**
   * An agency's contact attempt (HTTP or Kafka alike): on a case placed with it and started (the
   * placement stream as it is now: the scope its reads check), by one of its certified agents, then
   * Collection's own contact command, rules and debtor ledger, as the executor `agency:<id>`.
   */
  async agencyContact(agencyId: string, caseId: string, input: AgencyContactInput, ctx: CommandContext): Promise<ContactOutcome> {
    const today = await this.clock.today();
    if (isDomainError(today)) return today;
    const { state: placement } = await this.placements.load(placementStream(caseId));
    const current = placement.current;
    // Placed with the caller and started: the debtor's notice went out (its send date is the placement's first day).
    if (!current || current.agencyId !== agencyId || current.status !== 'ACTIVE' || !current.startsOn || current.startsOn > today) {
      return domainError('CASE_NOT_FOUND', `no case ${caseId} is placed with agency ${agencyId}`, { caseId }, 'not_found');
    }
    const { state: agency } = await this.agencies.load(agencyStream(agencyId));
    if (agency.status === 'none' || !agentCertified(agency, input.agentId, AGENT_BASE_CERTIFICATION, today)) {
      return domainError('AGENT_NOT_CERTIFIED', `agent ${input.agentId} of ${agencyId} holds no valid ${AGENT_BASE_CERTIFICATION} on ${today}`, {
        agentId: input.agentId,
      });
    }
    return this.contacts.attempt(
      caseId,
      {
        attemptId: input.attemptId,
        actionId: null,
        channel: input.channel,
        outcome: input.outcome,
        at: input.at,
        by: { kind: 'EXECUTOR', id: agencyExecutorId(agencyId) },
        party: input.party,
        thirdPartyContactId: input.thirdPartyContactId ?? null,
        promise: input.promise
          ? { promiseId: input.promise.promiseId ?? `${input.attemptId}-promise`, amount: input.promise.amount, dueOn: input.promise.dueOn }
          : null,
        recordingRef: input.recordingRef ?? null,
        identified: input.identified ?? false,
      },
      { ...ctx, extra: { ...ctx.extra, agencyId, agentId: input.agentId, placementId: current.placementId } },
    );
  }

  // ---- reactions --------------------------------------------------------------------------------------

  /**
   * PlacementRequested: the debtor's notice is judged by Collection's dispatch gate on the debtor's
   * ledger (the contact rules: stops, opt-outs, quiet hours), due today and so sent at the opening of
   * the next contact window. Released, the placement starts on the notice's local date (the agency
   * may act from then); withheld, it is cancelled with the gate's code. PlacementCancelled and
   * CaseRecalled give the agency its capacity back.
   */
  async onPlacementEvent(event: RecordedEvent, reaction: Reaction): Promise<void> {
    const e = event as unknown as PlacementEvent;
    // The case stream learns of the placement, so the bank's collectors stop (and resume) working it.
    if (e.type === 'CasePlaced') {
      await this.cases.markPlaced(
        e.data.caseId,
        { placementId: e.data.placementId, agencyId: e.data.agencyId, since: e.data.startsOn },
        reaction.context('MarkPlaced'),
      );
      return;
    }
    if (e.type === 'PlacementCancelled' || e.type === 'CaseRecalled') {
      await this.release(e.data.agencyId, e.data.caseId, e.data.placementId, reaction.context('ReleasePlacement'));
      // A cancellation comes before the start (the notice was withheld): the case was never marked placed.
      if (e.type === 'CaseRecalled') {
        await this.cases.endPlacement(
          e.data.caseId,
          { placementId: e.data.placementId, reason: e.data.reason, on: e.data.recalledOn },
          reaction.context('EndPlacement'),
        );
      }
      return;
    }
    if (e.type !== 'PlacementRequested') return;
    const d = e.data;
    const { state } = await this.cases.load(d.caseId);
    // The notice the rule in force on the day of the request gives.
    const policy = await this.policyOn(d.requestedOn);
    const notice: ActionScheduled['data'] = {
      caseId: d.caseId,
      actionId: d.noticeActionId,
      loanId: d.loanId,
      customerId: d.customerId,
      planId: `agency.${d.placementId}`,
      stepId: 'agency-notice',
      channel: policy.notice.channel,
      purpose: 'REMINDER',
      templateId: policy.notice.templateId,
      requiredCertification: null,
      priority: 1,
      performer: 'EXECUTOR',
      collectorId: null,
      dueOn: d.requestedOn,
      dpd: state.status === 'none' ? 0 : state.dpd,
      installmentDueDate: null,
      strategy: null,
      supersedes: [],
    };
    const judged = await this.dispatch.judge(notice, null, reaction.context('ReleaseAction', { extra: { placementId: d.placementId, agencyId: d.agencyId } }));
    if (isDomainError(judged)) {
      await this.runPlacement(
        d.caseId,
        { type: 'CancelPlacement', data: { placementId: d.placementId, code: judged.code, reason: judged.message } },
        reaction.context('CancelPlacement'),
      );
      return;
    }
    const verdict = judged.events[0] as unknown as { type: string; data: { localDate: string; sendAt?: string; code?: string; reason?: string } } | undefined;
    if (!verdict) return;
    if (verdict.type === 'ActionReleased') {
      await this.runPlacement(
        d.caseId,
        {
          type: 'StartPlacement',
          data: { placementId: d.placementId, loanId: d.loanId, customerId: d.customerId, startsOn: verdict.data.localDate, sentAt: verdict.data.sendAt ?? '' },
        },
        reaction.context('StartPlacement'),
      );
    } else {
      // Withheld, or held for a time-based rule: the agency is not given a case the debtor was not told of.
      await this.runPlacement(
        d.caseId,
        {
          type: 'CancelPlacement',
          data: { placementId: d.placementId, code: verdict.data.code ?? verdict.type, reason: verdict.data.reason ?? 'the notice was not released' },
        },
        reaction.context('CancelPlacement'),
      );
    }
  }

  async onCaseEvent(event: RecordedEvent, reaction: Reaction): Promise<void> {
    const e = event as unknown as CaseEvent;
    const caseId = e.data.caseId;
    switch (e.type) {
      case 'CaseOpened':
        await this.placeByRule(caseId, e.data.stage, e.data.openedOn, reaction);
        return;
      case 'CaseEscalated':
        await this.placeByRule(caseId, e.data.to, e.data.asOf, reaction);
        return;
      case 'CaseOnHold': {
        const reason = HOLD_RECALLS[e.data.reason];
        if (reason) await this.recallIfPlaced(caseId, reason, `case hold ${e.data.holdId}`, e.data.since, reaction);
        return;
      }
      case 'CaseClosed':
        await this.recallIfPlaced(caseId, CLOSE_RECALLS[e.data.reason] ?? 'CASE_CLOSED', `case closed ${e.data.reason}`, e.data.closedOn, reaction);
        return;
      case 'PaymentRecorded':
        await this.runPlacement(
          caseId,
          {
            type: 'AttributePayment',
            data: { reference: e.data.reference, amount: e.data.amount, valueDate: e.data.valueDate, businessDate: e.data.businessDate },
          },
          reaction.context('AttributePayment'),
        );
        return;
      case 'CasePaymentReversed':
        await this.runPlacement(
          caseId,
          {
            type: 'ReversePayment',
            data: { reference: e.data.reference, businessDate: e.data.reversedOn, cause: `${e.data.cause.type} ${e.data.cause.eventId}` },
          },
          reaction.context('ReversePayment'),
        );
        return;
      default:
        return;
    }
  }

  private async recallIfPlaced(caseId: string, reason: RecallReason, note: string, onDate: BusinessDate, reaction: Reaction): Promise<void> {
    const { state } = await this.placements.load(placementStream(caseId));
    if (state.current) await this.recall(caseId, reason, note, onDate, reaction.context('RecallCase'));
  }

  /** The placement rule, on the business date of the case event: a case that entered a stage the policy places, with no promise kept lately, goes to the agency the policy ranks first. */
  private async placeByRule(caseId: string, stage: string, onDate: BusinessDate, reaction: Reaction, idempotencyKey?: string): Promise<void> {
    // Only a stage the rule in force that day places costs a look at the case.
    const policy = await this.policyOn(onDate);
    if (!(policy.stages as readonly string[]).includes(stage)) return;
    const loaded = await this.cases.load(caseId);
    const s = loaded.state;
    const facts: CaseFacts = {
      status: s.status,
      stage: s.status === 'none' ? '' : s.stage,
      onHold: s.status !== 'none' && Object.keys(s.holds).length > 0,
      promisesKeptOn: loaded.events.filter((ev) => ev.type === 'PromiseKept').map((ev) => (ev.data as { keptOn: BusinessDate }).keptOn),
    };
    const heldBack = ruleHoldsBack(facts, policy, onDate);
    if (heldBack) return;
    const result = await this.place(
      { caseId, agencyId: null, source: 'RULE', reason: `placement rule ${policy.version}`, onDate, policy },
      reaction.context('PlaceCase', idempotencyKey ? { idempotencyKey } : {}),
    );
    if (isDomainError(result)) {
      reaction.note(result);
      this.logger.log({ msg: 'case not placed by the rule', caseId, code: result.code, detail: result.message });
    }
  }

  /**
   * Loans' end of day for D: every active placement whose term ends on or before D is recalled as
   * expired. Then the rule in force on D is tried again on every open case in a stage it places
   * that it never placed: one that entered the stage before D and was held back then (no agency
   * with room, a promise kept lately, a hold). A case an agency held, or whose placement was
   * cancelled or recalled, is not placed again by the rule; a supervisor may place it.
   */
  async onEndOfDay(event: RecordedEvent, reaction: Reaction): Promise<void> {
    const businessDate = (event.data as { businessDate: BusinessDate }).businessDate;
    const { rows } = await this.pool.query<{ case_id: string }>(
      `SELECT case_id FROM ${PLACEMENTS_TABLE} WHERE status = 'ACTIVE' AND ends_on <= $1 ORDER BY case_id`,
      [businessDate],
    );
    for (const { case_id } of rows) {
      await this.runPlacement(
        case_id,
        { type: 'ExpirePlacement', data: { businessDate } },
        reaction.context('ExpirePlacement', { idempotencyKey: deterministicId(reaction.key, case_id) }),
      );
    }
    const policy = await this.policyOn(businessDate);
    const { rows: waiting } = await this.pool.query<{ case_id: string; stage: string }>(
      `SELECT r.case_id, r.record->'entries'->-1->>'stage' AS stage FROM ${CASE_RECORDS_TABLE} r
        WHERE r.record->>'closedOn' IS NULL AND r.record->'entries'->-1->>'stage' = ANY ($1::text[]) AND r.last_entry < $2
          AND NOT EXISTS (SELECT 1 FROM ${PLACEMENTS_TABLE} p WHERE p.case_id = r.case_id)
        ORDER BY r.case_id`,
      [policy.stages, businessDate],
    );
    for (const { case_id, stage } of waiting) await this.placeByRule(case_id, stage, businessDate, reaction, deterministicId(reaction.key, `place:${case_id}`));
  }
}
