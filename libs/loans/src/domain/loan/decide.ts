import {
  addDays,
  compareDates,
  daysBetween,
  decideByType,
  domainError,
  fourEyes,
  invalidDates,
  isDomainError,
  isWholeFen,
  type Actor,
  type BusinessDate,
  type Command,
  type Decider,
  type DomainError,
  type Fen,
} from '#kernel';
import {
  evolve,
  initialLoanState,
  quietThroughOf,
  recordFact,
  type ActiveLoan,
  type LoanEvent,
  type LoanSettled,
  type LoanFactEvent,
  type LoanRegistered,
  type LoanState,
  type PaidOffLoan,
  type PaymentLine,
  type PaymentReceived,
  type ReportedPosition,
  type WrittenOffLoan,
} from './events.js';
import {
  factDate,
  penaltyOwed,
  project,
  type LoanPosition,
  type LoanTerms,
  type PaymentFact,
  type RestructuringFact,
  type ScheduledInstallment,
  type SettlementOffer,
  type WaiverFact,
} from '../position.js';
import { correctionOf, restatementOf } from '../restatement.js';
import { DEFAULT_PRODUCT_SETTINGS, penaltyRateCapBps, productSettingsProblem, type ProductSettings } from '../product.js';
import { WORKING_DAY_CALENDAR, nextWorkingDay } from '../working-days.js';

/**
 * Commands of the LoanAccount aggregate and one small decide function for each. Every command
 * carries the business date it is decided on; nothing here reads a clock. Commands that add a
 * fact are followed by whatever the replay of the facts now shows as of that date (stage changes,
 * cure, pay-off, penalty).
 */

/** A command on one loan: it names the loan and carries the business date it is decided on. */
type OnLoan<T extends string, D = unknown> = Command<T, { readonly loanId: string; readonly businessDate: BusinessDate } & D>;

/** A four-eyes step on a loan, taken by `by`. */
type ByActor<T extends string, D> = OnLoan<T, { readonly by: Actor } & D>;

export type RegisterLoan = OnLoan<
  'RegisterLoan',
  LoanTerms & {
    readonly schedule: readonly ScheduledInstallment[];
    /** The product's settings; the default product when omitted. */
    readonly product?: ProductSettings;
  }
>;

export type PostPayment = OnLoan<'PostPayment', PaymentLine>;

export type ReversePayment = OnLoan<'ReversePayment', { readonly reference: string; readonly reason: string }>;

/** The end of one business day for one loan. */
export type CloseBusinessDay = OnLoan<'CloseBusinessDay'>;

export type StartCollectionHold = OnLoan<'StartCollectionHold', { readonly holdId: string; readonly reason: string; readonly from: BusinessDate }>;

export type EndCollectionHold = OnLoan<'EndCollectionHold', { readonly holdId: string; readonly to: BusinessDate }>;

export interface NewInstallment {
  readonly dueDate: BusinessDate;
  readonly principal: Fen;
  readonly interest: Fen;
}

export type RestructureSchedule = OnLoan<
  'RestructureSchedule',
  {
    readonly restructuringId: string;
    readonly effectiveDate: BusinessDate;
    /** The installments that replace every one not fully paid on the effective date; numbered on. */
    readonly newSchedule: readonly NewInstallment[];
  }
>;

/**
 * Waive penalty owed on the business date. Sent by Restructuring once a fee waiver has passed its
 * four-eyes approval and the customer accepted it (`waiverId` is the restructuring request).
 */
export type WaivePenalty = OnLoan<'WaivePenalty', { readonly waiverId: string; readonly amount: Fen; readonly reason: string }>;

/** Four-eyes write-off: a request with a reason, then a decision by somebody else. */
export type RequestWriteOff = ByActor<'RequestWriteOff', { readonly requestId: string; readonly reason: string }>;

export type ApproveWriteOff = ByActor<'ApproveWriteOff', { readonly requestId: string }>;

export type RejectWriteOff = ByActor<'RejectWriteOff', { readonly requestId: string; readonly reason: string }>;

/**
 * The most a role may approve for write-off, in fen (principal + interest + penalty owed on the
 * write-off date); a role not listed may not approve. Above the highest limit the write-off is a
 * credit-committee decision outside Arrears.
 */
export const WRITE_OFF_APPROVAL_LIMITS: Readonly<Record<string, Fen>> = Object.freeze({
  supervisor: 2_000_000, // 20,000.00 yuan
  risk_manager: 50_000_000, // 500,000.00 yuan
});

/** Who may ask for a write-off. */
export const WRITE_OFF_REQUESTERS: readonly string[] = ['supervisor', 'risk_manager'];

/**
 * Settlement offers under four eyes: a proposal (pay `amount` by `dueBy`, the rest is forgiven),
 * then an approval or a rejection by somebody else.
 */
export type ProposeSettlement = ByActor<
  'ProposeSettlement',
  { readonly settlementId: string; readonly amount: Fen; readonly dueBy: BusinessDate; readonly reason: string }
>;

export type ApproveSettlement = ByActor<'ApproveSettlement', { readonly settlementId: string }>;

export type RejectSettlement = ByActor<'RejectSettlement', { readonly settlementId: string; readonly reason: string }>;

/** Who may propose a settlement. */
export const SETTLEMENT_PROPOSERS: readonly string[] = ['supervisor', 'risk_manager'];

/**
 * The most a role may forgive by approving a settlement, in fen (what the loan owes on the approval
 * date less the settlement amount); a role not listed may not approve. Above it the offer is a
 * credit-committee decision outside Arrears.
 */
export const SETTLEMENT_APPROVAL_LIMITS: Readonly<Record<string, Fen>> = Object.freeze({
  supervisor: 500_000, // 5,000.00 yuan
  risk_manager: 20_000_000, // 200,000.00 yuan
});

/** The latest `dueBy` a proposal may set: this many calendar days after its business date. */
export const SETTLEMENT_MAX_DAYS = 30;

export type LoanCommand =
  | ProposeSettlement
  | ApproveSettlement
  | RejectSettlement
  | RequestWriteOff
  | ApproveWriteOff
  | RejectWriteOff
  | RegisterLoan
  | PostPayment
  | ReversePayment
  | CloseBusinessDay
  | StartCollectionHold
  | EndCollectionHold
  | RestructureSchedule
  | WaivePenalty;

