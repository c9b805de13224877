import { deciderSpec } from '#kernel/testing';
import { policyBookDecider, type PublishPolicy } from '../src/domain/policy-book.js';
import { DEFAULT_RESTRUCTURING_POLICY, type RestructuringPolicy } from '../src/domain/policy.js';

const spec = deciderSpec(policyBookDecider);
const riskManager = { id: 'rm-1', role: 'risk_manager' as const };
const publish = (policy: RestructuringPolicy, publishedBy: { id: string; role: 'risk_manager' } = riskManager): PublishPolicy => ({ type: 'PublishPolicy', data: { policy, publishedBy, businessDate: '2024-06-01' } });
const v2: RestructuringPolicy = { ...DEFAULT_RESTRUCTURING_POLICY, version: '2', affordabilityShareBps: 4_000 };

describe('restructuring policy book', () => {
  it('starts with the built-in policy in force', () => {
    expect(spec.given([]).state.current).toEqual(DEFAULT_RESTRUCTURING_POLICY);
  });

  it('a risk manager publishes a new version, which is then in force', () => {
    const events = spec.given([]).when(publish(v2)).then([{ type: 'RestructuringPolicyPublished', data: { policy: v2, publishedBy: 'rm-1', publishedOn: '2024-06-01' } }]);
    expect(spec.given(events).state.current.affordabilityShareBps).toBe(4_000);
  });

  it.each<[string, PublishPolicy, string]>([
    ['a version already used', publish({ ...v2, version: '1' }), 'POLICY_VERSION_EXISTS'],
    ['inconsistent tenor limits', publish({ ...v2, minTenorMonths: 12, maxTenorMonths: 6 }), 'INVALID_POLICY'],
    ['an unknown grade', publish({ ...v2, eligibleGrades: { ...v2.eligibleGrades, DEFERRAL: ['Z' as never] } }), 'INVALID_POLICY'],
    ['a collector', publish(v2, { id: 'col-1', role: 'collector' as never }), 'RISK_MANAGER_REQUIRED'],
  ])('refuses %s', (_name, command, code) => {
    spec.given([]).when(command).thenError(code);
  });

  it('never reuses a version, so a version always names the same rules', () => {
    const events = spec.given([]).when(publish(v2)).thenTypes(['RestructuringPolicyPublished']);
    spec.given(events).when(publish({ ...v2, graceDays: 5 })).thenError('POLICY_VERSION_EXISTS');
  });
});
