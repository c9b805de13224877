import { addDays, compareDates, type BusinessDate } from '#kernel';
import { missingCertifications, type Certification } from './collector.js';
import { inQuietHours, localTimeOf, type ContactRules, type LocalTime } from './contact-rules.js';
import type { AttemptedBy, Channel, Outcome, Party, ThirdPartyExceptionReason } from './model.js';

/**
 * The contact rules as pure checks. A refusal is a value with a stable code; the case records it as
 * ContactBlocked (so audits see every refused attempt) and the API answers 422 with the same code.
 *
 * Checks are split by where their facts live:
 * - the case knows its holds, the debtor's time zone, its field-visit approvals and the collector;
 * - the debtor's contact ledger (one per customer, across all their cases) knows disputes and
 *   complaints, opt-outs, third-party exceptions and refusals, and the day's effective calls.
 */

export const CONTACT_CODES = [
  'CONTACT_CASE_ON_HOLD',
  'CONTACT_OUTSIDE_HOURS',
  'CONTACT_FIELD_VISIT_NOT_APPROVED',
  'COLLECTOR_NOT_CERTIFIED',
  'CONTACT_STOPPED',
  'CONTACT_OPTED_OUT',
  'CONTACT_THIRD_PARTY_NOT_PERMITTED',
  'CONTACT_THIRD_PARTY_REFUSED',
  'CONTACT_DISCLOSURE_FORBIDDEN',
  'CONTACT_DAILY_CALL_LIMIT',
  'CONTACT_DAILY_DIAL_LIMIT',
  'CONTACT_RECORDING_MISSING',
  'CONTACT_FIELD_VISIT_UNDERSTAFFED',
  'CONTACT_IDENTIFICATION_MISSING',
  'CONTACT_CASE_CLOSED',
  'CONTACT_OUTSIDE_PREFERRED_TIME',
  'CONTACT_CASE_PLACED',
] as const;
export type ContactCode = (typeof CONTACT_CODES)[number];

