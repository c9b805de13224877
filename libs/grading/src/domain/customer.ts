import {
  addMonths,
  compareDates,
  comparePositions,
  domainError,
  parsePosition,
  type BusinessDate,
  type Decider,
  type Fen,
  type DomainError,
  type DomainEvent,
} from '#kernel';
import type { Grade } from './grades.js';
import type { LoanRecord } from './loan-facts.js';
import {
  evaluate,
  factorValues,
  FACTORS,
  NO_FLAGS,
  OVERRIDE_FLAGS,
  type CustomerFacts,
  type FactorContribution,
  type FactorName,
  type OverrideFlag,
  type OverrideFlags,
  type PolicyDocument,
  type ProfileFacts,
  type PromiseOutcome,
  type RestructuringStatus,
} from './scorecard.js';

/**
 * The customer's grading stream (`grading.customer-<customerId>`): the facts Grading was told about
 * the customer (profile from core banking and the bureau, promise outcomes, restructuring status)
 * and every grade the customer was given, with the factors that produced it.
 */
export type CustomerProfileUpdated = DomainEvent<
  'CustomerProfileUpdated',
  {
    readonly customerId: string;
    /** The whole profile after the update. */
    readonly facts: ProfileFacts;
    /** Which facts this update changed. */
    readonly changed: readonly string[];
    /** Who reported them: core banking, the credit bureau, ... */
    readonly source: string;
    readonly asOf: BusinessDate;
  }
>;

/** A report of some profile facts; what it leaves out stays as it was. */
interface ProfileChanges {
  readonly bureauScore?: number | null;
  readonly monthlyIncome?: Fen | null;
  readonly monthlyObligations?: Fen | null;
  readonly flags?: Partial<OverrideFlags>;
}

const EMPTY_PROFILE: ProfileFacts = Object.freeze({ bureauScore: null, monthlyIncome: null, monthlyObligations: null, flags: NO_FLAGS });

export type PromiseOutcomeRecorded = DomainEvent<
  'PromiseOutcomeRecorded',
  { readonly customerId: string; readonly promiseId: string; readonly outcome: 'kept' | 'broken'; readonly on: BusinessDate }
>;

/**
 * A promise outcome taken back: Collection reopened the promise because the payment that kept it
 * was reversed. The outcome recorded first stays on the stream; the promise is judged again.
 */
type PromiseOutcomeWithdrawn = DomainEvent<
  'PromiseOutcomeWithdrawn',
  { readonly customerId: string; readonly promiseId: string; readonly withdrawn: 'kept' | 'broken'; readonly on: BusinessDate; readonly causeEventId: string }
>;

export type RestructuringStatusRecorded = DomainEvent<
  'RestructuringStatusRecorded',
  { readonly customerId: string; readonly restructuringId: string; readonly status: RestructuringStatus; readonly on: BusinessDate }
>;

interface AppliedOverride {
  readonly flag: OverrideFlag;
  readonly action: 'hold' | 'fixed';
}

export type CustomerGraded = DomainEvent<
  'CustomerGraded',
  {
    readonly customerId: string;
    readonly grade: Grade;
    readonly previousGrade: Grade | null;
    /** Null when an override decided the grade before any score. */
    readonly score: number | null;
    readonly factors: readonly FactorContribution[];
    readonly override: AppliedOverride | null;
    readonly policyId: string;
    readonly policyVersion: number;
    /** The business date the grade speaks for. */
    readonly asOf: BusinessDate;
    /** The event that caused the regrade (a Loans event, a fact above, a portfolio run). */
    readonly triggerEventId: string;
    readonly triggerType: string;
    /** The trigger's global position (`commit/prepare`): older triggers never overwrite newer grades. */
    readonly triggerPosition: string | null;
    /**
     * A regrade because Loans restated a loan's delinquency history: the restatement and the
     * correction it names (absent otherwise). The grade before it stays on the stream.
     */
    readonly restatement?: GradeRestatement;
  }
>;

/** The Loans restatement a regrade applied, and the correcting fact it names. */
export interface GradeRestatement {
  readonly eventId: string;
  readonly loanId: string;
  readonly correction: { readonly type: string; readonly ref: string; readonly effectiveFrom: BusinessDate; readonly recordedOn: BusinessDate };
}

export type CustomerEvent = CustomerProfileUpdated | PromiseOutcomeRecorded | PromiseOutcomeWithdrawn | RestructuringStatusRecorded | CustomerGraded;
export type CustomerFactEvent = Exclude<CustomerEvent, CustomerGraded>;

export const CUSTOMER_FACT_EVENTS = [
  'CustomerProfileUpdated',
  'PromiseOutcomeRecorded',
  'PromiseOutcomeWithdrawn',
  'RestructuringStatusRecorded',
] as const satisfies readonly CustomerFactEvent['type'][];

