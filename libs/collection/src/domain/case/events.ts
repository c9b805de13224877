import type { BusinessDate, DomainEvent, Fen } from '#kernel';
import type {
  ActionStep,
  AdjustmentLimits,
  AttemptedBy,
  Channel,
  CloseReason,
  Grade,
  HoldReason,
  LadderStep,
  Outcome,
  Party,
  PromiseTerms,
  Stage,
  StepTiming,
  StrategyRef,
} from '../model.js';
import { CORRECTION_EVENT_TYPES, evolveCorrection, type CorrectionEvent } from '../corrections.js';
import { reachesPerson } from '../contact-policy.js';

/**
 * Events of the CollectionCase aggregate (stream `collection.case-<caseId>`), its state and
 * `evolve`. One open case per delinquent loan. No personal data: the debtor is a customerId.
 */

/** The treatment plan a case follows: a strategy arm's ladder for the case's stage, as adjusted. */
export interface Plan {
  readonly planId: string;
  readonly stage: Stage;
  readonly strategy: StrategyRef | null;
  readonly steps: readonly LadderStep[];
  readonly promiseTerms: PromiseTerms;
  readonly adjustmentLimits: AdjustmentLimits;
}

/** Which case of which loan and debtor, in which time zone, and where it stands: what opening a case states and its file keeps. */
export interface CaseFacts {
  readonly caseId: string;
  readonly loanId: string;
  readonly customerId: string;
  readonly timeZone: string;
  readonly grade: Grade;
  readonly stage: Stage;
  readonly dpd: number;
  readonly overdueAmount: Fen;
}

/** A case's facts, and nothing else, from a command, an event or a file that carries them. */
export function caseFacts(d: CaseFacts): CaseFacts {
  return {
    caseId: d.caseId,
    loanId: d.loanId,
    customerId: d.customerId,
    timeZone: d.timeZone,
    grade: d.grade,
    stage: d.stage,
    dpd: d.dpd,
    overdueAmount: d.overdueAmount,
  };
}

interface PlanChange {
  readonly caseId: string;
  readonly from: Stage;
  readonly to: Stage;
  readonly dpd: number;
  readonly overdueAmount: Fen;
  readonly grade: Grade;
  readonly queue: string;
  readonly asOf: BusinessDate;
  readonly plan: Plan;
  /** The Grading policy version behind the grade; absent on older events. */
  readonly gradingPolicy?: string | null;
}

export type CaseOpened = DomainEvent<
  'CaseOpened',
  CaseFacts & {
    readonly oldestUnpaidDueDate: BusinessDate;
    readonly openedOn: BusinessDate;
    /** The routing queue: `<grade>:<stage>`. */
    readonly queue: string;
    readonly plan: Plan;
    /** The Grading policy version behind the grade (`<policyId>@v<version>`); null: not graded yet (the default grade). Absent on older events. */
    readonly gradingPolicy?: string | null;
  }
>;

export type CaseAssigned = DomainEvent<
  'CaseAssigned',
  { readonly caseId: string; readonly collectorId: string; readonly team: string; readonly queue: string }
>;
export type CaseReassigned = DomainEvent<
  'CaseReassigned',
  { readonly caseId: string; readonly from: string | null; readonly to: string; readonly team: string; readonly reason: string }
>;

export type ActionScheduled = DomainEvent<
  'ActionScheduled',
  ActionStep & {
    readonly caseId: string;
    /** Unique per case and step occurrence; channel executors report outcomes against it. */
    readonly actionId: string;
    /** The grade the plan rested on and the Grading policy version behind it (absent on older events and on outreach tracks). */
    readonly grade?: Grade;
    readonly gradingPolicy?: string | null;
    readonly loanId: string;
    readonly customerId: string;
    readonly planId: string;
    /** The collector who is to perform it (collector steps of an assigned case), else null. */
    readonly collectorId: string | null;
    readonly dueOn: BusinessDate;
    readonly dpd: number;
    /** For steps timed before an installment: that installment's due date. */
    readonly installmentDueDate: BusinessDate | null;
    readonly strategy: StrategyRef | null;
    /** Earlier steps on the same channel that fell due together and are covered by this one. */
    readonly supersedes: readonly string[];
    /** The step's planned send time and its zone, when the step names one (see dispatch.ts). */
    readonly sendTime?: string;
    readonly sendTimeZone?: string;
    /** The step's `duringPlacement`, when it names one (absent: only LETTER actions go out while the case is placed). */
    readonly duringPlacement?: boolean;
    /** Set on the actions of a pre-delinquency track (outreach.ts), whose `caseId` is the track id. */
    readonly track?: 'PRE_DELINQUENCY';
  }
