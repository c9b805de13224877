import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { checkStoredEvents } from '#test-support/kafka/published-contract.js';
import { bootApp, eventually, type TestApp, type TestResponse } from '#test-support/app.js';

/**
 * The Loans context over HTTP: the business calendar, loans registered and paid, days closed by the
 * end of day, and the stages, DPD and aging read back from the read model.
 *
 * Loans (3,000.00 yuan over three months, installments of 1,000.00 principal + 30/20/10 interest):
 * - `paid`: disbursed 2024-01-15, first installment paid on time;
 * - `late`: the same loan, nothing paid;
 * - `penal`: like `late`, on a product with 18.25% penalty a year (50 fen a day per 1,000.00 overdue);
 * - `old`: mirrored late: disbursed 2023-11-01, due Dec 1, Jan 1, Feb 1, nothing paid.
 */
const SCHEDULE = [
  { seq: 1, dueDate: '2024-02-15', principal: 100_000, interest: 3_000 },
  { seq: 2, dueDate: '2024-03-15', principal: 100_000, interest: 2_000 },
  { seq: 3, dueDate: '2024-04-15', principal: 100_000, interest: 1_000 },
];
const OLD_SCHEDULE = [
  { seq: 1, dueDate: '2023-12-01', principal: 100_000, interest: 3_000 },
  { seq: 2, dueDate: '2024-01-01', principal: 100_000, interest: 2_000 },
  { seq: 3, dueDate: '2024-02-01', principal: 100_000, interest: 1_000 },
];

function loan(loanId: string, overrides: Record<string, unknown> = {}) {
  return {
    loanId,
    customerId: `cust-${loanId}`,
    productCode: 'CASH-3M',
    principal: 300_000,
    annualRateBps: 1200,
    termMonths: 3,
    disbursementDate: '2024-01-15',
    timeZone: 'Asia/Shanghai',
    schedule: SCHEDULE,
    ...overrides,
  };
}

