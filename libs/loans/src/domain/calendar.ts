import { addDays, compareDates, domainError, isBusinessDate, type BusinessDate, type Decider, type DomainError, type DomainEvent } from '#kernel';

/**
 * The business calendar (stream `loans.calendar-main`): the bank's business date, which moves on
 * one day at a time. Closing day D starts the end of day for D; facts keep being dated D until
 * that end of day has completed, then the calendar opens D + 1. So a day is never skipped, never
 * closed twice, and a fact that arrives while D is being closed is evaluated as of D.
 */

export type BusinessCalendarStarted = DomainEvent<'BusinessCalendarStarted', { readonly calendarId: string; readonly openBusinessDate: BusinessDate }>;

export type BusinessDayClosed = DomainEvent<
  'BusinessDayClosed',
  { readonly calendarId: string; readonly businessDate: BusinessDate; readonly nextBusinessDate: BusinessDate }
>;

/** The end of day for a closed date has evaluated every loan that could change; the next day opens. */
export type EndOfDayCompleted = DomainEvent<
  'EndOfDayCompleted',
  {
    readonly calendarId: string;
    readonly businessDate: BusinessDate;
    readonly openBusinessDate: BusinessDate;
    /** Loans the read model selected as able to change on the date. */
    readonly candidates: number;
    /** Loans that emitted events for the date. */
    readonly loansChanged: number;
    readonly events: number;
  }
>;

export type CalendarEvent = BusinessCalendarStarted | BusinessDayClosed | EndOfDayCompleted;

export type CalendarState =
  | { readonly status: 'NotStarted' }
  /** Facts are dated `openBusinessDate`; `lastClosed` is the day before (null before the first close). */
  | { readonly status: 'Open'; readonly openBusinessDate: BusinessDate; readonly lastClosed: BusinessDate | null }
  /** `closing` is closed and its end of day runs; facts are still dated `closing`. */
  | { readonly status: 'Closing'; readonly closing: BusinessDate; readonly lastClosed: BusinessDate };

export type CalendarCommand =
  | { readonly type: 'StartCalendar'; readonly data: { readonly calendarId: string; readonly openBusinessDate: BusinessDate } }
  | { readonly type: 'CloseDay'; readonly data: { readonly calendarId: string; readonly businessDate: BusinessDate } }
  | {
      readonly type: 'CompleteEndOfDay';
      readonly data: {
        readonly calendarId: string;
        readonly businessDate: BusinessDate;
        readonly candidates: number;
        readonly loansChanged: number;
        readonly events: number;
      };
    };

const initialCalendarState = (): CalendarState => ({ status: 'NotStarted' });

/** Each event fully determines the state after it, so the last event alone gives the state. */
function evolveCalendar(_state: CalendarState, event: CalendarEvent): CalendarState {
  switch (event.type) {
    case 'BusinessCalendarStarted':
      return { status: 'Open', openBusinessDate: event.data.openBusinessDate, lastClosed: null };
    case 'BusinessDayClosed':
      return { status: 'Closing', closing: event.data.businessDate, lastClosed: event.data.businessDate };
    case 'EndOfDayCompleted':
      return { status: 'Open', openBusinessDate: event.data.openBusinessDate, lastClosed: event.data.businessDate };
    default: {
      const _exhaustive: never = event;
      return _state;
    }
  }
}

/** The business date facts are recorded on, or null before the calendar starts. */
export function factBusinessDate(state: CalendarState): BusinessDate | null {
  if (state.status === 'NotStarted') return null;
  return state.status === 'Open' ? state.openBusinessDate : state.closing;
}

function invalidDate(field: string, value: unknown): DomainError | null {
  return isBusinessDate(value) ? null : domainError('INVALID_DATE', `${field} must be a calendar date (YYYY-MM-DD)`, { field, value });
}

function decideCalendar(command: CalendarCommand, state: CalendarState): readonly CalendarEvent[] | DomainError {
  switch (command.type) {
    case 'StartCalendar': {
      const { calendarId, openBusinessDate } = command.data;
      const bad = invalidDate('openBusinessDate', openBusinessDate);
      if (bad) return bad;
      if (state.status !== 'NotStarted') {
        if (state.status === 'Open' && state.lastClosed === null && state.openBusinessDate === openBusinessDate) return [];
        return domainError('CALENDAR_ALREADY_STARTED', 'the business calendar is already running', { businessDate: factBusinessDate(state) }, 'conflict');
      }
      return [{ type: 'BusinessCalendarStarted', data: { calendarId, openBusinessDate } }];
    }
    case 'CloseDay': {
      const { calendarId, businessDate } = command.data;
      const bad = invalidDate('businessDate', businessDate);
      if (bad) return bad;
      if (state.status === 'NotStarted') return domainError('CALENDAR_NOT_STARTED', 'the business calendar has not been started', undefined, 'conflict');
      if (state.status === 'Closing') {
        if (state.closing === businessDate) return []; // already closing: the end of day resumes
        return domainError(
          'END_OF_DAY_IN_PROGRESS',
          `the end of day for ${state.closing} is still running`,
          { closing: state.closing, businessDate },
          'conflict',
        );
      }
      const order = compareDates(businessDate, state.openBusinessDate);
      if (order < 0) {
        return domainError(
          'BUSINESS_DAY_ALREADY_CLOSED',
          `${businessDate} is already closed; the open business date is ${state.openBusinessDate}`,
          {
            businessDate,
            openBusinessDate: state.openBusinessDate,
          },
          'conflict',
        );
      }
      if (order > 0) {
        return domainError('BUSINESS_DAY_SKIPPED', `business days close one at a time; the open business date is ${state.openBusinessDate}`, {
          businessDate,
          openBusinessDate: state.openBusinessDate,
        });
      }
      return [{ type: 'BusinessDayClosed', data: { calendarId, businessDate, nextBusinessDate: addDays(businessDate, 1) } }];
    }
    case 'CompleteEndOfDay': {
      const { calendarId, businessDate, candidates, loansChanged, events } = command.data;
      if (state.status === 'Closing' && state.closing === businessDate) {
        return [
          { type: 'EndOfDayCompleted', data: { calendarId, businessDate, openBusinessDate: addDays(businessDate, 1), candidates, loansChanged, events } },
        ];
      }
      if (state.status === 'Open' && state.lastClosed !== null && compareDates(businessDate, state.lastClosed) <= 0) return [];
      return domainError('END_OF_DAY_NOT_RUNNING', `no end of day is running for ${businessDate}`, { businessDate }, 'conflict');
    }
    default: {
      const unknown: never = command;
      return domainError('UNKNOWN_COMMAND', `unknown calendar command ${JSON.stringify((unknown as { type?: unknown }).type)}`);
    }
  }
}

export const calendarDecider: Decider<CalendarCommand, CalendarEvent, CalendarState> = {
  initialState: initialCalendarState,
  decide: decideCalendar,
  evolve: evolveCalendar,
};
