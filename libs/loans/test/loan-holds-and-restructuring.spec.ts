import { deciderSpec } from '#kernel/testing';
import { DEFAULT_PRODUCT_SETTINGS, loanDecider, type LoanCommand, type LoanEvent } from '#loans';
import { DUE1, PAUSING_PRODUCT, PENALTY_PRODUCT, close, endHold, history, loanRegistered, pay, positionDecider, restructure, startHold } from './fixtures.js';

const spec = deciderSpec(positionDecider);
const holdStarted = (holdId: string, from: string, businessDate: string): LoanEvent => ({
  type: 'CollectionHoldStarted',
  data: { holdId, reason: 'complaint under review', from, businessDate },
});

describe('collection holds', () => {
  it('by default held days still count toward DPD', () => {
    const delinquent = history([loanRegistered()], close('2024-02-16'));
    spec
      .given(delinquent)
      .when(startHold('h1', '2024-02-20', '2024-02-20'))
      .then([holdStarted('h1', '2024-02-20', '2024-02-20')]);
    spec
      .given(history(delinquent, startHold('h1', '2024-02-20', '2024-02-20')))
      .when(close('2024-03-17'))
      .then([{ type: 'DelinquencyStageChanged', data: { from: 'M1', to: 'M2', dpd: 31, overdueAmount: 205_000, asOf: '2024-03-17' } }]);
  });

  it('when the product does not count them, held days stop the DPD clock and are recorded when the hold ends', () => {
    const held = history([loanRegistered(PAUSING_PRODUCT)], close('2024-02-16'), startHold('h1', '2024-02-20', '2024-02-20'));
    spec.given(held).when(close('2024-03-17')).then([]);
    // Feb 20 .. Mar 9 paused: 19 days. By Mar 17, 31 days have passed since the due date, 12 counted.
    spec
      .given(held)
      .when(endHold('h1', '2024-03-10', '2024-03-17'))
      .then([{ type: 'CollectionHoldEnded', data: { holdId: 'h1', from: '2024-02-20', to: '2024-03-10', pausedDays: 19, businessDate: '2024-03-17' } }]);
    const ended = history(held, endHold('h1', '2024-03-10', '2024-03-17'));
    spec.given(ended).when(close('2024-04-04')).then([]);
    spec
      .given(ended)
      .when(close('2024-04-05'))
      .then([{ type: 'DelinquencyStageChanged', data: { from: 'M1', to: 'M2', dpd: 31, overdueAmount: 205_000, asOf: '2024-04-05' } }]);
  });

  it('a hold started with an earlier date takes the paused days off at once when they do not count', () => {
    const atM2 = (product = PAUSING_PRODUCT) => history([loanRegistered(product)], close('2024-02-16'), close('2024-03-17'));
    // As of Mar 18: 32 days since Feb 15, of which Feb 20 .. Mar 18 (28 days) are paused.
    spec
      .given(atM2())
      .when(startHold('h1', '2024-02-20', '2024-03-18'))
      .then([
        holdStarted('h1', '2024-02-20', '2024-03-18'),
        { type: 'DelinquencyStageChanged', data: { from: 'M2', to: 'M1', dpd: 4, overdueAmount: 205_000, asOf: '2024-03-18' } },
      ]);
    spec
      .given(atM2(DEFAULT_PRODUCT_SETTINGS))
      .when(startHold('h1', '2024-02-20', '2024-03-18'))
      .then([holdStarted('h1', '2024-02-20', '2024-03-18')]);
  });

  it('repeating a start or an end with the same terms is a no-op', () => {
    const held = history([loanRegistered()], startHold('h1', '2024-02-20', '2024-02-20'));
    spec
      .given(held)
      .when(startHold('h1', '2024-02-20', '2024-02-21'))
      .then([]);
    const ended = history(held, endHold('h1', '2024-03-01', '2024-03-01'));
    spec
      .given(ended)
      .when(endHold('h1', '2024-03-01', '2024-03-02'))
      .then([]);
  });

  const held = () => history([loanRegistered()], startHold('h1', '2024-02-20', '2024-02-20'));
  it.each<[string, () => LoanEvent[], LoanCommand, string, string]>([
    ['a hold id already used with another start', held, startHold('h1', '2024-02-21', '2024-02-21'), 'HOLD_ALREADY_EXISTS', 'conflict'],
    ['a start after the business date', () => [loanRegistered()], startHold('h1', '2024-02-21', '2024-02-20'), 'HOLD_DATE_IN_FUTURE', 'rule'],
    ['an end after the business date', held, endHold('h1', '2024-03-02', '2024-03-01'), 'HOLD_DATE_IN_FUTURE', 'rule'],
    ['an end before the start', held, endHold('h1', '2024-02-19', '2024-03-01'), 'HOLD_END_BEFORE_START', 'rule'],
    ['ending an unknown hold', held, endHold('h2', '2024-03-01', '2024-03-01'), 'HOLD_NOT_FOUND', 'not_found'],
    [
      'ending a hold again on another date',
      () => history(held(), endHold('h1', '2024-03-01', '2024-03-01')),
      endHold('h1', '2024-03-02', '2024-03-02'),
      'HOLD_ALREADY_ENDED',
      'conflict',
    ],
    [
      'a hold on a paid-off loan',
      () => history([loanRegistered()], pay('p1', 306_000, '2024-02-10')),
      startHold('h1', '2024-02-11', '2024-02-11'),
      'LOAN_PAID_OFF',
      'rule',
    ],
    ['a hold on an unknown loan', () => [], startHold('h1', '2024-02-11', '2024-02-11'), 'LOAN_NOT_FOUND', 'not_found'],
  ])('rejects %s', (_name, given, command, code, category) => {
    expect(spec.given(given()).when(command).thenError(code).category).toBe(category);
  });
});

