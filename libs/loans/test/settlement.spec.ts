import { addDays, type Actor } from '#kernel';
import { deciderSpec } from '#kernel/testing';
import { loanDecider, project, type LoanCommand, type LoanEvent } from '#loans';
import { quietThroughOf } from '../src/domain/loan/events.js';
import { DISBURSED, DUE1, LOAN, close, closeDays, history, loanRegistered, pay, registerLoan, reverse, stateAfter } from './fixtures.js';

const spec = deciderSpec(loanDecider);
const supervisor: Actor = { id: 'sup-1', role: 'supervisor' };
const otherSupervisor: Actor = { id: 'sup-2', role: 'supervisor' };
const riskManager: Actor = { id: 'rm-1', role: 'risk_manager' };

const propose = (businessDate: string, amount: number, dueBy: string, by = supervisor, settlementId = 'st-1'): LoanCommand => ({
  type: 'ProposeSettlement',
  data: { loanId: LOAN, settlementId, amount, dueBy, reason: 'hardship: a lump sum from family', by, businessDate },
});
const approve = (businessDate: string, by: Actor = riskManager, settlementId = 'st-1'): LoanCommand => ({
  type: 'ApproveSettlement',
  data: { loanId: LOAN, settlementId, by, businessDate },
});
const reject = (businessDate: string, by: Actor = riskManager, settlementId = 'st-1'): LoanCommand => ({
  type: 'RejectSettlement',
  data: { loanId: LOAN, settlementId, reason: 'the customer can pay more', by, businessDate },
});

/**
 * The fixture loan (306,000 fen: 300,000 principal, 6,000 interest; no penalty) with nothing paid,
 * every day closed through DPD 40: installments 1 and 2 are past due, 3 is not due yet.
 */
const D40 = addDays(DUE1, 40);
const DUE_BY = addDays(D40, 10);
const delinquent = () => history([loanRegistered()], ...closeDays(addDays(DUE1, 1), D40));
const approved = () => history(delinquent(), propose(D40, 200_000, DUE_BY), approve(D40));

