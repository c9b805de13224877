import { isDomainError, type DomainError } from '#kernel';
import { loanDecider, type LoanCommand, type LoanEvent, type LoanState } from '#loans';
import { loanSnapshot, paidDates, restructuredSeqs, restructuringIds } from '../src/application/loan-facts.js';
import type { LoanSnapshot } from '../src/domain/plan.js';

/** Loans are built through the loans context's own decider, exported by `#loans`. */
function run(...commands: LoanCommand[]): LoanState {
  let state = loanDecider.initialState();
  for (const command of commands) {
    const result = loanDecider.decide(command, state);
    if (isDomainError(result)) throw new Error(`${command.type}: ${result.code} ${result.message}`);
    state = result.reduce<LoanState>((s, e: LoanEvent) => loanDecider.evolve(s, e), state);
  }
  return state;
}

const register: LoanCommand = {
  type: 'RegisterLoan',
  data: {
    loanId: 'L-1',
    customerId: 'C-1',
    productCode: 'CASH-3M',
    principal: 300_000,
    annualRateBps: 1_200,
    termMonths: 3,
    disbursementDate: '2024-01-15',
    timeZone: 'Asia/Shanghai',
    schedule: [
      { seq: 1, dueDate: '2024-02-15', principal: 100_000, interest: 3_000 },
      { seq: 2, dueDate: '2024-03-15', principal: 100_000, interest: 2_000 },
      { seq: 3, dueDate: '2024-04-15', principal: 100_000, interest: 1_000 },
    ],
    businessDate: '2024-01-15',
  },
};
const close = (businessDate: string): LoanCommand => ({ type: 'CloseBusinessDay', data: { loanId: 'L-1', businessDate } });
const pay = (reference: string, amount: number, valueDate: string): LoanCommand => ({
  type: 'PostPayment',
  data: { loanId: 'L-1', reference, amount, valueDate, businessDate: valueDate },
});
const reverse = (reference: string, businessDate: string): LoanCommand => ({
  type: 'ReversePayment',
  data: { loanId: 'L-1', reference, reason: 'returned', businessDate },
});
const restructure: LoanCommand = {
  type: 'RestructureSchedule',
  data: {
    loanId: 'L-1',
    restructuringId: 'r-1',
    effectiveDate: '2024-03-20',
    businessDate: '2024-03-20',
    newSchedule: [
      { dueDate: '2024-04-20', principal: 150_000, interest: 2_000 },
      { dueDate: '2024-05-20', principal: 150_000, interest: 1_000 },
    ],
  },
};
const snap = (result: LoanSnapshot | DomainError): LoanSnapshot => {
  if (isDomainError(result)) throw new Error(result.code);
  return result;
};

describe('loan facts read through the loans context', () => {
  it('a delinquent loan: stage, DPD and the installments a restructuring would replace', () => {
    const loan = snap(loanSnapshot(run(register, close('2024-03-17')), 'L-1', '2024-03-20'));
    expect(loan).toEqual({
      loanId: 'L-1',
      customerId: 'C-1',
      asOf: '2024-03-20',
      stage: 'M2',
      dpd: 34,
      paidOff: false,
      overdueAmount: 205_000,
      installments: [
        { seq: 1, dueDate: '2024-02-15', principal: 100_000, interest: 3_000, penalty: 0 },
        { seq: 2, dueDate: '2024-03-15', principal: 100_000, interest: 2_000, penalty: 0 },
        { seq: 3, dueDate: '2024-04-15', principal: 100_000, interest: 1_000, penalty: 0 },
      ],
      lastRestructuredOn: null,
    });
  });

  it('counts payments valued by the date: what is owed after a partial payment', () => {
    const loan = snap(loanSnapshot(run(register, pay('p1', 50_000, '2024-03-18')), 'L-1', '2024-03-20'));
    expect(loan.installments[0]).toEqual({ seq: 1, dueDate: '2024-02-15', principal: 53_000, interest: 0, penalty: 0 });
    expect(loan.installments.reduce((s, i) => s + i.principal, 0)).toBe(253_000);
  });

  it('refuses an unknown loan and a date before disbursement', () => {
    expect((loanSnapshot(loanDecider.initialState(), 'L-1', '2024-03-20') as DomainError).code).toBe('LOAN_NOT_FOUND');
    expect((loanSnapshot(run(register), 'L-2', '2024-03-20') as DomainError).code).toBe('LOAN_NOT_FOUND');
    expect((loanSnapshot(run(register), 'L-1', '2024-01-01') as DomainError).code).toBe('DATE_BEFORE_DISBURSEMENT');
  });

  it('after a restructuring: its new installment numbers, its date, and the loan as it was without it', () => {
    const before = run(register, close('2024-03-17'));
    const after = run(register, close('2024-03-17'), restructure);
    expect(restructuredSeqs(after, 'r-1')).toEqual([4, 5]);
    expect(restructuredSeqs(after, 'r-2')).toBeNull();
    expect(restructuringIds(after)).toEqual(['r-1']);
    const now = snap(loanSnapshot(after, 'L-1', '2024-03-20'));
    expect(now.installments.map((i) => i.seq)).toEqual([4, 5]);
    expect(now.lastRestructuredOn).toBe('2024-03-20');
    expect(snap(loanSnapshot(after, 'L-1', '2024-03-20', { excludeRestructuring: 'r-1' }))).toEqual(snap(loanSnapshot(before, 'L-1', '2024-03-20')));
  });

  it('finds the value date each installment became fully paid, and forgets reversed payments', () => {
    const base = [
      register,
      close('2024-03-17'),
      restructure,
      pay('p1', 152_000, '2024-04-18'),
      pay('p2', 100_000, '2024-05-25'),
      pay('p3', 51_000, '2024-05-27'),
    ];
    const paid = run(...base);
    if (paid.status === 'Unregistered') throw new Error('not registered');
    expect(paidDates(paid.facts, [4, 5], '2024-05-26')).toEqual([
      { seq: 4, paidOn: '2024-04-18' },
      { seq: 5, paidOn: null },
    ]);
    expect(paidDates(paid.facts, [4, 5], '2024-05-30')).toEqual([
      { seq: 4, paidOn: '2024-04-18' },
      { seq: 5, paidOn: '2024-05-27' },
    ]);
    const reversed = run(...base, reverse('p3', '2024-05-30'));
    if (reversed.status === 'Unregistered') throw new Error('not registered');
    expect(paidDates(reversed.facts, [4, 5], '2024-05-30')).toEqual([
      { seq: 4, paidOn: '2024-04-18' },
      { seq: 5, paidOn: null },
    ]);
  });
});
