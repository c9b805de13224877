import {
  addDays,
  addMonths,
  compareDates,
  daysBetween,
  decideByType,
  domainError,
  fourEyes,
  invalidDates,
  isDomainError,
  isWholeFen,
  type Actor,
  type BusinessDate,
  type Command,
  type Decider,
  type DomainError,
  type Fen,
} from '#kernel';
import {
  ACCEPTANCE_CHANNELS,
  HARDSHIP_REASONS,
  OFFER_CHANNELS,
  REJECTION_REASONS,
  evolve,
  initialRequestState,
  type AcceptanceChannel,
  type AssessmentCheck,
  type GradeSource,
  type Hardship,
  type OfferChannel,
  type OpenRequest,
  type RejectionReason,
  type RequestState,
  type RequestStatus,
  type RestructuringEvent,
} from './events.js';
import { amountDue, approvalAmount, buildPlan, termsProblem, withRounding, type LoanSnapshot, type Plan, type RestructuringTerms } from '../plan.js';
import { GRADES, type Grade, type RestructuringPolicy } from '../policy.js';

/**
 * Commands of the RestructuringRequest aggregate and one small decide function for each. Time and
 * every fact from other contexts (the loan snapshot, the policy in force) arrive on the command;
 * nothing here reads a clock or a database.
 */

/** A command on one request, decided on the business date it carries. */
type OnRequest<T extends string, D> = Command<T, { readonly requestId: string; readonly businessDate: BusinessDate } & D>;

export type RequestRestructuring = OnRequest<
  'RequestRestructuring',
  {
    readonly loan: LoanSnapshot;
    readonly terms: RestructuringTerms;
    readonly hardship: Hardship;
    readonly monthlyIncome: Fen;
    readonly grade: Grade;
    readonly gradeSource: GradeSource;
    readonly requestedBy: Actor;
  }
>;

type AssessRestructuring = OnRequest<
  'AssessRestructuring',
  {
    readonly loan: LoanSnapshot;
    readonly policy: RestructuringPolicy;
    /** Effective date of the customer's latest restructuring on any loan, if any. */
    readonly customerLastRestructuredOn: BusinessDate | null;
    readonly assessedBy: Actor;
  }
>;

type ApproveRestructuring = OnRequest<'ApproveRestructuring', { readonly approver: Actor }>;

type RejectRestructuring = OnRequest<'RejectRestructuring', { readonly rejectedBy: Actor; readonly reasonCode: RejectionReason }>;

type OfferRestructuring = OnRequest<'OfferRestructuring', { readonly loan: LoanSnapshot; readonly channel: OfferChannel; readonly offeredBy: Actor }>;

type AcceptOffer = OnRequest<
  'AcceptOffer',
  {
    readonly recordedBy: Actor;
    readonly channel: AcceptanceChannel;
    readonly evidenceRef: string | null;
  }
>;

/** The end of a business day: `closedDate` is the day just closed. */
type ExpireOffer = Command<'ExpireOffer', { readonly requestId: string; readonly closedDate: BusinessDate }>;

export type ActivationOutcome =
  | {
      readonly applied: true;
      /** The loan as of the effective date, just before the new schedule. */
      readonly loan: LoanSnapshot;
      /** The loan's numbers for the new installments, in plan order. */
      readonly loanSeqs: readonly number[];
    }
  | { readonly applied: false; readonly code: string; readonly reason: string };

type ActivateRestructuring = OnRequest<'ActivateRestructuring', { readonly outcome: ActivationOutcome }>;

type ObservePlan = Command<
  'ObservePlan',
  {
    readonly requestId: string;
    readonly asOf: BusinessDate;
    /** For each plan installment (by loan seq): the value date it became fully paid, or null. */
    readonly installments: readonly { readonly seq: number; readonly paidOn: BusinessDate | null }[];
  }
>;

