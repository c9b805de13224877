import { addDays, type BusinessDate } from '#kernel';
import type { ActionScheduled } from './case/events.js';
import type { ContactCode } from './contact-policy.js';
import { inQuietHours, instantAt, localTimeOf, minutesOf, nextContactWindow, type ContactRules, type LocalTime } from './contact-rules.js';
import { keptDuringPlacement, type Channel, type HoldReason } from './model.js';

/**
 * The dispatch gate: whether a scheduled action may be released to its executor (published on
 * `arrears.channel-actions.v1`) or shown in a collector's queue, decided on the debtor's contact
 * ledger at the planned send time. It checks, in order, what would make any contact wrong then:
 *
 * 1. the case is closed (CONTACT_CASE_CLOSED) or on hold (CONTACT_CASE_ON_HOLD);
 * 2. an open dispute or complaint on any of the debtor's cases (CONTACT_STOPPED);
 * 3. an opt-out of the channel (CONTACT_OPTED_OUT);
 * 4. the quiet hours in the debtor's zone (CONTACT_OUTSIDE_HOURS), then the debtor's own preferred
 *    contact times for the channel, within those hours (CONTACT_OUTSIDE_PREFERRED_TIME);
 * 5. for calls, the day's caps per debtor: effective calls (CONTACT_DAILY_CALL_LIMIT) and dial
 *    attempts to an unanswered debtor (CONTACT_DAILY_DIAL_LIMIT), counting the calls already
 *    released that day and not yet reported as if each will be made.
 *
 * 1-3 withhold the action for good (ActionWithheld); 4-5 are time-based and reschedule it to the
 * next allowed moment (ActionRescheduled): the next opening of the contact window or of a preferred
 * window, or the next local day's. Pure: the ledger's facts, the case's facts and the rules arrive as values.
 */

export type DispatchableAction = ActionScheduled['data'];

/** What the case stream says about the action's case when the gate decides. */
export interface CaseDispatchFacts {
  readonly status: 'open' | 'closed' | 'none';
  readonly holds: Readonly<Record<string, HoldReason>>;
  /** The agency the case is placed with (CasePlacedWithAgency): only actions kept during a placement go out meanwhile. */
  readonly placedWith?: string | null;
}

/** An action the ledger released and no contact has reported on yet (counts towards the day's caps). */
export interface ReleasedCall {
  readonly localDate: BusinessDate;
  readonly settled: boolean;
}

export interface LedgerDispatchFacts {
  readonly stops: Readonly<Record<string, { readonly reason: 'DISPUTE' | 'COMPLAINT'; readonly caseId: string }>>;
  readonly optedOut: readonly Channel[];
  readonly effectiveCalls: Readonly<Record<string, number>>;
  readonly dialAttempts: Readonly<Record<string, number>>;
  readonly releasedCalls: Readonly<Record<string, ReleasedCall>>;
  /** The debtor's preferred contact times per channel (local times in the ledger's zone); absent or empty: none. */
  readonly preferredTimes?: Readonly<Partial<Record<Channel, readonly ContactWindow[]>>>;
}

/** A window of local time, `start` (inclusive) to `end` (exclusive), HH:MM, within one day. */
export interface ContactWindow {
  readonly start: string;
  readonly end: string;
}

export type GateVerdict =
  | { readonly kind: 'release'; readonly local: LocalTime }
  | {
      readonly kind: 'withhold';
      readonly code: ContactCode;
      readonly message: string;
      readonly details: Readonly<Record<string, unknown>>;
      readonly local: LocalTime;
    }
  | {
      readonly kind: 'reschedule';
      readonly code: ContactCode;
      readonly message: string;
      readonly details: Readonly<Record<string, unknown>>;
      readonly local: LocalTime;
      readonly releaseAt: string;
    };

/** Released calls of a local date that no reported contact has settled yet. */
function outstandingCalls(released: LedgerDispatchFacts['releasedCalls'], localDate: BusinessDate): number {
  return Object.values(released).filter((r) => !r.settled && r.localDate === localDate).length;
}

