import type { BusinessDate, Fen } from '#kernel';

/**
 * Monitoring's own vocabulary for what happened elsewhere. The other contexts publish their events
 * in their own shapes; `application/sources/*` (one file per source context) turn them into these
 * observations, and everything in monitoring (early-warning rules, KPI fact tables) reads only
 * these. A change in another context's event shape is then a change in one source file.
 *
 * Every observation carries `on`, the business date it belongs to, and the id of the event it came
 * from (the cause recorded on anything monitoring decides because of it).
 */

/** Delinquency stages as Loans publishes them, plus the two ends of a loan's life. */
export type Stage = 'M0' | 'M1' | 'M2' | 'M3' | 'M4' | 'M5' | 'M6' | 'M6+';
export const STAGES: readonly Stage[] = ['M0', 'M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M6+'];
type TerminalStage = 'PAID_OFF' | 'WRITTEN_OFF';
export type LoanStage = Stage | TerminalStage;

export function stageRank(stage: string): number {
  return STAGES.indexOf(stage as Stage);
}

/** The stage a loan rolls forward into; M6+ rolls into write-off. */
export function nextStage(stage: Stage): LoanStage {
  const i = STAGES.indexOf(stage);
  return i === STAGES.length - 1 ? 'WRITTEN_OFF' : STAGES[i + 1];
}

export interface Installment {
  readonly seq: number;
  readonly dueDate: BusinessDate;
  /** Principal plus interest scheduled (penalty is not part of what an installment asks for). */
  readonly owed: Fen;
}

export interface PaymentPart {
  readonly seq: number;
  /** Principal and interest this payment paid on the installment. */
  readonly paid: Fen;
  readonly principal: Fen;
}

interface Base<K extends string> {
  readonly kind: K;
  readonly on: BusinessDate;
  readonly sourceEventId: string;
}

// ---- loans ------------------------------------------------------------------------------------
interface LoanOpened extends Base<'LoanOpened'> {
  readonly loanId: string;
  readonly customerId: string;
  readonly principal: Fen;
  readonly installments: readonly Installment[];
}
interface PaymentMade extends Base<'PaymentMade'> {
  readonly loanId: string;
  readonly reference: string;
  readonly amount: Fen;
  readonly valueDate: BusinessDate;
  /** How the payment was applied to principal and interest, per installment (penalty left out). */
  readonly parts: readonly PaymentPart[];
  /** Money recovered on a loan Loans wrote off (`RecoveryReceived`): off the books, so no parts. */
  readonly recovery?: boolean;
}
interface PaymentReversed extends Base<'PaymentReversed'> {
  readonly loanId: string;
  readonly reference: string;
  readonly amount: Fen;
}
/** Became delinquent, changed stage, or cured (stage M0). */
interface LoanStageChanged extends Base<'LoanStageChanged'> {
  readonly loanId: string;
  readonly from: Stage | null;
  readonly to: Stage;
  readonly dpd: number;
  readonly overdue: Fen;
}
interface LoanPaidOff extends Base<'LoanPaidOff'> {
  readonly loanId: string;
}
interface LoanReopened extends Base<'LoanReopened'> {
  readonly loanId: string;
}
interface ScheduleReplaced extends Base<'ScheduleReplaced'> {
  readonly loanId: string;
  readonly replacedSeqs: readonly number[];
  readonly installments: readonly Installment[];
}

// ---- collection -------------------------------------------------------------------------------
export interface StrategyArm {
  readonly strategyId: string;
  readonly strategyVersion: number;
  readonly variant: string;
}
interface CaseOpened extends Base<'CaseOpened'> {
  readonly caseId: string;
  readonly loanId: string;
  readonly customerId: string;
  readonly strategy: StrategyArm | null;
  readonly grade: string | null;
  readonly stage: Stage | null;
  readonly collectorId: string | null;
  readonly overdue: Fen;
}
/** An assignment names no business date (Collection's contract has none): it dates nothing here. */
interface CaseAssigned extends Omit<Base<'CaseAssigned'>, 'on'> {
  readonly on: null;
  readonly caseId: string;
  readonly collectorId: string;
}
interface CaseStageChanged extends Base<'CaseStageChanged'> {
  readonly caseId: string;
  readonly stage: Stage;
}
interface ContactAttempted extends Base<'ContactAttempted'> {
  readonly caseId: string;
  readonly customerId: string | null;
  readonly channel: string;
  readonly outcome: string;
  /** Whom the attempt reached or tried: the debtor, or a third party (right-party contact counts only the debtor). */
  readonly party: 'DEBTOR' | 'THIRD_PARTY';
  /** The collector who made the attempt; null when a channel executor did. */
  readonly collectorId: string | null;
}
interface PromiseMade extends Base<'PromiseMade'> {
  readonly caseId: string;
  readonly promiseId: string;
  readonly amount: Fen;
  readonly dueOn: BusinessDate | null;
}
interface PromiseResolved extends Base<'PromiseResolved'> {
  readonly caseId: string;
  readonly promiseId: string;
  readonly customerId: string | null;
  readonly kept: boolean;
}
interface CaseClosed extends Base<'CaseClosed'> {
  readonly caseId: string;
  readonly reason: string;
}
/** Pre-due outreach started for a current loan (Collection's pre-delinquency track), working towards one installment. */
interface OutreachStarted extends Base<'OutreachStarted'> {
  readonly trackId: string;
  readonly loanId: string;
  readonly customerId: string;
  /** The due date of the installment the outreach works towards. */
  readonly dueDate: BusinessDate;
  readonly strategy: StrategyArm | null;
}
interface DisputeRaised extends Base<'DisputeRaised'> {
  /** Identifies the dispute or complaint across the events that report it (counted once). */
  readonly disputeKey: string;
  readonly caseId: string | null;
  readonly customerId: string | null;
  readonly type: 'DISPUTE' | 'COMPLAINT';
}

