import { addDays, compareDates, decideByType, domainError, isBusinessDate } from '#kernel';
import type { Actor, BusinessDate, Decider, DomainError, DomainEvent } from '#kernel';

/**
 * A complaint or dispute, from the moment it is raised to its resolution: raised (by the
 * customer in the bank's app or portal, by staff after a call, or on a regulator's referral),
 * acknowledged, investigated by someone outside the team of the cases it concerns, resolved with
 * an outcome and remedies. Its deadlines are business dates counted from the business date it was
 * raised on; an end of day past a deadline escalates it once per deadline. While it is open, the
 * cases it concerns are on hold (Collection's hold of reason COMPLAINT or DISPUTE, which the
 * contact rules turn into a stop on the debtor's ledger); see complaints.service.ts.
 *
 * Events carry ids and codes only: what the customer said lives in the document store, referenced
 * by `statementRef`, never in an event.
 */

export const COMPLAINT_KINDS = ['COMPLAINT', 'DISPUTE'] as const;
export type ComplaintKind = (typeof COMPLAINT_KINDS)[number];

/** What it is about. DISPUTE is about the debt itself (amount, existence, identity); a COMPLAINT about how the bank acted. */
export const COMPLAINT_CATEGORIES = [
  'CONTACT_CONDUCT',
  'CONTACT_FREQUENCY',
  'THIRD_PARTY_CONTACT',
  'DEBT_AMOUNT',
  'NOT_MY_DEBT',
  'FEES_AND_PENALTIES',
  'RESTRUCTURING',
  'OTHER',
] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

const COMPLAINT_SOURCES = ['CUSTOMER', 'STAFF', 'REGULATOR'] as const;
export type ComplaintSource = (typeof COMPLAINT_SOURCES)[number];

export const COMPLAINT_OUTCOMES = ['UPHELD', 'PARTLY_UPHELD', 'NOT_UPHELD'] as const;
export type ComplaintOutcome = (typeof COMPLAINT_OUTCOMES)[number];

export const REMEDIES = ['FEE_REFUND', 'PENALTY_WAIVER', 'DEBT_CORRECTION', 'CONTACT_STOP', 'COLLECTOR_RETRAINING', 'APOLOGY', 'NONE'] as const;
export type Remedy = (typeof REMEDIES)[number];

/** Why a resolution deadline is extended: the matter needs more than the usual time. */
export const EXTENSION_REASONS = ['COMPLEX_CASE', 'AWAITING_CUSTOMER', 'AWAITING_THIRD_PARTY'] as const;
export type ExtensionReason = (typeof EXTENSION_REASONS)[number];

/** Which deadline an escalation is for. */
type Deadline = 'ACKNOWLEDGEMENT' | 'RESOLUTION';

/**
 * The complaint handling policy: how many days after the business date it was raised a complaint
 * must be acknowledged and resolved. Its version goes on every event's metadata.
 */
export interface ComplaintPolicy {
  readonly version: string;
  readonly acknowledgeWithinDays: number;
  readonly resolveWithinDays: number;
  /** How many days the investigator may extend the resolution deadline by, once (0: no extension). */
  readonly maxExtensionDays: number;
}

export const DEFAULT_COMPLAINT_POLICY: ComplaintPolicy = Object.freeze({
  version: 'complaints-1',
  acknowledgeWithinDays: 2,
  resolveWithinDays: 15,
  maxExtensionDays: 15,
});

function complaintPolicyProblem(policy: ComplaintPolicy): string | null {
  const { acknowledgeWithinDays: ack, resolveWithinDays: resolve } = policy;
  if (!Number.isInteger(ack) || ack < 0 || !Number.isInteger(resolve) || resolve < 1)
    return 'deadlines are whole days (acknowledgement from 0, resolution from 1)';
  if (ack > resolve) return 'a complaint is acknowledged no later than it is resolved';
  if (!Number.isInteger(policy.maxExtensionDays) || policy.maxExtensionDays < 0) return 'an extension is a whole number of days, from 0';
  return null;
}

// ---- events ----------------------------------------------------------------------------------------

