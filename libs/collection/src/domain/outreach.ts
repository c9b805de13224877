import { compareDates, domainError, isBusinessDate, type BusinessDate, type Decider, type DomainError, type DomainEvent } from '#kernel';
import { occurrenceKey, type ActionScheduled, type Plan } from './case/events.js';
import { planFor } from './case/decide.js';
import type { Channel, Command, Grade, Outcome, ResolvedStrategy } from './model.js';
import { dueSteps, sendTimeOf, stepOfAction } from './scheduling.js';

/**
 * The pre-delinquency track (stream `collection.outreach-<trackId>`, track id `<loanId>-W<n>` for
 * the n-th early-warning episode of the customer): outreach to a customer whose loan is still
 * current (M0) but whom Monitoring warned about. It exists without a collection case. It follows
 * the strategy for (grade, M0): steps timed `daysBeforeDue` fall due before the next installment
 * (an SMS reminder 3 days before, an education email 7 days before), `dpdDay: 0` steps at once.
 * Its actions are ActionScheduled like a case's (with `track: 'PRE_DELINQUENCY'`), judged by the
 * same dispatch gate on the debtor's contact ledger and published the same way once released.
 *
 * The track ends at the close of the day the installment it was started for falls due (paid, or
 * past due and then a case takes over: a loan cannot be delinquent before that).
 */

type OutreachStarted = DomainEvent<
  'OutreachStarted',
  {
    readonly trackId: string;
    readonly loanId: string;
    readonly customerId: string;
    readonly timeZone: string;
    readonly grade: Grade;
    /** The installment the outreach works towards. */
    readonly dueDate: BusinessDate;
    readonly startedOn: BusinessDate;
    readonly plan: Plan;
    /** The early warning that started it. */
    readonly warning: { readonly eventId: string; readonly episode: number; readonly severity: string; readonly asOf: BusinessDate };
  }
>;
/** The installment fell due: paid, or past due (then a case takes over). A loan is never delinquent before. */
type OutreachEnded = DomainEvent<
  'OutreachEnded',
  { readonly trackId: string; readonly loanId: string; readonly endedOn: BusinessDate; readonly reason: 'DUE_DATE_REACHED' }
>;
/** An executor reported on a track's action and the debtor's ledger refused it (the contact is logged nowhere else). */
type OutreachContactBlocked = DomainEvent<
  'OutreachContactBlocked',
  {
    readonly trackId: string;
    readonly attemptId: string;
    readonly actionId: string | null;
    readonly channel: Channel;
    readonly outcome: Outcome;
    readonly at: string;
    readonly localDate: BusinessDate;
    readonly code: string;
    readonly reason: string;
    readonly rulesVersion: string;
  }
>;
export type OutreachEvent = OutreachStarted | OutreachEnded | ActionScheduled | OutreachContactBlocked;

export type OutreachState =
  | { readonly status: 'none' }
  | {
      readonly status: 'open' | 'ended';
      readonly trackId: string;
      readonly loanId: string;
      readonly customerId: string;
      readonly timeZone: string;
      readonly dueDate: BusinessDate;
      readonly plan: Plan;
      readonly scheduled: readonly string[];
      readonly blockedAttempts: readonly string[];
    };

export type StartOutreach = Command<
  'StartOutreach',
  {
    readonly trackId: string;
    readonly loanId: string;
    readonly customerId: string;
    readonly timeZone: string;
    readonly grade: Grade;
    readonly businessDate: BusinessDate;
    readonly nextDueDate: BusinessDate | null;
    /** The strategy for (grade, M0) on the date, its arm chosen; null when none applies. */
    readonly strategy: ResolvedStrategy | null;
    readonly warning: OutreachStarted['data']['warning'];
  }
>;
type CloseOutreachDay = Command<'CloseOutreachDay', { readonly trackId: string; readonly businessDate: BusinessDate }>;
type RecordBlockedContact = Command<'RecordBlockedContact', OutreachContactBlocked['data']>;
export type OutreachCommand = StartOutreach | CloseOutreachDay | RecordBlockedContact;

type Open = Extract<OutreachState, { status: 'open' | 'ended' }>;

