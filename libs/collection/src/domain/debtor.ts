import { addDays, compareDates, domainError, type Decider, type DomainError, type DomainEvent, isTimeZone } from '#kernel';
import { FAILED_OUTCOMES, debtorContactRefusal, isEffectiveCall, isUnansweredDial, pruneCallCounts, type DebtorContactFacts } from './contact-policy.js';
import { localTimeOf, type ContactRules } from './contact-rules.js';
import { gateVerdict, windowWithinHours, type CaseDispatchFacts, type ContactWindow, type DispatchableAction, type ReleasedCall } from './dispatch.js';
import { CHANNELS, THIRD_PARTY_EXCEPTIONS, type Channel, type Command, type Outcome, type Party, type ThirdPartyExceptionReason } from './model.js';

/**
 * The debtor's contact ledger (stream `collection.debtor-<customerId>`): every contact that reached
 * or tried to reach one customer goes through it, whichever case, collector or executor made it.
 * It is where the per-debtor rules are decided, so they hold across cases and under concurrency:
 * two collectors racing for the third call of the day append at the same revision, one conflicts,
 * is re-decided on the fresh ledger and refused. It holds no personal data: third parties are ids
 * of contacts kept in the personal-data vault.
 *
 * It is also the dispatch gate (see dispatch.ts): every scheduled action is released to its
 * executor or a collector's queue only by an ActionReleased here, decided at the planned send time
 * on the ledger's revision; ActionWithheld and ActionRescheduled record why not, with the rule's code.
 *
 * The debtor has one time zone, the ledger's: the zone of the first case that contacted or released
 * to them (recorded on that event). Days for the caps are the debtor's local days in that zone, so
 * two loans in two zones share one day and one count.
 */

type DebtorContactLogged = DomainEvent<
  'DebtorContactLogged',
  {
    readonly customerId: string;
    readonly attemptId: string;
    readonly caseId: string;
    readonly channel: Channel;
    readonly party: Party;
    readonly thirdPartyContactId: string | null;
    readonly outcome: Outcome;
    readonly localDate: string;
    readonly effectiveCall: boolean;
    /** Effective calls to the debtor on that local date, this one included. */
    readonly effectiveCallsThatDay: number;
    readonly rulesVersion: string;
    /** The released action the contact performed (absent on older events). */
    readonly actionId?: string | null;
    /** The ledger's time zone the local date is in (absent on older events: the case's). */
    readonly timeZone?: string;
    /** A call the debtor did not answer: counts towards the daily dial limit. */
    readonly unansweredDial?: boolean;
  }
>;

interface DispatchRecord {
  readonly customerId: string;
  readonly caseId: string;
  readonly actionId: string;
  readonly channel: Channel;
  /** The instant the gate judged, and the debtor's local date and time then (the ledger's zone). */
  readonly at: string;
  readonly localDate: string;
  readonly localTime: string;
  readonly timeZone: string;
  readonly rulesVersion: string;
}

/** The action goes to its executor (Kafka) or its collector's queue, to be sent at `sendAt`. */
export type ActionReleased = DomainEvent<'ActionReleased', DispatchRecord & { readonly sendAt: string; readonly action: DispatchableAction }>;
/** The gate refused the action for good under the rule `code`. */
export type ActionWithheld = DomainEvent<
  'ActionWithheld',
  DispatchRecord & { readonly code: string; readonly reason: string; readonly details: Readonly<Record<string, unknown>> }
>;
/** A time-based rule held the action: it is judged again from `releaseAt` (the next allowed moment). */
export type ActionRescheduled = DomainEvent<
  'ActionRescheduled',
  DispatchRecord & {
    readonly code: string;
    readonly reason: string;
    readonly details: Readonly<Record<string, unknown>>;
    readonly releaseAt: string;
    /** The debtor's local date of `releaseAt`: the day the action is for now (it expires at its close). */
    readonly releaseDate: string;
    readonly action: DispatchableAction;
  }
>;
/** A released (or rescheduled) action nobody performed by the end of its day: it leaves the queue. */
type ActionExpired = DomainEvent<
  'ActionExpired',
  {
    readonly customerId: string;
    readonly caseId: string;
    readonly actionId: string;
    readonly channel: Channel;
    readonly businessDate: string;
    readonly wasStatus: 'RELEASED' | 'RESCHEDULED';
  }
