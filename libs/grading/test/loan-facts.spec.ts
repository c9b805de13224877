import type { LoanEvent } from '#loans';
import { reportedDpdOn as dpdOn } from '#loans';
import { foldLoanEvent, loanBalance, type LoanRecord } from '../src/domain/loan-facts.js';
import { registered } from './fixtures.js';

function fold(events: LoanEvent[]): LoanRecord | undefined {
  return events.reduce<LoanRecord | undefined>((r, e) => foldLoanEvent(r, 'L1', e), undefined);
}

const delinquent = (dpd: number, asOf: string): LoanEvent => ({
  type: 'LoanBecameDelinquent',
  data: { dpd, stage: 'M1', overdueAmount: 103_000, oldestUnpaidDueDate: '2025-02-15', asOf },
});
const stage = (dpd: number, asOf: string): LoanEvent => ({
  type: 'DelinquencyStageChanged',
  data: { from: 'M1', to: 'M2', dpd, overdueAmount: 205_000, asOf },
});
const cured = (asOf: string): LoanEvent => ({ type: 'LoanCured', data: { asOf, overdueAmount: 0 } });
const payment = (reference: string, amount: number, principal: number, on: string): LoanEvent => ({
  type: 'PaymentReceived',
  data: {
    reference,
    amount,
    valueDate: on,
    businessDate: on,
    allocations: [
      { seq: 1, component: 'interest', amount: amount - principal },
      { seq: 1, component: 'principal', amount: principal },
    ],
    unapplied: 0,
  },
});

describe("Grading's loan records, folded from Loans' published events", () => {
  it('starts from the registration, with the customer id (the only event that carries it)', () => {
    expect(fold([registered()])).toMatchObject({
      loanId: 'L1',
      customerId: 'C1',
      principal: 300_000,
      principalPaid: 0,
      disbursementDate: '2025-01-15',
      delinquent: false,
    });
  });

  it('ignores events of a loan it never saw registered', () => {
    expect(fold([delinquent(1, '2025-02-16')])).toBeUndefined();
  });

  it('a delinquency opens an episode from its first day past due; stage changes raise its peak; a cure closes it', () => {
    const r = fold([registered(), delinquent(3, '2025-02-18'), stage(31, '2025-03-18'), cured('2025-03-25')])!;
    expect(r.episodes).toEqual([{ start: '2025-02-16', end: '2025-03-25', maxDpd: 37 }]);
    expect(r).toMatchObject({ delinquent: false, dpd: 0, dpdAsOf: '2025-03-25' });
  });

  it('days past due are extrapolated from the last report while the loan stays past due', () => {
    const r = fold([registered(), delinquent(3, '2025-02-18')])!;
    expect(dpdOn(r, '2025-02-18')).toBe(3);
    expect(dpdOn(r, '2025-03-01')).toBe(14);
  });

  it('principal repaid comes from the payment allocations; a reversal takes it back', () => {
    const paid = fold([registered(), payment('PAY-1', 103_000, 100_000, '2025-02-15')])!;
    expect(loanBalance(paid)).toBe(200_000);
    const reversed = foldLoanEvent(paid, 'L1', {
      type: 'PaymentReversed',
      data: { reference: 'PAY-1', amount: 103_000, valueDate: '2025-02-15', reason: 'returned', businessDate: '2025-02-20' },
    })!;
    expect(loanBalance(reversed)).toBe(300_000);
  });

  it('a payment while past due is recorded as partial when it leaves the overdue amount unpaid', () => {
    const r = fold([
      registered(),
      delinquent(5, '2025-02-20'),
      payment('PAY-1', 50_000, 47_000, '2025-02-21'),
      payment('PAY-2', 103_000, 100_000, '2025-02-22'),
    ])!;
    expect(r.overduePayments).toEqual([
      { on: '2025-02-21', partial: true },
      { on: '2025-02-22', partial: false },
    ]);
  });

  it('a restructuring records its new due dates and the days past due it replaced', () => {
    const r = fold([
      registered(),
      delinquent(20, '2025-03-06'),
      {
        type: 'ScheduleRestructured',
        data: {
          restructuringId: 'RS-1',
          effectiveDate: '2025-03-10',
          businessDate: '2025-03-10',
          replacedSeqs: [1, 2, 3],
          restructuredPrincipal: 300_000,
          supersededInterest: 6_000,
          supersededPenalty: 0,
          newSchedule: [
            { seq: 5, dueDate: '2025-05-15', principal: 150_000, interest: 3_000 },
            { seq: 4, dueDate: '2025-04-15', principal: 150_000, interest: 3_000 },
          ],
        },
      },
    ])!;
    expect(r.restructurings).toEqual([{ restructuringId: 'RS-1', effectiveDate: '2025-03-10', dueDates: ['2025-04-15', '2025-05-15'], dpdBefore: 24 }]);
    expect(loanBalance(r)).toBe(300_000);
  });

  it('a paid-off loan owes nothing and is not past due; reopened, it owes again', () => {
    const r = fold([registered(), delinquent(2, '2025-02-17'), { type: 'LoanPaidOff', data: { asOf: '2025-02-20', paidOffOn: '2025-02-20' } }])!;
    expect(r).toMatchObject({ paidOff: true, delinquent: false });
    expect(loanBalance(r)).toBe(0);
    expect(r.episodes[0].end).toBe('2025-02-20');
    const reopened = foldLoanEvent(r, 'L1', { type: 'LoanReopened', data: { asOf: '2025-02-25', outstandingAmount: 300_000 } })!;
    expect(loanBalance(reopened)).toBe(300_000);
  });
});