export type RestructuringCommand =
  | RequestRestructuring
  | AssessRestructuring
  | ApproveRestructuring
  | RejectRestructuring
  | OfferRestructuring
  | AcceptOffer
  | ExpireOffer
  | ActivateRestructuring
  | ObservePlan;

type Decision = readonly RestructuringEvent[] | DomainError;

// ---- shared rules ---------------------------------------------------------------------------------

const REF = /^[A-Za-z0-9._:/-]{1,128}$/;

/** The open request a command names, once the command's `dates` (by field) are calendar dates. */
function existing(state: RequestState, requestId: string, dates: Record<string, unknown> = {}): OpenRequest | DomainError {
  if (state.status === 'None' || state.requestId !== requestId) {
    return domainError('RESTRUCTURING_REQUEST_NOT_FOUND', `no restructuring request ${requestId}`, { requestId }, 'not_found');
  }
  return invalidDates(dates) ?? state;
}

function wrongStatus(state: OpenRequest, action: string, allowed: readonly RequestStatus[]): DomainError {
  return domainError('INVALID_REQUEST_STATUS', `cannot ${action} a request that is ${state.status}`, { status: state.status, allowed }, 'conflict');
}

function sameLoan(state: OpenRequest, loan: LoanSnapshot, businessDate: BusinessDate): DomainError | null {
  if (loan.loanId !== state.loanId) return domainError('LOAN_MISMATCH', 'the loan facts are for another loan', { expected: state.loanId, got: loan.loanId });
  if (loan.asOf !== businessDate)
    return domainError('LOAN_FACTS_NOT_CURRENT', 'the loan facts must be as of the business date', { asOf: loan.asOf, businessDate });
  return null;
}

function policyOf(state: OpenRequest): RestructuringPolicy {
  // Only called in statuses reached through an assessment.
  return state.assessment!.policy;
}

// ---- RequestRestructuring -------------------------------------------------------------------------

export function decideRequest(command: RequestRestructuring, state: RequestState): Decision {
  const d = command.data;
  if (state.status !== 'None') {
    return domainError('RESTRUCTURING_REQUEST_EXISTS', `restructuring request ${d.requestId} already exists`, { requestId: d.requestId }, 'conflict');
  }
  const badDate = invalidDates({ businessDate: d.businessDate });
  if (badDate) return badDate;
  if (d.loan.asOf !== d.businessDate)
    return domainError('LOAN_FACTS_NOT_CURRENT', 'the loan facts must be as of the business date', { asOf: d.loan.asOf, businessDate: d.businessDate });
  const badTerms = termsProblem(d.terms);
  if (badTerms) return badTerms;
  if (!HARDSHIP_REASONS.includes(d.hardship.reasonCode)) {
    return domainError('INVALID_HARDSHIP_REASON', `hardship reason must be one of ${HARDSHIP_REASONS.join(', ')}`, { reasonCode: d.hardship.reasonCode });
  }
  if (d.hardship.evidenceRefs.length === 0) return domainError('HARDSHIP_EVIDENCE_REQUIRED', 'a request needs at least one evidence document reference');
  const badRef = d.hardship.evidenceRefs.find((r) => !REF.test(r));
  if (badRef !== undefined)
    return domainError('INVALID_EVIDENCE_REF', 'evidence references are document ids, not content', { evidenceRef: badRef.slice(0, 40) });
  if (!isWholeFen(d.monthlyIncome)) return domainError('INVALID_AMOUNT', 'monthly income must be whole fen, not negative', { monthlyIncome: d.monthlyIncome });
  if (!GRADES.includes(d.grade)) return domainError('INVALID_GRADE', `grade must be one of ${GRADES.join(', ')}`, { grade: d.grade });
  if (d.loan.paidOff) return domainError('LOAN_PAID_OFF', 'a paid-off loan has nothing to restructure', { loanId: d.loan.loanId });
  return [
    {
      type: 'RestructuringRequested',
      data: {
        requestId: d.requestId,
        loanId: d.loan.loanId,
        customerId: d.loan.customerId,
        type: d.terms.type,
        // The rounding convention is recorded, so a later change of the default cannot change the plan.
        terms: withRounding(d.terms),
        hardship: { reasonCode: d.hardship.reasonCode, evidenceRefs: [...d.hardship.evidenceRefs] },
        monthlyIncome: d.monthlyIncome,
        grade: d.grade,
        gradeSource: d.gradeSource,
        stage: d.loan.stage,
        dpd: d.loan.dpd,
        requestedBy: d.requestedBy.id,
        requestedOn: d.businessDate,
      },
    },
  ];
}

