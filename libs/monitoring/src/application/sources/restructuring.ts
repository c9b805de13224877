import type { RecordedEvent } from '#kernel';
import type { ObservationDraft } from '../../domain/observations.js';
import { dataOf, dateOf, entityId, str } from './common.js';

/**
 * Restructuring → monitoring. Stream `restructuring.request-<requestId>`. Read structurally; the
 * fields used (libs/restructuring/src/domain/request/events.ts):
 * - RestructuringActivated { requestId, loanId, customerId, type, effectiveDate }
 *   (`activatedOn` is preferred when present; `caseId` when present, else the loan's open case)
 * - PlanCompleted { requestId, completedOn }; PlanBroken { requestId, brokenOn }
 */
export const RESTRUCTURING_EVENT_TYPES = ['RestructuringActivated', 'PlanCompleted', 'PlanBroken'] as const;

export function fromRestructuring(event: RecordedEvent): ObservationDraft[] {
  const d = dataOf(event);
  const base = { sourceEventId: event.eventId };
  const restructuringId = entityId(event, 'requestId');
  switch (event.type) {
    case 'RestructuringActivated':
      return [
        {
          ...base,
          kind: 'RestructuringActivated',
          on: dateOf(event, 'activatedOn', 'effectiveDate'),
          restructuringId,
          loanId: str(d.loanId),
          customerId: str(d.customerId),
          caseId: str(d.caseId),
          type: str(d.type),
        },
      ];
    case 'PlanCompleted':
      return [{ ...base, kind: 'RestructuringEnded', on: dateOf(event, 'completedOn'), restructuringId, outcome: 'COMPLETED' }];
    case 'PlanBroken':
      return [{ ...base, kind: 'RestructuringEnded', on: dateOf(event, 'brokenOn'), restructuringId, outcome: 'BROKEN' }];
    default:
      return [];
  }
}