/** An event of the complaint's file as a whole: it names the complaint and the customer whose it is. */
type CustomerComplaintEvent<T extends string, D> = DomainEvent<T, { readonly complaintId: string; readonly customerId: string } & D>;

export type ComplaintRaised = CustomerComplaintEvent<
  'ComplaintRaised',
  {
    readonly kind: ComplaintKind;
    readonly category: ComplaintCategory;
    readonly source: ComplaintSource;
    /** The loan it is about, if one. */
    readonly loanId: string | null;
    /** The collection cases it concerns (held while it is open); empty when the customer has none open. */
    readonly caseIds: readonly string[];
    /** The teams working those cases when it was raised (the investigator must be outside them). */
    readonly caseTeams: readonly string[];
    readonly caseCollectors: readonly string[];
    /** The customer's statement or the referral letter, in the document store. */
    readonly statementRef: string | null;
    readonly raisedBy: Actor;
    readonly raisedOn: BusinessDate;
    readonly acknowledgeBy: BusinessDate;
    readonly resolveBy: BusinessDate;
  }
>;
export type ComplaintAcknowledged = DomainEvent<
  'ComplaintAcknowledged',
  { readonly complaintId: string; readonly acknowledgedBy: Actor; readonly acknowledgedOn: BusinessDate }
>;
export type ComplaintInvestigationStarted = DomainEvent<
  'ComplaintInvestigationStarted',
  { readonly complaintId: string; readonly investigator: Actor; readonly investigatorTeam: string | null; readonly startedOn: BusinessDate }
>;
export type ComplaintResolved = CustomerComplaintEvent<
  'ComplaintResolved',
  {
    readonly kind: ComplaintKind;
    readonly outcome: ComplaintOutcome;
    readonly remedies: readonly Remedy[];
    readonly resolutionRef: string | null;
    readonly resolvedBy: Actor;
    readonly resolvedOn: BusinessDate;
    /** The cases whose hold the resolution lifts. */
    readonly caseIds: readonly string[];
    /** Whether it was resolved after its resolution deadline. */
    readonly late: boolean;
  }
>;
/** The investigator moved the resolution deadline later, once, within the policy's limit, for a stated reason. */
export type ComplaintDeadlineExtended = CustomerComplaintEvent<
  'ComplaintDeadlineExtended',
  {
    readonly previousResolveBy: BusinessDate;
    readonly resolveBy: BusinessDate;
    readonly days: number;
    readonly reason: ExtensionReason;
    /** The notice telling the customer of the extension and why, in the document store. */
    readonly noticeRef: string | null;
    readonly extendedBy: Actor;
    readonly extendedOn: BusinessDate;
  }
>;
export type ComplaintEscalated = CustomerComplaintEvent<
  'ComplaintEscalated',
  {
    readonly deadline: Deadline;
    readonly due: BusinessDate;
    /** The business day whose close found the deadline missed. */
    readonly escalatedOn: BusinessDate;
  }
>;

export type ComplaintEvent =
  ComplaintRaised | ComplaintAcknowledged | ComplaintInvestigationStarted | ComplaintDeadlineExtended | ComplaintResolved | ComplaintEscalated;
export const COMPLAINT_EVENT_TYPES: readonly ComplaintEvent['type'][] = [
  'ComplaintRaised',
  'ComplaintAcknowledged',
  'ComplaintInvestigationStarted',
  'ComplaintDeadlineExtended',
  'ComplaintResolved',
  'ComplaintEscalated',
];

// ---- state -----------------------------------------------------------------------------------------

type ComplaintStatus = 'RAISED' | 'ACKNOWLEDGED' | 'INVESTIGATING' | 'RESOLVED';

/** What the raised event said that the complaint's later steps look at. */
type RaisedFile = Omit<ComplaintRaised['data'], 'category' | 'source' | 'loanId' | 'statementRef'>;

interface ComplaintFile extends RaisedFile {
  readonly acknowledgedOn: BusinessDate | null;
  readonly investigator: Actor | null;
  readonly escalated: readonly Deadline[];
  /** Whether the resolution deadline was extended (once at most). */
  readonly extended: boolean;
}