// ---- AssessRestructuring --------------------------------------------------------------------------

/** Eligibility and affordability of the request's terms on the loan, under a policy. Pure. */
export function assess(
  state: Pick<OpenRequest, 'type' | 'terms' | 'grade' | 'monthlyIncome'>,
  loan: LoanSnapshot,
  policy: RestructuringPolicy,
  customerLastRestructuredOn: BusinessDate | null,
): { outcome: 'PASSED' | 'FAILED'; checks: AssessmentCheck[]; plan: Plan | null; approvalsRequired: number } {
  const checks: AssessmentCheck[] = [];
  const built = buildPlan(state.terms, loan, policy.feeWaiverSettlementDays);
  const plan = isDomainError(built) ? null : built;
  checks.push({ rule: 'PLAN_BUILDABLE', passed: plan !== null, detail: { code: isDomainError(built) ? built.code : null } });

  const last = [loan.lastRestructuredOn, customerLastRestructuredOn]
    .filter((d): d is BusinessDate => d !== null)
    .reduce<BusinessDate | null>((a, b) => (a === null || compareDates(b, a) > 0 ? b : a), null);
  const cutoff = addMonths(loan.asOf, -policy.lookbackMonths);
  checks.push({
    rule: 'NO_RECENT_RESTRUCTURING',
    passed: last === null || compareDates(last, cutoff) <= 0,
    detail: { lastRestructuredOn: last, lookbackMonths: policy.lookbackMonths, cutoff },
  });
  const grades = policy.eligibleGrades[state.type];
  checks.push({ rule: 'GRADE_ELIGIBLE', passed: grades.includes(state.grade), detail: { grade: state.grade, eligible: [...grades] } });
  const stages = policy.eligibleStages[state.type];
  checks.push({ rule: 'STAGE_ELIGIBLE', passed: stages.includes(loan.stage), detail: { stage: loan.stage, dpd: loan.dpd, eligible: [...stages] } });

  const terms = state.terms;
  if (terms.type === 'DEFERRAL') {
    checks.push({
      rule: 'DEFERRAL_LIMIT',
      passed: terms.deferMonths <= policy.maxDeferralMonths,
      detail: { deferMonths: terms.deferMonths, max: policy.maxDeferralMonths },
    });
  } else if (terms.type === 'INSTALLMENT_PLAN') {
    checks.push({
      rule: 'TENOR_LIMIT',
      passed: terms.tenorMonths >= policy.minTenorMonths && terms.tenorMonths <= policy.maxTenorMonths,
      detail: { tenorMonths: terms.tenorMonths, min: policy.minTenorMonths, max: policy.maxTenorMonths },
    });
    checks.push({
      rule: 'RATE_LIMIT',
      passed: terms.annualRateBps <= policy.maxAnnualRateBps,
      detail: { annualRateBps: terms.annualRateBps, max: policy.maxAnnualRateBps },
    });
    if (plan) {
      const smallest = plan.installments.reduce((m, i) => Math.min(m, amountDue(i)), Number.MAX_SAFE_INTEGER);
      checks.push({
        rule: 'MIN_INSTALLMENT',
        passed: smallest >= policy.minInstallment,
        detail: { smallestInstallment: smallest, min: policy.minInstallment },
      });
    }
  } else {
    checks.push({
      rule: 'WAIVER_LIMIT',
      passed: terms.waiverAmount <= policy.maxFeeWaiver,
      detail: { waiverAmount: terms.waiverAmount, max: policy.maxFeeWaiver },
    });
  }
  if (plan && terms.type !== 'FEE_WAIVER') {
    // installment <= income x share / 10000, compared exactly in bigint.
    const affordable = BigInt(plan.largestInstallment) * 10_000n <= BigInt(state.monthlyIncome) * BigInt(policy.affordabilityShareBps);
    checks.push({
      rule: 'AFFORDABILITY',
      passed: affordable,
      detail: { largestInstallment: plan.largestInstallment, monthlyIncome: state.monthlyIncome, maxShareBps: policy.affordabilityShareBps },
    });
  }
  const outcome = checks.every((c) => c.passed) ? 'PASSED' : 'FAILED';
  const threshold = state.type === 'FEE_WAIVER' ? policy.secondApprovalAbove.feeWaiver : policy.secondApprovalAbove.restructuredPrincipal;
  const approvalsRequired = plan && approvalAmount(state.type, plan) > threshold ? 2 : 1;
  return { outcome, checks, plan, approvalsRequired };
}