describe('RestructureSchedule', () => {
  const newSchedule = [
    { dueDate: '2024-04-20', principal: 150_000, interest: 2_000 },
    { dueDate: '2024-05-20', principal: 150_000, interest: 1_000 },
  ];
  const atM2 = (product = DEFAULT_PRODUCT_SETTINGS) => history([loanRegistered(product)], close('2024-02-16'), close('2024-03-17'));
  /** `newSchedule` applied on Mar 20 to the loan at M2: every installment replaced, numbered on from 4. */
  const restructuredAtM2 = (supersededPenalty: number): LoanEvent => ({
    type: 'ScheduleRestructured',
    data: {
      restructuringId: 'r1',
      effectiveDate: '2024-03-20',
      businessDate: '2024-03-20',
      replacedSeqs: [1, 2, 3],
      restructuredPrincipal: 300_000,
      supersededInterest: 6_000,
      supersededPenalty,
      newSchedule: [
        { seq: 4, dueDate: '2024-04-20', principal: 150_000, interest: 2_000 },
        { seq: 5, dueDate: '2024-05-20', principal: 150_000, interest: 1_000 },
      ],
    },
  });

  it('replaces every installment not fully paid, which cures the loan', () => {
    spec
      .given(atM2())
      .when(restructure('r1', '2024-03-20', newSchedule))
      .then([
        restructuredAtM2(0),
        { type: 'DelinquencyStageChanged', data: { from: 'M2', to: 'M0', dpd: 0, overdueAmount: 0, asOf: '2024-03-20' } },
        { type: 'LoanCured', data: { asOf: '2024-03-20', overdueAmount: 0 } },
      ]);
  });

  it('from then on the new schedule decides delinquency', () => {
    const restructured = history(atM2(), restructure('r1', '2024-03-20', newSchedule));
    spec.given(restructured).when(close('2024-04-20')).then([]);
    spec
      .given(restructured)
      .when(close('2024-04-21'))
      .then([
        { type: 'LoanBecameDelinquent', data: { dpd: 1, stage: 'M1', overdueAmount: 152_000, oldestUnpaidDueDate: '2024-04-20', asOf: '2024-04-21' } },
        { type: 'DelinquencyStageChanged', data: { from: 'M0', to: 'M1', dpd: 1, overdueAmount: 152_000, asOf: '2024-04-21' } },
      ]);
  });

  it('restructures only the principal still owed, leaving paid installments alone', () => {
    const given = history([loanRegistered()], pay('p1', 103_000, DUE1), pay('p2', 50_000, '2024-03-15'), close('2024-03-16'));
    const [event] = spec
      .given(given)
      .when(
        restructure('r1', '2024-03-20', [
          { dueDate: '2024-04-20', principal: 76_000, interest: 500 },
          { dueDate: '2024-05-20', principal: 76_000, interest: 500 },
        ]),
      )
      .thenTypes(['ScheduleRestructured', 'DelinquencyStageChanged', 'LoanCured']);
    expect(event.data).toMatchObject({ replacedSeqs: [2, 3], restructuredPrincipal: 152_000, supersededInterest: 1_000, supersededPenalty: 0 });
  });

  it('records the penalty it supersedes; the penalty accrued before stays in the total', () => {
    // By Mar 20: installment 1 accrued Feb 16..Mar 20 (34 days), installment 2 Mar 16..20 (5 days); 1,650 reported by Mar 17.
    spec
      .given(atM2(PENALTY_PRODUCT))
      .when(restructure('r1', '2024-03-20', newSchedule))
      .then([
        restructuredAtM2(34 * 50 + 5 * 50),
        { type: 'PenaltyAccrued', data: { asOf: '2024-03-20', amount: 1_950 - 1_650, accruedTotal: 1_950 } },
        { type: 'DelinquencyStageChanged', data: { from: 'M2', to: 'M0', dpd: 0, overdueAmount: 0, asOf: '2024-03-20' } },
        { type: 'LoanCured', data: { asOf: '2024-03-20', overdueAmount: 0 } },
      ]);
  });

  it('repeating a restructuring with the same terms is a no-op', () => {
    spec
      .given(history(atM2(), restructure('r1', '2024-03-20', newSchedule)))
      .when(restructure('r1', '2024-03-20', newSchedule, '2024-03-21'))
      .then([]);
  });

  const penaltyOnly = () => {
    const product = { ...PENALTY_PRODUCT, waterfall: { order: ['interest', 'principal', 'penalty'] as const, sweep: 'component' as const } };
    return history([loanRegistered(product)], pay('p1', 306_000, '2024-04-20'));
  };
  it.each<[string, () => LoanEvent[], LoanCommand, string, string]>([
    [
      'a new schedule not summing to the outstanding principal',
      atM2,
      restructure('r1', '2024-03-20', [{ dueDate: '2024-04-20', principal: 299_999, interest: 0 }]),
      'SCHEDULE_PRINCIPAL_MISMATCH',
      'rule',
    ],
    [
      'an id already used with other terms',
      () => history(atM2(), restructure('r1', '2024-03-20', newSchedule)),
      restructure('r1', '2024-03-21', newSchedule),
      'RESTRUCTURING_ALREADY_APPLIED',
      'conflict',
    ],
    ['an effective date after the business date', atM2, restructure('r1', '2024-03-21', newSchedule, '2024-03-20'), 'EFFECTIVE_DATE_IN_FUTURE', 'rule'],
    [
      'an effective date before a recorded payment',
      () => history(atM2(), pay('p1', 100, '2024-03-19')),
      restructure('r1', '2024-03-18', newSchedule, '2024-03-20'),
      'EFFECTIVE_DATE_BEFORE_RECORDED_FACTS',
      'rule',
    ],
    [
      'a first due date not after the effective date',
      atM2,
      restructure('r1', '2024-03-20', [{ dueDate: '2024-03-20', principal: 300_000, interest: 0 }]),
      'SCHEDULE_DATES_NOT_INCREASING',
      'rule',
    ],
    ['due dates going back', atM2, restructure('r1', '2024-03-20', [...newSchedule].reverse()), 'SCHEDULE_DATES_NOT_INCREASING', 'rule'],
    ['an empty schedule', atM2, restructure('r1', '2024-03-20', []), 'EMPTY_SCHEDULE', 'rule'],
    ['a negative amount', atM2, restructure('r1', '2024-03-20', [{ dueDate: '2024-04-20', principal: 300_000, interest: -1 }]), 'INVALID_AMOUNT', 'rule'],
    [
      'a paid-off loan',
      () => history([loanRegistered()], pay('p1', 306_000, '2024-02-10')),
      restructure('r1', '2024-03-20', newSchedule),
      'LOAN_PAID_OFF',
      'rule',
    ],
    [
      'a loan owing only penalty',
      penaltyOnly,
      restructure('r1', '2024-04-20', [{ dueDate: '2024-05-20', principal: 1, interest: 0 }]),
      'NOTHING_TO_RESTRUCTURE',
      'rule',
    ],
    ['an unknown loan', () => [], restructure('r1', '2024-03-20', newSchedule), 'LOAN_NOT_FOUND', 'not_found'],
  ])('rejects %s', (_name, given, command, code, category) => {
    expect(spec.given(given()).when(command).thenError(code).category).toBe(category);
  });

  it('a loan owing only penalty is current but not paid off', () => {
    const given = penaltyOnly();
    expect(given.map((e) => e.type)).toEqual(['LoanRegistered', 'PaymentReceived', 'PenaltyAccrued']);
    expect(loanDecider.evolve(given.slice(0, -1).reduce(loanDecider.evolve, loanDecider.initialState()), given.at(-1)!).status).toBe('Active');
  });
});
