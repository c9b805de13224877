import {
  addDays,
  compareDates,
  domainError,
  isDomainError,
  fourEyes,
  isBusinessDate,
  type Actor,
  type BusinessDate,
  type Decider,
  type DomainError,
  type Fen,
  isTimeZone,
} from '#kernel';
import {
  caseFacts,
  evolveCase,
  initialCaseState,
  occurrenceKey,
  type ActionScheduled,
  type AttemptRecord,
  type CaseEvent,
  type CaseFacts,
  type CaseFile,
  type CaseState,
  type ClosedCase,
  type OpenCase,
  type Plan,
  type PlanAdjustment,
} from './events.js';
import type { Certification } from '../collector.js';
import { caseContactRefusal, type ContactRefusal } from '../contact-policy.js';
import { localTimeOf, type ContactRules } from '../contact-rules.js';
import {
  keptDuringPlacement,
  DEFAULT_ADJUSTMENT_LIMITS,
  DEFAULT_PROMISE_TERMS,
  GRADES,
  HOLD_REASONS,
  OUTCOMES,
  stageRank,
  type AttemptedBy,
  type Channel,
  type CloseReason,
  type Command,
  type Grade,
  type HoldReason,
  type LadderStep,
  type Outcome,
  type Party,
  type PromiseInput,
  type ResolvedStrategy,
  type Stage,
  type StepTiming,
} from '../model.js';
import { decideReverseCasePayment, decideUndoCure, type CorrectionCommand } from '../corrections.js';
import { judgePromises, maxHorizonDays, minimumPromise, toleranceFor, type PromiseVerdict } from '../promises.js';
import { dueSteps, sendTimeOf, stepOfAction } from '../scheduling.js';
import { ladderProblem } from '../strategy.js';

/**
 * Commands of the CollectionCase aggregate and one small decide function for each. Everything a
 * decision needs arrives on the command: business dates and instants, the strategy resolved for
 * the case's (grade, stage), the contact rules in force, the collector's certifications and the
 * debtor ledger's verdict. Nothing here reads a clock or a store.
 */

export type OpenCaseCommand = Command<
  'OpenCase',
  CaseFacts & {
    readonly oldestUnpaidDueDate: BusinessDate;
    readonly asOf: BusinessDate;
    /** The strategy for (grade, stage) on `asOf`, its arm chosen for this case; null when none applies. */
    readonly strategy: ResolvedStrategy | null;
    readonly nextDueDate: BusinessDate | null;
    /** The Grading policy version behind `grade` (null: the default grade, not graded yet). */
    readonly gradingPolicy?: string | null;
  }
>;
type AssignCase = Command<'AssignCase', { readonly caseId: string; readonly collectorId: string; readonly team: string }>;
type ReassignCase = Command<'ReassignCase', { readonly caseId: string; readonly to: string; readonly team: string; readonly reason: string }>;
type ChangeStage = Command<
  'ChangeStage',
  {
    readonly caseId: string;
    readonly stage: Stage;
    readonly dpd: number;
    readonly overdueAmount: Fen;
    readonly asOf: BusinessDate;
    readonly grade: Grade;
    readonly strategy: ResolvedStrategy | null;
    readonly nextDueDate: BusinessDate | null;
    readonly gradingPolicy?: string | null;
  }
>;
/** The end of a business day for one case: promises are judged and due steps scheduled. */
export type CloseCaseDay = Command<
  'CloseCaseDay',
  { readonly caseId: string; readonly businessDate: BusinessDate; readonly dpd: number; readonly nextDueDate: BusinessDate | null }
>;
type RecordPayment = Command<
  'RecordPayment',
  { readonly caseId: string; readonly reference: string; readonly amount: Fen; readonly valueDate: BusinessDate; readonly businessDate: BusinessDate }
>;

/** What the debtor's contact ledger decided about the attempt. */
export type DebtorVerdict = { readonly cleared: true } | ({ readonly cleared: false } & ContactRefusal);

export interface ContactAttemptData {
  readonly caseId: string;
  /** Unique per attempt: a collector's key, or the channel executor's outcome message id. */
  readonly attemptId: string;
  readonly actionId: string | null;
  readonly channel: Channel;
  readonly outcome: Outcome;
  /** The instant the contact was made (ISO-8601). */
  readonly at: string;
  /**
   * The open business date (from Collection's copy of Loans' calendar) when the attempt is
   * reported: `at` must fall on it in the debtor's time zone.
   */
  readonly businessDate: BusinessDate;
  readonly by: AttemptedBy;
  readonly party: Party;
  readonly thirdPartyContactId: string | null;
  readonly debtDisclosed: boolean;
  readonly visitId: string | null;
  readonly promise: PromiseInput | null;
  /** The call's recording reference (required for calls under the 2026 guideline). */
  readonly recordingRef: string | null;
  /** The other collectors on a field visit (the 2026 guideline asks for at least two in all). */
  readonly accompaniedBy: readonly string[];
  /** The contact opened by naming the bank (and agency): required of a case's first contact reaching someone (2026). */
  readonly identified: boolean;
}

export type AttemptContact = Command<
  'AttemptContact',
  ContactAttemptData & {
    readonly rules: ContactRules;
    /** The collector's certifications when a collector made the attempt; null for executors. */
    readonly collectorCertifications: Readonly<Record<string, Certification>> | null;
    readonly debtorVerdict: DebtorVerdict;
  }
>;
type RequestFieldVisit = Command<
  'RequestFieldVisit',
  { readonly caseId: string; readonly visitId: string; readonly plannedOn: BusinessDate; readonly reason: string; readonly by: Actor }
