import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type pg from 'pg';
import { addDays, isDomainError, type BusinessDate, type DomainError, type RecordedEvent } from '#kernel';
import type { CommandContext, CommandResult } from '#eventstore';
import { Metrics, runCommand, PG_POOL } from '#platform';
import { reactor, type Projection } from '#projections';
import type { ActionScheduled, CaseState } from '../domain/case/events.js';
import { localTimeOf } from '../domain/contact-rules.js';
import type { DebtorEvent } from '../domain/debtor.js';
import { ledgerZone } from '../domain/debtor.js';
import { plannedSendTime, type CaseDispatchFacts, type DispatchableAction } from '../domain/dispatch.js';
import { ContactRulesBook } from './catalog.js';
import { CollectionStore, streams } from './collection-store.js';
import { COLLECTION_SYSTEM, forEachConcurrent } from './system.js';

const DISPATCH_GATE = 'collection_dispatch_gate';

export interface DispatchRunSummary {
  readonly at: string;
  readonly candidates: number;
  readonly released: number;
  readonly withheld: number;
  readonly rescheduled: number;
  /** Not judged in this run: the action's next allowed moment lies after `at`, or another day is open. */
  readonly waiting: number;
}

type Result = CommandResult<DebtorEvent> | DomainError;

function caseFactsOf(state: CaseState): CaseDispatchFacts {
  return state.status === 'none'
    ? { status: 'none', holds: {} }
    : { status: state.status, holds: state.holds, ...(state.placement ? { placedWith: state.placement.agencyId } : {}) };
}

/**
 * The dispatch gate's application side. Every ActionScheduled is judged once, in reaction (the
 * reaction ledger decides each trigger once; replays never judge again), at its planned send time,
 * on the debtor's contact ledger (append at the ledger's revision: concurrent judgements for one
 * debtor serialise there). An action a time-based rule held (ActionRescheduled) is judged again by
 * a dispatch run at or after its next allowed moment: `POST /collection/dispatch` with the instant,
 * from the scheduler that drives the executors. At the close of a business day the released and
 * rescheduled actions nobody performed expire (ActionExpired).
 */
@Injectable()
export class DispatchService implements OnModuleDestroy {
  private readonly logger = new Logger('CollectionDispatchGate');

