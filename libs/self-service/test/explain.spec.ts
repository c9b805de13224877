import { nextSteps, overdueBreakdown, yuan } from '../src/domain/explain.js';

const row = (seq: number, dueDate: string, over: object = {}) => ({
  seq,
  dueDate,
  principal: 100_000,
  interest: 3_000,
  paidPrincipal: 0,
  paidInterest: 0,
  penaltyAccrued: 0,
  paidPenalty: 0,
  status: 'overdue',
  ...over,
});

describe('what a customer is told', () => {
  it('splits the overdue amount by component in the waterfall’s order, per installment, counting only what is still owed', () => {
    const schedule = [
      row(1, '2025-02-15', { penaltyAccrued: 1_500, paidPenalty: 500, paidInterest: 1_000 }),
      row(2, '2025-03-15', { interest: 2_000, penaltyAccrued: 200 }),
      row(3, '2025-04-15', { status: 'not_due', interest: 1_000 }),
    ];
    const b = overdueBreakdown(schedule, { order: ['penalty', 'interest', 'principal'], sweep: 'installment' }, '2025-03-20');
    expect(b.components.map((c) => [c.component, c.amount])).toEqual([
      ['penalty', 1_200],
      ['interest', 4_000],
      ['principal', 200_000],
    ]);
    expect(b.total).toBe(205_200);
    expect(b.installments.map((i) => [i.seq, i.daysOverdue, i.total])).toEqual([
      [1, 33, 103_000],
      [2, 5, 102_200],
    ]);
    expect(b.paymentOrder.en).toBe('A payment goes to the oldest overdue installment first, and within it to penalty interest, then interest, then principal.');
    const byComponent = overdueBreakdown(schedule, { order: ['principal', 'interest', 'penalty'], sweep: 'component' }, '2025-03-20');
    expect(byComponent.components.map((c) => c.component)).toEqual(['principal', 'interest', 'penalty']);
    expect(byComponent.paymentOrder.zh).toContain('本金、利息、罚息');
  });

  const steps = [
    { stepId: 'sms-1', when: { dpdDay: 1 }, channel: 'SMS', purpose: 'REMINDER' },
    { stepId: 'call-7', when: { dpdDay: 7 }, channel: 'CALL', purpose: 'NEGOTIATION' },
    { stepId: 'letter-30', when: { dpdDay: 30 }, channel: 'LETTER', purpose: 'DEMAND' },
    { stepId: 'pre-due', when: { daysBeforeDue: 3 }, channel: 'SMS', purpose: 'REMINDER' },
  ];

  it('lists the steps DPD has not reached, dated as if nothing changes, in Chinese and English', () => {
    const next = nextSteps({ steps, dpd: 5, asOf: '2025-02-20', nextDueDate: '2025-03-15', holds: [], openPromise: null });
    expect(next.steps.map((s) => [s.stepId, s.expectedOn])).toEqual([
      ['call-7', '2025-02-22'],
      ['pre-due', '2025-03-12'],
      ['letter-30', '2025-03-17'],
    ]);
    expect(next.steps[0].text).toEqual({
      zh: '约2025-02-22（逾期第7天）：电话，沟通还款安排。',
      en: 'Around 2025-02-22 (day 7 past due): a phone call, to agree a way to repay.',
    });
    expect(next.summary.en).toBe('If nothing is paid: Around 2025-02-22 (day 7 past due): a phone call, to agree a way to repay.');
    expect(next.paused).toBeNull();
  });

  it('says contact is paused while a dispute or complaint holds the case, and names an open promise', () => {
    const held = nextSteps({ steps, dpd: 5, asOf: '2025-02-20', nextDueDate: null, holds: ['DISPUTE'], openPromise: null });
    expect(held.steps).toEqual([]);
    expect(held.paused?.en).toContain('While your complaint or dispute is open');
    const promised = nextSteps({ steps, dpd: 5, asOf: '2025-02-20', nextDueDate: null, holds: [], openPromise: { amount: 50_050, dueOn: '2025-02-25' } });
    expect(promised.summary).toEqual({
      zh: '您承诺于2025-02-25前还款500.50元。按时还款后，以下联系不再发生。',
      en: 'You promised to pay 500.50 yuan by 2025-02-25. Once paid, the contacts below do not happen.',
    });
    expect(promised.steps.length).toBe(2);
    expect(yuan(7)).toBe('0.07');
  });
});
