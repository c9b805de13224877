import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { domainError, isDomainError, type BusinessDate, type DomainError, type Fen } from '#kernel';
import type { CommandContext, CommandResult, Loaded } from '#eventstore';
import { Metrics, PG_POOL, runCommand } from '#platform';
import type { AdjustmentRequest, OpenCaseCommand } from '../domain/case/decide.js';
import type { CaseEvent, CaseState, OpenCase } from '../domain/case/events.js';
import type { CorrectedEpisode, CorrectionCause } from '../domain/corrections.js';
import { missingCertifications, skillsMatch, type Certification } from '../domain/collector.js';
import { strategyLabel, type CloseReason, type Grade, type HoldReason, type Stage } from '../domain/model.js';
import { CollectionStore, streams } from './collection-store.js';
import { ContactRulesBook, StrategyCatalog } from './catalog.js';
import { followUp } from './commands.js';

/** What opening a case needs: the OpenCase command's facts, plus the loan's next due date. */
export type OpenCaseInput = Omit<OpenCaseCommand['data'], 'strategy'> & { readonly nextDueDate: BusinessDate | null };

type Result = CommandResult<CaseEvent> | DomainError;

/** The certifications a case's plan asks of its collector, besides every collector's base certification. */
export function planCertifications(state: OpenCase): string[] {
  return [...new Set(state.plan.steps.filter((s) => s.performer === 'COLLECTOR' && s.requiredCertification).map((s) => s.requiredCertification!))];
}

/**
 * Application service of the CollectionCase: resolves what a decision needs (strategy, rules,
 * collectors), runs the command, and performs the follow-ups on the other aggregates it implies
 * (routing on a collector, contact stops on the debtor ledger, releasing a collector on close).
 */