function decideAssess(command: AssessRestructuring, state: RequestState): Decision {
  const d = command.data;
  const request = existing(state, d.requestId);
  if (isDomainError(request)) return request;
  const allowed: RequestStatus[] = ['Requested', 'Assessed', 'AssessmentFailed'];
  if (!allowed.includes(request.status) || request.approvers.length > 0) return wrongStatus(request, 'assess', allowed);
  const badDate = invalidDates({ businessDate: d.businessDate }) ?? sameLoan(request, d.loan, d.businessDate);
  if (badDate) return badDate;
  if (compareDates(d.businessDate, request.requestedOn) < 0) {
    return domainError('DATE_BEFORE_REQUEST', 'an assessment cannot precede the request', { businessDate: d.businessDate, requestedOn: request.requestedOn });
  }
  const result = assess(request, d.loan, d.policy, d.customerLastRestructuredOn);
  return [
    {
      type: 'RestructuringAssessed',
      data: {
        requestId: request.requestId,
        loanId: request.loanId,
        customerId: request.customerId,
        outcome: result.outcome,
        checks: result.checks,
        policy: d.policy,
        grade: request.grade,
        stage: d.loan.stage,
        dpd: d.loan.dpd,
        plan: result.plan,
        approvalsRequired: result.approvalsRequired,
        assessedBy: d.assessedBy.id,
        assessedOn: d.businessDate,
      },
    },
  ];
}

// ---- Approve / Reject (four eyes) -----------------------------------------------------------------

function checker(request: OpenRequest, actor: Actor, action: string): DomainError | null {
  if (actor.role !== 'supervisor') {
    return domainError('SUPERVISOR_REQUIRED', `only a supervisor may ${action} a restructuring`, { role: actor.role }, 'forbidden');
  }
  return fourEyes(actor.id, [request.requestedBy], `the requester may not ${action} their own request`, { requestedBy: request.requestedBy });
}

function decideApprove(command: ApproveRestructuring, state: RequestState): Decision {
  const d = command.data;
  const request = existing(state, d.requestId);
  if (isDomainError(request)) return request;
  if (request.status === 'AssessmentFailed') {
    return domainError('ASSESSMENT_FAILED', 'the request failed its assessment and can only be rejected or re-assessed', { requestId: request.requestId });
  }
  if (request.status === 'Requested')
    return domainError('ASSESSMENT_REQUIRED', 'the request must be assessed before approval', { requestId: request.requestId });
  if (request.status !== 'Assessed' && request.status !== 'PartiallyApproved') return wrongStatus(request, 'approve', ['Assessed', 'PartiallyApproved']);
  const badDate = invalidDates({ businessDate: d.businessDate });
  if (badDate) return badDate;
  const refused = checker(request, d.approver, 'approve');
  if (refused) return refused;
  const again = fourEyes(d.approver.id, request.approvers, 'the second approval must come from a different supervisor', {
    firstApprover: request.approvers[0],
  });
  if (again) return again;
  const required = request.assessment!.approvalsRequired;
  const approval = request.approvers.length + 1;
  return [
    {
      type: 'RestructuringApproved',
      data: {
        requestId: request.requestId,
        loanId: request.loanId,
        approverId: d.approver.id,
        approval,
        approvalsRequired: required,
        final: approval >= required,
        approvedOn: d.businessDate,
      },
    },
  ];
}

