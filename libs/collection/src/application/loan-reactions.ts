import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { formatPosition, isDomainError, streamEntityId, type BusinessDate, type DomainError, type RecordedEvent } from '#kernel';
import type { CommandContext, CommandResult } from '#eventstore';
import type { CustomerGraded } from '#grading';

/** A customer's grade and the Grading policy version behind it (null: not graded yet, the default grade). */
interface Graded {
  readonly grade: Grade;
  readonly gradingPolicy: string | null;
}
import type {
  CollectionHoldEnded,
  CollectionHoldStarted,
  DelinquencyRestated,
  DelinquencyStageChanged,
  LoanBecameDelinquent,
  LoanCured,
  LoanPaidOff,
  LoanRegistered,
  LoanWrittenOff,
  PaymentReceived,
  PaymentReversed,
  ScheduleRestructured,
} from '#loans';
import type { PlanBroken, PlanCompleted, RestructuringActivated } from '#restructuring';
import { bulkUpsert, forEachPartitioned, type Projection, type ProjectionContext, type Reaction } from '#projections';
import { DEFAULT_GRADE, type Grade, type HoldReason } from '../domain/model.js';
import { CaseService } from './cases.service.js';
import { COLLECTION_SYSTEM, CollectionEndOfDay } from './end-of-day.js';
import { GRADES_TABLE, LOANS_MIRROR_TABLE, MIRROR_TABLES, fromRow, nextDueDate, toRow, type LoanMirror, type MirrorRow } from './loan-mirror.js';

/**
 * How Collection reacts to the Loans (and Grading) contexts' published events, in global order, in
 * one projection whose tables are Collection's own mirror of loans and grades:
 *
 * - LoanRegistered: remember the customer, the time zone and the due dates;
 * - CustomerGraded: remember the customer's grade (until Grading has graded a customer, cases
 *   open with the default grade C);
 * - LoanBecameDelinquent: open case `<loanId>-E<n>` with the strategy for (grade, stage) and route it;
 * - DelinquencyStageChanged: move the case to the strategy for (grade, new stage);
 * - PaymentReceived: record the payment on the case (promises kept);
 * - PaymentReversed: every case of the loan that recorded the payment takes it back; a promise it
 *   had kept is reopened (PromiseReopened) and judged again;
 * - DelinquencyRestated: a case of the loan closed as cured whose cure the corrected history
 *   denies says so (CaseCureUndone); the delinquency that goes on is worked on the open case;
 * - CollectionHoldStarted / Ended: put the case on hold / resume it;
 * - ScheduleRestructured, and the Restructuring context's RestructuringActivated: put the case on
 *   hold (`restructuring-<requestId>`) for as long as the plan is observed; a cure the new schedule
 *   brings leaves the case open and held;
 * - PlanCompleted: close the held case as RESTRUCTURED (or resume it if the loan is delinquent);
 * - PlanBroken: resume the case; the loan's delinquency, published meanwhile, drives its stage;
 * - LoanCured / LoanPaidOff: close the case (unless a restructuring plan holds it);
 * - LoanWrittenOff (Loans' four-eyes write-off): close the case as WRITTEN_OFF on the write-off date;
 * - EndOfDayCompleted (the Loans business calendar): run Collection's end of day for that date.
 *
 * Facts and reactions share the projection's checkpoint, so a reaction always sees every earlier
 * fact. Each trigger is decided once (the runner's reaction ledger): a replay (rebuild, verify, a
 * reset checkpoint) only refolds the mirror; a batch re-run after a crash runs its commands again
 * under the same keys, which append nothing twice.
 */
const LOAN_REACTIONS = 'collection_loan_reactions';

const LOAN_EVENTS = [
  'LoanRegistered',
  'LoanBecameDelinquent',
  'DelinquencyStageChanged',
  'LoanCured',
  'LoanPaidOff',
  'LoanWrittenOff',
  'PaymentReceived',
  'PaymentReversed',
  'DelinquencyRestated',
  'CollectionHoldStarted',
  'CollectionHoldEnded',
  'ScheduleRestructured',
] as const;

const RESTRUCTURING_EVENTS = ['RestructuringActivated', 'PlanBroken', 'PlanCompleted'] as const;