export type ComplaintState = { readonly status: 'NONE' } | ({ readonly status: ComplaintStatus } & ComplaintFile);

const initialComplaintState = (): ComplaintState => ({ status: 'NONE' });

function evolveComplaint(state: ComplaintState, event: ComplaintEvent): ComplaintState {
  switch (event.type) {
    case 'ComplaintRaised': {
      const { category, source, loanId, statementRef, ...file } = event.data;
      return { status: 'RAISED', ...file, acknowledgedOn: null, investigator: null, escalated: [], extended: false };
    }
    case 'ComplaintAcknowledged':
      return state.status === 'NONE' ? state : { ...state, status: 'ACKNOWLEDGED', acknowledgedOn: event.data.acknowledgedOn };
    case 'ComplaintInvestigationStarted':
      return state.status === 'NONE' ? state : { ...state, status: 'INVESTIGATING', investigator: event.data.investigator };
    case 'ComplaintDeadlineExtended':
      return state.status === 'NONE' ? state : { ...state, resolveBy: event.data.resolveBy, extended: true };
    case 'ComplaintResolved':
      return state.status === 'NONE' ? state : { ...state, status: 'RESOLVED' };
    case 'ComplaintEscalated':
      return state.status === 'NONE' ? state : { ...state, escalated: [...state.escalated, event.data.deadline] };
    default: {
      const _never: never = event;
      return state;
    }
  }
}

// ---- commands --------------------------------------------------------------------------------------

export type RaiseComplaint = {
  readonly type: 'RaiseComplaint';
  readonly data: Omit<ComplaintRaised['data'], 'acknowledgeBy' | 'resolveBy'> & { readonly policy: ComplaintPolicy };
};
type AcknowledgeComplaint = {
  readonly type: 'AcknowledgeComplaint';
  readonly data: { readonly complaintId: string; readonly by: Actor; readonly businessDate: BusinessDate };
};
type StartInvestigation = {
  readonly type: 'StartInvestigation';
  readonly data: { readonly complaintId: string; readonly investigator: Actor; readonly investigatorTeam: string | null; readonly businessDate: BusinessDate };
};
type ResolveComplaint = {
  readonly type: 'ResolveComplaint';
  readonly data: {
    readonly complaintId: string;
    readonly outcome: ComplaintOutcome;
    readonly remedies: readonly Remedy[];
    readonly resolutionRef: string | null;
    readonly by: Actor;
    readonly businessDate: BusinessDate;
  };
};
type ExtendResolutionDeadline = {
  readonly type: 'ExtendResolutionDeadline';
  readonly data: {
    readonly complaintId: string;
    readonly days: number;
    readonly reason: ExtensionReason;
    readonly noticeRef: string | null;
    readonly by: Actor;
    readonly businessDate: BusinessDate;
    readonly policy: ComplaintPolicy;
  };
};
/** The end of business day `closedDate`: every deadline on or before it that is still unmet escalates. */
type EscalateOverdue = { readonly type: 'EscalateOverdue'; readonly data: { readonly complaintId: string; readonly closedDate: BusinessDate } };

export type ComplaintCommand = RaiseComplaint | AcknowledgeComplaint | StartInvestigation | ExtendResolutionDeadline | ResolveComplaint | EscalateOverdue;

type Decision = readonly ComplaintEvent[] | DomainError;
type Open = Exclude<ComplaintState, { status: 'NONE' }>;

const isError = (v: unknown): v is DomainError => typeof v === 'object' && v !== null && (v as DomainError).kind === 'DomainError';

function existing(state: ComplaintState, complaintId: string): Open | DomainError {
  if (state.status === 'NONE') return domainError('COMPLAINT_NOT_FOUND', `no complaint ${complaintId}`, { complaintId }, 'not_found');
  return state;
}

function open(state: ComplaintState, complaintId: string): Open | DomainError {
  const c = existing(state, complaintId);
  if (isError(c)) return c;
  if (c.status === 'RESOLVED') return domainError('COMPLAINT_RESOLVED', `complaint ${complaintId} is resolved`, { complaintId }, 'conflict');
  return c;
}