>;
type ApproveFieldVisit = Command<'ApproveFieldVisit', { readonly caseId: string; readonly visitId: string; readonly by: Actor }>;
type RejectFieldVisit = Command<'RejectFieldVisit', { readonly caseId: string; readonly visitId: string; readonly reason: string; readonly by: Actor }>;

export type AdjustmentRequest =
  | { readonly kind: 'SKIP'; readonly stepId: string }
  | { readonly kind: 'MOVE'; readonly stepId: string; readonly to: StepTiming }
  | { readonly kind: 'ADD'; readonly step: LadderStep };
type AdjustPlan = Command<
  'AdjustPlan',
  { readonly caseId: string; readonly adjustment: AdjustmentRequest; readonly reason: string; readonly by: Actor; readonly dpd: number }
>;
/** A promise the customer makes in the bank's app or web portal, on the open business date. */
type RecordCustomerPromise = Command<
  'RecordCustomerPromise',
  { readonly caseId: string; readonly requestId: string; readonly promise: PromiseInput; readonly businessDate: BusinessDate }
>;
type PlaceOnHold = Command<'PlaceOnHold', { readonly caseId: string; readonly holdId: string; readonly reason: HoldReason; readonly since: BusinessDate }>;
type ReleaseHold = Command<'ReleaseHold', { readonly caseId: string; readonly holdId: string; readonly resolution: string; readonly on: BusinessDate }>;
type CloseCase = Command<
  'CloseCase',
  {
    readonly caseId: string;
    readonly reason: CloseReason;
    readonly closedOn: BusinessDate;
    /** When the reason is WRITTEN_OFF: the date Loans wrote the loan off (null or absent: it has not). */
    readonly loanWrittenOffOn?: BusinessDate | null;
  }
>;

/**
 * Agencies' placement of the case started (the debtor was told) or ended (recall, expiry,
 * cancellation): sent by Agencies through CaseService, in reaction to its own placement events.
 */
type MarkPlaced = Command<'MarkPlaced', { readonly caseId: string; readonly placementId: string; readonly agencyId: string; readonly since: BusinessDate }>;
type EndPlacement = Command<'EndPlacement', { readonly caseId: string; readonly placementId: string; readonly reason: string; readonly on: BusinessDate }>;

export type CaseCommand =
  | MarkPlaced
  | EndPlacement
  | OpenCaseCommand
  | AssignCase
  | ReassignCase
  | ChangeStage
  | CloseCaseDay
  | RecordPayment
  | AttemptContact
  | RecordCustomerPromise
  | RequestFieldVisit
  | ApproveFieldVisit
  | RejectFieldVisit
  | AdjustPlan
  | PlaceOnHold
  | ReleaseHold
  | CloseCase
  | CorrectionCommand;

type Decision = readonly CaseEvent[] | DomainError;

// ---- shared ---------------------------------------------------------------------------------------

function existing(state: CaseState, caseId: string): OpenCase | ClosedCase | DomainError {
  if (state.status === 'none') return domainError('CASE_NOT_FOUND', `no collection case ${caseId}`, { caseId }, 'not_found');
  return state;
}

function openCase(state: CaseState, caseId: string): OpenCase | DomainError {
  const c = existing(state, caseId);
  if (isDomainError(c)) return c;
  if (c.status === 'closed')
    return domainError('CASE_CLOSED', `case ${caseId} was closed (${c.closeReason}) on ${c.closedOn}`, { caseId, reason: c.closeReason }, 'conflict');
  return c;
}

/** The plan of a stage: the strategy's steps placed on that stage, and those placed on no stage. */
export function planFor(stage: Stage, strategy: ResolvedStrategy | null): Plan {
  return {
    planId: strategy ? `${stage}.${strategy.ref.strategyId}.v${strategy.ref.version}.${strategy.ref.variant}` : `${stage}.none`,
    stage,
    strategy: strategy?.ref ?? null,
    steps: (strategy?.ladder ?? []).filter((step) => step.stage === undefined || step.stage === stage),
    promiseTerms: strategy?.promiseTerms ?? DEFAULT_PROMISE_TERMS,
    adjustmentLimits: strategy?.adjustmentLimits ?? DEFAULT_ADJUSTMENT_LIMITS,
  };
}

function actionIdOf(caseId: string, planId: string, stepId: string, installmentDueDate: BusinessDate | null): string {
  return `${caseId}/${occurrenceKey(planId, stepId, installmentDueDate)}`;
}

/**
 * The steps due on a date become ActionScheduled; nothing is scheduled while the case is on hold.
 * On a stage change (`entering`) the new plan starts from its first step due: see `dueSteps`.
 */
function schedule(file: CaseFile, dpd: number, businessDate: BusinessDate, nextDueDate: BusinessDate | null, entering = false): ActionScheduled[] {
  if (Object.keys(file.holds).length) return [];
  const plan = file.placement ? { ...file.plan, steps: file.plan.steps.filter(keptDuringPlacement) } : file.plan;
  return dueSteps(plan, file.scheduled, dpd, businessDate, nextDueDate, entering).map(({ step, installmentDueDate, supersedes }) => ({
    type: 'ActionScheduled',
    data: {
      caseId: file.caseId,
      actionId: actionIdOf(file.caseId, file.plan.planId, step.stepId, installmentDueDate),
      grade: file.grade,
      gradingPolicy: file.gradingPolicy ?? null,
      loanId: file.loanId,
      customerId: file.customerId,
      planId: file.plan.planId,
      ...stepOfAction(step),
      collectorId: step.performer === 'COLLECTOR' ? file.collectorId : null,
      dueOn: businessDate,
      dpd,
      installmentDueDate,
      strategy: file.plan.strategy,
      supersedes,
      ...sendTimeOf(step),
      ...(step.duringPlacement !== undefined ? { duringPlacement: step.duringPlacement } : {}),
    },
  }));
}