// ---- self-service -------------------------------------------------------------------------------
/** A complaint or dispute resolved: its outcome reaches the dispute row of each case it held. */
interface ComplaintResolved extends Base<'ComplaintResolved'> {
  readonly complaintId: string;
  readonly caseIds: readonly string[];
  readonly outcome: string;
}

// ---- grading ----------------------------------------------------------------------------------
interface CustomerGraded extends Base<'CustomerGraded'> {
  readonly customerId: string;
  readonly grade: string;
  readonly previousGrade: string | null;
}
interface ProfileUpdated extends Base<'ProfileUpdated'> {
  readonly customerId: string;
  readonly bureauScore: number | null;
  /** Monthly income in fen. */
  readonly monthlyIncome: Fen | null;
}

// ---- restructuring ----------------------------------------------------------------------------
interface RestructuringActivated extends Base<'RestructuringActivated'> {
  readonly restructuringId: string;
  readonly loanId: string | null;
  readonly customerId: string | null;
  readonly caseId: string | null;
  readonly type: string | null;
}
interface RestructuringEnded extends Base<'RestructuringEnded'> {
  readonly restructuringId: string;
  readonly outcome: 'COMPLETED' | 'BROKEN';
}

// ---- the business calendar ----------------------------------------------------------------------
interface BusinessDayClosed extends Base<'BusinessDayClosed'> {
  readonly businessDate: BusinessDate;
}

/** The correcting fact a restatement names (Loans' own identifiers). */
interface CorrectionRef {
  readonly type: string;
  readonly ref: string;
  readonly effectiveFrom: BusinessDate;
  readonly recordedOn: BusinessDate;
}

/** Loans restated the loan's delinquency history: its stage spells as the corrected facts show them. */
interface LoanHistoryRestated extends Base<'LoanHistoryRestated'> {
  readonly loanId: string;
  readonly correction: CorrectionRef;
  readonly stages: readonly { readonly stage: Stage; readonly from: BusinessDate; readonly to: BusinessDate | null }[];
}

/** A promise judged kept is open again: the payment it rested on was reversed. */
interface PromiseReopened extends Base<'PromiseReopened'> {
  readonly caseId: string;
  readonly promiseId: string;
  /** The Loans event the reopening rests on. */
  readonly causeEventId: string | null;
}

export type Observation =
  | LoanHistoryRestated
  | PromiseReopened
  | LoanOpened
  | PaymentMade
  | PaymentReversed
  | LoanStageChanged
  | LoanPaidOff
  | LoanReopened
  | ScheduleReplaced
  | CaseOpened
  | CaseAssigned
  | CaseStageChanged
  | ContactAttempted
  | PromiseMade
  | PromiseResolved
  | CaseClosed
  | DisputeRaised
  | OutreachStarted
  | ComplaintResolved
  | CustomerGraded
  | ProfileUpdated
  | RestructuringActivated
  | RestructuringEnded
  | BusinessDayClosed;

/** An observation as a source maps it, before the business date is checked: one without it is not observed. */
export type ObservationDraft = Observation extends infer O
  ? O extends { readonly on: BusinessDate }
    ? Omit<O, 'on'> & { readonly on: BusinessDate | null }
    : O
  : never;

/** Drafts whose business date is known (and the undated kinds, which date nothing). */
export function dated(drafts: readonly ObservationDraft[]): Observation[] {
  return drafts.filter((d): d is Observation => d.on !== null || d.kind === 'CaseAssigned');
}
