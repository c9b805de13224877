import { compareDates, type BusinessDate, type DomainEvent, type Fen } from '#kernel';
import type { Allocation } from '../allocation.js';
import type { DelinquencyStage } from '../delinquency.js';
import {
  project,
  type ForgivenessFact,
  type LoanFacts,
  type LoanTerms,
  type PaymentFact,
  type SettlementFacts,
  type WaiverFact,
  type WriteOffFacts,
  type RestructuringFact,
  type ScheduledInstallment,
} from '../position.js';
import type { ProductSettings } from '../product.js';
import type { Restatement } from '../restatement.js';

/**
 * Events of the LoanAccount aggregate (stream `loans.loan-<loanId>`), its state and `evolve`.
 * Facts (registration, payments, reversals, holds, restructurings) are kept raw in the state;
 * delinquency events report what the replay of those facts showed on a business date.
 * No event carries personal data: the borrower is a customerId.
 */

/** An event recorded on a business date: the date the command that caused it was decided on. */
type Dated<T extends string, D> = DomainEvent<T, D & { readonly businessDate: BusinessDate }>;

/** A payment as core banking books it: its reference, amount and value date. */
export interface PaymentLine {
  readonly reference: string;
  readonly amount: Fen;
  readonly valueDate: BusinessDate;
}

/** A four-eyes proposal turned down: by whom and why. */
interface Rejection {
  readonly rejectedBy: string;
  readonly reason: string;
}

export type LoanRegistered = DomainEvent<
  'LoanRegistered',
  LoanTerms & {
    readonly schedule: readonly ScheduledInstallment[];
    /** The product settings in force for this loan, copied so later product changes do not rewrite history. */
    readonly product: ProductSettings;
    readonly registeredOn: BusinessDate;
  }
>;

export type PaymentReceived = Dated<
  'PaymentReceived',
  PaymentLine & {
    /** How the payment was applied when it was recorded (a later backdated fact may re-apply it). */
    readonly allocations: readonly Allocation[];
    /** Overpayment: what was left after everything owed, due or not. */
    readonly unapplied: Fen;
  }
>;

export type PaymentReversed = Dated<'PaymentReversed', PaymentLine & { readonly reason: string }>;

export type CollectionHoldStarted = Dated<'CollectionHoldStarted', { readonly holdId: string; readonly reason: string; readonly from: BusinessDate }>;

export type CollectionHoldEnded = Dated<
  'CollectionHoldEnded',
  {
    readonly holdId: string;
    readonly from: BusinessDate;
    /** The day the hold ended: the first day counted again. */
    readonly to: BusinessDate;
    /** Calendar days the hold paused: from `from` up to, not including, `to`. */
    readonly pausedDays: number;
  }
>;

export type ScheduleRestructured = Dated<
  'ScheduleRestructured',
  {
    readonly restructuringId: string;
    readonly effectiveDate: BusinessDate;
    /** The installments not fully paid on the effective date, which the new schedule replaces. */
    readonly replacedSeqs: readonly number[];
    /** Principal still owed on the replaced installments; the new schedule's principal sums to it. */
    readonly restructuredPrincipal: Fen;
    /** Interest and penalty still owed on the replaced installments, superseded by the new schedule. */
    readonly supersededInterest: Fen;
    readonly supersededPenalty: Fen;
    readonly newSchedule: readonly ScheduledInstallment[];
  }
>;

/**
 * Penalty waived on the business date (a Restructuring fee waiver approved under four eyes, named
 * by `waiverId`): it is no longer owed; principal and interest owed are unchanged, so DPD falls
 * only if nothing but penalty was past due.
 */
export type PenaltyWaived = Dated<
  'PenaltyWaived',
  {
    readonly waiverId: string;
    readonly amount: Fen;
    readonly reason: string;
    /** Penalty owed on installments due by the business date, before the waiver. */
    readonly penaltyOwed: Fen;
  }
>;

/** Penalty accrued since the last report as the days passed (amount > 0). */
export type PenaltyAccrued = DomainEvent<'PenaltyAccrued', { readonly asOf: BusinessDate; readonly amount: Fen; readonly accruedTotal: Fen }>;

/** The accrued penalty total restated because a fact changed the past (backdated payment, reversal...). */
export type PenaltyRestated = DomainEvent<'PenaltyRestated', { readonly asOf: BusinessDate; readonly previousTotal: Fen; readonly accruedTotal: Fen }>;

