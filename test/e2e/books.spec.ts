import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { bootApp, eventually, storeReadable, type TestApp, type TestResponse } from '#test-support/app.js';
import { closeBusinessDay } from '#test-support/clock.js';
import { addDays } from '#kernel';

/**
 * The books a bank keeps, over HTTP with every context running: a write-off under four eyes that
 * closes the loan in Loans (it stops ageing) and the case in Collection, recoveries after it, and
 * product bounds (the penalty-rate cap).
 *
 * The calendar opens on 2024-03-01; loans are mirrored late (disbursed 2023-11-01, installments due
 * on the 1st of December, January and February, nothing paid): 91 days past due on registration.
 */
const OPEN = '2024-03-01';

function lateLoan(loanId: string, overrides: Record<string, unknown> = {}) {
  return {
    loanId,
    customerId: `cust-${loanId}`,
    productCode: 'CASH-3M',
    principal: 300_000,
    annualRateBps: 1200,
    termMonths: 3,
    disbursementDate: '2023-11-01',
    timeZone: 'Asia/Shanghai',
    schedule: [
      { seq: 1, dueDate: '2023-12-01', principal: 100_000, interest: 3_000 },
      { seq: 2, dueDate: '2024-01-01', principal: 100_000, interest: 2_000 },
      { seq: 3, dueDate: '2024-02-01', principal: 100_000, interest: 1_000 },
    ],
    ...overrides,
  };
}

type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<TestResponse>;

