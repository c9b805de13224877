import { addDays, assertNever, daysBetween, domainError, type BusinessDate, type Decider, type DomainError, type DomainEvent } from '#kernel';
import { twoProportionZTest } from './statistics.js';

/**
 * EffectivenessReview (stream `monitoring.review-<reviewId>`): champion and challenger of one
 * strategy compared on one segment of cases, with a two-proportion z-test on the cure rate, and a
 * recommendation. The counts come on the command (read from the KPI fact tables by the
 * application); the statistics and the recommendation are decided here, purely.
 *
 * Metric: cure rate of the cases that entered collection in the window [from, to] under the
 * strategy (and version), cured (closed CURED or PAID_OFF, or the loan cured while the case was
 * open) on or before `to`.
 */

export type Recommendation = 'PROMOTE_CHALLENGER' | 'KEEP_CHAMPION' | 'NO_SIGNIFICANT_DIFFERENCE' | 'COLLECT_MORE_DATA' | 'GUARDRAIL_BREACHED';
type ReviewTrigger = 'ON_DEMAND' | 'CADENCE';

export interface Segment {
  readonly grade: string | null;
  readonly stage: string | null;
}

export function segmentLabel(s: Segment): string {
  const parts = [s.grade ? `grade=${s.grade}` : null, s.stage ? `stage=${s.stage}` : null].filter(Boolean);
  return parts.length ? parts.join(',') : 'all';
}

export interface ArmCounts {
  readonly cases: number;
  readonly cured: number;
  /** Contact attempts and conduct complaints on the arm's cases in the window (the complaint guardrail); absent: not counted. */
  readonly contacts?: number;
  readonly complaints?: number;
  /** Of those complaints, the ones resolved upheld or partly upheld so far. */
  readonly upheld?: number;
}

/** An arm's complaints per 1,000 contacts, as the guardrail judged it. */
interface ArmComplaints {
  readonly contacts: number;
  readonly complaints: number;
  readonly upheld: number;
  /** Complaints per 1,000 contacts (what the limit applies to); null when the arm had no contacts. */
  readonly perThousand: number | null;
  /** Upheld complaints per 1,000 contacts, for the reviewer (resolutions lag the complaints). */
  readonly upheldPerThousand: number | null;
}

/**
 * The complaint guardrail: an arm whose complaints per 1,000 contacts exceed the limit is not
 * declared the better one, however it cures (a challenger that collects more but draws more
 * complaints is not better).
 */
interface ComplaintGuardrail {
  readonly metric: 'COMPLAINTS_PER_1000_CONTACTS';
  readonly limitPer1000: number;
  readonly champion: ArmComplaints;
  readonly challenger: ArmComplaints;
  readonly breached: readonly ('champion' | 'challenger')[];
}

interface ArmResult {
  readonly sampleSize: number;
  readonly cured: number;
  readonly cureRate: number | null;
}

export interface ReviewSettings {
  /** Significance level of the two-sided test. */
  readonly alpha: number;
  /** Cases each arm needs before a difference may be called. */
  readonly minSampleSize: number;
  /** The complaint guardrail: the most complaints per 1,000 contacts the better arm may have; null or absent: none. */
  readonly complaintsPer1000Max?: number | null;
}

export const DEFAULT_REVIEW_SETTINGS: ReviewSettings = Object.freeze({ alpha: 0.05, minSampleSize: 30, complaintsPer1000Max: 5 });

const REVIEW_METHOD =
  'cure rate of cases entering in the window, cured by its end; two-proportion z-test, pooled SE, two-sided; normal CDF by Abramowitz & Stegun 26.2.17';

export type EffectivenessReviewCompleted = DomainEvent<
  'EffectivenessReviewCompleted',
  {
    readonly reviewId: string;
    readonly strategyId: string;
    /** null: every version of the strategy together. */
    readonly strategyVersion: number | null;
    readonly segment: Segment & { readonly label: string };
    readonly window: { readonly from: BusinessDate; readonly to: BusinessDate };
    readonly asOf: BusinessDate;
    readonly trigger: ReviewTrigger;
    readonly metric: 'CURE_RATE';
    readonly champion: ArmResult;
    readonly challenger: ArmResult;
    /** Challenger cure rate minus champion cure rate. */
    readonly difference: number | null;
    readonly z: number | null;
    readonly pValue: number | null;
    readonly alpha: number;
    readonly minSampleSize: number;
    readonly better: 'champion' | 'challenger' | null;
    readonly recommendation: Recommendation;
    readonly method: string;
    /** The complaint guardrail, when the settings set one (absent on reviews before it). */
    readonly guardrail?: ComplaintGuardrail;
  }