function dated(c: Open, businessDate: BusinessDate): DomainError | null {
  if (!isBusinessDate(businessDate)) return domainError('INVALID_DATE', 'the business date must be a calendar date', { businessDate });
  if (compareDates(businessDate, c.raisedOn) < 0)
    return domainError('DATE_BEFORE_COMPLAINT', `complaint ${c.complaintId} was raised on ${c.raisedOn}`, { raisedOn: c.raisedOn, businessDate });
  return null;
}

/** `value` is one of `list`'s members, else the `code` refusal that names them. */
function notOneOf(list: readonly string[], field: string, value: string, code: string): DomainError | null {
  return list.includes(value) ? null : domainError(code, `${field} must be one of ${list.join(', ')}`);
}

/** A step only the complaint's investigator takes, once the investigation has started. */
function notTheInvestigator(c: Open, by: Actor, unstarted: string, code: string, step: string): DomainError | null {
  if (!c.investigator) return domainError('INVESTIGATION_REQUIRED', unstarted, {}, 'conflict');
  if (c.investigator.id !== by.id) return domainError(code, `the investigator (${c.investigator.id}) ${step}`, {}, 'forbidden');
  return null;
}

function decideRaise(command: RaiseComplaint, state: ComplaintState): Decision {
  const { policy, ...d } = command.data;
  if (state.status !== 'NONE') {
    // The same complaint again (a retry with the same id) is nothing new; another under its id is refused.
    return state.customerId === d.customerId && state.raisedOn === d.raisedOn
      ? []
      : domainError('COMPLAINT_EXISTS', `complaint ${d.complaintId} already exists`, {}, 'conflict');
  }
  if (!isBusinessDate(d.raisedOn)) return domainError('INVALID_DATE', 'the business date must be a calendar date', { raisedOn: d.raisedOn });
  const listed =
    notOneOf(COMPLAINT_KINDS, 'kind', d.kind, 'INVALID_KIND') ??
    notOneOf(COMPLAINT_CATEGORIES, 'category', d.category, 'INVALID_CATEGORY') ??
    notOneOf(COMPLAINT_SOURCES, 'source', d.source, 'INVALID_SOURCE');
  if (listed) return listed;
  if (d.source === 'CUSTOMER' && (d.raisedBy.role !== 'customer' || d.raisedBy.id !== d.customerId)) {
    return domainError(
      'COMPLAINT_SOURCE_MISMATCH',
      'a complaint from the customer is raised by that customer',
      { source: d.source, role: d.raisedBy.role },
      'forbidden',
    );
  }
  if (d.source !== 'CUSTOMER' && d.raisedBy.role === 'customer') {
    return domainError('COMPLAINT_SOURCE_MISMATCH', 'a customer raises complaints of source CUSTOMER', { source: d.source }, 'forbidden');
  }
  if (d.source === 'REGULATOR' && !d.statementRef)
    return domainError('REFERRAL_REF_REQUIRED', 'a regulator referral references the referral letter (statementRef)');
  const problem = complaintPolicyProblem(policy);
  if (problem) return domainError('INVALID_COMPLAINT_POLICY', problem, { version: policy.version });
  return [
    {
      type: 'ComplaintRaised',
      data: { ...d, acknowledgeBy: addDays(d.raisedOn, policy.acknowledgeWithinDays), resolveBy: addDays(d.raisedOn, policy.resolveWithinDays) },
    },
  ];
}

function decideAcknowledge(command: AcknowledgeComplaint, state: ComplaintState): Decision {
  const d = command.data;
  const c = open(state, d.complaintId);
  if (isError(c)) return c;
  if (c.acknowledgedOn !== null) return [];
  const when = dated(c, d.businessDate);
  if (when) return when;
  if (d.by.role === 'customer') return domainError('STAFF_REQUIRED', 'the bank acknowledges a complaint', {}, 'forbidden');
  return [{ type: 'ComplaintAcknowledged', data: { complaintId: d.complaintId, acknowledgedBy: d.by, acknowledgedOn: d.businessDate } }];
}

