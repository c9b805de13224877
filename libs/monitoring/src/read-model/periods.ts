import { addDays, addMonths, daysBetween, type BusinessDate } from '#kernel';

export const GRANULARITIES = ['day', 'week', 'month', 'total'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** A reporting period: the business dates [start, end], both inclusive. */
export interface Period {
  readonly label: string;
  readonly start: BusinessDate;
  readonly end: BusinessDate;
}

export const MAX_PERIODS = 400;

function dayOfWeek(d: BusinessDate): number {
  return new Date(`${d}T00:00:00Z`).getUTCDay(); // 0 = Sunday
}

/**
 * Splits [from, to] into periods: days; ISO weeks (Monday to Sunday, labelled by their first day
 * within the range); calendar months (labelled YYYY-MM); or the whole range. The first and last
 * periods are clipped to the range.
 */
export function periods(from: BusinessDate, to: BusinessDate, granularity: Granularity): Period[] {
  if (daysBetween(from, to) < 0) return [];
  if (granularity === 'total') return [{ label: `${from}..${to}`, start: from, end: to }];
  const out: Period[] = [];
  let start = from;
  while (start <= to) {
    let end: BusinessDate;
    let label: string;
    if (granularity === 'day') {
      end = start;
      label = start;
    } else if (granularity === 'week') {
      end = addDays(start, (7 - dayOfWeek(start)) % 7);
      label = start;
    } else {
      const firstOfMonth = `${start.slice(0, 7)}-01`;
      end = addDays(addMonths(firstOfMonth, 1), -1);
      label = start.slice(0, 7);
    }
    if (end > to) end = to;
    out.push({ label, start, end });
    if (out.length > MAX_PERIODS) break;
    start = addDays(end, 1);
  }
  return out;
}
