import { deciderSpec } from '#kernel/testing';
import { DEFAULT_PLACEMENT_POLICY, type PlacementPolicy } from '../src/domain/placement.js';
import { placementRuleDecider, placementRuleOn, type PlacementRuleEvent } from '../src/domain/placement-rule.js';

const rule: PlacementPolicy = { ...DEFAULT_PLACEMENT_POLICY, version: 'placement-2026.2', stages: ['M3', 'M4'], termDays: 60, selection: 'BEST_PERFORMANCE' };
const proposed: PlacementRuleEvent = { type: 'PlacementRuleProposed', data: { rule, proposedBy: 'rm-1', proposedOn: '2026-03-01' } };
const approved: PlacementRuleEvent = {
  type: 'PlacementRuleApproved',
  data: { version: 'placement-2026.2', proposedBy: 'rm-1', approvedBy: 'rm-2', inForceFrom: '2026-03-02' },
};

describe('the placement rule under maker-checker', () => {
  const spec = deciderSpec(placementRuleDecider);

  it('is proposed by one risk manager and in force only once another approves it', () => {
    spec
      .given([])
      .when({ type: 'ProposePlacementRule', data: { rule, by: 'rm-1', onDate: '2026-03-01' } })
      .then([proposed]);
    spec
      .given([proposed])
      .when({ type: 'ApprovePlacementRule', data: { version: 'placement-2026.2', by: 'rm-1', onDate: '2026-03-02' } })
      .thenError('MAKER_CANNOT_CHECK');
    spec
      .given([proposed])
      .when({ type: 'RejectPlacementRule', data: { version: 'placement-2026.2', by: 'rm-1', reason: 'mine' } })
      .thenError('MAKER_CANNOT_CHECK');
    spec
      .given([proposed])
      .when({ type: 'ApprovePlacementRule', data: { version: 'placement-2026.2', by: 'rm-2', onDate: '2026-03-02' } })
      .then([approved]);
  });

  it('keeps one proposal pending at a time, never reuses a version, and approves only the version pending', () => {
    const other = { ...rule, version: 'placement-2026.3' };
    spec
      .given([proposed])
      .when({ type: 'ProposePlacementRule', data: { rule: other, by: 'rm-1', onDate: '2026-03-01' } })
      .thenError('PLACEMENT_RULE_PENDING');
    spec
      .given([proposed, approved])
      .when({ type: 'ProposePlacementRule', data: { rule, by: 'rm-1', onDate: '2026-03-03' } })
      .thenError('PLACEMENT_RULE_VERSION_EXISTS');
    spec
      .given([])
      .when({ type: 'ProposePlacementRule', data: { rule: DEFAULT_PLACEMENT_POLICY, by: 'rm-1', onDate: '2026-03-01' } })
      .thenError('PLACEMENT_RULE_VERSION_EXISTS');
    spec
      .given([proposed])
      .when({ type: 'ApprovePlacementRule', data: { version: 'placement-2026.3', by: 'rm-2', onDate: '2026-03-02' } })
      .thenError('PLACEMENT_RULE_NOT_PENDING');
    spec
      .given([proposed, approved])
      .when({ type: 'ApprovePlacementRule', data: { version: 'placement-2026.2', by: 'rm-2', onDate: '2026-03-02' } })
      .thenError('PLACEMENT_RULE_NOT_PENDING');
  });

  it('refuses a rule with no stage, a repeated stage or a term out of range', () => {
    for (const bad of [
      { ...rule, stages: [] },
      { ...rule, stages: ['M3', 'M3'] as PlacementPolicy['stages'] },
      { ...rule, termDays: 0 },
    ])
      spec
        .given([])
        .when({ type: 'ProposePlacementRule', data: { rule: bad, by: 'rm-1', onDate: '2026-03-01' } })
        .thenError('PLACEMENT_RULE_INVALID');
  });

  it('is the built-in rule until a version is approved, then the approved version from the day of its approval', () => {
    const fold = (events: PlacementRuleEvent[]) => events.reduce(placementRuleDecider.evolve, placementRuleDecider.initialState());
    expect(placementRuleOn(fold([proposed]), '2026-03-05').version).toBe('placement-2026.1');
    const state = fold([proposed, approved]);
    expect(placementRuleOn(state, '2026-03-01').version).toBe('placement-2026.1');
    expect(placementRuleOn(state, '2026-03-02')).toEqual(rule);
    const rejected = fold([proposed, { type: 'PlacementRuleRejected', data: { version: 'placement-2026.2', rejectedBy: 'rm-2', reason: 'too short' } }]);
    expect(placementRuleOn(rejected, '2026-12-31').version).toBe('placement-2026.1');
    expect(rejected.pending).toBeNull();
  });
});
