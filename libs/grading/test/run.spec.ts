import { deciderSpec } from '#kernel/testing';
import { runDecider, type RunEvent } from '../src/domain/run.js';

const spec = deciderSpec(runDecider);
const cause = { type: 'policy-activated' as const, activationEventId: 'e-1', policyId: 'P1', rulesetId: null, version: 1 };
const started: RunEvent = { type: 'PortfolioRunStarted', data: { runId: 'R1', kind: 'regrade', asOf: '2026-03-02', cause, requestedBy: 'rm-bob' } };
const progressed = (cursor: string, processed: number, changed: number): RunEvent => ({
  type: 'PortfolioRunProgressed',
  data: { runId: 'R1', cursor, processed, changed, total: 2_000 },
});

describe('portfolio runs', () => {
  it('starts once: starting it again changes nothing', () => {
    spec.given([]).when({ type: 'StartRun', runId: 'R1', kind: 'regrade', asOf: '2026-03-02', cause, requestedBy: 'rm-bob' }).then([started]);
    spec.given([started]).when({ type: 'StartRun', runId: 'R1', kind: 'regrade', asOf: '2026-03-02', cause, requestedBy: 'rm-bob' }).then([]);
  });

  it('records progress per batch, adding up, and never records the same batch twice (resume after a crash)', () => {
    spec
      .given([started])
      .when({ type: 'RecordProgress', runId: 'R1', cursor: 'C0999', processedInBatch: 1_000, changedInBatch: 800, total: 2_000 })
      .then([progressed('C0999', 1_000, 800)]);
    spec
      .given([started, progressed('C0999', 1_000, 800)])
      .when({ type: 'RecordProgress', runId: 'R1', cursor: 'C1999', processedInBatch: 1_000, changedInBatch: 700, total: 2_000 })
      .then([progressed('C1999', 2_000, 1_500)]);
    spec
      .given([started, progressed('C0999', 1_000, 800)])
      .when({ type: 'RecordProgress', runId: 'R1', cursor: 'C0999', processedInBatch: 1_000, changedInBatch: 0, total: 2_000 })
      .then([]);
  });

  it('completes with its totals, or as superseded by a newer run', () => {
    spec
      .given([started, progressed('C0999', 1_000, 800)])
      .when({ type: 'CompleteRun', runId: 'R1', supersededBy: null })
      .then([{ type: 'PortfolioRunCompleted', data: { runId: 'R1', processed: 1_000, changed: 800, outcome: 'completed', supersededBy: null } }]);
    spec.given([started]).when({ type: 'CompleteRun', runId: 'R1', supersededBy: 'R2' }).thenTypes(['PortfolioRunCompleted']);
    spec.given([]).when({ type: 'CompleteRun', runId: 'R1', supersededBy: null }).thenError('RUN_NOT_FOUND');
  });
});
