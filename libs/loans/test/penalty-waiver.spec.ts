import { addDays } from '#kernel';
import { deciderSpec } from '#kernel/testing';
import { loanDecider, penaltyOwed, project, type LoanCommand, type LoanState } from '#loans';
import { DUE1, LOAN, PENALTY_PRODUCT, close, closeDays, history, loanRegistered, pay, stateAfter } from './fixtures.js';

const spec = deciderSpec(loanDecider);

/** Installment 1 (1,000.00 + 30.00) unpaid for 20 days at 18.25 %: 20 × 0.50 = 10.00 penalty owed. */
const D20 = addDays(DUE1, 20);
const overdue = () => history([loanRegistered(PENALTY_PRODUCT)], ...closeDays(addDays(DUE1, 1), D20));
const waive = (amount: number, businessDate = D20, waiverId = 'rq-1'): LoanCommand => ({
  type: 'WaivePenalty',
  data: { loanId: LOAN, waiverId, amount, reason: 'fee waiver approved', businessDate },
});
const positionOf = (state: LoanState, asOf: string) => {
  if (state.status === 'Unregistered') throw new Error('no loan');
  return project(state.facts, asOf);
};

describe('WaivePenalty: a fee waiver is not a cure', () => {
  it('removes the waived penalty and nothing else: DPD, stage and principal and interest owed stay', () => {
    const given = overdue();
    const before = positionOf(stateAfter(given), D20);
    expect({ dpd: before.dpd, penalty: before.installments[0].penaltyAccrued }).toEqual({ dpd: 20, penalty: 1_000 });
    spec
      .given(given)
      .when(waive(600))
      .then([{ type: 'PenaltyWaived', data: { waiverId: 'rq-1', amount: 600, reason: 'fee waiver approved', businessDate: D20, penaltyOwed: 1_000 } }]);
    const after = positionOf(stateAfter(history(given, waive(600))), D20);
    expect({ dpd: after.dpd, stage: after.stage, overdue: after.overdueAmount, owed: penaltyOwed(after.installments[0]), waived: after.penaltyWaived }).toEqual(
      {
        dpd: 20,
        stage: before.stage,
        overdue: before.overdueAmount - 600,
        owed: 400,
        waived: 600,
      },
    );
    // Accrued is accrued: the waiver restates nothing, and penalty keeps accruing on the principal still overdue.
    expect(after.penaltyAccrued).toBe(1_000);
    spec
      .given(history(given, waive(600)))
      .when(close(addDays(D20, 1)))
      .thenTypes(['PenaltyAccrued']);
  });

  it('DPD falls only once what remains is covered: the same payment cures after a full waiver and not without it', () => {
    const given = overdue();
    // Without a waiver the waterfall takes the 10.00 penalty first, and 1,030.00 leaves 10.00 of principal unpaid.
    spec
      .given(given)
      .when(pay('P-1', 103_000, D20))
      .thenTypes(['PaymentReceived']);
    const waived = history(given, waive(1_000));
    expect(positionOf(stateAfter(waived), D20).dpd).toBe(20);
    spec
      .given(waived)
      .when(pay('P-1', 103_000, D20))
      .thenTypes(['PaymentReceived', 'DelinquencyStageChanged', 'LoanCured']);
  });

  it('refuses more than the penalty owed, a zero amount, and another amount under the same waiver; the same waiver again is a no-op', () => {
    const given = overdue();
    const tooMuch = spec.given(given).when(waive(1_001)).thenError('WAIVER_EXCEEDS_PENALTY');
    expect(tooMuch.details).toEqual({ amount: 1_001, penaltyOwed: 1_000 });
    spec.given(given).when(waive(0)).thenError('INVALID_AMOUNT');
    const once = history(given, waive(600));
    spec.given(once).when(waive(600)).then([]);
    expect(spec.given(once).when(waive(500)).thenError('WAIVER_ALREADY_APPLIED').category).toBe('conflict');
    spec.given([]).when(waive(600)).thenError('LOAN_NOT_FOUND');
  });
});