type Decision = readonly LoanEvent[] | DomainError;
type RegisteredState = ActiveLoan | PaidOffLoan | WrittenOffLoan;
type OnBooks = ActiveLoan | PaidOffLoan;

// ---- shared rules ---------------------------------------------------------------------------------

const isPositiveFen = (v: unknown): v is Fen => isWholeFen(v) && v > 0;
const later = (a: BusinessDate, b: BusinessDate): BusinessDate => (compareDates(a, b) >= 0 ? a : b);

/** The registered loan a command names, once the command's `dates` (by field) are calendar dates. */
function registered(state: LoanState, loanId: string, dates: Record<string, unknown> = {}): RegisteredState | DomainError {
  if (state.status === 'Unregistered' || state.facts.terms.loanId !== loanId) {
    return domainError('LOAN_NOT_FOUND', `loan ${loanId} is not registered`, { loanId }, 'not_found');
  }
  return invalidDates(dates) ?? state;
}

/** A registered loan still on the books: a written-off one takes no facts but recoveries. Then `dates` as above. */
function onBooks(state: LoanState, loanId: string, dates: Record<string, unknown> = {}): OnBooks | DomainError {
  const loan = registered(state, loanId);
  if (isDomainError(loan)) return loan;
  if (loan.status === 'WrittenOff') {
    return domainError('LOAN_WRITTEN_OFF', `loan ${loanId} was written off on ${loan.facts.writeOff!.writtenOff!.writtenOffOn}`, { loanId }, 'conflict');
  }
  return invalidDates(dates) ?? loan;
}

/** Installment amounts: whole fen, not negative, something owed on each. */
function invalidInstallmentAmounts(installments: readonly NewInstallment[]): DomainError | null {
  for (const [index, i] of installments.entries()) {
    if (!isWholeFen(i.principal) || !isWholeFen(i.interest) || i.principal + i.interest <= 0) {
      return domainError('INVALID_AMOUNT', 'installment amounts must be whole fen, not negative, and not both zero', {
        index,
        principal: i.principal,
        interest: i.interest,
      });
    }
  }
  return null;
}

function datesNotIncreasing(installments: readonly NewInstallment[], after?: BusinessDate): DomainError | null {
  let previous = after;
  for (const [index, i] of installments.entries()) {
    if (previous !== undefined && compareDates(i.dueDate, previous) <= 0) {
      return domainError('SCHEDULE_DATES_NOT_INCREASING', 'due dates must be strictly increasing' + (after ? ` and after ${after}` : ''), {
        index,
        dueDate: i.dueDate,
        previous,
      });
    }
    previous = i.dueDate;
  }
  return null;
}

const sumPrincipal = (installments: readonly NewInstallment[]): number => installments.reduce((s, i) => s + i.principal, 0);

/**
 * What the facts now show as of `after.asOf` compared with what was last published. `before` is the
 * replay of the facts as they were before this command (the same replay for a close of business):
 * penalty that accrued with the passing days is reported as accrued, and a difference the new fact
 * makes to the past is reported as restated.
 */
function positionEvents(reported: ReportedPosition, before: LoanPosition, after: LoanPosition): LoanEvent[] {
  const asOf = after.asOf;
  const events: LoanEvent[] = [];
  if (before.penaltyAccrued > reported.penaltyAccrued) {
    events.push({
      type: 'PenaltyAccrued',
      data: { asOf, amount: before.penaltyAccrued - reported.penaltyAccrued, accruedTotal: before.penaltyAccrued },
    });
  } else if (before.penaltyAccrued < reported.penaltyAccrued) {
    events.push({ type: 'PenaltyRestated', data: { asOf, previousTotal: reported.penaltyAccrued, accruedTotal: before.penaltyAccrued } });
  }
  if (after.penaltyAccrued !== before.penaltyAccrued) {
    events.push({ type: 'PenaltyRestated', data: { asOf, previousTotal: before.penaltyAccrued, accruedTotal: after.penaltyAccrued } });
  }
  if (reported.paidOff && !after.paidOff) {
    events.push({ type: 'LoanReopened', data: { asOf, outstandingAmount: after.outstandingAmount } });
  }
  const delinquent = after.dpd > 0;
  if (!reported.delinquent && delinquent) {
    events.push({
      type: 'LoanBecameDelinquent',
      data: { dpd: after.dpd, stage: after.stage, overdueAmount: after.overdueAmount, oldestUnpaidDueDate: after.oldestUnpaidDueDate!, asOf },
    });
  }
  if (reported.stage !== after.stage) {
    events.push({ type: 'DelinquencyStageChanged', data: { from: reported.stage, to: after.stage, dpd: after.dpd, overdueAmount: after.overdueAmount, asOf } });
  }
  if (reported.delinquent && !delinquent) {
    events.push({ type: 'LoanCured', data: { asOf, overdueAmount: after.overdueAmount } });
  }
  if (!reported.paidOff && after.paidOff) {
    events.push({ type: 'LoanPaidOff', data: { asOf, paidOffOn: after.paidOffOn! } });
  }
  return events;
}

/**
 * The fact event followed by what it changes, evaluated as of the command's business date (or the
 * last evaluated date if the command arrives late: a loan's evaluation never goes back in time).
 */
function withConsequences(state: OnBooks, fact: LoanFactEvent, businessDate: BusinessDate): LoanEvent[] {
  const asOf = later(businessDate, state.reported.asOf);
  const after = project(recordFact(state.facts, fact), asOf);
  const before = state.facts.product.penaltyAnnualRateBps ? project(state.facts, asOf) : after;
  const facts = recordFact(state.facts, fact);
  const restated = restatementOf(state.facts, facts, correctionOf(fact, asOf), asOf, state.reported.asOf);
  return [fact, ...positionEvents(state.reported, before, after), ...(restated ? [{ type: 'DelinquencyRestated' as const, data: restated }] : [])];
}

const payments = (state: RegisteredState): PaymentFact[] => state.facts.ledger.filter((f): f is PaymentFact => f.kind === 'payment');
const restructurings = (state: RegisteredState): RestructuringFact[] => state.facts.ledger.filter((f): f is RestructuringFact => f.kind === 'restructuring');
const waivers = (state: RegisteredState): WaiverFact[] => state.facts.ledger.filter((f): f is WaiverFact => f.kind === 'waiver');

// ---- RegisterLoan ---------------------------------------------------------------------------------