export type LoanBecameDelinquent = DomainEvent<
  'LoanBecameDelinquent',
  {
    readonly dpd: number;
    readonly stage: DelinquencyStage;
    readonly overdueAmount: Fen;
    readonly oldestUnpaidDueDate: BusinessDate;
    readonly asOf: BusinessDate;
  }
>;

export type DelinquencyStageChanged = DomainEvent<
  'DelinquencyStageChanged',
  {
    readonly from: DelinquencyStage;
    readonly to: DelinquencyStage;
    readonly dpd: number;
    readonly overdueAmount: Fen;
    readonly asOf: BusinessDate;
  }
>;

/** Days past due are back to 0 (what is still overdue, if anything, is penalty). */
export type LoanCured = DomainEvent<'LoanCured', { readonly asOf: BusinessDate; readonly overdueAmount: Fen }>;

export type LoanPaidOff = DomainEvent<'LoanPaidOff', { readonly asOf: BusinessDate; readonly paidOffOn: BusinessDate }>;

/** A paid-off loan owes money again (a payment was reversed). */
export type LoanReopened = DomainEvent<'LoanReopened', { readonly asOf: BusinessDate; readonly outstandingAmount: Fen }>;

/**
 * A correction (backdated payment, reversal, earlier restructuring or hold) changed the loan's
 * delinquency history: the episodes, stage spells and payments while past due, before and after it.
 * Recorded right after the correcting fact and the position events it caused, in the same append;
 * `correction` names that fact. Other contexts replace what they derived from the first history.
 */
export type DelinquencyRestated = DomainEvent<'DelinquencyRestated', Restatement>;

/** Four-eyes write-off, step one: someone asks for it with a reason; a different person decides. */
export type WriteOffRequested = Dated<
  'WriteOffRequested',
  {
    readonly requestId: string;
    readonly reason: string;
    readonly requestedBy: string;
    /** What the loan owed on the business date of the request (principal + interest + penalty). */
    readonly outstandingAmount: Fen;
    readonly dpd: number;
  }
>;

export type WriteOffRejected = Dated<'WriteOffRejected', { readonly requestId: string } & Rejection>;

/**
 * The loan is written off on the business date: it stops ageing and accruing, and what it owed moves
 * off the books (kept here as the off-book balance that recoveries reduce).
 */
export type LoanWrittenOff = DomainEvent<
  'LoanWrittenOff',
  {
    readonly requestId: string;
    readonly writtenOffOn: BusinessDate;
    readonly principal: Fen;
    readonly interest: Fen;
    readonly penalty: Fen;
    /** principal + interest + penalty: the off-book balance. */
    readonly amount: Fen;
    readonly dpd: number;
    readonly stage: DelinquencyStage;
    readonly reason: string;
    readonly requestedBy: string;
    readonly approvedBy: string;
    /** The approver's role and the limit (fen) it allowed. */
    readonly approverRole: string;
    readonly approvalLimit: Fen;
  }
>;

/** Money recovered on a written-off loan; it reduces the off-book balance, never the frozen position. */
export type RecoveryReceived = Dated<
  'RecoveryReceived',
  PaymentLine & {
    /** Recovered so far, this recovery included. */
    readonly recoveredTotal: Fen;
    /** Off-book balance left after this recovery (never below 0). */
    readonly offBookBalance: Fen;
  }
>;

/**
 * A settlement offer, step one: pay `amount` by `dueBy` (on the business calendar) and the rest of
 * the balance is forgiven. A different person approves or rejects it.
 */
export type SettlementProposed = Dated<
  'SettlementProposed',
  {
    readonly settlementId: string;
    readonly amount: Fen;
    readonly dueBy: BusinessDate;
    readonly reason: string;
    readonly proposedBy: string;
    /** What the loan owed on the business date of the proposal, and what the offer would forgive of it. */
    readonly outstandingAmount: Fen;
    readonly forgivenAmount: Fen;
  }
>;

/** The offer approved by someone other than its proposer, within their role's limit on the forgiven amount. */
export type SettlementApproved = Dated<
  'SettlementApproved',
  {
    readonly settlementId: string;
    readonly approvedBy: string;
    readonly approverRole: string;
    /** The most (fen) the approver's role may forgive, and what the offer forgives on the approval date. */
    readonly approvalLimit: Fen;
    readonly forgivenAmount: Fen;
  }
