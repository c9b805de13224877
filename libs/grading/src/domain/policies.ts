import { BUILTIN_RULES_VERSION, rulesProblem, type ClassificationRules } from './classification.js';
import { lifecycleDecider, type LifecycleEvents } from './lifecycle.js';
import { registryDecider, type RegistryChanged } from './registry.js';
import { policyProblem, type PolicyDocument } from './scorecard.js';

/** Grading policies (stream `grading.policy-<policyId>`) and their registry. */
const POLICY_EVENTS = {
  proposed: 'PolicyDraftProposed',
  rejected: 'PolicyDraftRejected',
  approved: 'PolicyApproved',
  activated: 'PolicyActivated',
  retired: 'PolicyRetired',
} as const;
type PolicyEvents = LifecycleEvents<'policyId', PolicyDocument, typeof POLICY_EVENTS>;
export type PolicyDraftProposed = PolicyEvents['proposed'];
export type PolicyDraftRejected = PolicyEvents['rejected'];
export type PolicyApproved = PolicyEvents['approved'];
export type PolicyActivated = PolicyEvents['activated'];
export type PolicyRetired = PolicyEvents['retired'];
export type PolicyEvent = PolicyEvents[keyof PolicyEvents];

export const policyDecider = lifecycleDecider<PolicyDocument, PolicyEvent>({
  idField: 'policyId',
  events: POLICY_EVENTS,
  code: 'POLICY',
  noun: 'policy',
  validate: policyProblem,
});

/** `clearedOn`: when a retirement cleared the pointer, its business date (absent on events recorded before it was kept). */
export type ActivePolicyChanged = RegistryChanged<'ActivePolicyChanged', 'policyId'>;

export const policyRegistryDecider = registryDecider<ActivePolicyChanged>({ idField: 'policyId', changed: 'ActivePolicyChanged', noun: 'grading policy' });

/** Classification rules (stream `grading.ruleset-<rulesetId>`) and their registry. */
const RULES_EVENTS = {
  proposed: 'ClassificationRulesProposed',
  rejected: 'ClassificationRulesRejected',
  approved: 'ClassificationRulesApproved',
  activated: 'ClassificationRulesActivated',
  retired: 'ClassificationRulesRetired',
} as const;
type RulesEvents = LifecycleEvents<'rulesetId', ClassificationRules, typeof RULES_EVENTS>;
export type ClassificationRulesProposed = RulesEvents['proposed'];
export type ClassificationRulesRejected = RulesEvents['rejected'];
export type ClassificationRulesApproved = RulesEvents['approved'];
export type ClassificationRulesActivated = RulesEvents['activated'];
export type ClassificationRulesRetired = RulesEvents['retired'];
export type RulesEvent = RulesEvents[keyof RulesEvents];

export const rulesDecider = lifecycleDecider<ClassificationRules, RulesEvent>({
  idField: 'rulesetId',
  events: RULES_EVENTS,
  code: 'RULES',
  noun: 'classification rules',
  validate: rulesProblem,
});

export type ActiveClassificationRulesChanged = RegistryChanged<'ActiveClassificationRulesChanged', 'rulesetId'>;

export const rulesRegistryDecider = registryDecider<ActiveClassificationRulesChanged>({
  idField: 'rulesetId',
  changed: 'ActiveClassificationRulesChanged',
  noun: 'classification rules version',
});

/** Stream names. */
export const streams = {
  policy: (policyId: string) => `grading.policy-${policyId}`,
  policyRegistry: 'grading.policies-registry',
  ruleset: (rulesetId: string) => `grading.ruleset-${rulesetId}`,
  rulesRegistry: 'grading.rulesets-registry',
  customer: (customerId: string) => `grading.customer-${customerId}`,
  loan: (loanId: string) => `grading.loan-${loanId}`,
  run: (runId: string) => `grading.run-${runId}`,
} as const;

/** `rulesetId@version`, or the built-in version when none is active. */
export function rulesVersionOf(ref: { id: string; version: number } | null): string {
  return ref ? `${ref.id}@${ref.version}` : BUILTIN_RULES_VERSION;
}
