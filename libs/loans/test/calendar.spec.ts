import { deciderSpec } from '#kernel/testing';
import { calendarDecider, factBusinessDate, type CalendarCommand } from '#loans';
import { calendarStarted, dayClosed, endOfDayCompleted } from './fixtures.js';

const spec = deciderSpec(calendarDecider);
const started = calendarStarted('2024-02-14');
const start = (openBusinessDate: string): CalendarCommand => ({ type: 'StartCalendar', data: { calendarId: 'main', openBusinessDate } });
const close = (businessDate: string): CalendarCommand => ({ type: 'CloseDay', data: { calendarId: 'main', businessDate } });
const complete = (businessDate: string): CalendarCommand => ({
  type: 'CompleteEndOfDay',
  data: { calendarId: 'main', businessDate, candidates: 3, loansChanged: 2, events: 4 },
});

describe('business calendar', () => {
  it('starts once; the same start again is a no-op, another is a conflict', () => {
    spec.given([]).when(start('2024-02-14')).then([started]);
    spec.given([started]).when(start('2024-02-14')).then([]);
    expect(spec.given([started]).when(start('2024-02-15')).thenError('CALENDAR_ALREADY_STARTED').category).toBe('conflict');
    expect(spec.given([]).when(close('2024-02-14')).thenError('CALENDAR_NOT_STARTED').category).toBe('conflict');
  });

  it('closes the open date only: a later date is a skipped day, an earlier one already closed', () => {
    spec
      .given([started])
      .when(close('2024-02-14'))
      .then([dayClosed('2024-02-14', '2024-02-15')]);
    const skipped = spec.given([started]).when(close('2024-02-15')).thenError('BUSINESS_DAY_SKIPPED');
    expect(skipped).toMatchObject({ category: 'rule', details: { businessDate: '2024-02-15', openBusinessDate: '2024-02-14' } });
    const history = [started, dayClosed('2024-02-14', '2024-02-15'), endOfDayCompleted('2024-02-14', '2024-02-15')];
    expect(spec.given(history).when(close('2024-02-14')).thenError('BUSINESS_DAY_ALREADY_CLOSED').category).toBe('conflict');
    spec
      .given(history)
      .when(close('2024-02-15'))
      .then([dayClosed('2024-02-15', '2024-02-16')]);
    spec.given([started]).when(close('2024-02-31')).thenError('INVALID_DATE');
  });

  it('keeps facts on the closing date until its end of day completes, then opens the next day', () => {
    expect(factBusinessDate(spec.given([]).state)).toBeNull();
    expect(factBusinessDate(spec.given([started]).state)).toBe('2024-02-14');
    const closing = [started, dayClosed('2024-02-14', '2024-02-15')];
    expect(factBusinessDate(spec.given(closing).state)).toBe('2024-02-14');
    expect(spec.given(closing).when(close('2024-02-15')).thenError('END_OF_DAY_IN_PROGRESS').category).toBe('conflict');
    spec.given(closing).when(close('2024-02-14')).then([]);
    spec
      .given(closing)
      .when(complete('2024-02-14'))
      .then([endOfDayCompleted('2024-02-14', '2024-02-15')]);
    const done = [...closing, endOfDayCompleted('2024-02-14', '2024-02-15')];
    expect(factBusinessDate(spec.given(done).state)).toBe('2024-02-15');
    spec.given(done).when(complete('2024-02-14')).then([]);
    spec.given(done).when(complete('2024-02-15')).thenError('END_OF_DAY_NOT_RUNNING');
  });
});