export function gateVerdict(
  action: Pick<DispatchableAction, 'actionId' | 'channel' | 'caseId' | 'duringPlacement'>,
  at: string,
  timeZone: string,
  caseFacts: CaseDispatchFacts,
  ledger: LedgerDispatchFacts,
  rules: ContactRules,
): GateVerdict {
  const local = localTimeOf(at, timeZone);
  const withhold = (code: ContactCode, message: string, details: Record<string, unknown>): GateVerdict => ({ kind: 'withhold', code, message, details, local });
  if (caseFacts.status !== 'open')
    return withhold('CONTACT_CASE_CLOSED', `case ${action.caseId} is not open; its actions are not sent`, { caseStatus: caseFacts.status });
  const holds = Object.entries(caseFacts.holds);
  if (holds.length) {
    return withhold('CONTACT_CASE_ON_HOLD', `the case is on hold (${holds.map(([, r]) => r).join(', ')})`, {
      holds: holds.map(([holdId, reason]) => ({ holdId, reason })),
    });
  }
  if (caseFacts.placedWith && !keptDuringPlacement(action)) {
    return withhold(
      'CONTACT_CASE_PLACED',
      `the case is placed with agency ${caseFacts.placedWith}; this step of the bank's does not go on during a placement`,
      {
        agencyId: caseFacts.placedWith,
      },
    );
  }
  const stops = Object.entries(ledger.stops).filter(
    ([, s]) => (s.reason === 'DISPUTE' && rules.stopOnDispute) || (s.reason === 'COMPLAINT' && rules.stopOnComplaint),
  );
  if (stops.length) {
    return withhold('CONTACT_STOPPED', `an open ${stops.map(([, s]) => s.reason.toLowerCase()).join(' and ')} on the debtor's cases stops collection contact`, {
      stops: stops.map(([stopId, s]) => ({ stopId, reason: s.reason, caseId: s.caseId })),
    });
  }
  if (rules.optOutChannels.includes(action.channel) && ledger.optedOut.includes(action.channel)) {
    return withhold('CONTACT_OPTED_OUT', `the debtor opted out of ${action.channel}`, { channel: action.channel });
  }
  if (rules.quietHours.channels.includes(action.channel) && inQuietHours(local.minutes, rules.quietHours)) {
    return {
      kind: 'reschedule',
      code: 'CONTACT_OUTSIDE_HOURS',
      message: `${action.channel} at ${local.time} in ${timeZone} is inside the quiet hours ${rules.quietHours.start}-${rules.quietHours.end}`,
      details: { localTime: local.time, localDate: local.date, timeZone, quietHours: { start: rules.quietHours.start, end: rules.quietHours.end } },
      local,
      releaseAt: nextContactWindow(at, timeZone, rules.quietHours),
    };
  }
  const preferred = preferredTimeVerdict(action.channel, local, timeZone, ledger, rules);
  if (preferred) return preferred;
  if (action.channel === 'CALL') {
    const nextDay = instantAt(addDays(local.date, 1), rules.quietHours.end, timeZone);
    const pending = outstandingCalls(ledger.releasedCalls, local.date);
    const effective = ledger.effectiveCalls[local.date] ?? 0;
    if (effective + pending >= rules.voice.maxEffectiveCallsPerDay) {
      return {
        kind: 'reschedule',
        code: 'CONTACT_DAILY_CALL_LIMIT',
        message: `the debtor had ${effective} effective calls on ${local.date} and ${pending} more released (limit ${rules.voice.maxEffectiveCallsPerDay} a day, across all cases)`,
        details: { localDate: local.date, effectiveCalls: effective, releasedCalls: pending, limit: rules.voice.maxEffectiveCallsPerDay },
        local,
        releaseAt: nextDay,
      };
    }
    const maxDials = rules.voice.maxDialAttemptsPerDay;
    const dials = ledger.dialAttempts[local.date] ?? 0;
    if (maxDials !== undefined && maxDials !== null && dials + pending >= maxDials) {
      return {
        kind: 'reschedule',
        code: 'CONTACT_DAILY_DIAL_LIMIT',
        message: `the debtor's number went unanswered ${dials} times on ${local.date} with ${pending} more calls released (limit ${maxDials} dial attempts a day)`,
        details: { localDate: local.date, dialAttempts: dials, releasedCalls: pending, limit: maxDials },
        local,
        releaseAt: nextDay,
      };
    }
  }
  return { kind: 'release', local };
}

/**
 * The debtor's preferred contact times (set in the self-service channel): an action on a channel
 * the debtor gave windows for, judged outside all of them, is rescheduled to the next opening of
 * one (today's, else the first of the next local day). Only the windows that lie wholly outside
 * the quiet hours of the rules in force count, so a preference never moves contact into hours the
 * rules forbid; with none left, the rules' hours alone apply. Null: no preference holds the action.
 */
function preferredTimeVerdict(
  channel: Channel,
  local: LocalTime,
  timeZone: string,
  ledger: Pick<LedgerDispatchFacts, 'preferredTimes'>,
  rules: ContactRules,
): GateVerdict | null {
  const windows = (ledger.preferredTimes?.[channel] ?? [])
    .filter((w) => windowWithinHours(w, rules, channel))
    .sort((a, b) => minutesOf(a.start) - minutesOf(b.start));
  if (!windows.length || windows.some((w) => local.minutes >= minutesOf(w.start) && local.minutes < minutesOf(w.end))) return null;
  const later = windows.find((w) => minutesOf(w.start) > local.minutes);
  const releaseAt = later ? instantAt(local.date, later.start, timeZone) : instantAt(addDays(local.date, 1), windows[0].start, timeZone);
  return {
    kind: 'reschedule',
    code: 'CONTACT_OUTSIDE_PREFERRED_TIME',
    message: `${channel} at ${local.time} in ${timeZone} is outside the times the debtor prefers (${windows.map((w) => `${w.start}-${w.end}`).join(', ')})`,
    details: { localTime: local.time, localDate: local.date, timeZone, preferredTimes: windows },
    local,
    releaseAt,
  };
}

/** Whether a window lies wholly in the hours the rules allow contact (outside the quiet hours), for channels they govern. */
export function windowWithinHours(w: ContactWindow, rules: ContactRules, channel?: Channel): boolean {
  if (channel && !rules.quietHours.channels.includes(channel)) return true;
  const start = minutesOf(w.start);
  const end = minutesOf(w.end);
  if (!(start < end)) return false;
  for (let m = start; m < end; m++) if (inQuietHours(m, rules.quietHours)) return false;
  return true;
}

/**
 * The planned send time of an action: the day after the business day whose close scheduled it, at
 * the step's send time in the step's zone (the case's, unless the step names one), or else at the
 * opening of the contact window in the debtor's zone (the end of the quiet hours).
 */
export function plannedSendTime(
  action: Pick<DispatchableAction, 'dueOn'> & { readonly sendTime?: string | null; readonly sendTimeZone?: string | null },
  caseTimeZone: string,
  debtorTimeZone: string,
  rules: ContactRules,
): string {
  const day = addDays(action.dueOn, 1);
  return action.sendTime ? instantAt(day, action.sendTime, action.sendTimeZone ?? caseTimeZone) : instantAt(day, rules.quietHours.end, debtorTimeZone);
}
