import type { Actor } from '#kernel';
import { deciderSpec } from '#kernel/testing';
import { policyBookDecider, type ApprovePolicy, type ProposePolicy } from '../src/domain/policy-book.js';
import { DEFAULT_RESTRUCTURING_POLICY, type RestructuringPolicy } from '../src/domain/policy.js';

const spec = deciderSpec(policyBookDecider);
const maker: Actor = { id: 'rm-1', role: 'risk_manager' };
const checker: Actor = { id: 'rm-2', role: 'risk_manager' };
const propose = (policy: RestructuringPolicy, proposedBy: Actor = maker): ProposePolicy => ({
  type: 'ProposePolicy',
  data: { policy, proposedBy, businessDate: '2024-06-01' },
});
const approve = (version: string, approvedBy: Actor = checker): ApprovePolicy => ({
  type: 'ApprovePolicy',
  data: { version, approvedBy, businessDate: '2024-06-02' },
});
const v2: RestructuringPolicy = { ...DEFAULT_RESTRUCTURING_POLICY, version: '2', affordabilityShareBps: 4_000 };

describe('restructuring policy book (maker-checker)', () => {
  it('starts with the built-in policy in force', () => {
    expect(spec.given([]).state.current).toEqual(DEFAULT_RESTRUCTURING_POLICY);
  });

  it('a proposal is not in force; the approval of another risk manager puts it in force', () => {
    const proposed = spec
      .given([])
      .when(propose(v2))
      .then([{ type: 'RestructuringPolicyProposed', data: { policy: v2, proposedBy: 'rm-1', proposedOn: '2024-06-01' } }]);
    expect(spec.given(proposed).state.current).toEqual(DEFAULT_RESTRUCTURING_POLICY);
    const published = spec
      .given(proposed)
      .when(approve('2'))
      .then([{ type: 'RestructuringPolicyPublished', data: { policy: v2, publishedBy: 'rm-1', publishedOn: '2024-06-02', approvedBy: 'rm-2' } }]);
    const book = spec.given([...proposed, ...published]).state;
    expect([book.current.affordabilityShareBps, book.pending]).toEqual([4_000, {}]);
    spec
      .given([...proposed, ...published])
      .when(approve('2'))
      .then([]);
  });

  it('the maker cannot approve their own proposal', () => {
    const proposed = spec.given([]).when(propose(v2)).thenTypes(['RestructuringPolicyProposed']);
    spec.given(proposed).when(approve('2', maker)).thenError('MAKER_CANNOT_CHECK');
  });

  it('a book published before the maker-checker stays readable and in force', () => {
    const legacy = { type: 'RestructuringPolicyPublished' as const, data: { policy: v2, publishedBy: 'rm-1', publishedOn: '2024-06-01' } };
    expect(spec.given([legacy]).state.current).toEqual(v2);
    spec.given([legacy]).when(propose(v2)).thenError('POLICY_VERSION_EXISTS');
  });

  it.each<[string, ProposePolicy | ApprovePolicy, string]>([
    ['a version already used', propose({ ...v2, version: '1' }), 'POLICY_VERSION_EXISTS'],
    ['inconsistent tenor limits', propose({ ...v2, minTenorMonths: 12, maxTenorMonths: 6 }), 'INVALID_POLICY'],
    ['an unknown grade', propose({ ...v2, eligibleGrades: { ...v2.eligibleGrades, DEFERRAL: ['Z' as never] } }), 'INVALID_POLICY'],
    ['a collector proposing', propose(v2, { id: 'col-1', role: 'collector' }), 'RISK_MANAGER_REQUIRED'],
    ['a supervisor approving', approve('2', { id: 'sup-1', role: 'supervisor' }), 'RISK_MANAGER_REQUIRED'],
    ['approving a version nobody proposed', approve('9'), 'POLICY_VERSION_NOT_PROPOSED'],
  ])('refuses %s', (_name, command, code) => {
    spec.given([]).when(command).thenError(code);
  });

  it('never reuses a version, proposed or published, so a version always names the same rules', () => {
    const proposed = spec.given([]).when(propose(v2)).thenTypes(['RestructuringPolicyProposed']);
    spec
      .given(proposed)
      .when(propose({ ...v2, graceDays: 5 }, checker))
      .thenError('POLICY_VERSION_EXISTS');
  });
});