describe('loans over HTTP', () => {
  let t: TestApp;
  let service: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;
  let supervisor: typeof service;

  const types = async (loanId: string) => (await t.runtime.store.readStream(`loans.loan-${loanId}`)).map((e) => e.type);
  const calendarEvents = async () => (await t.runtime.store.readStream('loans.calendar-main')).map((e) => e.type);

  /** Closes a business date, waits for its end of day to complete and for the read model to show it. */
  async function closeDay(businessDate: string) {
    const res = await service('POST', '/loans/calendar/close', { businessDate });
    expect({ businessDate, status: res.status, body: res.status === 202 ? undefined : res.body }).toEqual({ businessDate, status: 202, body: undefined });
    const run = await eventually(
      async () => {
        const day = await supervisor('GET', `/loans/calendar/days/${businessDate}`);
        return day.status === 200 && day.body.status === 'completed' ? day.body : undefined;
      },
      20_000,
      `end of day ${businessDate}`,
    );
    // `EndOfDayCompleted` is the day's last event: once the read model is valued on the date, it holds the whole day.
    await eventually(
      async () => ((await supervisor('GET', '/loans/accounts?limit=1')).body.asOf === businessDate ? true : undefined),
      10_000,
      `read model on ${businessDate}`,
    );
    return run;
  }

  /** Waits until the read model shows the loan at (at least) the stream's current revision. */
  async function readBack(loanId: string) {
    const revision = (await t.runtime.store.readStream(`loans.loan-${loanId}`)).length - 1;
    return eventually(async () => {
      const res = await supervisor('GET', `/loans/accounts/${loanId}`);
      return res.status === 200 && res.body.revision >= revision ? res.body : undefined;
    });
  }

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    service = t.as('service', 'core-banking');
    supervisor = t.as('supervisor', 'sup-1');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses loan facts before the business calendar is started, appending nothing', async () => {
    const res = await service('POST', '/loans/accounts', loan('early'));
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('CALENDAR_NOT_STARTED');
    expect(await types('early')).toEqual([]);
  });

  it('registers, pays and closes days; the stages, DPD, detail and aging read back', async () => {
    const started = await service('POST', '/loans/calendar', { openBusinessDate: '2024-02-14' });
    expect(started.status).toBe(201);
    expect(started.body.events).toEqual(['BusinessCalendarStarted']);
    const again = await service('POST', '/loans/calendar', { openBusinessDate: '2024-03-01' });
    expect([again.status, again.body.code]).toEqual([409, 'CALENDAR_ALREADY_STARTED']);

    for (const body of [loan('paid'), loan('late'), loan('penal', { productCode: 'CASH-3M-P', product: { penaltyAnnualRateBps: 1825 } })]) {
      const res = await service('POST', '/loans/accounts', body);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ streamId: `loans.loan-${body.loanId}`, revision: 0, events: ['LoanRegistered'] });
    }
    // Mirrored 75 days after its first due date: the delinquency is reported with the registration.
    const old = await service('POST', '/loans/accounts', loan('old', { disbursementDate: '2023-11-01', schedule: OLD_SCHEDULE }));
    expect(old.status).toBe(201);
    expect(old.body.events).toEqual(['LoanRegistered', 'LoanBecameDelinquent', 'DelinquencyStageChanged']);

    const paid = await service('POST', '/loans/accounts/paid/payments', { reference: 'TX-1', amount: 103_000, valueDate: '2024-02-14' });
    expect(paid.status).toBe(202);
    expect(paid.body.events).toEqual(['PaymentReceived']);

    const feb14 = await closeDay('2024-02-14');
    expect(feb14).toMatchObject({ loansChanged: 0, events: 0 });
    await closeDay('2024-02-15'); // the due date itself: still current
    expect(await types('late')).toEqual(['LoanRegistered']);

    const feb16 = await closeDay('2024-02-16');
    // Selected set-based from the read model: the two loans due on the 15th and unpaid (`paid` is quiet
    // until its next due date, `old` until its stage can change).
    expect(feb16).toMatchObject({ candidates: 2, loansChanged: 2, events: 5 });
    expect(await types('late')).toEqual(['LoanRegistered', 'LoanBecameDelinquent', 'DelinquencyStageChanged']);
    expect(await types('penal')).toEqual(['LoanRegistered', 'PenaltyAccrued', 'LoanBecameDelinquent', 'DelinquencyStageChanged']);
    expect(await types('paid')).toEqual(['LoanRegistered', 'PaymentReceived']);
    const [closedEvent] = (await t.runtime.store.readStream('loans.loan-late')).slice(-1);
    expect(closedEvent.metadata).toMatchObject({ command: 'CloseBusinessDay', occurredAt: '2024-02-16', actor: { role: 'system' } });

    await Promise.all(['paid', 'late', 'penal', 'old'].map(readBack));
    const m1 = await supervisor('GET', '/loans/accounts?stage=M1');
    expect(m1.status).toBe(200);
    expect(m1.body.asOf).toBe('2024-02-16');
    expect(m1.body.items.map((i: { loanId: string; dpd: number }) => [i.loanId, i.dpd])).toEqual([
      ['late', 1],
      ['penal', 1],
    ]);
    expect(m1.body.items[1]).toMatchObject({ overdueAmount: 103_050, penaltyAccrued: 50 });
    // DPD keeps counting for a quiet loan: `old` was evaluated on Feb 14 (75) and is 77 on the 16th.
    const deep = await supervisor('GET', '/loans/accounts?dpdMin=70&dpdMax=90');
    expect(deep.body.items.map((i: { loanId: string; dpd: number; stage: string }) => [i.loanId, i.dpd, i.stage])).toEqual([['old', 77, 'M3']]);
    const current = await supervisor('GET', '/loans/accounts?stage=M0&customerId=cust-paid');
    expect(current.body.items.map((i: { loanId: string }) => i.loanId)).toEqual(['paid']);

    // Cursor pagination walks every loan once.
    const first = await supervisor('GET', '/loans/accounts?limit=3');
    expect(first.body.items).toHaveLength(3);
    const second = await supervisor('GET', `/loans/accounts?limit=3&after=${first.body.nextCursor}`);
    expect([...first.body.items, ...second.body.items].map((i: { loanId: string }) => i.loanId)).toEqual(['late', 'old', 'paid', 'penal']);
    expect(second.body.nextCursor).toBeNull();

    const aging = await eventually(async () => {
      const res = await supervisor('GET', '/loans/aging?from=2024-02-14');
      return res.status === 200 && res.body.dates.length === 3 ? res.body : undefined;
    });
    const byStage = (date: string) =>
      Object.fromEntries(
        aging.dates
          .find((d: { businessDate: string }) => d.businessDate === date)
          .stages.filter((s: { loans: number }) => s.loans > 0)
          .map((s: { stage: string; loans: number; balance: number }) => [s.stage, [s.loans, s.balance]]),
      );
    expect(byStage('2024-02-15')).toEqual({ M0: [3, 306_000 + 203_000 + 306_000], M3: [1, 306_000] });
    expect(byStage('2024-02-16')).toEqual({ M0: [1, 203_000], M1: [2, 306_000 + 306_050], M3: [1, 306_000] });

    // On Feb 17 a backdated payment (valued on the due date) cures `late`; its reversal re-opens it.
    const cure = await service('POST', '/loans/accounts/late/payments', { reference: 'TX-2', amount: 103_000, valueDate: '2024-02-15' });
    expect(cure.status).toBe(202);
    // The days already reported past due were not: the history is restated (docs/corrections.md).
    expect(cure.body.events).toEqual(['PaymentReceived', 'DelinquencyStageChanged', 'LoanCured', 'DelinquencyRestated']);
    const cured = await readBack('late');
    expect(cured).toMatchObject({ stage: 'M0', delinquent: false, position: { dpd: 0, overdueAmount: 0 } });
    expect(cured.schedule[0]).toMatchObject({ seq: 1, paidPrincipal: 100_000, paidInterest: 3_000, status: 'paid' });

    const reversed = await service('POST', '/loans/accounts/late/payments/TX-2/reversal', { reason: 'bounced by the payer bank' });
    expect(reversed.status).toBe(202);
    expect(reversed.body.events).toEqual(['PaymentReversed', 'LoanBecameDelinquent', 'DelinquencyStageChanged', 'DelinquencyRestated']);
    const reopened = await readBack('late');
    expect(reopened).toMatchObject({ stage: 'M1', delinquent: true, position: { dpd: 2, overdueAmount: 103_000 } });
    expect(reopened.schedule[0]).toMatchObject({ paidPrincipal: 0, status: 'overdue' });
    expect(reopened.payments).toEqual([
      {
        reference: 'TX-2',
        amount: 103_000,
        valueDate: '2024-02-15',
        recordedOn: '2024-02-17',
        status: 'reversed',
        reversal: { reason: 'bounced by the payer bank', recordedOn: '2024-02-17' },
        allocations: [],
        unapplied: 0,
      },
    ]);
    const paidDetail = await readBack('paid');
    expect(paidDetail.payments[0].allocations).toEqual([
      { seq: 1, component: 'interest', amount: 3_000 },
      { seq: 1, component: 'principal', amount: 100_000 },
    ]);

    // The next day carries on from the reopened state: `penal` accrues again, nothing else changes.
    const feb17 = await closeDay('2024-02-17');
    expect(feb17).toMatchObject({ loansChanged: 1, events: 1 });
    expect((await types('penal')).at(-1)).toBe('PenaltyAccrued');
  });

  it('closes business days one at a time, refusing a skipped or repeated day with nothing appended', async () => {
    const before = await calendarEvents();
    const open = await supervisor('GET', '/loans/calendar');
    expect(open.body).toMatchObject({ status: 'open', openBusinessDate: '2024-02-18', lastClosed: '2024-02-17' });
    const skip = await service('POST', '/loans/calendar/close', { businessDate: '2024-02-20' });
    expect([skip.status, skip.body.code, skip.body.details]).toEqual([
      422,
      'BUSINESS_DAY_SKIPPED',
      { businessDate: '2024-02-20', openBusinessDate: '2024-02-18' },
    ]);
    const back = await service('POST', '/loans/calendar/close', { businessDate: '2024-02-16' });
    expect([back.status, back.body.code]).toEqual([409, 'BUSINESS_DAY_ALREADY_CLOSED']);
    expect(await calendarEvents()).toEqual(before);
    const notRun = await supervisor('GET', '/loans/calendar/days/2024-02-20');
    expect([notRun.status, notRun.body.code]).toEqual([404, 'END_OF_DAY_NOT_FOUND']);
  });

  describe('bad input gets a problem and appends nothing', () => {
    beforeAll(async () => {
      const res = await service('POST', '/loans/accounts', loan('bad-1'));
      expect(res.status).toBe(201);
      expect((await service('POST', '/loans/accounts/bad-1/payments', { reference: 'TX-9', amount: 5_000, valueDate: '2024-02-17' })).status).toBe(202);
    });

    it.each<[string, string, Record<string, unknown>, number, string, string]>([
      ['an unknown loan', '/loans/accounts/nope/payments', { reference: 'TX-1', amount: 100, valueDate: '2024-02-17' }, 404, 'LOAN_NOT_FOUND', 'nope'],
      ['a negative amount', '/loans/accounts/bad-1/payments', { reference: 'TX-10', amount: -100, valueDate: '2024-02-17' }, 400, 'VALIDATION_FAILED', 'bad-1'],
      [
        'a fractional amount of fen',
        '/loans/accounts/bad-1/payments',
        { reference: 'TX-11', amount: 100.5, valueDate: '2024-02-17' },
        400,
        'VALIDATION_FAILED',
        'bad-1',
      ],
      [
        'an amount given as a string',
        '/loans/accounts/bad-1/payments',
        { reference: 'TX-12', amount: '100', valueDate: '2024-02-17' },
        400,
        'VALIDATION_FAILED',
        'bad-1',
      ],
      [
        'an unknown field',
        '/loans/accounts/bad-1/payments',
        { reference: 'TX-13', amount: 100, valueDate: '2024-02-17', payer: 'x' },
        400,
        'VALIDATION_FAILED',
        'bad-1',
      ],
      [
        'a date that does not exist',
        '/loans/accounts/bad-1/payments',
        { reference: 'TX-14', amount: 100, valueDate: '2024-02-30' },
        400,
        'VALIDATION_FAILED',
        'bad-1',
      ],
      [
        'a value date after the business date',
        '/loans/accounts/bad-1/payments',
        { reference: 'TX-15', amount: 100, valueDate: '2024-02-19' },
        422,
        'VALUE_DATE_IN_FUTURE',
        'bad-1',
      ],
      [
        'a known reference with another amount',
        '/loans/accounts/bad-1/payments',
        { reference: 'TX-9', amount: 5_001, valueDate: '2024-02-17' },
        409,
        'DUPLICATE_PAYMENT_REFERENCE',
        'bad-1',
      ],
      ['a reversal of an unknown payment', '/loans/accounts/bad-1/payments/TX-404/reversal', { reason: 'bounced' }, 404, 'PAYMENT_NOT_FOUND', 'bad-1'],
      ['a schedule not summing to the principal', '/loans/accounts', loan('bad-2', { principal: 300_001 }), 422, 'SCHEDULE_PRINCIPAL_MISMATCH', 'bad-2'],
      ['a negative installment', '/loans/accounts', loan('bad-3', { schedule: [{ ...SCHEDULE[0], principal: -1 }] }), 400, 'VALIDATION_FAILED', 'bad-3'],
      ['an unknown time zone', '/loans/accounts', loan('bad-4', { timeZone: 'Mars/Olympus' }), 400, 'VALIDATION_FAILED', 'bad-4'],
      [
        'a disbursement after the business date',
        '/loans/accounts',
        loan('bad-5', { disbursementDate: '2024-02-19', schedule: [{ seq: 1, dueDate: '2024-03-19', principal: 300_000, interest: 0 }] }),
        422,
        'DISBURSEMENT_IN_FUTURE',
        'bad-5',
      ],
    ])('%s', async (_what, path, body, status, code, loanId) => {
      const before = await types(loanId);
      const res = await service('POST', path, body);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect([res.status, res.body.code]).toEqual([status, code]);
      expect(await types(loanId)).toEqual(before);
    });

    it('names the offending field of a 400', async () => {
      const res = await service('POST', '/loans/accounts/bad-1/payments', { reference: 'TX-20', amount: -1, valueDate: '2024-02-17' });
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['amount']);
    });

    it('re-delivers the same payment (same Idempotency-Key) once', async () => {
      const body = { reference: 'TX-30', amount: 1_000, valueDate: '2024-02-17' };
      const first = await service('POST', '/loans/accounts/bad-1/payments', body, { 'idempotency-key': 'cb-msg-30' });
      const again = await service('POST', '/loans/accounts/bad-1/payments', body, { 'idempotency-key': 'cb-msg-30' });
      expect([first.status, again.status]).toEqual([202, 202]);
      expect(again.body).toEqual({ ...first.body, duplicate: true });
      expect((await types('bad-1')).filter((x) => x === 'PaymentReceived')).toHaveLength(2);
      // The same reference and amount without a key is recognised by the account itself: nothing new.
      const plain = await service('POST', '/loans/accounts/bad-1/payments', body);
      expect([plain.status, plain.body.events]).toEqual([202, []]);
      expect((await types('bad-1')).filter((x) => x === 'PaymentReceived')).toHaveLength(2);
    });

    it('lets only service and admin write, and answers reads with a 404 for an unknown loan', async () => {
      const collector = t.as('collector', 'col-1');
      const write = await collector('POST', '/loans/accounts/bad-1/payments', { reference: 'TX-40', amount: 100, valueDate: '2024-02-17' });
      expect([write.status, write.body.code]).toEqual([403, 'FORBIDDEN']);
      const missing = await collector('GET', '/loans/accounts/nope');
      expect([missing.status, missing.body.code]).toEqual([404, 'LOAN_NOT_FOUND']);
      const badQuery = await collector('GET', '/loans/accounts?dpdMin=10&dpdMax=5');
      expect([badQuery.status, badQuery.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    });
  });

  it('documents the loans routes in OpenAPI', async () => {
    const doc = await t.request('GET', '/docs/json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/loans/accounts', '/loans/accounts/{loanId}', '/loans/accounts/{loanId}/payments', '/loans/aging', '/loans/calendar/close']),
    );
    const register = doc.body.paths['/loans/accounts'].post;
    expect(register.tags).toEqual(['loans']);
    expect(register.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['loanId', 'principal', 'schedule']));
  });

  it('publishes everything it stored as Kafka messages valid against docs/asyncapi.yaml', async () => {
    const contract = await checkStoredEvents(t.runtime.store, CONTEXTS);
    expect(contract.problems).toEqual([]);
    const loansTypes = [
      'LoanRegistered',
      'PaymentReceived',
      'PaymentReversed',
      'LoanBecameDelinquent',
      'DelinquencyStageChanged',
      'LoanCured',
      'EndOfDayCompleted',
    ];
    expect(contract.typesOn('arrears.loans.v1')).toEqual(expect.arrayContaining(loansTypes.map((type) => `arrears.loans.${type}`)));
  });
});
