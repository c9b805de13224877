import { compareDates, domainError, fourEyes, type BusinessDate, type Decider, type DomainError, type EventsOf } from '#kernel';
import { AGENCY_STAGES } from './agency.js';
import { DEFAULT_PLACEMENT_POLICY, type PlacementPolicy } from './placement.js';

/**
 * The placement rule under maker-checker (stream `agencies.rules-placement`): which stages the rule
 * places, how recently a kept promise holds a case back, the term, how an agency is chosen and the
 * debtor's notice. A risk manager proposes a version; it is in force only once a different risk
 * manager approves it (403 `MAKER_CANNOT_CHECK` for its proposer), from the business date of the
 * approval. One proposal is pending at a time and a version is never reused. Until a version is
 * approved the built-in `placement-2026.1` is in force.
 */
export const PLACEMENT_RULE_STREAM = 'agencies.rules-placement';

/** Each placement rule event's data, by event type. */
interface PlacementRuleEventData {
  readonly PlacementRuleProposed: { readonly rule: PlacementPolicy; readonly proposedBy: string; readonly proposedOn: BusinessDate };
  readonly PlacementRuleApproved: { readonly version: string; readonly proposedBy: string; readonly approvedBy: string; readonly inForceFrom: BusinessDate };
  readonly PlacementRuleRejected: { readonly version: string; readonly rejectedBy: string; readonly reason: string };
}

export type PlacementRuleEvent = EventsOf<PlacementRuleEventData>;

export interface PlacementRuleState {
  readonly pending: { readonly rule: PlacementPolicy; readonly proposedBy: string; readonly proposedOn: BusinessDate } | null;
  /** Every version proposed, approved or not (a version is never reused). */
  readonly versions: readonly string[];
  /** The approved versions in the order approved, each from its first day. */
  readonly approved: readonly {
    readonly rule: PlacementPolicy;
    readonly inForceFrom: BusinessDate;
    readonly approvedBy: string;
    readonly proposedBy: string;
  }[];
}

export type PlacementRuleCommand =
  | { readonly type: 'ProposePlacementRule'; readonly data: { readonly rule: PlacementPolicy; readonly by: string; readonly onDate: BusinessDate } }
  | { readonly type: 'ApprovePlacementRule'; readonly data: { readonly version: string; readonly by: string; readonly onDate: BusinessDate } }
  | { readonly type: 'RejectPlacementRule'; readonly data: { readonly version: string; readonly by: string; readonly reason: string } };

/** The rule in force on a business date: the last version approved by then, else the built-in one. */
export function placementRuleOn(state: PlacementRuleState, date: BusinessDate): PlacementPolicy {
  let inForce: PlacementPolicy = DEFAULT_PLACEMENT_POLICY;
  for (const a of state.approved) if (compareDates(a.inForceFrom, date) <= 0) inForce = a.rule;
  return inForce;
}

function ruleProblem(rule: PlacementPolicy): DomainError | null {
  const invalid = (message: string, details: Record<string, unknown>) => domainError('PLACEMENT_RULE_INVALID', message, details);
  if (!rule.stages.length || new Set(rule.stages).size !== rule.stages.length || rule.stages.some((s) => !(AGENCY_STAGES as readonly string[]).includes(s)))
    return invalid('the rule places one or more distinct stages', { stages: rule.stages });
  if (!Number.isInteger(rule.termDays) || rule.termDays < 1 || rule.termDays > 365) return invalid('termDays is 1-365', { termDays: rule.termDays });
  if (!Number.isInteger(rule.noPromiseKeptDays) || rule.noPromiseKeptDays < 0 || rule.noPromiseKeptDays > 365)
    return invalid('noPromiseKeptDays is 0-365', { noPromiseKeptDays: rule.noPromiseKeptDays });
  return null;
}

function decidePlacementRule(command: PlacementRuleCommand, state: PlacementRuleState): readonly PlacementRuleEvent[] | DomainError {
  switch (command.type) {
    case 'ProposePlacementRule': {
      const { rule, by, onDate } = command.data;
      if (rule.version === DEFAULT_PLACEMENT_POLICY.version || state.versions.includes(rule.version))
        return domainError('PLACEMENT_RULE_VERSION_EXISTS', `placement rule ${rule.version} exists`, { version: rule.version }, 'conflict');
      if (state.pending)
        return domainError(
          'PLACEMENT_RULE_PENDING',
          `placement rule ${state.pending.rule.version} awaits its checker`,
          { pending: state.pending.rule.version },
          'conflict',
        );
      const problem = ruleProblem(rule);
      if (problem) return problem;
      return [{ type: 'PlacementRuleProposed', data: { rule, proposedBy: by, proposedOn: onDate } }];
    }
    case 'ApprovePlacementRule':
    case 'RejectPlacementRule': {
      const { version, by } = command.data;
      if (!state.pending || state.pending.rule.version !== version)
        return domainError('PLACEMENT_RULE_NOT_PENDING', `no placement rule ${version} awaits a checker`, { version }, 'not_found');
      const proposedBy = state.pending.proposedBy;
      const sameHands = fourEyes(by, [proposedBy], 'whoever proposed a placement rule cannot approve or reject it', { proposedBy });
      if (sameHands) return sameHands;
      if (command.type === 'RejectPlacementRule') return [{ type: 'PlacementRuleRejected', data: { version, rejectedBy: by, reason: command.data.reason } }];
      return [{ type: 'PlacementRuleApproved', data: { version, proposedBy, approvedBy: by, inForceFrom: command.data.onDate } }];
    }
  }
}

function evolvePlacementRule(state: PlacementRuleState, event: PlacementRuleEvent): PlacementRuleState {
  switch (event.type) {
    case 'PlacementRuleProposed':
      return { ...state, pending: event.data, versions: [...state.versions, event.data.rule.version] };
    case 'PlacementRuleApproved':
      return state.pending
        ? {
            ...state,
            pending: null,
            approved: [
              ...state.approved,
              { rule: state.pending.rule, inForceFrom: event.data.inForceFrom, approvedBy: event.data.approvedBy, proposedBy: event.data.proposedBy },
            ],
          }
        : state;
    case 'PlacementRuleRejected':
      return { ...state, pending: null };
    default:
      return state;
  }
}

export const placementRuleDecider: Decider<PlacementRuleCommand, PlacementRuleEvent, PlacementRuleState> = {
  initialState: () => ({ pending: null, versions: [], approved: [] }),
  decide: decidePlacementRule,
  evolve: evolvePlacementRule,
};
