import type { RecordedEvent } from '#kernel';
import type { IntegrationMapper } from '#messaging';
import type { RestructuringAssessed, RestructuringEvent, RestructuringRequested } from '../domain/request/events.js';

/**
 * Restructuring on Kafka: `arrears.restructuring.v1`, keyed by request id (one request's events stay
 * in order), CloudEvents type `arrears.restructuring.<EventType>`. The contract is curated: the
 * request is published without the declared income and the evidence references, the assessment as
 * its outcome, failed rules and policy version; every other event as recorded (they carry ids,
 * dates, amounts in fen and codes only).
 */
export const RESTRUCTURING_TOPIC = 'arrears.restructuring.v1';

const AS_RECORDED: readonly RestructuringEvent['type'][] = [
  'RestructuringApproved',
  'RestructuringRejected',
  'RestructuringOffered',
  'RestructuringAccepted',
  'RestructuringOfferExpired',
  'RestructuringActivated',
  'RestructuringActivationFailed',
  'PlanInstallmentPaid',
  'PlanInstallmentMissed',
  'PlanInstallmentPaymentReversed',
  'PlanBroken',
  'PlanCompleted',
];

function contract(event: RecordedEvent): unknown {
  if (event.type === 'RestructuringRequested') {
    const d = (event as unknown as RestructuringRequested).data;
    return {
      requestId: d.requestId,
      loanId: d.loanId,
      customerId: d.customerId,
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
      requestId: d.requestId,
      loanId: d.loanId,
      customerId: d.customerId,
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
    eventTypes: ['RestructuringRequested', 'RestructuringAssessed', ...AS_RECORDED],
    topic: RESTRUCTURING_TOPIC,
    map: (event) =>
      event.streamId.startsWith('restructuring.request-')
        ? { key: (event.data as { requestId: string }).requestId, type: `arrears.restructuring.${event.type}`, data: contract(event) }
        : null,
  },
];
