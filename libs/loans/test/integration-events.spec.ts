import type { RecordedEvent } from '#kernel';
import { mapEvent } from '#messaging';
import { CALENDAR_STREAM, LOANS_TOPIC, PUBLISHED_LOAN_EVENTS, loansIntegrationEvents, type LoanCommand, type LoanEvent } from '#loans';
import { checkPublished } from '#test-support/kafka/published-contract.js';
import {
  DISBURSED,
  INSTALLMENT1,
  LOAN,
  PENALTY_PRODUCT,
  close,
  closeDays,
  endHold,
  history,
  pay,
  registerLoan,
  restructure,
  reverse,
  startHold,
} from './fixtures.js';

/**
 * The Loans context's published contract (`arrears.loans.v1`): every published event type, built by
 * the decider, mapped as the relay maps it and valid against docs/asyncapi.yaml.
 */
let position = 0n;
function recorded(streamId: string, events: readonly { type: string; data: unknown }[]): RecordedEvent[] {
  return events.map((e, revision) => ({
    eventId: `${streamId}#${revision}`,
    type: e.type,
    schemaVersion: 1,
    streamId,
    revision,
    globalPosition: { commit: ++position, prepare: position },
    data: e.data,
    metadata: {
      correlationId: 'corr-1',
      causationId: 'cmd-1',
      actor: { id: 'core-banking', role: 'service' },
      command: 'Test',
      occurredAt: '2024-02-20T09:00:00.000Z',
    },
    recordedAt: '2024-02-20T09:00:01.000Z',
  }));
}

/** One loan through holds, delinquency, a cure, payoff and a reversal that reopens it. */
function lifeOfALoan(): LoanEvent[] {
  return history(
    registerLoan({ product: PENALTY_PRODUCT }),
    startHold('h1', '2024-01-20', '2024-01-20'),
    endHold('h1', '2024-01-25', '2024-01-25'),
    ...closeDays('2024-02-16', '2024-03-20'),
    pay('p1', INSTALLMENT1 + 50_000, '2024-03-20'),
    pay('p2', 400_000, '2024-03-21'),
    reverse('p2', '2024-03-22'),
    close('2024-03-23'),
  );
}

/** A third loan: delinquent, written off under four eyes, then a recovery. */
function writtenOffLoan(): LoanEvent[] {
  const as3 = (c: LoanCommand) => ({ ...c, data: { ...c.data, loanId: 'loan-3' } }) as LoanCommand;
  const on = '2024-03-20';
  return history(
    registerLoan({ loanId: 'loan-3' }),
    ...closeDays('2024-02-16', on).map(as3),
    {
      type: 'RequestWriteOff',
      data: { loanId: 'loan-3', requestId: 'wo-1', reason: 'debtor deceased', by: { id: 'sup-1', role: 'supervisor' }, businessDate: on },
    },
    { type: 'ApproveWriteOff', data: { loanId: 'loan-3', requestId: 'wo-1', by: { id: 'rm-1', role: 'risk_manager' }, businessDate: on } },
    as3(pay('rec-1', 10_000, '2024-03-25')),
  );
}

/** A fourth loan, its due dates rolled past the Spring Festival: penalty accrues, and part of it is waived. */
function waivedLoan(): LoanEvent[] {
  const as4 = (c: LoanCommand) => ({ ...c, data: { ...c.data, loanId: 'loan-4' } }) as LoanCommand;
  const on = '2024-03-01';
  return history(
    registerLoan({ loanId: 'loan-4', product: { ...PENALTY_PRODUCT, dueDateRoll: 'NEXT_WORKING_DAY' } }),
    ...closeDays('2024-02-16', on).map(as4),
    { type: 'WaivePenalty', data: { loanId: 'loan-4', waiverId: 'rq-1', amount: 100, reason: 'fee waiver approved', businessDate: on } },
  );
}

/** A fifth loan settled under four eyes, and a sixth whose offer lapsed unpaid. */
function settlementLoans(): [LoanEvent[], LoanEvent[]] {
  const on = '2024-03-20';
  const offer = (loanId: string): LoanCommand[] => [
    ...closeDays('2024-02-16', on).map((c) => ({ ...c, data: { ...c.data, loanId } }) as LoanCommand),
    {
      type: 'ProposeSettlement',
      data: {
        loanId,
        settlementId: 'st-1',
        amount: 200_000,
        dueBy: '2024-03-25',
        reason: 'hardship',
        by: { id: 'sup-1', role: 'supervisor' },
        businessDate: on,
      },
    },
    { type: 'ApproveSettlement', data: { loanId, settlementId: 'st-1', by: { id: 'rm-1', role: 'risk_manager' }, businessDate: on } },
  ];
  const settled = history(registerLoan({ loanId: 'loan-5' }), ...offer('loan-5'), {
    type: 'PostPayment',
    data: { loanId: 'loan-5', reference: 'p1', amount: 200_000, valueDate: on, businessDate: on },
  });
  const lapsed = history(registerLoan({ loanId: 'loan-6' }), ...offer('loan-6'), {
    type: 'CloseBusinessDay',
    data: { loanId: 'loan-6', businessDate: '2024-03-26' },
  });
  return [settled, lapsed];
}