>;

export type SettlementRejected = Dated<'SettlementRejected', { readonly settlementId: string } & Rejection>;

/** The first close of business after `dueBy` found the offer not paid in full: it ends; payments made stay applied. */
export type SettlementLapsed = Dated<
  'SettlementLapsed',
  {
    readonly settlementId: string;
    readonly amount: Fen;
    readonly dueBy: BusinessDate;
    /** Counted towards the amount (payments after the approval, valued by `dueBy`); 0 if never approved. */
    readonly paid: Fen;
    readonly approved: boolean;
  }
>;

/**
 * The payments after approval reached the settlement amount by `dueBy`: what the loan still owed is
 * forgiven (for accounting, by component) as of `settledOn`, so the loan is paid off (LoanPaidOff
 * follows in the same append).
 */
export type LoanSettled = Dated<
  'LoanSettled',
  {
    readonly settlementId: string;
    readonly settledOn: BusinessDate;
    readonly amount: Fen;
    /** Counted towards the amount: payments after the approval, valued by `dueBy`. */
    readonly paid: Fen;
    readonly forgivenPrincipal: Fen;
    readonly forgivenInterest: Fen;
    readonly forgivenPenalty: Fen;
    readonly forgiven: Fen;
    readonly proposedBy: string;
    readonly approvedBy: string;
  }
>;

export type LoanEvent =
  | SettlementProposed
  | SettlementApproved
  | SettlementRejected
  | SettlementLapsed
  | LoanSettled
  | WriteOffRequested
  | WriteOffRejected
  | LoanWrittenOff
  | RecoveryReceived
  | LoanRegistered
  | PaymentReceived
  | PaymentReversed
  | CollectionHoldStarted
  | CollectionHoldEnded
  | ScheduleRestructured
  | PenaltyWaived
  | PenaltyAccrued
  | PenaltyRestated
  | LoanBecameDelinquent
  | DelinquencyStageChanged
  | LoanCured
  | LoanPaidOff
  | LoanReopened
  | DelinquencyRestated;

/** The delinquency position last published in events, which the next evaluation is compared with. */
export interface ReportedPosition {
  /** The latest business date the position was evaluated and published for. */
  readonly asOf: BusinessDate;
  readonly delinquent: boolean;
  readonly stage: DelinquencyStage;
  readonly penaltyAccrued: Fen;
  readonly paidOff: boolean;
}

interface RegisteredLoan {
  readonly facts: LoanFacts;
  readonly reported: ReportedPosition;
  /**
   * Through this date a close of business has nothing to report unless new facts arrive (null:
   * never), so most loans on most days skip the replay. Derived from the facts; conservative.
   * Undefined until asked for (`quietThroughOf`): folding a stream replays the facts once when the
   * date is needed, not once per event, so a fold's cost grows with the stream, not its square.
   */
  readonly quietThrough?: BusinessDate | null;
}

export type UnregisteredLoan = { readonly status: 'Unregistered' };
export type ActiveLoan = { readonly status: 'Active' } & RegisteredLoan;
export type PaidOffLoan = { readonly status: 'PaidOff' } & RegisteredLoan;
/** Written off: the position is frozen as of the write-off date; only recoveries are recorded. */
export type WrittenOffLoan = { readonly status: 'WrittenOff' } & RegisteredLoan;
export type LoanState = UnregisteredLoan | ActiveLoan | PaidOffLoan | WrittenOffLoan;

export const initialLoanState = (): LoanState => ({ status: 'Unregistered' });

const later = (a: BusinessDate, b: BusinessDate): BusinessDate => (compareDates(a, b) >= 0 ? a : b);

function withReported(state: ActiveLoan | PaidOffLoan | WrittenOffLoan, asOf: BusinessDate, change: Partial<ReportedPosition>): ReportedPosition {
  return { ...state.reported, ...change, asOf: later(state.reported.asOf, asOf) };
}

function settle(facts: LoanFacts, reported: ReportedPosition): ActiveLoan | PaidOffLoan | WrittenOffLoan {
  if (facts.writeOff?.writtenOff) return { status: 'WrittenOff', facts, reported, quietThrough: null };
  return { status: reported.paidOff ? 'PaidOff' : 'Active', facts, reported, quietThrough: undefined };
}

