import { decideAll, type Actor, type BusinessDate } from '#kernel';
import { restructuringDecider, type RestructuringCommand } from '../src/domain/request/decide.js';
import type { RequestState, RestructuringEvent } from '../src/domain/request/events.js';
import type { InstallmentPlanTerms, LoanSnapshot, OwedInstallment, RestructuringTerms } from '../src/domain/plan.js';
import { DEFAULT_RESTRUCTURING_POLICY, type RestructuringPolicy } from '../src/domain/policy.js';

/**
 * A loan of 3,000.00 yuan in three installments of 1,000.00 principal (interest 30.00 / 20.00 /
 * 10.00) due on the 15th of February, March and April 2024. On 2024-03-20 the first two are
 * overdue: 34 days past due, stage M2.
 */
export const REQ = 'r-1';
export const LOAN = 'L-1';
export const CUSTOMER = 'C-1';
export const ASOF = '2024-03-20';

export const collector: Actor = { id: 'col-1', role: 'collector' };
export const supervisor: Actor = { id: 'sup-1', role: 'supervisor' };
export const supervisor2: Actor = { id: 'sup-2', role: 'supervisor' };
export const service: Actor = { id: 'app-gateway', role: 'service' };

export const OWED: OwedInstallment[] = [
  { seq: 1, dueDate: '2024-02-15', principal: 100_000, interest: 3_000, penalty: 0 },
  { seq: 2, dueDate: '2024-03-15', principal: 100_000, interest: 2_000, penalty: 0 },
  { seq: 3, dueDate: '2024-04-15', principal: 100_000, interest: 1_000, penalty: 0 },
];

export function snapshot(overrides: Partial<LoanSnapshot> = {}): LoanSnapshot {
  return {
    loanId: LOAN,
    customerId: CUSTOMER,
    asOf: ASOF,
    stage: 'M2',
    dpd: 34,
    paidOff: false,
    overdueAmount: 205_000,
    installments: OWED,
    lastRestructuredOn: null,
    ...overrides,
  };
}

export const PLAN_TERMS: InstallmentPlanTerms = { type: 'INSTALLMENT_PLAN', method: 'EQUAL_INSTALLMENT', tenorMonths: 6, annualRateBps: 1_200 };

export const INCOME = 800_000;

export const policy = (overrides: Partial<RestructuringPolicy> = {}): RestructuringPolicy => ({ ...DEFAULT_RESTRUCTURING_POLICY, ...overrides });

export const request = (
  terms: RestructuringTerms = PLAN_TERMS,
  overrides: Partial<Extract<RestructuringCommand, { type: 'RequestRestructuring' }>['data']> = {},
): RestructuringCommand => ({
  type: 'RequestRestructuring',
  data: {
    requestId: REQ,
    loan: snapshot(),
    terms,
    hardship: { reasonCode: 'JOB_LOSS', evidenceRefs: ['doc:termination-letter-77'] },
    monthlyIncome: INCOME,
    grade: 'C',
    gradeSource: 'DECLARED',
    requestedBy: collector,
    businessDate: ASOF,
    ...overrides,
  },
});

export const assessCmd = (overrides: Partial<Extract<RestructuringCommand, { type: 'AssessRestructuring' }>['data']> = {}): RestructuringCommand => ({
  type: 'AssessRestructuring',
  data: { requestId: REQ, loan: snapshot(), policy: policy(), customerLastRestructuredOn: null, assessedBy: collector, businessDate: ASOF, ...overrides },
});

export const approve = (approver: Actor = supervisor, businessDate: BusinessDate = ASOF): RestructuringCommand => ({
  type: 'ApproveRestructuring',
  data: { requestId: REQ, approver, businessDate },
});

export const reject = (rejectedBy: Actor = supervisor, businessDate: BusinessDate = ASOF): RestructuringCommand => ({
  type: 'RejectRestructuring',
  data: { requestId: REQ, rejectedBy, reasonCode: 'INSUFFICIENT_EVIDENCE', businessDate },
});

export const offer = (businessDate: BusinessDate = '2024-03-21', loan: LoanSnapshot = snapshot({ asOf: businessDate })): RestructuringCommand => ({
  type: 'OfferRestructuring',
  data: { requestId: REQ, loan, channel: 'SMS', offeredBy: collector, businessDate },
});

export const accept = (businessDate: BusinessDate = '2024-03-22', recordedBy: Actor = service, evidenceRef: string | null = null): RestructuringCommand => ({
  type: 'AcceptOffer',
  data: { requestId: REQ, recordedBy, channel: recordedBy.role === 'service' ? 'APP' : 'PHONE', evidenceRef, businessDate },
});

export const expire = (closedDate: BusinessDate): RestructuringCommand => ({ type: 'ExpireOffer', data: { requestId: REQ, closedDate } });

export const activate = (
  loanSeqs: number[] = [4, 5, 6, 7, 8, 9],
  loan: LoanSnapshot = snapshot({ asOf: '2024-03-22' }),
  businessDate: BusinessDate = '2024-03-22',
): RestructuringCommand => ({
  type: 'ActivateRestructuring',
  data: { requestId: REQ, outcome: { applied: true, loan, loanSeqs }, businessDate },
});

export const observe = (asOf: BusinessDate, paid: Record<number, BusinessDate | null> = {}, seqs = [4, 5, 6, 7, 8, 9]): RestructuringCommand => ({
  type: 'ObservePlan',
  data: { requestId: REQ, asOf, installments: seqs.map((seq) => ({ seq, paidOn: paid[seq] ?? null })) },
});

/** Runs setup commands through the decider; fails loudly if one is refused. */
export function history(...commands: RestructuringCommand[]): RestructuringEvent[] {
  return decideAll(restructuringDecider, commands);
}

export const stateAfter = (events: readonly RestructuringEvent[]): RequestState =>
  events.reduce(restructuringDecider.evolve, restructuringDecider.initialState());

/** Requested → assessed → approved → offered (2024-03-21, valid 7 days) → accepted (2024-03-22) → active. */
export const active = () => history(request(), assessCmd(), approve(), offer(), accept(), activate());