function restructuredLoan(): LoanEvent[] {
  const schedule = [
    { dueDate: '2024-03-01', principal: 150_000, interest: 0 },
    { dueDate: '2024-04-01', principal: 150_000, interest: 0 },
  ];
  const command = restructure('r1', '2024-01-20', schedule);
  return history(registerLoan({ loanId: 'loan-2' }), { ...command, data: { ...command.data, loanId: 'loan-2' } } as LoanCommand);
}

describe('arrears.loans.v1', () => {
  const loan = recorded(`loans.loan-${LOAN}`, lifeOfALoan());
  const restructured = recorded('loans.loan-loan-2', restructuredLoan());
  const writtenOff = recorded('loans.loan-loan-3', writtenOffLoan());
  const waived = recorded('loans.loan-loan-4', waivedLoan());
  const [settled, lapsed] = settlementLoans();
  const settlements = [...recorded('loans.loan-loan-5', settled), ...recorded('loans.loan-loan-6', lapsed)];
  const endOfDay = recorded(CALENDAR_STREAM, [
    { type: 'BusinessCalendarStarted', data: { calendarId: 'main', openBusinessDate: DISBURSED } },
    { type: 'BusinessDayClosed', data: { calendarId: 'main', businessDate: DISBURSED, nextBusinessDate: '2024-01-16' } },
    {
      type: 'EndOfDayCompleted',
      data: { calendarId: 'main', businessDate: DISBURSED, openBusinessDate: '2024-01-16', candidates: 3, loansChanged: 1, events: 2 },
    },
  ]);

  it('publishes every published type, valid against docs/asyncapi.yaml, and nothing else', () => {
    const contract = checkPublished([...loan, ...restructured, ...writtenOff, ...waived, ...settlements, ...endOfDay], loansIntegrationEvents);
    expect(contract.problems).toEqual([]);
    // 15 February 2024 fell in the Spring Festival holiday: rolled to Sunday the 18th, a make-up working day.
    expect((waived[0].data as { schedule: unknown[] }).schedule[0]).toEqual({
      seq: 1,
      dueDate: '2024-02-18',
      contractualDueDate: '2024-02-15',
      principal: 100_000,
      interest: 3_000,
    });
    const calendar = ['BusinessCalendarStarted', 'BusinessDayClosed', 'EndOfDayCompleted'];
    expect(contract.typesOn(LOANS_TOPIC)).toEqual([...PUBLISHED_LOAN_EVENTS, ...calendar].map((t) => `arrears.loans.${t}`).sort());
    expect([...contract.messages.keys()]).toEqual([LOANS_TOPIC]);
    // The scenario did accrue penalty; accruals stay internal.
    expect(loan.map((e) => e.type)).toContain('PenaltyAccrued');
    expect(loan.filter((e) => e.type.startsWith('Penalty')).flatMap((e) => mapEvent(e, loansIntegrationEvents))).toEqual([]);
    // The business calendar is the one business clock every context copies: all of it is published, keyed by the calendar.
    expect(endOfDay.flatMap((e) => mapEvent(e, loansIntegrationEvents)).map((m) => [m.message.headers.ce_type, m.message.key])).toEqual(
      calendar.map((t) => [`arrears.loans.${t}`, 'main']),
    );
  });

  it('keys loan events by loan id, leads their data with it, and names the schema', () => {
    const payment = loan.find((e) => e.type === 'PaymentReceived')!;
    const [out] = mapEvent(payment, loansIntegrationEvents);
    expect(out.topic).toBe(LOANS_TOPIC);
    expect(out.message.key).toBe(LOAN);
    expect(out.message.headers).toMatchObject({
      ce_id: payment.eventId,
      ce_source: '/arrears/loans',
      ce_type: 'arrears.loans.PaymentReceived',
      ce_subject: LOAN,
      ce_sequence: String(payment.revision),
      ce_dataschema: 'https://arrears.dev/asyncapi#/components/schemas/LoansPaymentReceivedV1',
    });
    expect(JSON.parse(String(out.message.value))).toEqual({ loanId: LOAN, ...(payment.data as object) });
  });

  it('publishes a registration without the product settings copied onto the loan', () => {
    const [out] = mapEvent(loan[0], loansIntegrationEvents);
    const data = JSON.parse(String(out.message.value));
    expect(data).toMatchObject({ loanId: LOAN, customerId: 'cust-42', principal: 300_000, registeredOn: DISBURSED });
    expect(data).not.toHaveProperty('product');
    expect((loan[0].data as { product: unknown }).product).toEqual(PENALTY_PRODUCT);
  });

  it('keys the end of day by the calendar id', () => {
    const [out] = mapEvent(endOfDay[2], loansIntegrationEvents);
    expect(out.message.key).toBe('main');
    expect(JSON.parse(String(out.message.value))).toEqual(endOfDay[2].data);
  });

  it('ignores events of the same names on other contexts’ streams', () => {
    const foreign = recorded('collection.case-1', [{ type: 'PaymentReceived', data: { reference: 'x' } }]);
    expect(mapEvent(foreign[0], loansIntegrationEvents)).toEqual([]);
  });
});