interface GradedSummary {
  readonly grade: Grade;
  readonly score: number | null;
  readonly override: OverrideFlag | null;
  readonly policyId: string;
  readonly policyVersion: number;
  readonly points: Readonly<Partial<Record<FactorName, number>>>;
  readonly asOf: BusinessDate;
  readonly triggerPosition: string | null;
}

/** Plain JSON, so the read model can keep it as it is. */
export interface CustomerState {
  readonly customerId: string | null;
  readonly facts: CustomerFacts;
  readonly graded: GradedSummary | null;
}

export interface ActivePolicy {
  readonly policyId: string;
  readonly version: number;
  readonly document: PolicyDocument;
}

export interface Trigger {
  readonly type: string;
  readonly eventId: string;
  readonly position: string | null;
}

export type CustomerCommand =
  | { readonly type: 'UpdateProfile'; readonly customerId: string; readonly changes: ProfileChanges; readonly source: string; readonly asOf: BusinessDate }
  | {
      readonly type: 'RecordPromiseOutcome';
      readonly customerId: string;
      readonly promiseId: string;
      readonly outcome: 'kept' | 'broken';
      readonly on: BusinessDate;
    }
  | {
      readonly type: 'WithdrawPromiseOutcome';
      readonly customerId: string;
      readonly promiseId: string;
      readonly on: BusinessDate;
      readonly causeEventId: string;
    }
  | {
      readonly type: 'RecordRestructuringStatus';
      readonly customerId: string;
      readonly restructuringId: string;
      readonly status: RestructuringStatus;
      readonly on: BusinessDate;
    }
  | {
      readonly type: 'Regrade';
      readonly customerId: string;
      readonly asOf: BusinessDate;
      /** The policy in force; null when none is active (nothing is graded then). */
      readonly policy: ActivePolicy | null;
      /** Grading's records of the customer's loans. */
      readonly loans: readonly LoanRecord[];
      readonly trigger: Trigger;
      /** Set when the regrade follows a Loans restatement (a correction of a loan's history). */
      readonly restatement?: GradeRestatement;
    };

/** How long promise outcomes are kept in the state (the factor looks back twelve months). */
const PROMISE_MONTHS = 24;

export const initialCustomerState = (): CustomerState => ({ customerId: null, facts: { profile: null, promises: [], restructurings: {} }, graded: null });

function canonicalProfile(p: ProfileFacts | null): string {
  if (!p) return 'null';
  return JSON.stringify([p.bureauScore, p.monthlyIncome, p.monthlyObligations, p.flags.activeDispute, p.flags.deceased, p.flags.suspectedFraud]);
}

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  switch (event.type) {
    case 'CustomerProfileUpdated':
      return { ...state, customerId: event.data.customerId, facts: { ...state.facts, profile: event.data.facts } };
    case 'PromiseOutcomeRecorded': {
      const { promiseId, outcome, on } = event.data;
      const horizon = addMonths(on, -PROMISE_MONTHS);
      const promises = [...state.facts.promises.filter((p) => p.promiseId !== promiseId && compareDates(p.on, horizon) >= 0), { promiseId, outcome, on }];
      return { ...state, customerId: event.data.customerId, facts: { ...state.facts, promises } };
    }
    case 'PromiseOutcomeWithdrawn': {
      const promises = state.facts.promises.filter((p) => p.promiseId !== event.data.promiseId);
      return { ...state, customerId: event.data.customerId, facts: { ...state.facts, promises } };
    }
    case 'RestructuringStatusRecorded': {
      const { restructuringId, status, on } = event.data;
      return {
        ...state,
        customerId: event.data.customerId,
        facts: { ...state.facts, restructurings: { ...state.facts.restructurings, [restructuringId]: { status, on } } },
      };
    }
    case 'CustomerGraded': {
      const d = event.data;
      return {
        ...state,
        customerId: d.customerId,
        graded: { ...gradeSummary(d, d.policyId, d.policyVersion), asOf: d.asOf, triggerPosition: d.triggerPosition },
      };
    }
    default:
      return state;
  }
}

/** What a grade is compared on: grade, score, override flag, policy version and each factor's points (from an evaluation or a recorded grade). */
function gradeSummary(
  g: Pick<CustomerGraded['data'], 'grade' | 'score'> & {
    readonly override: { readonly flag: OverrideFlag } | null;
    readonly factors: readonly Pick<FactorContribution, 'factor' | 'points'>[];
  },
  policyId: string,
  policyVersion: number,
): Omit<GradedSummary, 'asOf' | 'triggerPosition'> {
  return {
    grade: g.grade,
    score: g.score,
    override: g.override?.flag ?? null,
    policyId,
    policyVersion,
    points: Object.fromEntries(g.factors.map((f) => [f.factor, f.points])),
  };
}

/** True when `trigger` is not newer than the trigger of the grade in force. */
function isStale(trigger: Trigger, graded: GradedSummary | null): boolean {
  if (!graded?.triggerPosition || !trigger.position) return false;
  return comparePositions(parsePosition(trigger.position), parsePosition(graded.triggerPosition)) <= 0;
}

