import type { RecordedEvent } from '#kernel';
import { GRADING_TOPIC, gradingIntegrationEvents } from '../src/api/integration-events.js';

const recorded = (streamId: string, type: string, data: unknown): RecordedEvent =>
  ({ eventId: '00000000-0000-4000-8000-000000000001', type, schemaVersion: 1, streamId, revision: 0, data, metadata: {} }) as unknown as RecordedEvent;

describe('grading integration events', () => {
  const [mapper] = gradingIntegrationEvents;

  it('publishes a grade without the factors behind it or the override flag that decided it', () => {
    const graded = recorded('grading.customer-c1', 'CustomerGraded', {
      customerId: 'c1',
      grade: 'HOLD',
      previousGrade: 'C',
      score: null,
      factors: [{ factor: 'debtToIncomeBps', value: 6_500, points: -30 }],
      override: { flag: 'deceased', action: 'hold' },
      policyId: 'consumer-2024',
      policyVersion: 2,
      asOf: '2026-03-01',
      triggerEventId: 'e1',
      triggerType: 'CustomerProfileUpdated',
      triggerPosition: '10/3',
    });
    expect(mapper.topic).toBe(GRADING_TOPIC);
    expect(mapper.map(graded)).toEqual({
      key: 'c1',
      type: 'arrears.grading.CustomerGraded',
      data: {
        customerId: 'c1',
        grade: 'HOLD',
        previousGrade: 'C',
        score: null,
        overridden: true,
        policyId: 'consumer-2024',
        policyVersion: 2,
        asOf: '2026-03-01',
        triggerType: 'CustomerProfileUpdated',
      },
    });
    expect(JSON.stringify(mapper.map(graded))).not.toMatch(/deceased|debtToIncome/);
  });

  it('publishes a loan classification keyed by loan, and nothing for governance events', () => {
    const classified = recorded('grading.loan-l1', 'LoanClassified', {
      loanId: 'l1',
      customerId: 'c1',
      category: 'substandard',
      previous: 'special_mention',
      rule: 'overdue.over-substandard-days',
      rulesVersion: '1',
      dpd: 95,
      observation: null,
      asOf: '2026-03-01',
      triggerEventId: 'e2',
      triggerType: 'DelinquencyStageChanged',
      triggerPosition: null,
    });
    expect(mapper.map(classified)).toMatchObject({
      key: 'l1',
      type: 'arrears.grading.LoanClassified',
      data: { category: 'substandard', rule: 'overdue.over-substandard-days', dpd: 95 },
    });
    expect(mapper.map(recorded('grading.policy-p1', 'PolicyApproved', { policyId: 'p1', version: 1 }))).toBeNull();
  });
});
