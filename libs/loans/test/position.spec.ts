import { dailyPenalty, project, type ActiveLoan, type LoanFacts } from '#loans';
import { DUE1, DUE2, PAUSING_PRODUCT, PENALTY_PRODUCT, close, history, loanRegistered, pay, reverse, startHold, stateAfter } from './fixtures.js';

const factsOf = (events: Parameters<typeof stateAfter>[0]): LoanFacts => (stateAfter(events) as ActiveLoan).facts;

describe('daily penalty rounding', () => {
  it.each([
    [100_000, 1825, 50], // exact
    [1_000, 1825, 1], // 0.5 fen rounds up
    [999, 1825, 0], // 0.4995 fen rounds down
    [3_000, 1825, 2], // 1.5 fen rounds up
    [100_001, 1825, 50], // 50.0005 fen rounds down
    [52_000, 3650, 52], // 36.5% a year is 0.1% a day
  ])('%i fen overdue at %i bps accrues %i fen a day', (principal, rate, expected) => {
    expect(dailyPenalty(principal, rate)).toBe(expected);
  });
});

describe('project: replaying the facts as of a date', () => {
  it('accrues penalty for each day after the due date on the principal overdue at the start of that day', () => {
    const facts = factsOf([loanRegistered(PENALTY_PRODUCT)]);
    expect(project(facts, DUE1).penaltyAccrued).toBe(0);
    const feb20 = project(facts, '2024-02-20');
    expect(feb20).toMatchObject({ penaltyAccrued: 5 * 50, dpd: 5, stage: 'M1', overdueAmount: 103_000 + 250, oldestUnpaidDueDate: DUE1 });
    // Mar 20: installment 1 overdue Feb 16..Mar 20 (34 days), installment 2 Mar 16..20 (5 days).
    expect(project(facts, '2024-03-20').penaltyAccrued).toBe(34 * 50 + 5 * 50);
  });

  it('a payment reduces the base from the next day on; the day it is valued still accrues on the old base', () => {
    const facts = factsOf(history([loanRegistered(PENALTY_PRODUCT)], pay('p1', 250 + 3_000 + 50_000, '2024-02-20')));
    const position = project(facts, '2024-02-25');
    expect(position.payments.get('p1')!.allocations).toEqual([
      { seq: 1, component: 'penalty', amount: 250 },
      { seq: 1, component: 'interest', amount: 3_000 },
      { seq: 1, component: 'principal', amount: 50_000 },
    ]);
    expect(position.penaltyAccrued).toBe(250 + 5 * 25);
    expect(position.installments[0]).toMatchObject({ paidPrincipal: 50_000, paidPenalty: 250, penaltyAccrued: 375 });
  });

  it('replays payments in value-date order, not in the order they were recorded', () => {
    const events = history([loanRegistered()], pay('late-valued', 103_000, '2024-03-16'), pay('early-valued', 103_000, DUE1, '2024-03-20'));
    const position = project(factsOf(events), '2024-03-20');
    expect(position.payments.get('early-valued')!.allocations.map((a) => a.seq)).toEqual([1, 1]);
    expect(position.payments.get('late-valued')!.allocations).toEqual([
      { seq: 2, component: 'interest', amount: 2_000 },
      { seq: 2, component: 'principal', amount: 100_000 },
      { seq: 3, component: 'interest', amount: 1_000 },
    ]);
    expect(position.dpd).toBe(0);
  });

  it('a reversed payment counts as never made', () => {
    const events = history([loanRegistered()], pay('p1', 103_000, DUE1), pay('p2', 103_000, '2024-03-16'), reverse('p1', '2024-03-20'));
    const position = project(factsOf(events), '2024-03-20');
    expect(position.payments.has('p1')).toBe(false);
    expect(position.payments.get('p2')!.allocations.map((a) => a.seq)).toEqual([1, 1]);
    expect(position).toMatchObject({ dpd: 5, oldestUnpaidDueDate: DUE2, overdueAmount: 102_000 });
  });

  it('knows through which date nothing reportable can change', () => {
    expect(project(factsOf([loanRegistered()]), '2024-01-20').quietThrough).toBe(DUE1);
    const paidFirst = factsOf(history([loanRegistered()], pay('p1', 103_000, '2024-02-10')));
    expect(project(paidFirst, '2024-02-10').quietThrough).toBe(DUE2);
    // DPD 5 in M1 (up to 30): the stage cannot change before DPD 31, on Mar 17.
    expect(project(factsOf([loanRegistered()]), '2024-02-20').quietThrough).toBe('2024-03-16');
    expect(project(factsOf([loanRegistered(PENALTY_PRODUCT)]), '2024-02-20').quietThrough).toBe('2024-02-20');
    const paidOff = factsOf(history([loanRegistered()], pay('p1', 306_000, '2024-02-10')));
    expect(project(paidOff, '2024-02-10')).toMatchObject({ paidOff: true, paidOffOn: '2024-02-10', quietThrough: null });
    // The DPD clock is stopped by an open hold the product does not count: nothing changes until it ends.
    const held = factsOf(history([loanRegistered(PAUSING_PRODUCT)], close('2024-02-16'), startHold('h1', '2024-02-18', '2024-02-18')));
    expect(project(held, '2024-02-18').quietThrough).toBeNull();
  });
});
