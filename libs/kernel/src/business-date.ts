/**
 * Business dates are calendar dates (YYYY-MM-DD) without a time of day. They arrive on commands;
 * domain code never reads the wall clock. Arithmetic is done on UTC midnights so that it is
 * independent of the server's time zone.
 */
export type BusinessDate = string & { readonly __brand?: 'BusinessDate' };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export function isBusinessDate(value: unknown): value is BusinessDate {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCFullYear() === +m[1] && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

export function businessDate(value: string): BusinessDate {
  if (!isBusinessDate(value)) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${value}`);
  return value;
}

function toEpochDay(d: BusinessDate): number {
  const m = DATE.exec(d)!;
  return Date.UTC(+m[1], +m[2] - 1, +m[3]) / DAY_MS;
}

function fromEpochDay(day: number): BusinessDate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(d: BusinessDate, days: number): BusinessDate {
  return fromEpochDay(toEpochDay(d) + days);
}

/** Whole days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: BusinessDate, to: BusinessDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

/** Adds calendar months, clamping to the month's last day (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(d: BusinessDate, months: number): BusinessDate {
  const m = DATE.exec(d)!;
  const total = +m[1] * 12 + (+m[2] - 1) + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(+m[3], last);
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function compareDates(a: BusinessDate, b: BusinessDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The application's source of "now"; injected into handlers, never read by deciders. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

const knownTimeZones = new Map<string, boolean>();

/**
 * Whether the runtime's time-zone database knows an IANA zone name (e.g. `Asia/Shanghai`). The
 * answer is remembered per name: building a formatter to ask costs more than most commands.
 */
export function isTimeZone(timeZone: string): boolean {
  let known = knownTimeZones.get(timeZone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
      known = true;
    } catch {
      known = false;
    }
    if (knownTimeZones.size < 1_000) knownTimeZones.set(timeZone, known);
  }
  return known;
}