function promiseEvents(caseId: string, verdicts: readonly PromiseVerdict[], on: BusinessDate): CaseEvent[] {
  return verdicts.map((v): CaseEvent => {
    const p = v.promise;
    switch (v.verdict) {
      case 'KEPT':
        return { type: 'PromiseKept', data: { caseId, promiseId: p.promiseId, amount: p.amount, paidAmount: v.paid, keptOn: on } };
      case 'BROKEN':
        return {
          type: 'PromiseBroken',
          data: { caseId, promiseId: p.promiseId, amount: p.amount, paidAmount: v.paid, shortfall: p.amount - v.paid, dueOn: p.dueOn, brokenOn: on },
        };
      case 'CANCELLED':
        return { type: 'PromiseCancelled', data: { caseId, promiseId: p.promiseId, reason: 'CASE_CLOSED', paidAmount: v.paid } };
    }
  });
}

function invalidDates(dates: Record<string, unknown>): DomainError | null {
  for (const [field, value] of Object.entries(dates)) {
    if (!isBusinessDate(value)) return domainError('INVALID_DATE', `${field} must be a calendar date (YYYY-MM-DD)`, { field, value });
  }
  return null;
}

// ---- OpenCase / stage / day -----------------------------------------------------------------------

function decideOpenCase(command: OpenCaseCommand, state: CaseState): Decision {
  const d = command.data;
  if (state.status !== 'none') return [];
  const badDate = invalidDates({ asOf: d.asOf, oldestUnpaidDueDate: d.oldestUnpaidDueDate });
  if (badDate) return badDate;
  if (!isTimeZone(d.timeZone)) return domainError('INVALID_TIME_ZONE', `unknown time zone ${d.timeZone}`, { timeZone: d.timeZone });
  if (!(GRADES as readonly string[]).includes(d.grade)) return domainError('INVALID_GRADE', `unknown grade ${d.grade}`, { grade: d.grade });
  const plan = planFor(d.stage, d.strategy);
  const opened: CaseEvent = {
    type: 'CaseOpened',
    data: {
      ...caseFacts(d),
      oldestUnpaidDueDate: d.oldestUnpaidDueDate,
      openedOn: d.asOf,
      queue: `${d.grade}:${d.stage}`,
      plan,
      gradingPolicy: d.gradingPolicy ?? null,
    },
  };
  const file = evolveCase(state, opened) as OpenCase;
  return [opened, ...schedule(file, d.dpd, d.asOf, d.nextDueDate)];
}

function decideChangeStage(command: ChangeStage, state: CaseState): Decision {
  const d = command.data;
  const c = existing(state, d.caseId);
  if (isDomainError(c)) return c;
  if (c.status === 'closed' || d.stage === c.stage || d.stage === 'M0') return [];
  const change = {
    caseId: d.caseId,
    from: c.stage,
    to: d.stage,
    dpd: d.dpd,
    overdueAmount: d.overdueAmount,
    grade: d.grade,
    queue: `${d.grade}:${d.stage}`,
    asOf: d.asOf,
    plan: planFor(d.stage, d.strategy),
    gradingPolicy: d.gradingPolicy ?? null,
  };
  const changed: CaseEvent = stageRank(d.stage) > stageRank(c.stage) ? { type: 'CaseEscalated', data: change } : { type: 'CaseDeescalated', data: change };
  const file = evolveCase(c, changed) as OpenCase;
  return [changed, ...schedule(file, d.dpd, d.asOf, d.nextDueDate, true)];
}

function decideCloseCaseDay(command: CloseCaseDay, state: CaseState): Decision {
  const d = command.data;
  const c = existing(state, d.caseId);
  if (isDomainError(c)) return c;
  if (c.status === 'closed') return [];
  const badDate = invalidDates({ businessDate: d.businessDate });
  if (badDate) return badDate;
  return [...promiseEvents(c.caseId, judgePromises(c, d.businessDate, 'endOfDay'), d.businessDate), ...schedule(c, d.dpd, d.businessDate, d.nextDueDate)];
}

function decideRecordPayment(command: RecordPayment, state: CaseState): Decision {
  const d = command.data;
  const c = existing(state, d.caseId);
  if (isDomainError(c)) return c;
  if (c.status === 'closed' || c.payments.some((p) => p.reference === d.reference)) return [];
  const recorded: CaseEvent = {
    type: 'PaymentRecorded',
    data: { caseId: d.caseId, reference: d.reference, amount: d.amount, valueDate: d.valueDate, businessDate: d.businessDate },
  };
  const after = evolveCase(c, recorded) as OpenCase;
  return [recorded, ...promiseEvents(c.caseId, judgePromises(after, d.businessDate, 'payment'), d.businessDate)];
}