export interface ContactRefusal {
  readonly code: ContactCode;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface AttemptFacts {
  readonly channel: Channel;
  readonly party: Party;
  readonly at: string;
  readonly thirdPartyContactId: string | null;
  readonly debtDisclosed: boolean;
  /** What the case-level procedure rules look at (2026 guideline); absent where no case judges. */
  readonly outcome?: Outcome;
  readonly by?: AttemptedBy;
  /** The call's recording in the bank's recording system (an id, never the recording). */
  readonly recordingRef?: string | null;
  /** The other collectors on a field visit (collector ids). */
  readonly accompaniedBy?: readonly string[];
  /** The contact opened by naming the bank (and the agency acting for it). */
  readonly identified?: boolean;
}

// ---- case level -------------------------------------------------------------------------------------

export interface CaseContactFacts {
  readonly timeZone: string;
  /** Open holds by id. */
  readonly holds: Readonly<Record<string, string>>;
  /** The field visit the attempt reports, with its status, when the channel is FIELD_VISIT. */
  readonly visitStatus: 'REQUESTED' | 'APPROVED' | 'REJECTED' | 'REPORTED' | null;
  /** The collector's certifications, when a collector makes the attempt (null for executors). */
  readonly collectorCertifications: Readonly<Record<string, Certification>> | null;
  /** What the scheduled action being performed requires, if any. */
  readonly actionCertification: string | null;
  /** Whether a call or visit of the case already reached someone (so this is not the first contact). */
  readonly spokenTo?: boolean;
}

/** A call or field visit that reached someone: the contact that must identify the bank if first. */
export function reachesPerson(channel: Channel, outcome: Outcome): boolean {
  return (channel === 'CALL' || channel === 'FIELD_VISIT') && !FAILED_OUTCOMES.includes(outcome);
}

/**
 * The 2026 guideline's procedure rules, which the case checks on the report itself: a call carries
 * its recording, a field visit is made by enough collectors, the first contact names the bank.
 */
function procedureRefusal(facts: CaseContactFacts, attempt: AttemptFacts, rules: ContactRules): ContactRefusal | null {
  if (rules.voice.recordingRequired && attempt.channel === 'CALL' && !attempt.recordingRef) {
    return {
      code: 'CONTACT_RECORDING_MISSING',
      message: 'every call carries a reference to its recording (recordingRef)',
      details: { channel: attempt.channel },
    };
  }
  const minCollectors = rules.fieldVisitMinCollectors ?? 1;
  if (attempt.channel === 'FIELD_VISIT' && minCollectors > 1) {
    const collectors = new Set([...(attempt.by?.kind === 'COLLECTOR' ? [attempt.by.id] : []), ...(attempt.accompaniedBy ?? [])]);
    if (collectors.size < minCollectors) {
      return {
        code: 'CONTACT_FIELD_VISIT_UNDERSTAFFED',
        message: `a field visit is made by at least ${minCollectors} collectors (${collectors.size} named: the reporter and accompaniedBy)`,
        details: { collectors: [...collectors], required: minCollectors },
      };
    }
  }
  if (rules.firstContactIdentifiesBank && !facts.spokenTo && attempt.outcome && reachesPerson(attempt.channel, attempt.outcome) && !attempt.identified) {
    return {
      code: 'CONTACT_IDENTIFICATION_MISSING',
      message: 'the first contact that reaches someone names the bank (and the agency acting for it): report it with identified: true',
      details: { channel: attempt.channel, outcome: attempt.outcome },
    };
  }
  return null;
}

export function caseContactRefusal(facts: CaseContactFacts, attempt: AttemptFacts, rules: ContactRules): ContactRefusal | null {
  const holds = Object.entries(facts.holds);
  if (holds.length) {
    return {
      code: 'CONTACT_CASE_ON_HOLD',
      message: `the case is on hold (${holds.map(([, r]) => r).join(', ')}); no collection contact until it resumes`,
      details: { holds: holds.map(([holdId, reason]) => ({ holdId, reason })) },
    };
  }
  const local = localTimeOf(attempt.at, facts.timeZone);
  if (rules.quietHours.channels.includes(attempt.channel) && inQuietHours(local.minutes, rules.quietHours)) {
    return {
      code: 'CONTACT_OUTSIDE_HOURS',
      message: `${attempt.channel} at ${local.time} in ${facts.timeZone} is inside the quiet hours ${rules.quietHours.start}-${rules.quietHours.end}`,
      details: {
        localTime: local.time,
        localDate: local.date,
        timeZone: facts.timeZone,
        quietHours: { start: rules.quietHours.start, end: rules.quietHours.end },
      },
    };
  }
  if (attempt.channel === 'FIELD_VISIT' && rules.fieldVisitRequiresApproval && facts.visitStatus !== 'APPROVED') {
    return {
      code: 'CONTACT_FIELD_VISIT_NOT_APPROVED',
      message: 'a field visit needs a supervisor’s approval first',
      details: { visitStatus: facts.visitStatus },
    };
  }
  if (facts.collectorCertifications) {
    const required = [rules.collectorCertification, ...(facts.actionCertification ? [facts.actionCertification] : [])];
    const missing = missingCertifications({ certifications: facts.collectorCertifications }, required, local.date);
    if (missing.length) {
      return {
        code: 'COLLECTOR_NOT_CERTIFIED',
        message: `the collector lacks valid certification: ${missing.join(', ')}`,
        details: { missing, onDate: local.date },
      };
    }
  }
  return procedureRefusal(facts, attempt, rules);
}

// ---- debtor level -----------------------------------------------------------------------------------

export interface DebtorContactFacts {
  readonly stops: Readonly<Record<string, { readonly reason: 'DISPUTE' | 'COMPLAINT'; readonly caseId: string }>>;
  readonly optedOut: readonly Channel[];
  readonly exceptions: Readonly<Record<string, ThirdPartyExceptionReason>>;
  readonly refusedThirdParties: readonly string[];
  /** Effective voice calls to the debtor per local date. */
  readonly effectiveCalls: Readonly<Record<string, number>>;
  /** Unanswered dial attempts to the debtor per local date (calls whose outcome was not effective). */
  readonly dialAttempts: Readonly<Record<string, number>>;
  /** Attempts on any channel that failed to reach the debtor (unanswered, undeliverable), ever. */
  readonly failedAttempts: number;
}

/** Outcomes of an attempt to reach the debtor that failed: nobody answered, nothing was delivered. */
export const FAILED_OUTCOMES: readonly Outcome[] = ['NO_ANSWER', 'BUSY', 'VOICEMAIL', 'UNDELIVERABLE', 'NOT_HOME'];

/** Whether an attempt is a dial attempt the debtor did not answer (the 2026 daily dial limit). */
export function isUnansweredDial(channel: Channel, party: Party, outcome: Outcome, rules: ContactRules): boolean {
  return channel === 'CALL' && party === 'DEBTOR' && !rules.voice.effectiveOutcomes.includes(outcome);
}

export function debtorContactRefusal(facts: DebtorContactFacts, attempt: AttemptFacts, local: LocalTime, rules: ContactRules): ContactRefusal | null {
  const stops = Object.entries(facts.stops).filter(
    ([, s]) => (s.reason === 'DISPUTE' && rules.stopOnDispute) || (s.reason === 'COMPLAINT' && rules.stopOnComplaint),
  );
  if (stops.length) {
    return {
      code: 'CONTACT_STOPPED',
      message: `an open ${stops.map(([, s]) => s.reason.toLowerCase()).join(' and ')} stops collection contact until resolved`,
      details: { stops: stops.map(([stopId, s]) => ({ stopId, reason: s.reason, caseId: s.caseId })) },
    };
  }
  if (rules.optOutChannels.includes(attempt.channel) && facts.optedOut.includes(attempt.channel)) {
    return { code: 'CONTACT_OPTED_OUT', message: `the debtor opted out of ${attempt.channel}`, details: { channel: attempt.channel } };
  }
  if (attempt.party === 'THIRD_PARTY') {
    const active = Object.values(facts.exceptions);
    const permitted = active.filter((r) => rules.thirdParty.allowedExceptions.includes(r));
    if (!permitted.length) {
      return {
        code: 'CONTACT_THIRD_PARTY_NOT_PERMITTED',
        message: 'a third party may be contacted only under a recorded exception (debtor unreachable, deceased, lacking capacity)',
        details: { exceptions: active },
      };
    }
    const minFailed = rules.thirdParty.minFailedAttemptsBeforeThirdParty;
    const onlyUnreachable = permitted.every((r) => r === 'DEBTOR_UNREACHABLE');
    if (onlyUnreachable && minFailed && facts.failedAttempts < minFailed) {
      return {
        code: 'CONTACT_THIRD_PARTY_NOT_PERMITTED',
        message: `a third party is contacted for an unreachable debtor only after ${minFailed} failed attempts to reach the debtor (${facts.failedAttempts} so far)`,
        details: { exceptions: active, failedAttempts: facts.failedAttempts, required: minFailed },
      };
    }
    if (attempt.thirdPartyContactId && facts.refusedThirdParties.includes(attempt.thirdPartyContactId)) {
      return {
        code: 'CONTACT_THIRD_PARTY_REFUSED',
        message: 'this third party refused; they are not contacted again and nothing is disclosed to them',
        details: { thirdPartyContactId: attempt.thirdPartyContactId },
      };
    }
    if (attempt.debtDisclosed && !active.some((r) => rules.thirdParty.disclosureAllowedFor.includes(r))) {
      return {
        code: 'CONTACT_DISCLOSURE_FORBIDDEN',
        message: 'the debt may be disclosed to a third party only when the debtor is deceased or lacks capacity',
        details: { exceptions: active },
      };
    }
  }
  if (attempt.channel === 'CALL' && attempt.party === 'DEBTOR') {
    const calls = facts.effectiveCalls[local.date] ?? 0;
    if (calls >= rules.voice.maxEffectiveCallsPerDay) {
      return {
        code: 'CONTACT_DAILY_CALL_LIMIT',
        message: `the debtor had ${calls} effective calls on ${local.date} (limit ${rules.voice.maxEffectiveCallsPerDay}, across all collectors and executors)`,
        details: { localDate: local.date, effectiveCalls: calls, limit: rules.voice.maxEffectiveCallsPerDay },
      };
    }
    const maxDials = rules.voice.maxDialAttemptsPerDay;
    const dials = facts.dialAttempts[local.date] ?? 0;
    if (maxDials !== undefined && maxDials !== null && dials >= maxDials) {
      return {
        code: 'CONTACT_DAILY_DIAL_LIMIT',
        message: `the debtor's number went unanswered ${dials} times on ${local.date} (limit ${maxDials} dial attempts a day, across all collectors and executors)`,
        details: { localDate: local.date, dialAttempts: dials, limit: maxDials },
      };
    }
  }
  return null;
}

/** Whether an attempt counts towards the daily limit of effective voice calls. */
export function isEffectiveCall(channel: Channel, party: Party, outcome: Outcome, rules: ContactRules): boolean {
  return channel === 'CALL' && party === 'DEBTOR' && rules.voice.effectiveOutcomes.includes(outcome);
}

/** Local dates older than a week are dropped from the call counts: the rule is about today. */
export function pruneCallCounts(counts: Readonly<Record<string, number>>, latest: BusinessDate, keepDays = 7): Record<string, number> {
  const cutoff = addDays(latest, -keepDays);
  const out: Record<string, number> = {};
  for (const [date, n] of Object.entries(counts)) if (compareDates(date, cutoff) >= 0) out[date] = n;
  return out;
}
