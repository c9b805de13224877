import type { RecordedEvent } from '#kernel';
import { gradingIntegrationEvents } from '../src/api/integration-events.js';

const profileUpdate = (changed: string[], streamId = 'grading.customer-c9'): RecordedEvent =>
  ({
    eventId: '00000000-0000-4000-8000-000000000009',
    type: 'CustomerProfileUpdated',
    schemaVersion: 1,
    streamId,
    revision: 3,
    data: {
      customerId: 'c9',
      facts: { bureauScore: 612, monthlyIncome: 1_250_000, monthlyObligations: 480_000, flags: { deceased: false, fraud: true } },
      changed,
      source: 'credit-bureau',
      asOf: '2026-03-04',
    },
    metadata: {},
  }) as unknown as RecordedEvent;

describe("Grading's contract for profile updates", () => {
  const [mapper] = gradingIntegrationEvents;

  it('publishes the bureau score and monthly income after a report that changed one of them, and nothing else of the profile', () => {
    const mapped = mapper.map(profileUpdate(['bureauScore', 'monthlyObligations', 'flags.fraud']));
    expect(mapped).toEqual({
      key: 'c9',
      type: 'arrears.grading.CustomerProfileUpdated',
      data: { customerId: 'c9', bureauScore: 612, monthlyIncome: 1_250_000, changed: ['bureauScore'], source: 'credit-bureau', asOf: '2026-03-04' },
    });
    expect(JSON.stringify(mapped)).not.toMatch(/fraud|deceased|Obligations|480000/);
  });

  it('publishes nothing for a report that changed only the internal facts, or for another stream', () => {
    expect(mapper.map(profileUpdate(['monthlyObligations', 'flags.deceased']))).toBeNull();
    expect(mapper.map(profileUpdate(['monthlyIncome'], 'grading.policy-c9'))).toBeNull();
  });
});
