import {
  comparePositions,
  domainError,
  fourEyes,
  parsePosition,
  type Actor,
  type BusinessDate,
  type Decider,
  type DomainError,
  type DomainEvent,
} from '#kernel';
import { classifyLoan, type ClassificationRule, type ClassificationRules } from './classification.js';
import { CATEGORIES, categoryRank, type Category } from './grades.js';
import type { LoanRecord } from './loan-facts.js';
import type { Trigger } from './customer.js';

/**
 * A loan's risk classification stream (`grading.loan-<loanId>`): one LoanClassified each time the
 * category, the rule that decides it, or the rules version in force changes.
 */
export type LoanClassified = DomainEvent<
  'LoanClassified',
  {
    readonly loanId: string;
    readonly customerId: string;
    readonly category: Category;
    readonly previous: Category | null;
    readonly rule: ClassificationRule;
    readonly rulesVersion: string;
    readonly dpd: number;
    readonly observation: { readonly restructuringId: string; readonly from: BusinessDate; readonly to: BusinessDate } | null;
    readonly asOf: BusinessDate;
    readonly triggerEventId: string;
    readonly triggerType: string;
    readonly triggerPosition: string | null;
    /**
     * The manual floor in force after this classification (a reviewed downgrade): the category is
     * never better than it while it stands. Absent on classifications before overrides existed.
     */
    readonly manual?: ManualFloor | null;
  }
>;

/** A manual classification floor: who set it, why, and who approved it (null: a downgrade, one person). */
interface ManualFloor {
  readonly category: Category;
  readonly requestId: string;
  readonly reason: string;
  readonly requestedBy: string;
  readonly approvedBy: string | null;
}

/** An upgrade asked for: it waits for a second person (maker-checker). */
type ClassificationUpgradeRequested = DomainEvent<
  'ClassificationUpgradeRequested',
  {
    readonly loanId: string;
    readonly requestId: string;
    readonly category: Category;
    readonly reason: string;
    readonly requestedBy: string;
    readonly asOf: BusinessDate;
  }
>;

export type LoanClassificationEvent = LoanClassified | ClassificationUpgradeRequested;

export interface LoanClassificationState {
  readonly current: {
    readonly category: Category;
    readonly rule: ClassificationRule | 'manual.override';
    readonly rulesVersion: string;
    readonly asOf: BusinessDate;
  } | null;
  readonly triggerPosition: string | null;
  readonly manual?: ManualFloor | null;
  readonly pendingUpgrade?: ClassificationUpgradeRequested['data'] | null;
}

export interface RulesInForce {
  readonly version: string;
  readonly rules: ClassificationRules;
}

export type ClassifyLoan = {
  readonly type: 'ClassifyLoan';
  readonly loan: LoanRecord;
  readonly asOf: BusinessDate;
  readonly rules: RulesInForce;
  readonly trigger: Trigger;
};

/**
 * A manual override. A downgrade (a worse category than the loan has) takes effect at once with its
 * reason and sets a manual floor; an upgrade (a better one: lifting or lowering that floor) is only
 * requested here, and takes effect when a different person approves it. The rules of the measures
 * stay floors themselves: an upgrade below what they give is refused.
 */
type OverrideClassification = {
  readonly type: 'OverrideClassification';
  readonly requestId: string;
  readonly category: Category;
  readonly reason: string;
  readonly by: Actor;
  readonly loan: LoanRecord;
  readonly asOf: BusinessDate;
  readonly rules: RulesInForce;
};

type ApproveClassificationUpgrade = {
  readonly type: 'ApproveClassificationUpgrade';
  readonly requestId: string;
  readonly by: Actor;
  readonly loan: LoanRecord;
  readonly asOf: BusinessDate;
  readonly rules: RulesInForce;
};

export type LoanClassificationCommand = ClassifyLoan | OverrideClassification | ApproveClassificationUpgrade;

function classified(
  state: LoanClassificationState,
  loan: LoanRecord,
  asOf: BusinessDate,
  rules: RulesInForce,
  trigger: { eventId: string; type: string; position: string | null },
  manual: ManualFloor | null,
): LoanClassified | null {
  const result = classifyLoan(rules.rules, loan, asOf);
  const byHand = manual !== null && categoryRank(manual.category) > categoryRank(result.category);
  const category = byHand ? manual!.category : result.category;
  const rule = byHand ? ('manual.override' as const) : result.rule;
  const sameManual = JSON.stringify(state.manual ?? null) === JSON.stringify(manual);
  if (state.current && state.current.category === category && state.current.rule === rule && state.current.rulesVersion === rules.version && sameManual)
    return null;
  return {
    type: 'LoanClassified',
    data: {
      loanId: loan.loanId,
      customerId: loan.customerId,
      category,
      previous: state.current?.category ?? null,
      rule: rule as ClassificationRule,
      rulesVersion: rules.version,
      dpd: result.dpd,
      observation: result.observation,
      asOf,
      triggerEventId: trigger.eventId,
      triggerType: trigger.type,
      triggerPosition: trigger.position,
      // Only when a floor stands or is lifted: other classifications read as before overrides existed.
      ...(manual !== null || (state.manual ?? null) !== null ? { manual } : {}),
    },
  };
}

