import { addDays, compareDates, domainError, type BusinessDate, type DomainError } from '#kernel';
import { CHANNELS, OUTCOMES, THIRD_PARTY_EXCEPTIONS, type Channel, type Outcome, type ThirdPartyExceptionReason } from './model.js';

/**
 * The compliance rules every contact is checked against. They are versioned configuration: a
 * ContactRules value is published with a version and a date it applies from, the version in force
 * on a contact's date is handed to the decider on the command, and every event that applied it
 * records the version. Nothing here is a constant of the decider.
 *
 * The defaults follow China's 2025 national guideline on post-loan collection of personal consumer
 * credit: no contact from 22:00 to 08:00 in the debtor's time zone; at most three effective voice
 * calls per debtor per day; contact only the debtor, a third party only in recorded exceptions;
 * a dispute or complaint stops contact; opt-outs honoured for SMS and email; field visits approved.
 */
export interface ContactRules {
  readonly version: string;
  /** No contact on these channels from `start` (inclusive) to `end` (exclusive), local time, wrapping midnight. */
  readonly quietHours: { readonly start: string; readonly end: string; readonly channels: readonly Channel[] };
  readonly voice: {
    /** Effective voice calls to the debtor per local calendar day, across every collector and executor. */
    readonly maxEffectiveCallsPerDay: number;
    /** Outcomes that make a call effective (a person was reached). */
    readonly effectiveOutcomes: readonly Outcome[];
    /**
     * Dial attempts per local day to the debtor while unanswered (attempts whose outcome is not
     * effective), across every collector and executor; null or absent: no such limit (the 2025
     * standard has none, the 2026 guideline says 6).
     */
    readonly maxDialAttemptsPerDay?: number | null;
    /** Every call a collector reports carries a recording reference (2026 guideline). */
    readonly recordingRequired?: boolean;
  };
  /** Channels a debtor may opt out of. */
  readonly optOutChannels: readonly Channel[];
  readonly thirdParty: {
    /** The recorded exceptions under which a third party may be contacted at all. */
    readonly allowedExceptions: readonly ThirdPartyExceptionReason[];
    /** Exceptions under which the debt may be disclosed to the third party (an heir, a guardian). */
    readonly disclosureAllowedFor: readonly ThirdPartyExceptionReason[];
    /**
     * Under DEBTOR_UNREACHABLE, how many failed (unanswered) attempts to reach the debtor the ledger
     * must hold before a third party is contacted (2026 guideline: 3); null or absent: none.
     */
    readonly minFailedAttemptsBeforeThirdParty?: number | null;
  };
  /** Field visits are made by at least this many collectors (2026 guideline: 2); absent: 1. */
  readonly fieldVisitMinCollectors?: number;
  /** The first contact of a case names the bank (and the agency acting for it); a template rule, recorded for audit. */
  readonly firstContactIdentifiesBank?: boolean;
  /** Whether an open dispute or complaint stops all contact with the debtor. */
  readonly stopOnDispute: boolean;
  readonly stopOnComplaint: boolean;
  /** Field visits only after a supervisor approved them. */
  readonly fieldVisitRequiresApproval: boolean;
  /** The certification every collector must hold (training and assessment, renewed yearly) to work cases. */
  readonly collectorCertification: string;
  /** Longest validity of a certification, in days (the guideline asks for at least yearly renewal). */
  readonly certificationMaxValidityDays: number;
}