>;
type ContactStopped = DomainEvent<
  'ContactStopped',
  { readonly customerId: string; readonly stopId: string; readonly caseId: string; readonly reason: 'DISPUTE' | 'COMPLAINT' }
>;
type ContactStopLifted = DomainEvent<'ContactStopLifted', { readonly customerId: string; readonly stopId: string; readonly resolution: string }>;
type ChannelOptedOut = DomainEvent<'ChannelOptedOut', { readonly customerId: string; readonly channel: Channel }>;
type ChannelOptedIn = DomainEvent<'ChannelOptedIn', { readonly customerId: string; readonly channel: Channel }>;
/** The debtor's preferred contact times on a channel (local times in the ledger's zone; none: no preference). */
type ContactTimesPreferred = DomainEvent<
  'ContactTimesPreferred',
  { readonly customerId: string; readonly channel: Channel; readonly windows: readonly ContactWindow[] }
>;
type ThirdPartyExceptionRecorded = DomainEvent<
  'ThirdPartyExceptionRecorded',
  { readonly customerId: string; readonly exceptionId: string; readonly reason: ThirdPartyExceptionReason; readonly recordedBy: string }
>;
type ThirdPartyExceptionEnded = DomainEvent<'ThirdPartyExceptionEnded', { readonly customerId: string; readonly exceptionId: string }>;
type ThirdPartyRefused = DomainEvent<'ThirdPartyRefused', { readonly customerId: string; readonly thirdPartyContactId: string; readonly attemptId: string }>;

export type DebtorEvent =
  | DebtorContactLogged
  | ContactStopped
  | ContactStopLifted
  | ChannelOptedOut
  | ChannelOptedIn
  | ContactTimesPreferred
  | ThirdPartyExceptionRecorded
  | ThirdPartyExceptionEnded
  | ThirdPartyRefused
  | ActionReleased
  | ActionWithheld
  | ActionRescheduled
  | ActionExpired;

export const DISPATCH_EVENT_TYPES = ['ActionReleased', 'ActionWithheld', 'ActionRescheduled', 'ActionExpired'] as const;

interface DispatchState {
  readonly status: 'RELEASED' | 'WITHHELD' | 'RESCHEDULED' | 'EXPIRED';
  readonly caseId: string;
  readonly channel: Channel;
  readonly localDate: string;
  /** For a rescheduled action: when it may be judged again. */
  readonly releaseAt: string | null;
  /** The debtor's local day the action is for (it expires at that day's close if nobody performed it). */
  readonly dispatchDate: string;
  /** For a rescheduled action: the action, to judge it again. */
  readonly action: DispatchableAction | null;
  /** A contact reported on the action. */
  readonly performed: boolean;
}

export interface DebtorState extends DebtorContactFacts {
  readonly customerId: string | null;
  /** The debtor's zone (see above); null until the first contact or release records one. */
  readonly timeZone: string | null;
  /** Every action the gate judged, by action id. */
  readonly dispatched: Readonly<Record<string, DispatchState>>;
  /** Released calls by action id, settled once a contact reports on them (recent days only). */
  readonly releasedCalls: Readonly<Record<string, ReleasedCall>>;
  /** The debtor's preferred contact times by channel (the dispatch gate keeps to them). */
  readonly preferredTimes: Readonly<Partial<Record<Channel, readonly ContactWindow[]>>>;
}

export type LogContact = Command<
  'LogContact',
  {
    readonly customerId: string;
    readonly timeZone: string;
    readonly attemptId: string;
    readonly caseId: string;
    readonly channel: Channel;
    readonly party: Party;
    readonly thirdPartyContactId: string | null;
    readonly debtDisclosed: boolean;
    readonly outcome: Outcome;
    readonly at: string;
    readonly rules: ContactRules;
    /** The action the attempt performed, if any. */
    readonly actionId?: string | null;
  }
>;
/** The gate: judge a scheduled action at an instant (its planned send time, or a later dispatch run's). */
export type ReleaseAction = Command<
  'ReleaseAction',
  {
    readonly customerId: string;
    /** The case's zone: the ledger's zone when it has none yet. */
    readonly timeZone: string;
    readonly action: DispatchableAction;
    readonly at: string;
    readonly caseFacts: CaseDispatchFacts;
    readonly rules: ContactRules;
  }
