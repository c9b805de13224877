import { deciderSpec } from '#kernel/testing';
import { DEFAULT_PRODUCT_SETTINGS, type DelinquencyStage, type LoanEvent } from '#loans';
import {
  DUE1,
  DUE2,
  INSTALLMENT1,
  INSTALLMENT2,
  PENALTY_PRODUCT,
  SCHEDULE,
  close,
  closeDays,
  history,
  loanRegistered,
  pay,
  positionDecider,
  restructure,
  reverse,
  stateAfter,
} from './fixtures.js';

const spec = deciderSpec(positionDecider);

const received = (
  reference: string,
  amount: number,
  valueDate: string,
  businessDate: string,
  allocations: Array<[number, 'penalty' | 'interest' | 'principal', number]>,
  unapplied = 0,
): LoanEvent => ({
  type: 'PaymentReceived',
  data: { reference, amount, valueDate, businessDate, allocations: allocations.map(([seq, component, a]) => ({ seq, component, amount: a })), unapplied },
});

/** Allocations that pay installment `seq` of the fixture's schedule in full: its interest, then its principal. */
const inFull = (seq: number): Array<[number, 'interest' | 'principal', number]> => {
  const { interest, principal } = SCHEDULE[seq - 1];
  return [
    [seq, 'interest', interest],
    [seq, 'principal', principal],
  ];
};

/** What a loan reports when nothing is past due any more: its stage back to M0, then the cure. */
const curedFrom = (stage: DelinquencyStage, asOf: string): LoanEvent[] => [
  { type: 'DelinquencyStageChanged', data: { from: stage, to: 'M0', dpd: 0, overdueAmount: 0, asOf } },
  { type: 'LoanCured', data: { asOf, overdueAmount: 0 } },
];