function decideCloseCase(command: CloseCase, state: CaseState): Decision {
  const d = command.data;
  const c = existing(state, d.caseId);
  if (isDomainError(c)) return c;
  if (c.status === 'closed') return [];
  const badDate = invalidDates({ closedOn: d.closedOn });
  if (badDate) return badDate;
  // A write-off is a Loans fact under four eyes; the case only follows it, never precedes it.
  if (d.reason === 'WRITTEN_OFF' && !d.loanWrittenOffOn) {
    return domainError('LOAN_NOT_WRITTEN_OFF', `the loan of case ${d.caseId} has not been written off in Loans`, { caseId: d.caseId }, 'conflict');
  }
  return [
    ...promiseEvents(c.caseId, judgePromises(c, d.closedOn, 'close'), d.closedOn),
    { type: 'CaseClosed', data: { caseId: d.caseId, reason: d.reason, closedOn: d.closedOn } },
  ];
}

// ---- assignment -----------------------------------------------------------------------------------

function decideAssignCase(command: AssignCase, state: CaseState): Decision {
  const d = command.data;
  const c = openCase(state, d.caseId);
  if (isDomainError(c)) return c;
  if (c.collectorId === d.collectorId) return [];
  if (c.collectorId) {
    return domainError(
      'CASE_ALREADY_ASSIGNED',
      `case ${d.caseId} is assigned to ${c.collectorId}; a supervisor reassigns it`,
      { collectorId: c.collectorId },
      'conflict',
    );
  }
  return [{ type: 'CaseAssigned', data: { caseId: d.caseId, collectorId: d.collectorId, team: d.team, queue: `${c.grade}:${c.stage}` } }];
}

function decideReassignCase(command: ReassignCase, state: CaseState): Decision {
  const d = command.data;
  const c = openCase(state, d.caseId);
  if (isDomainError(c)) return c;
  if (!d.reason.trim()) return domainError('REASON_REQUIRED', 'a reassignment needs a reason');
  if (c.collectorId === d.to) return [];
  return [{ type: 'CaseReassigned', data: { caseId: d.caseId, from: c.collectorId, to: d.to, team: d.team, reason: d.reason } }];
}

// ---- contact --------------------------------------------------------------------------------------

/**
 * What the strategy keeps of the bank's own plan while the case is placed with an agency: its
 * LETTER steps (the bank's notices and demand letters go out in the bank's name); every other step
 * waits until the placement ends, as on a hold.
 */
/**
 * A placed case is the agency's to work: a bank collector's own attempt is refused outright (409
 * CASE_PLACED_WITH_AGENCY, nothing recorded). The agency's contacts (executor `agency:<id>`) and
 * executors' receipts for the bank's released actions are not collectors' and stay allowed.
 */
function placementProblem(c: OpenCase, d: Pick<ContactAttemptData, 'by'>): DomainError | null {
  if (!c.placement || d.by.kind !== 'COLLECTOR') return null;
  const { placementId, agencyId, since } = c.placement;
  return domainError(
    'CASE_PLACED_WITH_AGENCY',
    `case ${c.caseId} is placed with agency ${agencyId} since ${since}; the bank's collectors do not work it until it is recalled`,
    { placementId, agencyId, since },
    'conflict',
  );
}

function decideMarkPlaced(command: MarkPlaced, state: CaseState): Decision {
  const d = command.data;
  const c = existing(state, d.caseId);
  if (isDomainError(c)) return c;
  if (c.status === 'closed' || c.placement?.placementId === d.placementId) return [];
  const badDate = invalidDates({ since: d.since });
  if (badDate) return badDate;
  if (c.placement)
    return domainError('CASE_PLACED_WITH_AGENCY', `case ${d.caseId} is placed with agency ${c.placement.agencyId}`, { ...c.placement }, 'conflict');
  return [{ type: 'CasePlacedWithAgency', data: { caseId: d.caseId, placementId: d.placementId, agencyId: d.agencyId, since: d.since } }];
}

/** Ends the named placement; a placement the case does not hold (never started, already ended) is nothing new. */
function decideEndPlacement(command: EndPlacement, state: CaseState): Decision {
  const d = command.data;
  const c = existing(state, d.caseId);
  if (isDomainError(c)) return c;
  if (c.status === 'closed' || c.placement?.placementId !== d.placementId) return [];
  const badDate = invalidDates({ on: d.on });
  if (badDate) return badDate;
  return [{ type: 'CasePlacementEnded', data: { caseId: d.caseId, placementId: d.placementId, agencyId: c.placement.agencyId, reason: d.reason, on: d.on } }];
}

/** Malformed attempts are refused outright (nothing recorded); rule refusals are recorded as blocks. */
export function attemptProblem(state: CaseState, d: ContactAttemptData): DomainError | null {
  const c = openCase(state, d.caseId);
  if (isDomainError(c)) return c;
  const placed = placementProblem(c, d);
  if (placed) return placed;
  if (!(OUTCOMES as readonly string[]).includes(d.outcome)) return domainError('INVALID_OUTCOME', `unknown outcome ${d.outcome}`);
  if (Number.isNaN(Date.parse(d.at))) return domainError('INVALID_INSTANT', 'at must be an ISO-8601 instant', { at: d.at });
  const when = instantProblem(c, d);
  if (when) return when;
  if ((d.outcome === 'PROMISE_TO_PAY') !== (d.promise !== null)) {
    return domainError('PROMISE_MISMATCH', 'a PROMISE_TO_PAY outcome comes with a promise, and only that outcome does');
  }
  if (d.party === 'THIRD_PARTY' && !d.thirdPartyContactId) {
    return domainError('THIRD_PARTY_CONTACT_REQUIRED', 'a third-party attempt names the vault contact id of the third party');
  }
  if (d.party === 'DEBTOR' && (d.thirdPartyContactId || d.debtDisclosed)) {
    return domainError('THIRD_PARTY_FIELDS_ON_DEBTOR', 'thirdPartyContactId and debtDisclosed describe third-party attempts only');
  }
  if (d.actionId !== null) {
    const action = c.actions[d.actionId];
    if (!action) return domainError('ACTION_NOT_FOUND', `case ${d.caseId} has no action ${d.actionId}`, { actionId: d.actionId }, 'not_found');
    if (action.channel !== d.channel) {
      return domainError('ACTION_CHANNEL_MISMATCH', `action ${d.actionId} is a ${action.channel} action`, {
        actionChannel: action.channel,
        channel: d.channel,
      });
    }
  }
  if (d.promise) return promiseProblem(c, d.promise, localTimeOf(d.at, c.timeZone).date);
  return null;
}

