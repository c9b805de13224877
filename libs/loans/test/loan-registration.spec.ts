import { deciderSpec } from '#kernel/testing';
import { DEFAULT_PRODUCT_SETTINGS, DEFAULT_STAGE_BOUNDARIES, loanDecider, type ProductSettings, type RegisterLoan } from '#loans';
import { DISBURSED, DUE1, PENALTY_PRODUCT, SCHEDULE, close, loanRegistered, pay, registerLoan } from './fixtures.js';

const spec = deciderSpec(loanDecider);

describe('RegisterLoan', () => {
  it('registers the loan with its schedule and a snapshot of the product settings', () => {
    spec.given([]).when(registerLoan()).then([loanRegistered()]);
    spec
      .given([])
      .when(registerLoan({ product: PENALTY_PRODUCT }))
      .then([loanRegistered(PENALTY_PRODUCT)]);
  });

  it('copies only the fields it knows: nothing else (such as personal data) reaches the event', () => {
    const command = registerLoan({
      ...({ customerName: 'someone', phone: '13800000000' } as object),
      schedule: SCHEDULE.map((i) => ({ ...i, note: 'free text' })),
    });
    const [event] = spec.given([]).when(command).then([loanRegistered()]);
    expect(Object.keys(event.data)).not.toContain('customerName');
  });

  const schedule = (...rows: Array<[string, number, number]>) =>
    rows.map(([dueDate, principal, interest], n) => ({ seq: n + 1, dueDate, principal, interest }));
  const product = (change: Partial<ProductSettings>): ProductSettings => ({ ...DEFAULT_PRODUCT_SETTINGS, ...change });

  it.each<[string, Partial<RegisterLoan['data']>, string]>([
    ['principals summing to less than the loan', { principal: 300_001 }, 'SCHEDULE_PRINCIPAL_MISMATCH'],
    ['a zero principal', { principal: 0 }, 'INVALID_AMOUNT'],
    ['a negative principal', { principal: -300_000 }, 'INVALID_AMOUNT'],
    ['a fractional principal', { principal: 300_000.5 }, 'INVALID_AMOUNT'],
    ['a negative installment principal', { schedule: schedule([DUE1, 200_000, 0], ['2024-03-15', 200_000, 0], ['2024-04-15', -100_000, 0]) }, 'INVALID_AMOUNT'],
    ['a fractional interest', { schedule: schedule([DUE1, 100_000, 0.5], ['2024-03-15', 100_000, 0], ['2024-04-15', 100_000, 0]) }, 'INVALID_AMOUNT'],
    ['an installment owing nothing', { schedule: schedule([DUE1, 300_000, 0], ['2024-03-15', 0, 0]) }, 'INVALID_AMOUNT'],
    [
      'two installments due the same day',
      { schedule: schedule([DUE1, 100_000, 0], [DUE1, 100_000, 0], ['2024-04-15', 100_000, 0]) },
      'SCHEDULE_DATES_NOT_INCREASING',
    ],
    [
      'due dates going back',
      { schedule: schedule(['2024-03-15', 100_000, 0], [DUE1, 100_000, 0], ['2024-04-15', 100_000, 0]) },
      'SCHEDULE_DATES_NOT_INCREASING',
    ],
    ['disbursement after the first due date', { disbursementDate: '2024-02-16', businessDate: '2024-02-16' }, 'DISBURSEMENT_AFTER_FIRST_DUE_DATE'],
    ['disbursement after the business date', { businessDate: '2024-01-14' }, 'DISBURSEMENT_IN_FUTURE'],
    ['no installments', { schedule: [] }, 'EMPTY_SCHEDULE'],
    ['installments not numbered 1..n', { schedule: SCHEDULE.map((i) => ({ ...i, seq: i.seq + 1 })) }, 'INVALID_SCHEDULE_SEQ'],
    ['a negative rate', { annualRateBps: -1 }, 'INVALID_LOAN_TERMS'],
    ['a zero term', { termMonths: 0 }, 'INVALID_LOAN_TERMS'],
    ['a date that does not exist', { disbursementDate: '2024-02-30' }, 'INVALID_DATE'],
    [
      'a waterfall naming a component twice',
      { product: product({ waterfall: { order: ['interest', 'interest', 'principal'], sweep: 'installment' } }) },
      'INVALID_PRODUCT_SETTINGS',
    ],
    ['stage boundaries not increasing', { product: product({ stageBoundaries: { ...DEFAULT_STAGE_BOUNDARIES, M3: 60 } }) }, 'INVALID_PRODUCT_SETTINGS'],
    ['a negative penalty rate', { product: product({ penaltyAnnualRateBps: -5 }) }, 'INVALID_PRODUCT_SETTINGS'],
  ])('rejects %s', (_name, overrides, code) => {
    const error = spec.given([]).when(registerLoan(overrides)).thenError(code);
    expect(error.category).toBe('rule');
  });

  it('accepts interest-free installments and a disbursement on the first due date', () => {
    spec
      .given([])
      .when(registerLoan({ disbursementDate: DUE1, businessDate: DUE1, schedule: schedule([DUE1, 150_000, 0], ['2024-03-15', 150_000, 0]) }))
      .thenTypes(['LoanRegistered']);
  });

  it('reports at once what the replay shows when a loan is registered after installments fell due', () => {
    // Mirrored on Mar 20 with nothing paid: installment 1 is 34 days past due (M2), installment 2 five days.
    spec
      .given([])
      .when(registerLoan({ businessDate: '2024-03-20' }))
      .then([
        { ...loanRegistered(), data: { ...loanRegistered().data, registeredOn: '2024-03-20' } },
        { type: 'LoanBecameDelinquent', data: { dpd: 34, stage: 'M2', overdueAmount: 205_000, oldestUnpaidDueDate: DUE1, asOf: '2024-03-20' } },
        { type: 'DelinquencyStageChanged', data: { from: 'M0', to: 'M2', dpd: 34, overdueAmount: 205_000, asOf: '2024-03-20' } },
      ]);
    // Registered before anything fell due: the registration alone.
    spec
      .given([])
      .when(registerLoan({ businessDate: '2024-02-15' }))
      .thenTypes(['LoanRegistered']);
  });

  it('rejects registering the same loan twice as a conflict', () => {
    const error = spec.given([loanRegistered()]).when(registerLoan()).thenError('LOAN_ALREADY_REGISTERED');
    expect(error.category).toBe('conflict');
  });

  it('treats every other command on an unregistered loan as not found', () => {
    for (const command of [pay('p1', 100, DISBURSED), close(DUE1)]) {
      const error = spec.given([]).when(command).thenError('LOAN_NOT_FOUND');
      expect(error.category).toBe('not_found');
    }
  });
});
