import { allocatePayment, DEFAULT_PRODUCT_SETTINGS, type Receivable, type Waterfall } from '#loans';

const r1: Receivable = { seq: 1, dueDate: '2024-02-15', penalty: 200, interest: 3_000, principal: 100_000 };
const r2: Receivable = { seq: 2, dueDate: '2024-03-15', penalty: 50, interest: 2_000, principal: 100_000 };
const r3: Receivable = { seq: 3, dueDate: '2024-04-15', penalty: 0, interest: 1_000, principal: 100_000 };
const owed = [r1, r2, r3];
const DEFAULT = DEFAULT_PRODUCT_SETTINGS.waterfall;
const BY_COMPONENT: Waterfall = { order: ['penalty', 'interest', 'principal'], sweep: 'component' };
const PRINCIPAL_FIRST: Waterfall = { order: ['principal', 'interest', 'penalty'], sweep: 'installment' };

/** When a case does not say otherwise, the payment is valued after the second due date. */
const PAID_ON = '2024-03-20';

/** The allocations that pay a receivable in full in the default order (nothing zero is listed). */
const inFull = (r: Receivable) =>
  (['penalty', 'interest', 'principal'] as const).filter((c) => r[c] > 0).map((component) => ({ seq: r.seq, component, amount: r[component] }));

/** 5,300 swept by component at a date on or after the second due date: all penalty, then all interest, then principal. */
const SWEPT_BY_COMPONENT = [
  { seq: 1, component: 'penalty', amount: 200 },
  { seq: 2, component: 'penalty', amount: 50 },
  { seq: 1, component: 'interest', amount: 3_000 },
  { seq: 2, component: 'interest', amount: 2_000 },
  { seq: 1, component: 'principal', amount: 50 },
];

describe('payment waterfall', () => {
  it.each([
    {
      name: 'default: penalty, interest, principal of the oldest installment before the next one',
      waterfall: DEFAULT,
      amount: 103_300,
      allocations: [...inFull(r1), { seq: 2, component: 'penalty', amount: 50 }, { seq: 2, component: 'interest', amount: 50 }],
    },
    {
      name: 'partial payment: stops where the money runs out',
      waterfall: DEFAULT,
      amount: 150,
      allocations: [{ seq: 1, component: 'penalty', amount: 150 }],
    },
    {
      name: 'component sweep: all penalty, then all interest, then principal, oldest first',
      waterfall: BY_COMPONENT,
      amount: 5_300,
      allocations: SWEPT_BY_COMPONENT,
    },
    {
      name: 'configured order: principal before interest before penalty',
      waterfall: PRINCIPAL_FIRST,
      amount: 100_500,
      allocations: [
        { seq: 1, component: 'principal', amount: 100_000 },
        { seq: 1, component: 'interest', amount: 500 },
      ],
    },
    {
      name: 'an installment is due on its due date (component sweep reaches it)',
      waterfall: BY_COMPONENT,
      amount: 5_300,
      valueDate: '2024-03-15',
      allocations: SWEPT_BY_COMPONENT,
    },
    {
      name: 'the day before a due date that installment is not due yet (it waits behind what is due)',
      waterfall: BY_COMPONENT,
      amount: 5_300,
      valueDate: '2024-03-14',
      allocations: [
        { seq: 1, component: 'penalty', amount: 200 },
        { seq: 1, component: 'interest', amount: 3_000 },
        { seq: 1, component: 'principal', amount: 2_100 },
      ],
    },
    {
      name: 'what is left after everything due prepays the next installment; nothing zero is listed',
      waterfall: DEFAULT,
      amount: 205_250 + 50_000,
      allocations: [...inFull(r1), ...inFull(r2), { seq: 3, component: 'interest', amount: 1_000 }, { seq: 3, component: 'principal', amount: 49_000 }],
    },
  ])('$name', ({ waterfall, amount, valueDate = PAID_ON, allocations }) => {
    expect(allocatePayment(amount, owed, valueDate, waterfall)).toEqual({ allocations, unapplied: 0 });
  });

  it('leaves an overpayment unapplied', () => {
    const result = allocatePayment(306_250 + 75, owed, '2024-03-20', DEFAULT);
    expect(result.unapplied).toBe(75);
    expect(result.allocations.reduce((s, a) => s + a.amount, 0)).toBe(306_250);
  });

  it('serves the oldest installment first whatever order the receivables come in', () => {
    expect(allocatePayment(3_300, [r3, r2, r1], '2024-03-20', DEFAULT)).toEqual(allocatePayment(3_300, owed, '2024-03-20', DEFAULT));
    expect(allocatePayment(3_300, [r3, r2, r1], '2024-03-20', DEFAULT).allocations[0]).toEqual({ seq: 1, component: 'penalty', amount: 200 });
  });
});