function decideRegisterLoan(command: RegisterLoan, state: LoanState): Decision {
  const d = command.data;
  if (state.status !== 'Unregistered') {
    return domainError('LOAN_ALREADY_REGISTERED', `loan ${d.loanId} is already registered`, { loanId: d.loanId }, 'conflict');
  }
  const badDate =
    invalidDates({ disbursementDate: d.disbursementDate, businessDate: d.businessDate }) ??
    invalidDates(Object.fromEntries(d.schedule.map((i, n) => [`schedule[${n}].dueDate`, i.dueDate])));
  if (badDate) return badDate;
  if (!isPositiveFen(d.principal)) return domainError('INVALID_AMOUNT', 'principal must be a positive whole number of fen', { principal: d.principal });
  if (!Number.isSafeInteger(d.annualRateBps) || d.annualRateBps < 0 || !Number.isSafeInteger(d.termMonths) || d.termMonths <= 0) {
    return domainError('INVALID_LOAN_TERMS', 'annual rate must be whole basis points (not negative) and the term a positive number of months', {
      annualRateBps: d.annualRateBps,
      termMonths: d.termMonths,
    });
  }
  const product = d.product ?? DEFAULT_PRODUCT_SETTINGS;
  const productProblem = productSettingsProblem(product);
  if (productProblem) return domainError('INVALID_PRODUCT_SETTINGS', productProblem, { productCode: d.productCode });
  const cap = penaltyRateCapBps(product);
  if (product.penaltyAnnualRateBps !== null && product.penaltyAnnualRateBps > cap) {
    return domainError('PENALTY_RATE_ABOVE_CAP', `the penalty rate may be at most ${cap} bps a year for this product`, {
      penaltyAnnualRateBps: product.penaltyAnnualRateBps,
      capBps: cap,
    });
  }
  if (d.schedule.length === 0) return domainError('EMPTY_SCHEDULE', 'a loan needs at least one installment');
  const badSeq = d.schedule.findIndex((i, n) => i.seq !== n + 1);
  if (badSeq >= 0) {
    return domainError('INVALID_SCHEDULE_SEQ', 'installments must be numbered 1, 2, 3, ... in order', { index: badSeq, seq: d.schedule[badSeq].seq });
  }
  const problem = invalidInstallmentAmounts(d.schedule) ?? datesNotIncreasing(d.schedule);
  if (problem) return problem;
  const scheduled = sumPrincipal(d.schedule);
  if (scheduled !== d.principal) {
    return domainError('SCHEDULE_PRINCIPAL_MISMATCH', 'the installments’ principal must sum to the loan principal', {
      principal: d.principal,
      scheduled,
    });
  }
  if (compareDates(d.disbursementDate, d.schedule[0].dueDate) > 0) {
    return domainError('DISBURSEMENT_AFTER_FIRST_DUE_DATE', 'the loan cannot be disbursed after its first due date', {
      disbursementDate: d.disbursementDate,
      firstDueDate: d.schedule[0].dueDate,
    });
  }
  if (compareDates(d.disbursementDate, d.businessDate) > 0) {
    return domainError('DISBURSEMENT_IN_FUTURE', 'only disbursed loans are registered', { disbursementDate: d.disbursementDate, businessDate: d.businessDate });
  }
  // A product that rolls due dates on non-working days does it once, here, so every context reads
  // the same due dates and a later calendar cannot move a date already recorded.
  const rolls = product.dueDateRoll === 'NEXT_WORKING_DAY';
  const schedule = d.schedule.map(({ seq, dueDate, principal, interest }) => {
    const due = rolls ? nextWorkingDay(dueDate) : dueDate;
    return due === dueDate ? { seq, dueDate, principal, interest } : { seq, dueDate: due, contractualDueDate: dueDate, principal, interest };
  });
  const registered: LoanRegistered = {
    type: 'LoanRegistered',
    data: {
      loanId: d.loanId,
      customerId: d.customerId,
      productCode: d.productCode,
      principal: d.principal,
      annualRateBps: d.annualRateBps,
      termMonths: d.termMonths,
      disbursementDate: d.disbursementDate,
      timeZone: d.timeZone,
      schedule,
      product: rolls ? { ...product, workingDayCalendar: WORKING_DAY_CALENDAR.id } : product,
      registeredOn: d.businessDate,
    },
  };
  // A loan mirrored after installments fell due reports, like any other fact, what its replay shows
  // as of the business date (nothing when it is registered on its disbursement date).
  const consequences = decideCloseBusinessDay(
    { type: 'CloseBusinessDay', data: { loanId: d.loanId, businessDate: d.businessDate } },
    evolve(initialLoanState(), registered),
  );
  return isDomainError(consequences) ? consequences : [registered, ...consequences];
}

/**
 * A payment whose reference was recorded before is the same payment delivered again (nothing to
 * decide) or, with another amount, a conflict; a new one may not be valued after the business date.
 */
function repeatedOrLatePayment(d: PostPayment['data'], earlier: { readonly amount: Fen } | undefined): Decision | null {
  if (earlier) {
    if (earlier.amount === d.amount) return []; // the same payment delivered again
    return domainError(
      'DUPLICATE_PAYMENT_REFERENCE',
      `payment ${d.reference} was already recorded with another amount`,
      { reference: d.reference, recordedAmount: earlier.amount, amount: d.amount },
      'conflict',
    );
  }
  if (compareDates(d.valueDate, d.businessDate) > 0) {
    return domainError('VALUE_DATE_IN_FUTURE', 'a payment cannot be valued after the business date', { valueDate: d.valueDate, businessDate: d.businessDate });
  }
  return null;
}

// ---- PostPayment ----------------------------------------------------------------------------------