function decideReject(command: RejectRestructuring, state: RequestState): Decision {
  const d = command.data;
  const request = existing(state, d.requestId);
  if (isDomainError(request)) return request;
  const allowed: RequestStatus[] = ['Requested', 'Assessed', 'AssessmentFailed', 'PartiallyApproved'];
  if (!allowed.includes(request.status)) return wrongStatus(request, 'reject', allowed);
  const badDate = invalidDates({ businessDate: d.businessDate });
  if (badDate) return badDate;
  if (!REJECTION_REASONS.includes(d.reasonCode)) {
    return domainError('INVALID_REJECTION_REASON', `reason must be one of ${REJECTION_REASONS.join(', ')}`, { reasonCode: d.reasonCode });
  }
  const refused = checker(request, d.rejectedBy, 'reject');
  if (refused) return refused;
  return [
    {
      type: 'RestructuringRejected',
      data: { requestId: request.requestId, loanId: request.loanId, rejectedBy: d.rejectedBy.id, reasonCode: d.reasonCode, rejectedOn: d.businessDate },
    },
  ];
}

// ---- Offer / Accept / Expire ----------------------------------------------------------------------

/**
 * The plan laid out on the loan as it is on `loan.asOf`, provided the balance is still the one
 * assessed and approved; otherwise the error says what changed.
 */
function currentPlan(request: OpenRequest, loan: LoanSnapshot): Plan | DomainError {
  const policy = policyOf(request);
  const plan = buildPlan(request.terms, loan, policy.feeWaiverSettlementDays);
  if (isDomainError(plan)) return plan;
  const assessed = request.assessment!.plan!;
  if (plan.restructuredPrincipal !== assessed.restructuredPrincipal) {
    return domainError('BALANCE_CHANGED', 'the outstanding principal changed since the assessment; the request must be assessed again', {
      assessedPrincipal: assessed.restructuredPrincipal,
      currentPrincipal: plan.restructuredPrincipal,
    });
  }
  return plan;
}

function decideOffer(command: OfferRestructuring, state: RequestState): Decision {
  const d = command.data;
  const request = existing(state, d.requestId);
  if (isDomainError(request)) return request;
  if (request.status !== 'Approved') return wrongStatus(request, 'offer', ['Approved']);
  const badDate = invalidDates({ businessDate: d.businessDate }) ?? sameLoan(request, d.loan, d.businessDate);
  if (badDate) return badDate;
  if (!OFFER_CHANNELS.includes(d.channel)) return domainError('INVALID_CHANNEL', `channel must be one of ${OFFER_CHANNELS.join(', ')}`, { channel: d.channel });
  if (compareDates(d.businessDate, request.assessment!.assessedOn) < 0) {
    return domainError('DATE_BEFORE_ASSESSMENT', 'an offer cannot precede the assessment', {
      businessDate: d.businessDate,
      assessedOn: request.assessment!.assessedOn,
    });
  }
  const plan = currentPlan(request, d.loan);
  if (isDomainError(plan)) return plan;
  return [
    {
      type: 'RestructuringOffered',
      data: {
        requestId: request.requestId,
        loanId: request.loanId,
        customerId: request.customerId,
        channel: d.channel,
        offeredBy: d.offeredBy.id,
        offeredOn: d.businessDate,
        expiresOn: addDays(d.businessDate, policyOf(request).offerValidityDays),
        plan,
      },
    },
  ];
}