/**
 * The promise rules, the same whoever records the promise (a collector's call, an executor's
 * outcome, the customer in the bank's app): a positive amount of at least the case's minimum, due
 * from `today` (the debtor's local date of the attempt, or the open business date) within the
 * strategy's horizon, under an id not yet used.
 */
function promiseProblem(c: OpenCase, promise: PromiseInput, today: BusinessDate): DomainError | null {
  if (!isBusinessDate(promise.dueOn)) return domainError('INVALID_DATE', 'the promise date must be a calendar date', { dueOn: promise.dueOn });
  if (!Number.isSafeInteger(promise.amount) || promise.amount <= 0) return domainError('INVALID_AMOUNT', 'a promise is a positive whole number of fen');
  if (compareDates(promise.dueOn, today) < 0) {
    return domainError('PROMISE_DATE_IN_PAST', 'a promise is to pay today or later', { dueOn: promise.dueOn, today });
  }
  const horizon = maxHorizonDays(c.plan.promiseTerms);
  if (compareDates(promise.dueOn, addDays(today, horizon)) > 0) {
    return domainError('PROMISE_TOO_FAR', `a promise is to pay within ${horizon} days (by ${addDays(today, horizon)})`, {
      dueOn: promise.dueOn,
      latest: addDays(today, horizon),
      maxHorizonDays: horizon,
    });
  }
  const minimum = minimumPromise(c.overdueAmount, c.plan.promiseTerms);
  if (promise.amount < minimum) {
    return domainError('PROMISE_TOO_SMALL', `a promise is at least ${minimum} fen on an overdue amount of ${c.overdueAmount} fen`, {
      amount: promise.amount,
      minimum,
      overdueAmount: c.overdueAmount,
    });
  }
  if (c.promises[promise.promiseId]) return domainError('PROMISE_EXISTS', `promise ${promise.promiseId} is already recorded`, {}, 'conflict');
  return null;
}

/**
 * An attempt's instant is trusted only within the open business day, read in the debtor's time
 * zone (the case's), and never before the case's opening day: a call dated in 2027, or before the
 * case existed, would otherwise be judged under the wrong day's rules and counts.
 */
function instantProblem(c: OpenCase, d: ContactAttemptData): DomainError | null {
  const local = localTimeOf(d.at, c.timeZone);
  if (compareDates(local.date, c.openedOn) < 0) {
    return domainError(
      'OCCURRED_BEFORE_CASE_OPENED',
      `the attempt at ${d.at} (${local.date} in ${c.timeZone}) is before case ${c.caseId} opened on ${c.openedOn}`,
      {
        at: d.at,
        localDate: local.date,
        timeZone: c.timeZone,
        openedOn: c.openedOn,
      },
    );
  }
  if (!isBusinessDate(d.businessDate) || local.date !== d.businessDate) {
    return domainError(
      'OCCURRED_OUTSIDE_BUSINESS_DAY',
      `the attempt at ${d.at} falls on ${local.date} in ${c.timeZone}; the open business date is ${d.businessDate}`,
      {
        at: d.at,
        localDate: local.date,
        timeZone: c.timeZone,
        openBusinessDate: d.businessDate,
      },
    );
  }
  return null;
}

/** The case-level rule refusal of an attempt, if any (before asking the debtor ledger). */
export function caseRefusalOf(
  c: OpenCase,
  d: ContactAttemptData,
  rules: ContactRules,
  collectorCertifications: AttemptContact['data']['collectorCertifications'],
): ContactRefusal | null {
  const action = d.actionId ? c.actions[d.actionId] : undefined;
  return caseContactRefusal(
    {
      timeZone: c.timeZone,
      holds: c.holds,
      visitStatus: d.visitId ? (c.visits[d.visitId]?.status ?? null) : null,
      collectorCertifications: d.by.kind === 'COLLECTOR' ? (collectorCertifications ?? {}) : null,
      actionCertification: action?.requiredCertification ?? null,
      spokenTo: c.spokenTo ?? false,
    },
    d,
    rules,
  );
}

/**
 * An executor's receipt for an action of a closed case is history, not a contact to judge: it is
 * recorded (LateReceiptRecorded) when it names an action of the case on its channel, carries no
 * promise and is not dated after the open business date; the case stays closed.
 */