>;

export interface AttemptRecord {
  readonly caseId: string;
  readonly attemptId: string;
  readonly actionId: string | null;
  readonly channel: Channel;
  readonly party: Party;
  readonly thirdPartyContactId: string | null;
  readonly by: AttemptedBy;
  /** The instant of the attempt, and the debtor's local date and time of day then. */
  readonly at: string;
  readonly localDate: BusinessDate;
  readonly localTime: string;
  readonly rulesVersion: string;
}

export type ContactAttempted = DomainEvent<
  'ContactAttempted',
  AttemptRecord & {
    readonly outcome: Outcome;
    readonly debtDisclosed: boolean;
    readonly visitId: string | null;
    /** The call's recording (an id in the recording system), when reported. */
    readonly recordingRef?: string;
    /** The other collectors on a field visit, when any. */
    readonly accompaniedBy?: readonly string[];
    /** The contact opened by naming the bank (and agency), when reported so. */
    readonly identified?: boolean;
  }
>;

/**
 * An executor's receipt (delivered, no answer, ...) for an action of a case that has closed since:
 * kept on the case's history, nothing more. The case stays closed, no contact rule is judged, the
 * debtor's ledger counts nothing and no KPI reads it (the contact, if any, was made before).
 */
type LateReceiptRecorded = DomainEvent<
  'LateReceiptRecorded',
  {
    readonly caseId: string;
    readonly attemptId: string;
    readonly actionId: string;
    readonly channel: Channel;
    readonly outcome: Outcome;
    readonly at: string;
    /** The debtor's local date of `at`. */
    readonly localDate: BusinessDate;
    readonly executorId: string;
    readonly closedOn: BusinessDate;
  }
>;

/** A contact the rules refused: recorded so audits see it; the caller got a 422 with `code`. */
export type ContactBlocked = DomainEvent<
  'ContactBlocked',
  AttemptRecord & { readonly outcome: Outcome; readonly code: string; readonly reason: string; readonly details: Readonly<Record<string, unknown>> }
>;

export type PromiseToPayRecorded = DomainEvent<
  'PromiseToPayRecorded',
  {
    readonly caseId: string;
    readonly promiseId: string;
    readonly attemptId: string;
    readonly amount: Fen;
    readonly dueOn: BusinessDate;
    readonly promisedOn: BusinessDate;
    readonly graceDays: number;
    /** Shortfall still counted as kept, in fen (the larger of the strategy's absolute and relative tolerance). */
    readonly toleranceFen: Fen;
  }
>;
export type PromiseKept = DomainEvent<
  'PromiseKept',
  { readonly caseId: string; readonly promiseId: string; readonly amount: Fen; readonly paidAmount: Fen; readonly keptOn: BusinessDate }
>;
export type PromiseBroken = DomainEvent<
  'PromiseBroken',
  {
    readonly caseId: string;
    readonly promiseId: string;
    readonly amount: Fen;
    readonly paidAmount: Fen;
    readonly shortfall: Fen;
    readonly dueOn: BusinessDate;
    readonly brokenOn: BusinessDate;
  }
>;
export type PromiseCancelled = DomainEvent<
  'PromiseCancelled',
  { readonly caseId: string; readonly promiseId: string; readonly reason: 'SUPERSEDED' | 'CASE_CLOSED'; readonly paidAmount: Fen }
>;

export type PaymentRecorded = DomainEvent<
  'PaymentRecorded',
  { readonly caseId: string; readonly reference: string; readonly amount: Fen; readonly valueDate: BusinessDate; readonly businessDate: BusinessDate }
>;

export type FieldVisitRequested = DomainEvent<
  'FieldVisitRequested',
  { readonly caseId: string; readonly visitId: string; readonly requestedBy: string; readonly plannedOn: BusinessDate; readonly reason: string }
>;
export type FieldVisitApproved = DomainEvent<'FieldVisitApproved', { readonly caseId: string; readonly visitId: string; readonly approvedBy: string }>;
export type FieldVisitRejected = DomainEvent<
  'FieldVisitRejected',
  { readonly caseId: string; readonly visitId: string; readonly rejectedBy: string; readonly reason: string }