function decideAccept(command: AcceptOffer, state: RequestState): Decision {
  const d = command.data;
  const request = existing(state, d.requestId, { businessDate: d.businessDate });
  if (isDomainError(request)) return request;
  if (request.status === 'OfferExpired') return domainError('OFFER_EXPIRED', 'the offer has expired', { expiresOn: request.offer!.expiresOn });
  if (request.status !== 'Offered') return wrongStatus(request, 'accept', ['Offered']);
  const offer = request.offer!;
  if (compareDates(d.businessDate, offer.expiresOn) > 0) {
    return domainError('OFFER_EXPIRED', 'the offer has expired', { expiresOn: offer.expiresOn, businessDate: d.businessDate });
  }
  if (compareDates(d.businessDate, offer.offeredOn) < 0) {
    return domainError('DATE_BEFORE_OFFER', 'an acceptance cannot precede the offer', { offeredOn: offer.offeredOn, businessDate: d.businessDate });
  }
  if (!ACCEPTANCE_CHANNELS.includes(d.channel))
    return domainError('INVALID_CHANNEL', `channel must be one of ${ACCEPTANCE_CHANNELS.join(', ')}`, { channel: d.channel });
  if (d.recordedBy.role !== 'service' && d.recordedBy.role !== 'collector' && d.recordedBy.role !== 'customer') {
    return domainError(
      'ACCEPTANCE_RECORDER_NOT_ALLOWED',
      'the customer (self-service), a customer channel (service) or a collector records the acceptance',
      { role: d.recordedBy.role },
      'forbidden',
    );
  }
  // The customer accepts only an offer made to them (self-service, in the bank's app or portal).
  if (d.recordedBy.role === 'customer' && d.recordedBy.id !== request.customerId) {
    return domainError('ACCEPTANCE_RECORDER_NOT_ALLOWED', 'a customer accepts only an offer made to them', { role: d.recordedBy.role }, 'forbidden');
  }
  if (d.evidenceRef !== null && !REF.test(d.evidenceRef)) return domainError('INVALID_EVIDENCE_REF', 'the evidence reference is a document id, not content');
  if (d.recordedBy.role === 'collector' && d.evidenceRef === null) {
    return domainError(
      'ACCEPTANCE_EVIDENCE_REQUIRED',
      'a collector recording the customer’s acceptance must reference its evidence (call recording, signed form)',
    );
  }
  return [
    {
      type: 'RestructuringAccepted',
      data: {
        requestId: request.requestId,
        loanId: request.loanId,
        customerId: request.customerId,
        acceptedOn: d.businessDate,
        channel: d.channel,
        recordedBy: { id: d.recordedBy.id, role: d.recordedBy.role },
        evidenceRef: d.evidenceRef,
      },
    },
  ];
}

/**
 * An end-of-day check: once the offer's last day has been closed it can no longer be accepted, so
 * it expires; anything else is a no-op.
 */
function decideExpire(command: ExpireOffer, state: RequestState): Decision {
  const d = command.data;
  const request = existing(state, d.requestId, { closedDate: d.closedDate });
  if (isDomainError(request)) return request;
  if (request.status !== 'Offered' || compareDates(d.closedDate, request.offer!.expiresOn) < 0) return [];
  return [
    {
      type: 'RestructuringOfferExpired',
      data: {
        requestId: request.requestId,
        loanId: request.loanId,
        customerId: request.customerId,
        expiresOn: request.offer!.expiresOn,
        expiredOn: d.closedDate,
      },
    },
  ];
}

// ---- Activation -----------------------------------------------------------------------------------

/**
 * The schedule activation would give the loans context, for the accepted request and the loan as
 * of the acceptance date. The activation handler sends exactly this to the loans context; the
 * decider recomputes it from the same facts.
 */