function decideLateReceipt(c: ClosedCase, d: ContactAttemptData): Decision {
  const action = d.actionId ? c.actions[d.actionId] : undefined;
  if (!action || d.promise) {
    const why = d.promise ? 'takes no promise' : 'takes only executors’ receipts for its own actions';
    return domainError(
      'CASE_CLOSED',
      `case ${c.caseId} was closed (${c.closeReason}) on ${c.closedOn}; it ${why}`,
      { caseId: c.caseId, reason: c.closeReason },
      'conflict',
    );
  }
  if (action.channel !== d.channel) {
    return domainError('ACTION_CHANNEL_MISMATCH', `action ${action.actionId} is a ${action.channel} action`, {
      actionChannel: action.channel,
      channel: d.channel,
    });
  }
  if (Number.isNaN(Date.parse(d.at))) return domainError('INVALID_INSTANT', 'at must be an ISO-8601 instant', { at: d.at });
  const local = localTimeOf(d.at, c.timeZone);
  if (compareDates(local.date, d.businessDate) > 0) {
    return domainError(
      'OCCURRED_OUTSIDE_BUSINESS_DAY',
      `the receipt at ${d.at} falls on ${local.date} in ${c.timeZone}, after the open business date ${d.businessDate}`,
      {
        at: d.at,
        localDate: local.date,
        openBusinessDate: d.businessDate,
      },
    );
  }
  return [
    {
      type: 'LateReceiptRecorded',
      data: {
        caseId: c.caseId,
        attemptId: d.attemptId,
        actionId: action.actionId,
        channel: d.channel,
        outcome: d.outcome,
        at: d.at,
        localDate: local.date,
        executorId: d.by.id,
        closedOn: c.closedOn,
      },
    },
  ];
}

function decideAttemptContact(command: AttemptContact, state: CaseState): Decision {
  const d = command.data;
  if (state.status !== 'none' && state.attempts[d.attemptId]) return [];
  if (state.status === 'closed' && d.by.kind === 'EXECUTOR') return decideLateReceipt(state, d);
  const problem = attemptProblem(state, d);
  if (problem) return problem;
  const c = state as OpenCase;
  const local = localTimeOf(d.at, c.timeZone);
  const record: AttemptRecord = {
    caseId: d.caseId,
    attemptId: d.attemptId,
    actionId: d.actionId,
    channel: d.channel,
    party: d.party,
    thirdPartyContactId: d.thirdPartyContactId,
    by: d.by,
    at: d.at,
    localDate: local.date,
    localTime: local.time,
    rulesVersion: d.rules.version,
  };
  const refusal = caseRefusalOf(c, d, d.rules, d.collectorCertifications) ?? (d.debtorVerdict.cleared ? null : d.debtorVerdict);
  if (refusal) {
    return [{ type: 'ContactBlocked', data: { ...record, outcome: d.outcome, code: refusal.code, reason: refusal.message, details: refusal.details } }];
  }
  const procedure = {
    ...(d.recordingRef ? { recordingRef: d.recordingRef } : {}),
    ...(d.accompaniedBy.length ? { accompaniedBy: d.accompaniedBy } : {}),
    ...(d.identified ? { identified: true } : {}),
  };
  const events: CaseEvent[] = [
    { type: 'ContactAttempted', data: { ...record, outcome: d.outcome, debtDisclosed: d.debtDisclosed, visitId: d.visitId, ...procedure } },
  ];
  if (d.promise) events.push(...promiseRecorded(c, d.promise, d.attemptId, local.date));
  if (d.channel === 'FIELD_VISIT' && d.visitId) {
    events.push({
      type: 'FieldVisitReported',
      data: { caseId: d.caseId, visitId: d.visitId, attemptId: d.attemptId, outcome: d.outcome, reportedBy: d.by.id },
    });
  }
  if (d.party === 'DEBTOR' && (d.outcome === 'DISPUTE' || d.outcome === 'COMPLAINT')) {
    events.push({ type: 'CaseOnHold', data: { caseId: d.caseId, holdId: d.attemptId, reason: d.outcome, since: local.date } });
  }
  return events;
}

/** A new promise supersedes the open ones (cancelled) and is recorded with the strategy's grace and tolerance. */
function promiseRecorded(c: OpenCase, promise: PromiseInput, attemptId: string, promisedOn: BusinessDate): CaseEvent[] {
  const events: CaseEvent[] = [];
  for (const p of Object.values(c.promises)) {
    if (p.status === 'OPEN') events.push({ type: 'PromiseCancelled', data: { caseId: c.caseId, promiseId: p.promiseId, reason: 'SUPERSEDED', paidAmount: 0 } });
  }
  events.push({
    type: 'PromiseToPayRecorded',
    data: {
      caseId: c.caseId,
      promiseId: promise.promiseId,
      attemptId,
      amount: promise.amount,
      dueOn: promise.dueOn,
      promisedOn,
      graceDays: c.plan.promiseTerms.graceDays,
      toleranceFen: toleranceFor(promise.amount, c.plan.promiseTerms),
    },
  });
  return events;
}

/**
 * The customer promises a payment themselves (the bank's app or web portal): no contact attempt,
 * so no contact rule applies, but the same promise rules as a promise made on a call, judged on
 * the open business date. `requestId` stands where a call's attempt id would (the promise's
 * `attemptId`). The same promise again is nothing new.
 */
function decideRecordCustomerPromise(command: RecordCustomerPromise, state: CaseState): Decision {
  const d = command.data;
  const c = openCase(state, d.caseId);
  if (isDomainError(c)) return c;
  const known = c.promises[d.promise.promiseId];
  if (known && known.amount === d.promise.amount && known.dueOn === d.promise.dueOn) return [];
  if (!isBusinessDate(d.businessDate)) return domainError('INVALID_DATE', 'the business date must be a calendar date', { businessDate: d.businessDate });
  const problem = promiseProblem(c, d.promise, d.businessDate);
  if (problem) return problem;
  return promiseRecorded(c, d.promise, d.requestId, d.businessDate);
}