>;
export type FieldVisitReported = DomainEvent<
  'FieldVisitReported',
  { readonly caseId: string; readonly visitId: string; readonly attemptId: string; readonly outcome: Outcome; readonly reportedBy: string }
>;

export type CaseEscalated = DomainEvent<'CaseEscalated', PlanChange>;
export type CaseDeescalated = DomainEvent<'CaseDeescalated', PlanChange>;

export type CaseOnHold = DomainEvent<
  'CaseOnHold',
  { readonly caseId: string; readonly holdId: string; readonly reason: HoldReason; readonly since: BusinessDate }
>;
export type CaseResumed = DomainEvent<
  'CaseResumed',
  { readonly caseId: string; readonly holdId: string; readonly resolution: string; readonly on: BusinessDate; readonly stillOnHold: boolean }
>;

export type PlanAdjustment =
  | { readonly kind: 'SKIP'; readonly stepId: string }
  | { readonly kind: 'MOVE'; readonly stepId: string; readonly from: StepTiming; readonly to: StepTiming }
  | { readonly kind: 'ADD'; readonly step: LadderStep };

export type PlanAdjusted = DomainEvent<
  'PlanAdjusted',
  {
    readonly caseId: string;
    readonly planId: string;
    readonly adjustment: PlanAdjustment;
    readonly reason: string;
    readonly adjustedBy: string;
    /** Adjustments made to this plan so far, this one included. */
    readonly adjustmentsUsed: number;
  }
>;

export type CaseClosed = DomainEvent<'CaseClosed', { readonly caseId: string; readonly reason: CloseReason; readonly closedOn: BusinessDate }>;

/**
 * The case was placed with a collection agency (Agencies' placement started, the debtor told): the
 * bank's collectors stop working it and only its LETTER steps are scheduled until the placement
 * ends (case/decide.ts: `placementProblem`, `keptDuringPlacement`). Internal to the case stream: the
 * placement itself is published by Agencies on `arrears.agencies.v1`.
 */
export type CasePlacedWithAgency = DomainEvent<
  'CasePlacedWithAgency',
  { readonly caseId: string; readonly placementId: string; readonly agencyId: string; readonly since: BusinessDate }
>;
/** The placement ended (recall, expiry, or a cancellation): the bank's collectors work the case again. */
export type CasePlacementEnded = DomainEvent<
  'CasePlacementEnded',
  { readonly caseId: string; readonly placementId: string; readonly agencyId: string; readonly reason: string; readonly on: BusinessDate }
>;

export type CaseEvent =
  | CasePlacedWithAgency
  | CasePlacementEnded
  | CaseOpened
  | CaseAssigned
  | CaseReassigned
  | ActionScheduled
  | ContactAttempted
  | ContactBlocked
  | PromiseToPayRecorded
  | PromiseKept
  | PromiseBroken
  | PromiseCancelled
  | PaymentRecorded
  | FieldVisitRequested
  | FieldVisitApproved
  | FieldVisitRejected
  | FieldVisitReported
  | CaseEscalated
  | CaseDeescalated
  | CaseOnHold
  | CaseResumed
  | PlanAdjusted
  | CaseClosed
  | LateReceiptRecorded
  | CorrectionEvent;

export const CASE_EVENT_TYPES: readonly CaseEvent['type'][] = [
  'LateReceiptRecorded',
  'CaseOpened',
  'CaseAssigned',
  'CaseReassigned',
  'ActionScheduled',
  'ContactAttempted',
  'ContactBlocked',
  'PromiseToPayRecorded',
  'PromiseKept',
  'PromiseBroken',
  'PromiseCancelled',
  'PaymentRecorded',
  'FieldVisitRequested',
  'FieldVisitApproved',
  'FieldVisitRejected',
  'FieldVisitReported',
  'CaseEscalated',
  'CaseDeescalated',
  'CaseOnHold',
  'CaseResumed',
  'PlanAdjusted',
  'CaseClosed',
  ...CORRECTION_EVENT_TYPES,
];

// ---- state ---------------------------------------------------------------------------------------

export interface PromiseState {
  readonly promiseId: string;
  readonly amount: Fen;
  readonly dueOn: BusinessDate;
  readonly promisedOn: BusinessDate;
  readonly graceDays: number;
  readonly toleranceFen: Fen;
  readonly status: 'OPEN' | 'KEPT' | 'BROKEN' | 'CANCELLED';
}

