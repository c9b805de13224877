import { Injectable, Logger } from '@nestjs/common';
import { isDomainError, type RecordedEvent } from '#kernel';
import { Metrics, runCommand } from '#platform';
import { reactor, type Projection, type Reaction } from '#projections';
import type { RestructuringStatus } from '../domain/scorecard.js';
import { streams } from '../domain/policies.js';
import { GradingRepositories } from './repositories.js';

/**
 * Grading's reaction to the Restructuring context's published outcomes: each activation, broken
 * plan and completed plan is recorded on the customer (RestructuringStatusRecorded), which the
 * regrader then weighs; a fee waiver (Loans' PenaltyWaived, no schedule replaced) is not recorded. The loan-level consequences (restructured flag, observation period) come
 * from the Loans context's ScheduleRestructured, which the regrader reads itself.
 */
const RESTRUCTURING_OUTCOMES = 'grading_restructuring_outcomes';

const STATUS: Readonly<Record<string, RestructuringStatus>> = {
  RestructuringActivated: 'activated',
  PlanBroken: 'broken',
  PlanCompleted: 'completed',
};

interface Outcome {
  readonly requestId: string;
  readonly customerId: string;
  readonly effectiveDate?: string;
  readonly brokenOn?: string;
  readonly completedOn?: string;
  readonly type?: string;
}

const binding: { target: RestructuringOutcomes | null } = { target: null };

@Injectable()
export class RestructuringOutcomes {
  private readonly logger = new Logger('GradingRestructuringOutcomes');

  constructor(
    private readonly repos: GradingRepositories,
    private readonly metrics: Metrics,
  ) {
    binding.target = this;
  }

  async record(event: RecordedEvent, reaction: Reaction): Promise<void> {
    const status = STATUS[event.type];
    const d = event.data as Outcome;
    const on = d.effectiveDate ?? d.brokenOn ?? d.completedOn;
    // A fee waiver is not a restructuring of the debt: it leaves the customer's record as it was.
    if (!status || !on || d.type === 'FEE_WAIVER') return;
    const result = await runCommand(
      this.metrics,
      this.repos.customers,
      streams.customer(d.customerId),
      { type: 'RecordRestructuringStatus', customerId: d.customerId, restructuringId: d.requestId, status, on },
      reaction.context('RecordRestructuringStatus'),
    );
    if (isDomainError(result)) this.logger.warn({ msg: 'restructuring outcome refused', eventId: event.eventId, code: result.code, detail: result.message });
  }
}

export const restructuringOutcomesReactor: Projection = reactor({
  name: RESTRUCTURING_OUTCOMES,
  filter: { streamPrefixes: ['restructuring.request-'], eventTypes: Object.keys(STATUS) },
  // Outcomes of different requests of one customer are recorded on the same customer stream, in order.
  partitionBy: (event) => (event.data as Outcome).customerId ?? null,
  handle: (event, reaction) => {
    if (!binding.target) throw new Error('the grading context is not initialised: no restructuring reactions bound');
    return binding.target.record(event, reaction);
  },
});
