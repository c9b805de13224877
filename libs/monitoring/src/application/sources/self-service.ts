import type { RecordedEvent } from '#kernel';
import type { ObservationDraft } from '../../domain/observations.js';
import { dataOf, dateOf, entityId, str } from './common.js';

/**
 * Self-service → monitoring. Stream `selfservice.complaint-<complaintId>`. Read structurally; the
 * fields used (libs/self-service/src/domain/complaint.ts):
 * - ComplaintResolved { complaintId, caseIds, outcome: UPHELD | PARTLY_UPHELD | NOT_UPHELD, resolvedOn }
 *   (the complaint's holds, `complaint-<complaintId>` on each of those cases, are its dispute rows)
 */
export const SELF_SERVICE_EVENT_TYPES = ['ComplaintResolved'] as const;

export function fromSelfService(event: RecordedEvent): ObservationDraft[] {
  const d = dataOf(event);
  if (event.type !== 'ComplaintResolved') return [];
  const caseIds = Array.isArray(d.caseIds) ? d.caseIds.filter((c): c is string => typeof c === 'string') : [];
  const outcome = str(d.outcome);
  if (!outcome) return [];
  return [
    { sourceEventId: event.eventId, kind: 'ComplaintResolved', on: dateOf(event, 'resolvedOn'), complaintId: entityId(event, 'complaintId'), caseIds, outcome },
  ];
}
