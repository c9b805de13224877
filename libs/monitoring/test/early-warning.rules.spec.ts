import { assess, emptyBehaviour, RULE_SET_V1, type CustomerBehaviour, type Signal } from '../src/domain/early-warning.rules.js';
import type { Observation } from '../src/domain/observations.js';

const R = RULE_SET_V1;
let n = 0;
const id = () => `ev-${++n}`;

/** A loan of four monthly installments of 1,000.00 yuan (principal 900 + interest 100) due on the 10th. */
const opened: Observation = {
  kind: 'LoanOpened',
  on: '2026-01-01',
  sourceEventId: 'open',
  loanId: 'L1',
  customerId: 'C1',
  principal: 360_000,
  installments: [1, 2, 3, 4, 5, 6].map((seq) => ({ seq, dueDate: `2026-0${seq + 1}-10`, owed: 100_000 })),
};

const pay = (seq: number, valueDate: string, amount = 100_000, reference = `P${seq}-${valueDate}`): Observation => ({
  kind: 'PaymentMade',
  on: valueDate,
  sourceEventId: id(),
  loanId: 'L1',
  reference,
  amount,
  valueDate,
  parts: [{ seq, paid: amount, principal: Math.round(amount * 0.9) }],
});

function run(observations: readonly Observation[], from: CustomerBehaviour = emptyBehaviour('C1')) {
  let behaviour = from;
  const out: Array<{ signals: readonly Signal[]; current: boolean }> = [];
  for (const o of observations) {
    const a = assess(R, behaviour, o);
    behaviour = a.behaviour;
    out.push({ signals: a.signals, current: a.current });
  }
  return { behaviour, out, last: out[out.length - 1] };
}

const codes = (signals: readonly Signal[]) => signals.map((s) => s.key);

