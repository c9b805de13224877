import type { RecordedEvent } from '#kernel';
import type { IntegrationMapper } from '#messaging';
import type { ComplaintResolved } from '../domain/complaint.js';

/**
 * Self-service on Kafka: `arrears.selfservice.v1`, keyed by complaint id, CloudEvents type
 * `arrears.selfservice.<EventType>`. Published: the resolution of a complaint or dispute (its
 * outcome, the remedies granted, the cases whose hold it lifts and whether it was late), which Monitoring counts. Who
 * resolved it and the reference of the resolution letter stay in Arrears, as do the complaint's
 * raising, acknowledgement, investigation, extensions and escalations.
 */
const SELF_SERVICE_TOPIC = 'arrears.selfservice.v1';

function resolution(event: RecordedEvent): unknown {
  const d = (event as unknown as ComplaintResolved).data;
  return {
    complaintId: d.complaintId,
    customerId: d.customerId,
    kind: d.kind,
    outcome: d.outcome,
    remedies: d.remedies,
    caseIds: d.caseIds,
    resolvedOn: d.resolvedOn,
    late: d.late,
  };
}

export const selfServiceIntegrationEvents: IntegrationMapper[] = [
  {
    eventTypes: ['ComplaintResolved'],
    topic: SELF_SERVICE_TOPIC,
    map: (event) =>
      event.streamId.startsWith('selfservice.complaint-')
        ? { key: (event.data as { complaintId: string }).complaintId, type: `arrears.selfservice.${event.type}`, data: resolution(event) }
        : null,
  },
];