function schedule(track: Open, businessDate: BusinessDate): ActionScheduled[] {
  return dueSteps(track.plan, track.scheduled, 0, businessDate, track.dueDate).map(({ step, installmentDueDate, supersedes }) => ({
    type: 'ActionScheduled',
    data: {
      caseId: track.trackId,
      actionId: `${track.trackId}/${occurrenceKey(track.plan.planId, step.stepId, installmentDueDate)}`,
      loanId: track.loanId,
      customerId: track.customerId,
      planId: track.plan.planId,
      ...stepOfAction(step),
      collectorId: null,
      dueOn: businessDate,
      dpd: 0,
      installmentDueDate,
      strategy: track.plan.strategy,
      supersedes,
      track: 'PRE_DELINQUENCY',
      ...sendTimeOf(step),
    },
  }));
}

function decideOutreach(command: OutreachCommand, state: OutreachState): readonly OutreachEvent[] | DomainError {
  switch (command.type) {
    case 'StartOutreach': {
      const d = command.data;
      if (state.status !== 'none') return [];
      if (!isBusinessDate(d.businessDate)) return domainError('INVALID_DATE', 'businessDate must be a calendar date', { businessDate: d.businessDate });
      if (!d.strategy)
        return domainError('NO_OUTREACH_STRATEGY', `no strategy covers (${d.grade}, M0): there is nothing to send before the due date`, { grade: d.grade });
      if (!d.nextDueDate || compareDates(d.nextDueDate, d.businessDate) <= 0) {
        return domainError('NO_INSTALLMENT_AHEAD', 'the loan has no installment ahead to remind of', { nextDueDate: d.nextDueDate });
      }
      const started: OutreachStarted = {
        type: 'OutreachStarted',
        data: {
          trackId: d.trackId,
          loanId: d.loanId,
          customerId: d.customerId,
          timeZone: d.timeZone,
          grade: d.grade,
          dueDate: d.nextDueDate,
          startedOn: d.businessDate,
          plan: planFor('M0', d.strategy),
          warning: d.warning,
        },
      };
      const track = evolveOutreach(state, started) as Open;
      return [started, ...schedule(track, d.businessDate)];
    }
    case 'CloseOutreachDay': {
      const d = command.data;
      if (state.status !== 'open') return [];
      if (compareDates(d.businessDate, state.dueDate) >= 0) {
        return [{ type: 'OutreachEnded', data: { trackId: state.trackId, loanId: state.loanId, endedOn: d.businessDate, reason: 'DUE_DATE_REACHED' } }];
      }
      return schedule(state, d.businessDate);
    }
    case 'RecordBlockedContact': {
      if (state.status === 'none') return domainError('TRACK_NOT_FOUND', `no pre-delinquency track ${command.data.trackId}`, {}, 'not_found');
      if (state.blockedAttempts.includes(command.data.attemptId)) return [];
      return [{ type: 'OutreachContactBlocked', data: command.data }];
    }
  }
}

function evolveOutreach(state: OutreachState, event: OutreachEvent): OutreachState {
  switch (event.type) {
    case 'OutreachStarted': {
      const d = event.data;
      return {
        status: 'open',
        trackId: d.trackId,
        loanId: d.loanId,
        customerId: d.customerId,
        timeZone: d.timeZone,
        dueDate: d.dueDate,
        plan: d.plan,
        scheduled: [],
        blockedAttempts: [],
      };
    }
    case 'ActionScheduled': {
      if (state.status === 'none') return state;
      const d = event.data;
      const covered = d.supersedes.map((stepId) => occurrenceKey(d.planId, stepId, d.installmentDueDate));
      return { ...state, scheduled: [...state.scheduled, occurrenceKey(d.planId, d.stepId, d.installmentDueDate), ...covered] };
    }
    case 'OutreachEnded':
      return state.status === 'none' ? state : { ...state, status: 'ended' };
    case 'OutreachContactBlocked':
      return state.status === 'none' ? state : { ...state, blockedAttempts: [...state.blockedAttempts, event.data.attemptId] };
    default:
      return state;
  }
}

export const outreachDecider: Decider<OutreachCommand, OutreachEvent, OutreachState> = {
  initialState: () => ({ status: 'none' }),
  decide: decideOutreach,
  evolve: evolveOutreach,
};