function sameGrade(graded: GradedSummary, next: Omit<GradedSummary, 'asOf' | 'triggerPosition'>): boolean {
  if (graded.grade !== next.grade || graded.score !== next.score || graded.override !== next.override) return false;
  if (graded.policyId !== next.policyId || graded.policyVersion !== next.policyVersion) return false;
  return FACTORS.every((f) => graded.points[f] === next.points[f]);
}

function regrade(command: Extract<CustomerCommand, { type: 'Regrade' }>, state: CustomerState): CustomerGraded[] {
  const { policy, trigger } = command;
  if (!policy || isStale(trigger, state.graded)) return [];
  // A grade never speaks for an earlier day than the one before it.
  const asOf = state.graded && compareDates(state.graded.asOf, command.asOf) > 0 ? state.graded.asOf : command.asOf;
  const values = factorValues(state.facts, command.loans, asOf);
  const result = evaluate(policy.document, state.facts.profile?.flags ?? NO_FLAGS, values);
  const next = gradeSummary(result, policy.policyId, policy.version);
  if (state.graded && sameGrade(state.graded, next)) return [];
  return [
    {
      type: 'CustomerGraded',
      data: {
        customerId: command.customerId,
        grade: result.grade,
        previousGrade: state.graded?.grade ?? null,
        score: result.score,
        factors: result.factors,
        override: result.override ? { flag: result.override.flag, action: result.override.action } : null,
        policyId: policy.policyId,
        policyVersion: policy.version,
        asOf,
        triggerEventId: trigger.eventId,
        triggerType: trigger.type,
        triggerPosition: trigger.position,
        ...(command.restatement ? { restatement: command.restatement } : {}),
      },
    },
  ];
}

function decideCustomer(command: CustomerCommand, state: CustomerState): readonly CustomerEvent[] | DomainError {
  switch (command.type) {
    case 'UpdateProfile': {
      const before = state.facts.profile ?? EMPTY_PROFILE;
      const c = command.changes;
      const facts: ProfileFacts = {
        bureauScore: c.bureauScore === undefined ? before.bureauScore : c.bureauScore,
        monthlyIncome: c.monthlyIncome === undefined ? before.monthlyIncome : c.monthlyIncome,
        monthlyObligations: c.monthlyObligations === undefined ? before.monthlyObligations : c.monthlyObligations,
        flags: { ...before.flags, ...c.flags },
      };
      if (state.facts.profile && canonicalProfile(state.facts.profile) === canonicalProfile(facts)) return [];
      const changed = [
        ...(['bureauScore', 'monthlyIncome', 'monthlyObligations'] as const).filter((k) => facts[k] !== before[k] || !state.facts.profile),
        ...OVERRIDE_FLAGS.filter((f) => facts.flags[f] !== before.flags[f]).map((f) => `flags.${f}`),
      ];
      return [{ type: 'CustomerProfileUpdated', data: { customerId: command.customerId, facts, changed, source: command.source, asOf: command.asOf } }];
    }
    case 'RecordPromiseOutcome': {
      const earlier = state.facts.promises.find((p: PromiseOutcome) => p.promiseId === command.promiseId);
      if (earlier?.outcome === command.outcome) return [];
      if (earlier) {
        return domainError(
          'PROMISE_OUTCOME_CONFLICT',
          `promise ${command.promiseId} was already recorded as ${earlier.outcome}`,
          { recorded: earlier.outcome },
          'conflict',
        );
      }
      const { customerId, promiseId, outcome, on } = command;
      return [{ type: 'PromiseOutcomeRecorded', data: { customerId, promiseId, outcome, on } }];
    }
    case 'WithdrawPromiseOutcome': {
      const earlier = state.facts.promises.find((p: PromiseOutcome) => p.promiseId === command.promiseId);
      if (!earlier) return [];
      const { customerId, promiseId, on, causeEventId } = command;
      return [{ type: 'PromiseOutcomeWithdrawn', data: { customerId, promiseId, withdrawn: earlier.outcome, on, causeEventId } }];
    }
    case 'RecordRestructuringStatus': {
      const earlier = state.facts.restructurings[command.restructuringId];
      if (earlier?.status === command.status) return [];
      if (earlier && earlier.status !== 'activated') {
        return domainError(
          'RESTRUCTURING_STATUS_CONFLICT',
          `restructuring ${command.restructuringId} is already ${earlier.status}`,
          { recorded: earlier.status },
          'conflict',
        );
      }
      const { customerId, restructuringId, status, on } = command;
      return [{ type: 'RestructuringStatusRecorded', data: { customerId, restructuringId, status, on } }];
    }
    case 'Regrade':
      return regrade(command, state);
  }
}

export const customerDecider: Decider<CustomerCommand, CustomerEvent, CustomerState> = {
  initialState: initialCustomerState,
  evolve: evolveCustomer,
  decide: decideCustomer,
};
