import { deciderSpec } from '#kernel/testing';
import { DEFAULT_RULES } from '../src/domain/classification.js';
import type { Actor } from '#kernel';
import { loanClassificationDecider, type LoanClassificationEvent, type LoanClassified } from '../src/domain/loan-classification.js';
import { reportedDpdOn as dpdOn } from '#loans';
import { foldLoanEvent, loanBalance, onBook } from '../src/domain/loan-facts.js';
import { previousMonthEnd } from '../src/read-model/classification-report.js';
import { delinquentLoan, loan, registered, trigger } from './fixtures.js';

const spec = deciderSpec(loanClassificationDecider);
const builtin = { version: 'builtin-2023', rules: DEFAULT_RULES };
const activated = { version: 'stricter@2', rules: DEFAULT_RULES };

describe('classification under the rules version in force', () => {
  it('records the newly activated version even when the category and rule stay the same', () => {
    const [first] = spec
      .given([])
      .when({ type: 'ClassifyLoan', loan: delinquentLoan(100, '2026-03-01'), asOf: '2026-03-01', rules: builtin, trigger: trigger() })
      .thenTypes(['LoanClassified']);
    const [second] = spec
      .given([first])
      .when({ type: 'ClassifyLoan', loan: delinquentLoan(100, '2026-03-01'), asOf: '2026-03-02', rules: activated, trigger: trigger('EndOfDayCompleted') })
      .thenTypes(['LoanClassified']);
    expect((second as LoanClassified).data).toMatchObject({ category: 'substandard', previous: 'substandard', rulesVersion: 'stricter@2' });
    spec
      .given([first, second])
      .when({ type: 'ClassifyLoan', loan: delinquentLoan(100, '2026-03-01'), asOf: '2026-03-03', rules: activated, trigger: trigger('EndOfDayCompleted') })
      .then([]);
  });

  it('moves to doubtful on the 271st day and to loss on the 361st, extrapolating from the last Loans report', () => {
    const record = delinquentLoan(181, '2026-01-01'); // M6+ from then on: no further stage change from Loans
    const [first] = spec
      .given([])
      .when({ type: 'ClassifyLoan', loan: record, asOf: '2026-01-01', rules: builtin, trigger: trigger() })
      .thenTypes(['LoanClassified']);
    const on = (days: number) => new Date(Date.UTC(2026, 0, 1 + days)).toISOString().slice(0, 10);
    spec
      .given([first])
      .when({ type: 'ClassifyLoan', loan: record, asOf: on(89), rules: builtin, trigger: trigger('EndOfDayCompleted') })
      .then([]);
    const [doubtful] = spec
      .given([first])
      .when({ type: 'ClassifyLoan', loan: record, asOf: on(90), rules: builtin, trigger: trigger('EndOfDayCompleted') })
      .thenTypes(['LoanClassified']);
    expect((doubtful as LoanClassified).data).toMatchObject({ category: 'doubtful', dpd: 271, rule: 'overdue.over-doubtful-days' });
    const [lost] = spec
      .given([first, doubtful])
      .when({ type: 'ClassifyLoan', loan: record, asOf: on(180), rules: builtin, trigger: trigger('EndOfDayCompleted') })
      .thenTypes(['LoanClassified']);
    expect((lost as LoanClassified).data).toMatchObject({ category: 'loss', dpd: 361 });
  });
});

describe("Grading's record of a written-off loan", () => {
  it('freezes DPD at the write-off and takes the loan off the books', () => {
    const base = foldLoanEvent(undefined, 'L1', registered({ loanId: 'L1' }))!;
    const delinquent = { ...base, delinquent: true, dpd: 200, dpdAsOf: '2026-06-01' };
    const written = foldLoanEvent(delinquent, 'L1', {
      type: 'LoanWrittenOff',
      data: {
        requestId: 'wo-1',
        writtenOffOn: '2026-06-10',
        principal: 100,
        interest: 0,
        penalty: 0,
        amount: 100,
        dpd: 209,
        stage: 'M6+',
        reason: 'x',
        requestedBy: 's',
        approvedBy: 'r',
        approverRole: 'risk_manager',
        approvalLimit: 1,
      },
    })!;
    expect(dpdOn(written, '2027-01-01')).toBe(209);
    expect([loanBalance(written), onBook(written), onBook(loan())]).toEqual([0, false, true]);
  });
});