export function activationPlan(state: RequestState, loan: LoanSnapshot): Plan | DomainError {
  if (state.status !== 'Accepted')
    return domainError('INVALID_REQUEST_STATUS', `only an accepted request is activated (${state.status})`, { status: state.status }, 'conflict');
  if (loan.asOf !== state.acceptance!.acceptedOn) {
    return domainError('LOAN_FACTS_NOT_CURRENT', 'the loan facts must be as of the acceptance date', {
      asOf: loan.asOf,
      acceptedOn: state.acceptance!.acceptedOn,
    });
  }
  return currentPlan(state, loan);
}

function decideActivate(command: ActivateRestructuring, state: RequestState): Decision {
  const d = command.data;
  const request = existing(state, d.requestId);
  if (isDomainError(request)) return request;
  if (request.status === 'Active' || request.status === 'ActivationFailed' || request.status === 'Completed' || request.status === 'Broken') return [];
  if (request.status !== 'Accepted') return wrongStatus(request, 'activate', ['Accepted']);
  const badDate = invalidDates({ businessDate: d.businessDate });
  if (badDate) return badDate;
  const failed = (code: string, reason: string): Decision => [
    { type: 'RestructuringActivationFailed', data: { requestId: request.requestId, loanId: request.loanId, code, reason, failedOn: d.businessDate } },
  ];
  const outcome = d.outcome;
  if (!outcome.applied) return failed(outcome.code, outcome.reason);
  const plan = activationPlan(request, outcome.loan);
  if (isDomainError(plan)) return plan;
  if (outcome.loanSeqs.length !== plan.installments.length) {
    return domainError('LOAN_SCHEDULE_MISMATCH', 'the loan’s new schedule does not match the plan', {
      planInstallments: plan.installments.length,
      loanSeqs: outcome.loanSeqs.length,
    });
  }
  const policy = policyOf(request);
  const effectiveDate = request.acceptance!.acceptedOn;
  // A fee waiver has no installments to watch: it is complete as soon as Loans has waived the penalty.
  const lastDue = plan.installments.at(-1)?.dueDate ?? effectiveDate;
  const observationEnd = addMonths(effectiveDate, policy.observationMonths);
  const completed: RestructuringEvent[] =
    plan.installments.length === 0
      ? [
          {
            type: 'PlanCompleted',
            data: {
              requestId: request.requestId,
              loanId: request.loanId,
              customerId: request.customerId,
              type: request.type,
              completedOn: effectiveDate,
              installmentsObserved: 0,
            },
          },
        ]
      : [];
  return [
    {
      type: 'RestructuringActivated',
      data: {
        requestId: request.requestId,
        loanId: request.loanId,
        customerId: request.customerId,
        type: request.type,
        effectiveDate,
        restructuredPrincipal: plan.restructuredPrincipal,
        carriedCharges: plan.carriedCharges,
        waivedPenalty: plan.waivedPenalty,
        installments: plan.installments.map((i, k) => ({
          n: i.n,
          seq: outcome.loanSeqs[k],
          dueDate: i.dueDate,
          principal: i.principal,
          interest: i.interest,
          carried: i.carried,
        })),
        observationEnds: compareDates(lastDue, observationEnd) < 0 ? lastDue : observationEnd,
        graceDays: policy.graceDays,
        grade: request.grade,
        stage: outcome.loan.stage,
        dpd: outcome.loan.dpd,
        policyVersion: policy.version,
      },
    },
    ...completed,
  ];
}

// ---- Plan monitoring ------------------------------------------------------------------------------

/**
 * Compares the plan's installments with the loan's payments as of `asOf`. An installment paid by its
 * due date plus the grace days counts as paid (late if after the due date); one unpaid after its due
 * date is missed; one unpaid (or paid only) after the grace days breaks the plan. When the
 * observation period has ended with every installment due in it paid, the plan is completed.
 * Installments due after the observation period ends are not watched. Emits only what changed.
 */
