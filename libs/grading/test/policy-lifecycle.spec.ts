import { deciderSpec } from '#kernel/testing';
import { DEFAULT_POLICY } from '../src/domain/default-policy.js';
import { DEFAULT_RULES } from '../src/domain/classification.js';
import { policyDecider, policyRegistryDecider, rulesDecider, type PolicyEvent } from '../src/domain/policies.js';

const spec = deciderSpec(policyDecider);
const proposed = (version = 1, proposedBy = 'rm-alice'): PolicyEvent => ({
  type: 'PolicyDraftProposed',
  data: { policyId: 'P1', version, document: DEFAULT_POLICY, reason: 'tighter DPD bins', proposedBy, proposedOn: '2026-03-01' },
});
const approved = (version = 1, approvedBy = 'rm-bob'): PolicyEvent => ({
  type: 'PolicyApproved',
  data: { policyId: 'P1', version, approvedBy, comment: null },
});
const activated: PolicyEvent = {
  type: 'PolicyActivated',
  data: { policyId: 'P1', version: 1, effectiveFrom: '2026-03-02', supersedes: null, activatedBy: 'rm-bob' },
};

describe('grading policy lifecycle (maker-checker)', () => {
  it('a risk manager proposes version 1 with a reason', () => {
    spec
      .given([])
      .when({ type: 'Propose', id: 'P1', document: DEFAULT_POLICY, reason: 'tighter DPD bins', actorId: 'rm-alice', on: '2026-03-01' })
      .then([proposed()]);
  });

  it('refuses an invalid scorecard', () => {
    const broken = { ...DEFAULT_POLICY, thresholds: { A: 500, B: 600, C: 400, D: 300 } };
    spec.given([]).when({ type: 'Propose', id: 'P1', document: broken, reason: 'x', actorId: 'rm-alice', on: '2026-03-01' }).thenError('POLICY_INVALID');
  });

  it('the proposer cannot approve (or reject) their own draft', () => {
    const err = spec.given([proposed()]).when({ type: 'Approve', id: 'P1', version: 1, comment: null, actorId: 'rm-alice' }).thenError('MAKER_CANNOT_CHECK');
    expect(err.category).toBe('forbidden');
    spec.given([proposed()]).when({ type: 'Reject', id: 'P1', version: 1, reason: 'no', actorId: 'rm-alice' }).thenError('MAKER_CANNOT_CHECK');
  });

  it('another risk manager approves the version they reviewed', () => {
    spec.given([proposed()]).when({ type: 'Approve', id: 'P1', version: 1, comment: null, actorId: 'rm-bob' }).then([approved()]);
  });

  it('approving a version other than the latest draft is a conflict', () => {
    spec
      .given([proposed(1), proposed(2)])
      .when({ type: 'Approve', id: 'P1', version: 1, comment: null, actorId: 'rm-bob' })
      .thenError('POLICY_VERSION_MISMATCH');
  });

  it('a rejected draft is revised as the next version, whose proposer is the new maker', () => {
    const rejected: PolicyEvent = { type: 'PolicyDraftRejected', data: { policyId: 'P1', version: 1, rejectedBy: 'rm-bob', reason: 'too lax' } };
    spec
      .given([proposed(), rejected])
      .when({ type: 'Propose', id: 'P1', document: DEFAULT_POLICY, reason: 'tighter DPD bins', actorId: 'rm-bob', on: '2026-03-01' })
      .then([proposed(2, 'rm-bob')]);
    spec
      .given([proposed(), rejected, proposed(2, 'rm-bob')])
      .when({ type: 'Approve', id: 'P1', version: 2, comment: null, actorId: 'rm-bob' })
      .thenError('MAKER_CANNOT_CHECK');
    spec
      .given([proposed(), rejected, proposed(2, 'rm-bob')])
      .when({ type: 'Approve', id: 'P1', version: 2, comment: null, actorId: 'rm-alice' })
      .thenTypes(['PolicyApproved']);
  });

  it('an approved or active policy is no longer edited: a change is a new policy', () => {
    spec
      .given([proposed(), approved()])
      .when({ type: 'Propose', id: 'P1', document: DEFAULT_POLICY, reason: 'x', actorId: 'rm-alice', on: '2026-03-01' })
      .thenError('POLICY_NOT_EDITABLE');
  });

  it('only an approved version is activated, once; activating it again the same way changes nothing', () => {
    spec
      .given([proposed()])
      .when({ type: 'Activate', id: 'P1', effectiveFrom: '2026-03-02', supersedes: null, actorId: 'rm-bob' })
      .thenError('POLICY_NOT_APPROVED');
    spec
      .given([proposed(), approved()])
      .when({ type: 'Activate', id: 'P1', effectiveFrom: '2026-03-02', supersedes: null, actorId: 'rm-bob' })
      .then([activated]);
    spec
      .given([proposed(), approved(), activated])
      .when({ type: 'Activate', id: 'P1', effectiveFrom: '2026-03-02', supersedes: null, actorId: 'rm-bob' })
      .then([]);
    spec
      .given([proposed(), approved(), activated])
      .when({ type: 'Activate', id: 'P1', effectiveFrom: '2026-03-09', supersedes: null, actorId: 'rm-bob' })
      .thenError('POLICY_NOT_APPROVED');
  });

  it('retirement records what it was and what supersedes it; retiring twice changes nothing', () => {
    const retire = {
      type: 'Retire' as const,
      id: 'P1',
      reason: 'superseded by P2@1',
      supersededBy: { id: 'P2', version: 1 },
      actorId: 'rm-carol',
      on: '2026-04-01',
    };
    spec
      .given([proposed(), approved(), activated])
      .when(retire)
      .then([
        {
          type: 'PolicyRetired',
          data: {
            policyId: 'P1',
            version: 1,
            previousStatus: 'active',
            reason: 'superseded by P2@1',
            supersededBy: { policyId: 'P2', version: 1 },
            retiredBy: 'rm-carol',
            retiredOn: '2026-04-01',
          },
        },
      ]);
    const retired = policyDecider.decide(retire, spec.given([proposed(), approved(), activated]).state) as PolicyEvent[];
    spec
      .given([proposed(), approved(), activated, ...retired])
      .when(retire)
      .then([]);
    spec
      .given([proposed(), approved(), activated, ...retired])
      .when({ type: 'Activate', id: 'P1', effectiveFrom: '2026-03-02', supersedes: null, actorId: 'rm-bob' })
      .thenError('POLICY_NOT_APPROVED');
  });

  it('an unknown policy cannot be reviewed', () => {
    spec.given([]).when({ type: 'Approve', id: 'P1', version: 1, comment: null, actorId: 'rm-bob' }).thenError('POLICY_NOT_FOUND');
  });

  it('classification rules follow the same lifecycle, and may not be laxer than the measures', () => {
    const rules = deciderSpec(rulesDecider);
    rules
      .given([])
      .when({ type: 'Propose', id: 'R1', document: DEFAULT_RULES, reason: 'the 2023 measures', actorId: 'rm-alice', on: '2026-03-01' })
      .thenTypes(['ClassificationRulesProposed']);
    const lax = { ...DEFAULT_RULES, substandardOverDpd: 120 };
    rules.given([]).when({ type: 'Propose', id: 'R1', document: lax, reason: 'x', actorId: 'rm-alice', on: '2026-03-01' }).thenError('RULES_INVALID');
    const short = { ...DEFAULT_RULES, restructuring: { ...DEFAULT_RULES.restructuring, observationMonths: 6 } };
    rules.given([]).when({ type: 'Propose', id: 'R1', document: short, reason: 'x', actorId: 'rm-alice', on: '2026-03-01' }).thenError('RULES_INVALID');
    const strict = { ...DEFAULT_RULES, substandardOverDpd: 60 };
    const [p] = rulesDecider.decide(
      { type: 'Propose', id: 'R1', document: strict, reason: 'stricter', actorId: 'rm-alice', on: '2026-03-01' },
      rulesDecider.initialState(),
    ) as any[];
    rules.given([p]).when({ type: 'Approve', id: 'R1', version: 1, comment: null, actorId: 'rm-alice' }).thenError('MAKER_CANNOT_CHECK');
  });
});

