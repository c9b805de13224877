import type { IntegrationMapper } from '#messaging';
import { AGENCY_EVENT_TYPES } from '../domain/agency.js';
import { PLACEMENT_EVENT_TYPES } from '../domain/placement.js';

/**
 * Agencies on Kafka: `arrears.agencies.v1`, CloudEvents type `arrears.agencies.<EventType>`, every
 * event as recorded (ids, dates, codes, amounts in fen). Agency events are keyed by agency id,
 * placement events by case id (one case's placements, recoveries and commissions stay in order).
 * Accounting reads the commission of each payment from RecoveryAttributed and its reversal from
 * RecoveryReversed.
 */
export const AGENCIES_TOPIC = 'arrears.agencies.v1';

export const agenciesIntegrationEvents: IntegrationMapper[] = [
  {
    eventTypes: [...AGENCY_EVENT_TYPES, ...PLACEMENT_EVENT_TYPES],
    topic: AGENCIES_TOPIC,
    map(event) {
      if (event.streamId.startsWith('agencies.agency-'))
        return { key: (event.data as { agencyId: string }).agencyId, type: `arrears.agencies.${event.type}`, data: event.data };
      if (event.streamId.startsWith('agencies.placement-'))
        return { key: (event.data as { caseId: string }).caseId, type: `arrears.agencies.${event.type}`, data: event.data };
      return null;
    },
  },
];