/** The loan's quiet date (see `quietThrough`), derived from its facts when the fold left it open. */
export function quietThroughOf(loan: ActiveLoan | PaidOffLoan | WrittenOffLoan): BusinessDate | null {
  return loan.quietThrough !== undefined ? loan.quietThrough : project(loan.facts, loan.reported.asOf).quietThrough;
}

/** The account's write-off facts with one more event recorded. */
function recordWriteOff(facts: LoanFacts, event: WriteOffRequested | WriteOffRejected | LoanWrittenOff | RecoveryReceived): LoanFacts {
  const current: WriteOffFacts = facts.writeOff ?? { pending: null, writtenOff: null, recoveries: [] };
  switch (event.type) {
    case 'WriteOffRequested': {
      const { requestId, reason, requestedBy, businessDate } = event.data;
      return { ...facts, writeOff: { ...current, pending: { requestId, reason, requestedBy, requestedOn: businessDate } } };
    }
    case 'WriteOffRejected':
      return { ...facts, writeOff: { ...current, pending: null } };
    case 'LoanWrittenOff': {
      const { requestId, writtenOffOn, amount, approvedBy, requestedBy } = event.data;
      return { ...facts, writeOff: { ...current, pending: null, writtenOff: { requestId, writtenOffOn, amount, requestedBy, approvedBy } } };
    }
    case 'RecoveryReceived': {
      const { reference, amount, valueDate, businessDate } = event.data;
      return { ...facts, writeOff: { ...current, recoveries: [...current.recoveries, { reference, amount, valueDate, recordedOn: businessDate }] } };
    }
  }
}

/** The account's settlement offers with one more event recorded (LoanSettled is also a ledger fact: see `recordFact`). */
function recordSettlement(facts: LoanFacts, event: SettlementProposed | SettlementApproved | SettlementRejected | SettlementLapsed | LoanSettled): LoanFacts {
  const current: SettlementFacts = facts.settlement ?? { open: null, closed: [] };
  const close = (outcome: 'settled' | 'rejected' | 'lapsed'): LoanFacts => ({
    ...facts,
    settlement: {
      open: null,
      closed: [...current.closed, { settlementId: event.data.settlementId, outcome, approvedBy: current.open?.approval?.approvedBy ?? null }],
    },
  });
  switch (event.type) {
    case 'SettlementProposed': {
      const { settlementId, amount, dueBy, reason, proposedBy, businessDate } = event.data;
      return { ...facts, settlement: { ...current, open: { settlementId, amount, dueBy, reason, proposedBy, proposedOn: businessDate, approval: null } } };
    }
    case 'SettlementApproved': {
      const { approvedBy, approverRole, businessDate } = event.data;
      if (!current.open) return facts;
      const approval = { approvedBy, approverRole, approvedOn: businessDate, ledgerFrom: facts.ledger.length };
      return { ...facts, settlement: { ...current, open: { ...current.open, approval } } };
    }
    case 'SettlementRejected':
      return close('rejected');
    case 'SettlementLapsed':
      return close('lapsed');
    case 'LoanSettled':
      return close('settled');
  }
}

/** The events that add a fact to the account (the rest report what the facts showed). */
export type LoanFactEvent =
  PaymentReceived | PaymentReversed | ScheduleRestructured | PenaltyWaived | LoanSettled | CollectionHoldStarted | CollectionHoldEnded;