function decidePostPayment(command: PostPayment, state: LoanState): Decision {
  const d = command.data;
  const loan = registered(state, d.loanId);
  if (isDomainError(loan)) return loan;
  if (!isPositiveFen(d.amount)) return domainError('INVALID_AMOUNT', 'a payment must be a positive whole number of fen', { amount: d.amount });
  const badDate = invalidDates({ valueDate: d.valueDate, businessDate: d.businessDate });
  if (badDate) return badDate;
  if (loan.status === 'WrittenOff') return decideRecovery(d, loan);
  const earlier = payments(loan).find((p) => p.reference === d.reference);
  const repeated = repeatedOrLatePayment(d, earlier);
  if (repeated) return repeated;
  if (compareDates(d.valueDate, loan.facts.terms.disbursementDate) < 0) {
    return domainError('VALUE_DATE_BEFORE_DISBURSEMENT', 'a payment cannot be valued before the disbursement', {
      valueDate: d.valueDate,
      disbursementDate: loan.facts.terms.disbursementDate,
    });
  }
  const lastRestructuring = restructurings(loan as OnBooks).at(-1);
  if (lastRestructuring && compareDates(d.valueDate, lastRestructuring.effectiveDate) < 0) {
    return domainError('VALUE_DATE_BEFORE_RESTRUCTURING', 'the schedule was restructured after this value date; the restructuring took the balance as it was', {
      valueDate: d.valueDate,
      restructuringId: lastRestructuring.restructuringId,
      effectiveDate: lastRestructuring.effectiveDate,
    });
  }
  const received: PaymentReceived = {
    type: 'PaymentReceived',
    data: { reference: d.reference, amount: d.amount, valueDate: d.valueDate, businessDate: d.businessDate, allocations: [], unapplied: 0 },
  };
  const asOf = later(d.businessDate, loan.reported.asOf);
  const applied = project(recordFact(loan.facts, received), asOf).payments.get(d.reference)!;
  const events = withConsequences(
    loan,
    { ...received, data: { ...received.data, allocations: applied.allocations, unapplied: applied.unapplied } },
    d.businessDate,
  );
  return [...events, ...settlementCompleted(events.reduce(evolve, loan as LoanState) as OnBooks, d.businessDate)];
}

/** A payment on a written-off loan is a recovery: it reduces the off-book balance. */
function decideRecovery(d: PostPayment['data'], loan: WrittenOffLoan): Decision {
  const writeOff = loan.facts.writeOff!;
  const earlier = writeOff.recoveries.find((r) => r.reference === d.reference) ?? payments(loan).find((p) => p.reference === d.reference);
  const repeated = repeatedOrLatePayment(d, earlier);
  if (repeated) return repeated;
  const writtenOffOn = writeOff.writtenOff!.writtenOffOn;
  if (compareDates(d.valueDate, writtenOffOn) < 0) {
    return domainError(
      'VALUE_DATE_BEFORE_WRITE_OFF',
      'the loan was written off after this value date; a payment before it belongs to the written-off balance',
      { valueDate: d.valueDate, writtenOffOn },
    );
  }
  const recoveredTotal = writeOff.recoveries.reduce((s, r) => s + r.amount, 0) + d.amount;
  return [
    {
      type: 'RecoveryReceived',
      data: {
        reference: d.reference,
        amount: d.amount,
        valueDate: d.valueDate,
        businessDate: d.businessDate,
        recoveredTotal,
        offBookBalance: Math.max(0, writeOff.writtenOff!.amount - recoveredTotal),
      },
    },
  ];
}

// ---- ReversePayment -------------------------------------------------------------------------------

function decideReversePayment(command: ReversePayment, state: LoanState): Decision {
  const d = command.data;
  const loan = onBooks(state, d.loanId, { businessDate: d.businessDate });
  if (isDomainError(loan)) return loan;
  const index = loan.facts.ledger.findIndex((f) => f.kind === 'payment' && f.reference === d.reference);
  if (index < 0) return domainError('PAYMENT_NOT_FOUND', `no payment ${d.reference} on this loan`, { reference: d.reference }, 'not_found');
  const payment = loan.facts.ledger[index] as PaymentFact;
  if (payment.reversal) {
    return domainError('PAYMENT_ALREADY_REVERSED', `payment ${d.reference} is already reversed`, { reference: d.reference }, 'conflict');
  }
  const restructuredAfter = loan.facts.ledger.find(
    (f, i) => f.kind === 'restructuring' && (compareDates(payment.valueDate, factDate(f)) < 0 || (payment.valueDate === factDate(f) && index < i)),
  ) as RestructuringFact | undefined;
  if (restructuredAfter) {
    return domainError('PAYMENT_PRECEDES_RESTRUCTURING', 'the schedule was restructured after this payment; the restructuring took the balance as it was', {
      reference: d.reference,
      restructuringId: restructuredAfter.restructuringId,
    });
  }
  return withConsequences(
    loan,
    {
      type: 'PaymentReversed',
      data: { reference: d.reference, amount: payment.amount, valueDate: payment.valueDate, reason: d.reason, businessDate: d.businessDate },
    },
    d.businessDate,
  );
}

// ---- CloseBusinessDay -----------------------------------------------------------------------------

/**
 * Most loans on most days: the date is inside the loan's quiet period and nothing is replayed.
 * Otherwise the facts are replayed as of the date and only differences from what was last
 * published are emitted.
 */
function decideCloseBusinessDay(command: CloseBusinessDay, state: LoanState): Decision {
  const d = command.data;
  const loan = registered(state, d.loanId, { businessDate: d.businessDate });
  if (isDomainError(loan)) return loan;
  if (loan.status === 'WrittenOff') return []; // off the books: it no longer ages or accrues
  const lapsed = settlementLapse(loan, d.businessDate);
  if (compareDates(d.businessDate, loan.reported.asOf) <= 0) return lapsed;
  const quietThrough = quietThroughOf(loan);
  if (quietThrough === null || compareDates(d.businessDate, quietThrough) <= 0) return lapsed;
  const position = project(loan.facts, d.businessDate);
  return [...lapsed, ...positionEvents(loan.reported, position, position)];
}

// ---- Collection holds -----------------------------------------------------------------------------

function decideStartCollectionHold(command: StartCollectionHold, state: LoanState): Decision {
  const d = command.data;
  const loan = onBooks(state, d.loanId, { from: d.from, businessDate: d.businessDate });
  if (isDomainError(loan)) return loan;
  const existing = loan.facts.holds.find((h) => h.holdId === d.holdId);
  if (existing) {
    if (existing.from === d.from && existing.reason === d.reason) return [];
    return domainError('HOLD_ALREADY_EXISTS', `hold ${d.holdId} already exists`, { holdId: d.holdId, from: existing.from }, 'conflict');
  }
  if (loan.status === 'PaidOff') return domainError('LOAN_PAID_OFF', 'a paid-off loan has nothing to hold', { loanId: d.loanId });
  if (compareDates(d.from, d.businessDate) > 0) {
    return domainError('HOLD_DATE_IN_FUTURE', 'a hold cannot start after the business date', { from: d.from, businessDate: d.businessDate });
  }
  return withConsequences(
    loan,
    { type: 'CollectionHoldStarted', data: { holdId: d.holdId, reason: d.reason, from: d.from, businessDate: d.businessDate } },
    d.businessDate,
  );
}