>;
/** The end of a business day: a released or rescheduled action nobody performed expires. */
type ExpireAction = Command<
  'ExpireAction',
  { readonly customerId: string; readonly actionId: string; readonly businessDate: string; readonly performed: boolean }
>;
type StopContact = Command<
  'StopContact',
  { readonly customerId: string; readonly stopId: string; readonly caseId: string; readonly reason: 'DISPUTE' | 'COMPLAINT' }
>;
type LiftContactStop = Command<'LiftContactStop', { readonly customerId: string; readonly stopId: string; readonly resolution: string }>;
type SetChannelOptOut = Command<
  'SetChannelOptOut',
  { readonly customerId: string; readonly channel: Channel; readonly optedOut: boolean; readonly rules: ContactRules }
>;
/** The channels a debtor may give preferred contact times for (field visits are arranged, not timed by preference). */
export const PREFERRED_TIME_CHANNELS: readonly Channel[] = ['CALL', 'SMS', 'EMAIL', 'APP_PUSH'];
const MAX_PREFERRED_WINDOWS = 3;
export type SetPreferredContactTimes = Command<
  'SetPreferredContactTimes',
  { readonly customerId: string; readonly channel: Channel; readonly windows: readonly ContactWindow[]; readonly rules: ContactRules }
>;
type RecordThirdPartyException = Command<
  'RecordThirdPartyException',
  { readonly customerId: string; readonly exceptionId: string; readonly reason: ThirdPartyExceptionReason; readonly recordedBy: string }
>;
type EndThirdPartyException = Command<'EndThirdPartyException', { readonly customerId: string; readonly exceptionId: string }>;

export type DebtorCommand =
  | LogContact
  | StopContact
  | LiftContactStop
  | SetChannelOptOut
  | SetPreferredContactTimes
  | RecordThirdPartyException
  | EndThirdPartyException
  | ReleaseAction
  | ExpireAction;

/** The ledger's zone, or the given one for a ledger that has none yet. */
export function ledgerZone(state: Pick<DebtorState, 'timeZone'>, fallback: string): string {
  return state.timeZone ?? fallback;
}