// ---- field visits ---------------------------------------------------------------------------------

function decideRequestFieldVisit(command: RequestFieldVisit, state: CaseState): Decision {
  const d = command.data;
  const c = openCase(state, d.caseId);
  if (isDomainError(c)) return c;
  const existingVisit = c.visits[d.visitId];
  if (existingVisit) return existingVisit.requestedBy === d.by.id ? [] : domainError('FIELD_VISIT_EXISTS', `visit ${d.visitId} exists`, {}, 'conflict');
  if (Object.keys(c.holds).length) return domainError('CASE_ON_HOLD', 'no field visit is requested while the case is on hold', { holds: c.holds });
  const badDate = invalidDates({ plannedOn: d.plannedOn });
  if (badDate) return badDate;
  if (!d.reason.trim()) return domainError('REASON_REQUIRED', 'a field visit request needs a reason');
  return [{ type: 'FieldVisitRequested', data: { caseId: d.caseId, visitId: d.visitId, requestedBy: d.by.id, plannedOn: d.plannedOn, reason: d.reason } }];
}

/**
 * What a supervisor's decision on a field visit settles before its own checks: the open case, the
 * visit, who decides (a supervisor, not its requester) and whether it still awaits a decision.
 * Nothing ([]) when the visit already has the status the decision gives it, a refusal, or null: go on.
 */
function visitDecision(
  state: CaseState,
  d: { readonly caseId: string; readonly visitId: string; readonly by: Actor },
  gives: 'APPROVED' | 'REJECTED',
): Decision | null {
  const c = openCase(state, d.caseId);
  if (isDomainError(c)) return c;
  const visit = c.visits[d.visitId];
  if (!visit) return domainError('FIELD_VISIT_NOT_FOUND', `case ${c.caseId} has no field visit ${d.visitId}`, { visitId: d.visitId }, 'not_found');
  if (d.by.role !== 'supervisor')
    return domainError('SUPERVISOR_REQUIRED', 'only a supervisor approves or rejects a field visit', { role: d.by.role }, 'forbidden');
  const sameHands = fourEyes(d.by.id, [visit.requestedBy], 'whoever requested a field visit cannot approve or reject it', { requestedBy: visit.requestedBy });
  if (sameHands) return sameHands;
  if (visit.status === gives) return [];
  if (visit.status !== 'REQUESTED')
    return domainError('FIELD_VISIT_NOT_PENDING', `visit ${d.visitId} is ${visit.status.toLowerCase()}`, { status: visit.status }, 'conflict');
  return null;
}

function decideApproveFieldVisit(command: ApproveFieldVisit, state: CaseState): Decision {
  const d = command.data;
  return visitDecision(state, d, 'APPROVED') ?? [{ type: 'FieldVisitApproved', data: { caseId: d.caseId, visitId: d.visitId, approvedBy: d.by.id } }];
}

function decideRejectFieldVisit(command: RejectFieldVisit, state: CaseState): Decision {
  const d = command.data;
  const settled = visitDecision(state, d, 'REJECTED');
  if (settled) return settled;
  if (!d.reason.trim()) return domainError('REASON_REQUIRED', 'a rejection needs a reason');
  return [{ type: 'FieldVisitRejected', data: { caseId: d.caseId, visitId: d.visitId, rejectedBy: d.by.id, reason: d.reason } }];
}

// ---- plan adjustments -----------------------------------------------------------------------------

function timingKind(t: StepTiming): 'dpd' | 'beforeDue' {
  return 'dpdDay' in t ? 'dpd' : 'beforeDue';
}

function timingValue(t: StepTiming): number {
  return 'dpdDay' in t ? t.dpdDay : t.daysBeforeDue;
}

