import { isBusinessDate } from './business-date.js';
import { domainError, type DomainError } from './errors.js';
import type { Fen } from './money.js';

/** The first of a command's date fields (by name) that is not a calendar date, as an INVALID_DATE error; null if all are. */
export function invalidDates(dates: Record<string, unknown>): DomainError | null {
  for (const [field, value] of Object.entries(dates)) {
    if (!isBusinessDate(value)) return domainError('INVALID_DATE', `${field} must be a calendar date (YYYY-MM-DD)`, { field, value });
  }
  return null;
}

/** An amount a command may carry: a whole number of fen, not negative. */
export const isWholeFen = (v: unknown): v is Fen => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
