import { deciderSpec } from '#kernel/testing';
import { classifyLoan, DEFAULT_RULES, observationPeriod, rulesProblem } from '../src/domain/classification.js';
import { loanClassificationDecider, type LoanClassified } from '../src/domain/loan-classification.js';
import type { LoanRestructuring } from '../src/domain/loan-facts.js';
import { delinquentLoan, loan, trigger } from './fixtures.js';

const rules = DEFAULT_RULES;

describe('five-category classification: days past due', () => {
  it.each([
    [0, 'normal', 'performing'],
    [1, 'special_mention', 'overdue'],
    [90, 'special_mention', 'overdue'],
    [91, 'substandard', 'overdue.over-substandard-days'],
    [270, 'substandard', 'overdue.over-substandard-days'],
    [271, 'doubtful', 'overdue.over-doubtful-days'],
    [360, 'doubtful', 'overdue.over-doubtful-days'],
    [361, 'loss', 'overdue.over-loss-days'],
    [900, 'loss', 'overdue.over-loss-days'],
  ])('%i days past due: %s (%s)', (dpd, category, rule) => {
    const l = dpd === 0 ? loan() : delinquentLoan(dpd, '2026-03-01');
    expect(classifyLoan(rules, l, '2026-03-01')).toMatchObject({ category, rule, dpd });
  });

  it('days past due keep counting between Loans reports: 85 days reported, 6 days later it is substandard', () => {
    expect(classifyLoan(rules, delinquentLoan(85, '2026-03-01'), '2026-03-06')).toMatchObject({ category: 'special_mention', dpd: 90 });
    expect(classifyLoan(rules, delinquentLoan(85, '2026-03-01'), '2026-03-07')).toMatchObject({ category: 'substandard', dpd: 91 });
  });

  it('a stricter rules version moves the boundary', () => {
    expect(classifyLoan({ ...rules, substandardOverDpd: 60 }, delinquentLoan(61, '2026-03-01'), '2026-03-01').category).toBe('substandard');
  });
});

describe('five-category classification: restructured loans', () => {
  // Restructured on 2025-06-10; new monthly installments from 2025-07-15.
  const dueDates = [
    '2025-07-15',
    '2025-08-15',
    '2025-09-15',
    '2025-10-15',
    '2025-11-15',
    '2025-12-15',
    '2026-01-15',
    '2026-02-15',
    '2026-03-15',
    '2026-04-15',
    '2026-05-15',
    '2026-06-15',
    '2026-07-15',
    '2026-08-15',
  ];
  const r1: LoanRestructuring = { restructuringId: 'RS-1', effectiveDate: '2025-06-10', dueDates, dpdBefore: 40 };
  const restructured = (extra = {}) => loan({ restructurings: [r1], ...extra });

  it('observation runs from the first repayment date for a year (longer than two monthly periods)', () => {
    expect(observationPeriod(rules, r1)).toEqual({ from: '2025-06-10', firstRepayment: '2025-07-15', to: '2026-07-15' });
  });

  it('observation lasts at least two repayment periods when they are longer than a year', () => {
    const yearly: LoanRestructuring = {
      restructuringId: 'RS-Y',
      effectiveDate: '2025-06-10',
      dueDates: ['2025-12-31', '2026-12-31', '2027-12-31', '2028-12-31'],
      dpdBefore: 0,
    };
    expect(observationPeriod(rules, yearly).to).toBe('2027-12-31');
  });

  it.each([
    ['the effective date', '2025-06-10', 'special_mention', 'restructured.observation'],
    ['before the first repayment', '2025-07-01', 'special_mention', 'restructured.observation'],
    ['the last day of observation', '2026-07-15', 'special_mention', 'restructured.observation'],
    ['the day after observation ends', '2026-07-16', 'normal', 'performing'],
    ['the day before the restructuring', '2025-06-09', 'normal', 'performing'],
  ])('a performing restructured loan on %s: %s', (_when, asOf, category, rule) => {
    expect(classifyLoan(rules, restructured(), asOf)).toMatchObject({ category, rule });
  });

  it('a payment missed during observation makes it at least substandard through observation, even once cured', () => {
    const missed = restructured({ episodes: [{ start: '2025-10-16', end: '2025-10-30', maxDpd: 15 }] });
    expect(classifyLoan(rules, missed, '2025-10-15')).toMatchObject({ category: 'special_mention', rule: 'restructured.observation' });
    expect(classifyLoan(rules, missed, '2025-10-16')).toMatchObject({ category: 'substandard', rule: 'restructured.missed-payment' });
    expect(classifyLoan(rules, missed, '2026-02-01')).toMatchObject({ category: 'substandard', rule: 'restructured.missed-payment' });
    expect(classifyLoan(rules, missed, '2026-07-16')).toMatchObject({ category: 'normal' });
  });

  it('the delinquency the restructuring cured is not a missed payment; one still running after the first repayment date is', () => {
    const cured = restructured({ episodes: [{ start: '2025-05-01', end: '2025-06-10', maxDpd: 40 }] });
    expect(classifyLoan(rules, cured, '2025-09-01').category).toBe('special_mention');
    const running = restructured({ episodes: [{ start: '2025-05-01', end: '2025-08-01', maxDpd: 92 }] });
    expect(classifyLoan(rules, running, '2025-07-15').category).toBe('special_mention');
    expect(classifyLoan(rules, running, '2025-07-16')).toMatchObject({ category: 'substandard', rule: 'restructured.missed-payment' });
  });

  it('a loan restructured again during observation is at least substandard', () => {
    const r2: LoanRestructuring = { restructuringId: 'RS-2', effectiveDate: '2026-01-05', dueDates: ['2026-02-15', '2026-03-15', '2026-04-15'], dpdBefore: 0 };
    expect(classifyLoan(rules, loan({ restructurings: [r1, r2] }), '2026-01-05')).toMatchObject({ category: 'substandard', rule: 'restructured.again' });
    const afterObservation: LoanRestructuring = { ...r2, effectiveDate: '2026-08-01', dueDates: ['2026-09-15', '2026-10-15', '2026-11-15'] };
    expect(classifyLoan(rules, loan({ restructurings: [r1, afterObservation] }), '2026-08-01')).toMatchObject({
      category: 'special_mention',
      rule: 'restructured.observation',
    });
  });

  it('a loan substandard or worse when restructured is not upgraded during observation', () => {
    const late: LoanRestructuring = { ...r1, dpdBefore: 120 };
    expect(classifyLoan(rules, loan({ restructurings: [late] }), '2025-09-01')).toMatchObject({ category: 'substandard', rule: 'restructured.no-upgrade' });
    const veryLate: LoanRestructuring = { ...r1, dpdBefore: 300 };
    expect(classifyLoan(rules, loan({ restructurings: [veryLate] }), '2025-09-01')).toMatchObject({ category: 'doubtful', rule: 'restructured.no-upgrade' });
    expect(
      classifyLoan({ ...rules, restructuring: { ...rules.restructuring, keepCategoryBefore: false } }, loan({ restructurings: [late] }), '2025-09-01').category,
    ).toBe('special_mention');
  });

  it('days past due beyond a restructuring floor decide', () => {
    expect(classifyLoan(rules, delinquentLoan(100, '2025-10-01', { restructurings: [r1] }), '2025-10-01')).toMatchObject({
      category: 'substandard',
      rule: 'overdue.over-substandard-days',
    });
    expect(classifyLoan(rules, delinquentLoan(280, '2026-03-01', { restructurings: [r1] }), '2026-03-01')).toMatchObject({
      category: 'doubtful',
      rule: 'overdue.over-doubtful-days',
    });
  });
});

