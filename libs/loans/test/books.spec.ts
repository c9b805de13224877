import { addDays, isDomainError, type Actor } from '#kernel';
import { deciderSpec } from '#kernel/testing';
import { DEFAULT_PRODUCT_SETTINGS, loanDecider, penaltyRateCapBps, project, type LoanCommand, type LoanEvent, type ProductSettings } from '#loans';
import { DUE1, DUE2, LOAN, close, closeDays, history, loanRegistered, pay, registerLoan, stateAfter } from './fixtures.js';

const spec = deciderSpec(loanDecider);
const supervisor: Actor = { id: 'sup-1', role: 'supervisor' };
const riskManager: Actor = { id: 'rm-1', role: 'risk_manager' };
const otherRisk: Actor = { id: 'rm-2', role: 'risk_manager' };

const requestWriteOff = (businessDate: string, by = supervisor, requestId = 'wo-1', reason = 'uncollectable after M6+'): LoanCommand => ({
  type: 'RequestWriteOff',
  data: { loanId: LOAN, requestId, reason, by, businessDate },
});
const approveWriteOff = (businessDate: string, by = riskManager, requestId = 'wo-1'): LoanCommand => ({
  type: 'ApproveWriteOff',
  data: { loanId: LOAN, requestId, by, businessDate },
});
const rejectWriteOff = (businessDate: string, by = riskManager, requestId = 'wo-1'): LoanCommand => ({
  type: 'RejectWriteOff',
  data: { loanId: LOAN, requestId, reason: 'recovery still likely', by, businessDate },
});

/** The fixture loan with nothing paid, every day closed through DPD 200. */
const D200 = addDays(DUE1, 200);
const delinquent = () => history([loanRegistered()], ...closeDays(addDays(DUE1, 1), D200));