function decideRelease(d: ReleaseAction['data'], state: DebtorState): readonly DebtorEvent[] | DomainError {
  if (!isTimeZone(d.timeZone)) return domainError('INVALID_TIME_ZONE', `unknown time zone ${d.timeZone}`, { timeZone: d.timeZone });
  if (Number.isNaN(Date.parse(d.at))) return domainError('INVALID_INSTANT', 'at must be an ISO-8601 instant', { at: d.at });
  const a = d.action;
  const earlier = state.dispatched[a.actionId];
  if (earlier && earlier.status !== 'RESCHEDULED') return [];
  if (earlier?.releaseAt && Date.parse(d.at) < Date.parse(earlier.releaseAt)) return [];
  const timeZone = ledgerZone(state, d.timeZone);
  const at = new Date(Date.parse(d.at)).toISOString();
  const verdict = gateVerdict(a, at, timeZone, d.caseFacts, state, d.rules);
  const record = {
    customerId: d.customerId,
    caseId: a.caseId,
    actionId: a.actionId,
    channel: a.channel,
    at,
    localDate: verdict.local.date,
    localTime: verdict.local.time,
    timeZone,
    rulesVersion: d.rules.version,
  };
  switch (verdict.kind) {
    case 'release':
      return [{ type: 'ActionReleased', data: { ...record, sendAt: at, action: a } }];
    case 'withhold':
      return [{ type: 'ActionWithheld', data: { ...record, code: verdict.code, reason: verdict.message, details: verdict.details } }];
    case 'reschedule':
      return [
        {
          type: 'ActionRescheduled',
          data: {
            ...record,
            code: verdict.code,
            reason: verdict.message,
            details: verdict.details,
            releaseAt: verdict.releaseAt,
            releaseDate: localTimeOf(verdict.releaseAt, timeZone).date,
            action: a,
          },
        },
      ];
  }
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Preferred contact times: up to three windows a day per channel, each inside the hours the rules
 * in force allow contact (outside the quiet hours), not overlapping; none clears the preference.
 */
function decidePreferredTimes(d: SetPreferredContactTimes['data'], state: DebtorState): readonly DebtorEvent[] | DomainError {
  if (!PREFERRED_TIME_CHANNELS.includes(d.channel)) {
    return domainError('PREFERRED_TIME_NOT_OFFERED', `preferred contact times are taken for ${PREFERRED_TIME_CHANNELS.join(', ')}`, { channel: d.channel });
  }
  if (d.windows.length > MAX_PREFERRED_WINDOWS)
    return domainError('INVALID_PREFERRED_TIMES', `at most ${MAX_PREFERRED_WINDOWS} windows a channel`, { windows: d.windows.length });
  const windows = [...d.windows].sort((a, b) => a.start.localeCompare(b.start));
  for (const [i, w] of windows.entries()) {
    if (!HHMM.test(w.start) || !HHMM.test(w.end) || w.start >= w.end)
      return domainError('INVALID_PREFERRED_TIMES', 'a window is HH:MM to a later HH:MM the same day', { window: w });
    if (i > 0 && w.start < windows[i - 1].end) return domainError('INVALID_PREFERRED_TIMES', 'windows must not overlap', { windows });
    if (!windowWithinHours(w, d.rules, d.channel)) {
      return domainError(
        'PREFERRED_TIME_OUTSIDE_HOURS',
        `${w.start}-${w.end} is not wholly outside the quiet hours ${d.rules.quietHours.start}-${d.rules.quietHours.end}`,
        {
          window: w,
          quietHours: { start: d.rules.quietHours.start, end: d.rules.quietHours.end },
          rulesVersion: d.rules.version,
        },
      );
    }
  }
  const now = state.preferredTimes[d.channel] ?? [];
  if (JSON.stringify(now) === JSON.stringify(windows)) return [];
  return [
    { type: 'ContactTimesPreferred', data: { customerId: d.customerId, channel: d.channel, windows: windows.map((w) => ({ start: w.start, end: w.end })) } },
  ];
}

function decideDebtor(command: DebtorCommand, state: DebtorState): readonly DebtorEvent[] | DomainError {
  switch (command.type) {
    case 'LogContact': {
      const d = command.data;
      if (!isTimeZone(d.timeZone)) return domainError('INVALID_TIME_ZONE', `unknown time zone ${d.timeZone}`, { timeZone: d.timeZone });
      if (Number.isNaN(Date.parse(d.at))) return domainError('INVALID_INSTANT', 'at must be an ISO-8601 instant', { at: d.at });
      if (d.party === 'THIRD_PARTY' && !d.thirdPartyContactId) {
        return domainError('THIRD_PARTY_CONTACT_REQUIRED', 'a third-party attempt names the vault contact id of the third party');
      }
      const timeZone = ledgerZone(state, d.timeZone);
      const local = localTimeOf(d.at, timeZone);
      const refusal = debtorContactRefusal(state, d, local, d.rules);
      if (refusal) return domainError(refusal.code, refusal.message, { ...refusal.details, rulesVersion: d.rules.version });
      const effective = isEffectiveCall(d.channel, d.party, d.outcome, d.rules);
      const unanswered = isUnansweredDial(d.channel, d.party, d.outcome, d.rules);
      const events: DebtorEvent[] = [
        {
          type: 'DebtorContactLogged',
          data: {
            customerId: d.customerId,
            attemptId: d.attemptId,
            caseId: d.caseId,
            channel: d.channel,
            party: d.party,
            thirdPartyContactId: d.thirdPartyContactId,
            outcome: d.outcome,
            localDate: local.date,
            effectiveCall: effective,
            effectiveCallsThatDay: (state.effectiveCalls[local.date] ?? 0) + (effective ? 1 : 0),
            rulesVersion: d.rules.version,
            actionId: d.actionId ?? null,
            timeZone,
            unansweredDial: unanswered,
          },
        },
      ];
      if (d.party === 'DEBTOR' && (d.outcome === 'DISPUTE' || d.outcome === 'COMPLAINT')) {
        events.push({ type: 'ContactStopped', data: { customerId: d.customerId, stopId: d.attemptId, caseId: d.caseId, reason: d.outcome } });
      }
      if (d.party === 'THIRD_PARTY' && d.outcome === 'REFUSED' && d.thirdPartyContactId) {
        events.push({ type: 'ThirdPartyRefused', data: { customerId: d.customerId, thirdPartyContactId: d.thirdPartyContactId, attemptId: d.attemptId } });
      }
      return events;
    }
    case 'StopContact': {
      const d = command.data;
      if (state.stops[d.stopId]) return [];
      return [{ type: 'ContactStopped', data: { customerId: d.customerId, stopId: d.stopId, caseId: d.caseId, reason: d.reason } }];
    }
    case 'LiftContactStop': {
      const d = command.data;
      if (!state.stops[d.stopId]) return [];
      return [{ type: 'ContactStopLifted', data: { customerId: d.customerId, stopId: d.stopId, resolution: d.resolution } }];
    }
    case 'SetChannelOptOut': {
      const d = command.data;
      if (!(CHANNELS as readonly string[]).includes(d.channel)) return domainError('INVALID_CHANNEL', `unknown channel ${d.channel}`);
      if (!d.rules.optOutChannels.includes(d.channel)) {
        return domainError('OPT_OUT_NOT_OFFERED', `the contact rules offer no opt-out of ${d.channel}`, {
          channel: d.channel,
          optOutChannels: d.rules.optOutChannels,
        });
      }
      const now = state.optedOut.includes(d.channel);
      if (now === d.optedOut) return [];
      return [{ type: d.optedOut ? 'ChannelOptedOut' : 'ChannelOptedIn', data: { customerId: d.customerId, channel: d.channel } }];
    }
    case 'SetPreferredContactTimes':
      return decidePreferredTimes(command.data, state);
    case 'RecordThirdPartyException': {
      const d = command.data;
      if (!THIRD_PARTY_EXCEPTIONS.includes(d.reason)) return domainError('INVALID_EXCEPTION', `unknown third-party exception ${d.reason}`);
      const existing = state.exceptions[d.exceptionId];
      if (existing === d.reason) return [];
      if (existing) return domainError('EXCEPTION_EXISTS', `exception ${d.exceptionId} is recorded with another reason`, { reason: existing }, 'conflict');
      return [
        { type: 'ThirdPartyExceptionRecorded', data: { customerId: d.customerId, exceptionId: d.exceptionId, reason: d.reason, recordedBy: d.recordedBy } },
      ];
    }
    case 'EndThirdPartyException': {
      const d = command.data;
      if (!state.exceptions[d.exceptionId]) return [];
      return [{ type: 'ThirdPartyExceptionEnded', data: { customerId: d.customerId, exceptionId: d.exceptionId } }];
    }
    case 'ReleaseAction':
      return decideRelease(command.data, state);
    case 'ExpireAction': {
      const d = command.data;
      const dispatched = state.dispatched[d.actionId];
      if (!dispatched || (dispatched.status !== 'RELEASED' && dispatched.status !== 'RESCHEDULED')) return [];
      if (d.performed || dispatched.performed) return [];
      if (compareDates(dispatched.dispatchDate, d.businessDate) > 0) return [];
      return [
        {
          type: 'ActionExpired',
          data: {
            customerId: d.customerId,
            caseId: dispatched.caseId,
            actionId: d.actionId,
            channel: dispatched.channel,
            businessDate: d.businessDate,
            wasStatus: dispatched.status,
          },
        },
      ];
    }
  }
}

/** Released calls of local dates older than a week are dropped: the caps are about today. */
function pruneReleased(released: Readonly<Record<string, ReleasedCall>>, latest: string): Record<string, ReleasedCall> {
  const cutoff = addDays(latest, -7);
  return Object.fromEntries(Object.entries(released).filter(([, r]) => compareDates(r.localDate, cutoff) >= 0));
}

/** What the gate's verdict on an action's day leaves on the ledger: judged on that day, not yet performed. */
function judged(status: DispatchState['status'], d: { readonly caseId: string; readonly channel: Channel; readonly localDate: string }): DispatchState {
  return { status, caseId: d.caseId, channel: d.channel, localDate: d.localDate, releaseAt: null, dispatchDate: d.localDate, action: null, performed: false };
}

function evolveDebtor(state: DebtorState, event: DebtorEvent): DebtorState {
  const s = { ...state, customerId: event.data.customerId };
  switch (event.type) {
    case 'DebtorContactLogged': {
      const d = event.data;
      let next: DebtorState = { ...s, timeZone: s.timeZone ?? d.timeZone ?? null };
      if (d.actionId && next.releasedCalls[d.actionId]) {
        next = { ...next, releasedCalls: { ...next.releasedCalls, [d.actionId]: { ...next.releasedCalls[d.actionId], settled: true } } };
      }
      if (d.actionId && next.dispatched[d.actionId]) {
        next = { ...next, dispatched: { ...next.dispatched, [d.actionId]: { ...next.dispatched[d.actionId], performed: true } } };
      }
      if (d.party === 'DEBTOR' && FAILED_OUTCOMES.includes(d.outcome)) next = { ...next, failedAttempts: next.failedAttempts + 1 };
      if (d.unansweredDial) {
        next = { ...next, dialAttempts: pruneCallCounts({ ...next.dialAttempts, [d.localDate]: (next.dialAttempts[d.localDate] ?? 0) + 1 }, d.localDate) };
      }
      if (!d.effectiveCall) return next;
      const counts = { ...next.effectiveCalls, [d.localDate]: d.effectiveCallsThatDay };
      return { ...next, effectiveCalls: pruneCallCounts(counts, d.localDate) };
    }
    case 'ActionReleased': {
      const d = event.data;
      const dispatched = { ...s.dispatched, [d.actionId]: judged('RELEASED', d) };
      const releasedCalls =
        d.channel === 'CALL' ? pruneReleased({ ...s.releasedCalls, [d.actionId]: { localDate: d.localDate, settled: false } }, d.localDate) : s.releasedCalls;
      return { ...s, timeZone: s.timeZone ?? d.timeZone, dispatched, releasedCalls };
    }
    case 'ActionWithheld': {
      const d = event.data;
      return { ...s, timeZone: s.timeZone ?? d.timeZone, dispatched: { ...s.dispatched, [d.actionId]: judged('WITHHELD', d) } };
    }
    case 'ActionRescheduled': {
      const d = event.data;
      return {
        ...s,
        timeZone: s.timeZone ?? d.timeZone,
        dispatched: {
          ...s.dispatched,
          [d.actionId]: { ...judged('RESCHEDULED', d), releaseAt: d.releaseAt, dispatchDate: d.releaseDate, action: d.action },
        },
      };
    }
    case 'ActionExpired': {
      const d = event.data;
      const was = s.dispatched[d.actionId];
      const { [d.actionId]: _expired, ...releasedCalls } = s.releasedCalls;
      return was ? { ...s, releasedCalls, dispatched: { ...s.dispatched, [d.actionId]: { ...was, status: 'EXPIRED', releaseAt: null, action: null } } } : s;
    }
    case 'ContactStopped':
      return { ...s, stops: { ...s.stops, [event.data.stopId]: { reason: event.data.reason, caseId: event.data.caseId } } };
    case 'ContactStopLifted': {
      const { [event.data.stopId]: _lifted, ...stops } = s.stops;
      return { ...s, stops };
    }
    case 'ChannelOptedOut':
      return { ...s, optedOut: [...s.optedOut.filter((c) => c !== event.data.channel), event.data.channel] };
    case 'ChannelOptedIn':
      return { ...s, optedOut: s.optedOut.filter((c) => c !== event.data.channel) };
    case 'ContactTimesPreferred':
      return { ...s, preferredTimes: { ...s.preferredTimes, [event.data.channel]: event.data.windows } };
    case 'ThirdPartyExceptionRecorded':
      return { ...s, exceptions: { ...s.exceptions, [event.data.exceptionId]: event.data.reason } };
    case 'ThirdPartyExceptionEnded': {
      const { [event.data.exceptionId]: _ended, ...exceptions } = s.exceptions;
      return { ...s, exceptions };
    }
    case 'ThirdPartyRefused':
      return s.refusedThirdParties.includes(event.data.thirdPartyContactId)
        ? s
        : { ...s, refusedThirdParties: [...s.refusedThirdParties, event.data.thirdPartyContactId] };
    default:
      return state;
  }
}

export const debtorDecider: Decider<DebtorCommand, DebtorEvent, DebtorState> = {
  initialState: () => ({
    customerId: null,
    timeZone: null,
    stops: {},
    optedOut: [],
    exceptions: {},
    refusedThirdParties: [],
    effectiveCalls: {},
    dialAttempts: {},
    failedAttempts: 0,
    dispatched: {},
    releasedCalls: {},
    preferredTimes: {},
  }),
  decide: decideDebtor,
  evolve: evolveDebtor,
};
