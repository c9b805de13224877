import { Injectable, Logger } from '@nestjs/common';
import { isDomainError, type BusinessDate, type RecordedEvent } from '#kernel';
import { Metrics, runCommand } from '#platform';
import type { Projection, ProjectionContext } from '#projections';
import { streams } from '../domain/policies.js';
import { GradingRepositories } from './repositories.js';

/**
 * Grading's reaction to Collection's judged promises: PromiseKept and PromiseBroken become
 * PromiseOutcomeRecorded on the customer, which the regrader then weighs (broken promises in the
 * last twelve months); PromiseReopened (the payment that kept it was reversed) withdraws the outcome
 * (PromiseOutcomeWithdrawn), so the promise's next verdict is recorded in its place. The promise events name the case, not the customer, so the same projection
 * keeps its own small table of each case's customer from CaseOpened: facts and reactions share one
 * checkpoint, so a promise is always seen after its case's opening.
 */
const PROMISE_OUTCOMES = 'grading_promise_outcomes';
const CASE_CUSTOMERS = 'rm_grading_case_customers';

interface Judged {
  readonly caseId: string;
  readonly promiseId: string;
  readonly keptOn?: BusinessDate;
  readonly brokenOn?: BusinessDate;
  /** PromiseReopened: the payment that kept it was reversed. */
  readonly reopenedOn?: BusinessDate;
}

const binding: { target: PromiseOutcomes | null } = { target: null };

@Injectable()
export class PromiseOutcomes {
  private readonly logger = new Logger('GradingPromiseOutcomes');

  constructor(
    private readonly repos: GradingRepositories,
    private readonly metrics: Metrics,
  ) {
    binding.target = this;
  }

  async apply(ctx: ProjectionContext, events: readonly RecordedEvent[]): Promise<void> {
    const table = ctx.table(CASE_CUSTOMERS);
    const customers = new Map<string, string>();
    for (const event of events) {
      if (event.type === 'CaseOpened') {
        const d = event.data as { caseId: string; customerId: string };
        customers.set(d.caseId, d.customerId);
        await ctx.query(`INSERT INTO ${table} (case_id, customer_id) VALUES ($1, $2) ON CONFLICT (case_id) DO NOTHING`, [d.caseId, d.customerId]);
        continue;
      }
      // Replayed (rebuild, verify) or already decided: the table above is all there is to do.
      const reaction = ctx.reaction(event);
      if (!reaction) continue;
      const d = event.data as Judged;
      let customerId = customers.get(d.caseId);
      if (!customerId) {
        const { rows } = await ctx.query<{ customer_id: string }>(`SELECT customer_id FROM ${table} WHERE case_id = $1`, [d.caseId]);
        customerId = rows[0]?.customer_id;
      }
      const on = d.keptOn ?? d.brokenOn ?? d.reopenedOn;
      if (!customerId || !on) {
        this.logger.warn({ msg: 'promise outcome without a known case', eventId: event.eventId, caseId: d.caseId });
        continue;
      }
      const result =
        event.type === 'PromiseReopened'
          ? await runCommand(
              this.metrics,
              this.repos.customers,
              streams.customer(customerId),
              { type: 'WithdrawPromiseOutcome', customerId, promiseId: d.promiseId, on, causeEventId: event.eventId },
              reaction.context('WithdrawPromiseOutcome'),
            )
          : await runCommand(
              this.metrics,
              this.repos.customers,
              streams.customer(customerId),
              { type: 'RecordPromiseOutcome', customerId, promiseId: d.promiseId, outcome: event.type === 'PromiseKept' ? 'kept' : 'broken', on },
              reaction.context('RecordPromiseOutcome'),
            );
      if (isDomainError(result)) this.logger.warn({ msg: 'promise outcome refused', eventId: event.eventId, code: result.code, detail: result.message });
    }
  }
}

export const promiseOutcomesProjection: Projection = {
  name: PROMISE_OUTCOMES,
  version: 1,
  reacts: true,
  triggers: ['PromiseKept', 'PromiseBroken', 'PromiseReopened'],
  filter: { streamPrefixes: ['collection.case-'], eventTypes: ['CaseOpened', 'PromiseKept', 'PromiseBroken', 'PromiseReopened'] },
  tables: { [CASE_CUSTOMERS]: 'CREATE TABLE {table} (case_id text COLLATE "C" PRIMARY KEY, customer_id text NOT NULL)' },
  async apply(ctx, events) {
    if (!binding.target) throw new Error('the grading context is not initialised: no promise reactions bound');
    await binding.target.apply(ctx, events);
  },
};