describe('Write-off (four eyes, on the loan)', () => {
  it('a request records who asked, why, and what the loan owes on the business date', () => {
    spec
      .given(delinquent())
      .when(requestWriteOff(D200))
      .then([
        {
          type: 'WriteOffRequested',
          data: { requestId: 'wo-1', reason: 'uncollectable after M6+', requestedBy: 'sup-1', outstandingAmount: 306_000, dpd: 200, businessDate: D200 },
        },
      ]);
  });

  it('the maker cannot approve or reject their own request', () => {
    const given = history(delinquent(), requestWriteOff(D200));
    spec.given(given).when(approveWriteOff(D200, supervisor)).thenError('MAKER_CANNOT_CHECK');
    spec.given(given).when(rejectWriteOff(D200, supervisor)).thenError('MAKER_CANNOT_CHECK');
  });

  it('an approval by somebody else writes the loan off on the business date with its balances', () => {
    const on = addDays(D200, 1);
    const given = history(delinquent(), requestWriteOff(D200));
    const events = spec.given(given).when(approveWriteOff(on)).thenTypes(['LoanWrittenOff']) as LoanEvent[];
    expect(events[0].data).toEqual({
      requestId: 'wo-1',
      writtenOffOn: on,
      principal: 300_000,
      interest: 6_000,
      penalty: 0,
      amount: 306_000,
      dpd: 201,
      stage: 'M6+',
      reason: 'uncollectable after M6+',
      requestedBy: 'sup-1',
      approvedBy: 'rm-1',
      approverRole: 'risk_manager',
      approvalLimit: 50_000_000,
    });
  });

  it('a written-off loan stops ageing: no close of business reports anything, DPD stays frozen', () => {
    const events = history(delinquent(), requestWriteOff(D200), approveWriteOff(D200));
    const state = stateAfter(events);
    expect(state.status).toBe('WrittenOff');
    for (const date of [addDays(D200, 1), addDays(D200, 60), addDays(D200, 400)]) spec.given(events).when(close(date)).then([]);
    if (state.status === 'Unregistered') throw new Error('registered');
    expect(project(state.facts, state.reported.asOf).dpd).toBe(200);
  });

  it('payments after write-off are recoveries against the off-book balance; other facts are refused', () => {
    const events = history(delinquent(), requestWriteOff(D200), approveWriteOff(D200));
    const later = addDays(D200, 30);
    const first = history(events, pay('rec-1', 100_000, later));
    expect(first.at(-1)).toEqual({
      type: 'RecoveryReceived',
      data: { reference: 'rec-1', amount: 100_000, valueDate: later, businessDate: later, recoveredTotal: 100_000, offBookBalance: 206_000 },
    });
    spec
      .given(first)
      .when(pay('rec-1', 100_000, later))
      .then([]);
    spec
      .given(first)
      .when(pay('rec-1', 90_000, later))
      .thenError('DUPLICATE_PAYMENT_REFERENCE');
    spec
      .given(first)
      .when(pay('rec-2', 5_000, addDays(D200, -1), later))
      .thenError('VALUE_DATE_BEFORE_WRITE_OFF');
    spec
      .given(first)
      .when({ type: 'StartCollectionHold', data: { loanId: LOAN, holdId: 'h', reason: 'x', from: later, businessDate: later } })
      .thenError('LOAN_WRITTEN_OFF');
    spec
      .given(first)
      .when(requestWriteOff(later, supervisor, 'wo-2'))
      .thenError('LOAN_WRITTEN_OFF');
  });

  it.each<[string, LoanCommand[], LoanCommand, string]>([
    ['a loan not past due', [], requestWriteOff(DUE1), 'WRITE_OFF_NOT_PAST_DUE'],
    [
      'a collector asking',
      closeDays(addDays(DUE1, 1), addDays(DUE1, 10)),
      requestWriteOff(addDays(DUE1, 10), { id: 'c-1', role: 'collector' as never }),
      'WRITE_OFF_ROLE_NOT_ALLOWED',
    ],
    [
      'a second request while one is pending',
      [...closeDays(addDays(DUE1, 1), addDays(DUE1, 10)), requestWriteOff(addDays(DUE1, 10))],
      requestWriteOff(addDays(DUE1, 10), riskManager, 'wo-2'),
      'WRITE_OFF_ALREADY_REQUESTED',
    ],
    [
      'an approval of an unknown request',
      [...closeDays(addDays(DUE1, 1), addDays(DUE1, 10)), requestWriteOff(addDays(DUE1, 10))],
      approveWriteOff(addDays(DUE1, 10), riskManager, 'nope'),
      'WRITE_OFF_REQUEST_NOT_FOUND',
    ],
  ])('refuses %s', (_name, setup, command, code) => {
    spec
      .given(history([loanRegistered()], ...setup))
      .when(command)
      .thenError(code);
  });

  it('a supervisor approves up to their limit only; a risk manager above it', () => {
    const big = 3_000_000; // 30,000.00 yuan, above the supervisor's 20,000.00
    const registered = history(
      registerLoan({ principal: big, schedule: [{ seq: 1, dueDate: DUE1, principal: big, interest: 0 }], termMonths: 1 }),
      ...closeDays(addDays(DUE1, 1), addDays(DUE1, 5)),
      requestWriteOff(addDays(DUE1, 5), otherRisk),
    );
    const error = spec
      .given(registered)
      .when(approveWriteOff(addDays(DUE1, 5), { id: 'sup-2', role: 'supervisor' }))
      .thenError('WRITE_OFF_ABOVE_APPROVAL_LIMIT');
    expect(error.details).toEqual({ amount: big, limit: 2_000_000, role: 'supervisor' });
    spec
      .given(registered)
      .when(approveWriteOff(addDays(DUE1, 5), riskManager))
      .thenTypes(['LoanWrittenOff']);
  });

  it('a rejection clears the request; a new one may follow', () => {
    const rejected = history(delinquent(), requestWriteOff(D200), rejectWriteOff(D200));
    expect(rejected.at(-1)?.type).toBe('WriteOffRejected');
    spec.given(rejected).when(approveWriteOff(D200)).thenError('WRITE_OFF_REQUEST_NOT_FOUND');
    spec
      .given(rejected)
      .when(requestWriteOff(D200, supervisor, 'wo-2'))
      .thenTypes(['WriteOffRequested']);
  });
});

