import { domainError, isBusinessDate, isDomainError, type BusinessDate, type DomainError, type RecordedEvent } from '#kernel';
import { rowProjection, type Projection } from '#projections';
import { ProblemException, domainProblem, problem } from '#platform';
import type { BusinessCalendarStarted, BusinessDayClosed, CalendarEvent, EndOfDayCompleted } from '../domain/calendar.js';

/**
 * The business date as another context knows it: its own copy of Loans' calendar, folded from the
 * calendar events Loans publishes (BusinessCalendarStarted, BusinessDayClosed, EndOfDayCompleted on
 * `loans.calendar-<id>`). Loans' calendar is the one authority for the business date; each context
 * keeps this copy under its own projection name and table, reads only that table, and so never
 * reads Loans' stream or tables nor asks Loans. Loans says here only how its events fold.
 *
 * The open business date follows Loans' rule for facts: it is the open date, and while a day is
 * being closed (BusinessDayClosed seen, EndOfDayCompleted not yet) still the closing date.
 */
export interface CalendarCopyRow {
  [column: string]: unknown;
  calendar_id: string;
  /** 'open' or 'closing'. */
  status: string;
  open_business_date: string;
  last_closed: string | null;
  /** The first business date the calendar opened on (nothing in the bank's books is earlier). */
  started_on: string;
}

const EVENT_TYPES: readonly CalendarEvent['type'][] = ['BusinessCalendarStarted', 'BusinessDayClosed', 'EndOfDayCompleted'];

/** The copy once `d.businessDate` is closed (or its end of day done): the first day stays as it was. */
function afterClose(
  row: CalendarCopyRow | undefined,
  d: { readonly calendarId: string; readonly businessDate: BusinessDate },
  status: 'open' | 'closing',
  openBusinessDate: BusinessDate,
): CalendarCopyRow {
  return {
    calendar_id: d.calendarId,
    status,
    open_business_date: openBusinessDate,
    last_closed: d.businessDate,
    started_on: row?.started_on ?? d.businessDate,
  };
}

export function evolveCalendarCopy(row: CalendarCopyRow | undefined, recorded: RecordedEvent): CalendarCopyRow | undefined {
  const event = recorded as unknown as CalendarEvent;
  switch (event.type) {
    case 'BusinessCalendarStarted': {
      const d = (event as BusinessCalendarStarted).data;
      return { calendar_id: d.calendarId, status: 'open', open_business_date: d.openBusinessDate, last_closed: null, started_on: d.openBusinessDate };
    }
    case 'BusinessDayClosed': {
      const d = (event as BusinessDayClosed).data;
      return afterClose(row, d, 'closing', d.businessDate);
    }
    case 'EndOfDayCompleted': {
      const d = (event as EndOfDayCompleted).data;
      return afterClose(row, d, 'open', d.openBusinessDate);
    }
    default:
      return undefined;
  }
}

/** A context's copy of the business calendar under its own projection name and table. */
export function businessCalendarCopy(spec: { readonly name: string; readonly table: string; readonly version?: number }): Projection {
  return rowProjection<CalendarCopyRow>({
    name: spec.name,
    version: spec.version ?? 1,
    table: spec.table,
    ddl: `CREATE TABLE {table} (
      calendar_id text PRIMARY KEY, status text NOT NULL, open_business_date text NOT NULL, last_closed text, started_on text NOT NULL)`,
    key: 'calendar_id',
    filter: { streamPrefixes: ['loans.calendar-'], eventTypes: EVENT_TYPES },
    keyOf: (e) => (e.data as { calendarId?: string }).calendarId ?? null,
    evolve: evolveCalendarCopy,
  });
}

/** What a context's copy says about the calendar. */
export interface BusinessDay {
  readonly status: 'open' | 'closing';
  /** The date facts and commands that name no date are on. */
  readonly openBusinessDate: BusinessDate;
  readonly lastClosed: BusinessDate | null;
  readonly startedOn: BusinessDate;
}

interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * A context's business clock: the open business date from its own calendar copy (`table` is the
 * view name it gave `businessCalendarCopy`). No wall clock is read; before the calendar has started
 * there is no business date and `today()` answers CALENDAR_NOT_STARTED (409).
 */
export class BusinessClock {
  constructor(
    private readonly pool: Queryable,
    private readonly table: string,
    private readonly calendarId = 'main',
  ) {}

  async day(): Promise<BusinessDay | null> {
    const { rows } = await this.pool.query(`SELECT status, open_business_date, last_closed, started_on FROM ${this.table} WHERE calendar_id = $1`, [
      this.calendarId,
    ]);
    const r = rows[0] as CalendarCopyRow | undefined;
    if (!r || !isBusinessDate(r.open_business_date)) return null;
    return { status: r.status === 'closing' ? 'closing' : 'open', openBusinessDate: r.open_business_date, lastClosed: r.last_closed, startedOn: r.started_on };
  }

  /** The open business date, or CALENDAR_NOT_STARTED. */
  async today(): Promise<BusinessDate | DomainError> {
    const day = await this.day();
    return (
      day?.openBusinessDate ??
      domainError(
        'CALENDAR_NOT_STARTED',
        'the business calendar has not been started, so there is no business date yet: start it with POST /loans/calendar {"openBusinessDate": "YYYY-MM-DD"} (service or admin)',
        undefined,
        'conflict',
      )
    );
  }

  /** The open business date for an HTTP request: 409 CALENDAR_NOT_STARTED as a problem response before the calendar starts. */
  async todayOrThrow(): Promise<BusinessDate> {
    const today = await this.today();
    if (isDomainError(today)) throw domainProblem(today);
    return today;
  }

  /**
   * For a command that states "today" (an activation's `businessDate`): the open business date,
   * which a stated date must equal. The business date is Loans' calendar's, never the caller's:
   * 422 BUSINESS_DATE_NOT_OPEN otherwise.
   */
  async statedToday(stated: BusinessDate | undefined): Promise<BusinessDate> {
    const open = await this.todayOrThrow();
    if (stated !== undefined && stated !== open) {
      throw new ProblemException(
        problem(
          422,
          'BUSINESS_DATE_NOT_OPEN',
          'Not the open business date',
          `The open business date is ${open} (Loans' calendar); ${stated} cannot be stated as today.`,
          {
            details: { businessDate: stated, openBusinessDate: open },
          },
        ),
      );
    }
    return open;
  }
}