describe('PostPayment', () => {
  it('applies interest before principal, oldest installment first; a partial payment leaves the rest owed', () => {
    spec
      .given([loanRegistered()])
      .when(pay('p1', 3_500, DUE1))
      .then([
        received('p1', 3_500, DUE1, DUE1, [
          [1, 'interest', 3_000],
          [1, 'principal', 500],
        ]),
      ]);
    spec
      .given([loanRegistered()])
      .when(pay('p1', 106_000, DUE2))
      .then([received('p1', 106_000, DUE2, DUE2, [...inFull(1), [2, 'interest', 2_000], [2, 'principal', 1_000]])]);
  });

  it('applies penalty first, then interest, then principal', () => {
    const given = history([loanRegistered(PENALTY_PRODUCT)], close('2024-02-16'), close('2024-02-17'));
    // Two days of penalty (Feb 16, 17) at 50 fen a day come off first, so principal stays 100 fen short.
    spec
      .given(given)
      .when(pay('p1', INSTALLMENT1, '2024-02-17'))
      .then([
        received('p1', INSTALLMENT1, '2024-02-17', '2024-02-17', [
          [1, 'penalty', 100],
          [1, 'interest', 3_000],
          [1, 'principal', 99_900],
        ]),
      ]);
  });

  it('follows the product’s configured waterfall', () => {
    const product = { ...DEFAULT_PRODUCT_SETTINGS, waterfall: { order: ['interest', 'principal', 'penalty'] as const, sweep: 'component' as const } };
    spec
      .given([loanRegistered(product)])
      .when(pay('p1', 5_500, DUE2))
      .then([
        received('p1', 5_500, DUE2, DUE2, [
          [1, 'interest', 3_000],
          [2, 'interest', 2_000],
          [1, 'principal', 500],
        ]),
        // Installment 1 still owes 99,500 of principal and has been due since Feb 15.
        { type: 'LoanBecameDelinquent', data: { dpd: 29, stage: 'M1', overdueAmount: 99_500, oldestUnpaidDueDate: DUE1, asOf: DUE2 } },
        { type: 'DelinquencyStageChanged', data: { from: 'M0', to: 'M1', dpd: 29, overdueAmount: 99_500, asOf: DUE2 } },
      ]);
  });

  it('a payment on the due date keeps the loan current', () => {
    const paid = history([loanRegistered()], pay('p1', INSTALLMENT1, DUE1));
    spec.given(paid).when(close('2024-02-16')).then([]);
    spec.given([loanRegistered()]).when(close('2024-02-16')).thenTypes(['LoanBecameDelinquent', 'DelinquencyStageChanged']);
  });

  it('a partial payment on a delinquent loan changes nothing about its delinquency', () => {
    spec
      .given(history([loanRegistered()], close('2024-02-16')))
      .when(pay('p1', 50_000, '2024-02-20'))
      .then([
        received('p1', 50_000, '2024-02-20', '2024-02-20', [
          [1, 'interest', 3_000],
          [1, 'principal', 47_000],
        ]),
      ]);
  });

  it('a backdated payment cures a delinquency that had reached M2', () => {
    const given = history([loanRegistered()], close('2024-02-16'), close('2024-03-17'));
    expect(stateAfter(given)).toMatchObject({ reported: { stage: 'M2', delinquent: true } });
    spec
      .given(given)
      .when(pay('p1', INSTALLMENT1 + INSTALLMENT2, DUE2, '2024-03-20'))
      .then([received('p1', 205_000, DUE2, '2024-03-20', [...inFull(1), ...inFull(2)]), ...curedFrom('M2', '2024-03-20')]);
  });

  it('a backdated payment that covers only the oldest installment moves DPD to the next one', () => {
    const given = history([loanRegistered()], close('2024-02-16'), close('2024-03-17'));
    spec
      .given(given)
      .when(pay('p1', INSTALLMENT1, '2024-02-14', '2024-03-20'))
      .then([
        received('p1', INSTALLMENT1, '2024-02-14', '2024-03-20', [...inFull(1)]),
        { type: 'DelinquencyStageChanged', data: { from: 'M2', to: 'M1', dpd: 5, overdueAmount: INSTALLMENT2, asOf: '2024-03-20' } },
      ]);
  });

  it('a backdated payment is applied in value-date order before payments recorded earlier', () => {
    const given = history([loanRegistered()], pay('p2', INSTALLMENT1, '2024-03-16'));
    spec
      .given(given)
      .when(pay('p1', INSTALLMENT1, DUE1, '2024-03-20'))
      .then([received('p1', INSTALLMENT1, DUE1, '2024-03-20', [...inFull(1)]), ...curedFrom('M1', '2024-03-20')]);
  });

  it('a backdated payment restates the penalty it prevented', () => {
    const given = history([loanRegistered(PENALTY_PRODUCT)], ...closeDays('2024-02-16', '2024-02-20'));
    expect(stateAfter(given)).toMatchObject({ reported: { penaltyAccrued: 250 } });
    spec
      .given(given)
      .when(pay('p1', INSTALLMENT1, DUE1, '2024-02-20'))
      .then([
        received('p1', INSTALLMENT1, DUE1, '2024-02-20', [...inFull(1)]),
        { type: 'PenaltyRestated', data: { asOf: '2024-02-20', previousTotal: 250, accruedTotal: 0 } },
        ...curedFrom('M1', '2024-02-20'),
      ]);
    // Recorded before that day was closed: the day's accrual is reported, then restated.
    spec
      .given(given)
      .when(pay('p1', INSTALLMENT1, DUE1, '2024-02-21'))
      .thenTypes(['PaymentReceived', 'PenaltyAccrued', 'PenaltyRestated', 'DelinquencyStageChanged', 'LoanCured']);
    const [, accrued, restated] = spec.given(given).when(pay('p1', INSTALLMENT1, DUE1, '2024-02-21')).result as LoanEvent[];
    expect([accrued.data, restated.data]).toEqual([
      { asOf: '2024-02-21', amount: 50, accruedTotal: 300 },
      { asOf: '2024-02-21', previousTotal: 300, accruedTotal: 0 },
    ]);
  });

  it('pays the loan off, prepaying installments not yet due', () => {
    spec
      .given([loanRegistered()])
      .when(pay('p1', 306_000, '2024-02-10'))
      .then([
        received('p1', 306_000, '2024-02-10', '2024-02-10', [...inFull(1), ...inFull(2), ...inFull(3)]),
        { type: 'LoanPaidOff', data: { asOf: '2024-02-10', paidOffOn: '2024-02-10' } },
      ]);
  });

  it('keeps an overpayment unapplied', () => {
    const [event] = spec
      .given([loanRegistered()])
      .when(pay('p1', 306_050, '2024-02-10'))
      .thenTypes(['PaymentReceived', 'LoanPaidOff']);
    expect(event.data).toMatchObject({ unapplied: 50 });
  });

  it('paying off a delinquent loan cures it too; a paid-off loan reports nothing more', () => {
    const given = history([loanRegistered()], close('2024-02-16'));
    spec
      .given(given)
      .when(pay('p1', 306_000, '2024-02-20'))
      .then([
        received('p1', 306_000, '2024-02-20', '2024-02-20', [...inFull(1), ...inFull(2), ...inFull(3)]),
        ...curedFrom('M1', '2024-02-20'),
        { type: 'LoanPaidOff', data: { asOf: '2024-02-20', paidOffOn: '2024-02-20' } },
      ]);
    const paidOff = history(given, pay('p1', 306_000, '2024-02-20'));
    expect(stateAfter(paidOff).status).toBe('PaidOff');
    spec.given(paidOff).when(close('2024-06-01')).then([]);
  });

  it('a payment arriving with a business date behind the loan’s clock is evaluated as of the loan’s date', () => {
    const given = history([loanRegistered()], close('2024-02-16'), close('2024-03-17'));
    // As of Mar 10 the loan would be back in M1; it is Mar 17 for this loan, where it is still M2.
    spec
      .given(given)
      .when(pay('p1', 1_000, '2024-03-10', '2024-03-10'))
      .then([received('p1', 1_000, '2024-03-10', '2024-03-10', [[1, 'interest', 1_000]])]);
  });

  it('the same reference with the same amount is a no-op', () => {
    const given = history([loanRegistered()], pay('p1', 50_000, '2024-02-10'));
    spec
      .given(given)
      .when(pay('p1', 50_000, '2024-02-10'))
      .then([]);
    spec
      .given(history(given, reverse('p1', '2024-02-12')))
      .when(pay('p1', 50_000, '2024-02-10', '2024-02-13'))
      .then([]);
  });

  it.each<[string, LoanEvent[], ReturnType<typeof pay>, string, string]>([
    [
      'a reference already used with another amount',
      history([loanRegistered()], pay('p1', 50_000, '2024-02-10')),
      pay('p1', 50_001, '2024-02-10'),
      'DUPLICATE_PAYMENT_REFERENCE',
      'conflict',
    ],
    ['a value date after the business date', [loanRegistered()], pay('p1', 50_000, '2024-02-11', '2024-02-10'), 'VALUE_DATE_IN_FUTURE', 'rule'],
    ['a value date before the disbursement', [loanRegistered()], pay('p1', 50_000, '2024-01-14', '2024-02-10'), 'VALUE_DATE_BEFORE_DISBURSEMENT', 'rule'],
    ['a zero amount', [loanRegistered()], pay('p1', 0, '2024-02-10'), 'INVALID_AMOUNT', 'rule'],
    ['a negative amount', [loanRegistered()], pay('p1', -100, '2024-02-10'), 'INVALID_AMOUNT', 'rule'],
    ['a fractional amount', [loanRegistered()], pay('p1', 100.5, '2024-02-10'), 'INVALID_AMOUNT', 'rule'],
    ['a value date that does not exist', [loanRegistered()], pay('p1', 100, '2024-02-31', '2024-03-05'), 'INVALID_DATE', 'rule'],
    ['an unknown loan', [], pay('p1', 100, '2024-02-10'), 'LOAN_NOT_FOUND', 'not_found'],
    [
      'a value date before the last restructuring',
      history([loanRegistered()], restructure('r1', '2024-02-20', [{ dueDate: '2024-03-20', principal: 300_000, interest: 6_000 }])),
      pay('p1', 100, '2024-02-19', '2024-02-21'),
      'VALUE_DATE_BEFORE_RESTRUCTURING',
      'rule',
    ],
  ])('rejects %s', (_name, given, command, code, category) => {
    expect(spec.given(given).when(command).thenError(code).category).toBe(category);
  });
});