/** The account's facts with one more fact recorded; shared by `evolve` and the deciders. */
export function recordFact(facts: LoanFacts, event: LoanFactEvent): LoanFacts {
  switch (event.type) {
    case 'PaymentReceived': {
      const { reference, amount, valueDate, businessDate } = event.data;
      const payment: PaymentFact = { kind: 'payment', reference, amount, valueDate, recordedOn: businessDate, reversal: null };
      return { ...facts, ledger: [...facts.ledger, payment] };
    }
    case 'PaymentReversed': {
      const { reference, reason, businessDate } = event.data;
      const reversal = { reason, recordedOn: businessDate };
      return { ...facts, ledger: facts.ledger.map((f) => (f.kind === 'payment' && f.reference === reference ? { ...f, reversal } : f)) };
    }
    case 'ScheduleRestructured': {
      const { restructuringId, effectiveDate, businessDate, replacedSeqs, newSchedule } = event.data;
      const fact: RestructuringFact = { kind: 'restructuring', restructuringId, effectiveDate, recordedOn: businessDate, replacedSeqs, newSchedule };
      return { ...facts, ledger: [...facts.ledger, fact] };
    }
    case 'PenaltyWaived': {
      const { waiverId, amount, businessDate } = event.data;
      const fact: WaiverFact = { kind: 'waiver', waiverId, amount, valueDate: businessDate, recordedOn: businessDate };
      return { ...facts, ledger: [...facts.ledger, fact] };
    }
    case 'LoanSettled': {
      const { settlementId, forgivenPrincipal, forgivenInterest, forgivenPenalty, settledOn, businessDate } = event.data;
      const fact: ForgivenessFact = {
        kind: 'forgiveness',
        settlementId,
        principal: forgivenPrincipal,
        interest: forgivenInterest,
        penalty: forgivenPenalty,
        valueDate: settledOn,
        recordedOn: businessDate,
      };
      return recordSettlement({ ...facts, ledger: [...facts.ledger, fact] }, event);
    }
    case 'CollectionHoldStarted': {
      const { holdId, reason, from } = event.data;
      return { ...facts, holds: [...facts.holds, { holdId, reason, from, to: null }] };
    }
    case 'CollectionHoldEnded': {
      const { holdId, to } = event.data;
      return { ...facts, holds: facts.holds.map((h) => (h.holdId === holdId ? { ...h, to } : h)) };
    }
  }
}

export function evolve(state: LoanState, event: LoanEvent): LoanState {
  if (event.type === 'LoanRegistered') {
    const { schedule, product, registeredOn: _registeredOn, ...terms } = event.data;
    const facts: LoanFacts = { terms, product, schedule, ledger: [], holds: [] };
    // Nothing is past due on the disbursement date, so the position there is known: current.
    return settle(facts, { asOf: terms.disbursementDate, delinquent: false, stage: 'M0', penaltyAccrued: 0, paidOff: false });
  }
  if (state.status === 'Unregistered') return state;

  switch (event.type) {
    case 'PaymentReceived':
    case 'PaymentReversed':
    case 'ScheduleRestructured':
    case 'PenaltyWaived':
    case 'LoanSettled':
    case 'CollectionHoldStarted':
    case 'CollectionHoldEnded':
      return settle(recordFact(state.facts, event), withReported(state, event.data.businessDate, {}));
    case 'PenaltyAccrued':
      // Still accruing tomorrow unless a fact changes: no replay needed to know that.
      return { ...state, reported: withReported(state, event.data.asOf, { penaltyAccrued: event.data.accruedTotal }), quietThrough: event.data.asOf };
    case 'PenaltyRestated':
      return settle(state.facts, withReported(state, event.data.asOf, { penaltyAccrued: event.data.accruedTotal }));
    case 'LoanBecameDelinquent':
      return settle(state.facts, withReported(state, event.data.asOf, { delinquent: true, stage: event.data.stage }));
    case 'DelinquencyStageChanged':
      return settle(state.facts, withReported(state, event.data.asOf, { stage: event.data.to }));
    case 'LoanCured':
      return settle(state.facts, withReported(state, event.data.asOf, { delinquent: false }));
    case 'LoanPaidOff':
      return settle(state.facts, withReported(state, event.data.asOf, { paidOff: true }));
    case 'LoanReopened':
      return settle(state.facts, withReported(state, event.data.asOf, { paidOff: false }));
    case 'DelinquencyRestated':
      // A report about the past for other contexts: the facts and the position already say it.
      return state;
    case 'WriteOffRequested':
    case 'WriteOffRejected':
    case 'RecoveryReceived':
      return { ...state, facts: recordWriteOff(state.facts, event) };
    case 'LoanWrittenOff':
      return settle(recordWriteOff(state.facts, event), withReported(state, event.data.writtenOffOn, {}));
    case 'SettlementProposed':
    case 'SettlementApproved':
    case 'SettlementRejected':
    case 'SettlementLapsed':
      // The offer's `dueBy` is a date the close of business must look at: the quiet date is re-derived.
      return settle(recordSettlement(state.facts, event), state.reported);
    default: {
      // An event type this code does not know (e.g. from a newer schema) changes nothing here.
      const _exhaustive: never = event;
      return state;
    }
  }
}
