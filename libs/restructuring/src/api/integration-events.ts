import type { RecordedEvent } from '#kernel';
import type { IntegrationMapper } from '#messaging';
import { RESTRUCTURING_EVENT_TYPES, type RestructuringAssessed, type RestructuringRequested } from '../domain/request/events.js';

/**
 * Restructuring on Kafka: `arrears.restructuring.v1`, keyed by request id (one request's events stay
 * in order), CloudEvents type `arrears.restructuring.<EventType>`. The contract is curated: the
 * request is published without the declared income and the evidence references, the assessment as
 * its outcome, failed rules and policy version; every other event as recorded (they carry ids,
 * dates, amounts in fen and codes only).
 */
export const RESTRUCTURING_TOPIC = 'arrears.restructuring.v1';

/** The request and loan (and customer) an event is about, as the contract names them. */
const about = (d: { readonly requestId: string; readonly loanId: string; readonly customerId: string }) => ({
  requestId: d.requestId,
  loanId: d.loanId,
  customerId: d.customerId,
});

function contract(event: RecordedEvent): unknown {
  if (event.type === 'RestructuringRequested') {
    const d = (event as unknown as RestructuringRequested).data;
    return {
      ...about(d),
      type: d.type,
      terms: d.terms,
      hardshipReason: d.hardship.reasonCode,
      grade: d.grade,
      stage: d.stage,
      dpd: d.dpd,
      requestedBy: d.requestedBy,
      requestedOn: d.requestedOn,
    };
  }
  if (event.type === 'RestructuringAssessed') {
    const d = (event as unknown as RestructuringAssessed).data;
    return {
      ...about(d),
      outcome: d.outcome,
      failedRules: d.checks.filter((c) => !c.passed).map((c) => c.rule),
      policyVersion: d.policy.version,
      approvalsRequired: d.approvalsRequired,
      restructuredPrincipal: d.plan?.restructuredPrincipal ?? null,
      assessedOn: d.assessedOn,
    };
  }
  return event.data;
}

export const restructuringIntegrationEvents: IntegrationMapper[] = [
  {
    eventTypes: [...RESTRUCTURING_EVENT_TYPES],
    topic: RESTRUCTURING_TOPIC,
    map: (event) =>
      event.streamId.startsWith('restructuring.request-')
        ? { key: (event.data as { requestId: string }).requestId, type: `arrears.restructuring.${event.type}`, data: contract(event) }
        : null,
  },
];