describe('Penalty rate cap', () => {
  const withPenalty = (bps: number, own?: number): ProductSettings => ({
    ...DEFAULT_PRODUCT_SETTINGS,
    penaltyAnnualRateBps: bps,
    ...(own !== undefined ? { penaltyRateCapBps: own } : {}),
  });

  it('is 24 % a year unless the product sets a lower one', () => {
    expect(penaltyRateCapBps(DEFAULT_PRODUCT_SETTINGS)).toBe(2_400);
    expect(penaltyRateCapBps(withPenalty(0, 1_800))).toBe(1_800);
    expect(penaltyRateCapBps(withPenalty(0, 9_000))).toBe(2_400);
  });

  it('refuses a loan whose penalty rate is above the cap and accepts one at it', () => {
    const error = spec
      .given([])
      .when(registerLoan({ product: withPenalty(100_000) }))
      .thenError('PENALTY_RATE_ABOVE_CAP');
    expect(error.details).toEqual({ penaltyAnnualRateBps: 100_000, capBps: 2_400 });
    spec
      .given([])
      .when(registerLoan({ product: withPenalty(2_401) }))
      .thenError('PENALTY_RATE_ABOVE_CAP');
    spec
      .given([])
      .when(registerLoan({ product: withPenalty(1_825, 1_800) }))
      .thenError('PENALTY_RATE_ABOVE_CAP');
    spec
      .given([])
      .when(registerLoan({ product: withPenalty(2_400) }))
      .thenTypes(['LoanRegistered']);
  });
});

describe('Grace days and the shortfall tolerance', () => {
  const product = (over: Partial<ProductSettings>): ProductSettings => ({ ...DEFAULT_PRODUCT_SETTINGS, ...over });

  it('with 3 grace days an unpaid installment is not past due for 3 days, then DPD counts from the due date', () => {
    const given = history(registerLoan({ product: product({ graceDays: 3 }) }), ...closeDays(addDays(DUE1, 1), addDays(DUE1, 3)));
    expect(given.map((e) => e.type)).toEqual(['LoanRegistered']);
    spec
      .given(given)
      .when(close(addDays(DUE1, 4)))
      .then([
        { type: 'LoanBecameDelinquent', data: { dpd: 4, stage: 'M1', overdueAmount: 103_000, oldestUnpaidDueDate: DUE1, asOf: addDays(DUE1, 4) } },
        { type: 'DelinquencyStageChanged', data: { from: 'M0', to: 'M1', dpd: 4, overdueAmount: 103_000, asOf: addDays(DUE1, 4) } },
      ]);
  });

  it('a payment within the grace keeps the loan current', () => {
    const given = history(registerLoan({ product: product({ graceDays: 3 }) }), close(addDays(DUE1, 1)), pay('p-1', 103_000, addDays(DUE1, 2)));
    spec
      .given(given)
      .when(close(addDays(DUE1, 4)))
      .then([]);
  });

  it('a shortfall of 50 fen with a 100-fen tolerance does not make the loan past due; 101 fen does', () => {
    const tolerant = registerLoan({ product: product({ shortfallToleranceFen: 100 }) });
    const short50 = history(tolerant, pay('p-1', 103_000 - 50, DUE1));
    // Every day up to the next due date (29 days): never past due.
    const afterDays = history(short50, ...closeDays(addDays(DUE1, 1), DUE2));
    expect(afterDays.filter((e) => e.type === 'LoanBecameDelinquent')).toEqual([]);
    const short101 = history(tolerant, pay('p-1', 103_000 - 101, DUE1));
    spec
      .given(short101)
      .when(close(addDays(DUE1, 1)))
      .thenTypes(['LoanBecameDelinquent', 'DelinquencyStageChanged']);
    // Without the tolerance the 50 fen keep the loan past due.
    spec
      .given(history(registerLoan(), pay('p-1', 103_000 - 50, DUE1)))
      .when(close(addDays(DUE1, 1)))
      .thenTypes(['LoanBecameDelinquent', 'DelinquencyStageChanged']);
  });

  it('the tolerated shortfall counts again once the next installment falls due unpaid', () => {
    const given = history(
      registerLoan({ product: product({ shortfallToleranceFen: 100 }) }),
      pay('p-1', 103_000 - 50, DUE1),
      ...closeDays(addDays(DUE1, 1), DUE2),
    );
    const result = loanDecider.decide(close(addDays(DUE2, 1)), stateAfter(given));
    if (isDomainError(result)) throw new Error(result.code);
    // The oldest unpaid installment is the first one: DPD counts from its due date.
    expect(result[0]).toMatchObject({ type: 'LoanBecameDelinquent', data: { oldestUnpaidDueDate: DUE1 } });
  });

  it('refuses settings out of range', () => {
    spec
      .given([])
      .when(registerLoan({ product: product({ graceDays: 31 }) }))
      .thenError('INVALID_PRODUCT_SETTINGS');
    spec
      .given([])
      .when(registerLoan({ product: product({ shortfallToleranceFen: -1 }) }))
      .thenError('INVALID_PRODUCT_SETTINGS');
  });
});