describe('classification rules validation', () => {
  it('accepts the defaults, and stricter rules', () => {
    expect(rulesProblem(DEFAULT_RULES)).toBeNull();
    expect(rulesProblem({ ...DEFAULT_RULES, substandardOverDpd: 60, doubtfulOverDpd: 180, lossOverDpd: 270 })).toBeNull();
  });
  it.each([
    ['laxer day thresholds', { ...DEFAULT_RULES, lossOverDpd: 400 }],
    ['thresholds out of order', { ...DEFAULT_RULES, doubtfulOverDpd: 80 }],
    ['special mention not from the first day', { ...DEFAULT_RULES, specialMentionFromDpd: 30 }],
    ['a shorter observation', { ...DEFAULT_RULES, restructuring: { ...DEFAULT_RULES.restructuring, observationPeriods: 1 } }],
    [
      'a missed payment floor below substandard',
      { ...DEFAULT_RULES, restructuring: { ...DEFAULT_RULES.restructuring, missedPaymentCategory: 'special_mention' as const } },
    ],
  ])('refuses %s', (_what, r) => expect(rulesProblem(r)).not.toBeNull());
});

describe('loan classification decider', () => {
  const spec = deciderSpec(loanClassificationDecider);
  const inForce = { version: 'builtin-2023', rules };

  it('the first classification is recorded with the rule and the rules version', () => {
    const t = trigger('LoanRegistered');
    spec
      .given([])
      .when({ type: 'ClassifyLoan', loan: loan(), asOf: '2026-03-01', rules: inForce, trigger: t })
      .then([
        {
          type: 'LoanClassified',
          data: {
            loanId: 'L1',
            customerId: 'C1',
            category: 'normal',
            previous: null,
            rule: 'performing',
            rulesVersion: 'builtin-2023',
            dpd: 0,
            observation: null,
            asOf: '2026-03-01',
            triggerEventId: t.eventId,
            triggerType: 'LoanRegistered',
            triggerPosition: t.position,
          },
        },
      ]);
  });

  it('records a change of category with the previous one, and nothing when nothing changed', () => {
    const [first] = spec
      .given([])
      .when({ type: 'ClassifyLoan', loan: loan(), asOf: '2026-03-01', rules: inForce, trigger: trigger() })
      .thenTypes(['LoanClassified']);
    const [second] = spec
      .given([first])
      .when({ type: 'ClassifyLoan', loan: delinquentLoan(91, '2026-03-01'), asOf: '2026-03-01', rules: inForce, trigger: trigger() })
      .thenTypes(['LoanClassified']);
    expect((second as LoanClassified).data).toMatchObject({ category: 'substandard', previous: 'normal', rule: 'overdue.over-substandard-days' });
    spec
      .given([first, second])
      .when({ type: 'ClassifyLoan', loan: delinquentLoan(95, '2026-03-05'), asOf: '2026-03-05', rules: inForce, trigger: trigger() })
      .then([]);
  });

  it('ignores a trigger older than the one behind the current classification', () => {
    const older = trigger();
    const [first] = spec
      .given([])
      .when({ type: 'ClassifyLoan', loan: delinquentLoan(91, '2026-03-01'), asOf: '2026-03-01', rules: inForce, trigger: trigger() })
      .thenTypes(['LoanClassified']);
    spec.given([first]).when({ type: 'ClassifyLoan', loan: loan(), asOf: '2026-03-01', rules: inForce, trigger: older }).then([]);
  });
});