function decideObserve(command: ObservePlan, state: RequestState): Decision {
  const d = command.data;
  const request = existing(state, d.requestId);
  if (isDomainError(request)) return request;
  if (request.status !== 'Active') return [];
  const badDate = invalidDates({ asOf: d.asOf });
  if (badDate) return badDate;
  const activation = request.activation!;
  if (compareDates(d.asOf, activation.effectiveDate) < 0) return [];
  const paidOn = new Map(d.installments.map((i) => [i.seq, i.paidOn]));
  const base = { requestId: request.requestId, loanId: request.loanId };
  const events: RestructuringEvent[] = [];
  const watched = activation.installments.filter((i) => compareDates(i.dueDate, activation.observationEnds) <= 0);
  for (const i of watched) {
    const paid = paidOn.get(i.seq) ?? null;
    const graceEnds = addDays(i.dueDate, activation.graceDays);
    let status = i.status;
    // Observations may arrive out of order: only a later look that finds it unpaid is a reversal.
    if (status === 'Paid' && paid === null && compareDates(d.asOf, i.paidOn!) >= 0) {
      events.push({ type: 'PlanInstallmentPaymentReversed', data: { ...base, n: i.n, seq: i.seq, asOf: d.asOf } });
      status = 'Pending';
    }
    const broken = (daysLate: number): Decision => [
      ...events,
      {
        type: 'PlanBroken',
        data: { ...base, customerId: request.customerId, type: request.type, n: i.n, seq: i.seq, dueDate: i.dueDate, daysLate, brokenOn: d.asOf },
      },
    ];
    if (status === 'Paid' && paid === null) continue;
    if (paid !== null && compareDates(paid, d.asOf) <= 0) {
      if (compareDates(paid, graceEnds) > 0) return broken(daysBetween(i.dueDate, paid));
      if (status !== 'Paid') {
        events.push({
          type: 'PlanInstallmentPaid',
          data: {
            ...base,
            customerId: request.customerId,
            n: i.n,
            seq: i.seq,
            dueDate: i.dueDate,
            paidOn: paid,
            daysLate: Math.max(0, daysBetween(i.dueDate, paid)),
          },
        });
      }
      continue;
    }
    if (compareDates(d.asOf, graceEnds) > 0) return broken(daysBetween(i.dueDate, d.asOf));
    if (compareDates(d.asOf, i.dueDate) > 0 && status === 'Pending') {
      events.push({
        type: 'PlanInstallmentMissed',
        data: { ...base, customerId: request.customerId, n: i.n, seq: i.seq, dueDate: i.dueDate, asOf: d.asOf, graceEnds },
      });
    }
  }
  const settled = watched.every((i) => {
    const paid = paidOn.get(i.seq) ?? null;
    return paid !== null && compareDates(paid, d.asOf) <= 0;
  });
  if (settled && compareDates(d.asOf, activation.observationEnds) >= 0) {
    events.push({
      type: 'PlanCompleted',
      data: { ...base, customerId: request.customerId, type: request.type, completedOn: d.asOf, installmentsObserved: watched.length },
    });
  }
  return events;
}

// ---- the decider ----------------------------------------------------------------------------------

const decide = decideByType<RestructuringCommand, RequestState, Decision>('restructuring', {
  RequestRestructuring: decideRequest,
  AssessRestructuring: decideAssess,
  ApproveRestructuring: decideApprove,
  RejectRestructuring: decideReject,
  OfferRestructuring: decideOffer,
  AcceptOffer: decideAccept,
  ExpireOffer: decideExpire,
  ActivateRestructuring: decideActivate,
  ObservePlan: decideObserve,
});

export const restructuringDecider: Decider<RestructuringCommand, RestructuringEvent, RequestState> = {
  initialState: initialRequestState,
  decide,
  evolve,
};
