import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { addDays, isDomainError, type BusinessDate } from '#kernel';
import { reportedDpdOn } from '#loans';
import type { CommandContext } from '#eventstore';
import { Metrics, PG_POOL, runCommand } from '#platform';
import { CaseService } from './cases.service.js';
import { forEachConcurrent } from './system.js';
import { DispatchService } from './dispatch.service.js';
import { OutreachService } from './outreach.service.js';
import { CaseRerouting } from './rerouting.js';
import { CollectionStore, streams } from './collection-store.js';
import { followUp } from './commands.js';
import { fromRow, nextDueDate, type LoanMirror, type MirrorRow } from './loan-mirror.js';

export interface EndOfDaySummary {
  readonly businessDate: BusinessDate;
  readonly cases: number;
  readonly actionsScheduled: number;
  readonly promisesKept: number;
  readonly promisesBroken: number;
  readonly assigned: number;
  readonly certificationsExpired: number;
  /** Released or rescheduled actions of the day (or earlier) nobody performed. */
  readonly actionsExpired: number;
  /** Actions the pre-delinquency tracks scheduled (reminders before a due date). */
  readonly outreachScheduled: number;
  /** Cases moved because their collector lacked a certification they need the next day. */
  readonly rerouted: number;
}

// Kept here for the modules that import them from the end of day.
export { COLLECTION_SYSTEM } from './system.js';

/**
 * Collection's end of a business day: for every open case, promises are judged (kept, or broken
 * after their grace days) and the ladder steps DPD has reached become actions; cases still waiting
 * in their queue are routed again; lapsed certifications are recorded as expired. It runs when the
 * Loans context completes its end of day (see the loan reactions) or on request; every command is
 * keyed by date and aggregate, so running a day twice changes nothing.
 */
@Injectable()
export class CollectionEndOfDay {
  constructor(
    private readonly cases: CaseService,
    private readonly store: CollectionStore,
    private readonly metrics: Metrics,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly dispatch: DispatchService,
    private readonly outreach: OutreachService,
    private readonly rerouting: CaseRerouting,
  ) {}

  /** Runs the day over the loans with an open case, as the caller's read of the loan mirror has them. */
  async run(businessDate: BusinessDate, loans: readonly LoanMirror[], ctx: CommandContext): Promise<EndOfDaySummary> {
    let actionsScheduled = 0;
    let promisesKept = 0;
    let promisesBroken = 0;
    let assigned = 0;
    let certificationsExpired = 0;
    let rerouted = 0;
    const open = loans.filter((l) => l.caseId);
    // The day's actions nobody performed leave the queue before the next day's are scheduled.
    const actionsExpired = await this.dispatch.expireDay(
      businessDate,
      followUp({ ...ctx, idempotencyKey: `eod:${businessDate}:expire` }, 'ExpireAction', 'expire'),
    );
    // Steps timed before a due date look at the installments after the day being closed. Sixteen
    // cases at a time: their appends share the store's group commits.
    const reroute = this.rerouting.forDay(addDays(businessDate, 1));
    await forEachConcurrent(open, 16, async (loan) => {
      const caseId = loan.caseId!;
      const key = `eod:${businessDate}:${caseId}`;
      // Whoever works the case tomorrow holds what it needs then (a lapse, an escalation's plan).
      if (await reroute(caseId, { ...ctx, idempotencyKey: key })) rerouted++;
      const result = await this.cases.closeDay(caseId, businessDate, reportedDpdOn(loan, businessDate), nextDueDate(loan, addDays(businessDate, 1)), {
        ...ctx,
        command: 'CloseCaseDay',
        idempotencyKey: key,
      });
      if (!isDomainError(result)) {
        for (const e of result.events) {
          if (e.type === 'ActionScheduled') actionsScheduled++;
          else if (e.type === 'PromiseKept') promisesKept++;
          else if (e.type === 'PromiseBroken') promisesBroken++;
        }
      }
      // The state the day's command left in the repository's cache (no second read of the stream).
      const { state } = await this.cases.current(caseId);
      if (state.status === 'open' && !state.collectorId) {
        if (await this.cases.route(caseId, businessDate, { ...ctx, command: 'RouteCase', idempotencyKey: key })) assigned++;
      }
    });
    const { rows } = await this.pool.query<{ collector_id: string }>('SELECT collector_id FROM rm_collection_collectors');
    await forEachConcurrent(rows, 8, async ({ collector_id }) => {
      const result = await runCommand(
        this.metrics,
        this.store.collectors,
        streams.collector(collector_id),
        { type: 'ExpireCertifications', data: { collectorId: collector_id, businessDate } },
        followUp({ ...ctx, idempotencyKey: `eod:${businessDate}:${collector_id}` }, 'ExpireCertifications', 'expire'),
      );
      if (!isDomainError(result)) certificationsExpired += result.events.length;
    });
    const outreachScheduled = await this.outreach.closeDay(businessDate, { ...ctx, idempotencyKey: `eod:${businessDate}` });
    return {
      businessDate,
      cases: open.length,
      actionsScheduled,
      promisesKept,
      promisesBroken,
      assigned,
      certificationsExpired,
      actionsExpired,
      outreachScheduled,
      rerouted,
    };
  }

  /** The same, on request: the open cases as the loan mirror's read model has them. */
  async runFromReadModel(businessDate: BusinessDate, ctx: CommandContext): Promise<EndOfDaySummary> {
    const { rows } = await this.pool.query<MirrorRow>('SELECT * FROM rm_collection_loans WHERE case_id IS NOT NULL');
    return this.run(businessDate, rows.map(fromRow), ctx);
  }
}