describe('the books: write-off and bounds', () => {
  let t: TestApp;
  let service: Call;
  let supervisor: Call;
  let riskManager: Call;
  let otherSupervisor: Call;

  const types = async (loanId: string) => (await t.runtime.store.readStream(`loans.loan-${loanId}`)).map((e) => e.type);
  const loanView = (loanId: string, ok: (body: any) => boolean, what: string) =>
    eventually(
      async () => {
        const res = await supervisor('GET', `/loans/accounts/${loanId}`);
        return res.status === 200 && ok(res.body) ? res.body : undefined;
      },
      20_000,
      what,
    );
  const caseView = (caseId: string, ok: (body: any) => boolean, what: string) =>
    eventually(
      async () => {
        const res = await t.as('auditor', 'aud-1')('GET', `/collection/cases/${caseId}`);
        return res.status === 200 && ok(res.body) ? res.body : undefined;
      },
      20_000,
      what,
    );

  beforeAll(async () => {
    t = await bootApp(CONTEXTS);
    service = t.as('service', 'core-banking');
    supervisor = t.as('supervisor', 'sup-1');
    otherSupervisor = t.as('supervisor', 'sup-2');
    riskManager = t.as('risk_manager', 'rm-1');
    expect((await service('POST', '/loans/calendar', { openBusinessDate: OPEN })).status).toBe(201);
    // For the daily classification: one loan 270 days past due on the open date, one 360.
    for (const [loanId, due] of [
      ['C-270', '2023-06-05'],
      ['C-360', '2023-03-07'],
    ]) {
      const body = lateLoan(loanId, {
        principal: 100_000,
        termMonths: 1,
        disbursementDate: addDays(due, -30),
        schedule: [{ seq: 1, dueDate: due, principal: 100_000, interest: 1_000 }],
      });
      expect((await service('POST', '/loans/accounts', body)).status).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('writes a loan off under four eyes: the loan stops ageing, the case closes as written off, later money is a recovery', async () => {
    expect((await service('POST', '/loans/accounts', lateLoan('WO-1'))).status).toBe(201);
    await caseView('WO-1-E1', (c) => c.status !== 'CLOSED', 'case of WO-1 open');
    // Collection cannot close a case as written off before Loans has written the loan off.
    const caseEvents = async () => (await t.runtime.store.readStream('collection.case-WO-1-E1')).length;
    const openCase = await caseEvents();
    const admin = t.as('admin', 'adm-1');
    const early = await admin('POST', '/collection/cases/WO-1-E1/close', { reason: 'WRITTEN_OFF', note: 'uncollectable' });
    expect({ status: early.status, code: early.body.code }).toEqual({ status: 409, code: 'LOAN_NOT_WRITTEN_OFF' });
    expect(await caseEvents()).toBe(openCase);

    // Maker: a supervisor with a reason. The maker cannot also be the checker.
    const requested = await supervisor('POST', '/loans/accounts/WO-1/write-off', { requestId: 'wo-1', reason: 'debtor deceased, no estate' });
    expect(requested.status).toBe(202);
    const selfApproval = await supervisor('POST', '/loans/accounts/WO-1/write-off/wo-1/approval');
    expect({ status: selfApproval.status, type: selfApproval.headers.get('content-type'), code: selfApproval.body.code }).toEqual({
      status: 403,
      type: expect.stringContaining('application/problem+json'),
      code: 'MAKER_CANNOT_CHECK',
    });
    // A collector may neither ask nor approve (the route refuses the role).
    expect((await t.as('collector', 'col-1')('POST', '/loans/accounts/WO-1/write-off/wo-1/approval')).status).toBe(403);
    // Bad input never reaches the domain.
    const bad = await otherSupervisor('POST', '/loans/accounts/WO-1/write-off', { requestId: 'wo-2' });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const before = await types('WO-1');

    const approved = await riskManager('POST', '/loans/accounts/WO-1/write-off/wo-1/approval');
    expect(approved.status).toBe(202);
    const stored = (await t.runtime.store.readStream('loans.loan-WO-1')).filter((e) => e.type === 'LoanWrittenOff');
    expect(stored).toHaveLength(1);
    expect(stored[0].data).toMatchObject({ writtenOffOn: OPEN, amount: 306_000, dpd: 91, requestedBy: 'sup-1', approvedBy: 'rm-1' });
    expect((await types('WO-1')).slice(0, before.length)).toEqual(before);

    const written = await loanView('WO-1', (l) => l.status === 'written_off', 'WO-1 written off');
    expect(written.writeOff).toMatchObject({ offBookBalance: 306_000, recovered: 0, writtenOff: { writtenOffOn: OPEN, approvedBy: 'rm-1' } });
    await caseView('WO-1-E1', (c) => c.status === 'CLOSED' && c.closeReason === 'WRITTEN_OFF', 'case of WO-1 closed as written off');
    const closedCase = await caseEvents();
    expect((await admin('POST', '/collection/cases/WO-1-E1/close', { reason: 'WRITTEN_OFF', note: 'uncollectable' })).status).toBe(202);
    expect(await caseEvents()).toBe(closedCase);

    // Days pass: DPD stays frozen and the end of day appends nothing to the loan.
    const frozen = await types('WO-1');
    await closeBusinessDay(service, OPEN);
    await closeBusinessDay(service, '2024-03-02');
    expect(await types('WO-1')).toEqual(frozen);
    const later = await loanView('WO-1', (l) => l.asOf === '2024-03-02', 'WO-1 valued on 03-02');
    expect(later.position.dpd).toBe(91);

    // A payment afterwards is a recovery against the off-book balance.
    expect((await service('POST', '/loans/accounts/WO-1/payments', { reference: 'REC-1', amount: 50_000, valueDate: '2024-03-03' })).status).toBe(202);
    const recovered = await loanView('WO-1', (l) => l.writeOff.recovered === 50_000, 'recovery on WO-1');
    expect(recovered.writeOff.offBookBalance).toBe(256_000);
    const listed = await supervisor('GET', '/loans/accounts?status=written_off');
    expect(listed.body.items.map((l: any) => [l.loanId, l.outstanding, l.dpd])).toEqual([['WO-1', 256_000, 91]]);
    // Nothing else is a fact on a written-off loan.
    const again = await otherSupervisor('POST', '/loans/accounts/WO-1/write-off', { requestId: 'wo-3', reason: 'again' });
    expect({ status: again.status, code: again.body.code }).toEqual({ status: 409, code: 'LOAN_WRITTEN_OFF' });
  });

  it('a supervisor approves only within their limit; a rejected request appends nothing else', async () => {
    const big = 3_000_000;
    const body = lateLoan('WO-2', {
      principal: big,
      termMonths: 1,
      schedule: [{ seq: 1, dueDate: '2023-12-01', principal: big, interest: 0 }],
    });
    expect((await service('POST', '/loans/accounts', body)).status).toBe(201);
    expect((await riskManager('POST', '/loans/accounts/WO-2/write-off', { requestId: 'wo-1', reason: 'uncollectable' })).status).toBe(202);
    const before = await types('WO-2');
    const tooBig = await supervisor('POST', '/loans/accounts/WO-2/write-off/wo-1/approval');
    expect({ status: tooBig.status, code: tooBig.body.code, limit: tooBig.body.details?.limit }).toEqual({
      status: 403,
      code: 'WRITE_OFF_ABOVE_APPROVAL_LIMIT',
      limit: 2_000_000,
    });
    expect(await types('WO-2')).toEqual(before);
    expect((await supervisor('POST', '/loans/accounts/WO-2/write-off/wo-1/rejection', { reason: 'recovery agency engaged' })).status).toBe(202);
    expect((await types('WO-2')).slice(before.length)).toEqual(['WriteOffRejected']);
  });

  it('refuses a penalty rate above the cap with a stable code, and accepts grace days and a tolerance', async () => {
    const above = await service('POST', '/loans/accounts', lateLoan('CAP-1', { product: { penaltyAnnualRateBps: 100_000 } }));
    expect({ status: above.status, code: above.body.code, cap: above.body.details?.capBps }).toEqual({
      status: 422,
      code: 'PENALTY_RATE_ABOVE_CAP',
      cap: 2_400,
    });
    expect(await types('CAP-1')).toEqual([]);
    const ok = await service(
      'POST',
      '/loans/accounts',
      lateLoan('CAP-2', { product: { penaltyAnnualRateBps: 1_800, graceDays: 3, shortfallToleranceFen: 100 } }),
    );
    expect(ok.status).toBe(201);
  });

  it('a shortfall within the tolerance is not past due, and an installment within its grace days is not yet', async () => {
    // One installment of 1,010.00 due the day before the open business date.
    const yesterday = addDays((await service('GET', '/loans/calendar')).body.openBusinessDate, -1);
    const dueYesterday = (loanId: string, product?: Record<string, unknown>) =>
      lateLoan(loanId, {
        principal: 100_000,
        termMonths: 1,
        disbursementDate: '2024-02-01',
        schedule: [{ seq: 1, dueDate: yesterday, principal: 100_000, interest: 1_000 }],
        product,
      });
    // Paid on the due date but for 0.50: past due without a tolerance, not with a tolerance of 1.00.
    for (const [loanId, product] of [
      ['TOL-1', { shortfallToleranceFen: 100 }],
      ['TOL-2', undefined],
    ] as const) {
      expect((await service('POST', '/loans/accounts', dueYesterday(loanId, product))).status).toBe(201);
      expect((await service('POST', `/loans/accounts/${loanId}/payments`, { reference: `P-${loanId}`, amount: 100_950, valueDate: yesterday })).status).toBe(
        202,
      );
    }
    expect((await loanView('TOL-1', (l) => l.payments.length === 1, 'TOL-1 paid')).position).toMatchObject({ dpd: 0, overdueAmount: 50 });
    expect((await loanView('TOL-2', (l) => l.payments.length === 1, 'TOL-2 paid')).position).toMatchObject({ dpd: 1, overdueAmount: 50 });
    expect((await types('TOL-1')).slice(-2)).toEqual(['LoanCured', 'DelinquencyRestated']);
    // Three grace days: unpaid one day after its due date, the loan is not past due yet.
    expect((await service('POST', '/loans/accounts', dueYesterday('GRACE-1', { graceDays: 3 }))).status).toBe(201);
    expect((await loanView('GRACE-1', () => true, 'GRACE-1 registered')).position.dpd).toBe(0);
    expect(await types('GRACE-1')).not.toContain('LoanBecameDelinquent');
  });

  it("rolls a due date on a public holiday or a weekend to China's next working day when the product says so", async () => {
    const schedule = [
      { seq: 1, dueDate: '2024-04-04', principal: 50_000, interest: 500 }, // 清明: rolled to Sunday 7 April, a make-up working day
      { seq: 2, dueDate: '2024-05-01', principal: 50_000, interest: 500 }, // 劳动节: rolled to Monday 6 May
    ];
    const body = lateLoan('ROLL-1', {
      principal: 100_000,
      termMonths: 2,
      disbursementDate: '2024-03-01',
      schedule,
      product: { dueDateRoll: 'NEXT_WORKING_DAY' },
    });
    expect((await service('POST', '/loans/accounts', body)).status).toBe(201);
    const registered = (await t.runtime.store.readStream('loans.loan-ROLL-1')).find((e) => e.type === 'LoanRegistered')!.data as any;
    expect(registered.schedule.map((i: any) => [i.contractualDueDate, i.dueDate])).toEqual([
      ['2024-04-04', '2024-04-07'],
      ['2024-05-01', '2024-05-06'],
    ]);
    expect(registered.product.workingDayCalendar).toMatch(/^CN\/chinese-days@/);
    const view = await loanView('ROLL-1', () => true, 'ROLL-1 registered');
    expect(view.schedule.map((i: any) => [i.contractualDueDate, i.dueDate])).toEqual([
      ['2024-04-04', '2024-04-07'],
      ['2024-05-01', '2024-05-06'],
    ]);
    expect(view.position.nextDueDate).toBe('2024-04-07');
    // Without the setting the dates stay as sent; an unknown convention never reaches the domain.
    expect((await service('POST', '/loans/accounts', lateLoan('ROLL-2', { ...body, loanId: 'ROLL-2', product: undefined }))).status).toBe(201);
    expect((await loanView('ROLL-2', () => true, 'ROLL-2 registered')).schedule[0]).toMatchObject({ dueDate: '2024-04-04', contractualDueDate: null });
    const bad = await service('POST', '/loans/accounts', { ...body, loanId: 'ROLL-3', product: { dueDateRoll: 'PRECEDING' } });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });

  const classification = (loanId: string, ok: (c: any) => boolean, what: string) =>
    eventually(
      async () => {
        const res = await riskManager('GET', `/grading/loans/${loanId}/classification`);
        return res.status === 200 && ok(res.body) ? res.body : undefined;
      },
      20_000,
      what,
    );

  it('reclassifies at each end of day as DPD crosses 270 and 360 inside M6+, with the rules version in force', async () => {
    // Both loans were registered on 03-01 at DPD 270 and 360: substandard and doubtful that day.
    // The first test closed 03-01 and 03-02: on 03-02 they are 271 and 361 days past due, with no Loans event.
    const doubtful = await classification('C-270', (c) => c.category === 'doubtful', 'C-270 doubtful');
    expect(doubtful).toMatchObject({ rule: 'overdue.over-doubtful-days', dpd: 271, asOf: '2024-03-02', rulesVersion: 'builtin-2023' });
    expect(doubtful.history.map((h: any) => [h.category, h.asOf, h.trigger.type])).toEqual([
      ['doubtful', '2024-03-02', 'EndOfDayCompleted'],
      ['substandard', OPEN, expect.any(String)],
    ]);
    const loss = await classification('C-360', (c) => c.category === 'loss', 'C-360 loss');
    expect(loss).toMatchObject({ rule: 'overdue.over-loss-days', dpd: 361, asOf: '2024-03-02' });
  });

  it('reports categories per business date, equal to a count made from the events, with the migration and the NPL ratio; CSV too', async () => {
    const date = '2024-03-02';
    await classification('C-360', (c) => c.category === 'loss', 'C-360 loss');
    const report = await eventually(
      async () => {
        const res = await riskManager('GET', `/grading/classifications/report?businessDate=${date}`);
        return res.status === 200 && res.body.categories.find((c: any) => c.category === 'loss').loans >= 1 ? res.body : undefined;
      },
      20_000,
      'report',
    );
    // The same count, made from the events: each loan's latest LoanClassified as of the date, over
    // the loans registered (mirrored) by then and neither paid off nor written off by then; balance = principal
    // less principal paid.
    await storeReadable(t);
    const all = await t.runtime.store.readAll({ from: 'start', maxCount: 100_000 });
    const category = new Map<string, string>();
    const onBook = new Map<string, number>();
    for (const e of all.events) {
      const d = e.data as any;
      if (e.type === 'LoanClassified' && d.asOf <= date) category.set(d.loanId, d.category);
      if (!e.streamId.startsWith('loans.loan-')) continue;
      const loanId = e.streamId.slice('loans.loan-'.length);
      if (e.type === 'LoanRegistered' && d.registeredOn <= date) onBook.set(loanId, d.principal);
      if (e.type === 'PaymentReceived' && d.businessDate <= date && onBook.has(loanId)) {
        onBook.set(loanId, onBook.get(loanId)! - d.allocations.filter((a: any) => a.component === 'principal').reduce((x: number, a: any) => x + a.amount, 0));
      }
      if ((e.type === 'LoanWrittenOff' && d.writtenOffOn <= date) || (e.type === 'LoanPaidOff' && d.asOf <= date)) onBook.delete(loanId);
    }
    const expected = ['normal', 'special_mention', 'substandard', 'doubtful', 'loss'].map((c) => {
      const loans = [...onBook].filter(([id]) => (category.get(id) ?? 'normal') === c);
      return { category: c, loans: loans.length, balance: loans.reduce((x, [, b]) => x + b, 0) };
    });
    expect(report.categories).toEqual(expected);
    expect(report.categories.find((c: any) => c.category === 'doubtful').loans).toBeGreaterThanOrEqual(1);
    expect(report.previousMonthEnd).toBe('2024-02-29');
    // Nothing was on the books at the end of February: every loan is NEW.
    expect(report.migration.every((m: any) => m.from === 'NEW')).toBe(true);
    expect(report.migration.reduce((x: number, m: any) => x + m.loans, 0)).toBe(onBook.size);
    const npl = expected.filter((c) => ['substandard', 'doubtful', 'loss'].includes(c.category)).reduce((x, c) => x + c.balance, 0);
    const total = expected.reduce((x, c) => x + c.balance, 0);
    expect(report.nonPerformingRatioBps).toBe(Math.round((npl * 10_000) / total));

    const csv = await fetch(`${t.baseUrl}/grading/classifications/report?businessDate=${date}&format=csv`, {
      headers: { authorization: `Bearer ${await t.token('risk_manager', 'rm-1')}` },
    });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('section,business_date,category,from,to,loans,balance_fen');
    const loss = expected.find((c) => c.category === 'loss')!;
    expect(lines).toContain(`category,${date},loss,,,${loss.loans},${loss.balance}`);
    const bad = await riskManager('GET', '/grading/classifications/report?businessDate=2024-02-30');
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('a manual downgrade holds with who and why; an upgrade needs a second risk manager and never goes below the rules', async () => {
    const rm2 = t.as('risk_manager', 'rm-2');
    await classification('C-270', (c) => c.category === 'doubtful', 'C-270 doubtful');
    const down = await riskManager('POST', '/grading/loans/C-270/classification/overrides', {
      requestId: 'ov-1',
      category: 'loss',
      reason: 'debtor absconded',
    });
    expect(down.status).toBe(202);
    const lost = await classification('C-270', (c) => c.category === 'loss', 'C-270 downgraded');
    expect(lost).toMatchObject({ rule: 'manual.override', previous: 'doubtful' });
    const below = await riskManager('POST', '/grading/loans/C-270/classification/overrides', {
      requestId: 'ov-2',
      category: 'normal',
      reason: 'paid elsewhere',
    });
    expect({ status: below.status, code: below.body.code }).toEqual({ status: 422, code: 'UPGRADE_BELOW_RULES' });
    expect(
      (
        await riskManager('POST', '/grading/loans/C-270/classification/overrides', {
          requestId: 'ov-3',
          category: 'doubtful',
          reason: 'trace found the debtor',
        })
      ).status,
    ).toBe(202);
    const self = await riskManager('POST', '/grading/loans/C-270/classification/overrides/ov-3/approval');
    expect({ status: self.status, code: self.body.code }).toEqual({ status: 403, code: 'MAKER_CANNOT_CHECK' });
    expect((await classification('C-270', () => true, 'C-270')).category).toBe('loss');
    expect((await rm2('POST', '/grading/loans/C-270/classification/overrides/ov-3/approval')).status).toBe(202);
    await classification('C-270', (c) => c.category === 'doubtful', 'C-270 upgraded after approval');
    const stream = (await t.runtime.store.readStream('grading.loan-C-270')).map((e) => [e.type, (e.data as any).manual?.approvedBy ?? null]);
    expect(stream.slice(-3)).toEqual([
      ['LoanClassified', null],
      ['ClassificationUpgradeRequested', null],
      ['LoanClassified', 'rm-2'],
    ]);
    const bad = await riskManager('POST', '/grading/loans/C-270/classification/overrides', { requestId: 'ov-4', category: 'worst', reason: 'x' });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect((await supervisor('POST', '/grading/loans/C-270/classification/overrides', { requestId: 'ov-5', category: 'loss', reason: 'x' })).status).toBe(403);
  });

  it('settles a loan under four eyes: payments after the approval reach the amount by dueBy, the rest is forgiven, the loan is paid off and its case closes', async () => {
    const open = (await service('GET', '/loans/calendar')).body.openBusinessDate as string;
    expect((await service('POST', '/loans/accounts', lateLoan('ST-1'))).status).toBe(201);
    await caseView('ST-1-E1', (c) => c.status !== 'CLOSED', 'case of ST-1 open');
    const offer = { settlementId: 'st-1', amount: 200_000, dueBy: addDays(open, 3), reason: 'hardship: a lump sum from family' };
    expect((await supervisor('POST', '/loans/accounts/ST-1/settlements', offer)).status).toBe(202);
    // Refusals append nothing: the maker approving, a second offer, bad input.
    const before = await types('ST-1');
    const self = await supervisor('POST', '/loans/accounts/ST-1/settlements/st-1/approval');
    expect({ status: self.status, code: self.body.code }).toEqual({ status: 403, code: 'MAKER_CANNOT_CHECK' });
    const second = await riskManager('POST', '/loans/accounts/ST-1/settlements', { ...offer, settlementId: 'st-2' });
    expect({ status: second.status, code: second.body.code }).toEqual({ status: 409, code: 'SETTLEMENT_ALREADY_OPEN' });
    const bad = await riskManager('POST', '/loans/accounts/ST-1/settlements', { ...offer, amount: 1.5 });
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await types('ST-1')).toEqual(before);

    expect((await otherSupervisor('POST', '/loans/accounts/ST-1/settlements/st-1/approval')).status).toBe(202);
    for (const [reference, amount] of [
      ['ST-P1', 120_000],
      ['ST-P2', 80_000],
    ] as const) {
      expect((await service('POST', '/loans/accounts/ST-1/payments', { reference, amount, valueDate: open })).status).toBe(202);
    }
    const settled = (await t.runtime.store.readStream('loans.loan-ST-1')).filter((e) => e.type === 'LoanSettled');
    expect(settled.map((e) => e.data)).toEqual([
      expect.objectContaining({
        settlementId: 'st-1',
        settledOn: open,
        amount: 200_000,
        paid: 200_000,
        forgiven: 106_000,
        proposedBy: 'sup-1',
        approvedBy: 'sup-2',
      }),
    ]);
    expect((await types('ST-1')).slice(-1)).toEqual(['LoanPaidOff']);
    const view = await loanView('ST-1', (l) => l.status === 'paid_off', 'ST-1 paid off');
    expect(view.position).toMatchObject({ outstandingAmount: 0, paidOff: true, paidOffOn: open });
    expect(view.settlement).toEqual({ open: null, closed: [{ settlementId: 'st-1', outcome: 'settled', approvedBy: 'sup-2' }] });
    await caseView('ST-1-E1', (c) => c.status === 'CLOSED', 'case of ST-1 closed');
  });

  it('keeps one open offer a loan and one approval of it when requests race', async () => {
    const open = (await service('GET', '/loans/calendar')).body.openBusinessDate as string;
    expect((await service('POST', '/loans/accounts', lateLoan('ST-3'))).status).toBe(201);
    const makers = [supervisor, otherSupervisor, riskManager, t.as('risk_manager', 'rm-2')];
    const proposals = await Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        makers[n % 4]('POST', '/loans/accounts/ST-3/settlements', { settlementId: `st-${n}`, amount: 250_000, dueBy: addDays(open, 5), reason: 'race' }),
      ),
    );
    expect(proposals.filter((r) => r.status === 202)).toHaveLength(1);
    expect(proposals.filter((r) => r.status !== 202).map((r) => [r.status, r.body.code])).toEqual(
      Array.from({ length: 7 }, () => [409, 'SETTLEMENT_ALREADY_OPEN']),
    );
    const proposed = (await t.runtime.store.readStream('loans.loan-ST-3')).filter((e) => e.type === 'SettlementProposed');
    expect(proposed).toHaveLength(1);
    const { settlementId, proposedBy } = proposed[0].data as { settlementId: string; proposedBy: string };
    const checkers = [supervisor, otherSupervisor, riskManager].filter((_, n) => ['sup-1', 'sup-2', 'rm-1'][n] !== proposedBy);
    const approvals = await Promise.all(checkers.map((call) => call('POST', `/loans/accounts/ST-3/settlements/${settlementId}/approval`)));
    expect(approvals.filter((r) => r.status === 202)).toHaveLength(1);
    expect(approvals.filter((r) => r.status !== 202).map((r) => [r.status, r.body.code])).toEqual(
      approvals.filter((r) => r.status !== 202).map(() => [409, 'SETTLEMENT_ALREADY_APPROVED']),
    );
    expect((await types('ST-3')).filter((type) => type === 'SettlementApproved')).toHaveLength(1);
  });

  it('an offer not paid in full lapses at the first end of day after dueBy, even on a loan the end of day would skip', async () => {
    const open = (await service('GET', '/loans/calendar')).body.openBusinessDate as string;
    // Current, its only installment due in 60 days: without the offer no end of day before then replays it.
    const body = lateLoan('ST-2', {
      principal: 100_000,
      termMonths: 2,
      disbursementDate: addDays(open, -5),
      schedule: [{ seq: 1, dueDate: addDays(open, 60), principal: 100_000, interest: 2_000 }],
    });
    expect((await service('POST', '/loans/accounts', body)).status).toBe(201);
    expect(
      (
        await supervisor('POST', '/loans/accounts/ST-2/settlements', {
          settlementId: 'st-1',
          amount: 60_000,
          dueBy: open,
          reason: 'early payoff at a discount',
        })
      ).status,
    ).toBe(202);
    expect((await riskManager('POST', '/loans/accounts/ST-2/settlements/st-1/approval')).status).toBe(202);
    expect((await service('POST', '/loans/accounts/ST-2/payments', { reference: 'ST2-P1', amount: 20_000, valueDate: open })).status).toBe(202);
    await closeBusinessDay(service, open);
    expect(await types('ST-2')).not.toContain('SettlementLapsed');
    await closeBusinessDay(service, addDays(open, 1));
    const lapsed = (await t.runtime.store.readStream('loans.loan-ST-2')).filter((e) => e.type === 'SettlementLapsed');
    expect(lapsed.map((e) => e.data)).toEqual([
      { settlementId: 'st-1', amount: 60_000, dueBy: open, paid: 20_000, approved: true, businessDate: addDays(open, 1) },
    ]);
    const view = await loanView('ST-2', (l) => l.settlement?.open === null, 'ST-2 offer lapsed');
    expect(view).toMatchObject({ status: 'active', position: { outstandingAmount: 82_000 } });
    // Too late to approve or pay it now: the offer is gone.
    const late = await otherSupervisor('POST', '/loans/accounts/ST-2/settlements/st-1/approval');
    expect({ status: late.status, code: late.body.code }).toEqual({ status: 404, code: 'SETTLEMENT_NOT_FOUND' });
  });
});