function decideEndCollectionHold(command: EndCollectionHold, state: LoanState): Decision {
  const d = command.data;
  const loan = onBooks(state, d.loanId, { to: d.to, businessDate: d.businessDate });
  if (isDomainError(loan)) return loan;
  const hold = loan.facts.holds.find((h) => h.holdId === d.holdId);
  if (!hold) return domainError('HOLD_NOT_FOUND', `no hold ${d.holdId} on this loan`, { holdId: d.holdId }, 'not_found');
  if (hold.to !== null) {
    if (hold.to === d.to) return [];
    return domainError('HOLD_ALREADY_ENDED', `hold ${d.holdId} already ended on ${hold.to}`, { holdId: d.holdId, to: hold.to }, 'conflict');
  }
  if (compareDates(d.to, hold.from) < 0) {
    return domainError('HOLD_END_BEFORE_START', 'a hold cannot end before it started', { from: hold.from, to: d.to });
  }
  if (compareDates(d.to, d.businessDate) > 0) {
    return domainError('HOLD_DATE_IN_FUTURE', 'a hold cannot end after the business date', { to: d.to, businessDate: d.businessDate });
  }
  return withConsequences(
    loan,
    {
      type: 'CollectionHoldEnded',
      data: { holdId: d.holdId, from: hold.from, to: d.to, pausedDays: daysBetween(hold.from, d.to), businessDate: d.businessDate },
    },
    d.businessDate,
  );
}

// ---- RestructureSchedule --------------------------------------------------------------------------

function decideRestructureSchedule(command: RestructureSchedule, state: LoanState): Decision {
  const d = command.data;
  const loan = onBooks(state, d.loanId, {
    effectiveDate: d.effectiveDate,
    businessDate: d.businessDate,
    ...Object.fromEntries(d.newSchedule.map((i, n) => [`newSchedule[${n}].dueDate`, i.dueDate])),
  });
  if (isDomainError(loan)) return loan;
  const existing = restructurings(loan).find((r) => r.restructuringId === d.restructuringId);
  if (existing) {
    const same =
      existing.effectiveDate === d.effectiveDate &&
      existing.newSchedule.length === d.newSchedule.length &&
      existing.newSchedule.every(
        (i, n) => i.dueDate === d.newSchedule[n].dueDate && i.principal === d.newSchedule[n].principal && i.interest === d.newSchedule[n].interest,
      );
    if (same) return [];
    return domainError(
      'RESTRUCTURING_ALREADY_APPLIED',
      `restructuring ${d.restructuringId} was already applied with other terms`,
      { restructuringId: d.restructuringId },
      'conflict',
    );
  }
  if (loan.status === 'PaidOff') return domainError('LOAN_PAID_OFF', 'a paid-off loan has nothing to restructure', { loanId: d.loanId });
  if (compareDates(d.effectiveDate, d.businessDate) > 0) {
    return domainError('EFFECTIVE_DATE_IN_FUTURE', 'a restructuring cannot take effect after the business date', {
      effectiveDate: d.effectiveDate,
      businessDate: d.businessDate,
    });
  }
  const lastFactDate = loan.facts.ledger
    .filter((f) => !(f.kind === 'payment' && f.reversal))
    .map(factDate)
    .reduce(later, loan.facts.terms.disbursementDate);
  if (compareDates(d.effectiveDate, lastFactDate) < 0) {
    return domainError('EFFECTIVE_DATE_BEFORE_RECORDED_FACTS', 'a restructuring cannot take effect before payments or restructurings already recorded', {
      effectiveDate: d.effectiveDate,
      lastFactDate,
    });
  }
  if (d.newSchedule.length === 0) return domainError('EMPTY_SCHEDULE', 'a restructuring needs at least one installment');
  const problem = invalidInstallmentAmounts(d.newSchedule) ?? datesNotIncreasing(d.newSchedule, d.effectiveDate);
  if (problem) return problem;

  const at = project(loan.facts, d.effectiveDate);
  const replaced = at.installments.filter((i) => i.replacedBy === null && i.principal - i.paidPrincipal + i.interest - i.paidInterest > 0);
  if (replaced.length === 0) return domainError('NOTHING_TO_RESTRUCTURE', 'every installment is paid on the effective date');
  const restructuredPrincipal = replaced.reduce((s, i) => s + i.principal - i.paidPrincipal, 0);
  const scheduled = sumPrincipal(d.newSchedule);
  if (scheduled !== restructuredPrincipal) {
    return domainError('SCHEDULE_PRINCIPAL_MISMATCH', 'the new schedule’s principal must sum to the outstanding principal it restructures', {
      restructuredPrincipal,
      scheduled,
    });
  }
  const nextSeq = at.installments.reduce((m, i) => Math.max(m, i.seq), 0) + 1;
  return withConsequences(
    loan,
    {
      type: 'ScheduleRestructured',
      data: {
        restructuringId: d.restructuringId,
        effectiveDate: d.effectiveDate,
        businessDate: d.businessDate,
        replacedSeqs: replaced.map((i) => i.seq),
        restructuredPrincipal,
        supersededInterest: replaced.reduce((s, i) => s + i.interest - i.paidInterest, 0),
        supersededPenalty: replaced.reduce((s, i) => s + penaltyOwed(i), 0),
        newSchedule: d.newSchedule.map((i, n) => ({ seq: nextSeq + n, dueDate: i.dueDate, principal: i.principal, interest: i.interest })),
      },
    },
    d.businessDate,
  );
}

// ---- WaivePenalty ---------------------------------------------------------------------------------

/**
 * A waiver takes penalty off the books and nothing else: it is not a restructuring, so no
 * installment is replaced or moved and days past due fall only if nothing but penalty was past due.
 */
