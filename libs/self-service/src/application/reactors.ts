import type { RecordedEvent } from '#kernel';
import { reactor, type Projection, type Reaction } from '#projections';

/** What the reactors call; implemented by the ComplaintsService. */
interface ComplaintReactions {
  holdOrRelease(event: RecordedEvent, reaction: Reaction): Promise<void>;
  endOfDay(event: RecordedEvent, reaction: Reaction): Promise<void>;
}

/**
 * Reactors are registered as values before the app exists; they call through this binding, which
 * the service fills when the module initialises (the projection runner starts after that).
 */
class ReactionBinding {
  private target: ComplaintReactions | null = null;

  bind(target: ComplaintReactions): void {
    this.target = target;
  }

  get current(): ComplaintReactions {
    if (!this.target) throw new Error('self-service reactors ran before the self-service module was initialised');
    return this.target;
  }
}

export const complaintReactions = new ReactionBinding();

/** A complaint raised holds its cases; resolved, it releases them. One complaint's events in order. */
export const complaintHoldsReactor: Projection = reactor({
  name: 'selfservice_complaint_holds',
  filter: { streamPrefixes: ['selfservice.complaint-'], eventTypes: ['ComplaintRaised', 'ComplaintResolved'] },
  handle: (event, reaction) => complaintReactions.current.holdOrRelease(event, reaction),
});

/** Loans' end of day: complaints whose deadlines passed escalate. */
export const complaintDeadlinesReactor: Projection = reactor({
  name: 'selfservice_complaint_deadlines',
  filter: { streamPrefixes: ['loans.calendar-'], eventTypes: ['EndOfDayCompleted'] },
  handle: (event, reaction) => complaintReactions.current.endOfDay(event, reaction),
});
