// The Loans context: loan accounts mirrored from core banking, payments, days past due and
// delinquency stages, the business calendar and its end of day.
export { allocatePayment, type Allocation, type AllocationResult, type Receivable } from './domain/allocation.js';
export {
  BOUNDED_STAGES,
  DEFAULT_STAGE_BOUNDARIES,
  daysPastDue,
  oldestUnpaidDueDate,
  overdueAmount,
  pausedDays,
  reportedDpdOn,
  stageBoundariesProblem,
  stageFor,
  stageUpperBound,
  type DelinquencyStage,
  type DueBalance,
  type HoldPeriod,
  type StageBoundaries,
} from './domain/delinquency.js';
export {
  COMPONENTS,
  DEFAULT_PRODUCT_SETTINGS,
  DUE_DATE_ROLLS,
  PENALTY_RATE_ABSOLUTE_CAP_BPS,
  penaltyRateCapBps,
  productSettingsProblem,
  type Component,
  type DueDateRoll,
  type ProductSettings,
  type Waterfall,
} from './domain/product.js';
export { WORKING_DAY_CALENDAR, isWorkingDay, nextWorkingDay } from './domain/working-days.js';
export {
  dailyPenalty,
  penaltyOwed,
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
  type WaiverFact,
  type WriteOffFacts,
  type SettlementFacts,
  type SettlementOffer,
  type ForgivenessFact,
} from './domain/position.js';
export {
  evolve,
  initialLoanState,
  type ActiveLoan,
  type CollectionHoldEnded,
  type CollectionHoldStarted,
  type DelinquencyRestated,
  type DelinquencyStageChanged,
  type LoanBecameDelinquent,
  type LoanCured,
  type LoanEvent,
  type LoanPaidOff,
  type LoanRegistered,
  type LoanReopened,
  type LoanState,
  type LoanWrittenOff,
  type RecoveryReceived,
  type WriteOffRejected,
  type SettlementProposed,
  type SettlementApproved,
  type SettlementRejected,
  type SettlementLapsed,
  type LoanSettled,
  type WriteOffRequested,
  type WrittenOffLoan,
  type PaidOffLoan,
  type PaymentReceived,
  type PaymentReversed,
  type PenaltyAccrued,
  type PenaltyRestated,
  type PenaltyWaived,
  type ReportedPosition,
  type ScheduleRestructured,
  type UnregisteredLoan,
} from './domain/loan/events.js';
export {
  correctionOf,
  delinquencyHistory,
  restatementOf,
  type CorrectionRef,
  type DelinquencyHistory,
  type RestatedEpisode,
  type RestatedOverduePayment,
  type Restatement,
  type StageSpell,
} from './domain/restatement.js';
export {
  decide,
  loanDecider,
  WRITE_OFF_APPROVAL_LIMITS,
  WRITE_OFF_REQUESTERS,
  SETTLEMENT_APPROVAL_LIMITS,
  SETTLEMENT_MAX_DAYS,
  SETTLEMENT_PROPOSERS,
  type ApproveWriteOff,
  type ProposeSettlement,
  type ApproveSettlement,
  type RejectSettlement,
  type RejectWriteOff,
  type RequestWriteOff,
  type CloseBusinessDay,
  type EndCollectionHold,
  type LoanCommand,
  type NewInstallment,
  type PostPayment,
  type RegisterLoan,
  type RestructureSchedule,
  type ReversePayment,
  type StartCollectionHold,
  type WaivePenalty,
} from './domain/loan/decide.js';

export {
  calendarDecider,
  factBusinessDate,
  type BusinessCalendarStarted,
  type BusinessDayClosed,
  type CalendarCommand,
  type CalendarEvent,
  type CalendarState,
  type EndOfDayCompleted,
} from './domain/calendar.js';
export { CALENDAR_ID, CALENDAR_STREAM, LOANS_STREAM_PREFIXES, loanStream } from './application/streams.js';
export { BusinessCalendar } from './application/business-calendar.js';
export {
  LoanCommandHandlers,
  type Intake,
  type LoanCall,
  type LoanRepository,
  type PaymentInput,
  type RegisterLoanInput,
  type ReversalInput,
} from './application/loan-commands.js';
export { END_OF_DAY_ACTOR, EndOfDay, endOfDayKey, type EndOfDayOptions, type EndOfDayRun } from './application/end-of-day.js';
export { LoansSchema1732838400300 } from './application/schema.js';
export { LOANS_PROJECTION, STAGES, loanRow, loansProjection, type LoanRow } from './read-model/loan-projection.js';
export { LoanQueries, type LoanListFilter, type LoanListItem, type LoanPage } from './read-model/loan-queries.js';
export { BusinessClock, businessCalendarCopy, evolveCalendarCopy, type BusinessDay, type CalendarCopyRow } from './read-model/calendar-copy.js';
export { LOAN_CASE_ASSIGNMENTS, loanScopeOf, type LoanScope } from './read-model/case-assignments.js';
export {
  CORE_BANKING_LOANS_TOPIC,
  CORE_BANKING_TYPES,
  CoreBankingBusinessDayClosed,
  CoreBankingLoanRegistered,
  CoreBankingLoansHandler,
  CoreBankingPaymentReceived,
  CoreBankingPaymentReversed,
  kafkaIntake,
} from './api/core-banking-messaging.js';
export { LOANS_TOPIC, PUBLISHED_LOAN_EVENTS, loansIntegrationEvents } from './api/integration-events.js';
export { LoansModule, loansContext } from './loans.module.js';
