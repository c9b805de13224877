import { CONTEXTS } from '../../apps/arrears/src/contexts.js';
import { bootApp, eventually, projectionsCaughtUp, type TestApp } from '#test-support/app.js';

/**
 * Reactions decide on whole appends, whatever the batch size. Every projection and reactor here
 * takes one event a batch (PROJECTION_BATCH_SIZE=1), which without whole-append batches would cut
 * every append of several events in two. A loan registered already 270 days past due is one
 * append (LoanRegistered and its delinquency): Grading classifies it once, substandard, exactly as
 * when the append arrives in one batch, never `normal` in between. Runs on both stores.
 */
const OPEN = '2024-03-01';

describe('whole appends', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp(CONTEXTS, { PROJECTION_BATCH_SIZE: '1' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('classifies a loan registered already past due once, with the batch size at one event', async () => {
    const service = t.as('service', 'core-banking');
    expect((await service('POST', '/loans/calendar', { openBusinessDate: OPEN })).status).toBe(201);
    const registered = await service('POST', '/loans/accounts', {
      loanId: 'WA-1',
      customerId: 'cust-WA-1',
      productCode: 'CASH-3M',
      principal: 100_000,
      annualRateBps: 1200,
      termMonths: 1,
      disbursementDate: '2023-05-06',
      timeZone: 'Asia/Shanghai',
      schedule: [{ seq: 1, dueDate: '2023-06-05', principal: 100_000, interest: 1_000 }],
    });
    expect(registered.status).toBe(201);
    const loan = (await t.runtime.store.readStream('loans.loan-WA-1')).map((e) => e.type);
    // One append of several events, the delinquency after the registration.
    expect(loan[0]).toBe('LoanRegistered');
    expect(loan).toContain('LoanBecameDelinquent');

    const riskManager = t.as('risk_manager', 'rm-1');
    await eventually(
      async () => {
        const res = await riskManager('GET', '/grading/loans/WA-1/classification');
        return res.status === 200 && res.body.category === 'substandard' ? true : undefined;
      },
      30_000,
      'WA-1 substandard',
    );
    await projectionsCaughtUp(t);
    const res = await riskManager('GET', '/grading/loans/WA-1/classification');
    expect(res.body.history.map((h: { category: string; asOf: string }) => [h.category, h.asOf])).toEqual([['substandard', OPEN]]);
    const classified = (await t.runtime.store.readStream('grading.loan-WA-1')).filter((e) => e.type === 'LoanClassified');
    expect(classified.map((e) => (e.data as { category: string }).category)).toEqual(['substandard']);
  });
});