export const DEFAULT_CONTACT_RULES: ContactRules = Object.freeze({
  version: 'CN-2025.1',
  quietHours: { start: '22:00', end: '08:00', channels: ['CALL', 'SMS', 'EMAIL', 'APP_PUSH', 'FIELD_VISIT'] },
  voice: {
    maxEffectiveCallsPerDay: 3,
    effectiveOutcomes: ['RIGHT_PARTY_CONTACT', 'WRONG_PARTY', 'THIRD_PARTY_CONTACT', 'PROMISE_TO_PAY', 'REFUSED', 'DISPUTE', 'COMPLAINT', 'CALLBACK_REQUESTED'],
  },
  optOutChannels: ['SMS', 'EMAIL'],
  thirdParty: { allowedExceptions: ['DEBTOR_UNREACHABLE', 'DECEASED', 'LACKS_CAPACITY'], disclosureAllowedFor: ['DECEASED', 'LACKS_CAPACITY'] },
  stopOnDispute: true,
  stopOnComplaint: true,
  fieldVisitRequiresApproval: true,
  collectorCertification: 'COLLECTION_BASIC',
  certificationMaxValidityDays: 366,
} satisfies ContactRules) as ContactRules;

/**
 * The China Banking Association's 2026 guideline on collection of personal consumer loans by
 * financial institutions (in force 2026-01-30), on top of the 2025 national standard: the same
 * night ban; at most 6 dial attempts a day to an unanswered debtor; a third party only after 3
 * failed attempts (or a recorded exception); field visits by at least 2 collectors; calls carry
 * a recording; the first contact identifies the bank. docs/collection.md cites both texts.
 */
export const CN_2026_CONTACT_RULES: ContactRules = Object.freeze({
  ...DEFAULT_CONTACT_RULES,
  version: 'CN-2026.1',
  voice: { ...DEFAULT_CONTACT_RULES.voice, maxDialAttemptsPerDay: 6, recordingRequired: true },
  thirdParty: { ...DEFAULT_CONTACT_RULES.thirdParty, minFailedAttemptsBeforeThirdParty: 3 },
  fieldVisitMinCollectors: 2,
  firstContactIdentifiesBank: true,
} satisfies ContactRules) as ContactRules;

/**
 * The rulebooks every installation starts with, effective from the dates the texts came into
 * force. Versions the bank publishes (maker-checker, `collection.rules-contact`) sit beside them:
 * on any date the version effective latest applies, a published one over a builtin on the same date.
 */
export const BUILTIN_RULEBOOKS: readonly PublishedRules[] = Object.freeze([
  { rules: DEFAULT_CONTACT_RULES, effectiveFrom: '2025-02-28' },
  { rules: CN_2026_CONTACT_RULES, effectiveFrom: '2026-01-30' },
]);

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new RangeError(`not a time of day (HH:MM): ${hhmm}`);
  return +m[1] * 60 + +m[2];
}

/** Why a rules value is unusable, or null. */
export function contactRulesProblem(rules: ContactRules): DomainError | null {
  const bad = (message: string, details: Record<string, unknown>) => domainError('INVALID_CONTACT_RULES', message, details);
  if (!rules.version || rules.version.length > 40) return bad('a version of 1-40 characters is required', { version: rules.version });
  if (!HHMM.test(rules.quietHours.start) || !HHMM.test(rules.quietHours.end)) {
    return bad('quiet hours are HH:MM times', { quietHours: rules.quietHours });
  }
  for (const list of [rules.quietHours.channels, rules.optOutChannels]) {
    const unknown = list.filter((c) => !(CHANNELS as readonly string[]).includes(c));
    if (unknown.length) return bad('unknown channel', { channels: unknown });
  }
  if (!Number.isSafeInteger(rules.voice.maxEffectiveCallsPerDay) || rules.voice.maxEffectiveCallsPerDay < 0) {
    return bad('maxEffectiveCallsPerDay must be a whole number', { maxEffectiveCallsPerDay: rules.voice.maxEffectiveCallsPerDay });
  }
  const unknownOutcomes = rules.voice.effectiveOutcomes.filter((o) => !(OUTCOMES as readonly string[]).includes(o));
  if (unknownOutcomes.length) return bad('unknown outcome', { outcomes: unknownOutcomes });
  const unknownExceptions = [...rules.thirdParty.allowedExceptions, ...rules.thirdParty.disclosureAllowedFor].filter(
    (r) => !THIRD_PARTY_EXCEPTIONS.includes(r),
  );
  if (unknownExceptions.length) return bad('unknown third-party exception', { exceptions: unknownExceptions });
  for (const [field, value] of [
    ['voice.maxDialAttemptsPerDay', rules.voice.maxDialAttemptsPerDay],
    ['thirdParty.minFailedAttemptsBeforeThirdParty', rules.thirdParty.minFailedAttemptsBeforeThirdParty],
    ['fieldVisitMinCollectors', rules.fieldVisitMinCollectors],
  ] as const) {
    if (value !== undefined && value !== null && (!Number.isSafeInteger(value) || value < 0 || value > 100))
      return bad(`${field} must be a whole number 0-100`, { [field]: value });
  }
  if (!rules.collectorCertification) return bad('collectorCertification is required', {});
  if (!Number.isSafeInteger(rules.certificationMaxValidityDays) || rules.certificationMaxValidityDays < 1) {
    return bad('certificationMaxValidityDays must be a positive whole number', { certificationMaxValidityDays: rules.certificationMaxValidityDays });
  }
  return null;
}

