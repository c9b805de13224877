import type { BusinessDate, DomainEvent } from '#kernel';
import { BUILTIN_RULES_VERSION, rulesProblem, type ClassificationRules } from './classification.js';
import { lifecycleDecider } from './lifecycle.js';
import { registryDecider } from './registry.js';
import { policyProblem, type PolicyDocument } from './scorecard.js';

/** Grading policies (stream `grading.policy-<policyId>`) and their registry. */
type PolicyRef = { readonly policyId: string; readonly version: number };

export type PolicyDraftProposed = DomainEvent<
  'PolicyDraftProposed',
  {
    readonly policyId: string;
    readonly version: number;
    readonly document: PolicyDocument;
    readonly reason: string;
    readonly proposedBy: string;
    readonly proposedOn: BusinessDate;
  }
>;
export type PolicyDraftRejected = DomainEvent<
  'PolicyDraftRejected',
  { readonly policyId: string; readonly version: number; readonly rejectedBy: string; readonly reason: string }
>;
export type PolicyApproved = DomainEvent<
  'PolicyApproved',
  { readonly policyId: string; readonly version: number; readonly approvedBy: string; readonly comment: string | null }
>;
export type PolicyActivated = DomainEvent<
  'PolicyActivated',
  {
    readonly policyId: string;
    readonly version: number;
    readonly effectiveFrom: BusinessDate;
    readonly supersedes: PolicyRef | null;
    readonly activatedBy: string;
  }
>;
export type PolicyRetired = DomainEvent<
  'PolicyRetired',
  {
    readonly policyId: string;
    readonly version: number;
    readonly previousStatus: string;
    readonly reason: string;
    readonly supersededBy: PolicyRef | null;
    readonly retiredBy: string;
    readonly retiredOn: BusinessDate;
  }
>;
export type PolicyEvent = PolicyDraftProposed | PolicyDraftRejected | PolicyApproved | PolicyActivated | PolicyRetired;

export const policyDecider = lifecycleDecider<PolicyDocument, PolicyEvent>({
  idField: 'policyId',
  events: {
    proposed: 'PolicyDraftProposed',
    rejected: 'PolicyDraftRejected',
    approved: 'PolicyApproved',
    activated: 'PolicyActivated',
    retired: 'PolicyRetired',
  },
  code: 'POLICY',
  noun: 'policy',
  validate: policyProblem,
});

type ActivePolicyRef = { readonly policyId: string; readonly version: number; readonly effectiveFrom: BusinessDate };
/** `clearedOn`: when a retirement cleared the pointer, its business date (absent on events recorded before it was kept). */
export type ActivePolicyChanged = DomainEvent<
  'ActivePolicyChanged',
  { readonly active: ActivePolicyRef | null; readonly previous: ActivePolicyRef | null; readonly clearedOn?: BusinessDate }
>;

export const policyRegistryDecider = registryDecider<ActivePolicyChanged>({ idField: 'policyId', changed: 'ActivePolicyChanged', noun: 'grading policy' });

/** Classification rules (stream `grading.ruleset-<rulesetId>`) and their registry. */
type RulesRef = { readonly rulesetId: string; readonly version: number };

export type ClassificationRulesProposed = DomainEvent<
  'ClassificationRulesProposed',
  {
    readonly rulesetId: string;
    readonly version: number;
    readonly document: ClassificationRules;
    readonly reason: string;
    readonly proposedBy: string;
    readonly proposedOn: BusinessDate;
  }
>;
export type ClassificationRulesRejected = DomainEvent<
  'ClassificationRulesRejected',
  { readonly rulesetId: string; readonly version: number; readonly rejectedBy: string; readonly reason: string }
>;
export type ClassificationRulesApproved = DomainEvent<
  'ClassificationRulesApproved',
  { readonly rulesetId: string; readonly version: number; readonly approvedBy: string; readonly comment: string | null }
>;
export type ClassificationRulesActivated = DomainEvent<
  'ClassificationRulesActivated',
  {
    readonly rulesetId: string;
    readonly version: number;
    readonly effectiveFrom: BusinessDate;
    readonly supersedes: RulesRef | null;
    readonly activatedBy: string;
  }
>;
export type ClassificationRulesRetired = DomainEvent<
  'ClassificationRulesRetired',
  {
    readonly rulesetId: string;
    readonly version: number;
    readonly previousStatus: string;
    readonly reason: string;
    readonly supersededBy: RulesRef | null;
    readonly retiredBy: string;
    readonly retiredOn: BusinessDate;
  }
>;
export type RulesEvent =
  ClassificationRulesProposed | ClassificationRulesRejected | ClassificationRulesApproved | ClassificationRulesActivated | ClassificationRulesRetired;

export const rulesDecider = lifecycleDecider<ClassificationRules, RulesEvent>({
  idField: 'rulesetId',
  events: {
    proposed: 'ClassificationRulesProposed',
    rejected: 'ClassificationRulesRejected',
    approved: 'ClassificationRulesApproved',
    activated: 'ClassificationRulesActivated',
    retired: 'ClassificationRulesRetired',
  },
  code: 'RULES',
  noun: 'classification rules',
  validate: rulesProblem,
});

type ActiveRulesRef = { readonly rulesetId: string; readonly version: number; readonly effectiveFrom: BusinessDate };
export type ActiveClassificationRulesChanged = DomainEvent<
  'ActiveClassificationRulesChanged',
  { readonly active: ActiveRulesRef | null; readonly previous: ActiveRulesRef | null; readonly clearedOn?: BusinessDate }
>;

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