function decideWaivePenalty(command: WaivePenalty, state: LoanState): Decision {
  const d = command.data;
  const loan = onBooks(state, d.loanId, { businessDate: d.businessDate });
  if (isDomainError(loan)) return loan;
  const applied = waivers(loan).find((w) => w.waiverId === d.waiverId);
  if (applied) {
    if (applied.amount === d.amount) return [];
    return domainError(
      'WAIVER_ALREADY_APPLIED',
      `waiver ${d.waiverId} was already applied with another amount`,
      { waiverId: d.waiverId, amount: applied.amount },
      'conflict',
    );
  }
  if (!isPositiveFen(d.amount)) return domainError('INVALID_AMOUNT', 'a waiver must be a positive whole number of fen', { amount: d.amount });
  if (loan.status === 'PaidOff') return domainError('LOAN_PAID_OFF', 'a paid-off loan owes no penalty', { loanId: d.loanId });
  const owed = project(loan.facts, d.businessDate)
    .installments.filter((i) => i.replacedBy === null && compareDates(i.dueDate, d.businessDate) <= 0)
    .reduce((s, i) => s + penaltyOwed(i), 0);
  if (d.amount > owed) {
    return domainError('WAIVER_EXCEEDS_PENALTY', 'the waiver is larger than the penalty owed on the loan', { amount: d.amount, penaltyOwed: owed });
  }
  return withConsequences(
    loan,
    { type: 'PenaltyWaived', data: { waiverId: d.waiverId, amount: d.amount, reason: d.reason, businessDate: d.businessDate, penaltyOwed: owed } },
    d.businessDate,
  );
}

// ---- Write-off (four eyes) ------------------------------------------------------------------------

/** The pending write-off request a decision names, which whoever asked for it may not `decision` (four eyes). */
function pendingRequest(
  loan: OnBooks,
  requestId: string,
  by: Actor,
  decision: 'approve' | 'decide on',
): NonNullable<NonNullable<OnBooks['facts']['writeOff']>['pending']> | DomainError {
  const pending = loan.facts.writeOff?.pending;
  if (!pending || pending.requestId !== requestId) {
    return domainError('WRITE_OFF_REQUEST_NOT_FOUND', `no pending write-off request ${requestId} on this loan`, { requestId }, 'not_found');
  }
  return fourEyes(by.id, [pending.requestedBy], `whoever asked for a write-off cannot ${decision} it`, { requestedBy: pending.requestedBy }) ?? pending;
}

/** What a write-off would take off the books as of a date: the loan must be past due and owe something. */
function writeOffPosition(loan: OnBooks, businessDate: BusinessDate): LoanPosition | DomainError {
  const position = project(loan.facts, later(businessDate, loan.reported.asOf));
  if (position.paidOff) return domainError('LOAN_PAID_OFF', 'a paid-off loan has nothing to write off', { loanId: loan.facts.terms.loanId });
  if (position.dpd <= 0)
    return domainError('WRITE_OFF_NOT_PAST_DUE', 'only a loan past due is written off', { loanId: loan.facts.terms.loanId, dpd: position.dpd });
  return position;
}

function decideRequestWriteOff(command: RequestWriteOff, state: LoanState): Decision {
  const d = command.data;
  const loan = onBooks(state, d.loanId, { businessDate: d.businessDate });
  if (isDomainError(loan)) return loan;
  const pending = loan.facts.writeOff?.pending;
  if (pending) {
    if (pending.requestId === d.requestId && pending.reason === d.reason && pending.requestedBy === d.by.id) return [];
    return domainError(
      'WRITE_OFF_ALREADY_REQUESTED',
      `write-off request ${pending.requestId} is already pending`,
      { requestId: pending.requestId },
      'conflict',
    );
  }
  const offer = loan.facts.settlement?.open;
  if (offer) {
    return domainError(
      'SETTLEMENT_OPEN',
      `settlement ${offer.settlementId} is open on this loan until ${offer.dueBy}`,
      { settlementId: offer.settlementId },
      'conflict',
    );
  }
  if (!WRITE_OFF_REQUESTERS.includes(d.by.role)) {
    return domainError('WRITE_OFF_ROLE_NOT_ALLOWED', `a ${d.by.role} may not ask for a write-off`, { role: d.by.role }, 'forbidden');
  }
  if (!d.reason.trim()) return domainError('REASON_REQUIRED', 'a write-off needs a reason');
  const position = writeOffPosition(loan, d.businessDate);
  if (isDomainError(position)) return position;
  return [
    {
      type: 'WriteOffRequested',
      data: {
        requestId: d.requestId,
        reason: d.reason,
        requestedBy: d.by.id,
        outstandingAmount: position.outstandingAmount,
        dpd: position.dpd,
        businessDate: d.businessDate,
      },
    },
  ];
}

function decideApproveWriteOff(command: ApproveWriteOff, state: LoanState): Decision {
  const d = command.data;
  const found = registered(state, d.loanId);
  if (isDomainError(found)) return found;
  if (found.status === 'WrittenOff') {
    const done = found.facts.writeOff!.writtenOff!;
    if (done.requestId === d.requestId && done.approvedBy === d.by.id) return []; // the same approval again
    return onBooks(found, d.loanId) as DomainError;
  }
  const loan = onBooks(found, d.loanId, { businessDate: d.businessDate });
  if (isDomainError(loan)) return loan;
  const pending = pendingRequest(loan, d.requestId, d.by, 'approve');
  if (isDomainError(pending)) return pending;
  const limit = WRITE_OFF_APPROVAL_LIMITS[d.by.role];
  if (limit === undefined) return domainError('WRITE_OFF_ROLE_NOT_ALLOWED', `a ${d.by.role} may not approve a write-off`, { role: d.by.role }, 'forbidden');
  const position = writeOffPosition(loan, d.businessDate);
  if (isDomainError(position)) return position;
  if (position.outstandingAmount > limit) {
    return domainError(
      'WRITE_OFF_ABOVE_APPROVAL_LIMIT',
      `a ${d.by.role} may approve write-offs up to ${limit} fen`,
      {
        amount: position.outstandingAmount,
        limit,
        role: d.by.role,
      },
      'forbidden',
    );
  }
  const live = position.installments.filter((i) => i.replacedBy === null);
  const principal = live.reduce((s, i) => s + i.principal - i.paidPrincipal, 0);
  const interest = live.reduce((s, i) => s + i.interest - i.paidInterest, 0);
  const penalty = live.reduce((s, i) => s + penaltyOwed(i), 0);
  const consequences = decideCloseBusinessDay({ type: 'CloseBusinessDay', data: { loanId: d.loanId, businessDate: d.businessDate } }, loan);
  if (isDomainError(consequences)) return consequences;
  // What the day showed until the write-off is reported first, so the frozen position is the true one.
  return [
    ...consequences,
    {
      type: 'LoanWrittenOff',
      data: {
        requestId: d.requestId,
        writtenOffOn: later(d.businessDate, loan.reported.asOf),
        principal,
        interest,
        penalty,
        amount: principal + interest + penalty,
        dpd: position.dpd,
        stage: position.stage,
        reason: pending.reason,
        requestedBy: pending.requestedBy,
        approvedBy: d.by.id,
        approverRole: d.by.role,
        approvalLimit: limit,
      },
    },
  ];
}