describe('early-warning rules (EW-1)', () => {
  it('learns the usual timing and flags a payment three or more days later than usual', () => {
    // Usually pays 5 days early (offsets -5, -5, -4: median -5).
    const history = [opened, pay(1, '2026-02-05'), pay(2, '2026-03-05'), pay(3, '2026-04-06')];
    const early = run(history);
    expect(early.out.every((o) => o.signals.length === 0)).toBe(true);
    expect(early.behaviour.completionOffsets).toEqual([-5, -5, -4]);
    // Offset -2 is 3 days later than the median of -5: flagged, though still before the due date.
    const late = assess(R, early.behaviour, pay(4, '2026-05-08'));
    expect(late.signals).toEqual([
      expect.objectContaining({ code: 'LATE_VS_PATTERN', key: 'LATE_VS_PATTERN', loanId: 'L1', evidence: { seq: 4, offsetDays: -2, usualOffsetDays: -5 } }),
    ]);
    // Two days later than usual is within the tolerance.
    expect(assess(R, early.behaviour, pay(4, '2026-05-07')).signals).toEqual([]);
  });

  it('needs three completed installments before it knows a pattern', () => {
    const { last } = run([opened, pay(1, '2026-02-01'), pay(2, '2026-03-01'), pay(3, '2026-04-20')]);
    expect(codes(last.signals)).toEqual([]);
  });

  it('flags a partial payment of an installment already due, not an early part-payment', () => {
    const partial = run([opened, pay(1, '2026-02-12', 40_000)]).last;
    expect(partial.signals).toEqual([
      expect.objectContaining({ code: 'PARTIAL_PAYMENT', evidence: { amount: 40_000, shortfall: 60_000, valueDate: '2026-02-12' } }),
    ]);
    expect(partial.current).toBe(false);
    const earlyPart = run([opened, pay(1, '2026-02-01', 40_000)]).last;
    expect(earlyPart.signals).toEqual([]);
  });

  it('flags a reversal and owes the reversed installment again', () => {
    const { behaviour } = run([opened, pay(1, '2026-02-10', 100_000, 'R1')]);
    expect(behaviour.loans.L1.installments[0].paid).toBe(100_000);
    const a = assess(R, behaviour, { kind: 'PaymentReversed', on: '2026-02-12', sourceEventId: 'rev', loanId: 'L1', reference: 'R1', amount: 100_000 });
    expect(codes(a.signals)).toEqual(['PAYMENT_REVERSED']);
    expect(a.behaviour.loans.L1.installments[0].paid).toBe(0);
  });

  it('flags DPD rising across loans, keyed by the worst stage, and a cure of the last loan as current again', () => {
    const second: Observation = { ...opened, loanId: 'L2', sourceEventId: 'open2' };
    const stage = (loanId: string, from: 'M0' | 'M1' | null, to: 'M0' | 'M1' | 'M2', dpd: number): Observation => ({
      kind: 'LoanStageChanged',
      on: '2026-03-01',
      sourceEventId: id(),
      loanId,
      from,
      to,
      dpd,
      overdue: 100_000,
    });
    const r = run([
      opened,
      second,
      stage('L1', 'M0', 'M1', 1),
      stage('L2', 'M0', 'M1', 3),
      stage('L1', 'M1', 'M2', 31),
      stage('L1', null, 'M0', 0),
      stage('L2', null, 'M0', 0),
    ]);
    expect(r.out.map((o) => codes(o.signals))).toEqual([[], [], ['DPD_RISING:M1'], ['DPD_RISING:M1'], ['DPD_RISING:M2'], [], []]);
    expect(r.out[3].signals[0].evidence).toMatchObject({ loansPastDue: 2, totalDpd: 4, worstStage: 'M1' });
    // L1 cured but L2 still past due: not current; L2 cured: current.
    expect(r.out.map((o) => o.current)).toEqual([false, false, false, false, false, false, true]);
  });

  it('flags a broken promise; a kept one with nothing past due is current', () => {
    const broken = assess(R, run([opened]).behaviour, {
      kind: 'PromiseResolved',
      on: '2026-02-20',
      sourceEventId: 'pb',
      caseId: 'K1',
      promiseId: 'PR1',
      customerId: 'C1',
      kept: false,
    });
    expect(codes(broken.signals)).toEqual(['PROMISE_BROKEN']);
    const kept = assess(R, run([opened]).behaviour, {
      kind: 'PromiseResolved',
      on: '2026-02-20',
      sourceEventId: 'pk',
      caseId: 'K1',
      promiseId: 'PR2',
      customerId: 'C1',
      kept: true,
    });
    expect(kept).toMatchObject({ signals: [], current: true });
  });

  it('flags a grade downgrade (not an upgrade, not a hold), keyed by the new grade', () => {
    const graded = (grade: string, previousGrade: string | null): Observation => ({
      kind: 'CustomerGraded',
      on: '2026-02-01',
      sourceEventId: id(),
      customerId: 'C1',
      grade,
      previousGrade,
    });
    const r = run([graded('B', null), graded('C', 'B'), graded('B', 'C'), graded('HOLD', 'B'), graded('E', 'B')]);
    expect(r.out.map((o) => codes(o.signals))).toEqual([[], ['GRADE_DOWNGRADE:C'], [], [], ['GRADE_DOWNGRADE:E']]);
  });

  it('flags an income drop of 20% or more and a bureau score drop of 30 points or more', () => {
    const profile = (monthlyIncome: number | null, bureauScore: number | null): Observation => ({
      kind: 'ProfileUpdated',
      on: '2026-02-01',
      sourceEventId: id(),
      customerId: 'C1',
      monthlyIncome,
      bureauScore,
    });
    const r = run([profile(1_000_000, 700), profile(810_000, 671), profile(640_000, 641), profile(null, null), profile(500_000, 600)]);
    expect(r.out.map((o) => codes(o.signals))).toEqual([[], [], ['INCOME_DROP', 'BUREAU_SCORE_DROP'], [], ['INCOME_DROP', 'BUREAU_SCORE_DROP']]);
    expect(r.out[2].signals[0].evidence).toEqual({ previousIncome: 810_000, income: 640_000, dropBps: 2098 });
  });

  it('sees a payment in full with nothing past due as current', () => {
    expect(run([opened, pay(1, '2026-02-09')]).last).toEqual({ signals: [], current: true });
  });
});