/**
 * Investigated by someone independent of the cases: not a collector who worked them, not a member
 * of their teams (GB/T 45251-2025 and the bank's complaint policy keep the handler apart from the
 * collection). An acknowledgement is implied when the investigation starts first.
 */
function decideStartInvestigation(command: StartInvestigation, state: ComplaintState): Decision {
  const d = command.data;
  const c = open(state, d.complaintId);
  if (isError(c)) return c;
  if (c.investigator) {
    return c.investigator.id === d.investigator.id
      ? []
      : domainError(
          'INVESTIGATOR_ASSIGNED',
          `complaint ${d.complaintId} is investigated by ${c.investigator.id}`,
          { investigator: c.investigator.id },
          'conflict',
        );
  }
  const when = dated(c, d.businessDate);
  if (when) return when;
  if (d.investigator.role === 'customer' || d.investigator.role === 'collector' || d.investigator.role === 'service' || d.investigator.role === 'system') {
    return domainError('INVESTIGATOR_NOT_ALLOWED', 'a supervisor, risk manager or admin investigates a complaint', { role: d.investigator.role }, 'forbidden');
  }
  if (c.caseCollectors.includes(d.investigator.id) || (d.investigatorTeam !== null && c.caseTeams.includes(d.investigatorTeam))) {
    return domainError(
      'INVESTIGATOR_NOT_INDEPENDENT',
      'the investigator must be outside the team of the cases the complaint concerns',
      { caseTeams: c.caseTeams, investigatorTeam: d.investigatorTeam },
      'forbidden',
    );
  }
  const events: ComplaintEvent[] = [];
  if (c.acknowledgedOn === null)
    events.push({ type: 'ComplaintAcknowledged', data: { complaintId: d.complaintId, acknowledgedBy: d.investigator, acknowledgedOn: d.businessDate } });
  events.push({
    type: 'ComplaintInvestigationStarted',
    data: { complaintId: d.complaintId, investigator: d.investigator, investigatorTeam: d.investigatorTeam, startedOn: d.businessDate },
  });
  return events;
}

function decideResolve(command: ResolveComplaint, state: ComplaintState): Decision {
  const d = command.data;
  const c = existing(state, d.complaintId);
  if (isError(c)) return c;
  if (c.status === 'RESOLVED') return [];
  const refused =
    notTheInvestigator(c, d.by, 'a complaint is resolved after it has been investigated', 'RESOLVER_NOT_INVESTIGATOR', 'resolves the complaint') ??
    dated(c, d.businessDate) ??
    notOneOf(COMPLAINT_OUTCOMES, 'outcome', d.outcome, 'INVALID_OUTCOME');
  if (refused) return refused;
  if (d.remedies.length === 0 || d.remedies.some((r) => !(REMEDIES as readonly string[]).includes(r)))
    return domainError('INVALID_REMEDY', `remedies are one or more of ${REMEDIES.join(', ')}`);
  if (d.outcome === 'NOT_UPHELD' && d.remedies.some((r) => r !== 'NONE' && r !== 'APOLOGY')) {
    return domainError('REMEDY_WITHOUT_FINDING', 'a complaint not upheld carries no remedy beyond an apology', { remedies: d.remedies });
  }
  if (d.outcome !== 'NOT_UPHELD' && d.remedies.includes('NONE')) return domainError('REMEDY_REQUIRED', 'an upheld complaint names its remedy');
  return [
    {
      type: 'ComplaintResolved',
      data: {
        complaintId: d.complaintId,
        customerId: c.customerId,
        kind: c.kind,
        outcome: d.outcome,
        remedies: [...new Set(d.remedies)],
        resolutionRef: d.resolutionRef,
        resolvedBy: d.by,
        resolvedOn: d.businessDate,
        caseIds: c.caseIds,
        late: compareDates(d.businessDate, c.resolveBy) > 0,
      },
    },
  ];
}