describe('the active-policy registry', () => {
  const registry = deciderSpec(policyRegistryDecider);
  const p1 = { type: 'ActivePolicyChanged' as const, data: { active: { policyId: 'P1', version: 1, effectiveFrom: '2026-03-02' }, previous: null } };

  it('activation points at the new version and records the one it supersedes', () => {
    registry.given([]).when({ type: 'SetActive', id: 'P1', version: 1, effectiveFrom: '2026-03-02', businessDate: '2026-03-02' }).then([p1]);
    registry
      .given([p1])
      .when({ type: 'SetActive', id: 'P2', version: 3, effectiveFrom: '2026-04-01', businessDate: '2026-04-01' })
      .then([
        {
          type: 'ActivePolicyChanged',
          data: { active: { policyId: 'P2', version: 3, effectiveFrom: '2026-04-01' }, previous: { policyId: 'P1', version: 1, effectiveFrom: '2026-03-02' } },
        },
      ]);
  });

  it('activating the active version again changes nothing', () => {
    registry.given([p1]).when({ type: 'SetActive', id: 'P1', version: 1, effectiveFrom: '2026-03-02', businessDate: '2026-03-05' }).then([]);
  });

  it('a policy takes effect when activated: not later, and never before the one in force', () => {
    registry
      .given([])
      .when({ type: 'SetActive', id: 'P1', version: 1, effectiveFrom: '2026-03-03', businessDate: '2026-03-02' })
      .thenError('EFFECTIVE_DATE_IN_FUTURE');
    registry
      .given([p1])
      .when({ type: 'SetActive', id: 'P2', version: 1, effectiveFrom: '2026-03-01', businessDate: '2026-04-01' })
      .thenError('EFFECTIVE_DATE_BEFORE_CURRENT');
  });

  it('a policy cannot take effect before the open business date', () => {
    registry
      .given([p1])
      .when({ type: 'SetActive', id: 'P2', version: 1, effectiveFrom: '2026-03-31', businessDate: '2026-04-01' })
      .thenError('EFFECTIVE_DATE_IN_PAST');
    registry
      .given([])
      .when({ type: 'SetActive', id: 'P1', version: 1, effectiveFrom: '2020-01-01', businessDate: '2026-04-01' })
      .thenError('EFFECTIVE_DATE_IN_PAST');
  });

  it('retiring the active policy clears the pointer; clearing another changes nothing', () => {
    registry
      .given([p1])
      .when({ type: 'ClearActive', id: 'P1', version: 1, on: '2026-03-20' })
      .then([{ type: 'ActivePolicyChanged', data: { active: null, previous: p1.data.active, clearedOn: '2026-03-20' } }]);
    registry.given([p1]).when({ type: 'ClearActive', id: 'P9', version: 1, on: '2026-03-20' }).then([]);
  });
});