function decideAdjustPlan(command: AdjustPlan, state: CaseState): Decision {
  const d = command.data;
  const c = openCase(state, d.caseId);
  if (isDomainError(c)) return c;
  const limits = c.plan.adjustmentLimits;
  if (d.reason.trim().length < 3) return domainError('REASON_REQUIRED', 'a plan adjustment needs a reason');
  if (c.adjustments >= limits.maxAdjustments) {
    return domainError('PLAN_ADJUSTMENT_LIMIT', `the plan was adjusted ${c.adjustments} times; the limit is ${limits.maxAdjustments}`, {
      adjustments: c.adjustments,
      limit: limits.maxAdjustments,
    });
  }
  const dpd = Math.max(c.dpd, d.dpd);
  const a = d.adjustment;
  const scheduled = new Set(c.scheduled);
  const isScheduled = (stepId: string) =>
    [...scheduled].some((k) => k === occurrenceKey(c.plan.planId, stepId, null) || k.startsWith(`${occurrenceKey(c.plan.planId, stepId, null)}@`));
  const inPast = (t: StepTiming) => 'dpdDay' in t && t.dpdDay <= dpd;
  let adjustment: PlanAdjustment;
  if (a.kind === 'ADD') {
    const problem = ladderProblem([a.step], 'added');
    if (problem) return problem;
    if (c.plan.steps.some((s) => s.stepId === a.step.stepId)) return domainError('PLAN_STEP_EXISTS', `the plan has a step ${a.step.stepId}`, {}, 'conflict');
    if (!limits.addableChannels.includes(a.step.channel)) {
      return domainError('PLAN_CHANNEL_NOT_ADDABLE', `steps on ${a.step.channel} cannot be added by a plan adjustment`, {
        addableChannels: limits.addableChannels,
      });
    }
    if (inPast(a.step.when)) return domainError('PLAN_STEP_IN_PAST', `the case is at DPD ${dpd}; an added step lies ahead`, { dpd });
    adjustment = { kind: 'ADD', step: a.step };
  } else {
    const step = c.plan.steps.find((s) => s.stepId === a.stepId);
    if (!step) return domainError('PLAN_STEP_NOT_FOUND', `the plan has no step ${a.stepId}`, { stepId: a.stepId }, 'not_found');
    if (isScheduled(a.stepId) && 'dpdDay' in step.when) {
      return domainError('PLAN_STEP_ALREADY_SCHEDULED', `step ${a.stepId} was already scheduled`, { stepId: a.stepId });
    }
    if (a.kind === 'SKIP') {
      if (!limits.skippablePurposes.includes(step.purpose)) {
        return domainError('PLAN_STEP_NOT_SKIPPABLE', `${step.purpose} steps cannot be skipped`, {
          purpose: step.purpose,
          skippablePurposes: limits.skippablePurposes,
        });
      }
      adjustment = { kind: 'SKIP', stepId: a.stepId };
    } else {
      if (timingKind(a.to) !== timingKind(step.when)) return domainError('PLAN_TIMING_KIND_CHANGED', 'a move keeps the step’s kind of timing');
      const shift = Math.abs(timingValue(a.to) - timingValue(step.when));
      if (shift === 0) return [];
      if (shift > limits.maxShiftDays) {
        return domainError('PLAN_SHIFT_TOO_LARGE', `a step moves by at most ${limits.maxShiftDays} days (asked ${shift})`, {
          shift,
          maxShiftDays: limits.maxShiftDays,
        });
      }
      const problem = ladderProblem([{ ...step, when: a.to }], 'moved');
      if (problem) return problem;
      if (inPast(a.to)) return domainError('PLAN_STEP_IN_PAST', `the case is at DPD ${dpd}; a step moves to a day ahead`, { dpd });
      adjustment = { kind: 'MOVE', stepId: a.stepId, from: step.when, to: a.to };
    }
  }
  return [
    {
      type: 'PlanAdjusted',
      data: { caseId: d.caseId, planId: c.plan.planId, adjustment, reason: d.reason, adjustedBy: d.by.id, adjustmentsUsed: c.adjustments + 1 },
    },
  ];
}

// ---- holds ----------------------------------------------------------------------------------------

function decidePlaceOnHold(command: PlaceOnHold, state: CaseState): Decision {
  const d = command.data;
  const c = openCase(state, d.caseId);
  if (isDomainError(c)) return c;
  if (!HOLD_REASONS.includes(d.reason)) return domainError('INVALID_HOLD_REASON', `unknown hold reason ${d.reason}`);
  if (c.holds[d.holdId]) return [];
  return [{ type: 'CaseOnHold', data: { caseId: d.caseId, holdId: d.holdId, reason: d.reason, since: d.since } }];
}

function decideReleaseHold(command: ReleaseHold, state: CaseState): Decision {
  const d = command.data;
  const c = existing(state, d.caseId);
  if (isDomainError(c)) return c;
  if (c.status === 'closed') return [];
  if (!c.holds[d.holdId]) return domainError('HOLD_NOT_FOUND', `case ${d.caseId} has no open hold ${d.holdId}`, { holdId: d.holdId }, 'not_found');
  if (!d.resolution.trim()) return domainError('REASON_REQUIRED', 'releasing a hold needs a resolution');
  const still = Object.keys(c.holds).filter((h) => h !== d.holdId).length > 0;
  return [{ type: 'CaseResumed', data: { caseId: d.caseId, holdId: d.holdId, resolution: d.resolution, on: d.on, stillOnHold: still } }];
}

// ---- the decider -----------------------------------------------------------------------------------

export function decideCase(command: CaseCommand, state: CaseState): Decision {
  switch (command.type) {
    case 'OpenCase':
      return decideOpenCase(command, state);
    case 'AssignCase':
      return decideAssignCase(command, state);
    case 'ReassignCase':
      return decideReassignCase(command, state);
    case 'ChangeStage':
      return decideChangeStage(command, state);
    case 'CloseCaseDay':
      return decideCloseCaseDay(command, state);
    case 'RecordPayment':
      return decideRecordPayment(command, state);
    case 'AttemptContact':
      return decideAttemptContact(command, state);
    case 'RecordCustomerPromise':
      return decideRecordCustomerPromise(command, state);
    case 'RequestFieldVisit':
      return decideRequestFieldVisit(command, state);
    case 'ApproveFieldVisit':
      return decideApproveFieldVisit(command, state);
    case 'RejectFieldVisit':
      return decideRejectFieldVisit(command, state);
    case 'AdjustPlan':
      return decideAdjustPlan(command, state);
    case 'PlaceOnHold':
      return decidePlaceOnHold(command, state);
    case 'ReleaseHold':
      return decideReleaseHold(command, state);
    case 'CloseCase':
      return decideCloseCase(command, state);
    case 'ReverseCasePayment':
      return decideReverseCasePayment(command, state);
    case 'UndoCure':
      return decideUndoCure(command, state);
    case 'MarkPlaced':
      return decideMarkPlaced(command, state);
    case 'EndPlacement':
      return decideEndPlacement(command, state);
    default: {
      const _exhaustive: never = command;
      return domainError('UNKNOWN_COMMAND', 'unknown case command');
    }
  }
}

export const caseDecider: Decider<CaseCommand, CaseEvent, CaseState> = {
  initialState: initialCaseState,
  decide: decideCase,
  evolve: evolveCase,
};