/**
 * The resolution deadline extended: by the investigator (who knows why the matter takes longer),
 * once, by 1 to the policy's `maxExtensionDays` business days counted from the current deadline,
 * for a stated reason, while the deadline has not yet passed (a missed deadline has escalated and
 * stays missed). The customer is told; `noticeRef` references that notice.
 */
function decideExtend(command: ExtendResolutionDeadline, state: ComplaintState): Decision {
  const d = command.data;
  const c = open(state, d.complaintId);
  if (isError(c)) return c;
  const refused =
    notTheInvestigator(
      c,
      d.by,
      'the investigator extends the deadline, once the investigation has started',
      'EXTENDER_NOT_INVESTIGATOR',
      'extends the deadline',
    ) ??
    dated(c, d.businessDate) ??
    notOneOf(EXTENSION_REASONS, 'reason', d.reason, 'INVALID_EXTENSION_REASON');
  if (refused) return refused;
  if (!Number.isInteger(d.days) || d.days < 1 || d.days > d.policy.maxExtensionDays) {
    return domainError('EXTENSION_TOO_LONG', `the deadline is extended by 1 to ${d.policy.maxExtensionDays} days`, {
      days: d.days,
      maxExtensionDays: d.policy.maxExtensionDays,
    });
  }
  if (c.extended)
    return domainError(
      'DEADLINE_ALREADY_EXTENDED',
      `complaint ${d.complaintId}'s deadline was extended already (to ${c.resolveBy})`,
      { resolveBy: c.resolveBy },
      'conflict',
    );
  if (compareDates(d.businessDate, c.resolveBy) > 0) {
    return domainError(
      'DEADLINE_PASSED',
      `the resolution deadline ${c.resolveBy} has passed; it is not extended afterwards`,
      { resolveBy: c.resolveBy },
      'conflict',
    );
  }
  return [
    {
      type: 'ComplaintDeadlineExtended',
      data: {
        complaintId: d.complaintId,
        customerId: c.customerId,
        previousResolveBy: c.resolveBy,
        resolveBy: addDays(c.resolveBy, d.days),
        days: d.days,
        reason: d.reason,
        noticeRef: d.noticeRef,
        extendedBy: d.by,
        extendedOn: d.businessDate,
      },
    },
  ];
}

function decideEscalate(command: EscalateOverdue, state: ComplaintState): Decision {
  const d = command.data;
  if (state.status === 'NONE' || state.status === 'RESOLVED') return [];
  if (!isBusinessDate(d.closedDate)) return domainError('INVALID_DATE', 'the closed date must be a calendar date', { closedDate: d.closedDate });
  const events: ComplaintEvent[] = [];
  const missed = (deadline: Deadline, due: BusinessDate, met: boolean) => {
    if (!met && !state.escalated.includes(deadline) && compareDates(due, d.closedDate) <= 0) {
      events.push({
        type: 'ComplaintEscalated',
        data: { complaintId: state.complaintId, customerId: state.customerId, deadline, due, escalatedOn: d.closedDate },
      });
    }
  };
  missed('ACKNOWLEDGEMENT', state.acknowledgeBy, state.acknowledgedOn !== null);
  missed('RESOLUTION', state.resolveBy, false);
  return events;
}

const decideComplaint = decideByType<ComplaintCommand, ComplaintState, Decision>('complaint', {
  RaiseComplaint: decideRaise,
  AcknowledgeComplaint: decideAcknowledge,
  StartInvestigation: decideStartInvestigation,
  ExtendResolutionDeadline: decideExtend,
  ResolveComplaint: decideResolve,
  EscalateOverdue: decideEscalate,
});

export const complaintDecider: Decider<ComplaintCommand, ComplaintEvent, ComplaintState> = {
  initialState: initialComplaintState,
  decide: decideComplaint,
  evolve: evolveComplaint,
};

export const complaintStream = (complaintId: string): string => `selfservice.complaint-${complaintId}`;

/** The Collection hold a complaint places on each case it concerns (one id per complaint). */
export const complaintHoldId = (complaintId: string): string => `complaint-${complaintId}`;
