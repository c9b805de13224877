import { addDays } from '#kernel';
import { deciderSpec } from '#kernel/testing';
import {
  DEFAULT_PRODUCT_SETTINGS,
  WORKING_DAY_CALENDAR,
  isWorkingDay,
  loanDecider,
  nextWorkingDay,
  project,
  type LoanRegistered,
  type ProductSettings,
} from '#loans';
import { closeDays, history, registerLoan, stateAfter } from './fixtures.js';

const spec = deciderSpec(loanDecider);

/** Due dates on China's 2024 calendar (国办发明电〔2023〕7号): Qingming, Labour Day, a Saturday, a make-up Sunday, National Day. */
const SCHEDULE = [
  { seq: 1, dueDate: '2024-04-04', principal: 60_000, interest: 1_000 }, // 清明 holiday (4–6 April) → Sunday 7 April, a make-up working day
  { seq: 2, dueDate: '2024-05-01', principal: 60_000, interest: 1_000 }, // 劳动节 (1–5 May) → Monday 6 May
  { seq: 3, dueDate: '2024-06-01', principal: 60_000, interest: 1_000 }, // a Saturday → Monday 3 June
  { seq: 4, dueDate: '2024-09-29', principal: 60_000, interest: 1_000 }, // a Sunday, but a make-up working day: kept
  { seq: 5, dueDate: '2024-10-01', principal: 60_000, interest: 1_000 }, // 国庆节 (1–7 October) → Tuesday 8 October
];
const ROLLING: ProductSettings = { ...DEFAULT_PRODUCT_SETTINGS, dueDateRoll: 'NEXT_WORKING_DAY' };
const register = (product: ProductSettings) =>
  registerLoan({ principal: 300_000, termMonths: 7, disbursementDate: '2024-03-01', businessDate: '2024-03-01', schedule: SCHEDULE, product });

describe('working days and due dates rolled to the next working day', () => {
  it("knows China's holidays and make-up working days", () => {
    expect(['2024-04-04', '2024-04-07', '2024-05-03', '2024-05-11', '2024-06-01', '2024-10-07', '2024-10-08'].map((d) => [d, isWorkingDay(d)])).toEqual([
      ['2024-04-04', false],
      ['2024-04-07', true],
      ['2024-05-03', false],
      ['2024-05-11', true],
      ['2024-06-01', false],
      ['2024-10-07', false],
      ['2024-10-08', true],
    ]);
    expect(nextWorkingDay('2024-10-01')).toBe('2024-10-08');
    expect(nextWorkingDay('2024-10-08')).toBe('2024-10-08');
    expect(WORKING_DAY_CALENDAR.id).toMatch(/^CN\/chinese-days@\d+\.\d+\.\d+$/);
    expect(WORKING_DAY_CALENDAR.coveredThrough >= '2026-12-31').toBe(true);
  });

  it('a product that rolls records the rolled due dates, the contractual ones beside them, and the calendar used', () => {
    const [registered] = spec.given([]).when(register(ROLLING)).thenTypes(['LoanRegistered']) as LoanRegistered[];
    expect(registered.data.schedule.map((i) => [i.seq, i.contractualDueDate ?? null, i.dueDate])).toEqual([
      [1, '2024-04-04', '2024-04-07'],
      [2, '2024-05-01', '2024-05-06'],
      [3, '2024-06-01', '2024-06-03'],
      [4, null, '2024-09-29'],
      [5, '2024-10-01', '2024-10-08'],
    ]);
    expect(registered.data.product).toMatchObject({ dueDateRoll: 'NEXT_WORKING_DAY', workingDayCalendar: WORKING_DAY_CALENDAR.id });
  });

  it('DPD counts from the rolled due date: nothing is past due over the holiday, one day the day after it', () => {
    const events = history(register(ROLLING), ...closeDays('2024-03-02', '2024-04-07'));
    expect(events.map((e) => e.type)).not.toContain('LoanBecameDelinquent');
    const state = stateAfter(events);
    if (state.status === 'Unregistered') throw new Error('no loan');
    expect(project(state.facts, '2024-04-07').dpd).toBe(0);
    spec
      .given(events)
      .when({ type: 'CloseBusinessDay', data: { loanId: state.facts.terms.loanId, businessDate: '2024-04-08' } })
      .thenTypes(['LoanBecameDelinquent', 'DelinquencyStageChanged']);
    expect(project(state.facts, '2024-04-08').dpd).toBe(1);
  });

  it('by default due dates stay as core banking sent them', () => {
    const [registered] = spec.given([]).when(register(DEFAULT_PRODUCT_SETTINGS)).thenTypes(['LoanRegistered']) as LoanRegistered[];
    expect(registered.data.schedule.map((i) => i.dueDate)).toEqual(SCHEDULE.map((i) => i.dueDate));
    expect(registered.data.schedule.some((i) => 'contractualDueDate' in i)).toBe(false);
    const state = stateAfter(history(register(DEFAULT_PRODUCT_SETTINGS)));
    if (state.status === 'Unregistered') throw new Error('no loan');
    expect(project(state.facts, addDays('2024-04-04', 1)).dpd).toBe(1);
  });

  it('refuses an unknown roll convention', () => {
    spec
      .given([])
      .when(register({ ...DEFAULT_PRODUCT_SETTINGS, dueDateRoll: 'PRECEDING' as never }))
      .thenError('INVALID_PRODUCT_SETTINGS');
  });
});