type Reacted =
  | LoanRegistered
  | LoanBecameDelinquent
  | DelinquencyStageChanged
  | LoanCured
  | LoanPaidOff
  | LoanWrittenOff
  | PaymentReceived
  | PaymentReversed
  | DelinquencyRestated
  | CollectionHoldStarted
  | CollectionHoldEnded
  | ScheduleRestructured
  | RestructuringActivated
  | PlanBroken
  | PlanCompleted;

const binding: { reactions: LoanReactions | null } = { reactions: null };

const restructuringHold = (requestId: string) => `restructuring-${requestId}`;

/** The loan a published event concerns: its stream for loans events, its data for restructuring's. */
function loanOf(event: RecordedEvent): string | null {
  if (event.streamId.startsWith('loans.loan-')) return streamEntityId(event.streamId);
  if (event.streamId.startsWith('restructuring.')) return (event.data as { loanId?: string }).loanId ?? null;
  return null;
}

/** Every case the loan has had (`<loanId>-E1` .. `-E<episodes>`), the latest first. */
function casesOf(loan: LoanMirror): string[] {
  return Array.from({ length: loan.episodes }, (_, n) => `${loan.loanId}-E${loan.episodes - n}`);
}

function holdReason(reason: string): HoldReason {
  return /restructur/i.test(reason) ? 'RESTRUCTURING' : 'LOAN_HOLD';
}

@Injectable()
export class LoanReactions implements OnModuleDestroy {
  private readonly logger = new Logger('CollectionLoanReactions');

  constructor(
    private readonly cases: CaseService,
    private readonly endOfDay: CollectionEndOfDay,
  ) {
    binding.reactions = this;
  }

  onModuleDestroy(): void {
    if (binding.reactions === this) binding.reactions = null;
  }

  private ctx(reaction: Reaction, command: string): CommandContext {
    return reaction.context(command, { actor: COLLECTION_SYSTEM });
  }

  /** A case command the loan event calls for, run only in reaction (a backfill replays the mirror alone); a refusal is logged. */
  private async onCase(
    recorded: RecordedEvent,
    reaction: Reaction | null,
    command: string,
    run: (ctx: CommandContext) => Promise<CommandResult | DomainError | null>,
  ): Promise<void> {
    if (reaction) this.report(recorded, await run(this.ctx(reaction, command)));
  }

  private report(event: RecordedEvent, result: CommandResult | DomainError | null): void {
    if (result && isDomainError(result)) {
      this.logger.warn({ msg: 'reaction refused', event: event.type, eventId: event.eventId, code: result.code, detail: result.message });
    }
  }

  async apply(ctx: ProjectionContext, events: readonly RecordedEvent[]): Promise<void> {
    const loansTable = ctx.table(LOANS_MIRROR_TABLE);
    const gradesTable = ctx.table(GRADES_TABLE);
    const loanIds = [...new Set(events.map(loanOf).filter((id): id is string => id !== null))];
    const loans = new Map<string, LoanMirror>();
    if (loanIds.length) {
      const { rows } = await ctx.query<MirrorRow>(`SELECT * FROM ${loansTable} WHERE loan_id = ANY ($1::text[])`, [loanIds]);
      for (const r of rows) loans.set(r.loan_id, fromRow(r));
    }
    const grades = new Map<string, { grade: Grade; policy: string; asOf: string; position: string }>();
    const touched = new Set<string>();
    const gradeOf = async (customerId: string): Promise<Graded> => {
      const known = grades.get(customerId);
      if (known) return { grade: known.grade, gradingPolicy: known.policy };
      const { rows } = await ctx.query<{ grade: Grade; policy: string | null }>(`SELECT grade, policy FROM ${gradesTable} WHERE customer_id = $1`, [
        customerId,
      ]);
      return rows[0] ? { grade: rows[0].grade, gradingPolicy: rows[0].policy } : { grade: DEFAULT_GRADE, gradingPolicy: null };
    };

    // One loan's events in order, different loans concurrently; grades and day closes are barriers
    // (a grade applies to every later opening, a day close to every earlier fact).
    const keyOf = (event: RecordedEvent) => (event.type === 'CustomerGraded' || event.type === 'EndOfDayCompleted' ? null : loanOf(event));
    await forEachPartitioned(events, keyOf, 8, async (event) => {
      if (event.type === 'CustomerGraded') {
        const d = (event as unknown as CustomerGraded).data;
        grades.set(d.customerId, {
          grade: d.grade as Grade,
          policy: `${d.policyId}@v${d.policyVersion}`,
          asOf: d.asOf,
          position: formatPosition(event.globalPosition),
        });
        return;
      }
      if (event.type === 'EndOfDayCompleted') {
        const businessDate = (event.data as { businessDate: BusinessDate }).businessDate;
        const { rows } = await ctx.query<MirrorRow>(`SELECT * FROM ${loansTable} WHERE case_id IS NOT NULL`);
        const open = new Map(rows.map((r) => [r.loan_id, fromRow(r)]));
        for (const [id, loan] of loans) {
          if (loan.caseId) open.set(id, loan);
          else open.delete(id);
        }
        const reaction = ctx.reaction(event);
        if (!reaction) return;
        const summary = await this.endOfDay.run(businessDate, [...open.values()], this.ctx(reaction, 'CollectionEndOfDay'));
        this.logger.log({ msg: 'collection end of day', ...summary });
        return;
      }
      const loanId = loanOf(event);
      if (!loanId) return;
      const next = await this.react(loanId, loans.get(loanId), event as unknown as Reacted & RecordedEvent, event, ctx.reaction(event), gradeOf);
      if (next) {
        loans.set(loanId, next);
        touched.add(loanId);
      }
    });

    await bulkUpsert(
      ctx,
      loansTable,
      [...touched].map((id) => toRow(loans.get(id)!)),
      ['loan_id'],
    );
    await bulkUpsert(
      ctx,
      gradesTable,
      [...grades].map(([customer_id, g]) => ({ customer_id, grade: g.grade, policy: g.policy, as_of: g.asOf, trigger_position: g.position })),
      ['customer_id'],
    );
  }