>;

export type ReviewEvent = EffectivenessReviewCompleted;

export type ReviewState = { readonly status: 'none' } | { readonly status: 'completed'; readonly recommendation: Recommendation };

export interface CompleteReview {
  readonly type: 'CompleteReview';
  readonly reviewId: string;
  readonly strategyId: string;
  readonly strategyVersion: number | null;
  readonly segment: Segment;
  readonly window: { readonly from: BusinessDate; readonly to: BusinessDate };
  readonly asOf: BusinessDate;
  readonly trigger: ReviewTrigger;
  readonly champion: ArmCounts;
  readonly challenger: ArmCounts;
  readonly settings: ReviewSettings;
}

export type ReviewCommand = CompleteReview;

function badCounts(arm: ArmCounts): boolean {
  const count = (n: number | undefined) => n === undefined || (Number.isSafeInteger(n) && n >= 0);
  return (
    !Number.isSafeInteger(arm.cases) ||
    !Number.isSafeInteger(arm.cured) ||
    arm.cases < 0 ||
    arm.cured < 0 ||
    arm.cured > arm.cases ||
    !count(arm.contacts) ||
    !count(arm.complaints) ||
    !count(arm.upheld)
  );
}

/** The guardrail of a comparison under the settings, or null when they set none. */
function complaintGuardrail(champion: ArmCounts, challenger: ArmCounts, settings: ReviewSettings): ComplaintGuardrail | null {
  const limit = settings.complaintsPer1000Max;
  if (limit === undefined || limit === null) return null;
  const arm = (a: ArmCounts): ArmComplaints => {
    const contacts = a.contacts ?? 0;
    const complaints = a.complaints ?? 0;
    const upheld = a.upheld ?? 0;
    const per = (n: number) => (contacts > 0 ? (n * 1000) / contacts : null);
    return { contacts, complaints, upheld, perThousand: per(complaints), upheldPerThousand: per(upheld) };
  };
  const arms = { champion: arm(champion), challenger: arm(challenger) };
  const breached = (['champion', 'challenger'] as const).filter((k) => arms[k].perThousand !== null && arms[k].perThousand! > limit);
  return { metric: 'COMPLAINTS_PER_1000_CONTACTS', limitPer1000: limit, ...arms, breached };
}

/** The verdict of a comparison: which arm is better, if any, and what to do. */
function recommend(champion: ArmCounts, challenger: ArmCounts, settings: ReviewSettings) {
  const test = twoProportionZTest({ successes: champion.cured, trials: champion.cases }, { successes: challenger.cured, trials: challenger.cases });
  let recommendation: Recommendation;
  let better: 'champion' | 'challenger' | null = null;
  if (champion.cases < settings.minSampleSize || challenger.cases < settings.minSampleSize || test.pValue === null) {
    recommendation = 'COLLECT_MORE_DATA';
  } else if (test.pValue < settings.alpha && (test.difference ?? 0) !== 0) {
    better = test.difference! > 0 ? 'challenger' : 'champion';
    recommendation = better === 'challenger' ? 'PROMOTE_CHALLENGER' : 'KEEP_CHAMPION';
  } else {
    recommendation = 'NO_SIGNIFICANT_DIFFERENCE';
  }
  // The better arm must keep within the complaint guardrail to be declared the winner.
  const guardrail = complaintGuardrail(champion, challenger, settings);
  if (better && guardrail?.breached.includes(better)) {
    better = null;
    recommendation = 'GUARDRAIL_BREACHED';
  }
  return { test, recommendation, better, guardrail };
}

