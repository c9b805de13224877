import { fold, type RecordedEvent } from '#kernel';
import { calendarDecider, evolveCalendarCopy, factBusinessDate, type CalendarCopyRow, type CalendarEvent } from '#loans';
import { calendarStarted, dayClosed, endOfDayCompleted } from './fixtures.js';

/** A context's copy of the calendar says what Loans' calendar says: the date facts are on. */
const started = calendarStarted('2025-02-14');
const completed = (businessDate: string, openBusinessDate: string) =>
  endOfDayCompleted(businessDate, openBusinessDate, { candidates: 0, loansChanged: 0, events: 0 });

function copyOf(events: CalendarEvent[]): CalendarCopyRow | undefined {
  let row: CalendarCopyRow | undefined;
  for (const e of events) row = evolveCalendarCopy(row, e as unknown as RecordedEvent) ?? row;
  return row;
}

describe("a context's copy of the business calendar", () => {
  const histories: [string, CalendarEvent[]][] = [
    ['just started', [started]],
    ['closing the first day', [started, dayClosed('2025-02-14', '2025-02-15')]],
    ['after the first end of day', [started, dayClosed('2025-02-14', '2025-02-15'), completed('2025-02-14', '2025-02-15')]],
    ['closing the second day', [started, dayClosed('2025-02-14', '2025-02-15'), completed('2025-02-14', '2025-02-15'), dayClosed('2025-02-15', '2025-02-16')]],
  ];

  it.each(histories)('%s: the open business date is the date Loans dates facts on', (_what, events) => {
    const loans = factBusinessDate(fold(calendarDecider.evolve, calendarDecider.initialState(), events));
    expect(copyOf(events)?.open_business_date).toBe(loans);
  });

  it('keeps the first day, the last closed day and whether a day is closing', () => {
    expect(copyOf(histories[3][1])).toEqual({
      calendar_id: 'main',
      status: 'closing',
      open_business_date: '2025-02-15',
      last_closed: '2025-02-15',
      started_on: '2025-02-14',
    });
    expect(copyOf(histories[2][1])).toEqual({
      calendar_id: 'main',
      status: 'open',
      open_business_date: '2025-02-15',
      last_closed: '2025-02-14',
      started_on: '2025-02-14',
    });
    expect(evolveCalendarCopy(undefined, { type: 'LoanRegistered', data: {} } as unknown as RecordedEvent)).toBeUndefined();
  });
});
