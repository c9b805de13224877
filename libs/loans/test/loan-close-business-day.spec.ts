import { addDays, compareDates, isDomainError } from '#kernel';
import { deciderSpec } from '#kernel/testing';
import { DEFAULT_PRODUCT_SETTINGS, DEFAULT_STAGE_BOUNDARIES, loanDecider, type DelinquencyStage, type LoanEvent } from '#loans';
import { DUE1, DUE2, DUE3, PENALTY_PRODUCT, close, closeDays, history, loanRegistered, pay } from './fixtures.js';

const spec = deciderSpec(loanDecider);
const day = (dpd: number) => addDays(DUE1, dpd);
/** Penalty accrued as of a date: what the days since the last report added, and the total. */
const accrued = (asOf: string, amount: number, accruedTotal: number): LoanEvent => ({ type: 'PenaltyAccrued', data: { asOf, amount, accruedTotal } });
/** Overdue on the fixture loan with nothing paid: each installment once its due date has passed. */
const overdueOn = (date: string) => 103_000 + (compareDates(date, DUE2) > 0 ? 102_000 : 0) + (compareDates(date, DUE3) > 0 ? 101_000 : 0);

describe('CloseBusinessDay', () => {
  it('reports nothing on the due date and the delinquency the day after', () => {
    spec.given([loanRegistered()]).when(close(DUE1)).then([]);
    spec
      .given(history([loanRegistered()], close(DUE1)))
      .when(close('2024-02-16'))
      .then([
        { type: 'LoanBecameDelinquent', data: { dpd: 1, stage: 'M1', overdueAmount: 103_000, oldestUnpaidDueDate: DUE1, asOf: '2024-02-16' } },
        { type: 'DelinquencyStageChanged', data: { from: 'M0', to: 'M1', dpd: 1, overdueAmount: 103_000, asOf: '2024-02-16' } },
      ]);
  });

  const previous: Record<string, DelinquencyStage> = { M1: 'M0', M2: 'M1', M3: 'M2', M4: 'M3', M5: 'M4', M6: 'M5', 'M6+': 'M6' };
  it.each<[number, DelinquencyStage | null]>([
    [0, null],
    [1, 'M1'],
    [30, null],
    [31, 'M2'],
    [60, null],
    [61, 'M3'],
    [90, null],
    [91, 'M4'],
    [120, null],
    [121, 'M5'],
    [150, null],
    [151, 'M6'],
    [180, null],
    [181, 'M6+'],
  ])('at %i days past due, after closing every day before, the stage changes to %s', (dpd, stage) => {
    const given = history([loanRegistered()], ...closeDays(addDays(DUE1, 1), day(dpd - 1)));
    const asOf = day(dpd);
    const expected: LoanEvent[] = [];
    if (dpd === 1) {
      expected.push({ type: 'LoanBecameDelinquent', data: { dpd, stage: 'M1', overdueAmount: overdueOn(asOf), oldestUnpaidDueDate: DUE1, asOf } });
    }
    if (stage) expected.push({ type: 'DelinquencyStageChanged', data: { from: previous[stage], to: stage, dpd, overdueAmount: overdueOn(asOf), asOf } });
    spec.given(given).when(close(asOf)).then(expected);
  });

  it('walking 200 days, a stage change is reported exactly on the first day of each band and nothing else', () => {
    let state = loanDecider.initialState();
    for (const e of [loanRegistered()]) state = loanDecider.evolve(state, e);
    const reported: Array<[number, string]> = [];
    for (let dpd = -20; dpd <= 200; dpd++) {
      const result = loanDecider.decide(close(day(dpd)), state);
      if (isDomainError(result)) throw new Error(result.code);
      for (const e of result) {
        reported.push([dpd, e.type === 'DelinquencyStageChanged' ? `${e.data.from}->${e.data.to}` : e.type]);
        state = loanDecider.evolve(state, e);
      }
    }
    const bands = Object.values(DEFAULT_STAGE_BOUNDARIES);
    expect(bands).toEqual([0, 30, 60, 90, 120, 150, 180]);
    expect(reported).toEqual([
      [1, 'LoanBecameDelinquent'],
      [1, 'M0->M1'],
      [31, 'M1->M2'],
      [61, 'M2->M3'],
      [91, 'M3->M4'],
      [121, 'M4->M5'],
      [151, 'M5->M6'],
      [181, 'M6->M6+'],
    ]);
  });

  it('reports a jump over several bands as one stage change when days were not closed', () => {
    spec
      .given([loanRegistered()])
      .when(close('2024-03-20'))
      .then([
        { type: 'LoanBecameDelinquent', data: { dpd: 34, stage: 'M2', overdueAmount: 205_000, oldestUnpaidDueDate: DUE1, asOf: '2024-03-20' } },
        { type: 'DelinquencyStageChanged', data: { from: 'M0', to: 'M2', dpd: 34, overdueAmount: 205_000, asOf: '2024-03-20' } },
      ]);
  });

  it('reports nothing on a day when nothing changed', () => {
    spec
      .given(history([loanRegistered()], close('2024-02-16')))
      .when(close('2024-02-17'))
      .then([]);
    spec.given([loanRegistered()]).when(close('2024-02-01')).then([]);
  });

  it('is a no-op for a date not after the last one processed', () => {
    const given = history([loanRegistered()], close('2024-02-16'), close('2024-03-17'));
    // Replayed as of Mar 1 the loan would be in M1; the date is behind the loan's clock, so nothing.
    spec.given(given).when(close('2024-03-01')).then([]);
    spec.given(given).when(close('2024-03-17')).then([]);
    // Also while penalty accrues daily: replayed as of Mar 1 both the penalty and the stage would differ.
    const accruing = history([loanRegistered(PENALTY_PRODUCT)], close('2024-02-16'), close('2024-03-17'));
    spec.given(accruing).when(close('2024-03-01')).then([]);
    spec.given(accruing).when(close('2024-03-17')).then([]);
  });

  it('uses configured stage boundaries (three days of grace in M0)', () => {
    const graced = { ...DEFAULT_PRODUCT_SETTINGS, stageBoundaries: { ...DEFAULT_STAGE_BOUNDARIES, M0: 3 } };
    spec
      .given([loanRegistered(graced)])
      .when(close('2024-02-16'))
      .then([{ type: 'LoanBecameDelinquent', data: { dpd: 1, stage: 'M0', overdueAmount: 103_000, oldestUnpaidDueDate: DUE1, asOf: '2024-02-16' } }]);
    spec
      .given(history([loanRegistered(graced)], ...closeDays('2024-02-16', '2024-02-18')))
      .when(close('2024-02-19'))
      .then([{ type: 'DelinquencyStageChanged', data: { from: 'M0', to: 'M1', dpd: 4, overdueAmount: 103_000, asOf: '2024-02-19' } }]);
  });

  describe('penalty interest', () => {
    it('accrues daily on overdue principal and reports each close', () => {
      spec
        .given([loanRegistered(PENALTY_PRODUCT)])
        .when(close('2024-02-16'))
        .then([
          accrued('2024-02-16', 50, 50),
          { type: 'LoanBecameDelinquent', data: { dpd: 1, stage: 'M1', overdueAmount: 103_050, oldestUnpaidDueDate: DUE1, asOf: '2024-02-16' } },
          { type: 'DelinquencyStageChanged', data: { from: 'M0', to: 'M1', dpd: 1, overdueAmount: 103_050, asOf: '2024-02-16' } },
        ]);
      const delinquent = history([loanRegistered(PENALTY_PRODUCT)], close('2024-02-16'));
      // Closing the next day, or three days later: the days since the last report accrue together.
      for (const [date, amount, total] of [
        ['2024-02-17', 50, 100],
        ['2024-02-20', 200, 250],
      ] as const) {
        spec
          .given(delinquent)
          .when(close(date))
          .then([accrued(date, amount, total)]);
      }
    });

    it('keeps accruing on days that reported nothing but penalty', () => {
      const given = history([loanRegistered(PENALTY_PRODUCT)], ...closeDays('2024-02-16', '2024-02-18'));
      expect(given.at(-1)!.type).toBe('PenaltyAccrued');
      spec
        .given(given)
        .when(close('2024-02-19'))
        .then([accrued('2024-02-19', 50, 200)]);
    });

    it('accrues on each overdue installment and stops once principal is paid', () => {
      const given = history([loanRegistered(PENALTY_PRODUCT)], ...closeDays('2024-02-16', '2024-03-17'));
      // By Mar 18: installment 1 accrued Feb 16..Mar 18 (32 days), installment 2 Mar 16..18 (3 days).
      spec
        .given(given)
        .when(close('2024-03-18'))
        .then([accrued('2024-03-18', 100, 32 * 50 + 3 * 50)]);
      const paid = history(given, pay('p1', 500_000, '2024-03-17'));
      spec.given(paid).when(close('2024-03-18')).then([]);
      spec.given(paid).when(close('2024-06-01')).then([]);
    });

    it('accrues nothing without a penalty rate', () => {
      spec
        .given(history([loanRegistered()], close('2024-02-16')))
        .when(close('2024-02-20'))
        .then([]);
    });
  });

  it('rejects an unknown loan and an impossible date', () => {
    expect(spec.given([]).when(close('2024-02-16')).thenError('LOAN_NOT_FOUND').category).toBe('not_found');
    spec.given([loanRegistered()]).when(close('2024-13-01')).thenError('INVALID_DATE');
  });
});