function decide(command: ReviewCommand, state: ReviewState): readonly ReviewEvent[] | DomainError {
  switch (command.type) {
    case 'CompleteReview': {
      if (state.status === 'completed') {
        return domainError('REVIEW_ALREADY_COMPLETED', `review ${command.reviewId} is already completed`, { reviewId: command.reviewId }, 'conflict');
      }
      if (badCounts(command.champion) || badCounts(command.challenger)) {
        return domainError('INVALID_REVIEW_COUNTS', 'arm counts must be whole numbers with cured <= cases', {
          champion: command.champion,
          challenger: command.challenger,
        });
      }
      if (daysBetween(command.window.from, command.window.to) < 0) {
        return domainError('INVALID_REVIEW_WINDOW', 'the window must not end before it starts', { window: command.window });
      }
      const { alpha, minSampleSize, complaintsPer1000Max: limit } = command.settings;
      if (!(alpha > 0 && alpha < 1) || !Number.isSafeInteger(minSampleSize) || minSampleSize < 1 || (limit !== undefined && limit !== null && !(limit >= 0))) {
        return domainError('INVALID_REVIEW_SETTINGS', 'alpha must be in (0, 1) and the minimum sample a positive whole number', { alpha, minSampleSize });
      }
      const { test, recommendation, better, guardrail } = recommend(command.champion, command.challenger, command.settings);
      return [
        {
          type: 'EffectivenessReviewCompleted',
          data: {
            reviewId: command.reviewId,
            strategyId: command.strategyId,
            strategyVersion: command.strategyVersion,
            segment: { ...command.segment, label: segmentLabel(command.segment) },
            window: command.window,
            asOf: command.asOf,
            trigger: command.trigger,
            metric: 'CURE_RATE',
            champion: { sampleSize: command.champion.cases, cured: command.champion.cured, cureRate: test.rateA },
            challenger: { sampleSize: command.challenger.cases, cured: command.challenger.cured, cureRate: test.rateB },
            difference: test.difference,
            z: test.z,
            pValue: test.pValue,
            alpha,
            minSampleSize,
            better,
            recommendation,
            method: REVIEW_METHOD,
            ...(guardrail ? { guardrail } : {}),
          },
        },
      ];
    }
    default:
      return assertNever(command.type, 'review command');
  }
}

function evolve(state: ReviewState, event: ReviewEvent): ReviewState {
  switch (event.type) {
    case 'EffectivenessReviewCompleted':
      return { status: 'completed', recommendation: event.data.recommendation };
    default:
      return assertNever(event.type, 'review event');
  }
}

export const reviewDecider: Decider<ReviewCommand, ReviewEvent, ReviewState> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};

export const reviewStream = (reviewId: string) => `monitoring.review-${reviewId}`;

// ---- cadence ------------------------------------------------------------------------------------

/**
 * ReviewCadence (stream `monitoring.cadence-<name>`): the business days monitoring has seen closed,
 * and on which of them scheduled reviews fall. The first closed day starts the clock: a review
 * cycle is due at the end of day D when at least `everyDays` days have passed since the day before
 * the first closed day, or since the last cycle (so with 30 and a first day of 1 November, cycles
 * fall on 30 November, 30 December, ...). Days are closed in order; closing a day again, or an
 * earlier one, changes nothing.
 */
export type MonitoringDayClosed = DomainEvent<
  'MonitoringDayClosed',
  {
    readonly businessDate: BusinessDate;
    readonly reviewDue: boolean;
    /** The cadence in force when the day was closed. */
    readonly everyDays: number;
    /** Days of case entries each scheduled review looks at, ending on the closed day. */
    readonly windowDays: number;
  }
>;

export type CadenceEvent = MonitoringDayClosed;

export type CadenceState = { readonly status: 'new' } | { readonly status: 'running'; readonly lastClosed: BusinessDate; readonly clockFrom: BusinessDate };

export interface CloseMonitoringDay {
  readonly type: 'CloseMonitoringDay';
  readonly businessDate: BusinessDate;
  readonly everyDays: number;
  readonly windowDays: number;
}

function decideCadence(command: CloseMonitoringDay, state: CadenceState): readonly CadenceEvent[] | DomainError {
  if (!Number.isSafeInteger(command.everyDays) || command.everyDays < 1 || !Number.isSafeInteger(command.windowDays) || command.windowDays < 1) {
    return domainError('INVALID_CADENCE', 'everyDays and windowDays must be positive whole numbers', {
      everyDays: command.everyDays,
      windowDays: command.windowDays,
    });
  }
  if (state.status === 'running' && command.businessDate <= state.lastClosed) return [];
  const clockFrom = state.status === 'running' ? state.clockFrom : addDays(command.businessDate, -1);
  const reviewDue = daysBetween(clockFrom, command.businessDate) >= command.everyDays;
  return [
    { type: 'MonitoringDayClosed', data: { businessDate: command.businessDate, reviewDue, everyDays: command.everyDays, windowDays: command.windowDays } },
  ];
}

function evolveCadence(state: CadenceState, event: CadenceEvent): CadenceState {
  const { businessDate, reviewDue } = event.data;
  const clockFrom = state.status === 'running' ? state.clockFrom : addDays(businessDate, -1);
  return { status: 'running', lastClosed: businessDate, clockFrom: reviewDue ? businessDate : clockFrom };
}

export const cadenceDecider: Decider<CloseMonitoringDay, CadenceEvent, CadenceState> = {
  initialState: () => ({ status: 'new' }),
  decide: decideCadence,
  evolve: evolveCadence,
};

export const cadenceStream = (name = 'default') => `monitoring.cadence-${name}`;
