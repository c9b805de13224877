import type { RecordedEvent } from '#kernel';
import { RESTRUCTURING_TOPIC, restructuringIntegrationEvents } from '../src/api/integration-events.js';
import { active, history, request } from './fixtures.js';

const recorded = (event: { type: string; data: unknown }, revision = 0): RecordedEvent => ({
  eventId: `e-${revision}`,
  type: event.type,
  schemaVersion: 1,
  streamId: 'restructuring.request-r-1',
  revision,
  globalPosition: { commit: 1n, prepare: BigInt(revision) },
  data: event.data,
  metadata: { correlationId: 'c', causationId: 'c', actor: { id: 'col-1', role: 'collector' }, command: 'X', occurredAt: '2024-03-20T02:00:00Z' },
  recordedAt: '2024-03-20T02:00:00Z',
});

describe('restructuring integration events', () => {
  const [mapper] = restructuringIntegrationEvents;

  it('publishes the request without the declared income or the evidence references, keyed by request', () => {
    const [requested] = history(request());
    const out = mapper.map(recorded(requested))!;
    expect(mapper.topic).toBe(RESTRUCTURING_TOPIC);
    expect(out).toMatchObject({ key: 'r-1', type: 'arrears.restructuring.RestructuringRequested' });
    expect(out.data).toMatchObject({ requestId: 'r-1', loanId: 'L-1', customerId: 'C-1', hardshipReason: 'JOB_LOSS' });
    expect(JSON.stringify(out.data)).not.toMatch(/monthlyIncome|evidenceRefs|doc:/);
  });

  it('publishes the assessment as outcome, failed rules and policy version; the activation as recorded', () => {
    const events = active();
    const assessed = mapper.map(recorded(events[1], 1))!;
    expect(assessed.data).toEqual({
      requestId: 'r-1',
      loanId: 'L-1',
      customerId: 'C-1',
      outcome: 'PASSED',
      failedRules: [],
      policyVersion: '1',
      approvalsRequired: 1,
      restructuredPrincipal: 300_000,
      assessedOn: '2024-03-20',
    });
    const activated = events.find((e) => e.type === 'RestructuringActivated')!;
    expect(mapper.map(recorded(activated, 5))!.data).toEqual(activated.data);
    expect(mapper.map({ ...recorded(activated, 5), streamId: 'elsewhere.x-1' })).toBeNull();
  });
});