describe('ReversePayment', () => {
  it('re-opens the delinquency the payment had prevented', () => {
    const given = history([loanRegistered()], pay('p1', INSTALLMENT1, DUE1), close('2024-02-16'));
    spec
      .given(given)
      .when(reverse('p1', '2024-02-20', 'insufficient funds'))
      .then([
        { type: 'PaymentReversed', data: { reference: 'p1', amount: INSTALLMENT1, valueDate: DUE1, reason: 'insufficient funds', businessDate: '2024-02-20' } },
        { type: 'LoanBecameDelinquent', data: { dpd: 5, stage: 'M1', overdueAmount: INSTALLMENT1, oldestUnpaidDueDate: DUE1, asOf: '2024-02-20' } },
        { type: 'DelinquencyStageChanged', data: { from: 'M0', to: 'M1', dpd: 5, overdueAmount: INSTALLMENT1, asOf: '2024-02-20' } },
      ]);
  });

  it('re-opens a cured delinquency at the stage it would have reached', () => {
    const given = history([loanRegistered()], close('2024-02-16'), close('2024-03-17'), pay('p1', 205_000, DUE2, '2024-03-20'));
    expect(stateAfter(given)).toMatchObject({ reported: { stage: 'M0', delinquent: false } });
    spec
      .given(given)
      .when(reverse('p1', '2024-03-25'))
      .then([
        {
          type: 'PaymentReversed',
          data: { reference: 'p1', amount: 205_000, valueDate: DUE2, reason: 'returned by the payer bank', businessDate: '2024-03-25' },
        },
        { type: 'LoanBecameDelinquent', data: { dpd: 39, stage: 'M2', overdueAmount: 205_000, oldestUnpaidDueDate: DUE1, asOf: '2024-03-25' } },
        { type: 'DelinquencyStageChanged', data: { from: 'M0', to: 'M2', dpd: 39, overdueAmount: 205_000, asOf: '2024-03-25' } },
      ]);
  });

  it('re-opens a paid-off loan', () => {
    const given = history([loanRegistered()], pay('p1', 306_000, '2024-02-10'));
    spec
      .given(given)
      .when(reverse('p1', '2024-02-12'))
      .then([
        {
          type: 'PaymentReversed',
          data: { reference: 'p1', amount: 306_000, valueDate: '2024-02-10', reason: 'returned by the payer bank', businessDate: '2024-02-12' },
        },
        { type: 'LoanReopened', data: { asOf: '2024-02-12', outstandingAmount: 306_000 } },
      ]);
    expect(stateAfter(history(given, reverse('p1', '2024-02-12'))).status).toBe('Active');
  });

  it.each<[string, LoanEvent[], ReturnType<typeof reverse>, string, string]>([
    ['an unknown payment', [loanRegistered()], reverse('nope', '2024-02-10'), 'PAYMENT_NOT_FOUND', 'not_found'],
    [
      'a payment already reversed',
      history([loanRegistered()], pay('p1', 100, '2024-02-10'), reverse('p1', '2024-02-11')),
      reverse('p1', '2024-02-12'),
      'PAYMENT_ALREADY_REVERSED',
      'conflict',
    ],
    ['an unknown loan', [], reverse('p1', '2024-02-10'), 'LOAN_NOT_FOUND', 'not_found'],
    [
      'a payment the schedule was restructured after',
      history(
        [loanRegistered()],
        pay('p1', 3_000, '2024-02-16'),
        restructure('r1', '2024-02-20', [{ dueDate: '2024-03-20', principal: 300_000, interest: 6_000 }]),
      ),
      reverse('p1', '2024-02-21'),
      'PAYMENT_PRECEDES_RESTRUCTURING',
      'rule',
    ],
  ])('rejects %s', (_name, given, command, code, category) => {
    expect(spec.given(given).when(command).thenError(code).category).toBe(category);
  });
});
