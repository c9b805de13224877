import type { RecordedEvent } from '#kernel';
import type {
  DelinquencyRestated,
  DelinquencyStageChanged,
  LoanBecameDelinquent,
  LoanCured,
  LoanRegistered,
  PaymentReceived,
  PaymentReversed,
  RecoveryReceived,
  ScheduleRestructured,
} from '#loans';
import type { Installment, ObservationDraft, PaymentPart } from '../../domain/observations.js';
import { dataOf, dateOf, entityId, str } from './common.js';

/**
 * Loans → monitoring. Stream `loans.loan-<loanId>`; only LoanRegistered names the customer, so the
 * projections keep their own loan → customer map. Field by field (from `#loans`):
 * - LoanRegistered { loanId, customerId, principal, schedule[{seq, dueDate, principal, interest}], registeredOn }
 * - PaymentReceived { reference, amount, valueDate, businessDate, allocations[{seq, component, amount}] }
 * - PaymentReversed { reference, amount, businessDate }
 * - RecoveryReceived { reference, amount, valueDate, businessDate } (money on a written-off loan)
 * - LoanBecameDelinquent { dpd, stage, overdueAmount, asOf }
 * - DelinquencyStageChanged { from, to, dpd, overdueAmount, asOf }
 * - LoanCured { asOf, overdueAmount }; LoanPaidOff { asOf }; LoanReopened { asOf }
 * - ScheduleRestructured { businessDate, replacedSeqs, newSchedule[{seq, dueDate, principal, interest}] }
 * - DelinquencyRestated { asOf, correction{type, ref, effectiveFrom, recordedOn}, after.stages[{stage, from, to}] }
 * - EndOfDayCompleted { calendarId, businessDate } (stream `loans.calendar-<id>`: every loan has been
 *   evaluated for the date, so the day's loan facts precede it in the global order)
 */
export const LOAN_EVENT_TYPES = [
  'LoanRegistered',
  'PaymentReceived',
  'PaymentReversed',
  'RecoveryReceived',
  'LoanBecameDelinquent',
  'DelinquencyStageChanged',
  'LoanCured',
  'LoanPaidOff',
  'LoanReopened',
  'ScheduleRestructured',
  'DelinquencyRestated',
] as const;

/**
 * Events that say a business day is over (the cadence of effectiveness reviews). Not Loans'
 * `BusinessDayClosed`: it comes before the day's evaluation, so the day's facts would follow it.
 */
export const DAY_CLOSE_EVENT_TYPES = ['EndOfDayCompleted'] as const;

/** What each installment of a schedule asks for: principal plus interest. */
function installments(schedule: LoanRegistered['data']['schedule']): Installment[] {
  return schedule.map((i) => ({ seq: i.seq, dueDate: i.dueDate, owed: i.principal + i.interest }));
}

export function fromLoans(event: RecordedEvent): ObservationDraft[] {
  const base = { sourceEventId: event.eventId };
  const loanId = entityId(event, 'loanId');
  /** Money in, as Loans reported it: a payment with its parts, or a recovery on a written-off loan. */
  const paymentMade = (
    d: Pick<PaymentReceived['data'], 'reference' | 'amount' | 'valueDate'>,
    parts: PaymentPart[],
    recovery?: { recovery: true },
  ): ObservationDraft => ({
    ...base,
    kind: 'PaymentMade',
    on: dateOf(event, 'businessDate', 'valueDate'),
    loanId,
    reference: d.reference,
    amount: d.amount,
    valueDate: d.valueDate,
    parts,
    ...recovery,
  });
  switch (event.type) {
    case 'LoanRegistered': {
      const d = (event as RecordedEvent<LoanRegistered['data']>).data;
      return [
        {
          ...base,
          kind: 'LoanOpened',
          on: dateOf(event, 'disbursementDate', 'registeredOn'),
          loanId: d.loanId,
          customerId: d.customerId,
          principal: d.principal,
          installments: installments(d.schedule),
        },
      ];
    }
    case 'PaymentReceived': {
      const d = (event as RecordedEvent<PaymentReceived['data']>).data;
      const bySeq = new Map<number, { paid: number; principal: number }>();
      for (const a of d.allocations ?? []) {
        if (a.component === 'penalty') continue;
        const part = bySeq.get(a.seq) ?? { paid: 0, principal: 0 };
        part.paid += a.amount;
        if (a.component === 'principal') part.principal += a.amount;
        bySeq.set(a.seq, part);
      }
      const parts: PaymentPart[] = [...bySeq.entries()].sort(([a], [b]) => a - b).map(([seq, p]) => ({ seq, ...p }));
      return [paymentMade(d, parts)];
    }
    case 'RecoveryReceived':
      return [paymentMade((event as RecordedEvent<RecoveryReceived['data']>).data, [], { recovery: true })];
    case 'PaymentReversed': {
      const d = (event as RecordedEvent<PaymentReversed['data']>).data;
      return [{ ...base, kind: 'PaymentReversed', on: dateOf(event, 'businessDate'), loanId, reference: d.reference, amount: d.amount }];
    }
    case 'LoanBecameDelinquent': {
      const d = (event as RecordedEvent<LoanBecameDelinquent['data']>).data;
      return [{ ...base, kind: 'LoanStageChanged', on: dateOf(event, 'asOf'), loanId, from: 'M0', to: d.stage, dpd: d.dpd, overdue: d.overdueAmount }];
    }
    case 'DelinquencyStageChanged': {
      const d = (event as RecordedEvent<DelinquencyStageChanged['data']>).data;
      return [{ ...base, kind: 'LoanStageChanged', on: dateOf(event, 'asOf'), loanId, from: d.from, to: d.to, dpd: d.dpd, overdue: d.overdueAmount }];
    }
    case 'LoanCured': {
      const d = (event as RecordedEvent<LoanCured['data']>).data;
      return [{ ...base, kind: 'LoanStageChanged', on: dateOf(event, 'asOf'), loanId, from: null, to: 'M0', dpd: 0, overdue: d.overdueAmount ?? 0 }];
    }
    case 'LoanPaidOff':
      return [{ ...base, kind: 'LoanPaidOff', on: dateOf(event, 'asOf', 'paidOffOn'), loanId }];
    case 'LoanReopened':
      return [{ ...base, kind: 'LoanReopened', on: dateOf(event, 'asOf'), loanId }];
    case 'ScheduleRestructured': {
      const d = (event as RecordedEvent<ScheduleRestructured['data']>).data;
      const on = dateOf(event, 'businessDate', 'effectiveDate');
      return [{ ...base, kind: 'ScheduleReplaced', on, loanId, replacedSeqs: d.replacedSeqs, installments: installments(d.newSchedule) }];
    }
    case 'DelinquencyRestated': {
      const d = (event as RecordedEvent<DelinquencyRestated['data']>).data;
      return [{ ...base, kind: 'LoanHistoryRestated', on: dateOf(event, 'asOf'), loanId, correction: d.correction, stages: d.after.stages }];
    }
    case 'EndOfDayCompleted': {
      if (!str(dataOf(event).businessDate)) return [];
      const businessDate = dateOf(event, 'businessDate');
      return businessDate ? [{ ...base, kind: 'BusinessDayClosed', on: businessDate, businessDate }] : [];
    }
    default:
      return [];
  }
}