describe('Settlement offers (four eyes, on the loan)', () => {
  it('a proposal records the amount, the date, who proposed it, and what it would forgive', () => {
    spec
      .given(delinquent())
      .when(propose(D40, 200_000, DUE_BY))
      .then([
        {
          type: 'SettlementProposed',
          data: {
            settlementId: 'st-1',
            amount: 200_000,
            dueBy: DUE_BY,
            reason: 'hardship: a lump sum from family',
            proposedBy: 'sup-1',
            outstandingAmount: 306_000,
            forgivenAmount: 106_000,
            businessDate: D40,
          },
        },
      ]);
  });

  it('an approval by somebody else records their role and limit; the same calls again append nothing', () => {
    const proposed = history(delinquent(), propose(D40, 200_000, DUE_BY));
    spec
      .given(proposed)
      .when(approve(D40, otherSupervisor))
      .then([
        {
          type: 'SettlementApproved',
          data: { settlementId: 'st-1', approvedBy: 'sup-2', approverRole: 'supervisor', approvalLimit: 500_000, forgivenAmount: 106_000, businessDate: D40 },
        },
      ]);
    spec
      .given(proposed)
      .when(propose(D40, 200_000, DUE_BY))
      .then([]);
    spec.given(approved()).when(approve(D40)).then([]);
  });

  it('payments after the approval that reach the amount by dueBy settle the loan: the rest is forgiven by component and the loan is paid off', () => {
    const on = addDays(D40, 3);
    const partly = history(approved(), pay('p-1', 120_000, D40));
    expect(partly.map((e) => e.type)).not.toContain('LoanSettled');
    const events = spec
      .given(partly)
      .when(pay('p-2', 80_000, on))
      .thenTypes(['PaymentReceived', 'LoanSettled', 'DelinquencyStageChanged', 'LoanCured', 'LoanPaidOff']) as LoanEvent[];
    // 200,000 paid installment 1 (103,000) and of installment 2 its 2,000 interest and 95,000 principal;
    // still owed: 5,000 principal of installment 2 and installment 3 (100,000 principal, 1,000 interest).
    expect(events.find((e) => e.type === 'LoanSettled')?.data).toEqual({
      settlementId: 'st-1',
      settledOn: on,
      amount: 200_000,
      paid: 200_000,
      forgivenPrincipal: 105_000,
      forgivenInterest: 1_000,
      forgivenPenalty: 0,
      forgiven: 106_000,
      proposedBy: 'sup-1',
      approvedBy: 'rm-1',
      businessDate: on,
    });
    const state = stateAfter([...partly, ...events]);
    expect(state.status).toBe('PaidOff');
    if (state.status === 'Unregistered') throw new Error('registered');
    expect(project(state.facts, addDays(on, 30))).toMatchObject({ outstandingAmount: 0, paidOff: true, paidOffOn: on, dpd: 0 });
    // Settled once: the same approval again is a no-op, and nothing is left to settle.
    spec
      .given([...partly, ...events])
      .when(approve(on))
      .then([]);
    spec
      .given([...partly, ...events])
      .when(propose(on, 1_000, addDays(on, 5), supervisor, 'st-2'))
      .thenError('LOAN_PAID_OFF');
  });

  it('a payment before the approval does not count towards the amount', () => {
    const paidFirst = history(delinquent(), propose(D40, 200_000, DUE_BY), pay('p-0', 50_000, D40), approve(D40));
    // 150,000 after the approval: 50,000 short of the amount, though 200,000 were paid since the proposal.
    spec
      .given(paidFirst)
      .when(pay('p-1', 150_000, D40))
      .thenTypes(['PaymentReceived', 'DelinquencyStageChanged']);
    // 200,000 after it (250,000 in all, so the payment alone cures the loan) settle it.
    spec
      .given(paidFirst)
      .when(pay('p-1', 200_000, D40))
      .thenTypes(['PaymentReceived', 'DelinquencyStageChanged', 'LoanCured', 'LoanSettled', 'LoanPaidOff']);
  });

  it('the forgiven amounts are fixed: reversing a payment that counted makes the loan owe it again', () => {
    const settled = history(approved(), pay('p-1', 200_000, D40));
    expect(settled.map((e) => e.type)).toContain('LoanSettled');
    const events = spec
      .given(settled)
      .when(reverse('p-1', addDays(D40, 1)))
      .thenTypes(['PaymentReversed', 'LoanReopened', 'LoanBecameDelinquent', 'DelinquencyStageChanged', 'DelinquencyRestated']) as LoanEvent[];
    expect(events.find((e) => e.type === 'LoanReopened')?.data).toEqual({ asOf: addDays(D40, 1), outstandingAmount: 200_000 });
  });

  it('the first close of business after dueBy records the lapse; payments made stay applied and a new offer may follow', () => {
    const partly = history(approved(), pay('p-1', 50_000, D40));
    const lapsed = history(partly, ...closeDays(addDays(D40, 1), DUE_BY));
    expect(lapsed.map((e) => e.type)).not.toContain('SettlementLapsed');
    const events = spec
      .given(lapsed)
      .when(close(addDays(DUE_BY, 1)))
      .thenTypes(['SettlementLapsed']) as LoanEvent[];
    expect(events[0].data).toEqual({ settlementId: 'st-1', amount: 200_000, dueBy: DUE_BY, paid: 50_000, approved: true, businessDate: addDays(DUE_BY, 1) });
    const after = [...lapsed, ...events];
    const state = stateAfter(after);
    if (state.status === 'Unregistered') throw new Error('registered');
    expect(project(state.facts, addDays(DUE_BY, 1)).outstandingAmount).toBe(256_000);
    spec
      .given(after)
      .when(pay('p-2', 150_000, addDays(DUE_BY, 1)))
      .thenTypes(['PaymentReceived', 'DelinquencyStageChanged']);
    spec
      .given(after)
      .when(propose(addDays(DUE_BY, 1), 150_000, addDays(DUE_BY, 20), supervisor, 'st-2'))
      .thenTypes(['SettlementProposed']);
    spec
      .given(after)
      .when(propose(addDays(DUE_BY, 1), 150_000, addDays(DUE_BY, 20), supervisor, 'st-1'))
      .thenError('SETTLEMENT_ID_USED');
  });

  it('a loan quiet for weeks is picked up by the close of business after dueBy (its quiet date stops at dueBy)', () => {
    // Registered on its disbursement date, current: without an offer nothing happens until DUE1.
    const current = history(registerLoan({ businessDate: DISBURSED }));
    const dueBy = addDays(DISBURSED, 5);
    const offered = history(current, propose(DISBURSED, 100_000, dueBy, supervisor));
    const state = stateAfter(offered);
    if (state.status !== 'Active') throw new Error('active');
    expect(quietThroughOf(stateAfter(current) as typeof state)).toBe(DUE1);
    expect(quietThroughOf(state)).toBe(dueBy);
    spec
      .given(offered)
      .when(close(addDays(dueBy, 1)))
      .then([{ type: 'SettlementLapsed', data: { settlementId: 'st-1', amount: 100_000, dueBy, paid: 0, approved: false, businessDate: addDays(dueBy, 1) } }]);
  });

  it('a rejection closes the offer; only an open offer is approved', () => {
    const rejected = history(delinquent(), propose(D40, 200_000, DUE_BY), reject(D40));
    expect(rejected.at(-1)).toEqual({
      type: 'SettlementRejected',
      data: { settlementId: 'st-1', rejectedBy: 'rm-1', reason: 'the customer can pay more', businessDate: D40 },
    });
    spec.given(rejected).when(approve(D40)).thenError('SETTLEMENT_NOT_FOUND');
    spec
      .given(rejected)
      .when(propose(D40, 250_000, DUE_BY, supervisor, 'st-2'))
      .thenTypes(['SettlementProposed']);
  });

  it('the approver limit is on the forgiven amount: a supervisor up to 5,000.00 yuan, a risk manager above', () => {
    const big = 1_000_000;
    const given = history(
      registerLoan({ principal: big, schedule: [{ seq: 1, dueDate: DUE1, principal: big, interest: 0 }], termMonths: 1 }),
      ...closeDays(addDays(DUE1, 1), addDays(DUE1, 5)),
      propose(addDays(DUE1, 5), 400_000, addDays(DUE1, 20)),
    );
    const error = spec
      .given(given)
      .when(approve(addDays(DUE1, 5), otherSupervisor))
      .thenError('SETTLEMENT_ABOVE_APPROVAL_LIMIT');
    expect(error.details).toEqual({ forgivenAmount: 600_000, limit: 500_000, role: 'supervisor' });
    spec
      .given(given)
      .when(approve(addDays(DUE1, 5), riskManager))
      .thenTypes(['SettlementApproved']);
  });

  const writtenOff = (): LoanEvent[] =>
    history(
      delinquent(),
      { type: 'RequestWriteOff', data: { loanId: LOAN, requestId: 'wo-1', reason: 'uncollectable', by: supervisor, businessDate: D40 } },
      { type: 'ApproveWriteOff', data: { loanId: LOAN, requestId: 'wo-1', by: riskManager, businessDate: D40 } },
    );
  const paidOff = (): LoanEvent[] => history(delinquent(), pay('p-all', 306_000, D40));
  const proposed = (): LoanEvent[] => history(delinquent(), propose(D40, 200_000, DUE_BY));

  it.each<[string, () => LoanEvent[], LoanCommand, string]>([
    ['a second open settlement', proposed, propose(D40, 100_000, DUE_BY, riskManager, 'st-2'), 'SETTLEMENT_ALREADY_OPEN'],
    ['a settlement on a written-off loan', writtenOff, propose(D40, 100_000, DUE_BY), 'LOAN_WRITTEN_OFF'],
    ['a settlement on a paid-off loan', paidOff, propose(D40, 100_000, DUE_BY), 'LOAN_PAID_OFF'],
    ['an amount not below the balance', delinquent, propose(D40, 306_000, DUE_BY), 'SETTLEMENT_NOT_BELOW_BALANCE'],
    ['an amount of no fen', delinquent, propose(D40, 0, DUE_BY), 'INVALID_AMOUNT'],
    ['a dueBy before the business date', delinquent, propose(D40, 100_000, addDays(D40, -1)), 'SETTLEMENT_DUE_DATE_PASSED'],
    ['a dueBy more than 30 days out', delinquent, propose(D40, 100_000, addDays(D40, 31)), 'SETTLEMENT_DUE_DATE_TOO_LATE'],
    ['a collector proposing', delinquent, propose(D40, 100_000, DUE_BY, { id: 'c-1', role: 'collector' as never }), 'SETTLEMENT_ROLE_NOT_ALLOWED'],
    ['the proposer approving', proposed, approve(D40, supervisor), 'MAKER_CANNOT_CHECK'],
    ['the proposer rejecting', proposed, reject(D40, supervisor), 'MAKER_CANNOT_CHECK'],
    ['an approval after dueBy', proposed, approve(addDays(DUE_BY, 1)), 'SETTLEMENT_EXPIRED'],
    ['an approval of an unknown offer', proposed, approve(D40, riskManager, 'nope'), 'SETTLEMENT_NOT_FOUND'],
    ['a rejection once approved', approved, reject(D40, otherSupervisor), 'SETTLEMENT_ALREADY_APPROVED'],
    [
      'a write-off request while an offer is open',
      proposed,
      { type: 'RequestWriteOff', data: { loanId: LOAN, requestId: 'wo-1', reason: 'x', by: riskManager, businessDate: D40 } },
      'SETTLEMENT_OPEN',
    ],
  ])('refuses %s', (_name, given, command, code) => {
    spec.given(given()).when(command).thenError(code);
  });
});
