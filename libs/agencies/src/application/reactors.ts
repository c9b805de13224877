import type { RecordedEvent } from '#kernel';
import { reactor, type Projection, type Reaction } from '#projections';

/** What the reactors call; implemented by the PlacementService. */
export interface PlacementReactions {
  onPlacementEvent(event: RecordedEvent, reaction: Reaction): Promise<void>;
  onCaseEvent(event: RecordedEvent, reaction: Reaction): Promise<void>;
  onEndOfDay(event: RecordedEvent, reaction: Reaction): Promise<void>;
}

/** Reactors are values registered before the app exists; they call the service bound when the module initialises. */
export const placementReactions: { target: PlacementReactions | null } = { target: null };

const bound = (): PlacementReactions => {
  if (!placementReactions.target) throw new Error('agencies reactors ran before the agencies module was initialised');
  return placementReactions.target;
};

/**
 * A requested placement sends the debtor's notice through Collection's dispatch gate; a started one
 * marks Collection's case placed (MarkPlaced); a placement that ended frees its agency's capacity
 * and, when recalled, gives the case back to the bank's collectors (EndPlacement).
 */
export const placementNoticeReactor: Projection = reactor({
  name: 'agencies_placement_lifecycle',
  filter: { streamPrefixes: ['agencies.placement-'], eventTypes: ['PlacementRequested', 'CasePlaced', 'PlacementCancelled', 'CaseRecalled'] },
  handle: (event, reaction) => bound().onPlacementEvent(event, reaction),
});

/**
 * Collection's case events: a case entering a stage the rule places is placed; a hold for a dispute,
 * complaint or restructuring and a closed case recall it; payments on a placed case are attributed
 * (and reversals reverse them). One case's events in order.
 */
export const caseReactor: Projection = reactor({
  name: 'agencies_case_reactions',
  filter: {
    streamPrefixes: ['collection.case-'],
    eventTypes: ['CaseOpened', 'CaseEscalated', 'CaseOnHold', 'CaseClosed', 'PaymentRecorded', 'CasePaymentReversed'],
  },
  handle: (event, reaction) => bound().onCaseEvent(event, reaction),
});

/** Loans' end of day: placements whose term ended that day are recalled. */
export const placementExpiryReactor: Projection = reactor({
  name: 'agencies_placement_expiry',
  filter: { streamPrefixes: ['loans.calendar-'], eventTypes: ['EndOfDayCompleted'] },
  handle: (event, reaction) => bound().onEndOfDay(event, reaction),
});
