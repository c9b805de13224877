import type { BusinessDate, DomainEvent, Fen, Role } from '#kernel';
import { recordedTerms, type Plan, type RestructuringTerms } from '../plan.js';
import type { Grade, RestructuringPolicy, RestructuringType, Stage } from '../policy.js';

/**
 * Events of the RestructuringRequest aggregate (stream `restructuring.request-<requestId>`), its
 * state and `evolve`. No event carries personal data: the borrower is a customerId, hardship
 * evidence is a list of document references, staff are user ids.
 *
 * Published for other contexts (collection, grading, messaging): RestructuringActivated,
 * PlanBroken and PlanCompleted. Each carries loanId and customerId and nothing case-specific.
 */

export const HARDSHIP_REASONS = [
  'JOB_LOSS',
  'INCOME_REDUCTION',
  'ILLNESS_OR_INJURY',
  'BUSINESS_DIFFICULTY',
  'FAMILY_EMERGENCY',
  'NATURAL_DISASTER',
  'OTHER',
] as const;
export type HardshipReason = (typeof HARDSHIP_REASONS)[number];

export const REJECTION_REASONS = ['NOT_ELIGIBLE', 'NOT_AFFORDABLE', 'INSUFFICIENT_EVIDENCE', 'TERMS_TOO_GENEROUS', 'CUSTOMER_WITHDREW', 'OTHER'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export const OFFER_CHANNELS = ['SMS', 'EMAIL', 'PHONE', 'LETTER', 'APP', 'BRANCH'] as const;
export type OfferChannel = (typeof OFFER_CHANNELS)[number];

/** WEB: the bank's web portal (self-service), beside its app. */
export const ACCEPTANCE_CHANNELS = ['APP', 'WEB', 'PHONE', 'BRANCH', 'SIGNED_FORM'] as const;
export type AcceptanceChannel = (typeof ACCEPTANCE_CHANNELS)[number];

export type GradeSource = 'GRADING' | 'DECLARED';

export interface Hardship {
  readonly reasonCode: HardshipReason;
  /** References to documents in the document store (payslips, medical notes...), never their content. */
  readonly evidenceRefs: readonly string[];
}

export type AssessmentRule =
  | 'PLAN_BUILDABLE'
  | 'NO_RECENT_RESTRUCTURING'
  | 'GRADE_ELIGIBLE'
  | 'STAGE_ELIGIBLE'
  | 'DEFERRAL_LIMIT'
  | 'TENOR_LIMIT'
  | 'RATE_LIMIT'
  | 'WAIVER_LIMIT'
  | 'MIN_INSTALLMENT'
  | 'AFFORDABILITY';

export interface AssessmentCheck {
  readonly rule: AssessmentRule;
  readonly passed: boolean;
  /** The values the rule compared, so the outcome is explainable from the event alone. */
  readonly detail: Readonly<Record<string, string | number | boolean | null | readonly string[]>>;
}

/** What every request event names: the request and the loan it restructures. */
interface RequestOnLoan {
  readonly requestId: string;
  readonly loanId: string;
}

/** ...and, on the events the customer's side reads, whose loan it is. */
interface RequestOfCustomer extends RequestOnLoan {
  readonly customerId: string;
}

/** A plan installment: its number in the plan (`n`), in the loan's schedule (`seq`), and its due date. */
interface PlanInstallmentRef {
  readonly n: number;
  readonly seq: number;
  readonly dueDate: BusinessDate;
}

export type RestructuringRequested = DomainEvent<
  'RestructuringRequested',
  RequestOfCustomer & {
    readonly type: RestructuringType;
    readonly terms: RestructuringTerms;
    readonly hardship: Hardship;
    /** Monthly income the customer declared (fen), evidenced by the hardship documents. */
    readonly monthlyIncome: Fen;
    readonly grade: Grade;
    /** GRADING: the grade the grading context last published; DECLARED: the collector's, none being published. */
    readonly gradeSource: GradeSource;
    readonly stage: Stage;
    readonly dpd: number;
    readonly requestedBy: string;
    readonly requestedOn: BusinessDate;
  }
>;

export type RestructuringAssessed = DomainEvent<
  'RestructuringAssessed',
  RequestOfCustomer & {
    readonly outcome: 'PASSED' | 'FAILED';
    readonly checks: readonly AssessmentCheck[];
    /** The whole policy applied; later steps of this request follow it. */
    readonly policy: RestructuringPolicy;
    readonly grade: Grade;
    readonly stage: Stage;
    readonly dpd: number;
    /** The schedule preview as of the assessment date, or null when no plan could be laid out. */
    readonly plan: Plan | null;
    readonly approvalsRequired: number;
    readonly assessedBy: string;
    readonly assessedOn: BusinessDate;
  }
>;

type RestructuringApproved = DomainEvent<
  'RestructuringApproved',
  RequestOnLoan & {
    readonly approverId: string;
    /** 1 for the first approval, 2 for the second. */
    readonly approval: number;
    readonly approvalsRequired: number;
    /** True when this approval completes the required approvals. */
    readonly final: boolean;
    readonly approvedOn: BusinessDate;
  }
>;

type RestructuringRejected = DomainEvent<
  'RestructuringRejected',
  RequestOnLoan & { readonly rejectedBy: string; readonly reasonCode: RejectionReason; readonly rejectedOn: BusinessDate }
>;

type RestructuringOffered = DomainEvent<
  'RestructuringOffered',
  RequestOfCustomer & {
    readonly channel: OfferChannel;
    readonly offeredBy: string;
    readonly offeredOn: BusinessDate;
    /** The last day the customer may accept. */
    readonly expiresOn: BusinessDate;
    /** The schedule as offered, laid out from the offer date. */
    readonly plan: Plan;
  }
>;

export type RestructuringAccepted = DomainEvent<
  'RestructuringAccepted',
  RequestOfCustomer & {
    readonly acceptedOn: BusinessDate;
    readonly channel: AcceptanceChannel;
    /** Who recorded the customer's acceptance: the service of a customer channel, or a collector. */
    readonly recordedBy: { readonly id: string; readonly role: Role };
    /** A document reference proving the acceptance (call recording, signed form), or null. */
    readonly evidenceRef: string | null;
  }
>;

/** The offer's last day (`expiresOn`) was closed without an acceptance; `expiredOn` is the day closed. */
type RestructuringOfferExpired = DomainEvent<
  'RestructuringOfferExpired',
  RequestOfCustomer & { readonly expiresOn: BusinessDate; readonly expiredOn: BusinessDate }
>;

interface ActivatedInstallment extends PlanInstallmentRef {
  readonly principal: Fen;
  readonly interest: Fen;
  readonly carried: Fen;
}

/** Published: the loan's schedule was replaced and the plan is under observation. */
export type RestructuringActivated = DomainEvent<
  'RestructuringActivated',
  RequestOfCustomer & {
    readonly type: RestructuringType;
    readonly effectiveDate: BusinessDate;
    readonly restructuredPrincipal: Fen;
    readonly carriedCharges: Fen;
    readonly waivedPenalty: Fen;
    readonly installments: readonly ActivatedInstallment[];
    /** The observation period ends on this date; PlanCompleted follows if it passes cleanly. */
    readonly observationEnds: BusinessDate;
    readonly graceDays: number;
    readonly grade: Grade;
    /** Delinquency stage and DPD just before the restructuring. */
    readonly stage: Stage;
    readonly dpd: number;
    readonly policyVersion: string;
  }
>;

type RestructuringActivationFailed = DomainEvent<
  'RestructuringActivationFailed',
  RequestOnLoan & { readonly code: string; readonly reason: string; readonly failedOn: BusinessDate }
>;

type PlanInstallmentPaid = DomainEvent<
  'PlanInstallmentPaid',
  RequestOfCustomer &
    PlanInstallmentRef & {
      /** The value date on which the installment's principal and interest were fully paid. */
      readonly paidOn: BusinessDate;
      /** 0 when paid by the due date. */
      readonly daysLate: number;
    }
>;

type PlanInstallmentMissed = DomainEvent<
  'PlanInstallmentMissed',
  RequestOfCustomer &
    PlanInstallmentRef & {
      readonly asOf: BusinessDate;
      /** The last day a payment still keeps the plan. */
      readonly graceEnds: BusinessDate;
    }
>;

/** A payment that had settled an installment was reversed: the installment is owed again. */
type PlanInstallmentPaymentReversed = DomainEvent<
  'PlanInstallmentPaymentReversed',
  RequestOnLoan & { readonly n: number; readonly seq: number; readonly asOf: BusinessDate }
>;

/** Published: an installment went unpaid beyond the grace period. */
export type PlanBroken = DomainEvent<
  'PlanBroken',
  RequestOfCustomer &
    PlanInstallmentRef & {
      readonly type: RestructuringType;
      readonly daysLate: number;
      readonly brokenOn: BusinessDate;
    }
>;

/** Published: the observation period passed with every installment due in it paid within grace. */
export type PlanCompleted = DomainEvent<
  'PlanCompleted',
  RequestOfCustomer & {
    readonly type: RestructuringType;
    readonly completedOn: BusinessDate;
    readonly installmentsObserved: number;
  }
>;

export type RestructuringEvent =
  | RestructuringRequested
  | RestructuringAssessed
  | RestructuringApproved
  | RestructuringRejected
  | RestructuringOffered
  | RestructuringAccepted
  | RestructuringOfferExpired
  | RestructuringActivated
  | RestructuringActivationFailed
  | PlanInstallmentPaid
  | PlanInstallmentMissed
  | PlanInstallmentPaymentReversed
  | PlanBroken
  | PlanCompleted;

export const RESTRUCTURING_EVENT_TYPES: readonly RestructuringEvent['type'][] = [
  'RestructuringRequested',
  'RestructuringAssessed',
  'RestructuringApproved',
  'RestructuringRejected',
  'RestructuringOffered',
  'RestructuringAccepted',
  'RestructuringOfferExpired',
  'RestructuringActivated',
  'RestructuringActivationFailed',
  'PlanInstallmentPaid',
  'PlanInstallmentMissed',
  'PlanInstallmentPaymentReversed',
  'PlanBroken',
  'PlanCompleted',
];

/** The events other contexts react to. */
export const PUBLISHED_EVENT_TYPES = ['RestructuringActivated', 'PlanBroken', 'PlanCompleted'] as const;

// ---- state -----------------------------------------------------------------------------------------

export type RequestStatus =
  | 'Requested'
  | 'Assessed'
  | 'AssessmentFailed'
  | 'PartiallyApproved'
  | 'Approved'
  | 'Rejected'
  | 'Offered'
  | 'Accepted'
  | 'OfferExpired'
  | 'Active'
  | 'ActivationFailed'
  | 'Completed'
  | 'Broken';

type InstallmentStatus = 'Pending' | 'Missed' | 'Paid';

interface ObservedInstallment extends ActivatedInstallment {
  readonly status: InstallmentStatus;
  /** The value date the installment was recorded as paid, while it is. */
  readonly paidOn: BusinessDate | null;
}

interface RequestFacts extends RequestOfCustomer {
  readonly type: RestructuringType;
  readonly terms: RestructuringTerms;
  readonly requestedBy: string;
  readonly requestedOn: BusinessDate;
  readonly grade: Grade;
  readonly monthlyIncome: Fen;
  readonly assessment: RestructuringAssessed['data'] | null;
  readonly approvers: readonly string[];
  readonly offer: RestructuringOffered['data'] | null;
  readonly acceptance: RestructuringAccepted['data'] | null;
  readonly activation: {
    readonly effectiveDate: BusinessDate;
    readonly observationEnds: BusinessDate;
    readonly graceDays: number;
    readonly installments: readonly ObservedInstallment[];
  } | null;
}

type NoRequest = { readonly status: 'None' };
export type OpenRequest = { readonly status: RequestStatus } & RequestFacts;
export type RequestState = NoRequest | OpenRequest;

export const initialRequestState = (): RequestState => ({ status: 'None' });

function withInstallment(state: OpenRequest, n: number, status: InstallmentStatus, paidOn: BusinessDate | null = null): OpenRequest {
  if (!state.activation) return state;
  return {
    ...state,
    activation: { ...state.activation, installments: state.activation.installments.map((i) => (i.n === n ? { ...i, status, paidOn } : i)) },
  };
}

export function evolve(state: RequestState, event: RestructuringEvent): RequestState {
  if (event.type === 'RestructuringRequested') {
    const d = event.data;
    return {
      status: 'Requested',
      requestId: d.requestId,
      loanId: d.loanId,
      customerId: d.customerId,
      type: d.type,
      terms: recordedTerms(d.terms),
      requestedBy: d.requestedBy,
      requestedOn: d.requestedOn,
      grade: d.grade,
      monthlyIncome: d.monthlyIncome,
      assessment: null,
      approvers: [],
      offer: null,
      acceptance: null,
      activation: null,
    };
  }
  if (state.status === 'None') return state;
  switch (event.type) {
    case 'RestructuringAssessed':
      return { ...state, status: event.data.outcome === 'PASSED' ? 'Assessed' : 'AssessmentFailed', assessment: event.data, grade: event.data.grade };
    case 'RestructuringApproved':
      return { ...state, status: event.data.final ? 'Approved' : 'PartiallyApproved', approvers: [...state.approvers, event.data.approverId] };
    case 'RestructuringRejected':
      return { ...state, status: 'Rejected' };
    case 'RestructuringOffered':
      return { ...state, status: 'Offered', offer: event.data };
    case 'RestructuringAccepted':
      return { ...state, status: 'Accepted', acceptance: event.data };
    case 'RestructuringOfferExpired':
      return { ...state, status: 'OfferExpired' };
    case 'RestructuringActivated':
      return {
        ...state,
        status: 'Active',
        activation: {
          effectiveDate: event.data.effectiveDate,
          observationEnds: event.data.observationEnds,
          graceDays: event.data.graceDays,
          installments: event.data.installments.map((i) => ({ ...i, status: 'Pending' as const, paidOn: null })),
        },
      };
    case 'RestructuringActivationFailed':
      return { ...state, status: 'ActivationFailed' };
    case 'PlanInstallmentPaid':
      return withInstallment(state, event.data.n, 'Paid', event.data.paidOn);
    case 'PlanInstallmentMissed':
      return withInstallment(state, event.data.n, 'Missed');
    case 'PlanInstallmentPaymentReversed':
      return withInstallment(state, event.data.n, 'Pending');
    case 'PlanBroken':
      return { ...withInstallment(state, event.data.n, 'Missed'), status: 'Broken' };
    case 'PlanCompleted':
      return { ...state, status: 'Completed' };
    default: {
      // An event type this code does not know (from a newer schema) changes nothing here.
      const _exhaustive: never = event;
      return state;
    }
  }
}