function decideRejectWriteOff(command: RejectWriteOff, state: LoanState): Decision {
  const d = command.data;
  const loan = onBooks(state, d.loanId, { businessDate: d.businessDate });
  if (isDomainError(loan)) return loan;
  const pending = pendingRequest(loan, d.requestId, d.by, 'decide on');
  if (isDomainError(pending)) return pending;
  if (WRITE_OFF_APPROVAL_LIMITS[d.by.role] === undefined) {
    return domainError('WRITE_OFF_ROLE_NOT_ALLOWED', `a ${d.by.role} may not decide on a write-off`, { role: d.by.role }, 'forbidden');
  }
  return [{ type: 'WriteOffRejected', data: { requestId: d.requestId, rejectedBy: d.by.id, reason: d.reason, businessDate: d.businessDate } }];
}

// ---- Settlement offers (four eyes) ----------------------------------------------------------------

/** Counted towards an approved offer: payments recorded after the approval, not reversed, valued by `dueBy`. */
function settlementPaid(loan: RegisteredState): Fen {
  const offer = loan.facts.settlement?.open;
  if (!offer?.approval) return 0;
  return loan.facts.ledger
    .slice(offer.approval.ledgerFrom)
    .filter((f): f is PaymentFact => f.kind === 'payment' && f.reversal === null && compareDates(f.valueDate, offer.dueBy) <= 0)
    .reduce((s, p) => s + p.amount, 0);
}

/**
 * After a payment: when the approved offer's payments reach its amount, everything the loan still
 * owes as of the business date is forgiven (LoanSettled), and the loan is paid off.
 */
function settlementCompleted(loan: OnBooks, businessDate: BusinessDate): LoanEvent[] {
  const offer = loan.facts.settlement?.open;
  if (!offer?.approval) return [];
  const paid = settlementPaid(loan);
  if (paid < offer.amount) return [];
  const settledOn = later(businessDate, loan.reported.asOf);
  const live = project(loan.facts, settledOn).installments.filter((i) => i.replacedBy === null);
  const forgivenPrincipal = live.reduce((s, i) => s + Math.max(0, i.principal - i.paidPrincipal), 0);
  const forgivenInterest = live.reduce((s, i) => s + Math.max(0, i.interest - i.paidInterest), 0);
  const forgivenPenalty = live.reduce((s, i) => s + Math.max(0, penaltyOwed(i)), 0);
  const settled: LoanSettled = {
    type: 'LoanSettled',
    data: {
      settlementId: offer.settlementId,
      settledOn,
      amount: offer.amount,
      paid,
      forgivenPrincipal,
      forgivenInterest,
      forgivenPenalty,
      forgiven: forgivenPrincipal + forgivenInterest + forgivenPenalty,
      proposedBy: offer.proposedBy,
      approvedBy: offer.approval.approvedBy,
      businessDate,
    },
  };
  return withConsequences(loan, settled, businessDate);
}

/** At the first close of business after `dueBy`, an offer still open lapses. */
function settlementLapse(loan: OnBooks, businessDate: BusinessDate): LoanEvent[] {
  const offer = loan.facts.settlement?.open;
  if (!offer || compareDates(businessDate, offer.dueBy) <= 0) return [];
  return [
    {
      type: 'SettlementLapsed',
      data: {
        settlementId: offer.settlementId,
        amount: offer.amount,
        dueBy: offer.dueBy,
        paid: settlementPaid(loan),
        approved: offer.approval !== null,
        businessDate,
      },
    },
  ];
}

function openOffer(loan: RegisteredState, settlementId: string): SettlementOffer | DomainError {
  const offer = loan.facts.settlement?.open;
  if (!offer || offer.settlementId !== settlementId) {
    return domainError('SETTLEMENT_NOT_FOUND', `no open settlement ${settlementId} on this loan`, { settlementId }, 'not_found');
  }
  return offer;
}

/** What the loan owes as of the date, which a settlement must be below; a paid-off loan has nothing to settle. */
function settlementBalance(loan: OnBooks, businessDate: BusinessDate, amount: Fen): Fen | DomainError {
  const position = project(loan.facts, later(businessDate, loan.reported.asOf));
  if (loan.status === 'PaidOff' || position.paidOff)
    return domainError('LOAN_PAID_OFF', 'a paid-off loan has nothing to settle', { loanId: loan.facts.terms.loanId });
  if (amount >= position.outstandingAmount) {
    return domainError('SETTLEMENT_NOT_BELOW_BALANCE', 'a settlement must be less than what the loan owes', {
      amount,
      outstandingAmount: position.outstandingAmount,
    });
  }
  return position.outstandingAmount;
}

