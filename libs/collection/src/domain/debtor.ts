import { domainError, type Decider, type DomainError, type DomainEvent } from '#kernel';
import { debtorContactRefusal, isEffectiveCall, pruneCallCounts, type DebtorContactFacts } from './contact-policy.js';
import { isTimeZone, localTimeOf, type ContactRules } from './contact-rules.js';
import { CHANNELS, THIRD_PARTY_EXCEPTIONS, type Channel, type Command, type Outcome, type Party, type ThirdPartyExceptionReason } from './model.js';

/**
 * The debtor's contact ledger (stream `collection.debtor-<customerId>`): every contact that reached
 * or tried to reach one customer goes through it, whichever case, collector or executor made it.
 * It is where the per-debtor rules are decided, so they hold across cases and under concurrency:
 * two collectors racing for the third call of the day append at the same revision, one conflicts,
 * is re-decided on the fresh ledger and refused. It holds no personal data: third parties are ids
 * of contacts kept in the personal-data vault.
 */

export type DebtorContactLogged = DomainEvent<
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
  }
>;
export type ContactStopped = DomainEvent<
  'ContactStopped',
  { readonly customerId: string; readonly stopId: string; readonly caseId: string; readonly reason: 'DISPUTE' | 'COMPLAINT' }
>;
export type ContactStopLifted = DomainEvent<'ContactStopLifted', { readonly customerId: string; readonly stopId: string; readonly resolution: string }>;
export type ChannelOptedOut = DomainEvent<'ChannelOptedOut', { readonly customerId: string; readonly channel: Channel }>;
export type ChannelOptedIn = DomainEvent<'ChannelOptedIn', { readonly customerId: string; readonly channel: Channel }>;
export type ThirdPartyExceptionRecorded = DomainEvent<
  'ThirdPartyExceptionRecorded',
  { readonly customerId: string; readonly exceptionId: string; readonly reason: ThirdPartyExceptionReason; readonly recordedBy: string }
>;
export type ThirdPartyExceptionEnded = DomainEvent<'ThirdPartyExceptionEnded', { readonly customerId: string; readonly exceptionId: string }>;
export type ThirdPartyRefused = DomainEvent<
  'ThirdPartyRefused',
  { readonly customerId: string; readonly thirdPartyContactId: string; readonly attemptId: string }
>;

export type DebtorEvent =
  | DebtorContactLogged
  | ContactStopped
  | ContactStopLifted
  | ChannelOptedOut
  | ChannelOptedIn
  | ThirdPartyExceptionRecorded
  | ThirdPartyExceptionEnded
  | ThirdPartyRefused;

export interface DebtorState extends DebtorContactFacts {
  readonly customerId: string | null;
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
  }
>;
export type StopContact = Command<
  'StopContact',
  { readonly customerId: string; readonly stopId: string; readonly caseId: string; readonly reason: 'DISPUTE' | 'COMPLAINT' }
>;
export type LiftContactStop = Command<'LiftContactStop', { readonly customerId: string; readonly stopId: string; readonly resolution: string }>;
export type SetChannelOptOut = Command<
  'SetChannelOptOut',
  { readonly customerId: string; readonly channel: Channel; readonly optedOut: boolean; readonly rules: ContactRules }
>;
export type RecordThirdPartyException = Command<
  'RecordThirdPartyException',
  { readonly customerId: string; readonly exceptionId: string; readonly reason: ThirdPartyExceptionReason; readonly recordedBy: string }
>;
export type EndThirdPartyException = Command<'EndThirdPartyException', { readonly customerId: string; readonly exceptionId: string }>;

export type DebtorCommand = LogContact | StopContact | LiftContactStop | SetChannelOptOut | RecordThirdPartyException | EndThirdPartyException;

export function decideDebtor(command: DebtorCommand, state: DebtorState): readonly DebtorEvent[] | DomainError {
  switch (command.type) {
    case 'LogContact': {
      const d = command.data;
      if (!isTimeZone(d.timeZone)) return domainError('INVALID_TIME_ZONE', `unknown time zone ${d.timeZone}`, { timeZone: d.timeZone });
      if (Number.isNaN(Date.parse(d.at))) return domainError('INVALID_INSTANT', 'at must be an ISO-8601 instant', { at: d.at });
      if (d.party === 'THIRD_PARTY' && !d.thirdPartyContactId) {
        return domainError('THIRD_PARTY_CONTACT_REQUIRED', 'a third-party attempt names the vault contact id of the third party');
      }
      const local = localTimeOf(d.at, d.timeZone);
      const refusal = debtorContactRefusal(state, d, local, d.rules);
      if (refusal) return domainError(refusal.code, refusal.message, { ...refusal.details, rulesVersion: d.rules.version });
      const effective = isEffectiveCall(d.channel, d.party, d.outcome, d.rules);
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
        return domainError('OPT_OUT_NOT_OFFERED', `the contact rules offer no opt-out of ${d.channel}`, { channel: d.channel, optOutChannels: d.rules.optOutChannels });
      }
      const now = state.optedOut.includes(d.channel);
      if (now === d.optedOut) return [];
      return [{ type: d.optedOut ? 'ChannelOptedOut' : 'ChannelOptedIn', data: { customerId: d.customerId, channel: d.channel } }];
    }
    case 'RecordThirdPartyException': {
      const d = command.data;
      if (!THIRD_PARTY_EXCEPTIONS.includes(d.reason)) return domainError('INVALID_EXCEPTION', `unknown third-party exception ${d.reason}`);
      const existing = state.exceptions[d.exceptionId];
      if (existing === d.reason) return [];
      if (existing) return domainError('EXCEPTION_EXISTS', `exception ${d.exceptionId} is recorded with another reason`, { reason: existing }, 'conflict');
      return [{ type: 'ThirdPartyExceptionRecorded', data: { customerId: d.customerId, exceptionId: d.exceptionId, reason: d.reason, recordedBy: d.recordedBy } }];
    }
    case 'EndThirdPartyException': {
      const d = command.data;
      if (!state.exceptions[d.exceptionId]) return [];
      return [{ type: 'ThirdPartyExceptionEnded', data: { customerId: d.customerId, exceptionId: d.exceptionId } }];
    }
  }
}

export function evolveDebtor(state: DebtorState, event: DebtorEvent): DebtorState {
  const s = { ...state, customerId: event.data.customerId };
  switch (event.type) {
    case 'DebtorContactLogged': {
      if (!event.data.effectiveCall) return s;
      const counts = { ...s.effectiveCalls, [event.data.localDate]: event.data.effectiveCallsThatDay };
      return { ...s, effectiveCalls: pruneCallCounts(counts, event.data.localDate) };
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
  initialState: () => ({ customerId: null, stops: {}, optedOut: [], exceptions: {}, refusedThirdParties: [], effectiveCalls: {} }),
  decide: decideDebtor,
  evolve: evolveDebtor,
};
