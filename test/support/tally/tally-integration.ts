/**
 * The tally's integration events on `arrears.tally.v1` (test-only context). Kept apart from the
 * Nest module so that a bare relay process (test/support/kafka/relay-worker.ts) loads quickly.
 */
import type { RecordedEvent } from '#kernel';
import type { IntegrationMapper } from '#messaging';

export const TALLY_TOPIC = 'arrears.tally.v1';

const SCHEMAS = 'https://arrears.dev/asyncapi/tally#/components/schemas';

/** TallyOpened and AmountAdded, published as `arrears.tally.TallyOpened` / `.AmountAdded` (v1). */
export const tallyIntegrationEvents: IntegrationMapper[] = [
  {
    eventTypes: ['TallyOpened', 'AmountAdded'],
    topic: TALLY_TOPIC,
    map(event: RecordedEvent) {
      switch (event.type) {
        case 'TallyOpened': {
          const d = event.data as { tallyId: string; limit: number };
          return { key: d.tallyId, type: 'arrears.tally.TallyOpened', dataschema: `${SCHEMAS}/TallyOpenedV1`, data: { tallyId: d.tallyId, limit: d.limit } };
        }
        case 'AmountAdded': {
          const d = event.data as { tallyId: string; amount: number };
          return { key: d.tallyId, type: 'arrears.tally.AmountAdded', dataschema: `${SCHEMAS}/AmountAddedV1`, data: { tallyId: d.tallyId, amount: d.amount } };
        }
        default:
          return null;
      }
    },
  },
];
