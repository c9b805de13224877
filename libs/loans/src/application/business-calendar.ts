import { domainError, fold, type BusinessDate, type DomainError, type RecordedEvent } from '#kernel';
import { AggregateRepository, type EventStore } from '#eventstore';
import { calendarDecider, factBusinessDate, type CalendarCommand, type CalendarEvent, type CalendarState } from '../domain/calendar.js';
import { CALENDAR_STREAM } from './streams.js';

/** Reads and drives the business calendar stream. */
export class BusinessCalendar {
  readonly repository: AggregateRepository<CalendarCommand, CalendarEvent, CalendarState>;

  constructor(private readonly store: EventStore) {
    this.repository = new AggregateRepository(store, calendarDecider);
  }

  /** The calendar's state, from its last event alone (one indexed read). */
  async state(): Promise<CalendarState> {
    const last = await this.store.readStream(CALENDAR_STREAM, { direction: 'backwards', maxCount: 1 });
    return fold(calendarDecider.evolve, calendarDecider.initialState(), last as unknown as CalendarEvent[]);
  }

  /** The business date a fact arriving now is recorded on. */
  async factDate(): Promise<BusinessDate | DomainError> {
    const date = factBusinessDate(await this.state());
    return (
      date ??
      domainError(
        'CALENDAR_NOT_STARTED',
        'the business calendar has not been started; start it before recording loan facts: POST /loans/calendar {"openBusinessDate": "YYYY-MM-DD"} (service or admin)',
        undefined,
        'conflict',
      )
    );
  }

  /** The `BusinessDayClosed` event of a date, or null when that date was never closed. */
  async closedEvent(date: BusinessDate): Promise<RecordedEvent | null> {
    // Closes are at most two events apart from the end; look back a little further to be safe.
    const recent = await this.store.readStream(CALENDAR_STREAM, { direction: 'backwards', maxCount: 16 });
    const hit = recent.find((e) => e.type === 'BusinessDayClosed' && (e.data as { businessDate: string }).businessDate === date);
    if (hit) return hit;
    const all = await this.store.readStream(CALENDAR_STREAM);
    return all.find((e) => e.type === 'BusinessDayClosed' && (e.data as { businessDate: string }).businessDate === date) ?? null;
  }
}