interface ScheduledAction {
  readonly actionId: string;
  readonly stepId: string;
  readonly channel: Channel;
  readonly requiredCertification: string | null;
  readonly performed: boolean;
}

interface VisitState {
  readonly visitId: string;
  readonly status: 'REQUESTED' | 'APPROVED' | 'REJECTED' | 'REPORTED';
  readonly requestedBy: string;
}

export interface CaseFile extends CaseFacts {
  readonly openedOn: BusinessDate;
  readonly plan: Plan;
  /** How often the current plan was adjusted. */
  readonly adjustments: number;
  /** Step occurrences already scheduled or covered (occurrence keys), per plan. */
  readonly scheduled: readonly string[];
  readonly actions: Readonly<Record<string, ScheduledAction>>;
  readonly collectorId: string | null;
  readonly team: string | null;
  readonly holds: Readonly<Record<string, HoldReason>>;
  readonly promises: Readonly<Record<string, PromiseState>>;
  readonly payments: readonly { readonly reference: string; readonly amount: Fen; readonly valueDate: BusinessDate }[];
  readonly visits: Readonly<Record<string, VisitState>>;
  /** Every attempt id seen, with the block code when it was refused (for idempotent replies). */
  readonly attempts: Readonly<
    Record<string, { readonly blocked: { readonly code: string; readonly reason: string; readonly details: Readonly<Record<string, unknown>> } | null }>
  >;
  /** Set when a correction showed that the cure the case was closed on did not happen (corrections.ts). */
  readonly cureUndone?: { readonly curedOn: BusinessDate; readonly undoneOn: BusinessDate };
  /** Whether a call or field visit of the case reached someone (the first contact is behind it). */
  readonly spokenTo?: boolean;
  /** The Grading policy version behind the case's grade (null: the default grade). */
  readonly gradingPolicy?: string | null;
  /** The agency placement in force (CasePlacedWithAgency until CasePlacementEnded); absent or null: none. */
  readonly placement?: { readonly placementId: string; readonly agencyId: string; readonly since: BusinessDate } | null;
}

type NoCase = { readonly status: 'none' };
export type OpenCase = { readonly status: 'open' } & CaseFile;
export type ClosedCase = { readonly status: 'closed'; readonly closeReason: CloseReason; readonly closedOn: BusinessDate } & CaseFile;
export type CaseState = NoCase | OpenCase | ClosedCase;

export const initialCaseState = (): CaseState => ({ status: 'none' });

/** The occurrence key of a step: per plan, and per installment for steps timed before a due date. */
export function occurrenceKey(planId: string, stepId: string, installmentDueDate: BusinessDate | null): string {
  return installmentDueDate ? `${planId}/${stepId}@${installmentDueDate}` : `${planId}/${stepId}`;
}

function applyAdjustment(steps: readonly LadderStep[], adjustment: PlanAdjustment): LadderStep[] {
  switch (adjustment.kind) {
    case 'SKIP':
      return steps.filter((s) => s.stepId !== adjustment.stepId);
    case 'MOVE':
      return steps.map((s) => (s.stepId === adjustment.stepId ? { ...s, when: adjustment.to } : s));
    case 'ADD':
      return [...steps, adjustment.step];
  }
}

