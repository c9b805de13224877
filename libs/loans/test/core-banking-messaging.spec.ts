import { PostgresEventStore } from '#eventstore';
import { ProjectionRunner } from '#projections';
import type { InboundMessage, InboundOutcome } from '#messaging';
import {
  BusinessCalendar,
  CALENDAR_STREAM,
  CORE_BANKING_LOANS_TOPIC,
  CORE_BANKING_TYPES,
  CoreBankingLoansHandler,
  EndOfDay,
  LoanCommandHandlers,
  loansProjection,
} from '#loans';
import { testDatabase, type TestDatabase } from '#test-support/database.js';
import { startBusinessCalendar, twoMonthLoan } from './fixtures.js';

/**
 * The core-banking intake against a real Postgres: each message type becomes the command its HTTP
 * route issues, a redelivered message has one effect, and what cannot be taken in is refused with a
 * code (the consumer dead-letters it) and appends nothing.
 */
const OPEN = '2024-01-20';
const SCHEDULE = [
  { seq: 1, dueDate: '2024-02-15', principal: 100_000, interest: 3_000 },
  { seq: 2, dueDate: '2024-03-15', principal: 100_000, interest: 2_000 },
];

function loanData(loanId: string, overrides: Record<string, unknown> = {}) {
  return {
    ...twoMonthLoan(loanId, '2024-01-15'),
    schedule: SCHEDULE,
    ...overrides,
  };
}

let offset = 0;
function message(id: string, type: string | undefined, data: unknown, extra: Partial<InboundMessage> = {}): InboundMessage {
  const key = (data as { loanId?: string } | null)?.loanId ?? null;
  return {
    id,
    topic: CORE_BANKING_LOANS_TOPIC,
    partition: 0,
    offset: String(offset++),
    key,
    ...(type ? { type, source: '/core-banking/loans' } : {}),
    time: '2024-01-20T10:15:00+08:00',
    headers: {},
    data,
    ...extra,
  };
}

interface World {
  db: TestDatabase;
  store: PostgresEventStore;
  handler: CoreBankingLoansHandler;
  runner: ProjectionRunner;
  calendar: BusinessCalendar;
  types(loanId: string): Promise<string[]>;
  close(): Promise<void>;
}

async function world(startCalendar = true): Promise<World> {
  const db = await testDatabase();
  const store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
  const runner = new ProjectionRunner(db.pool, store, [loansProjection]);
  const calendar = new BusinessCalendar(store);
  const handlers = new LoanCommandHandlers(store, calendar);
  const endOfDay = new EndOfDay(db.pool, store, calendar, handlers.repository, { pollMs: 10 });
  if (startCalendar) {
    await startBusinessCalendar(calendar, OPEN, { id: 'ops', role: 'admin' }, '2024-01-20T08:00:00Z');
  }
  return {
    db,
    store,
    runner,
    calendar,
    handler: new CoreBankingLoansHandler(handlers, endOfDay),
    types: async (loanId) => (await store.readStream(`loans.loan-${loanId}`)).map((e) => e.type),
    async close() {
      await endOfDay.stop();
      await runner.stop();
      await store.close();
      await db.close();
    },
  };
}

const codeOf = (outcome: InboundOutcome) => (outcome === 'ok' ? 'ok' : outcome.rejected.code);

