import { streamName } from '#kernel';

/** Every loan account is one stream: `loans.loan-<loanId>` (category `loans.loan`). */
export const loanStream = (loanId: string): string => streamName('loans', 'loan', loanId);

export const CALENDAR_ID = 'main';
/** The one business calendar: `loans.calendar-main`. */
export const CALENDAR_STREAM = streamName('loans', 'calendar', CALENDAR_ID);

/** The whole context's streams, for subscriptions and projections. */
export const LOANS_STREAM_PREFIXES = ['loans.loan-', 'loans.calendar-'] as const;