export function evolveCase(state: CaseState, event: CaseEvent): CaseState {
  if (event.type === 'CaseOpened') {
    const d = event.data;
    return {
      status: 'open',
      ...caseFacts(d),
      openedOn: d.openedOn,
      plan: d.plan,
      gradingPolicy: d.gradingPolicy ?? null,
      adjustments: 0,
      scheduled: [],
      actions: {},
      collectorId: null,
      team: null,
      holds: {},
      promises: {},
      payments: [],
      visits: {},
      attempts: {},
    };
  }
  if (state.status === 'none') return state;
  const promise = (id: string, status: PromiseState['status']) =>
    state.promises[id] ? { ...state.promises, [id]: { ...state.promises[id], status } } : state.promises;
  const visit = (id: string, status: VisitState['status']) => (state.visits[id] ? { ...state.visits, [id]: { ...state.visits[id], status } } : state.visits);
  switch (event.type) {
    case 'CaseAssigned':
      return { ...state, collectorId: event.data.collectorId, team: event.data.team };
    case 'CaseReassigned':
      return { ...state, collectorId: event.data.to, team: event.data.team };
    case 'ActionScheduled': {
      const d = event.data;
      const key = occurrenceKey(d.planId, d.stepId, d.installmentDueDate);
      const covered = d.supersedes.map((stepId) => occurrenceKey(d.planId, stepId, d.installmentDueDate));
      return {
        ...state,
        dpd: d.dpd,
        scheduled: [...state.scheduled, key, ...covered],
        actions: {
          ...state.actions,
          [d.actionId]: { actionId: d.actionId, stepId: d.stepId, channel: d.channel, requiredCertification: d.requiredCertification, performed: false },
        },
      };
    }
    case 'ContactAttempted': {
      const d = event.data;
      const actions =
        d.actionId && state.actions[d.actionId] ? { ...state.actions, [d.actionId]: { ...state.actions[d.actionId], performed: true } } : state.actions;
      const spokenTo = state.spokenTo || reachesPerson(d.channel, d.outcome);
      return { ...state, actions, attempts: { ...state.attempts, [d.attemptId]: { blocked: null } }, ...(spokenTo ? { spokenTo } : {}) };
    }
    case 'ContactBlocked':
      return {
        ...state,
        attempts: { ...state.attempts, [event.data.attemptId]: { blocked: { code: event.data.code, reason: event.data.reason, details: event.data.details } } },
      };
    case 'PromiseToPayRecorded': {
      const d = event.data;
      return {
        ...state,
        promises: {
          ...state.promises,
          [d.promiseId]: {
            promiseId: d.promiseId,
            amount: d.amount,
            dueOn: d.dueOn,
            promisedOn: d.promisedOn,
            graceDays: d.graceDays,
            toleranceFen: d.toleranceFen,
            status: 'OPEN',
          },
        },
      };
    }
    case 'PromiseKept':
      return { ...state, promises: promise(event.data.promiseId, 'KEPT') };
    case 'PromiseBroken':
      return { ...state, promises: promise(event.data.promiseId, 'BROKEN') };
    case 'PromiseCancelled':
      return { ...state, promises: promise(event.data.promiseId, 'CANCELLED') };
    case 'PaymentRecorded': {
      const { reference, amount, valueDate } = event.data;
      return { ...state, payments: [...state.payments, { reference, amount, valueDate }] };
    }
    case 'FieldVisitRequested': {
      const { visitId, requestedBy } = event.data;
      return { ...state, visits: { ...state.visits, [visitId]: { visitId, requestedBy, status: 'REQUESTED' } } };
    }
    case 'FieldVisitApproved':
      return { ...state, visits: visit(event.data.visitId, 'APPROVED') };
    case 'FieldVisitRejected':
      return { ...state, visits: visit(event.data.visitId, 'REJECTED') };
    case 'FieldVisitReported':
      return { ...state, visits: visit(event.data.visitId, 'REPORTED') };
    case 'CaseEscalated':
    case 'CaseDeescalated': {
      const d = event.data;
      return {
        ...state,
        stage: d.to,
        dpd: d.dpd,
        overdueAmount: d.overdueAmount,
        grade: d.grade,
        gradingPolicy: d.gradingPolicy ?? null,
        plan: d.plan,
        adjustments: 0,
      };
    }
    case 'CaseOnHold':
      return { ...state, holds: { ...state.holds, [event.data.holdId]: event.data.reason } };
    case 'CaseResumed': {
      const { [event.data.holdId]: _released, ...holds } = state.holds;
      return { ...state, holds };
    }
    case 'PlanAdjusted':
      return {
        ...state,
        plan: { ...state.plan, steps: applyAdjustment(state.plan.steps, event.data.adjustment) },
        adjustments: event.data.adjustmentsUsed,
      };
    case 'CaseClosed':
      return { ...state, status: 'closed', closeReason: event.data.reason, closedOn: event.data.closedOn };
    case 'CasePlacedWithAgency':
      return { ...state, placement: { placementId: event.data.placementId, agencyId: event.data.agencyId, since: event.data.since } };
    case 'CasePlacementEnded':
      return { ...state, placement: null };
    case 'LateReceiptRecorded':
      return { ...state, attempts: { ...state.attempts, [event.data.attemptId]: { blocked: null } } };
    case 'CasePaymentReversed':
    case 'PromiseReopened':
    case 'CaseCureUndone':
      return evolveCorrection(state, event);
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}