export const loanClassificationDecider: Decider<LoanClassificationCommand, LoanClassificationEvent, LoanClassificationState> = {
  initialState: () => ({ current: null, triggerPosition: null, manual: null, pendingUpgrade: null }),
  evolve(state, event) {
    if (event.type === 'ClassificationUpgradeRequested') return { ...state, pendingUpgrade: event.data };
    if (event.type !== 'LoanClassified') return state;
    const { category, rule, rulesVersion, asOf, triggerPosition, manual } = event.data;
    const pendingUpgrade = manual && state.pendingUpgrade && manual.requestId === state.pendingUpgrade.requestId ? null : (state.pendingUpgrade ?? null);
    return {
      current: { category, rule, rulesVersion, asOf },
      triggerPosition: triggerPosition ?? state.triggerPosition,
      manual: manual === undefined ? (state.manual ?? null) : manual,
      pendingUpgrade: manual === null && state.pendingUpgrade ? null : pendingUpgrade,
    };
  },
  decide(command, state): readonly LoanClassificationEvent[] | DomainError {
    const later = (asOf: BusinessDate) => (state.current && state.current.asOf > asOf ? state.current.asOf : asOf);
    if (command.type === 'ClassifyLoan') {
      const { loan, trigger } = command;
      if (trigger.position && state.triggerPosition && comparePositions(parsePosition(trigger.position), parsePosition(state.triggerPosition)) <= 0) return [];
      const event = classified(state, loan, later(command.asOf), command.rules, trigger, state.manual ?? null);
      return event ? [event] : [];
    }
    const asOf = later(command.asOf);
    const trigger = { eventId: command.requestId, type: command.type, position: null };
    if (command.type === 'OverrideClassification') {
      if (!CATEGORIES.includes(command.category)) return domainError('INVALID_CATEGORY', `unknown category ${command.category}`);
      if (!command.reason.trim()) return domainError('REASON_REQUIRED', 'an override needs a reason');
      if (state.manual?.requestId === command.requestId || state.pendingUpgrade?.requestId === command.requestId) return []; // the same request again
      const now = state.current?.category ?? classifyLoan(command.rules.rules, command.loan, asOf).category;
      if (categoryRank(command.category) === categoryRank(now)) return domainError('OVERRIDE_UNCHANGED', `the loan is already ${now}`, { category: now });
      if (categoryRank(command.category) > categoryRank(now)) {
        // A downgrade: in force at once, with who and why.
        const manual: ManualFloor = {
          category: command.category,
          requestId: command.requestId,
          reason: command.reason,
          requestedBy: command.by.id,
          approvedBy: null,
        };
        const event = classified(state, command.loan, asOf, command.rules, trigger, manual);
        return event ? [event] : [];
      }
      const floor = classifyLoan(command.rules.rules, command.loan, asOf);
      if (categoryRank(command.category) < categoryRank(floor.category)) {
        return domainError('UPGRADE_BELOW_RULES', `the rules give at least ${floor.category} (${floor.rule}); a manual upgrade cannot go below them`, {
          category: command.category,
          rules: floor.category,
          rule: floor.rule,
        });
      }
      if (state.pendingUpgrade)
        return domainError(
          'UPGRADE_ALREADY_REQUESTED',
          `upgrade ${state.pendingUpgrade.requestId} is waiting for approval`,
          { requestId: state.pendingUpgrade.requestId },
          'conflict',
        );
      return [
        {
          type: 'ClassificationUpgradeRequested',
          data: {
            loanId: command.loan.loanId,
            requestId: command.requestId,
            category: command.category,
            reason: command.reason,
            requestedBy: command.by.id,
            asOf,
          },
        },
      ];
    }
    const pending = state.pendingUpgrade;
    if (!pending || pending.requestId !== command.requestId) {
      if (state.manual?.requestId === command.requestId) return []; // approved already
      return domainError(
        'OVERRIDE_REQUEST_NOT_FOUND',
        `no upgrade ${command.requestId} is waiting for approval`,
        { requestId: command.requestId },
        'not_found',
      );
    }
    const sameHands = fourEyes(command.by.id, [pending.requestedBy], 'whoever asked for an upgrade cannot approve it', { requestedBy: pending.requestedBy });
    if (sameHands) return sameHands;
    const floor = classifyLoan(command.rules.rules, command.loan, asOf);
    if (categoryRank(pending.category) < categoryRank(floor.category)) {
      return domainError('UPGRADE_BELOW_RULES', `the rules now give at least ${floor.category}`, {
        category: pending.category,
        rules: floor.category,
        rule: floor.rule,
      });
    }
    // The approved category becomes the manual floor (normal lifts it altogether).
    const manual: ManualFloor | null =
      pending.category === 'normal'
        ? null
        : { category: pending.category, requestId: pending.requestId, reason: pending.reason, requestedBy: pending.requestedBy, approvedBy: command.by.id };
    const event = classified(state, command.loan, asOf, command.rules, trigger, manual);
    return [event ?? classifiedForce(state, command.loan, asOf, command.rules, trigger, manual)];
  },
};

/** A classification recorded even when nothing else changed (an approved upgrade always leaves a trace). */
function classifiedForce(
  state: LoanClassificationState,
  loan: LoanRecord,
  asOf: BusinessDate,
  rules: RulesInForce,
  trigger: { eventId: string; type: string; position: null },
  manual: ManualFloor | null,
): LoanClassified {
  const event = classified({ ...state, current: null }, loan, asOf, rules, trigger, manual)!;
  return { ...event, data: { ...event.data, previous: state.current?.category ?? null } };
}
