import { addDays, decideAll, isDomainError, type Actor, type BusinessDate, type Fen } from '#kernel';
import {
  CALENDAR_ID,
  CALENDAR_STREAM,
  DEFAULT_PRODUCT_SETTINGS,
  loanDecider,
  type BusinessCalendar,
  type CalendarCommand,
  type CalendarEvent,
  type LoanCommand,
  type LoanEvent,
  type LoanRegistered,
  type LoanState,
  type LoanTerms,
  type ProductSettings,
  type RegisterLoan,
} from '#loans';

/**
 * A three-month loan of 3,000.00 yuan disbursed 2024-01-15: installments due on the 15th of
 * February, March and April, 1,000.00 principal each plus 30.00 / 20.00 / 10.00 interest.
 */
export const LOAN = 'loan-1';
export const DISBURSED = '2024-01-15';
export const DUE1 = '2024-02-15';
export const DUE2 = '2024-03-15';
export const DUE3 = '2024-04-15';
export const INSTALLMENT1 = 103_000; // fen
export const INSTALLMENT2 = 102_000;
export const INSTALLMENT3 = 101_000;

export const SCHEDULE = [
  { seq: 1, dueDate: DUE1, principal: 100_000, interest: 3_000 },
  { seq: 2, dueDate: DUE2, principal: 100_000, interest: 2_000 },
  { seq: 3, dueDate: DUE3, principal: 100_000, interest: 1_000 },
];

/** 18.25% a year: exactly 50 fen a day on 1,000.00 of overdue principal. */
export const PENALTY_PRODUCT: ProductSettings = { ...DEFAULT_PRODUCT_SETTINGS, penaltyAnnualRateBps: 1825 };
export const PAUSING_PRODUCT: ProductSettings = { ...DEFAULT_PRODUCT_SETTINGS, holdDaysCountTowardDpd: false };

/** The loan's terms as core banking books them. */
const TERMS: LoanTerms = {
  loanId: LOAN,
  customerId: 'cust-42',
  productCode: 'CASH-3M',
  principal: 300_000,
  annualRateBps: 1200,
  termMonths: 3,
  disbursementDate: DISBURSED,
  timeZone: 'Asia/Shanghai',
};

export function registerLoan(overrides: Partial<RegisterLoan['data']> = {}): RegisterLoan {
  return { type: 'RegisterLoan', data: { ...TERMS, schedule: SCHEDULE, businessDate: DISBURSED, ...overrides } };
}

export function loanRegistered(product: ProductSettings = DEFAULT_PRODUCT_SETTINGS): LoanRegistered {
  return { type: 'LoanRegistered', data: { ...TERMS, schedule: SCHEDULE, product, registeredOn: DISBURSED } };
}

/** A two-month loan of 2,000.00 yuan for `cust-<loanId>`, as core banking books it. */
export const twoMonthLoan = (loanId: string, disbursementDate: BusinessDate): LoanTerms => ({
  loanId,
  customerId: `cust-${loanId}`,
  productCode: 'CASH-2M',
  principal: 200_000,
  annualRateBps: 1200,
  termMonths: 2,
  disbursementDate,
  timeZone: 'Asia/Shanghai',
});

/** Runs a command on the business calendar's stream, as `actor` at `occurredAt`, for the context's `name`. */
export const onCalendar = (calendar: BusinessCalendar, command: CalendarCommand, name: string, actor: Actor, occurredAt: string) =>
  calendar.repository.handle(CALENDAR_STREAM, command, { command: name, actor, occurredAt });

/** Starts the business calendar on `openBusinessDate`; throws if it refuses. */
export async function startBusinessCalendar(calendar: BusinessCalendar, openBusinessDate: BusinessDate, actor: Actor, occurredAt: string): Promise<void> {
  const command: CalendarCommand = { type: 'StartCalendar', data: { calendarId: CALENDAR_ID, openBusinessDate } };
  const started = await onCalendar(calendar, command, 'StartBusinessCalendar', actor, occurredAt);
  if (isDomainError(started)) throw new Error(started.code);
}

/** The business calendar's events (calendar `main`). */
export const calendarStarted = (openBusinessDate: BusinessDate): CalendarEvent => ({
  type: 'BusinessCalendarStarted',
  data: { calendarId: 'main', openBusinessDate },
});

export const dayClosed = (businessDate: BusinessDate, nextBusinessDate: BusinessDate): CalendarEvent => ({
  type: 'BusinessDayClosed',
  data: { calendarId: 'main', businessDate, nextBusinessDate },
});

export const endOfDayCompleted = (
  businessDate: BusinessDate,
  openBusinessDate: BusinessDate,
  counts = { candidates: 3, loansChanged: 2, events: 4 },
): CalendarEvent => ({ type: 'EndOfDayCompleted', data: { calendarId: 'main', businessDate, openBusinessDate, ...counts } });

export const pay = (reference: string, amount: Fen, valueDate: BusinessDate, businessDate: BusinessDate = valueDate): LoanCommand => ({
  type: 'PostPayment',
  data: { loanId: LOAN, reference, amount, valueDate, businessDate },
});

export const reverse = (reference: string, businessDate: BusinessDate, reason = 'returned by the payer bank'): LoanCommand => ({
  type: 'ReversePayment',
  data: { loanId: LOAN, reference, reason, businessDate },
});

export const close = (businessDate: BusinessDate): LoanCommand => ({ type: 'CloseBusinessDay', data: { loanId: LOAN, businessDate } });

/** Closes every business day from `from` through `through`. */
export const closeDays = (from: BusinessDate, through: BusinessDate): LoanCommand[] => {
  const commands: LoanCommand[] = [];
  for (let d = from; d <= through; d = addDays(d, 1)) commands.push(close(d));
  return commands;
};

export const startHold = (holdId: string, from: BusinessDate, businessDate: BusinessDate, reason = 'complaint under review'): LoanCommand => ({
  type: 'StartCollectionHold',
  data: { loanId: LOAN, holdId, reason, from, businessDate },
});

export const endHold = (holdId: string, to: BusinessDate, businessDate: BusinessDate): LoanCommand => ({
  type: 'EndCollectionHold',
  data: { loanId: LOAN, holdId, to, businessDate },
});

export const restructure = (
  restructuringId: string,
  effectiveDate: BusinessDate,
  newSchedule: Array<{ dueDate: BusinessDate; principal: Fen; interest: Fen }>,
  businessDate: BusinessDate = effectiveDate,
): LoanCommand => ({ type: 'RestructureSchedule', data: { loanId: LOAN, restructuringId, effectiveDate, newSchedule, businessDate } });

/**
 * Runs commands through the decider from a fresh (or given) history and returns every event, to set
 * up the `given` of a test. Fails loudly if a setup command is rejected.
 */
export function history(first: LoanCommand | readonly LoanEvent[], ...commands: LoanCommand[]): LoanEvent[] {
  return Array.isArray(first) ? decideAll(loanDecider, commands, first) : decideAll(loanDecider, [first as LoanCommand, ...commands]);
}

export const stateAfter = (events: readonly LoanEvent[]): LoanState => events.reduce(loanDecider.evolve, loanDecider.initialState());

/**
 * The loan decider without the restatements a correction publishes (`DelinquencyRestated`), for the
 * tests about the position events; `restatement.spec.ts` tests the restatements themselves.
 */
export const positionDecider: typeof loanDecider = {
  ...loanDecider,
  decide(command, state) {
    const result = loanDecider.decide(command, state);
    return isDomainError(result) ? result : result.filter((e) => e.type !== 'DelinquencyRestated');
  },
};
