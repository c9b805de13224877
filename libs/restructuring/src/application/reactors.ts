import type { RecordedEvent } from '#kernel';
import { reactor, type Projection, type Reaction } from '#projections';

/** What the reactors call; implemented by the RestructuringService. */
export interface RestructuringReactions {
  activate(event: RecordedEvent, reaction: Reaction): Promise<void>;
  observeLoanEvent(event: RecordedEvent, reaction: Reaction): Promise<void>;
  endOfDay(event: RecordedEvent, reaction: Reaction): Promise<void>;
}

/**
 * A context registers its projections as values before the app exists, while reactions need the
 * app's event store. The reactors therefore call through this binding, which the service fills when
 * the module initialises; the projection runner starts only after that. One app per process: a
 * second app started in the same process rebinds the reactors to its own service.
 */
class ReactionBinding {
  private target: RestructuringReactions | null = null;

  bind(target: RestructuringReactions): void {
    this.target = target;
  }

  get current(): RestructuringReactions {
    if (!this.target) throw new Error('restructuring reactors ran before the restructuring module was initialised');
    return this.target;
  }
}

export const reactionBinding = new ReactionBinding();

/** Loan events after which a plan's installments may have been paid, missed or reopened. */
const LOAN_EVENTS_OBSERVED = [
  'PaymentReceived',
  'PaymentReversed',
  'LoanBecameDelinquent',
  'DelinquencyStageChanged',
  'LoanCured',
  'LoanPaidOff',
  'LoanReopened',
] as const;

export const activationReactor: Projection = reactor({
  name: 'restructuring_activation',
  filter: { streamPrefixes: ['restructuring.request-'], eventTypes: ['RestructuringAccepted'] },
  handle: (event, reaction) => reactionBinding.current.activate(event, reaction),
});

export const planMonitorReactor: Projection = reactor({
  name: 'restructuring_plan_monitor',
  filter: { streamPrefixes: ['loans.loan-'], eventTypes: [...LOAN_EVENTS_OBSERVED] },
  handle: (event, reaction) => reactionBinding.current.observeLoanEvent(event, reaction),
});

/** The loans context's end of day for a date has completed: expire offers, observe plans. */
export const endOfDayReactor: Projection = reactor({
  name: 'restructuring_end_of_day',
  filter: { streamPrefixes: ['loans.calendar-'], eventTypes: ['EndOfDayCompleted'] },
  handle: (event, reaction) => reactionBinding.current.endOfDay(event, reaction),
});