describe('core banking messages (core-banking.loans.v1)', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('registers a loan as POST /loans/accounts does, recorded as the message with its id as idempotency key', async () => {
    const registered = message('cb-reg-1', CORE_BANKING_TYPES.loanRegistered, loanData('L-1'), { correlationId: 'corr-cb-1' });
    expect(await w.handler.handle(registered)).toBe('ok');
    expect(await w.handler.handle(registered)).toBe('ok');
    const [event, ...more] = await w.store.readStream('loans.loan-L-1');
    expect(more).toEqual([]);
    expect(event.type).toBe('LoanRegistered');
    expect(event.data).toMatchObject({ loanId: 'L-1', customerId: 'cust-L-1', principal: 200_000, registeredOn: OPEN, schedule: SCHEDULE });
    expect(event.metadata).toMatchObject({
      command: 'RegisterLoan',
      actor: { id: 'kafka:core-banking.loans.v1', role: 'service' },
      idempotencyKey: 'cb-reg-1',
      causationId: 'cb-reg-1',
      correlationId: 'corr-cb-1',
      occurredAt: '2024-01-20T10:15:00+08:00',
      businessDate: OPEN,
      source: 'kafka:core-banking.loans.v1',
    });
  });

  it('records the time it took the fact in when the message has no usable ce_time', async () => {
    const before = Date.now();
    const untimed = message('cb-reg-untimed', CORE_BANKING_TYPES.loanRegistered, loanData('L-untimed'), { time: 'yesterday' });
    expect(await w.handler.handle(untimed)).toBe('ok');
    const [event] = await w.store.readStream('loans.loan-L-untimed');
    const occurredAt = String(event.metadata.occurredAt);
    expect(occurredAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Date.parse(occurredAt)).toBeGreaterThanOrEqual(before);
    // Nor does it need one to be correlated: the message id is the correlation.
    expect(event.metadata.correlationId).toBe('cb-reg-untimed');
  });

  it('takes the product settings the HTTP body takes', async () => {
    const data = loanData('L-prod', { product: { penaltyAnnualRateBps: 1825 } });
    expect(await w.handler.handle(message('cb-reg-prod', CORE_BANKING_TYPES.loanRegistered, data))).toBe('ok');
    const [event] = await w.store.readStream('loans.loan-L-prod');
    expect(event.data).toMatchObject({ product: { penaltyAnnualRateBps: 1825, waterfall: { order: ['penalty', 'interest', 'principal'] } } });
  });

  it('posts a payment once, however often its message is delivered (one after another or at once)', async () => {
    expect(await w.handler.handle(message('cb-reg-2', CORE_BANKING_TYPES.loanRegistered, loanData('L-2')))).toBe('ok');
    const payment = message('cb-pay-2', CORE_BANKING_TYPES.paymentReceived, { loanId: 'L-2', reference: 'TX-2', amount: 50_000, valueDate: '2024-01-19' });
    expect(await w.handler.handle(payment)).toBe('ok');
    expect(await w.handler.handle(payment)).toBe('ok');
    expect(await Promise.all([w.handler.handle(payment), w.handler.handle(payment)])).toEqual(['ok', 'ok']);
    const events = await w.store.readStream('loans.loan-L-2');
    expect(events.map((e) => e.type)).toEqual(['LoanRegistered', 'PaymentReceived']);
    expect(events[1].data).toMatchObject({ reference: 'TX-2', amount: 50_000, valueDate: '2024-01-19', businessDate: OPEN });
    expect(events[1].metadata).toMatchObject({ command: 'PostPayment', idempotencyKey: 'cb-pay-2' });

    // A second message with another id for the same payment (core banking re-sent it) adds nothing either.
    const resent = message('cb-pay-2-again', CORE_BANKING_TYPES.paymentReceived, { loanId: 'L-2', reference: 'TX-2', amount: 50_000, valueDate: '2024-01-19' });
    expect(await w.handler.handle(resent)).toBe('ok');
    expect(await w.types('L-2')).toEqual(['LoanRegistered', 'PaymentReceived']);
  });

  it('reverses a payment, once', async () => {
    expect(await w.handler.handle(message('cb-reg-3', CORE_BANKING_TYPES.loanRegistered, loanData('L-3')))).toBe('ok');
    expect(
      await w.handler.handle(message('cb-pay-3', CORE_BANKING_TYPES.paymentReceived, { loanId: 'L-3', reference: 'TX-3', amount: 10_000, valueDate: OPEN })),
    ).toBe('ok');
    const reversal = message('cb-rev-3', CORE_BANKING_TYPES.paymentReversed, { loanId: 'L-3', reference: 'TX-3', reason: 'bounced' });
    expect(await w.handler.handle(reversal)).toBe('ok');
    expect(await w.handler.handle(reversal)).toBe('ok');
    const events = await w.store.readStream('loans.loan-L-3');
    expect(events.map((e) => e.type)).toEqual(['LoanRegistered', 'PaymentReceived', 'PaymentReversed']);
    expect(events[2].data).toMatchObject({ reference: 'TX-3', amount: 10_000, reason: 'bounced' });
    expect(events[2].metadata).toMatchObject({ command: 'ReversePayment', idempotencyKey: 'cb-rev-3' });
  });

  it('refuses data the HTTP route would answer with 400, and appends nothing', async () => {
    const cases: Array<[string, InboundMessage, string]> = [
      [
        'amount as a string',
        message('bad-1', CORE_BANKING_TYPES.paymentReceived, { loanId: 'L-1', reference: 'TX-x', amount: '500', valueDate: OPEN }),
        'amount',
      ],
      ['fractional fen', message('bad-2', CORE_BANKING_TYPES.paymentReceived, { loanId: 'L-1', reference: 'TX-x', amount: 12.5, valueDate: OPEN }), 'amount'],
      ['no loan id', message('bad-3', CORE_BANKING_TYPES.paymentReceived, { reference: 'TX-x', amount: 500, valueDate: OPEN }), 'loanId'],
      [
        'an unknown field',
        message('bad-4', CORE_BANKING_TYPES.paymentReceived, { loanId: 'L-1', reference: 'TX-x', amount: 500, valueDate: OPEN, payer: 'Zhang San' }),
        '',
      ],
      [
        'not a date',
        message('bad-5', CORE_BANKING_TYPES.paymentReceived, { loanId: 'L-1', reference: 'TX-x', amount: 500, valueDate: '20/01/2024' }),
        'valueDate',
      ],
      ['no reason', message('bad-6', CORE_BANKING_TYPES.paymentReversed, { loanId: 'L-3', reference: 'TX-3' }), 'reason'],
      ['not a time zone', message('bad-7', CORE_BANKING_TYPES.loanRegistered, loanData('L-bad', { timeZone: 'Mars/Olympus' })), 'timeZone'],
      ['an empty schedule', message('bad-8', CORE_BANKING_TYPES.loanRegistered, loanData('L-bad', { schedule: [] })), 'schedule'],
      ['not an object', message('bad-9', CORE_BANKING_TYPES.businessDayClosed, 'tomorrow'), ''],
    ];
    for (const [what, m, path] of cases) {
      const outcome = await w.handler.handle(m);
      expect({ what, outcome }).toEqual({
        what,
        outcome: { rejected: expect.objectContaining({ code: 'VALIDATION_FAILED', errors: expect.arrayContaining([expect.objectContaining({ path })]) }) },
      });
    }
    expect(await w.types('L-bad')).toEqual([]);
    expect(await w.types('L-1')).toEqual(['LoanRegistered']);
  });

  it('refuses unknown and missing message types, and a key that names another loan', async () => {
    expect(codeOf(await w.handler.handle(message('t-1', 'core-banking.LoanWrittenOff', { loanId: 'L-1' })))).toBe('UNKNOWN_MESSAGE_TYPE');
    expect(codeOf(await w.handler.handle(message('t-2', undefined, { loanId: 'L-1', reference: 'TX-t', amount: 1, valueDate: OPEN })))).toBe(
      'UNKNOWN_MESSAGE_TYPE',
    );
    const misKeyed = message('t-3', CORE_BANKING_TYPES.paymentReceived, { loanId: 'L-1', reference: 'TX-t', amount: 1, valueDate: OPEN }, { key: 'L-2' });
    expect(await w.handler.handle(misKeyed)).toEqual({ rejected: expect.objectContaining({ code: 'MESSAGE_KEY_MISMATCH', key: 'L-2', loanId: 'L-1' }) });
    expect(await w.types('L-1')).toEqual(['LoanRegistered']);
    expect(await w.types('L-2')).toEqual(['LoanRegistered', 'PaymentReceived']);
  });

  it("refuses with the business rule's code what the decider refuses", async () => {
    const refusals: Array<[InboundMessage, string]> = [
      [message('r-1', CORE_BANKING_TYPES.paymentReceived, { loanId: 'L-none', reference: 'TX-r', amount: 100, valueDate: OPEN }), 'LOAN_NOT_FOUND'],
      [message('r-2', CORE_BANKING_TYPES.paymentReversed, { loanId: 'L-1', reference: 'TX-unknown', reason: 'bounced' }), 'PAYMENT_NOT_FOUND'],
      [message('r-3', CORE_BANKING_TYPES.paymentReceived, { loanId: 'L-1', reference: 'TX-r', amount: 100, valueDate: '2024-01-21' }), 'VALUE_DATE_IN_FUTURE'],
      [message('r-4', CORE_BANKING_TYPES.loanRegistered, loanData('L-1')), 'LOAN_ALREADY_REGISTERED'],
      [message('r-5', CORE_BANKING_TYPES.loanRegistered, loanData('L-sum', { principal: 250_000 })), 'SCHEDULE_PRINCIPAL_MISMATCH'],
      [
        message('r-6', CORE_BANKING_TYPES.paymentReceived, { loanId: 'L-2', reference: 'TX-2', amount: 60_000, valueDate: '2024-01-19' }),
        'DUPLICATE_PAYMENT_REFERENCE',
      ],
    ];
    for (const [m, code] of refusals) {
      const outcome = await w.handler.handle(m);
      expect({ id: m.id, outcome }).toEqual({ id: m.id, outcome: { rejected: expect.objectContaining({ code, category: expect.any(String) }) } });
    }
    expect(await w.types('L-none')).toEqual([]);
    expect(await w.types('L-sum')).toEqual([]);
    expect(await w.types('L-1')).toEqual(['LoanRegistered']);
    expect(await w.types('L-2')).toEqual(['LoanRegistered', 'PaymentReceived']);
  });
});