  /** Move the loan's open case to the stage, DPD and overdue amount the mirror now records. */
  private async followStage(
    caseId: string,
    loan: LoanMirror,
    recorded: RecordedEvent,
    reaction: Reaction | null,
    gradeOf: (customerId: string) => Promise<Graded>,
  ): Promise<void> {
    if (!reaction) return;
    const asOf = loan.dpdAsOf!;
    const change = {
      stage: loan.stage,
      dpd: loan.dpd,
      overdueAmount: loan.overdueAmount,
      asOf,
      ...(await gradeOf(loan.customerId)),
      nextDueDate: nextDueDate(loan, asOf),
    };
    this.report(recorded, await this.cases.changeStage(caseId, change, this.ctx(reaction, 'ChangeCaseStage')));
  }

  /** Hold the loan's open case while a restructuring plan runs (a no-op if it holds it already). */
  private async holdForRestructuring(
    loan: LoanMirror,
    requestId: string,
    since: BusinessDate,
    recorded: RecordedEvent,
    reaction: Reaction | null,
  ): Promise<void> {
    const caseId = loan.caseId;
    if (!caseId) return;
    await this.onCase(recorded, reaction, 'PlaceCaseOnHold', (ctx) =>
      this.cases.placeOnHold(caseId, { holdId: restructuringHold(requestId), reason: 'RESTRUCTURING', since }, ctx),
    );
  }