  constructor(
    private readonly store: CollectionStore,
    private readonly rulesBook: ContactRulesBook,
    private readonly metrics: Metrics,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {
    binding.service = this;
  }

  onModuleDestroy(): void {
    if (binding.service === this) binding.service = null;
  }

  /** Judges one action at an instant on its debtor's ledger. */
  async judge(action: DispatchableAction, at: string | null, ctx: CommandContext): Promise<Result> {
    const [subject, { state: ledger }] = await Promise.all([this.subjectOf(action), this.store.debtors.load(streams.debtor(action.customerId))]);
    const caseZone = subject.timeZone ?? ledger.timeZone ?? 'UTC';
    const debtorZone = ledgerZone(ledger, caseZone);
    const dayRules = await this.rulesBook.inForce(addDays(action.dueOn, 1));
    const when = at ?? plannedSendTime(action, caseZone, debtorZone, dayRules);
    const rules = at ? await this.rulesBook.inForce(localTimeOf(when, debtorZone).date) : dayRules;
    const result = await runCommand(
      this.metrics,
      this.store.debtors,
      streams.debtor(action.customerId),
      { type: 'ReleaseAction', data: { customerId: action.customerId, timeZone: caseZone, action, at: when, caseFacts: subject.facts, rules } },
      { ...ctx, policyVersions: { ...ctx.policyVersions, contactRules: rules.version } },
    );
    if (isDomainError(result)) this.logger.warn({ msg: 'dispatch refused', actionId: action.actionId, code: result.code, detail: result.message });
    return result;
  }

  /** What the action's case (or pre-delinquency track) says when the gate decides, from its stream. */
  private async subjectOf(action: DispatchableAction): Promise<{ facts: CaseDispatchFacts; timeZone: string | null }> {
    if (action.track === 'PRE_DELINQUENCY') {
      const { state } = await this.store.outreach.load(streams.outreach(action.caseId));
      if (state.status === 'none') return { facts: { status: 'none', holds: {} }, timeZone: null };
      return { facts: { status: state.status === 'open' ? 'open' : 'closed', holds: {} }, timeZone: state.timeZone };
    }
    const { state } = await this.store.cases.load(streams.case(action.caseId));
    return { facts: caseFactsOf(state), timeZone: state.status === 'none' ? null : state.timeZone };
  }

  /**
   * A dispatch run at an instant: every rescheduled action whose next allowed moment has come is
   * judged again at `at`, provided `at` falls on the open business date in the debtor's zone.
   */
  async releaseDue(at: string, businessDate: BusinessDate, ctx: CommandContext): Promise<DispatchRunSummary> {
    const { rows } = await this.pool.query<{ customer_id: string; item_id: string }>(
      `SELECT customer_id, item_id FROM rm_collection_work_items WHERE kind = 'ACTION' AND status = 'RESCHEDULED' AND release_at <= $1 ORDER BY release_at, item_id`,
      [new Date(Date.parse(at)).toISOString()],
    );
    const tally = { released: 0, withheld: 0, rescheduled: 0, waiting: 0 };
    await forEachConcurrent(rows, 4, async ({ customer_id, item_id }) => {
      const { state } = await this.store.debtors.load(streams.debtor(customer_id));
      const pending = state.dispatched[item_id];
      if (!pending || pending.status !== 'RESCHEDULED' || !pending.action || !state.timeZone || localTimeOf(at, state.timeZone).date !== businessDate) {
        tally.waiting++;
        return;
      }
      const result = await this.judge(pending.action, at, {
        ...ctx,
        command: 'ReleaseAction',
        idempotencyKey: `${ctx.idempotencyKey ?? 'dispatch'}:${item_id}`,
      });
      if (isDomainError(result) || result.events.length === 0) {
        tally.waiting++;
        return;
      }
      for (const e of result.events) {
        if (e.type === 'ActionReleased') tally.released++;
        else if (e.type === 'ActionWithheld') tally.withheld++;
        else if (e.type === 'ActionRescheduled') tally.rescheduled++;
      }
    });
    return { at, candidates: rows.length, ...tally };
  }

  /** The close of a business day: released or rescheduled actions of that day or earlier nobody performed expire. */
  async expireDay(businessDate: BusinessDate, ctx: CommandContext): Promise<number> {
    const { rows } = await this.pool.query<{ customer_id: string; item_id: string }>(
      `SELECT customer_id, item_id FROM rm_collection_work_items WHERE kind = 'ACTION' AND status IN ('OPEN', 'RESCHEDULED') AND dispatch_date <= $1 ORDER BY item_id`,
      [businessDate],
    );
    let expired = 0;
    await forEachConcurrent(rows, 4, async ({ customer_id, item_id }) => {
      // A case knows which of its actions a contact performed (a track's are the executors', reported on the ledger).
      const { state: file } = await this.store.cases.load(streams.case(item_id.slice(0, item_id.indexOf('/'))));
      const performed = file.status !== 'none' && file.actions[item_id]?.performed === true;
      const result = await runCommand(
        this.metrics,
        this.store.debtors,
        streams.debtor(customer_id),
        { type: 'ExpireAction', data: { customerId: customer_id, actionId: item_id, businessDate, performed } },
        { ...ctx, command: 'ExpireAction', idempotencyKey: `${ctx.idempotencyKey ?? 'expire'}:${item_id}` },
      );
      if (!isDomainError(result)) expired += result.events.length;
    });
    return expired;
  }

  /** The reaction: judge a freshly scheduled action at its planned send time. */
  async onScheduled(event: RecordedEvent, ctx: CommandContext): Promise<void> {
    await this.judge((event as unknown as ActionScheduled).data, null, ctx);
  }
}

const binding: { service: DispatchService | null } = { service: null };

/**
 * The gate as a reactor on the ActionScheduled of cases and pre-delinquency tracks: one debtor's actions are judged in
 * order (partitioned by customer, whichever case scheduled them), different debtors concurrently.
 */
export const dispatchGateProjection: Projection = reactor({
  name: DISPATCH_GATE,
  filter: { streamPrefixes: ['collection.case-', 'collection.outreach-'], eventTypes: ['ActionScheduled'] },
  partitionBy: (event) => (event.data as { customerId?: string }).customerId ?? event.streamId,
  async handle(event, reaction) {
    if (!binding.service) throw new Error('the collection dispatch gate is not initialised');
    await binding.service.onScheduled(event, reaction.context('ReleaseAction', { actor: COLLECTION_SYSTEM }));
  },
});
