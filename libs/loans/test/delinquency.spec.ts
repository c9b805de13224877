import {
  DEFAULT_STAGE_BOUNDARIES,
  daysPastDue,
  oldestUnpaidDueDate,
  overdueAmount,
  pausedDays,
  stageBoundariesProblem,
  stageFor,
  type HoldPeriod,
} from '#loans';

describe('delinquency stages', () => {
  it.each([
    [0, 'M0'],
    [1, 'M1'],
    [30, 'M1'],
    [31, 'M2'],
    [60, 'M2'],
    [61, 'M3'],
    [90, 'M3'],
    [91, 'M4'],
    [120, 'M4'],
    [121, 'M5'],
    [150, 'M5'],
    [151, 'M6'],
    [180, 'M6'],
    [181, 'M6+'],
    [2_000, 'M6+'],
  ])('DPD %i is %s by default', (dpd, stage) => {
    expect(stageFor(dpd)).toBe(stage);
  });

  it('applies configured boundaries (three days of grace in M0)', () => {
    const graced = { ...DEFAULT_STAGE_BOUNDARIES, M0: 3 };
    expect([3, 4, 30, 31].map((d) => stageFor(d, graced))).toEqual(['M0', 'M1', 'M1', 'M2']);
  });

  it('refuses boundaries that do not increase', () => {
    expect(stageBoundariesProblem(DEFAULT_STAGE_BOUNDARIES)).toBeNull();
    expect(stageBoundariesProblem({ ...DEFAULT_STAGE_BOUNDARIES, M2: 30 })).toMatch(/increasing/);
    expect(stageBoundariesProblem({ ...DEFAULT_STAGE_BOUNDARIES, M0: -1 })).toMatch(/increasing/);
  });
});

describe('days past due', () => {
  const holds: HoldPeriod[] = [
    { from: '2024-02-20', to: '2024-03-01' }, // Feb 20..29: 10 days (2024 is a leap year)
    { from: '2024-02-25', to: '2024-03-05' }, // overlaps; adds Mar 1..4
    { from: '2024-03-08', to: null }, // open: Mar 8..10 by Mar 10
    { from: '2024-02-01', to: '2024-02-10' }, // before the due date: never counts
  ];

  it('counts paused days once where holds overlap, inside (due date, as-of]', () => {
    expect(pausedDays(holds, '2024-02-15', '2024-03-10')).toBe(10 + 4 + 3);
    expect(pausedDays([{ from: '2024-02-10', to: '2024-02-18' }], '2024-02-15', '2024-03-10')).toBe(2);
    expect(pausedDays(holds, '2024-03-10', '2024-03-10')).toBe(0);
  });

  it('is 0 on the due date and counts calendar days after it', () => {
    expect(daysPastDue('2024-02-15', '2024-02-15', [], true)).toBe(0);
    expect(daysPastDue('2024-02-15', '2024-02-16', [], true)).toBe(1);
    expect(daysPastDue('2024-02-15', '2024-03-16', [], true)).toBe(30); // across Feb 29
    expect(daysPastDue(null, '2024-03-16', [], true)).toBe(0);
  });

  it('leaves out paused days only when the product says they do not count', () => {
    expect(daysPastDue('2024-02-15', '2024-03-10', holds, true)).toBe(24);
    expect(daysPastDue('2024-02-15', '2024-03-10', holds, false)).toBe(24 - 17);
  });

  it('measures from the oldest installment with principal or interest unpaid; overdue includes penalty', () => {
    const balances = [
      { dueDate: '2024-02-15', principal: 0, interest: 0, penalty: 30 },
      { dueDate: '2024-03-15', principal: 100, interest: 0, penalty: 0 },
      { dueDate: '2024-04-15', principal: 1_000, interest: 10, penalty: 0 },
    ];
    expect(oldestUnpaidDueDate(balances, '2024-03-15')).toBeNull();
    expect(overdueAmount(balances, '2024-03-15')).toBe(30);
    expect(oldestUnpaidDueDate(balances, '2024-03-16')).toBe('2024-03-15');
    expect(overdueAmount(balances, '2024-03-16')).toBe(130);
  });
});
