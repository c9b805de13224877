import type { RecordedEvent } from '#kernel';
import type { ObservationDraft } from '../../domain/observations.js';
import { dataOf, dateOf, entityId, num, str, type Data } from './common.js';

/**
 * Grading → monitoring. Stream `grading.customer-<customerId>`. Read structurally; the fields used
 * (libs/grading/src/domain/customer.ts):
 * - CustomerGraded { customerId, grade (A..E or HOLD), previousGrade | null, asOf }
 * - CustomerProfileUpdated { customerId, facts { bureauScore | null, monthlyIncome (fen) | null }, asOf }
 *   (`bureauScore` / `monthlyIncome` directly on the data are read too)
 */
export const GRADING_EVENT_TYPES = ['CustomerGraded', 'CustomerProfileUpdated'] as const;

export function fromGrading(event: RecordedEvent): ObservationDraft[] {
  const d = dataOf(event);
  const base = { sourceEventId: event.eventId, on: dateOf(event, 'asOf', 'gradedOn') };
  const customerId = entityId(event, 'customerId');
  switch (event.type) {
    case 'CustomerGraded': {
      const grade = str(d.grade);
      return grade ? [{ ...base, kind: 'CustomerGraded', customerId, grade, previousGrade: str(d.previousGrade) }] : [];
    }
    case 'CustomerProfileUpdated': {
      const facts = (d.facts ?? d) as Data;
      return [{ ...base, kind: 'ProfileUpdated', customerId, bureauScore: num(facts.bureauScore), monthlyIncome: num(facts.monthlyIncome) }];
    }
    default:
      return [];
  }
}
