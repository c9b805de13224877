import type { RecordedEvent } from '#kernel';
import type { IntegrationEvent, IntegrationMapper } from '#messaging';
import type { CalendarEvent } from '../domain/calendar.js';
import type { LoanEvent, LoanRegistered } from '../domain/loan/events.js';
import { CALENDAR_STREAM, loanStream } from '../application/streams.js';

/**
 * Loans on Kafka: `arrears.loans.v1`, CloudEvents type `arrears.loans.<EventType>`, version 1.
 *
 * - Loan events are keyed by loan id (one loan's events stay in order) and their data leads with
 *   `loanId` (the domain events name the loan only in their stream). LoanRegistered is published
 *   with its terms and schedule but without the product settings copied onto the loan (internal
 *   configuration); every other published loan event as recorded. Events carry ids, dates, fen
 *   amounts and codes only: the borrower is a customerId.
 * - DelinquencyRestated (a correction changed the delinquency history) carries the episodes, stage
 *   spells and payments while past due before and after it, and names the correcting fact.
 * - LoanWrittenOff (the four-eyes write-off: amounts taken off the books, who asked and who
 *   approved) and RecoveryReceived (money recovered afterwards) are for accounting; write-off
 *   requests and rejections stay internal.
 * - LoanSettled (a settlement paid by its date: the forgiven principal, interest and penalty, who
 *   proposed and who approved; LoanPaidOff follows) is for accounting, and SettlementLapsed says an
 *   offer ended unpaid; proposals, approvals and rejections stay internal.
 * - Penalty accruals and restatements stay internal: one a loan a day, and the delinquency events
 *   carry the amounts overdue.
 * - The business calendar, keyed by the calendar id (`main`): BusinessCalendarStarted (the first
 *   open date), BusinessDayClosed (the open date is being closed; its end of day runs) and
 *   EndOfDayCompleted (every loan's events for the business date are stored, and which date is
 *   open now). The one business clock: every context's copy of it folds these three.
 */
export const LOANS_TOPIC = 'arrears.loans.v1';

const SCHEMAS = 'https://arrears.dev/asyncapi#/components/schemas';

export const PUBLISHED_LOAN_EVENTS = [
  'LoanRegistered',
  'PaymentReceived',
  'PaymentReversed',
  'CollectionHoldStarted',
  'CollectionHoldEnded',
  'ScheduleRestructured',
  'LoanBecameDelinquent',
  'DelinquencyStageChanged',
  'LoanCured',
  'LoanPaidOff',
  'LoanReopened',
  'LoanWrittenOff',
  'RecoveryReceived',
  'LoanSettled',
  'SettlementLapsed',
  'PenaltyWaived',
  'DelinquencyRestated',
] as const satisfies readonly LoanEvent['type'][];

const PUBLISHED_CALENDAR_EVENTS = ['BusinessCalendarStarted', 'BusinessDayClosed', 'EndOfDayCompleted'] as const satisfies readonly CalendarEvent['type'][];

const LOAN_STREAM_PREFIX = loanStream('');

function loanContract(event: RecordedEvent, loanId: string): unknown {
  if (event.type === 'LoanRegistered') {
    const { product: _product, ...published } = (event as unknown as LoanRegistered).data;
    return published;
  }
  return { loanId, ...(event.data as object) };
}

export const loansIntegrationEvents: IntegrationMapper[] = [
  {
    eventTypes: [...PUBLISHED_LOAN_EVENTS, ...PUBLISHED_CALENDAR_EVENTS],
    topic: LOANS_TOPIC,
    map(event): IntegrationEvent | null {
      const schema = { type: `arrears.loans.${event.type}`, dataschema: `${SCHEMAS}/Loans${event.type}V1` };
      if (event.streamId.startsWith(LOAN_STREAM_PREFIX)) {
        const loanId = event.streamId.slice(LOAN_STREAM_PREFIX.length);
        return { key: loanId, ...schema, data: loanContract(event, loanId) };
      }
      if (event.streamId === CALENDAR_STREAM && (PUBLISHED_CALENDAR_EVENTS as readonly string[]).includes(event.type)) {
        const d = (event as unknown as CalendarEvent).data;
        return { key: d.calendarId, ...schema, data: d };
      }
      return null;
    },
  },
];