describe('the report dates', () => {
  it.each([
    ['2024-03-02', '2024-02-29'],
    ['2024-01-31', '2023-12-31'],
    ['2025-03-01', '2025-02-28'],
  ])('the previous month end of %s is %s', (date, end) => expect(previousMonthEnd(date)).toBe(end));
});

describe('manual override of a classification', () => {
  const rm1: Actor = { id: 'rm-1', role: 'risk_manager' };
  const rm2: Actor = { id: 'rm-2', role: 'risk_manager' };
  const record = delinquentLoan(10, '2026-03-01'); // special mention by the rules
  const base = () =>
    spec
      .given([])
      .when({ type: 'ClassifyLoan', loan: record, asOf: '2026-03-01', rules: builtin, trigger: trigger() })
      .thenTypes(['LoanClassified']) as LoanClassificationEvent[];
  const override = (category: 'normal' | 'special_mention' | 'substandard' | 'doubtful', by = rm1, requestId = 'ov-1') =>
    ({
      type: 'OverrideClassification',
      requestId,
      category,
      reason: 'bankruptcy filing reported',
      by,
      loan: record,
      asOf: '2026-03-02',
      rules: builtin,
    }) as const;

  it('a downgrade applies at once with who and why, and holds against the rules until lifted', () => {
    const given = base();
    const [down] = spec.given(given).when(override('doubtful')).thenTypes(['LoanClassified']);
    expect((down as LoanClassified).data).toMatchObject({
      category: 'doubtful',
      previous: 'special_mention',
      rule: 'manual.override',
      manual: { category: 'doubtful', requestId: 'ov-1', reason: 'bankruptcy filing reported', requestedBy: 'rm-1', approvedBy: null },
    });
    // The daily reclassification keeps it: the rules give special mention, the floor is doubtful.
    spec
      .given([...given, down])
      .when({ type: 'ClassifyLoan', loan: record, asOf: '2026-03-03', rules: builtin, trigger: trigger('EndOfDayCompleted') })
      .then([]);
    // A worse rule category wins over the floor.
    const [loss] = spec
      .given([...given, down])
      .when({ type: 'ClassifyLoan', loan: delinquentLoan(361, '2026-03-04'), asOf: '2026-03-04', rules: builtin, trigger: trigger('EndOfDayCompleted') })
      .thenTypes(['LoanClassified']);
    expect((loss as LoanClassified).data).toMatchObject({ category: 'loss', rule: 'overdue.over-loss-days' });
  });

  it('an upgrade needs a second person and never goes below the rules', () => {
    const down = spec.given(base()).when(override('doubtful')).thenTypes(['LoanClassified']);
    const given = [...base(), ...down];
    spec
      .given(given)
      .when(override('normal', rm1, 'ov-2'))
      .thenError('UPGRADE_BELOW_RULES');
    const [requested] = spec
      .given(given)
      .when(override('special_mention', rm1, 'ov-2'))
      .thenTypes(['ClassificationUpgradeRequested']);
    const approve = (by: Actor) => ({ type: 'ApproveClassificationUpgrade', requestId: 'ov-2', by, loan: record, asOf: '2026-03-05', rules: builtin }) as const;
    spec
      .given([...given, requested])
      .when(approve(rm1))
      .thenError('MAKER_CANNOT_CHECK');
    const [up] = spec
      .given([...given, requested])
      .when(approve(rm2))
      .thenTypes(['LoanClassified']);
    expect((up as LoanClassified).data).toMatchObject({
      category: 'special_mention',
      previous: 'doubtful',
      manual: { category: 'special_mention', requestedBy: 'rm-1', approvedBy: 'rm-2' },
    });
    spec
      .given([...given, requested, up])
      .when(approve(rm2))
      .then([]);
  });

  it('refuses an override to the category the loan already has', () => {
    spec.given(base()).when(override('special_mention')).thenError('OVERRIDE_UNCHANGED');
  });
});
