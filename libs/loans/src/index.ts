// The Loans context: loan accounts mirrored from core banking, payments, days past due and
// delinquency stages. Only the pure domain exists so far.
export { allocatePayment, type Allocation, type AllocationResult, type Receivable } from './domain/allocation.js';
export {
  BOUNDED_STAGES,
  DEFAULT_STAGE_BOUNDARIES,
  daysPastDue,
  oldestUnpaidDueDate,
  overdueAmount,
  pausedDays,
  stageBoundariesProblem,
  stageFor,
  stageUpperBound,
  type DelinquencyStage,
  type DueBalance,
  type HoldPeriod,
  type StageBoundaries,
} from './domain/delinquency.js';
export { COMPONENTS, DEFAULT_PRODUCT_SETTINGS, productSettingsProblem, type Component, type ProductSettings, type Waterfall } from './domain/product.js';
export {
  dailyPenalty,
  project,
  type CollectionHold,
  type InstallmentPosition,
  type LedgerFact,
  type LoanFacts,
  type LoanPosition,
  type LoanTerms,
  type PaymentApplication,
  type PaymentFact,
  type RestructuringFact,
  type ScheduledInstallment,
} from './domain/position.js';
export {
  evolve,
  initialLoanState,
  type ActiveLoan,
  type CollectionHoldEnded,
  type CollectionHoldStarted,
  type DelinquencyStageChanged,
  type LoanBecameDelinquent,
  type LoanCured,
  type LoanEvent,
  type LoanPaidOff,
  type LoanRegistered,
  type LoanReopened,
  type LoanState,
  type PaidOffLoan,
  type PaymentReceived,
  type PaymentReversed,
  type PenaltyAccrued,
  type PenaltyRestated,
  type ReportedPosition,
  type ScheduleRestructured,
  type UnregisteredLoan,
} from './domain/events.js';
export {
  decide,
  loanDecider,
  type CloseBusinessDay,
  type EndCollectionHold,
  type LoanCommand,
  type NewInstallment,
  type PostPayment,
  type RegisterLoan,
  type RestructureSchedule,
  type ReversePayment,
  type StartCollectionHold,
} from './domain/commands.js';

/** Streams of this context are `loans.loan-<loanId>`. */
export const LOANS_CONTEXT = 'loans';
export const LOAN_AGGREGATE = 'loan';
