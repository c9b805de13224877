import type { RecordedEvent } from '#kernel';
import type { AllFilter } from '#eventstore';
import { dated, type Observation, type ObservationDraft } from '../../domain/observations.js';
import { COLLECTION_EVENT_TYPES, fromCollection } from './collection.js';
import { GRADING_EVENT_TYPES, fromGrading } from './grading.js';
import { DAY_CLOSE_EVENT_TYPES, LOAN_EVENT_TYPES, fromLoans } from './loans.js';
import { RESTRUCTURING_EVENT_TYPES, fromRestructuring } from './restructuring.js';
import { SELF_SERVICE_EVENT_TYPES, fromSelfService } from './self-service.js';

/** Which source reads an event: by the context its stream belongs to. */
const BY_CONTEXT: Record<string, (e: RecordedEvent) => ObservationDraft[]> = {
  loans: fromLoans,
  collection: fromCollection,
  grading: fromGrading,
  restructuring: fromRestructuring,
  selfservice: fromSelfService,
};

/** Every published event type monitoring observes. */
export const OBSERVED_EVENT_TYPES: readonly string[] = [
  ...new Set<string>([...LOAN_EVENT_TYPES, ...COLLECTION_EVENT_TYPES, ...GRADING_EVENT_TYPES, ...RESTRUCTURING_EVENT_TYPES, ...SELF_SERVICE_EVENT_TYPES]),
];

export const DAY_CLOSE_FILTER: AllFilter = { eventTypes: [...DAY_CLOSE_EVENT_TYPES], streamPrefixes: ['loans.'] };

/** The observations an event of another context amounts to (none for events of no interest). */
export function observe(event: RecordedEvent): Observation[] {
  const context = event.streamId.slice(0, event.streamId.indexOf('.'));
  return dated((BY_CONTEXT[context] ?? (() => []))(event));
}