  /** One loan event: the next mirror record (undefined: unchanged), after running its reaction. */
  private async react(
    loanId: string,
    loan: LoanMirror | undefined,
    event: Reacted,
    recorded: RecordedEvent,
    reaction: Reaction | null,
    gradeOf: (customerId: string) => Promise<Graded>,
  ): Promise<LoanMirror | undefined> {
    if (event.type === 'LoanRegistered') {
      const d = event.data;
      if (loan) return undefined;
      return {
        loanId,
        customerId: d.customerId,
        timeZone: d.timeZone,
        installments: d.schedule.map((i) => ({ seq: i.seq, dueDate: i.dueDate })),
        episodes: 0,
        caseId: null,
        caseOpenedOn: null,
        delinquent: false,
        stage: 'M0',
        dpd: 0,
        dpdAsOf: null,
        overdueAmount: 0,
        restructuredOn: null,
        restructuringId: null,
      };
    }
    if (!loan) throw new Error(`collection has no record of loan ${loanId} (its LoanRegistered was not seen) at ${event.type}`);
    switch (event.type) {
      case 'LoanBecameDelinquent': {
        const d = event.data;
        if (loan.caseId) {
          // The case outlived a cure because a restructuring plan holds it: the same case follows.
          const next: LoanMirror = { ...loan, delinquent: true, stage: d.stage, dpd: d.dpd, dpdAsOf: d.asOf, overdueAmount: d.overdueAmount };
          await this.followStage(loan.caseId, next, recorded, reaction, gradeOf);
          return next;
        }
        const episodes = loan.episodes + 1;
        const caseId = `${loanId}-E${episodes}`;
        const graded = await gradeOf(loan.customerId);
        const next: LoanMirror = {
          ...loan,
          episodes,
          caseId,
          caseOpenedOn: d.asOf,
          delinquent: true,
          stage: d.stage,
          dpd: d.dpd,
          dpdAsOf: d.asOf,
          overdueAmount: d.overdueAmount,
        };
        await this.onCase(recorded, reaction, 'OpenCase', (ctx) =>
          this.cases.open(
            {
              caseId,
              loanId,
              customerId: loan.customerId,
              timeZone: loan.timeZone,
              ...graded,
              stage: d.stage,
              dpd: d.dpd,
              overdueAmount: d.overdueAmount,
              oldestUnpaidDueDate: d.oldestUnpaidDueDate,
              asOf: d.asOf,
              nextDueDate: nextDueDate(next, d.asOf),
            },
            ctx,
          ),
        );
        return next;
      }
      case 'DelinquencyStageChanged': {
        const d = event.data;
        const next: LoanMirror = { ...loan, stage: d.to, dpd: d.dpd, dpdAsOf: d.asOf, overdueAmount: d.overdueAmount };
        if (loan.caseId && d.to !== 'M0') await this.followStage(loan.caseId, next, recorded, reaction, gradeOf);
        return next;
      }
      case 'PaymentReceived': {
        const d = event.data;
        const caseId = loan.caseId;
        if (caseId) {
          const payment = { reference: d.reference, amount: d.amount, valueDate: d.valueDate, businessDate: d.businessDate };
          await this.onCase(recorded, reaction, 'RecordCasePayment', (ctx) => this.cases.recordPayment(caseId, payment, ctx));
        }
        return undefined;
      }
      case 'PaymentReversed': {
        const d = event.data;
        if (!reaction) return undefined;
        const cause = { eventId: recorded.eventId, type: 'PaymentReversed', ref: d.reference };
        for (const caseId of casesOf(loan)) {
          this.report(
            recorded,
            await this.cases.reversePayment(caseId, { reference: d.reference, businessDate: d.businessDate, cause }, this.ctx(reaction, 'ReverseCasePayment')),
          );
        }
        return undefined;
      }
      case 'DelinquencyRestated': {
        const d = event.data;
        if (!reaction) return undefined;
        const cause = { eventId: recorded.eventId, type: d.correction.type, ref: d.correction.ref };
        for (const caseId of casesOf(loan).filter((id) => id !== loan.caseId)) {
          this.report(recorded, await this.cases.undoCure(caseId, { episodes: d.after.episodes, businessDate: d.asOf, cause }, this.ctx(reaction, 'UndoCure')));
        }
        return undefined;
      }
      case 'LoanCured':
      case 'LoanPaidOff': {
        const d = event.data;
        const cured: LoanMirror = { ...loan, delinquent: false, dpd: 0, dpdAsOf: d.asOf, stage: 'M0', caseId: null, caseOpenedOn: null };
        if (!loan.caseId) return event.type === 'LoanCured' ? cured : undefined;
        if (event.type === 'LoanCured' && loan.restructuringId) return { ...cured, caseId: loan.caseId, caseOpenedOn: loan.caseOpenedOn };
        const restructured = loan.restructuredOn !== null && loan.caseOpenedOn !== null && loan.restructuredOn >= loan.caseOpenedOn;
        const reason = event.type === 'LoanPaidOff' ? 'PAID_OFF' : restructured ? 'RESTRUCTURED' : 'CURED';
        const caseId = loan.caseId;
        await this.onCase(recorded, reaction, 'CloseCase', (ctx) => this.cases.close(caseId, reason, d.asOf, ctx));
        return event.type === 'LoanCured' ? cured : { ...loan, caseId: null, caseOpenedOn: null };
      }
      case 'LoanWrittenOff': {
        const d = event.data;
        const caseId = loan.caseId;
        if (!caseId) return undefined;
        await this.onCase(recorded, reaction, 'CloseCase', (ctx) => this.cases.close(caseId, 'WRITTEN_OFF', d.writtenOffOn, ctx, d.writtenOffOn));
        return { ...loan, caseId: null, caseOpenedOn: null, restructuringId: null };
      }
      case 'CollectionHoldStarted': {
        const d = event.data;
        const caseId = loan.caseId;
        if (caseId) {
          const hold = { holdId: d.holdId, reason: holdReason(d.reason), since: d.from };
          await this.onCase(recorded, reaction, 'PlaceCaseOnHold', (ctx) => this.cases.placeOnHold(caseId, hold, ctx));
        }
        return undefined;
      }
      case 'CollectionHoldEnded': {
        const d = event.data;
        const caseId = loan.caseId;
        if (caseId) {
          const release = { holdId: d.holdId, resolution: 'loan hold ended', on: d.to };
          await this.onCase(recorded, reaction, 'ResumeCase', (ctx) => this.cases.releaseHold(caseId, release, ctx));
        }
        return undefined;
      }
      case 'ScheduleRestructured': {
        const d = event.data;
        const replaced = new Set(d.replacedSeqs);
        const installments = [...loan.installments.filter((i) => !replaced.has(i.seq)), ...d.newSchedule.map((i) => ({ seq: i.seq, dueDate: i.dueDate }))];
        await this.holdForRestructuring(loan, d.restructuringId, d.effectiveDate, recorded, reaction);
        return { ...loan, installments, restructuredOn: d.businessDate, restructuringId: d.restructuringId };
      }
      case 'RestructuringActivated': {
        const d = event.data;
        // A fee waiver changes no schedule and cures nothing: the case goes on as before.
        if (d.type === 'FEE_WAIVER') return undefined;
        await this.holdForRestructuring(loan, d.requestId, d.effectiveDate, recorded, reaction);
        return { ...loan, restructuringId: d.requestId };
      }
      case 'PlanCompleted':
      case 'PlanBroken': {
        const d = event.data;
        if (loan.restructuringId !== d.requestId) return undefined;
        const ended: LoanMirror = { ...loan, restructuringId: null };
        const caseId = loan.caseId;
        if (!caseId) return ended;
        const on = event.type === 'PlanCompleted' ? event.data.completedOn : event.data.brokenOn;
        if (!loan.delinquent) {
          // Nothing is overdue: a completed plan closes the case as restructured; a broken one that
          // left nothing overdue (paid since) as cured.
          const reason = event.type === 'PlanCompleted' ? 'RESTRUCTURED' : 'CURED';
          await this.onCase(recorded, reaction, 'CloseCase', (ctx) => this.cases.close(caseId, reason, on, ctx));
          return { ...ended, caseId: null, caseOpenedOn: null };
        }
        const resolution =
          event.type === 'PlanBroken'
            ? `restructuring plan broken: installment ${event.data.n} due ${event.data.dueDate} was ${event.data.daysLate} days late`
            : 'restructuring plan completed with the loan still past due';
        await this.onCase(recorded, reaction, 'ResumeCase', (ctx) =>
          this.cases.releaseHold(caseId, { holdId: restructuringHold(d.requestId), resolution, on }, ctx),
        );
        return ended;
      }
      default:
        return undefined;
    }
  }
}

/** The reactions as a projection: the runner gives them checkpoints, batches and poison handling. */
export const loanReactionsProjection: Projection = {
  name: LOAN_REACTIONS,
  version: 3,
  reacts: true,
  triggers: [...LOAN_EVENTS.filter((t) => t !== 'LoanRegistered'), ...RESTRUCTURING_EVENTS, 'EndOfDayCompleted'],
  filter: {
    streamPrefixes: ['loans.', 'grading.', 'restructuring.'],
    eventTypes: [...LOAN_EVENTS, ...RESTRUCTURING_EVENTS, 'EndOfDayCompleted', 'CustomerGraded'],
  },
  tables: MIRROR_TABLES,
  async apply(ctx, events) {
    if (!binding.reactions) throw new Error('collection loan reactions are not initialised');
    await binding.reactions.apply(ctx, events);
  },
};
