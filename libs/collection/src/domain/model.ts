import { BOUNDED_STAGES, type DelinquencyStage } from '#loans';
import type { BusinessDate, Fen } from '#kernel';

/**
 * The vocabulary of the Collection context: channels, purposes, outcomes, grades, stages and the
 * treatment ladder a strategy prescribes. No personal data anywhere: a debtor is a customerId and a
 * third party is the id of a contact kept in the personal-data vault.
 */

export type { Command } from '#kernel';

export const CHANNELS = ['SMS', 'CALL', 'EMAIL', 'FIELD_VISIT', 'LETTER', 'APP_PUSH'] as const;
export type Channel = (typeof CHANNELS)[number];

export const PURPOSES = ['REMINDER', 'EDUCATION', 'NEGOTIATION', 'DEMAND'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** What came of a contact attempt, reported by a collector or a channel executor. */
export const OUTCOMES = [
  'NO_ANSWER',
  'BUSY',
  'VOICEMAIL',
  'RIGHT_PARTY_CONTACT',
  'WRONG_PARTY',
  'THIRD_PARTY_CONTACT',
  'PROMISE_TO_PAY',
  'REFUSED',
  'DISPUTE',
  'COMPLAINT',
  'CALLBACK_REQUESTED',
  'DELIVERED',
  'UNDELIVERABLE',
  'NOT_HOME',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Customer grades from the Grading context: A is the best standing, E the worst; HOLD is Grading's
 * override for a customer who must not be treated by score (an open dispute, deceased). No default
 * strategy covers HOLD, so such a case gets no plan unless a strategy names (HOLD, stage).
 */
export const GRADES = ['A', 'B', 'C', 'D', 'E', 'HOLD'] as const;
export type Grade = (typeof GRADES)[number];

/** Until Grading has graded a customer, cases are opened with this grade (documented default). */
export const DEFAULT_GRADE: Grade = 'C';

export type Stage = DelinquencyStage;
export const STAGES: readonly Stage[] = [...BOUNDED_STAGES, 'M6+'];

export function stageRank(stage: Stage): number {
  return STAGES.indexOf(stage);
}

/** Work-queue weight of a grade: the worse the standing the higher (E 4 … A 0); HOLD last (-1). */
export function gradeRank(grade: Grade): number {
  return grade === 'HOLD' ? -1 : GRADES.indexOf(grade);
}

/** Who performs a ladder step: a collector (calls, visits) or a downstream channel executor. */
export type Performer = 'COLLECTOR' | 'EXECUTOR';

export function defaultPerformer(channel: Channel): Performer {
  return channel === 'FIELD_VISIT' ? 'COLLECTOR' : channel === 'CALL' ? 'COLLECTOR' : 'EXECUTOR';
}

/** When a step falls due: on a day past due, or a number of days before the next installment. */
export type StepTiming = { readonly dpdDay: number } | { readonly daysBeforeDue: number };

/** What an action (ActionScheduled) repeats of the ladder step it performs. */
export type ActionStep = Pick<LadderStep, 'stepId' | 'channel' | 'purpose' | 'templateId' | 'requiredCertification' | 'priority' | 'performer'>;

export interface LadderStep {
  /** Unique within its ladder; plan adjustments and actions refer to it. */
  readonly stepId: string;
  readonly when: StepTiming;
  readonly channel: Channel;
  readonly purpose: Purpose;
  readonly templateId: string;
  /** The certification a collector needs to perform the step (null: the base certification suffices). */
  readonly requiredCertification: string | null;
  /** 1 is the most urgent. */
  readonly priority: number;
  readonly performer: Performer;
  /** HH:MM the action goes out on its day, in `sendTimeZone` (absent: the opening of the debtor's contact window). */
  readonly sendTime?: string;
  /** IANA zone of `sendTime` (absent: the loan's). */
  readonly sendTimeZone?: string;
  /**
   * The stage whose plan the step belongs to, when a strategy covers several stages (absent: the
   * step is on the plan of every stage the strategy covers).
   */
  readonly stage?: Stage;
  /**
   * Whether the bank still performs the step while the case is placed with an agency (absent: only
   * LETTER steps, the bank's written notices, go on; see `keptDuringPlacement`).
   */
  readonly duringPlacement?: boolean;
}

/** Whether a step (or the action it scheduled) goes on while its case is placed with an agency. */
export function keptDuringPlacement(step: { readonly channel: Channel; readonly duringPlacement?: boolean }): boolean {
  return step.duringPlacement ?? step.channel === 'LETTER';
}

/** How a promise to pay is judged: days of grace after its date, and how much short still counts as kept. */
export interface PromiseTerms {
  readonly graceDays: number;
  /** Absolute shortfall tolerated, in fen. */
  readonly toleranceFen: Fen;
  /** Relative shortfall tolerated, in basis points of the promised amount; the larger tolerance applies. */
  readonly toleranceBps: number;
  /** The smallest promise, absolutely (one installment, say); the lower of it and `minOverdueBps` applies. Absent: only the share. */
  readonly minAmountFen?: Fen | null;
  /** The smallest promise as a share of the overdue amount, in basis points (default 1000: 10 %). */
  readonly minOverdueBps?: number;
  /** The furthest a promise's date may lie from the day it is made, in days (default 30). */
  readonly maxHorizonDays?: number;
}

export const DEFAULT_PROMISE_TERMS: PromiseTerms = Object.freeze({ graceDays: 2, toleranceFen: 100, toleranceBps: 0, minOverdueBps: 1000, maxHorizonDays: 30 });

/** How far a collector may change a case's plan. */
export interface AdjustmentLimits {
  /** Adjustments allowed per plan (a new plan after an escalation starts again). */
  readonly maxAdjustments: number;
  /** The most days a step may be moved, either way. */
  readonly maxShiftDays: number;
  /** Channels a collector may add steps on. */
  readonly addableChannels: readonly Channel[];
  /** Purposes a collector may skip. */
  readonly skippablePurposes: readonly Purpose[];
}

export const DEFAULT_ADJUSTMENT_LIMITS: AdjustmentLimits = Object.freeze<AdjustmentLimits>({
  maxAdjustments: 3,
  maxShiftDays: 7,
  addableChannels: ['SMS', 'CALL', 'EMAIL', 'APP_PUSH', 'LETTER'],
  skippablePurposes: ['REMINDER', 'EDUCATION', 'NEGOTIATION'],
});

export type Variant = 'champion' | 'challenger';

/** Which strategy version (and arm) a case follows. */
export interface StrategyRef {
  readonly strategyId: string;
  readonly version: number;
  readonly variant: Variant;
}

export function strategyLabel(ref: StrategyRef | null): string {
  return ref ? `${ref.strategyId}@${ref.version}/${ref.variant}` : 'none';
}

/** A strategy version resolved for one case: its reference and the ladder of the chosen arm. */
export interface ResolvedStrategy {
  readonly ref: StrategyRef;
  readonly ladder: readonly LadderStep[];
  readonly promiseTerms: PromiseTerms;
  readonly adjustmentLimits: AdjustmentLimits;
}

export type CloseReason = 'CURED' | 'PAID_OFF' | 'RESTRUCTURED' | 'WRITTEN_OFF';
export type HoldReason = 'RESTRUCTURING' | 'DISPUTE' | 'COMPLAINT' | 'DECEASED' | 'LOAN_HOLD';
export const HOLD_REASONS: readonly HoldReason[] = ['RESTRUCTURING', 'DISPUTE', 'COMPLAINT', 'DECEASED', 'LOAN_HOLD'];

export type ThirdPartyExceptionReason = 'DEBTOR_UNREACHABLE' | 'DECEASED' | 'LACKS_CAPACITY';
export const THIRD_PARTY_EXCEPTIONS: readonly ThirdPartyExceptionReason[] = ['DEBTOR_UNREACHABLE', 'DECEASED', 'LACKS_CAPACITY'];

export type Party = 'DEBTOR' | 'THIRD_PARTY';

/** Who made an attempt: a collector (staff id) or a channel executor (system id). */
export interface AttemptedBy {
  readonly kind: 'COLLECTOR' | 'EXECUTOR';
  readonly id: string;
}

export interface PromiseInput {
  readonly promiseId: string;
  readonly amount: Fen;
  readonly dueOn: BusinessDate;
}
