import { comparePositions, parsePosition, type BusinessDate, type Decider, type DomainError, type DomainEvent } from '#kernel';
import { classifyLoan, type ClassificationRule, type ClassificationRules } from './classification.js';
import type { Category } from './grades.js';
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
  }
>;

export type LoanClassificationEvent = LoanClassified;

export interface LoanClassificationState {
  readonly current: { readonly category: Category; readonly rule: ClassificationRule; readonly rulesVersion: string; readonly asOf: BusinessDate } | null;
  readonly triggerPosition: string | null;
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

export const loanClassificationDecider: Decider<ClassifyLoan, LoanClassificationEvent, LoanClassificationState> = {
  initialState: () => ({ current: null, triggerPosition: null }),
  evolve(state, event) {
    if (event.type !== 'LoanClassified') return state;
    const { category, rule, rulesVersion, asOf, triggerPosition } = event.data;
    return { current: { category, rule, rulesVersion, asOf }, triggerPosition: triggerPosition ?? state.triggerPosition };
  },
  decide(command, state): readonly LoanClassificationEvent[] | DomainError {
    const { loan, trigger } = command;
    if (trigger.position && state.triggerPosition && comparePositions(parsePosition(trigger.position), parsePosition(state.triggerPosition)) <= 0) return [];
    const asOf = state.current && state.current.asOf > command.asOf ? state.current.asOf : command.asOf;
    const result = classifyLoan(command.rules.rules, loan, asOf);
    // Unchanged only if the same rules version decided the same category by the same rule: a loan
    // reclassified under newly activated rules records that version even when its category stays.
    if (state.current && state.current.category === result.category && state.current.rule === result.rule && state.current.rulesVersion === command.rules.version) return [];
    return [
      {
        type: 'LoanClassified',
        data: {
          loanId: loan.loanId,
          customerId: loan.customerId,
          category: result.category,
          previous: state.current?.category ?? null,
          rule: result.rule,
          rulesVersion: command.rules.version,
          dpd: result.dpd,
          observation: result.observation,
          asOf,
          triggerEventId: trigger.eventId,
          triggerType: trigger.type,
          triggerPosition: trigger.position,
        },
      },
    ];
  },
};