export interface LocalTime {
  /** The calendar date at the customer (YYYY-MM-DD). */
  readonly date: BusinessDate;
  /** Minutes after local midnight. */
  readonly minutes: number;
  /** HH:MM, for explanations. */
  readonly time: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The wall-clock date and time an instant has in a time zone, through the Intl API (so daylight
 * saving and historical offsets are the runtime's tz database's, not a fixed offset).
 */
export function localTimeOf(instant: string, timeZone: string): LocalTime {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${instant}`);
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const hour = Number(parts.hour) % 24;
  const minute = Number(parts.minute);
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: hour * 60 + minute,
    time: `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`,
  };
}

/** Whether a local time of day falls in the quiet window [start, end), which may wrap midnight. */
export function inQuietHours(minutes: number, quiet: ContactRules['quietHours']): boolean {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return false;
  return start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}

/** The instant a local wall-clock time (HH:MM) on a calendar date has in a time zone. */
export function instantAt(date: BusinessDate, hhmm: string, timeZone: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const minutes = minutesOf(hhmm);
  const wanted = Date.UTC(y, m - 1, d, Math.floor(minutes / 60), minutes % 60);
  // Start from the wall time read as UTC and correct by the zone's offset there (twice, for DST edges).
  let guess = wanted;
  for (let i = 0; i < 3; i++) {
    const local = localTimeOf(new Date(guess).toISOString(), timeZone);
    const [ly, lm, ld] = local.date.split('-').map(Number);
    const seen = Date.UTC(ly, lm - 1, ld, Math.floor(local.minutes / 60), local.minutes % 60);
    if (seen === wanted) break;
    guess += wanted - seen;
  }
  return new Date(guess).toISOString();
}

/**
 * The first instant at or after `instant` outside the quiet hours in the zone: the instant itself
 * when it is outside them, else the end of the quiet window (today's or tomorrow's, local).
 */
export function nextContactWindow(instant: string, timeZone: string, quiet: ContactRules['quietHours']): string {
  const local = localTimeOf(instant, timeZone);
  if (!inQuietHours(local.minutes, quiet)) return new Date(Date.parse(instant)).toISOString();
  const end = minutesOf(quiet.end);
  const date = local.minutes < end ? local.date : addDays(local.date, 1);
  return instantAt(date, quiet.end, timeZone);
}

/** One published version of the rules and the business date it applies from. */
export interface PublishedRules {
  readonly rules: ContactRules;
  readonly effectiveFrom: BusinessDate;
}

/** The rules in force on a date: the latest published version effective by then, else the defaults. */
export function rulesInForce(published: readonly PublishedRules[], onDate: BusinessDate, fallback: ContactRules = DEFAULT_CONTACT_RULES): ContactRules {
  let best: PublishedRules | null = null;
  for (const p of published) {
    if (compareDates(p.effectiveFrom, onDate) > 0) continue;
    if (!best || compareDates(p.effectiveFrom, best.effectiveFrom) >= 0) best = p;
  }
  return best ? best.rules : fallback;
}
