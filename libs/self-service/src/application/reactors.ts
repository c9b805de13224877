import type { RecordedEvent } from '#kernel';
import { ReactionBinding, reactor, type Projection, type Reaction } from '#projections';

/** What the reactors call; implemented by the ComplaintsService. */
interface ComplaintReactions {
  holdOrRelease(event: RecordedEvent, reaction: Reaction): Promise<void>;
  endOfDay(event: RecordedEvent, reaction: Reaction): Promise<void>;
}

/** The reactors call the ComplaintsService through this binding (filled when the module initialises). */
export const complaintReactions = new ReactionBinding<ComplaintReactions>('self-service');

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