describe('core banking messages before the calendar starts', () => {
  let w: World;
  beforeAll(async () => {
    w = await world(false);
  });
  afterAll(async () => {
    await w?.close();
  });

  it('refuses loan facts with CALENDAR_NOT_STARTED', async () => {
    expect(codeOf(await w.handler.handle(message('early-1', CORE_BANKING_TYPES.loanRegistered, loanData('L-early'))))).toBe('CALENDAR_NOT_STARTED');
    expect(codeOf(await w.handler.handle(message('early-2', CORE_BANKING_TYPES.businessDayClosed, { businessDate: OPEN })))).toBe('CALENDAR_NOT_STARTED');
    expect(await w.types('L-early')).toEqual([]);
  });
});

describe('core banking business day close', () => {
  let w: World;
  beforeAll(async () => {
    w = await world();
    await w.runner.start();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('closes the open date and runs its end of day, once however often it is delivered; refuses a skipped date', async () => {
    const close = message('eod-1', CORE_BANKING_TYPES.businessDayClosed, { businessDate: OPEN }, { key: 'calendar' });
    expect(await w.handler.handle(close)).toBe('ok');
    const opened = async () => {
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
        const state = await w.calendar.state();
        if (state.status === 'Open' && state.lastClosed === OPEN) return state;
      }
      throw new Error('the end of day did not complete');
    };
    expect(await opened()).toEqual({ status: 'Open', openBusinessDate: '2024-01-21', lastClosed: OPEN });

    expect(await w.handler.handle(close)).toBe('ok');
    const calendar = await w.store.readStream(CALENDAR_STREAM);
    expect(calendar.map((e) => e.type)).toEqual(['BusinessCalendarStarted', 'BusinessDayClosed', 'EndOfDayCompleted']);
    expect(calendar[1].data).toMatchObject({ businessDate: OPEN });
    expect(calendar[1].metadata).toMatchObject({
      command: 'CloseBusinessDay',
      idempotencyKey: 'eod-1',
      actor: { id: 'kafka:core-banking.loans.v1', role: 'service' },
    });

    const skipped = await w.handler.handle(message('eod-2', CORE_BANKING_TYPES.businessDayClosed, { businessDate: '2024-01-23' }));
    expect(skipped).toEqual({ rejected: expect.objectContaining({ code: 'BUSINESS_DAY_SKIPPED' }) });
    expect((await w.store.readStream(CALENDAR_STREAM)).length).toBe(3);
  });
});