@Injectable()
export class CaseService {
  constructor(
    private readonly store: CollectionStore,
    private readonly catalog: StrategyCatalog,
    private readonly rules: ContactRulesBook,
    private readonly metrics: Metrics,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {}

  load(caseId: string): Promise<Loaded<CaseState>> {
    return this.store.cases.load(streams.case(caseId));
  }

  /** The case's state as the repository last saw it (see `AggregateRepository.read`); `fresh` reads it. */
  current(caseId: string, options: { fresh?: boolean } = {}): Promise<{ readonly state: CaseState; readonly revision: number; readonly fromCache: boolean }> {
    return this.store.cases.read(streams.case(caseId), options);
  }

  private run(caseId: string, command: Parameters<CollectionStore['cases']['handle']>[1], ctx: CommandContext): Promise<Result> {
    return runCommand(this.metrics, this.store.cases, streams.case(caseId), command, ctx);
  }

  /** Opens the case with the strategy for (grade, stage) on the date, then routes it to a collector. */
  async open(input: OpenCaseInput, ctx: CommandContext): Promise<Result> {
    const strategy = await this.catalog.resolve(input, input.grade, input.stage, input.asOf);
    const result = await this.run(
      input.caseId,
      { type: 'OpenCase', data: { ...input, strategy } },
      { ...ctx, policyVersions: { ...ctx.policyVersions, collectionStrategy: strategyLabel(strategy?.ref ?? null) } },
    );
    if (!isDomainError(result)) await this.route(input.caseId, input.asOf, ctx);
    return result;
  }

  /**
   * Auto-assignment: the case's (grade, stage) queue goes to the least-loaded active collector who
   * works that queue and holds every certification it needs. The collector aggregate has the last
   * word (certification, capacity), so concurrent routing never overfills anyone. Returns the
   * assignee, or null when nobody is eligible (the case waits in its queue; end of day retries).
   */
  async route(caseId: string, onDate: BusinessDate, ctx: CommandContext): Promise<string | null> {
    // As last seen: the assignment itself is decided on the case at the append's revision.
    const { state } = await this.current(caseId);
    if (state.status !== 'open') return null;
    if (state.collectorId) return state.collectorId;
    const rules = await this.rules.inForce(onDate);
    const required = [rules.collectorCertification, ...planCertifications(state)];
    const { rows } = await this.pool.query<{
      collector_id: string;
      team: string;
      skills: string[];
      certifications: Record<string, Omit<Certification, 'certification'>>;
    }>(
      `SELECT collector_id, team, skills, certifications FROM rm_collection_collectors
        WHERE active AND open_cases < capacity ORDER BY open_cases, collector_id`,
    );
    const candidates = rows.filter((r) => {
      const certifications = Object.fromEntries(Object.entries(r.certifications).map(([k, v]) => [k, { certification: k, ...v }]));
      return skillsMatch(r.skills, state.grade, state.stage) && missingCertifications({ certifications }, required, onDate).length === 0;
    });
    for (const candidate of candidates) {
      const accepted = await runCommand(
        this.metrics,
        this.store.collectors,
        streams.collector(candidate.collector_id),
        {
          type: 'AcceptCase',
          data: {
            collectorId: candidate.collector_id,
            caseId,
            onDate,
            requiredCertifications: required,
            queue: { grade: state.grade, stage: state.stage },
            enforceSkills: true,
          },
        },
        followUp(ctx, 'AcceptCase', `accept:${caseId}:${candidate.collector_id}`),
      );
      if (isDomainError(accepted)) continue;
      const assigned = await this.run(
        caseId,
        { type: 'AssignCase', data: { caseId, collectorId: candidate.collector_id, team: candidate.team } },
        followUp(ctx, 'AssignCase', `assign:${caseId}`),
      );
      if (isDomainError(assigned)) {
        await this.releaseCollector(candidate.collector_id, caseId, followUp(ctx, 'ReleaseCase', `unassign:${caseId}:${candidate.collector_id}`));
        return null;
      }
      return candidate.collector_id;
    }
    return null;
  }

  /** A supervisor hands a case to another collector: certification is still required, skills are not. */
  async reassign(caseId: string, to: string, reason: string, onDate: BusinessDate, ctx: CommandContext): Promise<Result> {
    const { state } = await this.load(caseId);
    if (state.status !== 'open') {
      return domainError(
        state.status === 'none' ? 'CASE_NOT_FOUND' : 'CASE_CLOSED',
        `case ${caseId} is not open`,
        { caseId },
        state.status === 'none' ? 'not_found' : 'conflict',
      );
    }
    if (!reason.trim()) return domainError('REASON_REQUIRED', 'a reassignment needs a reason');
    const collector = await this.store.collectors.load(streams.collector(to));
    if (collector.state.status === 'none') return domainError('COLLECTOR_NOT_FOUND', `no collector ${to}`, { collectorId: to }, 'not_found');
    const rules = await this.rules.inForce(onDate);
    const accepted = await runCommand(
      this.metrics,
      this.store.collectors,
      streams.collector(to),
      {
        type: 'AcceptCase',
        data: {
          collectorId: to,
          caseId,
          onDate,
          requiredCertifications: [rules.collectorCertification, ...planCertifications(state)],
          queue: { grade: state.grade, stage: state.stage },
          enforceSkills: false,
        },
      },
      followUp(ctx, 'AcceptCase', `accept:${to}`),
    );
    if (isDomainError(accepted)) return accepted;
    const result = await this.run(caseId, { type: 'ReassignCase', data: { caseId, to, team: collector.state.team, reason } }, ctx);
    if (isDomainError(result)) {
      await this.releaseCollector(to, caseId, followUp(ctx, 'ReleaseCase', `undo:${to}`));
      return result;
    }
    if (state.collectorId && result.events.length)
      await this.releaseCollector(state.collectorId, caseId, followUp(ctx, 'ReleaseCase', `release:${state.collectorId}`));
    return result;
  }

  private async releaseCollector(collectorId: string, caseId: string, ctx: CommandContext): Promise<void> {
    await runCommand(this.metrics, this.store.collectors, streams.collector(collectorId), { type: 'ReleaseCase', data: { collectorId, caseId } }, ctx);
  }

  /** The stage moved: the case follows the strategy for (grade, new stage). */
  async changeStage(
    caseId: string,
    change: { stage: Stage; dpd: number; overdueAmount: Fen; asOf: BusinessDate; grade: Grade; nextDueDate: BusinessDate | null },
    ctx: CommandContext,
  ): Promise<Result> {
    const { state } = await this.current(caseId);
    const subject = state.status === 'none' ? { caseId, loanId: caseId, customerId: caseId } : { caseId, loanId: state.loanId, customerId: state.customerId };
    const strategy = await this.catalog.resolve(subject, change.grade, change.stage, change.asOf);
    return this.run(
      caseId,
      { type: 'ChangeStage', data: { caseId, ...change, strategy } },
      { ...ctx, policyVersions: { ...ctx.policyVersions, collectionStrategy: strategyLabel(strategy?.ref ?? null) } },
    );
  }

  recordPayment(
    caseId: string,
    payment: { reference: string; amount: Fen; valueDate: BusinessDate; businessDate: BusinessDate },
    ctx: CommandContext,
  ): Promise<Result> {
    return this.run(caseId, { type: 'RecordPayment', data: { caseId, ...payment } }, ctx);
  }

  /** Loans reversed a payment: the case takes it back and re-judges the promises it kept (corrections.ts). */
  reversePayment(caseId: string, reversal: { reference: string; businessDate: BusinessDate; cause: CorrectionCause }, ctx: CommandContext): Promise<Result> {
    return this.run(caseId, { type: 'ReverseCasePayment', data: { caseId, ...reversal } }, ctx);
  }

  /** Loans restated the loan's delinquency history: a cure the case was closed on may not have happened. */
  undoCure(
    caseId: string,
    restated: { episodes: readonly CorrectedEpisode[]; businessDate: BusinessDate; cause: CorrectionCause },
    ctx: CommandContext,
  ): Promise<Result> {
    return this.run(caseId, { type: 'UndoCure', data: { caseId, ...restated } }, ctx);
  }

  /** The day's close schedules steps of the case's plan: its strategy version goes on the events' metadata. */
  async closeDay(caseId: string, businessDate: BusinessDate, dpd: number, nextDueDate: BusinessDate | null, ctx: CommandContext): Promise<Result> {
    // As last seen (a close runs every open case): strategies change only by the reactions of the
    // process that runs the close, so the label is that of the state the command decides on.
    const { state } = await this.current(caseId);
    const planned =
      state.status === 'open' ? { ...ctx, policyVersions: { ...ctx.policyVersions, collectionStrategy: strategyLabel(state.plan.strategy) } } : ctx;
    return this.run(caseId, { type: 'CloseCaseDay', data: { caseId, businessDate, dpd, nextDueDate } }, planned);
  }

  /** Closes the case and frees its collector's capacity; WRITTEN_OFF only once Loans wrote the loan off (`loanWrittenOffOn`). */
  async close(caseId: string, reason: CloseReason, closedOn: BusinessDate, ctx: CommandContext, loanWrittenOffOn: BusinessDate | null = null): Promise<Result> {
    const result = await this.run(caseId, { type: 'CloseCase', data: { caseId, reason, closedOn, loanWrittenOffOn } }, ctx);
    if (isDomainError(result)) return result;
    const { state } = await this.load(caseId);
    if (state.status !== 'none' && state.collectorId) await this.releaseCollector(state.collectorId, caseId, followUp(ctx, 'ReleaseCase', `release:${caseId}`));
    return result;
  }

  /** A dispute or complaint also stops contact on the debtor's ledger, across all their cases. */
  async placeOnHold(caseId: string, hold: { holdId: string; reason: HoldReason; since: BusinessDate }, ctx: CommandContext): Promise<Result> {
    const result = await this.run(caseId, { type: 'PlaceOnHold', data: { caseId, ...hold } }, ctx);
    if (isDomainError(result)) return result;
    if (hold.reason === 'DISPUTE' || hold.reason === 'COMPLAINT') {
      const { state } = await this.load(caseId);
      if (state.status !== 'none') {
        await runCommand(
          this.metrics,
          this.store.debtors,
          streams.debtor(state.customerId),
          { type: 'StopContact', data: { customerId: state.customerId, stopId: hold.holdId, caseId, reason: hold.reason } },
          followUp(ctx, 'StopContact', 'stop'),
        );
      }
    }
    return result;
  }

  async releaseHold(caseId: string, release: { holdId: string; resolution: string; on: BusinessDate }, ctx: CommandContext): Promise<Result> {
    const before = await this.load(caseId);
    const reason = before.state.status !== 'none' ? before.state.holds[release.holdId] : undefined;
    const result = await this.run(caseId, { type: 'ReleaseHold', data: { caseId, ...release } }, ctx);
    if (isDomainError(result)) return result;
    if (before.state.status !== 'none' && (reason === 'DISPUTE' || reason === 'COMPLAINT')) {
      await runCommand(
        this.metrics,
        this.store.debtors,
        streams.debtor(before.state.customerId),
        { type: 'LiftContactStop', data: { customerId: before.state.customerId, stopId: release.holdId, resolution: release.resolution } },
        followUp(ctx, 'LiftContactStop', 'lift'),
      );
    }
    return result;
  }

  /** Agencies' placement of the case started: the bank's collectors stop working it (see `placementProblem`). */
  markPlaced(caseId: string, placement: { placementId: string; agencyId: string; since: BusinessDate }, ctx: CommandContext): Promise<Result> {
    return this.run(caseId, { type: 'MarkPlaced', data: { caseId, ...placement } }, ctx);
  }

  /** Agencies' placement ended (recall, expiry, cancellation): the case is the bank's collectors' again. */
  endPlacement(caseId: string, ended: { placementId: string; reason: string; on: BusinessDate }, ctx: CommandContext): Promise<Result> {
    return this.run(caseId, { type: 'EndPlacement', data: { caseId, ...ended } }, ctx);
  }

  /** The customer's own promise (self-service): the same promise rules as on a call, on the open business date. */
  recordCustomerPromise(
    caseId: string,
    promise: { requestId: string; promiseId: string; amount: Fen; dueOn: BusinessDate; businessDate: BusinessDate },
    ctx: CommandContext,
  ): Promise<Result> {
    const { requestId, businessDate, ...made } = promise;
    return this.run(caseId, { type: 'RecordCustomerPromise', data: { caseId, requestId, businessDate, promise: made } }, ctx);
  }

  requestFieldVisit(caseId: string, visit: { visitId: string; plannedOn: BusinessDate; reason: string }, ctx: CommandContext): Promise<Result> {
    return this.run(caseId, { type: 'RequestFieldVisit', data: { caseId, ...visit, by: ctx.actor } }, ctx);
  }

  approveFieldVisit(caseId: string, visitId: string, ctx: CommandContext): Promise<Result> {
    return this.run(caseId, { type: 'ApproveFieldVisit', data: { caseId, visitId, by: ctx.actor } }, ctx);
  }

  rejectFieldVisit(caseId: string, visitId: string, reason: string, ctx: CommandContext): Promise<Result> {
    return this.run(caseId, { type: 'RejectFieldVisit', data: { caseId, visitId, reason, by: ctx.actor } }, ctx);
  }

  adjustPlan(caseId: string, adjustment: AdjustmentRequest, reason: string, dpd: number, ctx: CommandContext): Promise<Result> {
    return this.run(caseId, { type: 'AdjustPlan', data: { caseId, adjustment, reason, by: ctx.actor, dpd } }, ctx);
  }
}