function decideProposeSettlement(command: ProposeSettlement, state: LoanState): Decision {
  const d = command.data;
  const loan = onBooks(state, d.loanId, { dueBy: d.dueBy, businessDate: d.businessDate });
  if (isDomainError(loan)) return loan;
  const settlement = loan.facts.settlement;
  const open = settlement?.open;
  if (open) {
    if (open.settlementId === d.settlementId && open.amount === d.amount && open.dueBy === d.dueBy && open.proposedBy === d.by.id) return []; // the same proposal again
    return domainError(
      'SETTLEMENT_ALREADY_OPEN',
      `settlement ${open.settlementId} is already open on this loan`,
      { settlementId: open.settlementId },
      'conflict',
    );
  }
  if (settlement?.closed.some((c) => c.settlementId === d.settlementId)) {
    return domainError('SETTLEMENT_ID_USED', `settlement ${d.settlementId} was already decided on this loan`, { settlementId: d.settlementId }, 'conflict');
  }
  if (!SETTLEMENT_PROPOSERS.includes(d.by.role)) {
    return domainError('SETTLEMENT_ROLE_NOT_ALLOWED', `a ${d.by.role} may not propose a settlement`, { role: d.by.role }, 'forbidden');
  }
  if (loan.facts.writeOff?.pending) {
    return domainError(
      'WRITE_OFF_ALREADY_REQUESTED',
      `write-off request ${loan.facts.writeOff.pending.requestId} is pending`,
      { requestId: loan.facts.writeOff.pending.requestId },
      'conflict',
    );
  }
  if (!d.reason.trim()) return domainError('REASON_REQUIRED', 'a settlement needs a reason');
  if (!isPositiveFen(d.amount)) return domainError('INVALID_AMOUNT', 'a settlement must be a positive whole number of fen', { amount: d.amount });
  if (compareDates(d.dueBy, d.businessDate) < 0) {
    return domainError('SETTLEMENT_DUE_DATE_PASSED', 'a settlement cannot be due before the business date', { dueBy: d.dueBy, businessDate: d.businessDate });
  }
  const latest = addDays(d.businessDate, SETTLEMENT_MAX_DAYS);
  if (compareDates(d.dueBy, latest) > 0) {
    return domainError('SETTLEMENT_DUE_DATE_TOO_LATE', `a settlement is due within ${SETTLEMENT_MAX_DAYS} days of the business date`, {
      dueBy: d.dueBy,
      latest,
    });
  }
  const outstanding = settlementBalance(loan, d.businessDate, d.amount);
  if (isDomainError(outstanding)) return outstanding;
  return [
    {
      type: 'SettlementProposed',
      data: {
        settlementId: d.settlementId,
        amount: d.amount,
        dueBy: d.dueBy,
        reason: d.reason,
        proposedBy: d.by.id,
        outstandingAmount: outstanding,
        forgivenAmount: outstanding - d.amount,
        businessDate: d.businessDate,
      },
    },
  ];
}

function decideApproveSettlement(command: ApproveSettlement, state: LoanState): Decision {
  const d = command.data;
  const found = registered(state, d.loanId);
  if (isDomainError(found)) return found;
  const done = found.facts.settlement?.closed.find((c) => c.settlementId === d.settlementId);
  if (done && done.outcome === 'settled' && done.approvedBy === d.by.id) return []; // the same approval again
  const loan = onBooks(found, d.loanId, { businessDate: d.businessDate });
  if (isDomainError(loan)) return loan;
  const offer = openOffer(loan, d.settlementId);
  if (isDomainError(offer)) return offer;
  if (offer.approval) {
    if (offer.approval.approvedBy === d.by.id) return [];
    return domainError('SETTLEMENT_ALREADY_APPROVED', `settlement ${d.settlementId} was already approved`, { settlementId: d.settlementId }, 'conflict');
  }
  const sameHands = fourEyes(d.by.id, [offer.proposedBy], 'whoever proposed a settlement cannot approve it', { proposedBy: offer.proposedBy });
  if (sameHands) return sameHands;
  const limit = SETTLEMENT_APPROVAL_LIMITS[d.by.role];
  if (limit === undefined) return domainError('SETTLEMENT_ROLE_NOT_ALLOWED', `a ${d.by.role} may not approve a settlement`, { role: d.by.role }, 'forbidden');
  if (compareDates(d.businessDate, offer.dueBy) > 0) {
    return domainError(
      'SETTLEMENT_EXPIRED',
      `settlement ${d.settlementId} was due by ${offer.dueBy}`,
      { settlementId: d.settlementId, dueBy: offer.dueBy },
      'conflict',
    );
  }
  const outstanding = settlementBalance(loan, d.businessDate, offer.amount);
  if (isDomainError(outstanding)) return outstanding;
  const forgivenAmount = outstanding - offer.amount;
  if (forgivenAmount > limit) {
    return domainError(
      'SETTLEMENT_ABOVE_APPROVAL_LIMIT',
      `a ${d.by.role} may approve settlements forgiving up to ${limit} fen`,
      { forgivenAmount, limit, role: d.by.role },
      'forbidden',
    );
  }
  return [
    {
      type: 'SettlementApproved',
      data: { settlementId: d.settlementId, approvedBy: d.by.id, approverRole: d.by.role, approvalLimit: limit, forgivenAmount, businessDate: d.businessDate },
    },
  ];
}

function decideRejectSettlement(command: RejectSettlement, state: LoanState): Decision {
  const d = command.data;
  const loan = onBooks(state, d.loanId, { businessDate: d.businessDate });
  if (isDomainError(loan)) return loan;
  const offer = openOffer(loan, d.settlementId);
  if (isDomainError(offer)) return offer;
  if (offer.approval) {
    return domainError('SETTLEMENT_ALREADY_APPROVED', `settlement ${d.settlementId} was already approved`, { settlementId: d.settlementId }, 'conflict');
  }
  const sameHands = fourEyes(d.by.id, [offer.proposedBy], 'whoever proposed a settlement cannot decide on it', { proposedBy: offer.proposedBy });
  if (sameHands) return sameHands;
  if (SETTLEMENT_APPROVAL_LIMITS[d.by.role] === undefined) {
    return domainError('SETTLEMENT_ROLE_NOT_ALLOWED', `a ${d.by.role} may not decide on a settlement`, { role: d.by.role }, 'forbidden');
  }
  if (!d.reason.trim()) return domainError('REASON_REQUIRED', 'a rejection needs a reason');
  return [{ type: 'SettlementRejected', data: { settlementId: d.settlementId, rejectedBy: d.by.id, reason: d.reason, businessDate: d.businessDate } }];
}

// ---- the decider ----------------------------------------------------------------------------------

export const decide = decideByType<LoanCommand, LoanState, Decision>('loan', {
  RegisterLoan: decideRegisterLoan,
  PostPayment: decidePostPayment,
  ReversePayment: decideReversePayment,
  CloseBusinessDay: decideCloseBusinessDay,
  StartCollectionHold: decideStartCollectionHold,
  EndCollectionHold: decideEndCollectionHold,
  RestructureSchedule: decideRestructureSchedule,
  WaivePenalty: decideWaivePenalty,
  RequestWriteOff: decideRequestWriteOff,
  ApproveWriteOff: decideApproveWriteOff,
  RejectWriteOff: decideRejectWriteOff,
  ProposeSettlement: decideProposeSettlement,
  ApproveSettlement: decideApproveSettlement,
  RejectSettlement: decideRejectSettlement,
});

export const loanDecider: Decider<LoanCommand, LoanEvent, LoanState> = {
  initialState: initialLoanState,
  decide,
  evolve,
};
